"""Timestamp text that ends in a UTC offset or Z: one reading and one check for every reader.

DuckDB's cast takes any offset (``+99:00``, ``+05:75``) and moves the time by it: real zones
lie within -12:00..+14:00, so an offset outside is rejected (``OFFSET_OUT_OF_RANGE``), never
read as a shift of days. The cast refuses a space before the offset (``2026-10-01 10:30:00
+0000``, as Ruby, git and ``date`` write it), a lower-case ``z`` and a decimal comma, which
ISO 8601 and the pattern allow: such text is normalised and cast again.

The tabular reader builds its SQL from these (planalyzer.sources.tabular); the vendor JSON
projections and the Claude Code reader call the macros ``pa_ts`` and ``pa_ts_problem``
(sql/create_ts_macro.sql, sql/create_ts_problem_macro.sql: ``create_ts_macros``); Codex,
parsed in Python, calls ``iso_text``. No typer or rich here.
"""

from __future__ import annotations

import re
from datetime import datetime

import duckdb

from planalyzer import sqlfiles

# a time of day (seconds and a fraction optional)
TIME = r"[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?"
# the time of day followed by an offset or Z: the text carries its own zone
HAS_OFFSET = rf"{TIME}\s*([Zz]|[+-][0-9]{{2}}(:?[0-9]{{2}})?)$"
# an offset real zones use: -12:00 to +14:00 (a +99:00 would move the request days)
OFFSET_OK = (rf"{TIME}\s*([Zz]|[+](0[0-9]|1[0-3])(:?[0-5][0-9])?|[+]14(:?00)?"
             r"|-(0[0-9]|1[01])(:?[0-5][0-9])?|-12(:?00)?)$")
OFFSET_OUT_OF_RANGE = "timestamp offset out of range (real offsets lie within -12:00..+14:00)"

_HAS_OFFSET_RE = re.compile(HAS_OFFSET)
_OFFSET_OK_RE = re.compile(OFFSET_OK)


def sql_regex(pattern: str) -> str:
    """A regular expression of this module as a SQL string literal."""
    return "'" + pattern.replace("'", "''") + "'"


def normalised(t: str) -> str:
    """SQL: text ``t`` (VARCHAR) as DuckDB's cast takes it: a decimal comma of the seconds as
    a point, the space before an offset or Z dropped, upper case (``z``, a ``t`` between date
    and time)."""
    comma = rf"regexp_replace({t}, '(:[0-9]{{2}}),([0-9]+)', '\1.\2')"
    return rf"upper(regexp_replace({comma}, '\s+([Zz]|[+-][0-9]{{2}}(:?[0-9]{{2}})?)$', '\1'))"


def offset_value(t: str) -> str:
    """SQL: the TIMESTAMPTZ of text ``t`` that ends in an offset or Z: DuckDB's cast, else the
    cast of the text ``normalised`` (only the rows the first cast leaves NULL); NULL where
    neither reads it."""
    return f"coalesce(TRY_CAST({t} AS TIMESTAMPTZ), TRY_CAST({normalised(t)} AS TIMESTAMPTZ))"


def offset_problem(t: str) -> str:
    """SQL: ``OFFSET_OUT_OF_RANGE`` where text ``t`` ends in an offset outside -12:00..+14:00,
    else NULL (text ending in Z is not searched)."""
    return (f"CASE WHEN NOT ends_with({t}, 'Z') AND regexp_matches({t}, "
            f"{sql_regex(HAS_OFFSET)}) AND NOT regexp_matches({t}, {sql_regex(OFFSET_OK)}) "
            f"THEN '{OFFSET_OUT_OF_RANGE}' END")


def create_ts_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The temp macros ``pa_ts(t)`` (``offset_value``: TIMESTAMPTZ, NULL where unparseable)
    and ``pa_ts_problem(t)`` (``offset_problem``) over timestamp text."""
    sqlfiles.run(con, "create_ts_macro", slots={"value": offset_value("t")}).fetchall()
    sqlfiles.run(con, "create_ts_problem_macro",
                 slots={"problem": offset_problem("t")}).fetchall()


def iso_text(text: str) -> tuple[str | None, str | None]:
    """(the timestamp as ISO text DuckDB's cast reads, None), or (None, why it cannot be used):
    ``OFFSET_OUT_OF_RANGE`` or 'unparseable timestamp' (Python's ISO 8601 reading, which takes
    more forms than DuckDB's cast: 20261001T100000Z; without an offset it stays naive)."""
    text = text.strip().upper()  # a lower-case z (or t)
    if _HAS_OFFSET_RE.search(text) and not _OFFSET_OK_RE.search(text):
        return None, OFFSET_OUT_OF_RANGE
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None, "unparseable timestamp"
    return when.isoformat(), None
