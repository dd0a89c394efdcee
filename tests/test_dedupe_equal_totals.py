"""Copies of one event id with as many tokens in all but held otherwise rank by what they hold,
never by which was stored or read first (qa16C #2): a LiteLLM SpendLogs export without its
metadata (every prompt token read as input) and one with it (cache reads apart) keep the same
copy in one load and across --db loads in any order (sql/rank_duplicate_events.sql, the sort
keys of planalyzer.bucket_copies.RANK_SLOTS)."""

from __future__ import annotations

import shutil
from itertools import permutations
from pathlib import Path

import duckdb
import pytest
from conftest import cli_json, write_csv

from planalyzer.store import LoadOptions, Store

HEAD = ["event_id", "ts", "user_id", "model", "input_tokens", "cache_read_tokens",
        "output_tokens"]
MODEL = "claude-sonnet-4-5"
PLAIN = ["e1", "2026-10-01T00:00:00Z", "a", MODEL, 100_000, 0, 10]  # no metadata
SPLIT = ["e1", "2026-10-01T00:00:00Z", "a", MODEL, 1_000, 99_000, 10]  # cache reads apart


def _events(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute("SELECT event_id, ts::VARCHAR, user_id, input_tokens, cache_read_tokens, "
                       "output_tokens FROM events ORDER BY ALL").fetchall()


def _cold(*paths: Path) -> list[tuple[object, ...]]:
    with Store() as s:
        s.load([str(p) for p in paths], LoadOptions())
        return _events(s.con)


def _runs(db: Path, *paths: Path) -> list[tuple[object, ...]]:
    """One --db run per file, in the order given; the events stored at the end."""
    for p in paths:
        with Store(db) as s:
            s.load([str(p)], LoadOptions())
    with Store(db) as s:
        return _events(s.con)


def _every_order(tmp_path: Path, rows: list[list[object]]) -> list[tuple[object, ...]]:
    """Each row in a file of its own: one load, and --db runs in every order, keep the same
    events (returned)."""
    paths = [write_csv(tmp_path / f"f{i}.csv", HEAD, [r]) for i, r in enumerate(rows)]
    want = _cold(*paths)
    assert _cold(*reversed(paths)) == want
    for j, order in enumerate(permutations(paths)):
        assert _runs(tmp_path / f"s{j}.duckdb", *order) == want, order
    return want


def test_the_copy_splitting_cache_reads_out_is_kept_in_any_order(tmp_path: Path) -> None:
    want = _every_order(tmp_path, [PLAIN, SPLIT])
    assert want == [("e1", "2026-10-01 00:00:00+00", "a", 1_000, 99_000, 10)]


@pytest.mark.parametrize("names", [("a.csv", "b.csv"), ("b.csv", "a.csv")])
def test_report_costs_do_not_depend_on_the_order_of_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, names: tuple[str, str]) -> None:
    """The QA repro: the GPU cost and API value of the two orders of --db runs, and of one
    load, are the same (they were 0.029715 and 0.000746: 40-fold)."""
    plain = write_csv(tmp_path / names[0], HEAD, [PLAIN])
    split = write_csv(tmp_path / names[1], HEAD, [SPLIT])
    monkeypatch.chdir(tmp_path)
    got = []
    for db, order in (("o1.duckdb", (plain, split)), ("o2.duckdb", (split, plain)),
                      ("o3.duckdb", None)):
        if order is None:
            cli_json(["load", str(plain), str(split), "--db", db])
        else:
            for p in order:
                cli_json(["load", str(p), "--db", db])
        row = cli_json(["report", "--db", db])["plans"]["rows"][0]
        got.append((row["gpu_cost_usd"], row["api_value_usd"]))
    assert got[0] == got[1] == got[2], got


def test_more_output_ranks_first(tmp_path: Path) -> None:
    want = _every_order(tmp_path, [["e1", "2026-10-01T00:00:00Z", "a", MODEL, 500, 0, 100],
                                   ["e1", "2026-10-01T00:00:00Z", "a", MODEL, 400, 0, 200],
                                   ["e1", "2026-10-01T00:00:00Z", "a", MODEL, 300, 200, 100]])
    assert [r[3:] for r in want] == [(400, 0, 200)]


def test_copies_of_equal_tokens_at_other_times_keep_the_same_tokens(tmp_path: Path) -> None:
    """A copy read in another time zone (the same tokens, 7 hours later): the stored one stays
    (a Codex fork's replay keeps its readings with the event stored), the tokens the same in
    every order of runs (docs/sources.md: the time kept may differ)."""
    rows = [["e1", "2026-10-01T23:00:00Z", "a", MODEL, 100, 0, 10],
            ["e1", "2026-10-02T06:00:00Z", "a", MODEL, 100, 0, 10]]
    paths = [write_csv(tmp_path / f"f{i}.csv", HEAD, [r]) for i, r in enumerate(rows)]
    for j, order in enumerate(permutations(paths)):
        got = _runs(tmp_path / f"s{j}.duckdb", *order)
        assert [r[3:] for r in got] == [(100, 0, 10)]
        assert got[0][1] == _cold(order[0])[0][1]  # the stored copy's time


def test_a_byte_copy_does_not_take_the_stored_row_over(tmp_path: Path) -> None:
    """Copies holding the same: the stored one stays (its file counts the row)."""
    a = write_csv(tmp_path / "z.csv", HEAD, [PLAIN])
    b = tmp_path / "a.csv"
    shutil.copy(a, b)
    db = tmp_path / "s.duckdb"
    _runs(db, a, b)
    with Store(db) as s:
        assert s.con.execute("SELECT source FROM events").fetchall() == [(str(a),)]
