"""Time-zone names: checked once, where they are read (a --timezone option, a catalog's or a
scenario's calendar window), so a bad name is one clear error rather than a DuckDB exception
deep in the analysis. DuckDB (ICU) decides which names are known: it is the one that uses them.
"""

from __future__ import annotations

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


def check_timezone(tz: str, where: str = "--timezone") -> str:
    """``tz`` if it is UTC/GMT or an IANA name DuckDB knows (Area/Location, or a single-word
    name such as Japan), else a ConfigError that starts with ``where`` (an option, or
    "FILE: KEY"): abbreviations (CST, IST, EST5EDT) are refused as they are in timestamps."""
    if (isinstance(tz, str) and not _NAME_OK.fullmatch(tz) and _ABBREVIATION.fullmatch(tz)
            and is_known(tz)):
        raise ConfigError(f"{where}: {tz!r} is a time zone abbreviation (ambiguous: CST is "
                          f"both US Central and China, IST India, Israel and Ireland); {_HINT}")
    if not isinstance(tz, str) or not is_known(tz):
        raise ConfigError(f"{where}: unknown time zone {tz!r}; {_HINT}")
    return tz
