"""Codex rollouts: per-turn usage, cached input, model, archived copies, rate limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, check_golden_json, relative

from planalyzer.accounting import display_path
from planalyzer.store import LoadOptions, Store
from tests.load_helpers import describe

HOME = FIXTURES / "codex" / "home"


def test_codex_home_golden() -> None:
    store = Store()
    report = store.load([str(HOME)])
    got = describe(store, report)
    cur = store.con.execute(
        "SELECT source, CAST(ts AS VARCHAR), user_id, plan_type, \"window\", window_minutes, "
        "used_percent, CAST(resets_at AS VARCHAR) FROM rate_limit_snapshots ORDER BY ALL")
    got["rate_limit_snapshots"] = [[relative(r[0]), *r[1:]] for r in cur.fetchall()]
    check_golden_json("codex/load_home.json", got)
    # history.jsonl in the Codex home is not a rollout: not read
    assert all("history" not in f["source"] for f in got["files"])  # type: ignore[index]


def test_turns_from_last_usage_and_differenced_totals() -> None:
    store = Store()
    store.load([str(HOME / "sessions")])
    rows = store.con.execute(
        "SELECT model, input_tokens, cache_read_tokens, output_tokens FROM events "
        "WHERE event_id LIKE '%4a5b%' ORDER BY source_row").fetchall()
    # turn 1 (last_token_usage): 1000 input of which 800 cached; turn 2: totals differenced
    # (3500-1000, 2800-800, 300-100) under the newer turn_context model; then a restart
    assert rows == [("gpt-5-codex", 200, 800, 100), ("gpt-5", 500, 2000, 200),
                    ("gpt-5", 3400, 0, 350)]


def test_archived_copy_only_is_loaded(tmp_path: Path) -> None:
    store = Store()
    arch = next((HOME / "archived_sessions").glob("*.jsonl"))
    report = store.load([str(arch)])
    assert report.files[0].format == "codex"
    assert report.rows_loaded == 2


@pytest.mark.parametrize("sub", ["sessions", "archived_sessions"])
def test_a_named_subfolder_is_read_alone(sub: str) -> None:
    """Naming sessions/ or archived_sessions/ reads that folder, not the whole Codex home
    (QA 12C #7: archived_sessions/ loaded the three active rollouts as well)."""
    report = Store().load([str(HOME / sub)])
    assert sorted(Path(f.source).relative_to(HOME.resolve()).parts[0]
                  for f in report.files) == [sub] * (2 if sub == "sessions" else 1)
    assert all(f.format == "codex" for f in report.files)
    other = "archived_sessions" if sub == "sessions" else "sessions"
    # the home's other folder holds rollouts: said, with what to name to read both
    home_name = display_path(str(HOME.resolve()))
    assert [n for n in report.notes if "not read" in n] == [
        f"{home_name}/{other}: not read: the Codex home's {other}/ beside the {sub}/ folder "
        f"named (a folder named is read alone); name the home ({home_name}) to read both"]
    # the home named: both read, nothing said
    home = Store().load([str(HOME)])
    assert len(home.files) == 3 and not any("not read" in n for n in home.notes)


def test_rollout_file_with_source_option_and_user() -> None:
    store = Store()
    one = next((HOME / "sessions").rglob("*4a66.jsonl"))
    store.load([str(one)], LoadOptions(source="codex", user_id="ann"))
    assert store.con.execute("SELECT DISTINCT user_id FROM events").fetchall() == [("ann",)]
    assert store.con.execute("SELECT count(*) FROM rate_limit_snapshots").fetchall() == [(8,)]


def test_reload_replaces_rate_limit_snapshots(tmp_path: Path) -> None:
    import shutil
    dst = tmp_path / "codex"
    shutil.copytree(HOME, dst)
    db = tmp_path / "c.duckdb"
    with Store(db) as s:
        s.load([str(dst)])
        before = s.con.execute("SELECT count(*) FROM rate_limit_snapshots").fetchall()
    f = next((dst / "sessions").rglob("*4a5b.jsonl"))
    f.write_text(f.read_text() + "\n")
    with Store(db) as s:
        s.load([str(dst)])
        after = s.con.execute("SELECT count(*) FROM rate_limit_snapshots").fetchall()
    assert before == after


FORKS = FIXTURES / "codex" / "forks" / "sessions" / "2026" / "10" / "11"
PARENT, FORK, FORK2 = (next(FORKS.glob(f"*{n}.jsonl")) for n in ("0001", "0002", "0003"))
# the parent's three turns, the fork's own turn and the second fork's own turn
FORK_TURNS = [(200, 800, 100), (400, 1600, 200), (700, 1600, 200), (500, 800, 100),
              (100, 600, 200)]


def _turns(store: Store) -> list[tuple[int, int, int]]:
    return store.con.execute(
        "SELECT input_tokens, cache_read_tokens, output_tokens FROM events "
        "ORDER BY ts").fetchall()


def test_forked_sessions_count_the_parents_turns_once() -> None:
    # a fork rewrites its parent's lines (token_count events included) into its own rollout
    store = Store()
    report = store.load([str(FORKS)])
    assert sorted(_turns(store)) == sorted(FORK_TURNS)
    by_file = {Path(f.source).name[-9:-6]: (f.rows_loaded, f.duplicates_dropped)
               for f in report.files}
    assert by_file == {"001": (3, 0), "002": (1, 2), "003": (1, 3)}
    # the copies are dropped, not the parent's own lines (their timestamps are the fork's)
    assert store.con.execute("SELECT count(*) FROM events WHERE ts < '2026-10-11 09:00Z' "
                             "AND source LIKE '%0001.jsonl'").fetchall() == [(2,)]
    # and the copies' rate-limit readings with them: 2 windows x (3 + 1 + 1) events kept
    assert store.con.execute("SELECT count(*) FROM rate_limit_snapshots").fetchall() == [(10,)]


def test_fork_loaded_after_its_parent(tmp_path: Path) -> None:
    db = tmp_path / "f.duckdb"
    with Store(db) as s:
        s.load([str(PARENT)])
    with Store(db) as s:
        report = s.load([str(FORK)])
        assert report.duplicates_dropped == 2
        assert sorted(_turns(s)) == sorted(FORK_TURNS[:4])
        assert s.con.execute("SELECT count(*) FROM rate_limit_snapshots").fetchall() == [(8,)]


def test_parent_loaded_after_its_fork_adds_no_reading_twice(tmp_path: Path) -> None:
    db = tmp_path / "f.duckdb"
    with Store(db) as s:
        s.load([str(FORK)])
    with Store(db) as s:
        report = s.load([str(PARENT)])
        assert report.duplicates_dropped == 2  # the fork's copies, loaded first, are kept
        assert sorted(_turns(s)) == sorted(FORK_TURNS[:4])
        # the parent's readings of the two turns the fork holds are not kept again
        assert s.con.execute("SELECT count(*) FROM rate_limit_snapshots").fetchall() == [(8,)]


def test_fork_alone_counts_the_copied_turns_once() -> None:
    # without the parent the fork's copies are the only record of those turns
    store = Store()
    store.load([str(FORK)])
    assert sorted(_turns(store)) == sorted([FORK_TURNS[0], FORK_TURNS[1], FORK_TURNS[3]])


OLD = FIXTURES / "codex" / "old"


def test_old_rollout_without_usage_is_said(tmp_path: Path) -> None:
    one = next(OLD.rglob("rollout-2025-08-20*.jsonl"))
    for spec in (one, OLD):  # a file alone is recognised by content, not sent to --map
        report = Store().load([str(spec)])
        assert report.files[0].format == "codex"
        assert any("recorded no token usage" in n for n in report.notes), report.notes


def test_flat_rate_limits_are_read() -> None:
    store = Store()
    store.load([str(OLD)])
    rows = store.con.execute(
        "SELECT \"window\", window_minutes, used_percent FROM rate_limit_snapshots "
        "ORDER BY ALL").fetchall()
    assert rows == [("primary", 299, 12.0), ("secondary", 10079, 40.0)]


def test_fork_without_the_parents_session_meta_line(tmp_path: Path) -> None:
    # forked_from_id alone names the parent (should a Codex version not copy its session_meta)
    day = tmp_path / "sessions" / "2026" / "10" / "11"
    day.mkdir(parents=True)
    (day / PARENT.name).write_bytes(PARENT.read_bytes())
    lines = FORK.read_text().splitlines()
    kept = [ln for i, ln in enumerate(lines) if i == 0 or '"session_meta"' not in ln]
    assert len(kept) == len(lines) - 1
    (day / FORK.name).write_text("\n".join(kept) + "\n")
    store = Store()
    store.load([str(tmp_path)])
    assert sorted(_turns(store)) == sorted(FORK_TURNS[:4])


def _statuses(report: Any) -> dict[str, str]:
    return {Path(f.source).name: f.status for f in report.files}


def _totals(store: Store) -> list[tuple[Any, ...]]:
    return store.con.execute(
        "SELECT count(*), sum(input_tokens), sum(cache_read_tokens), sum(output_tokens) "
        "FROM events").fetchall()


def test_a_changed_rollout_rereads_only_files_of_its_session(tmp_path: Path) -> None:
    """Codex repeats token_count events, so nearly every rollout dropped duplicates of its own:
    a changed rollout makes a --db load read again only the files that can hold copies of its
    events (its session's and its forks'), not every Codex file (QA 8C #9); totals stay those
    of a fresh load."""
    import shutil
    dst = tmp_path / "codex"
    shutil.copytree(HOME, dst)
    shutil.rmtree(dst / "archived_sessions")
    db = tmp_path / "c.duckdb"
    with Store(db) as s:
        s.load([str(dst)])
    f = next((dst / "sessions").rglob("*4a5b.jsonl"))
    f.write_text(f.read_text() + "\n")
    with Store(db) as s:
        got = _statuses(s.load([str(dst)]))
        after = _totals(s)
    assert got == {f.name: "reloaded", next((dst / "sessions").rglob("*4a66.jsonl")).name:
                   "unchanged"}
    with Store() as s:
        s.load([str(dst)])
        assert _totals(s) == after


def test_a_changed_parent_rereads_its_forks(tmp_path: Path) -> None:
    """A fork's copies of its parent's events were dropped against the parent's: when the
    parent changes, the forks are read again with it (same root session)."""
    import shutil
    dst = tmp_path / "codex" / "sessions" / "2026" / "10" / "11"
    shutil.copytree(FORKS, dst)
    db = tmp_path / "c.duckdb"
    with Store(db) as s:
        s.load([str(tmp_path / "codex")])
    parent = next(dst.glob("*0001.jsonl"))
    parent.write_text(parent.read_text() + "\n")
    with Store(db) as s:
        got = _statuses(s.load([str(tmp_path / "codex")]))
        after = _totals(s)
    assert set(got.values()) == {"reloaded"} and len(got) == 3
    with Store() as s:
        s.load([str(tmp_path / "codex")])
        assert _totals(s) == after
