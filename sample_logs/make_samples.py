"""Rebuild sample_logs/ from the synthetic generator (see README.md beside this file).

    planalyzer generate --users 300 --months 1 --start 2026-10 --seed 7 --out /tmp/sample
    python sample_logs/make_samples.py /tmp/sample
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

HERE = Path(__file__).parent
FILES = 10  # users are dealt round-robin into this many parquet files (each under 5 MB)
SLICE_USERS = 12  # the first users by id, written again as CSV and JSON lines


def main(generated: Path) -> None:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("CREATE TABLE e AS SELECT * FROM read_parquet($p) ORDER BY user_id, ts",
                {"p": str(generated / "events" / "**" / "*.parquet")})
    users = [r[0] for r in con.execute("SELECT DISTINCT user_id FROM e ORDER BY 1").fetchall()]
    # Paths below are this script's own constants, not user input.
    for k in range(FILES):
        out = HERE / "parquet" / f"part-{k:02d}.parquet"
        out.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"COPY (SELECT * FROM e WHERE list_contains($u, user_id) ORDER BY user_id, ts)"
                    f" TO '{out}' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 15)",
                    {"u": users[k::FILES]})
    part = users[:SLICE_USERS]
    for fmt, name in (("csv", "slice.csv.gz"), ("json", "slice.jsonl.gz")):
        out = HERE / ("csv" if fmt == "csv" else "jsonl") / name
        out.parent.mkdir(parents=True, exist_ok=True)
        opts = "HEADER, COMPRESSION gzip" if fmt == "csv" else "FORMAT json, COMPRESSION gzip"
        con.execute(f"COPY (SELECT * FROM e WHERE list_contains($u, user_id) ORDER BY user_id, ts)"
                    f" TO '{out}' ({opts})", {"u": part})


if __name__ == "__main__":
    main(Path(sys.argv[1]))
