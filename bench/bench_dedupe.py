"""Benchmark: the generic dedupe step of a load (Store._drop_duplicates: the event-id conflict
check, planalyzer.id_conflicts, and the ranking and drop of the copies) on synthetic events
inserted straight into a Store's events table, CPU seconds (time.process_time: every DuckDB
thread) of the step and of the check within it. Each round runs every tree named in its own
process, in turn (interleaved), so a checkout can be compared with another:

    python bench/bench_dedupe.py many --rounds 3
    python bench/bench_dedupe.py small --rounds 5 --tree /path/to/main-checkout --tree .

many: 6,666,668 events in 4 files, all read now, holding 1,666,668 ids twice (the same user,
model and tokens, 1 hour apart: copies of one request read in another time zone, kept once; as
many tokens of each class, so every sort key of the ranking after the tokens ties).
Until qa16C #1 the later copy held one more output token: a copy differing in time and in
tokens is now no copy of one request (planalyzer.id_conflicts), and such a load is refused.
small: 5,000,000 stored events (unique ids, 5 files not read now) and 1,000 rows read now
(new.csv), 500 of them copies of stored ids (a --db load adding a small file). files: the
same 5,000,000 stored events and 3,000 files of 2 rows read now (6,000 rows, 3,000 of them
copies of stored ids: a --db load of a folder of many small exports).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# run with the tree's directory first on sys.path (python -c, cwd = the tree)
CHILD = """
import json, sys, time
from planalyzer import id_conflicts
from planalyzer.accounting import FileLoad
from planalyzer.store import Store

INSERT = '''
INSERT INTO events
SELECT 'id-' || CAST(i % $ids AS VARCHAR),
       TIMESTAMPTZ '2026-10-01 00:00:00+00'
           + to_microseconds(CAST((i % $ids) * 1000 + (i // $ids) * 3600000000 AS BIGINT)),
       'user-' || CAST((i % $ids) % 1000 AS VARCHAR), NULL,
       ['claude-sonnet-4-5', 'gpt-5'][1 + CAST((i % $ids) % 2 AS INTEGER)],
       100, 0, 0, 1000, 10, 1, NULL, {source}, i % $per + 1
FROM range($lo, $hi) AS t(i)
'''
case, reps = sys.argv[1], int(sys.argv[2])
store = Store()
con = store.con
if case == "many":
    n, per = 6_666_668, 1_666_667
    con.execute(INSERT.format(source="'f' || CAST(i // $per AS VARCHAR) || '.csv'"),
                {"ids": 5_000_000, "per": per, "lo": 0, "hi": n})
    new = [f"f{k}.csv" for k in range(4)]
    loads = [FileLoad(s, "csv", "loaded", rows_read=per, rows_loaded=per) for s in new]
    loads[-1].rows_read = loads[-1].rows_loaded = n - 3 * per
elif case == "files":
    con.execute(INSERT.format(source="'stored' || CAST(i // $per AS VARCHAR) || '.csv'"),
                {"ids": 5_000_000, "per": 1_000_000, "lo": 0, "hi": 5_000_000})
    con.execute(INSERT.format(source="'new' || CAST(i % 3000 AS VARCHAR) || '.csv'"),
                {"ids": 10_000_000, "per": 1_000_000, "lo": 4_997_000, "hi": 5_003_000})
    new = [f"new{k}.csv" for k in range(3000)]
    loads = [FileLoad(f"stored{k}.csv", "csv", "unchanged") for k in range(5)]
    loads += [FileLoad(s, "csv", "loaded", rows_read=2, rows_loaded=2) for s in new]
else:
    con.execute(INSERT.format(source="'stored' || CAST(i // $per AS VARCHAR) || '.csv'"),
                {"ids": 5_000_000, "per": 1_000_000, "lo": 0, "hi": 5_000_000})
    con.execute(INSERT.format(source="'new.csv'"),
                {"ids": 10_000_000, "per": 1_000_000, "lo": 4_999_500, "hi": 5_000_500})
    new = ["new.csv"]
    loads = [FileLoad(f"stored{k}.csv", "csv", "unchanged") for k in range(5)]
    loads.append(FileLoad("new.csv", "csv", "loaded", rows_read=1000, rows_loaded=1000))
con.execute("SET preserve_insertion_order = false")  # as a load runs it
spent = [0.0]
check = id_conflicts.check


def timed(*args, **kwargs):
    t = time.process_time()
    try:
        return check(*args, **kwargs)
    finally:
        spent[0] += time.process_time() - t


id_conflicts.check = timed
for _ in range(reps):
    con.execute("BEGIN TRANSACTION")
    fresh = [FileLoad(f.source, f.format, f.status, rows_read=f.rows_read,
                      rows_loaded=f.rows_loaded) for f in loads]
    spent[0] = 0.0
    t = time.process_time()
    store._drop_duplicates(fresh, new, "event_id", new)
    step = time.process_time() - t
    dropped = sum(f.duplicates_dropped for f in fresh)
    con.execute("ROLLBACK")
    print(json.dumps({"step_s": step, "check_s": spent[0], "dropped": dropped}), flush=True)
"""


def run(tree: Path, case: str, reps: int) -> list[dict[str, float]]:
    """Time the step in a fresh process that imports planalyzer from ``tree``."""
    out = subprocess.run([sys.executable, "-c", CHILD, case, str(reps)], cwd=tree,
                         stdout=subprocess.PIPE, text=True, check=True)
    return [json.loads(line) for line in out.stdout.splitlines()]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=["many", "small", "files"])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=2, help="timed runs per process")
    ap.add_argument("--tree", type=Path, action="append",
                    help="a source tree to time (repeatable; default: this one)")
    args = ap.parse_args()
    trees = [t.resolve() for t in args.tree or [ROOT]]
    got: dict[Path, list[dict[str, float]]] = {t: [] for t in trees}
    for r in range(args.rounds):
        for tree in trees:
            rows = run(tree, args.case, args.reps)
            got[tree] += rows
            print(f"round {r + 1} {tree}: " + " ".join(
                f"{row['step_s']:.2f} (check {row['check_s']:.2f})" for row in rows),
                flush=True)
    for tree, rows in got.items():
        step = statistics.median(row["step_s"] for row in rows)
        chk = statistics.median(row["check_s"] for row in rows)
        print(f"{tree}: {args.case}, median of {len(rows)}: step {step:.2f} s CPU, "
              f"check {chk:.2f} s, copies dropped {int(rows[0]['dropped']):,}")


if __name__ == "__main__":
    main()
