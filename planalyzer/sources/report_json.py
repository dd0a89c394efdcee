"""Vendor usage reports in JSON (API pages of time buckets): a projection kept in sql/."""

from __future__ import annotations

from pathlib import Path

import duckdb

from planalyzer import sqlfiles
from planalyzer.accounting import display_path
from planalyzer.errors import InputError
from planalyzer.sources.mapping import ColumnMapping
from planalyzer.sources.tabular import Projection


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    for name in ("create_int_macro", "create_bad_int_macro"):
        sqlfiles.run(con, name).fetchall()


# A report with no request count: each bucket row (a day, an hour) says requests = 1, so the
# per-request token bound is scaled to this many requests (sql/checked_rows.sql).
UNCOUNTED_BUCKET_REQUESTS = 100_000


def json_projection(sql_name: str, fields: dict[str, str], inclusive: bool = False,
                    counts_requests: bool = True) -> Projection:
    """The projection in ``sql/<sql_name>.sql`` (it reads ``$path``); ``fields`` documents
    which report field feeds each canonical column (shown in the load's mapping table).
    ``counts_requests`` False: the report logs no request count (its rows are buckets)."""
    sql = sqlfiles.load(sql_name).render()
    mapping = ColumnMapping(columns=fields, how=dict.fromkeys(fields, "preset"),
                            input_includes_cache_read=inclusive)
    params = {} if counts_requests else {"bucket_requests": UNCOUNTED_BUCKET_REQUESTS}
    return Projection(sql=sql, reader=f"({sql}) AS p", mapping=mapping, type_problem=None,
                      params=params)


_VENDOR_SOURCE = {"openai": "openai-usage", "anthropic": "anthropic-usage"}
BUCKET_SOURCES = frozenset(_VENDOR_SOURCE.values())  # sources whose event ids name a bucket


def _span(seconds: int) -> str:
    for unit, n in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % n == 0:
            k = seconds // n
            return f"{k} {unit}" + ("s" if k != 1 else "")
    return f"{seconds} s"


def check_overlapping_buckets(con: duckdb.DuckDBPyConnection) -> None:
    """Usage-API buckets of different spans covering the same time (a daily and an hourly
    export of one day) would count the same requests twice: refused, naming the files."""
    rows = sqlfiles.run(con, "overlapping_buckets").fetchall()
    if not rows:
        return
    parts = []
    for vendor, wide, narrow, n, first, sources in rows:
        files = ", ".join(display_path(str(s)) for s in sources)
        parts.append(f"{_VENDOR_SOURCE.get(vendor, vendor)} buckets of {_span(int(wide))} and "
                     f"{_span(int(narrow))} cover the same time ({n:,} overlapping pair(s) "
                     f"from {first} UTC; files: {files})")
    raise InputError("; ".join(parts) + ": loaded together they count the same requests "
                     "twice; load one bucket width per period (leave one of the exports out, "
                     "or load it into another --db file)")


def check_old_bucket_ids(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    """A --db file holding usage-API events an older planalyzer loaded (event ids without the
    bucket width, sql/old_bucket_event_ids.sql): a usage-API file loaded into it now would
    count the buckets it shares with them twice (the ids no longer match). Refused; the old
    rows cannot be re-keyed exactly (their width is not stored)."""
    rows = sqlfiles.run(con, "old_bucket_event_ids").fetchall()
    n, sources = rows[0] if rows else (0, [])
    if not n:
        return
    files = ", ".join(display_path(str(s)) for s in sources or [])
    raise InputError(f"--db {db}: holds {n:,} usage-API event(s) an older planalyzer loaded "
                     f"(from {files}), whose event ids lack the bucket width, so the same "
                     "buckets loaded now would count twice; load every file into a new --db "
                     "file instead")
