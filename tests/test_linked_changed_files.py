"""A file a --db load reads again through its duplicate links (planalyzer/duplicate_links.py)
that changed on disk since it was loaded is a changed file (qa14A #1): reloaded with the files
linked to it read again in turn, and judged by --strict. Partial loads (two jobs sharing one
store, `load a --db` and `load b --db`) then keep what a cold load of the files on disk keeps."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest
from conftest import assert_balanced, write_csv
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from planalyzer.accounting import display_path
from planalyzer.errors import StrictModeError
from planalyzer.store import LoadOptions, Store

HEAD = ["event_id", "ts", "user_id", "model", "input_tokens", "output_tokens"]
USERS = {1: "alice", 2: "bob", 3: "carol"}


def _row(i: int, tokens: int) -> list[object]:
    return [f"id{i}", f"2026-10-0{i % 9 + 1} 10:00:00", USERS.get(i, f"u{i}"), "gpt-5", tokens, 0]


def _write(path: Path, rows: dict[int, int]) -> Path:
    """A CSV of event id -> input tokens, given a later mtime than it had (a rewrite)."""
    old = path.stat().st_mtime_ns if path.exists() else None
    write_csv(path, HEAD, [_row(i, n) for i, n in rows.items()])
    if old is not None:
        os.utime(path, ns=(old + 1_000_000_000, old + 1_000_000_000))
    return path


def _tokens(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute("SELECT user_id, sum(input_tokens) FROM events GROUP BY ALL "
                       "ORDER BY ALL").fetchall()


def _events(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute("SELECT event_id, user_id, input_tokens, output_tokens FROM events "
                       "ORDER BY ALL").fetchall()


def _cold(*specs: Path) -> list[tuple[object, ...]]:
    with Store() as s:
        s.load([str(p) for p in specs])
        return _events(s.con)


def _balanced(s: Store) -> None:
    assert_balanced(s.con)


def _setup(a: Path, b: Path) -> tuple[Path, Path, Path]:
    """R keeps id1 (L's copy dropped: L -> R); L keeps id2 (Z's copy dropped: Z -> L)."""
    r = _write(a / "R.csv", {1: 20})
    ell = _write(b / "L.csv", {1: 10, 2: 10})
    z = _write(b / "Z.csv", {2: 10})
    return r, ell, z


@pytest.mark.parametrize("folders", [True, False])
def test_a_changed_file_read_again_follows_its_own_links(tmp_path: Path, folders: bool) -> None:
    """qa14A #1 (s2, and s1 with one folder): R changes and is loaded alone; L, linked to R,
    changed too (re-exported without id2): Z, which dropped its copy of id2 for L's, is read
    again, so bob's request stays; a later load of L's folder finds nothing to read."""
    a = tmp_path / "a"
    b = tmp_path / "b" if folders else a
    r, ell, _ = _setup(a, b)
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        s.load([str(a), str(b)] if folders else [str(a)])
    _write(ell, {1: 10})
    _write(r, {1: 20, 3: 7})
    with Store(db) as s:
        report = s.load(a if folders else r)
        _balanced(s)
        assert _tokens(s.con) == [("alice", 20), ("bob", 10), ("carol", 7)]
    read = {Path(fl.source).name: fl.status for fl in report.files if fl.status != "unchanged"}
    assert read == {"R.csv": "reloaded", "L.csv": "reloaded", "Z.csv": "reloaded"}
    assert any(n.startswith("1 of the file(s) read again changed on disk since they were "
                            f"loaded ({display_path(str(ell))}): reloaded as changed files")
               for n in report.notes), report.notes
    with Store(db) as s:
        again = s.load([str(b)])
        assert _events(s.con) == _cold(a, b)
    assert all(fl.status == "unchanged" for fl in again.files)


def test_strict_judges_a_changed_file_read_again(tmp_path: Path) -> None:
    """qa14A #1 (s3): L, read again for R's reload, gained a row with a negative count: a
    --strict load naming R's folder alone refuses it, as a load of both folders does."""
    a, b = tmp_path / "a", tmp_path / "b"
    r = _write(a / "R.csv", {1: 20})
    ell = _write(b / "L.csv", {1: 10})
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        s.load([str(a), str(b)])
    _write(ell, {1: 10, 9: -5})
    _write(r, {1: 21})
    for named in ([a], [b], [a, b]):
        with Store(db) as s, pytest.raises(StrictModeError, match=r"L\.csv row 2: negative"):
            s.load([str(p) for p in named], LoadOptions(strict=True))


# -- property: partial loads over two folders keep a cold load's events ---------------------

FILES = ("a/p.csv", "b/q.csv", "b/r.csv", "a/s.csv")
# a file: event id -> input tokens; copies of an id with other tokens are an in-progress export
# and a finished one; equal copies are kept from the first file by path (a/ before b/)
contents = st.dictionaries(st.integers(1, 4), st.sampled_from([10, 10, 20]), max_size=3)
step = st.tuples(st.dictionaries(st.sampled_from(FILES), contents, max_size=3),
                 st.sampled_from(["a", "b", "ab"]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(contents, min_size=len(FILES), max_size=len(FILES)),
       st.lists(step, min_size=1, max_size=3))
@example(first=[{1: 10, 2: 10}, {4: 10, 2: 10}, {4: 10}, {}],  # qa14A #1 as hypothesis shrank it
         steps=[({"a/p.csv": {}, "b/q.csv": {}}, "a")])
def test_partial_loads_of_two_folders_keep_a_cold_loads_events(
        first: list[dict[int, int]], steps: list[tuple[dict[str, dict[int, int]], str]]) -> None:
    """Each step rewrites some files and loads folder a, b or both into the store; a load of
    both folders after any step holds a cold load's events of the files on disk."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db = root / "s.duckdb"
        for name, rows in zip(FILES, first, strict=True):
            _write(root / name, rows or {9: 1})
        with Store(db) as s:
            s.load([str(root / "a"), str(root / "b")])
        for n, (changes, named) in enumerate(steps):
            for name, rows in changes.items():
                _write(root / name, rows or {9: 1})
            with Store(db) as s:
                s.load([str(root / f) for f in named])
                _balanced(s)
            both = root / f"both{n}.duckdb"
            shutil.copy(db, both)
            with Store(both) as s:
                s.load([str(root / "a"), str(root / "b")])
                _balanced(s)
                assert _events(s.con) == _cold(root / "a", root / "b"), (n, steps)


def test_db_notes_name_files_relative_to_the_working_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """qa14A #8: the byte-copy note and the note on linked files gone from disk named files by
    absolute path beside notes that name them relative (display_path)."""
    monkeypatch.chdir(tmp_path)
    logs = Path("logs")
    a = _write(logs / "a.csv", {1: 10, 2: 10})
    b = _write(logs / "b.csv", {1: 10, 3: 10})
    # rows without event ids: the byte copy keeps its rows to the copy check
    usage = write_csv(logs / "usage.csv", HEAD[1:], [_row(4, 10)[1:]])
    (logs / "usage (1).csv").write_bytes(usage.read_bytes())
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        first = s.load([str(tmp_path / "logs")])
    assert ("logs/usage (1).csv: the same bytes as logs/usage.csv; its 1 row(s) were "
            "dropped as duplicates") in " ".join(first.notes), first.notes
    b.unlink()
    _write(a, {2: 10})
    with Store(db) as s:
        report = s.load([str(tmp_path / "logs" / "a.csv")])
    assert any("no longer exist and were not read again (logs/b.csv)" in n
               for n in report.notes), report.notes
