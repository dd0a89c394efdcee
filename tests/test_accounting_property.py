"""Property: over any mix of good, bad and duplicate rows, read = loaded + rejected + duplicates,
and each count equals what the generated rows imply."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from conftest import event_row, write_csv, write_parquet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planalyzer.store import Store

BAD_KINDS = ["no_user", "no_ts", "bad_ts", "negative", "fraction", "too_big"]

row_spec = st.tuples(
    st.sampled_from(["good", *BAD_KINDS]),
    st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d"])),  # event_id: few -> duplicates
    st.integers(min_value=0, max_value=500),  # output tokens
)
file_spec = st.tuples(st.sampled_from(["parquet", "csv"]), st.lists(row_spec, max_size=12))


def make_row(kind: str, event_id: str | None, out: int) -> dict[str, Any]:
    row = event_row(event_id=event_id, output_tokens=out)
    if kind == "no_user":
        row["user_id"] = None
    elif kind == "no_ts":
        row["ts"] = None
    elif kind == "bad_ts":
        row["ts"] = "not a time"
    elif kind == "negative":
        row["output_tokens"] = -out - 1
    elif kind == "fraction":
        row["output_tokens"] = out + 0.5
    elif kind == "too_big":
        row["output_tokens"] = 10**9
    return row


def write(folder: Path, i: int, fmt: str, rows: list[dict[str, Any]]) -> None:
    # an unused column naming the file: two files never have the same bytes (a byte-identical
    # copy is dropped whole as duplicates, tests/test_load_messy.py)
    rows = [{**r, "export": f"f{i}"} for r in rows]
    if fmt == "parquet":
        # tokens as strings keep one parquet type whatever the mix; parsing is what's tested
        typed = [{**r, "output_tokens": str(r["output_tokens"])} for r in rows]
        write_parquet(folder / f"f{i}.parquet", typed)
    else:
        header = [*event_row(), "export"]
        write_csv(folder / f"f{i}.csv", header, [[r[h] for h in header] for r in rows])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(file_spec, min_size=1, max_size=3))
def test_accounting_identity(files: list[tuple[str, list[tuple[str, str | None, int]]]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        n_rows = 0
        for i, (fmt, specs) in enumerate(files):
            if not specs:
                specs = [("good", None, 1)]
            write(folder, i, fmt, [make_row(*s) for s in specs])
            n_rows += len(specs)
        all_specs = [s for _, specs in files for s in (specs or [("good", None, 1)])]
        good = [s for s in all_specs if s[0] == "good"]
        ids = [s[1] for s in good if s[1] is not None]
        expected_dups = len(ids) - len(set(ids))

        store = Store()
        report = store.load([str(folder)])
        assert all(f.balanced for f in report.files)
        assert report.rows_read == n_rows
        assert report.rows_rejected == len(all_specs) - len(good)
        assert report.duplicates_dropped == expected_dups
        assert report.rows_loaded == len(good) - expected_dups
        row = store.con.execute("SELECT count(*) FROM events").fetchone()
        assert row is not None and row[0] == report.rows_loaded
        row = store.con.execute("SELECT count(*) FROM rejected_rows").fetchone()
        assert row is not None and row[0] == report.rows_rejected
