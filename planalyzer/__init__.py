"""planalyzer: does a flat-rate AI plan lose money, on whom, and what should change?

The library is usable without the CLI (from a notebook, say); ``planalyzer.cli`` is a thin
typer layer over it. The library never imports typer or rich.
"""

__version__ = "0.1.0"
