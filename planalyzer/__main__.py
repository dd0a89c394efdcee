"""``python -m planalyzer``: the same as the ``planalyzer`` command."""

from planalyzer.cli import main

main()
