"""Benchmark: loading N events from parquet into a --db file, against a plain DuckDB
CREATE TABLE AS SELECT * FROM read_parquet(...) of the same files, in the same run; and the
peak memory of the load. Each measurement runs in its own process (peak RSS per process).

    python bench/bench_load.py --events 50000000
    python bench/bench_load.py --events 100000000 --only planalyzer   # memory target
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.events_fixture import make_events  # noqa: E402

PLAIN = """
import duckdb, resource, sys, time
con = duckdb.connect(sys.argv[1])
con.execute("SET enable_progress_bar = false")
t = time.perf_counter()
con.execute("CREATE TABLE e AS SELECT * FROM read_parquet($p)", {"p": sys.argv[2:]})
con.close()
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

OURS = """
import resource, sys, time
from planalyzer.store import Store
t = time.perf_counter()
with Store(sys.argv[1]) as s:
    r = s.load([sys.argv[2]])
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      r.rows_loaded)
"""


def run(code: str, args: list[str]) -> list[str]:
    """Run code in a fresh process and return its printed fields (seconds, peak RSS in KiB)."""
    out = subprocess.run([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                         text=True, cwd=ROOT, check=True)
    return out.stdout.split()


def gib(kib: str) -> float:
    return int(kib) / 1024 / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=50_000_000)
    ap.add_argument("--data", type=Path, default=ROOT / "bench" / "data")
    ap.add_argument("--only", choices=["both", "planalyzer"], default="both")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    folder = args.data / f"events-{args.events}"
    t = time.perf_counter()
    files = make_events(folder, args.events)
    print(f"data: {args.events:,} events in {len(files)} files "
          f"({sum(f.stat().st_size for f in files) / 1e9:.2f} GB), made in "
          f"{time.perf_counter() - t:.1f} s")
    results = []
    for rep in range(args.repeat):
        row: dict[str, float] = {}
        if args.only == "both":
            db = args.data / "plain.duckdb"
            db.unlink(missing_ok=True)
            out = run(PLAIN, [str(db), *map(str, files)])
            row["plain_s"], row["plain_rss_gib"] = float(out[0]), gib(out[1])
            db.unlink(missing_ok=True)
        db = args.data / "ours.duckdb"
        db.unlink(missing_ok=True)
        out = run(OURS, [str(db), str(folder)])
        row["planalyzer_s"], row["planalyzer_rss_gib"] = float(out[0]), gib(out[1])
        assert int(out[2]) == args.events, out
        db.unlink(missing_ok=True)
        if "plain_s" in row:
            row["ratio"] = row["planalyzer_s"] / row["plain_s"]
        results.append(row)
        print(f"run {rep + 1}: " + json.dumps({k: round(v, 3) for k, v in row.items()}))


if __name__ == "__main__":
    main()
