"""The canonical events schema (see the architecture page): one row per model request.

Token classes never overlap: ``input_tokens`` are prompt tokens neither read from nor written to
a prompt cache; cache writes and cache reads are counted apart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    nullable: bool
    meaning: str


EVENT_COLUMNS: tuple[Column, ...] = (
    Column("event_id", "VARCHAR", True, "source's unique id; the deduplication key where present"),
    Column("ts", "TIMESTAMPTZ", False, "request time, stored in UTC"),
    Column("user_id", "VARCHAR", False, "the subscriber or account billed"),
    Column("plan", "VARCHAR", True, "plan the user was on, if the source knows"),
    Column("model", "VARCHAR", False, "model name as logged"),
    Column("input_tokens", "BIGINT", False, "prompt tokens neither read from nor written to cache"),
    Column("cache_write_tokens", "BIGINT", False, "prompt tokens written to the cache (5 minutes)"),
    Column("cache_write_1h_tokens", "BIGINT", False, "prompt tokens written to the cache (1 hour)"),
    Column("cache_read_tokens", "BIGINT", False, "prompt tokens served from the cache"),
    Column("output_tokens", "BIGINT", False, "generated tokens, reasoning included"),
    Column("requests", "BIGINT", False, "requests the row stands for: 1, or a bucket's count"),
    Column("logged_cost_usd", "DOUBLE", True, "the cost the source itself recorded, if any"),
    Column("source", "VARCHAR", False, "which file or export the row came from"),
)

EVENT_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in EVENT_COLUMNS)

TOKEN_COLUMNS: tuple[str, ...] = (
    "input_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "cache_read_tokens",
    "output_tokens",
)

REQUIRED_COLUMNS: tuple[str, ...] = ("ts", "user_id")
