"""Benchmark: the full report vs a plain price-and-sum query; session windows vs a plain sort.

    python bench/bench_report.py [EVENTS] [USERS]     (default 50,000,000 events, 100,000 users)

Generates EVENTS requests over 3 months (2026-09..11) with a DuckDB range() generator into
bench/data/events_<EVENTS>.duckdb (git-ignored; reused when present), then times, in one run:
 (a) the full report (pricing view, plan assignment, sorted read, caps per plan, user-months,
     all tables; plan fit separately), (b) a plain DuckDB query pricing every event at a
     constant per-class price and summing per user and month, (c) 5-hour session windows
     (sorted read of user and time + the lock-step scan), (d) a plain sort by user and time.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planalyzer.analysis import _bounds  # noqa: E402
from planalyzer.caps import Requests, rolling_window_starts  # noqa: E402
from planalyzer.report import build_report  # noqa: E402
from planalyzer.report_tables import report_tables  # noqa: E402
from planalyzer.store import Store  # noqa: E402

GENERATE = """
INSERT INTO events
SELECT NULL,
    TIMESTAMPTZ '2026-09-01 00:00:00+00'
        + to_microseconds(CAST(hash(i, 1) % 7776000000000 AS BIGINT)),
    'u' || CAST(hash(i, 2) % $users AS VARCHAR) AS user_id,
    CASE CAST(hash(i, 2) % $users AS BIGINT) % 4 WHEN 0 THEN 'claude_pro'
        WHEN 1 THEN 'claude_max_5x' WHEN 2 THEN 'claude_max_20x' ELSE 'cursor_pro' END,
    CASE hash(i, 3) % 3 WHEN 0 THEN 'claude-opus-4-5' WHEN 1 THEN 'claude-sonnet-4-5'
        ELSE 'claude-haiku-4-5' END,
    CAST(hash(i, 4) % 2000 AS BIGINT), CAST(hash(i, 5) % 8000 AS BIGINT), 0,
    CAST(hash(i, 6) % 120000 AS BIGINT), CAST(hash(i, 7) % 1500 AS BIGINT), 1, NULL,
    'bench', i
FROM range($n) t(i)
"""

PLAIN = """
SELECT user_id, date_trunc('month', ts) AS month,
    sum(input_tokens * 3e-6 + cache_write_tokens * 3.75e-6 + cache_read_tokens * 3e-7
        + output_tokens * 1.5e-5) AS cost
FROM events GROUP BY ALL
"""
SORT = "SELECT user_id, epoch_us(ts) AS t_us FROM events ORDER BY user_id, ts"


def timed(label: str, fn: object) -> float:
    t = time.perf_counter()
    fn()  # type: ignore[operator]
    s = time.perf_counter() - t
    print(f"{label:<48} {s:8.2f} s", flush=True)
    return s


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000_000
    users = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    data = ROOT / "bench" / "data"
    data.mkdir(parents=True, exist_ok=True)
    db = data / f"events_{n}_{users}.duckdb"
    store = Store(db)
    con = store.con
    if con.execute("SELECT count(*) FROM events").fetchall() != [(n,)]:
        con.execute("DELETE FROM events")
        timed(f"generate {n:,} events, {users:,} users", lambda: con.execute(
            GENERATE, {"n": n, "users": users}))
        con.execute("CHECKPOINT")

    def plain() -> None:
        con.sql(PLAIN).to_arrow_table()

    def report(fit: bool) -> None:
        report_tables(build_report(con, plan_fit=fit), "plan", 20, with_fit=fit)

    def sort() -> None:
        con.sql(SORT).to_arrow_table()

    def sessions() -> None:
        import polars as pl
        df = pl.from_arrow(con.sql(SORT).to_arrow_table())
        assert isinstance(df, pl.DataFrame)
        req = Requests(_bounds(df["user_id"]), df["t_us"], df["t_us"] * 0)
        rolling_window_starts(req, 5 * 3_600_000_000)

    b = timed("(b) plain price + sum per user and month", plain)
    a = timed("(a) full report (no plan fit)", lambda: report(False))
    af = (timed("(a') full report with plan fit (15 plans)", lambda: report(True))
          if n <= 10_000_000 else float("nan"))
    d = timed("(d) plain sort by user and time", sort)
    c = timed("(c) 5-hour session windows", sessions)
    print(f"(a)/(b) = {a / b:.2f}x   (a')/(b) = {af / b:.2f}x   (c)/(d) = {c / d:.2f}x")
    import resource
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")
    store.close()


if __name__ == "__main__":
    main()
