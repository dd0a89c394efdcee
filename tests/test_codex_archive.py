"""Codex rollouts archived, moved or deleted between --db runs (QA 12C #1): Codex archives a
session by moving its rollout from sessions/ to archived_sessions/; an archived copy may be
kept while the active one is deleted. The copy on disk counts, as in a load without --db:
`me --db` and `load --db` give the totals of a fresh load of the folder
(planalyzer.store_gone)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.me import load_my_usage, me_tables
from planalyzer.plans import load_plan_catalog
from planalyzer.store import Store

HOME = FIXTURES / "codex" / "home"
FORKS = FIXTURES / "codex" / "forks" / "sessions" / "2026" / "10" / "11"
DAY = Path("sessions") / "2026" / "10" / "10"
ARCHIVED = Path("archived_sessions")
S1 = "rollout-2026-10-10T08-00-00-0199a0b1-7c2d-7e3f-8a9b-0c1d2e3f4a5b.jsonl"
S2 = "rollout-2026-10-10T10-00-00-0199a0b1-7c2d-7e3f-8a9b-0c1d2e3f4a66.jsonl"


def _home(tmp: Path, archived_copy: bool) -> Path:
    dst = tmp / "codex"
    shutil.copytree(HOME, dst)  # copy2: mtimes kept
    if not archived_copy:
        (dst / ARCHIVED / S2).unlink()
    return dst


def _me(store: Store, home: Path) -> dict[str, Any]:
    report = load_my_usage(store, [str(home)])
    tables = me_tables(store.con, load_plan_catalog(), "UTC",
                       files=[f.source for f in report.files])
    return {t.name: t for t in tables}


def _rows(tables: dict[str, Any]) -> dict[str, list[tuple[Any, ...]]]:
    return {k: [tuple(round(v, 9) if isinstance(v, float) else v for v in r) for r in t.rows]
            for k, t in tables.items()}


def _balanced(store: Store) -> None:
    """Every file's read = loaded + rejected + duplicates, and the loaded rows are the
    events."""
    ok, loaded, low = store.con.execute(
        "SELECT bool_and(rows_read = rows_loaded + rows_rejected + duplicates_dropped), "
        "sum(rows_loaded), least(min(rows_loaded), min(duplicates_dropped)) "
        "FROM load_manifest").fetchall()[0]
    assert ok and low >= 0 and loaded == store.events_count()


def _fresh(home: Path) -> dict[str, Any]:
    with Store() as s:
        return _me(s, home)


def _archive(home: Path, name: str) -> None:
    """What Codex's archive does: the rollout moves (its bytes and mtime kept)."""
    os.rename(home / DAY / name, home / ARCHIVED / name)


@pytest.mark.parametrize("order", ["move", "keep both, then delete the active copy"])
def test_me_db_counts_an_archived_rollout_as_before(tmp_path: Path, order: str) -> None:
    move = order == "move"
    home = _home(tmp_path, archived_copy=not move)
    db = tmp_path / "me.duckdb"
    with Store(db) as s:
        before = _me(s, home)
    if move:
        _archive(home, S1)
    else:
        (home / DAY / S2).unlink()
    with Store(db) as s:
        after = _me(s, home)
        _balanced(s)
        sources = set(s.sources())
    assert _rows(after) == _rows(before) == _rows(_fresh(home))
    # the user's own events are never "files me did not read"
    assert not any("left out" in n for t in after.values() for n in t.notes)
    # the gone path left the store: its every request is a file's on disk
    assert sources == {str(p.resolve()) for p in home.rglob("rollout-*.jsonl")}


