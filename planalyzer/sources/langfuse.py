from planalyzer.sources.base import Source


class Langfuse(Source):
    name = "langfuse"
