"""Benchmark: loading CSV and JSON-lines files (the sample logs' slices, or files given),
against a plain DuckDB ``CREATE TABLE AS SELECT * FROM read_csv/read_json`` of the same file in
the same run. Each measurement runs in its own process, interleaved; medians are reported.

    python bench/bench_text_load.py [--repeat 5] [--code PATH] [FILE ...]

``--code`` loads planalyzer from another checkout (a worktree of an older commit, say), so a
change can be measured before and after on the same machine in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / "sample_logs" / "csv" / "slice.csv.gz",
         ROOT / "sample_logs" / "jsonl" / "slice.jsonl.gz"]

PLAIN = """
import duckdb, sys, time
con = duckdb.connect()
reader = ("read_csv($p, header = true, all_varchar = true)" if ".csv" in sys.argv[1]
          else "read_json($p, format = 'newline_delimited', sample_size = -1)")
t = time.perf_counter()
n = con.execute(f"CREATE TABLE e AS SELECT * FROM {reader}", {"p": sys.argv[1]}).fetchall()
print(time.perf_counter() - t)
"""

OURS = """
import sys, time
from planalyzer.store import Store
s = Store()
t = time.perf_counter()
r = s.load([sys.argv[1]])
print(time.perf_counter() - t, r.rows_read, r.rows_loaded)
"""


def timed(code: str, path: Path, pythonpath: Path) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath), "TZ": "UTC"}
    out = subprocess.run([sys.executable, "-c", code, str(path)], env=env, check=True,
                         capture_output=True, text=True, cwd=pythonpath).stdout
    return out.split()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path, default=FILES)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--code", type=Path, default=ROOT, help="checkout to load planalyzer from")
    args = ap.parse_args()
    results = {"code": str(args.code), "load_average": os.getloadavg(), "files": {}}
    for f in args.files:
        plain, ours = [], []
        rows: list[str] = []
        for _ in range(args.repeat):  # interleaved: both see the same machine load
            plain.append(float(timed(PLAIN, f, args.code)[0]))
            got = timed(OURS, f, args.code)
            ours.append(float(got[0]))
            rows = got[1:]
        results["files"][f.name] = {
            "plain_duckdb_s": round(statistics.median(plain), 3),
            "planalyzer_s": round(statistics.median(ours), 3),
            "ratio": round(statistics.median(ours) / statistics.median(plain), 2),
            "planalyzer_all": [round(x, 3) for x in ours],
            "plain_all": [round(x, 3) for x in plain],
            "rows_read": int(rows[0]), "rows_loaded": int(rows[1])}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
