"""A --db load judges the copies of an event id it reads against the copies earlier loads
dropped as well as the ones they kept (table dropped_copies, planalyzer.id_conflicts), so cold
and --db loads of the same files reach the same verdict in any order of runs (qa17A #1)."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from contextlib import nullcontext
from pathlib import Path

import duckdb
import pytest
from conftest import assert_balanced, cli_error, write_csv
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from planalyzer.errors import InputError
from planalyzer.store import Store

HEAD = ["event_id", "ts", "user_id", "model", "input_tokens", "output_tokens"]
# qa17A #1: B and A, one request 2 hours apart (the same tokens); C at B's time, grown; D the
# same tokens 25 hours after A (23 after B)
ROWS = {"a_B.csv": ("2026-10-01 12:00:00+00", 50), "b_A.csv": ("2026-10-01 10:00:00+00", 50),
        "c_C.csv": ("2026-10-01 12:00:00+00", 80), "d_D.csv": ("2026-10-02 11:00:00+00", 50)}


def _files(root: Path) -> dict[str, Path]:
    return {name: write_csv(root / name, HEAD, [["req-1", ts, "u1", "gpt-4o", 1000, out]])
            for name, (ts, out) in ROWS.items()}


def _refused(runs: list[list[Path]], db: Path | None) -> str | None:
    """Load each run in turn into ``db`` (None: one store in memory); the first refusal."""
    memory = Store() if db is None else None
    try:
        for run in runs:
            with Store(db) if memory is None else nullcontext(memory) as s:
                try:
                    s.load([str(p) for p in run])
                except InputError as exc:
                    return str(exc)
                assert_balanced(s.con)
    finally:
        if memory is not None:
            memory.close()
    return None


def _splits(names: list[str]) -> list[list[list[str]]]:
    """Every order of the files over two runs or more: each permutation cut into runs."""
    out: list[list[list[str]]] = []
    for perm in itertools.permutations(names):
        for cuts in itertools.product((False, True), repeat=len(perm) - 1):
            runs, run = [], [perm[0]]
            for name, cut in zip(perm[1:], cuts, strict=True):
                if cut:
                    runs.append(run)
                    run = []
                run.append(name)
            if runs:
                out.append([*runs, run])
    return out


def _recorded(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return [(Path(str(r[0])).name, *r[1:]) for r in con.execute(
        "SELECT source, source_row, event_id, output_tokens FROM dropped_copies ORDER BY ALL"
    ).fetchall()]


@pytest.mark.parametrize("third", ["c_C.csv", "d_D.csv"])
def test_every_order_of_runs_refuses_as_one_load(tmp_path: Path, third: str) -> None:
    """The time rule (C: another time than A and other tokens) and the 24-hour rule (D: 25
    hours after A): a load of the three files is refused, and so is some run of every order
    and split of them over --db runs (before: A's time was forgotten once B was kept)."""
    files = _files(tmp_path)
    names = ["a_B.csv", "b_A.csv", third]
    assert _refused([[files[n] for n in names]], None) is not None
    for runs in _splits(names):  # one store in memory, loaded once per run
        assert _refused([[files[n] for n in run] for run in runs], None) is not None, runs
    db = tmp_path / "s.duckdb"  # and a --db file
    assert _refused([[files["a_B.csv"], files["b_A.csv"]], [files[third]]], db) is not None


def test_two_copies_of_one_request_load_in_any_order(tmp_path: Path) -> None:
    """A and B alone (one request, 2 hours apart) load in every order: one event, and the
    copy dropped is recorded where it differs from the kept one (its time)."""
    files = _files(tmp_path)
    for first, then in _splits(["a_B.csv", "b_A.csv"]):
        with Store() as s:
            for run in (first, then):
                s.load([str(files[n]) for n in run])
            assert s.con.execute("SELECT count(*) FROM events").fetchall() == [(1,)]
            assert len(_recorded(s.con)) == 1


def test_cli_names_the_copy_an_earlier_load_dropped(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _files(tmp_path)
    monkeypatch.chdir(tmp_path)
    with Store(tmp_path / "s.duckdb") as s:
        s.load(["a_B.csv", "b_A.csv"])
    err = cli_error(["load", "c_C.csv", "--db", "s.duckdb"])
    assert err.startswith(
        "error: b_A.csv row 1 (dropped as a duplicate by an earlier load) and c_C.csv row 1 "
        "hold the same event id 'req-1' (event_id) but are not one request: ts 2026-10-01 "
        "10:00:00 / 2026-10-01 12:00:00 UTC (2 hours apart) with other tokens (output 50 / "
        "80); 1 event id(s) are held so"), err
    err = cli_error(["load", "d_D.csv", "--db", "s.duckdb"])
    assert err.startswith(
        "error: b_A.csv row 1 (dropped as a duplicate by an earlier load) and d_D.csv row 1 "
        "hold the same event id 'req-1' (event_id) but are not one request: ts 2026-10-01 "
        "10:00:00 / 2026-10-02 11:00:00 UTC (25 hours apart); 1 event id(s)"), err


def test_copies_equal_to_the_kept_one_are_not_recorded(tmp_path: Path) -> None:
    """An export downloaded twice (and a stored copy replaced by one that grew at its time:
    recorded, its tokens differ)."""
    a = write_csv(tmp_path / "a.csv", HEAD, [["r1", "2026-10-01 10:00:00", "u1", "gpt-5", 10, 1],
                                             ["r2", "2026-10-01 11:00:00", "u1", "gpt-5", 20, 2]])
    shutil.copy(a, tmp_path / "a_again.csv")
    (tmp_path / "a_again.csv").write_text(a.read_text() + "\n")  # not a byte copy
    grown = write_csv(tmp_path / "grown.csv", HEAD,
                      [["r1", "2026-10-01 10:00:00", "u1", "gpt-5", 10, 5]])
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        assert s.load([str(a), str(tmp_path / "a_again.csv")]).duplicates_dropped == 2
        assert _recorded(s.con) == []
    with Store(db) as s:
        s.load([str(grown)])
        assert _recorded(s.con) == [("a.csv", 1, "r1", 1)]


def test_a_files_records_go_and_move_with_its_rows(tmp_path: Path) -> None:
    """b_A.csv rewritten without req-1: its record goes with its rows, and C then loads as a
    load of the files on disk does; moved to another folder, its record moves with it."""
    files = _files(tmp_path / "logs")
    db = tmp_path / "s.duckdb"
    _refused([[files["a_B.csv"], files["b_A.csv"]]], db)
    moved = tmp_path / "moved" / "b_A.csv"
    moved.parent.mkdir()
    files["b_A.csv"].rename(moved)
    with Store(db) as s:
        s.load([str(files["a_B.csv"]), str(moved)])
        assert [r[0] for r in _recorded(s.con)] == ["b_A.csv"]
        assert s.con.execute("SELECT DISTINCT source FROM dropped_copies").fetchall() == [
            (str(moved),)]
    with Store(db) as s, pytest.raises(InputError, match=r"moved.b_A\.csv row 1 \(dropped "):
        s.load([str(files["c_C.csv"])])
    write_csv(moved, HEAD, [["req-9", "2026-10-01 10:00:00+00", "u1", "gpt-4o", 1, 1]])
    with Store(db) as s:
        s.load([str(moved), str(files["c_C.csv"])])
        assert _recorded(s.con) == [("a_B.csv", 1, "req-1", 50)]
        assert_balanced(s.con)
        with Store() as cold:
            cold.load([str(files["a_B.csv"]), str(moved), str(files["c_C.csv"])])
            query = "SELECT event_id, output_tokens FROM events ORDER BY ALL"
            assert s.con.execute(query).fetchall() == cold.con.execute(query).fetchall()


def test_a_store_an_older_planalyzer_made_gets_the_table(tmp_path: Path) -> None:
    """No table: read-only analysis opens the store as it is; a load adds it, empty (the
    copies dropped before are not known: C is judged against the kept copy, as then)."""
    files = _files(tmp_path)
    db = tmp_path / "s.duckdb"
    _refused([[files["a_B.csv"], files["b_A.csv"]]], db)
    with Store(db) as s:
        s.con.execute("DROP TABLE dropped_copies")  # as an older planalyzer made it
    with Store(db, read_only=True) as s:
        assert s.events_count() == 1
    with Store(db) as s:
        assert _recorded(s.con) == []
        s.load([str(files["c_C.csv"])])
        assert s.con.execute("SELECT output_tokens FROM events").fetchall() == [(80,)]


# -- property: copies of other times and tokens split over runs: one load's verdict -------------

FILES = ("a.csv", "b.csv", "c.csv")
# (event e<i>, hours later, more output tokens)
copies = st.lists(st.tuples(st.integers(0, 1), st.sampled_from([0, 0, 2, 25]),
                            st.integers(0, 2)), max_size=3)


def _copies_csv(path: Path, spec: list[tuple[int, int, int]]) -> Path:
    rows = [[f"e{i}", f"2026-10-0{1 + hours // 24} {10 + hours % 24}:0{i}:00", "alice",
             "gpt-5", 1000 + i, 100 + extra] for i, hours, extra in spec or [(9, 0, 0)]]
    return write_csv(path, HEAD, rows)


def _events(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute("SELECT event_id, input_tokens, output_tokens FROM events "
                       "ORDER BY ALL").fetchall()


def _cold(paths: list[Path]) -> list[tuple[object, ...]] | None:
    """A load of every file: its events, None where it is refused."""
    with Store() as s:
        try:
            s.load([str(p) for p in paths])
        except InputError:
            return None
        return _events(s.con)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(copies, min_size=len(FILES), max_size=len(FILES)),
       st.lists(st.integers(0, 2), min_size=len(FILES), max_size=len(FILES)),
       st.dictionaries(st.sampled_from(FILES), copies, max_size=2))
@example(specs=[[(0, 0, 0)], [(0, 2, 0)], [(0, 0, 1)]], run_of=[0, 0, 1],  # qa17A #1
         rewrites={})
@example(specs=[[(0, 0, 0)], [(0, 2, 0)], [(1, 0, 0)]], run_of=[0, 1, 2],
         rewrites={"c.csv": [(0, 0, 1)]})
def test_any_split_of_copies_over_runs_reaches_one_loads_verdict(
        specs: list[list[tuple[int, int, int]]], run_of: list[int],
        rewrites: dict[str, list[tuple[int, int, int]]]) -> None:
    """Copies of a few ids at other times (2 or 25 hours later) and with other tokens, over
    up to three --db runs: some run is refused exactly where a load of every file is, else the
    store holds its events; and again once some files are rewritten and all are loaded."""
    with tempfile.TemporaryDirectory() as tmp, Store() as s:  # loaded once per run
        logs = Path(tmp) / "logs"
        paths = [_copies_csv(logs / n, spec) for n, spec in zip(FILES, specs, strict=True)]
        cold = _cold(paths)
        for run in range(3):
            named = [str(p) for p, r in zip(paths, run_of, strict=True) if r == run]
            try:
                if named:
                    s.load(named)
            except InputError:
                assert cold is None
                return
            assert_balanced(s.con)
        assert _events(s.con) == cold
        for name, spec in rewrites.items():  # a later mtime: read again
            old = (logs / name).stat().st_mtime_ns
            _copies_csv(logs / name, spec)
            later = max(old + 1_000_000_000, (logs / name).stat().st_mtime_ns)
            os.utime(logs / name, ns=(later, later))
        cold = _cold(paths)
        try:
            s.load([str(p) for p in paths])
        except InputError:
            assert cold is None
            return
        assert _events(s.con) == cold
        assert_balanced(s.con)
