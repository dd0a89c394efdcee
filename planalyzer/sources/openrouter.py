from planalyzer.sources.base import Source


class OpenRouter(Source):
    name = "openrouter"
