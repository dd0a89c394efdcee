"""Benchmark: generate N synthetic events vs a plain DuckDB COPY of N rows to parquet.

    python bench/bench_generate.py [N] [--months M] [--seed S]

Sizes the population for about N requests (planalyzer.synth.users_for_events), times
``generate`` into bench/data/generate/, then times a plain DuckDB
``COPY (SELECT ... FROM range(n)) TO parquet`` of exactly the row count generate wrote, with the
same columns and types, into bench/data/baseline.parquet. Prints both times, their ratio and
the process's peak RSS after each phase (resource.getrusage; ru_maxrss never goes down, so the
first figure is generate's own peak). bench/data/ is git-ignored.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import time
from pathlib import Path

import duckdb

from planalyzer.synth import generate, users_for_events

DATA = Path(__file__).parent / "data"

# Same 13 columns and types as the canonical events the generator writes.
BASELINE_SELECT = """
SELECT
    's0-' || to_hex(i) AS event_id,
    make_timestamp(1790812800000000 + i * 26000)::TIMESTAMPTZ AS ts,
    'u' || lpad((i // 10000)::VARCHAR, 7, '0') AS user_id,
    CASE i % 4 WHEN 0 THEN 'free' WHEN 1 THEN 'pro' WHEN 2 THEN 'max-5x' ELSE 'max-20x' END
        AS plan,
    CASE i % 3 WHEN 0 THEN 'claude-sonnet-4-5' WHEN 1 THEN 'claude-opus-4-5'
        ELSE 'claude-haiku-4-5' END AS model,
    (i % 2000)::BIGINT AS input_tokens,
    (i % 5000)::BIGINT AS cache_write_tokens,
    0::BIGINT AS cache_write_1h_tokens,
    (i % 190000)::BIGINT AS cache_read_tokens,
    (i % 700)::BIGINT AS output_tokens,
    1::BIGINT AS requests,
    NULL::DOUBLE AS logged_cost_usd,
    'synthetic' AS source
FROM range($n) AS t(i)
"""


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("events", nargs="?", type=int, default=100_000_000)
    ap.add_argument("--months", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    DATA.mkdir(parents=True, exist_ok=True)
    users = users_for_events(args.events, args.months, seed=args.seed)
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}; duckdb {duckdb.__version__}")
    print(f"target {args.events:,} events -> {users:,} users x {args.months} month(s)")

    t0 = time.perf_counter()
    summary = generate(DATA / "generate", users=users, months=args.months, seed=args.seed,
                       overwrite=True)
    gen_s = time.perf_counter() - t0
    gen_rss = peak_rss_mb()
    print(f"generate: {summary.events:,} events in {len(summary.files)} files, "
          f"{summary.bytes / 1e9:.2f} GB, {gen_s:.1f} s "
          f"({summary.events / gen_s / 1e6:.2f} M events/s), peak RSS {gen_rss:,.0f} MB")

    base = DATA / "baseline.parquet"
    base.unlink(missing_ok=True)
    con = duckdb.connect(config={"threads": os.cpu_count() or 1})
    con.execute("SET TimeZone = 'UTC'")
    t0 = time.perf_counter()
    con.sql(BASELINE_SELECT, params={"n": summary.events}).write_parquet(str(base))
    base_s = time.perf_counter() - t0
    con.close()
    print(f"baseline COPY (SELECT ... FROM range(n)) TO parquet: {summary.events:,} rows, "
          f"{base.stat().st_size / 1e9:.2f} GB, {base_s:.1f} s")
    print(f"ratio generate / baseline: {gen_s / base_s:.2f}; "
          f"peak RSS overall {peak_rss_mb():,.0f} MB")
    shutil.rmtree(DATA / "generate", ignore_errors=True)
    base.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
