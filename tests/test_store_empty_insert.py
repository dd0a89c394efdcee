"""A load where a file adds no rows (a header-only CSV, a file whose every row is rejected)
before a large file: DuckDB 2.0.0 hides the large file's rows from scans in the same
transaction when an empty INSERT came first (sql/set_insertion_order.sql), which made the
report say "no events" and the --db dedupe keep every copy. The load runs with
preserve_insertion_order off and restores the connection's setting."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from planalyzer.store import Store

SAMPLE = Path(__file__).resolve().parent.parent / "sample_logs" / "parquet" / "part-00.parquet"


def _folder(tmp_path: Path, *, copies: int) -> tuple[Path, int]:
    folder = tmp_path / "exports"
    folder.mkdir()
    columns = pq.read_schema(SAMPLE).names
    # sorts first: the empty INSERT runs before the big file's
    (folder / "a_empty_day.csv").write_text(",".join(columns) + "\n", encoding="utf-8")
    for i in range(copies):
        shutil.copy(SAMPLE, folder / f"b_export_{i}.parquet")
    rows = pq.read_metadata(SAMPLE).num_rows
    assert rows > 130_000  # more than a DuckDB row group: the parallel insert path
    return folder, rows


@pytest.mark.parametrize("on_disk", [False, True])
def test_rows_after_an_empty_file_are_visible(tmp_path: Path, on_disk: bool) -> None:
    folder, rows = _folder(tmp_path, copies=1)
    store = Store(tmp_path / "s.duckdb" if on_disk else None)
    report = store.load([str(folder)])
    assert report.rows_loaded == rows
    scanned, requests = store.con.sql(
        "SELECT count(user_id), sum(requests) FROM events").fetchall()[0]
    assert scanned == rows
    assert requests is not None and requests >= rows


def test_duplicates_after_an_empty_file_are_dropped(tmp_path: Path) -> None:
    folder, rows = _folder(tmp_path, copies=2)
    store = Store(tmp_path / "s.duckdb")
    report = store.load([str(folder)])
    assert report.duplicates_dropped == rows
    assert store.con.sql("SELECT count(user_id) FROM events").fetchall()[0][0] == rows


def test_the_connection_setting_is_restored(tmp_path: Path) -> None:
    folder, _ = _folder(tmp_path, copies=1)
    store = Store()
    store.con.execute("SET preserve_insertion_order = true")
    store.load([str(folder)])
    assert store.con.sql(
        "SELECT current_setting('preserve_insertion_order')").fetchall()[0][0] is True
