from planalyzer.sources.base import Source


class Codex(Source):
    name = "codex"
