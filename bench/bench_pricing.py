"""Benchmark: roofline pricing of N events vs a plain constant-price query (issue 3).

Generates a realistic events table (a few models, coding-agent token mix: cache reads ~95% of
tokens) with DuckDB range() into bench/data/ (git-ignored), then times, in the same run:
  (a) price_events() -> priced_events, summing gpu_cost_usd per user;
  (b) one query multiplying each token class by a constant price, summed per user.
Target: (a) <= 1.5 x (b).

    python bench/bench_pricing.py            # 50,000,000 events
    python bench/bench_pricing.py -n 2000000 --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from planalyzer import sqlfiles
from planalyzer.costs import load_cost_catalog, load_price_catalog, price_events

DATA = Path(__file__).resolve().parent / "data"

# Token mix after facts.md section 5: cache reads dominate, output is small.
GENERATE = """
INSERT INTO events
SELECT
    NULL,
    TIMESTAMPTZ '2026-10-01 00:00:00+00' + to_seconds(CAST(hash(i) % 2592000 AS BIGINT)),
    'user_' || CAST(hash(i * 31 + 7) % $users AS VARCHAR),
    NULL,
    CASE WHEN hash(i * 7 + 1) % 100 < 55 THEN 'claude-sonnet-4-5-20250929'
         WHEN hash(i * 7 + 1) % 100 < 75 THEN 'claude-opus-4-6'
         WHEN hash(i * 7 + 1) % 100 < 85 THEN 'claude-haiku-4-5-20251001'
         WHEN hash(i * 7 + 1) % 100 < 95 THEN 'gpt-5'
         ELSE 'llama-3.3-70b-instruct' END,
    CAST(hash(i * 3 + 2) % 600 AS BIGINT),
    CAST(hash(i * 5 + 3) % 4000 AS BIGINT),
    CASE WHEN hash(i * 17 + 4) % 10 = 0 THEN CAST(hash(i * 19 + 5) % 4000 AS BIGINT) ELSE 0 END,
    CAST(hash(i * 11 + 6) % 120000 AS BIGINT) + CASE WHEN hash(i * 23) % 50 = 0
        THEN 250000 ELSE 10000 END,
    CAST(50 + hash(i * 13 + 8) % 1500 AS BIGINT),
    1,
    NULL,
    'bench',
    i
FROM range($n) AS t(i)
"""

PLAIN = """
SELECT user_id,
       SUM(input_tokens * $p_in + cache_write_tokens * $p_cw
           + cache_write_1h_tokens * $p_cw1h + cache_read_tokens * $p_cr
           + output_tokens * $p_out) AS cost_usd
FROM events
GROUP BY user_id
"""
PRICED = "SELECT user_id, SUM(gpu_cost_usd) AS cost_usd FROM priced_events GROUP BY user_id"
PRICES = {"p_in": 3e-6, "p_cw": 3.75e-6, "p_cw1h": 6e-6, "p_cr": 0.3e-6, "p_out": 15e-6}


def build(path: Path, n: int, users: int) -> duckdb.DuckDBPyConnection:
    fresh = not path.exists()
    con = duckdb.connect(str(path))
    if not fresh:
        have = con.execute("SELECT count(*) FROM events").fetchone()
        if have is not None and have[0] == n:
            return con
        con.execute("DROP TABLE events")
    t0 = time.perf_counter()
    sqlfiles.run(con, "create_events")
    con.execute(GENERATE, {"n": n, "users": users})
    con.execute("CHECKPOINT")
    print(f"generated {n:,} events in {time.perf_counter() - t0:.1f} s -> {path}")
    return con


def _fmt(xs: list[float]) -> list[float]:
    return [round(x, 2) for x in xs]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=50_000_000)
    ap.add_argument("--users", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    con = build(DATA / f"events_{args.n}.duckdb", args.n, args.users)
    catalog, prices = load_cost_catalog(None), load_price_catalog(None)

    def plain() -> tuple[float, float]:
        t0, c0 = time.perf_counter(), time.process_time()
        con.execute(PLAIN, PRICES).fetchall()
        return time.perf_counter() - t0, time.process_time() - c0

    def priced() -> tuple[float, float]:
        t0, c0 = time.perf_counter(), time.process_time()
        price_events(con, catalog, prices=prices)
        con.execute(PRICED).fetchall()
        return time.perf_counter() - t0, time.process_time() - c0

    plain()  # warm the buffer pool once, so neither side pays the first read alone
    a: list[tuple[float, float]] = []
    b: list[tuple[float, float]] = []
    for _ in range(args.repeat):
        b.append(plain())
        a.append(priced())
    threads = con.execute("SELECT current_setting('threads')").fetchone()
    print(f"N={args.n:,} duckdb threads={threads[0] if threads else '?'}")
    for i, what in ((0, "wall"), (1, "cpu")):
        ma = statistics.median(x[i] for x in a)
        mb = statistics.median(x[i] for x in b)
        print(f"[{what}] (a) roofline pricing + sum per user: median {ma:.2f} s  "
              f"runs {_fmt([x[i] for x in a])}")
        print(f"[{what}] (b) constant prices + sum per user:  median {mb:.2f} s  "
              f"runs {_fmt([x[i] for x in b])}")
        print(f"[{what}] ratio (a)/(b) = {ma / mb:.2f}  (target <= 1.5)")


if __name__ == "__main__":
    main()
