from planalyzer.sources.base import Source


class Helicone(Source):
    name = "helicone"
