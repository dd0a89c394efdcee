"""The report's user-month money sums are the same bits in every run and with any number of
DuckDB threads (verification 9, finding 8: api_value_usd 1.774332 vs 1.774331 run to run).

DuckDB's sum and fsum of a DOUBLE depend on the order its threads meet the rows; the report's
passes sum money as DECIMAL (exact) and polars sums floats in a fixed order."""

from __future__ import annotations

import duckdb
import polars as pl

from planalyzer import screen
from planalyzer.exact_sums import ordered_sum
from planalyzer.plans import load_plan_catalog

# several DuckDB row groups (122,880 rows each), so that several threads share the scan
ROWS = 700_000
MONEY = ("gpu_cost_usd", "loaded_cost_usd", "api_value_usd")


def _priced(con: duckdb.DuckDBPyConnection) -> None:
    """``events`` and a ``priced_events`` table: two users, two months, many small amounts of
    very different sizes (1e-9 to 10 dollars), where the order of addition shows in the bits."""
    con.execute(f"""
        CREATE TABLE events AS
        SELECT 'u' || (i % 2) AS user_id, 'claude-sonnet-4-5' AS model, 1 AS requests,
            CAST(i % 997 AS BIGINT) AS input_tokens, CAST(0 AS BIGINT) AS cache_write_tokens,
            CAST(0 AS BIGINT) AS cache_write_1h_tokens, CAST(i % 13 AS BIGINT)
                AS cache_read_tokens, CAST(i % 101 AS BIGINT) AS output_tokens,
            CAST(NULL AS VARCHAR) AS plan,
            TIMESTAMPTZ '2026-10-01 00:00:00+00' + to_microseconds(i * 7_000_000) AS ts
        FROM range({ROWS}) AS r(i)""")
    con.execute("""
        CREATE TEMP TABLE priced_events AS
        SELECT *, pow(10, -9 + 10 * ((hash(ts) % 1000003) / 1000003.0)) AS gpu_cost_usd,
            pow(10, -9 + 10 * ((hash(ts, 1) % 1000003) / 1000003.0)) AS loaded_cost_usd,
            pow(10, -9 + 10 * ((hash(ts, 2) % 1000003) / 1000003.0)) AS api_value_usd,
            false AS cost_assumed
        FROM events""")


def _sums(con: duckdb.DuckDBPyConnection, catalog: object, meters: list[str]
          ) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    month = screen.month_rows(con, catalog, meters, [], "America/New_York")  # type: ignore[arg-type]
    days = screen.user_days(con, catalog, meters, "America/New_York")  # type: ignore[arg-type]
    by_month = screen.user_month_sums(days, meters, [], None, None)
    cols = ["user_id", "month_key", *MONEY, *(f"u{k}" for k in range(len(meters)))]
    return (sorted(month.select(cols).iter_rows()), sorted(by_month.select(cols).iter_rows()))


def test_user_month_money_sums_identical_across_runs_and_threads() -> None:
    catalog = load_plan_catalog(None)
    meters = list(dict.fromkeys(m for p in catalog.plans.values() for m in p.meters_used()))
    con = duckdb.connect()
    _priced(con)
    seen = set()
    for threads in (1, 2, 4, 4, 3, 4):
        con.execute(f"SET threads = {threads}")
        seen.add(repr(_sums(con, catalog, meters)))
    assert len(seen) == 1


def test_month_and_day_passes_agree_with_an_exact_sum() -> None:
    """Both passes give the sum of the amounts (math.fsum) to within each request's rounding
    to a whole pico-dollar (at most 0.5e-12 $ a request): exact in integers, not merely
    repeatable."""
    import math

    con = duckdb.connect()
    _priced(con)
    catalog = load_plan_catalog(None)
    month, by_day = _sums(con, catalog, [])
    rows = con.execute("""
        SELECT user_id, CAST(year(timezone('America/New_York', ts)) * 12
            + month(timezone('America/New_York', ts)) - 1 AS BIGINT) AS mk,
            list(api_value_usd) FROM priced_events GROUP BY ALL""").fetchall()
    exact = {(u, m): (math.fsum(v), len(v)) for u, m, v in rows}
    for u, m, _, _, api in month:
        total, n = exact[u, m]
        assert abs(float(api) - total) <= 0.5e-12 * n + 1e-15 * abs(total)  # type: ignore[arg-type]
    for u, m, _, _, api in by_day:
        total, n = exact[u, m]
        assert abs(float(api) - total) <= 0.5e-12 * n + 1e-15 * abs(total)  # type: ignore[arg-type]


def test_money_sum_ignores_row_order() -> None:
    """The engine's and plan fit's sums in polars: the same bits whatever order the rows
    arrive in."""
    vals = [10.0 ** (-9 + (i * 7919 % 1000) / 100) for i in range(5000)]
    a = pl.DataFrame({"g": [1] * len(vals), "x": vals})
    b = a.reverse()
    c = a.sample(fraction=1.0, shuffle=True, seed=3)
    got = {f.group_by("g").agg(ordered_sum("x"))["x"][0] for f in (a, b, c)}
    assert len(got) == 1
