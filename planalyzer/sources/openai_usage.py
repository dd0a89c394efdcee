from planalyzer.sources.base import Source


class OpenAIUsage(Source):
    name = "openai-usage"
