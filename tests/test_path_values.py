"""Hive folders (user_id=alice/): one rule for CSV, JSON lines and parquet (QA round 11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import write_csv, write_parquet

from planalyzer.store import Store

HEAD = ["user_id", "ts", "model", "input_tokens", "output_tokens"]
ROW = {"user_id": "alice", "ts": "2026-10-01T10:00:00Z", "model": "claude-sonnet-4-5",
       "input_tokens": 100, "output_tokens": 10}


def _write(path: Path, fmt: str, row: dict[str, object]) -> None:
    if fmt == "csv":
        write_csv(path.with_suffix(".csv"), list(row), [list(row.values())])
    elif fmt == "jsonl":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_suffix(".jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    else:
        write_parquet(path.with_suffix(".parquet"), [row])


def _events(store: Store) -> list[tuple[object, ...]]:
    return store.con.execute("SELECT user_id, model, input_tokens FROM events "
                             "ORDER BY user_id").fetchall()


def _notes(report: object) -> str:
    return " ".join(str(f.mapping) for f in report.files)  # type: ignore[attr-defined]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_the_files_column_wins_over_a_folder(tmp_path: Path, fmt: str) -> None:
    """A row of alice with 100 tokens under input_tokens=999999/user_id=mallory/ stays alice's
    100 tokens (the folders were applied to CSV, overriding the file, and ignored for
    parquet)."""
    _write(tmp_path / "input_tokens=999999" / "user_id=mallory" / "d", fmt, ROW)
    store = Store()
    report = store.load([tmp_path])
    assert _events(store) == [("alice", "claude-sonnet-4-5", 100)]
    text = _notes(report)
    assert "folder user_id=mallory not used" in text
    assert "folder input_tokens=999999 not used" in text


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_a_folder_fills_a_column_the_file_lacks(tmp_path: Path, fmt: str) -> None:
    row = {k: v for k, v in ROW.items() if k != "user_id"}
    for user in ("alice", "bob"):
        _write(tmp_path / f"user_id={user}" / "part-0", fmt, row)
    store = Store()
    report = store.load([tmp_path])
    assert report.rows_loaded == 2 and report.duplicates_dropped == 0
    assert [u for u, *_ in _events(store)] == ["alice", "bob"]


def test_a_folder_never_fills_token_counts(tmp_path: Path) -> None:
    row = {k: v for k, v in ROW.items() if k != "input_tokens"}
    _write(tmp_path / "input_tokens=999999" / "d", "csv", row)
    store = Store()
    report = store.load([tmp_path])
    assert _events(store) == [("alice", "claude-sonnet-4-5", 0)]
    assert "folder input_tokens=999999 not used: a folder fills only" in _notes(report)
    # the file holding the column: the same note, not "the file's column wins", which
    # suggested the folder would fill it otherwise (qa16C #10d)
    _write(tmp_path / "input_tokens=999999" / "d", "csv", ROW)
    report = Store().load([tmp_path])
    assert "folder input_tokens=999999 not used: a folder fills only" in _notes(report)
    assert "column wins" not in _notes(report)


def test_folder_values_are_data(tmp_path: Path) -> None:
    row = {k: v for k, v in ROW.items() if k != "model"}
    _write(tmp_path / "model=m'$x--y" / "d", "csv", row)
    store = Store()
    store.load([tmp_path])
    assert _events(store) == [("alice", "m'$x--y", 100)]
