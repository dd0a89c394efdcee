"""Benchmark data: N canonical events as parquet, made by DuckDB from range() (fast, seeded by
construction). Realistic shapes: 100k users, a few models, cache-read-heavy token mix, unique
event ids, spread over 3 months in one file per month."""

from __future__ import annotations

from pathlib import Path

import duckdb

# Benchmark-only generator; the product's synthetic population is planalyzer.synth.
_MONTH_SQL = """
COPY (
    SELECT
        'evt-' || lpad(CAST(i AS VARCHAR), 11, '0') AS event_id,
        TIMESTAMPTZ '{start}' + to_microseconds(CAST(hash(i) % {span_us} AS BIGINT)) AS ts,
        'user-' || CAST(hash(i * 7) % $users AS VARCHAR) AS user_id,
        ['free', 'pro', 'max-5x', 'max-20x'][1 + CAST(hash(i * 3) % 4 AS INTEGER)] AS plan,
        ['claude-sonnet-4-5', 'claude-opus-4-5', 'claude-haiku-4-5', 'gpt-5']
            [1 + CAST(hash(i * 5) % 4 AS INTEGER)] AS model,
        CAST(hash(i * 11) % 2000 AS BIGINT) AS input_tokens,
        CAST(hash(i * 13) % 8000 AS BIGINT) AS cache_write_tokens,
        CAST(0 AS BIGINT) AS cache_write_1h_tokens,
        CAST(hash(i * 17) % 150000 AS BIGINT) AS cache_read_tokens,
        CAST(hash(i * 19) % 1500 AS BIGINT) AS output_tokens,
        CAST(1 AS BIGINT) AS requests,
        CAST(NULL AS DOUBLE) AS logged_cost_usd,
        'synthetic' AS source
    FROM range($lo, $hi) AS t(i)
) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)
"""

MONTHS = (("2026-08-01 00:00:00+00", 31), ("2026-09-01 00:00:00+00", 30),
          ("2026-10-01 00:00:00+00", 31))


def make_events(folder: Path, n: int, users: int = 100_000) -> list[Path]:
    """Write n events as month=YYYY-MM/part-0.parquet files under folder (reused if present)."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / f".complete-{n}-{users}"
    paths = []
    per = n // len(MONTHS)
    con = duckdb.connect()
    for k, (start, days) in enumerate(MONTHS):
        lo, hi = k * per, (n if k == len(MONTHS) - 1 else (k + 1) * per)
        path = folder / f"month={start[:7]}" / "part-0.parquet"
        paths.append(path)
        if marker.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        # Identifiers here are our own constants (dates, a path we chose), not user input.
        sql = _MONTH_SQL.format(start=start, span_us=days * 86_400_000_000, path=path)
        con.execute(sql, {"users": users, "lo": lo, "hi": hi})
    marker.touch()
    return paths
