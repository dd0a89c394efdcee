"""Usage headline: who used how much, by token class. Works on the events table alone."""

from __future__ import annotations

import duckdb

from planalyzer import sqlfiles
from planalyzer.checks import check_min
from planalyzer.store_check import require_events
from planalyzer.tables import Col, Table
from planalyzer.timezones import check_timezone

_SUMMARY_COLS = (
    Col("users", "int"), Col("requests", "int"), Col("events", "int"),
    Col("first_ts_utc", "str", "first request (UTC)"),
    Col("last_ts_utc", "str", "last request (UTC)"),
    Col("input_tokens", "tokens", "input tokens"),
    Col("cache_write_tokens", "tokens", "cache write tokens (5 min)"),
    Col("cache_write_1h_tokens", "tokens", "cache write tokens (1 h)"),
    Col("cache_read_tokens", "tokens", "cache read tokens"),
    Col("output_tokens", "tokens", "output tokens"),
)


def usage_summary(con: duckdb.DuckDBPyConnection) -> Table:
    """Users, requests and tokens by class over all loaded events (first and last request
    in UTC, whatever the connection's TimeZone)."""
    require_events(con)
    row = sqlfiles.run(con, "usage_summary").fetchall()[0]  # fetch to the end (DuckDB 2)
    tokens = [int(v) for v in row[5:]]
    total = sum(tokens)
    notes = []
    if total:
        mix = ", ".join(f"{c.key.removesuffix('_tokens')} {v / total:.1%}"
                        for c, v in zip(_SUMMARY_COLS[5:], tokens, strict=True))
        notes.append(f"token mix: {mix}")
    return Table("usage_summary", "Usage", _SUMMARY_COLS, [tuple(row)], notes, record=True)


def top_users_by_tokens(con: duckdb.DuckDBPyConnection, limit: int = 10) -> Table:
    """The heaviest users by total tokens, with their token mix (``limit`` of them, >= 0):
    every logged request, before any plan's limits (a report's figures count served ones)."""
    check_min("limit", limit, 0, "users to list")
    require_events(con)
    rel = sqlfiles.relation(con, "top_users_by_tokens", {"limit": limit})
    return Table(
        "top_users", f"Top {limit} users by tokens logged",
        [Col("user_id"), Col("plan"), Col("requests", "int", "logged requests"),
         Col("input_tokens", "tokens", "input"),
         Col("cache_write_all_tokens", "tokens", "cache write"),
         Col("cache_read_tokens", "tokens", "cache read"),
         Col("output_tokens", "tokens", "output"), Col("total_tokens", "tokens", "total")],
        [tuple(r) for r in rel.fetchall()],
        notes=["logged = every request in the logs, before plan limits; the report counts "
               "served requests only",
               "cache write = 5-minute + 1-hour cache writes (cache_write_all_tokens)"],
    )


def daily_tokens(con: duckdb.DuckDBPyConnection, tz: str = "UTC") -> Table:
    """Token totals per day in ``tz`` (cache creation = 5-minute + 1-hour writes), the figures
    ccusage's ``daily`` report shows for a Claude Code folder. ``tz`` is checked as every
    time zone is (an IANA name; abbreviations such as PST are refused)."""
    tz = check_timezone(tz, "tz", polars=False)
    require_events(con)
    rel = sqlfiles.relation(con, "daily_tokens", {"tz": tz})
    return Table(
        "daily_tokens", f"Tokens per day ({tz})",
        [Col("day"), Col("requests", "int"), Col("input_tokens", "tokens", "input"),
         Col("cache_creation_tokens", "tokens", "cache creation"),
         Col("cache_read_tokens", "tokens", "cache read"),
         Col("output_tokens", "tokens", "output")],
        [tuple(int(v) if i else v for i, v in enumerate(r)) for r in rel.fetchall()],
    )
