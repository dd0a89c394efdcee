"""``python -m planalyzer``: the same as the ``planalyzer`` command."""

from planalyzer.entry import main

main()
