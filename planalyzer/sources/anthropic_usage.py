from planalyzer.sources.base import Source


class AnthropicUsage(Source):
    name = "anthropic-usage"
