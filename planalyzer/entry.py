"""The ``planalyzer`` command's entry point (and ``python -m planalyzer``'s): it imports the
command line (typer, rich, the library: a fraction of a second) inside the Ctrl-C handling,
so an interrupt from the first moment is ``interrupted``, exit 130, not a traceback."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from planalyzer import cli
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    cli.main()
