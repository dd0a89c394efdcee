"""Writers for ``Table``: json, csv and markdown here (pure), rich in ``render.terminal``."""

from planalyzer.render.formats import FORMATS, render_text

__all__ = ["FORMATS", "render_text"]
