from planalyzer.sources.base import Source


class LiteLLM(Source):
    name = "litellm"
