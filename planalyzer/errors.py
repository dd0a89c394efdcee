"""Errors a user can act on.

Every error planalyzer raises for bad input or usage is a ``PlanalyzerError``: its message names
the file, row or key and says what to do. The CLI prints the message on one line and exits 2,
without a traceback. DuckDB errors about a --db file itself (damaged, a load that cannot be
saved) become such errors too (``planalyzer.store_open.store_error``); Ctrl-C prints
``interrupted`` and exits 130 (SIGTERM: the same, exit 143).
"""

from __future__ import annotations


class PlanalyzerError(Exception):
    """Bad input or usage: the message names what is wrong and what to do. Exit code 2."""

    exit_code = 2


class InputError(PlanalyzerError):
    """A source file or folder cannot be read or has no usable columns."""


class ConfigError(PlanalyzerError):
    """A catalog, scenario or mapping file is wrong (unknown key, wrong type)."""


class MemoryLimitError(ConfigError):
    """DuckDB ran out of memory under planalyzer's memory limit (planalyzer.duck.memory_error):
    the CLI adds what else the command can do (a shorter period, fewer files)."""


class StrictModeError(PlanalyzerError):
    """``--strict`` was given and a row was rejected or a model was unknown."""


class UsageError(PlanalyzerError):
    """An option or argument is out of range or not one of the values it takes (a negative
    count, an unknown choice), or an object is used after it was closed."""


def shorten(value: object, limit: int = 60) -> str:
    """A value from the data as a message shows it: whole up to ``limit`` characters, else its
    first ``limit`` and its length (a 100,000-character user id would fill the terminal)."""
    text = str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"