def test_me_db_after_archiving_reads_nothing_more(tmp_path: Path) -> None:
    home = _home(tmp_path, archived_copy=False)
    db = tmp_path / "me.duckdb"
    with Store(db) as s:
        load_my_usage(s, [str(home)])
    _archive(home, S1)
    with Store(db) as s:
        moved = load_my_usage(s, [str(home)])
    with Store(db) as s:
        again = load_my_usage(s, [str(home)])
    status = {Path(f.source).name: (f.status, f.rows_read, f.rows_loaded, f.duplicates_dropped)
              for f in moved.files}
    # the moved rollout is read as new and keeps its rows (the stored copies were a gone
    # file's); its own repeated token_count event is its one duplicate, its truncated line
    # its one rejected row (the gone file's left the store with it)
    assert status[S1] == ("loaded", 5, 3, 1)
    assert (moved.rows_read, moved.rows_loaded, moved.rows_rejected,
            moved.duplicates_dropped) == (5, 3, 1, 1)
    (note,) = [n for n in moved.notes if "are gone from disk" in n]
    assert note.startswith(f"1 file(s) read into the --db file earlier are gone from disk "
                           f"({home.resolve() / DAY / S1}) and files on disk now hold 3 of "
                           "their request(s)")
    assert note.endswith("1 of the gone file(s) held no other request and left the store")
    assert again.rows_read == 0 and not any("gone" in n for n in again.notes)


def test_load_db_and_report_after_archiving(tmp_path: Path) -> None:
    """`planalyzer load --db` then `report --db`: the same as `report` on the folder."""
    home = _home(tmp_path, archived_copy=True)
    db = tmp_path / "team.duckdb"
    runner = CliRunner()
    assert runner.invoke(app, ["load", str(home), "--db", str(db)]).exit_code == 0
    _archive(home, S1)
    (home / DAY / S2).unlink()  # its archived copy stays
    res = runner.invoke(app, ["load", str(home), "--db", str(db)])
    assert res.exit_code == 0, res.output
    with Store(db, read_only=True) as s, Store() as fresh:
        fresh.load([str(home)])
        for query in ("SELECT count(*), sum(input_tokens), sum(cache_read_tokens), "
                      "sum(output_tokens), min(epoch_us(ts)), max(epoch_us(ts)) FROM events",
                      "SELECT count(*), sum(used_percent) FROM rate_limit_snapshots",
                      "SELECT count(*) FROM rejected_rows"):
            assert s.con.execute(query).fetchall() == fresh.con.execute(query).fetchall()
        _balanced(s)

    def report(*args: str) -> Any:
        out = runner.invoke(app, ["report", *args, "-f", "json", "-q"])
        assert out.exit_code == 0, out.output
        doc = json.loads(out.stdout)
        return {k: v["rows"] for k, v in doc.items() if k != "meta"}

    assert report("--db", str(db)) == report(str(home))


def test_a_deleted_active_copy_longer_than_its_archived_one(tmp_path: Path) -> None:
    """The archived copy is an older snapshot; the active one went on, then was deleted: the
    copy's turns count under it, the later turns stay in the store as history (report --db),
    and `me` names them as a gone file's, not as files it did not read."""
    home = _home(tmp_path, archived_copy=False)
    active = home / DAY / S1
    lines = active.read_text().splitlines(keepends=True)
    (home / ARCHIVED / S1).write_text("".join(lines[:6]))  # up to the first turn
    db = tmp_path / "me.duckdb"
    with Store(db) as s:
        load_my_usage(s, [str(home)])
    active.unlink()
    with Store(db) as s:
        report = load_my_usage(s, [str(home)])
        tables = me_tables(s.con, load_plan_catalog(), "UTC",
                           files=[f.source for f in report.files])
        _balanced(s)
        kept = s.con.execute("SELECT count(*) FROM events WHERE source = ?",
                             [str(active.resolve())]).fetchall()[0][0]
        marked = s.con.execute("SELECT content_hash FROM load_manifest WHERE source = ?",
                               [str(active.resolve())]).fetchall()[0][0]
        # no reading twice: the gone file's readings of the turns its copy holds are dropped
        readings = s.con.execute(
            "SELECT epoch_us(ts) FROM rate_limit_snapshots WHERE source = ? ORDER BY 1",
            [str(active.resolve())]).fetchall()
        copy_readings = s.con.execute(
            "SELECT epoch_us(ts) FROM rate_limit_snapshots WHERE source = ? ORDER BY 1",
            [str((home / ARCHIVED / S1).resolve())]).fetchall()
    assert _rows({t.name: t for t in tables}) == _rows(_fresh(home))
    assert kept == 2 and marked.startswith("gone:sha256:")
    assert copy_readings and not set(readings) & set(copy_readings)
    notes = [n for t in tables for n in t.notes if "left out" in n]
    assert notes == ["the --db store also holds 2 events of files an earlier run read that "
                     "are gone from disk now (1 user id(s): me; logs a tool deleted or "
                     "moved, such as Claude Code's transcripts after 30 days): left out; me "
                     "analyses only the rows of the files it read (`planalyzer report --db "
                     "FILE` covers every row the file holds)"]


