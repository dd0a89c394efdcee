"""Time-zone names: checked once, where they are read (a --timezone option, a catalog's or a
scenario's calendar window), so a bad name is one clear error rather than a DuckDB exception
deep in the analysis. A name must be one DuckDB (ICU) lists and polars knows (``me`` computes
calendar windows in polars, which is case-sensitive and knows only IANA names): it is given back
in the listed spelling (``america/los_angeles`` -> ``America/Los_Angeles``); what DuckDB reads
but does not list (an offset such as ``UTC+5``) is refused.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

import duckdb

from planalyzer import duck, sqlfiles
from planalyzer.errors import ConfigError

_KNOWN: set[str] = {"UTC"}  # names DuckDB accepted (checked once per process)
_HINT = "use an IANA name such as UTC, Europe/Berlin or America/New_York"
# The rule timestamps follow (planalyzer.sources.tabular, README "Timestamps"): UTC/GMT/UT or an
# Area/Location name, or (for --timezone) a single-word IANA name such as Japan; abbreviations
# (PST, CST, IST, EST5EDT ...) mean what the reader takes them for (ICU takes CST for Chicago,
# not China; IST for India).
_NAME_OK = re.compile(r"(?i:utc|gmt|ut)|[A-Za-z_]+/[A-Za-z0-9_+/-]+")
# what reads as an abbreviation: 2-5 letters of one case (CST, AEST, cet) or POSIX-style
# EST5EDT, when DuckDB knows it; single-word IANA names (Japan, Singapore, Zulu) are names, and
# anything DuckDB does not know (a typo, an offset such as +05:30) is an unknown zone
_ABBREVIATION = re.compile(r"[A-Z]{2,5}|[a-z]{2,5}|[A-Za-z]{3,4}[0-9]{1,2}(?:[A-Za-z]{3,4})?")


# a UTC offset (+05:00, -0330, UTC+5, GMT-8), which DuckDB may or may not read: not a zone
_OFFSET = re.compile(r"(?i:utc|gmt|ut)?\s*[+-]\d{1,2}(?::?\d{2})?")


def _offset_message(tz: str, where: str) -> str:
    return (f"{where}: {tz!r} is not a time zone name (an offset is not: give the place's "
            f"zone, which also follows its DST changes; a fixed offset is Etc/GMT-5 for "
            f"UTC+5, the sign reversed); {_HINT}")


def _mixed_case_name(tz: str) -> bool:
    """Whether ``tz`` (in any case) is a zone DuckDB lists in mixed case: a single-word IANA
    name (Japan, Egypt, Zulu, Eire), not an abbreviation (listed as CST, EST5EDT)."""
    listed = _listed().get(tz.lower())
    return listed is not None and listed != listed.upper()


def is_known(tz: str) -> bool:
    """Does DuckDB know the time zone ``tz``?"""
    if tz in _KNOWN:
        return True
    con = duck.connect()
    try:
        sqlfiles.run(con, "check_timezone", {"tz": tz}).fetchall()
    except duckdb.Error:
        return False
    finally:
        con.close()
    _KNOWN.add(tz)
    return True


@functools.cache
def _listed() -> dict[str, str]:
    """The names DuckDB lists, by their lower-case spelling."""
    con = duck.connect()
    try:
        return {str(n).lower(): str(n) for (n,) in sqlfiles.run(con, "timezone_names").fetchall()}
    finally:
        con.close()


@functools.cache
def _polars_knows(tz: str) -> bool:
    if tz == "UTC":
        return True
    import polars as pl  # here: importing the CLI leaves polars out (tests/test_lazy_imports.py)

    try:
        pl.Series([dt.datetime(2026, 1, 1)]).dt.replace_time_zone("UTC").dt.convert_time_zone(tz)
    except pl.exceptions.PolarsError:
        return False
    return True


def check_timezone(tz: str, where: str = "--timezone", *, polars: bool = True) -> str:
    """``tz`` in its IANA spelling if it is UTC/GMT or an IANA name DuckDB lists and polars
    knows (Area/Location, or a single-word name such as Japan; any case), else a ConfigError
    that starts with ``where`` (an option, or "FILE: KEY"): abbreviations (CST, IST, EST5EDT)
    are refused as they are in timestamps, and so are offsets (UTC+5, +05:00). ``polars``
    False: a zone only DuckDB uses (a load's) is not checked against polars, which a load does
    not import (a --db rerun in a fresh process would pay ~0.1 s for it)."""
    if isinstance(tz, str) and _OFFSET.fullmatch(tz.strip()):
        raise ConfigError(_offset_message(tz, where))
    if (isinstance(tz, str) and not _NAME_OK.fullmatch(tz) and _ABBREVIATION.fullmatch(tz)
            and not _mixed_case_name(tz) and is_known(tz)):
        raise ConfigError(f"{where}: {tz!r} is a time zone abbreviation (ambiguous: CST is "
                          f"both US Central and China, IST India, Israel and Ireland); {_HINT}")
    if not isinstance(tz, str) or not is_known(tz):
        raise ConfigError(f"{where}: unknown time zone {tz!r}; {_HINT}")
    name = "UTC" if tz.lower() in ("utc", "ut") else _listed().get(tz.lower())
    if name is None:
        raise ConfigError(_offset_message(tz, where))
    if polars and not _polars_knows(name):
        raise ConfigError(f"{where}: {tz!r} is not in the IANA time zone database (a "
                          f"retired or vendor name); {_HINT}")
    return name