def test_a_deleted_fork_parent_leaves_its_copies_to_the_fork(tmp_path: Path) -> None:
    """The fork's copies of its parent's turns were dropped against the parent's: the parent
    deleted, the fork is read again and its copies count (a fresh load of the fork alone)."""
    day = tmp_path / "codex" / "sessions" / "2026" / "10" / "11"
    shutil.copytree(FORKS, day)
    home = tmp_path / "codex"
    db = tmp_path / "me.duckdb"
    with Store(db) as s:
        load_my_usage(s, [str(home)])
    next(day.glob("*0001.jsonl")).unlink()
    with Store(db) as s:
        got = _me(s, home)
        _balanced(s)
    assert _rows(got) == _rows(_fresh(home))


# -- any sequence of archive, unarchive, copy and delete ------------------------------------

ROLLOUTS = {S1: HOME / DAY / S1, S2: HOME / DAY / S2,
            **{p.name: p for p in FORKS.glob("*.jsonl")}}
NAMES = sorted(ROLLOUTS)
# (operation, rollout): archive (move to archived_sessions/), unarchive (move back), copy the
# active one into archived_sessions/, delete the active or the archived one
steps = st.lists(st.tuples(st.sampled_from(["archive", "unarchive", "copy", "delete active",
                                            "delete archived"]),
                           st.sampled_from(NAMES)), min_size=1, max_size=4)


def _apply(home: Path, op: str, name: str) -> None:
    active, archived = home / "sessions" / "d" / name, home / ARCHIVED / name
    src, dst = {"archive": (active, archived), "unarchive": (archived, active),
                "copy": (active, archived)}.get(op, (None, None))
    if src is not None and dst is not None:
        if src.exists() and not dst.exists():
            (os.rename if op != "copy" else shutil.copy2)(src, dst)
    elif op == "delete active":
        active.unlink(missing_ok=True)
    else:
        archived.unlink(missing_ok=True)


def _present_events(s: Store, home: Path) -> list[list[tuple[Any, ...]]]:
    """The events and rate-limit readings of the rollouts on disk (what `me` counts)."""
    files = [str(p.resolve()) for p in home.rglob("rollout-*.jsonl")]
    return [s.con.execute(query, [files]).fetchall() for query in (
        "SELECT event_id, epoch_us(ts), input_tokens, cache_read_tokens, output_tokens "
        "FROM events WHERE list_contains(?, source) ORDER BY ALL",
        "SELECT epoch_us(ts), \"window\", used_percent FROM rate_limit_snapshots "
        "WHERE list_contains(?, source) ORDER BY ALL")]


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps)
def test_any_archive_sequence_gives_the_totals_of_a_fresh_load(
        tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, str]]) -> None:
    tmp = tmp_path_factory.mktemp("archive")
    home = tmp / "codex"
    (home / "sessions" / "d").mkdir(parents=True)
    (home / ARCHIVED).mkdir()
    for name, path in ROLLOUTS.items():
        shutil.copy2(path, home / "sessions" / "d" / name)
    with Store(tmp / "s.duckdb") as s:
        s.load([str(home)])
        for op, name in ops:
            _apply(home, op, name)
            if not any(home.rglob("rollout-*.jsonl")):
                return
            s.load([str(home)])
            _balanced(s)
            with Store() as fresh:
                fresh.load([str(home)])
                assert _present_events(s, home) == _present_events(fresh, home), (op, name)
