"""A --db store reads again, when a file is reloaded, exactly the files that dropped copies of
rows kept from it (planalyzer/duplicate_links.py): never a file whose copies were its own (a
transcript's streamed lines) or another file's, and never loses a request a cold load of the
final files keeps."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest
from conftest import assert_balanced, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_claude_code_runs import line, write

from planalyzer.accounting import LoadReport
from planalyzer.store import LoadOptions, Store

FIXTURES = Path(__file__).parent / "fixtures"
HEAD = ["event_id", "ts", "user_id", "model", "input_tokens", "output_tokens"]
MODEL = "claude-sonnet-4-5"


def _row(i: int, user: str = "alice") -> list[object]:
    """Event e<i>: the same row wherever it is copied."""
    return [f"e{i}", f"2026-10-01 10:{i:02d}:00", user, MODEL, 1000 + i, 100 + i]


def _csv(path: Path, ids: list[int]) -> Path:
    return write_csv(path, HEAD, [_row(i) for i in ids])


def _read(report: LoadReport) -> dict[str, str]:
    """The files a load read (not unchanged), with their status."""
    return {Path(fl.source).name: fl.status for fl in report.files if fl.status != "unchanged"}


def _events(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute("SELECT event_id, ts::VARCHAR, user_id, input_tokens, cache_write_tokens, "
                       "cache_read_tokens, output_tokens FROM events ORDER BY ALL").fetchall()


def _cold(*specs: Path, opts: LoadOptions | None = None) -> list[tuple[object, ...]]:
    with Store() as s:
        s.load([str(p) for p in specs], opts)
        return _events(s.con)


def _balanced(s: Store) -> None:
    assert_balanced(s.con)


def _links(db: Path) -> set[tuple[str, str | None]]:
    with Store(db) as s:
        return {(Path(a).name, None if b is None else Path(b).name) for a, b in
                s.con.execute("SELECT source, kept_source FROM duplicate_links").fetchall()}


def _touch_later(path: Path) -> None:
    """A file rewritten with the same size gets another mtime (the manifest's first check)."""
    st_ = path.stat()
    os.utime(path, ns=(st_.st_atime_ns, st_.st_mtime_ns + 1_000_000_000))


def test_a_changed_csv_beside_transcripts_reads_the_csv_alone(tmp_path: Path) -> None:
    # `load --db` of a Claude Code folder and an OpenRouter export: nearly every transcript
    # dropped duplicates (its streamed lines), so a re-exported CSV read them all again
    claude = tmp_path / "claude"
    shutil.copytree(FIXTURES / "claude_code" / "single", claude)
    csv = tmp_path / "or" / "activity.csv"
    csv.parent.mkdir()
    shutil.copy(FIXTURES / "openrouter" / "activity.csv", csv)
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        first = s.load([str(claude), str(csv)])
    assert [fl for fl in first.files if fl.format == "claude-code" and fl.duplicates_dropped]
    lines = csv.read_text().splitlines(keepends=True)
    csv.write_text("".join(lines[:-1]))  # the export again, its last request gone
    with Store(db) as s:
        report = s.load([str(claude), str(csv)])
        got = _events(s.con)
        _balanced(s)
    assert _read(report) == {"activity.csv": "reloaded"}
    assert not any("read again" in n for n in report.notes), report.notes
    assert got == _cold(claude, csv)


def test_reloaded_file_held_the_copies_another_file_dropped(tmp_path: Path) -> None:
    # a.csv holds e0..e9; b.csv's copies of e0..e4 were dropped; c.csv dropped copies of its
    # own rows and d.csv copies of c's: a.csv changes, losing e0..e2: b.csv alone is read
    # again and its copies of e0..e2 come back
    logs = tmp_path / "logs"
    a = _csv(logs / "a.csv", list(range(10)))
    _csv(logs / "b.csv", [0, 1, 2, 3, 4, 20, 21])
    _csv(logs / "c.csv", [30, 30, 31])
    _csv(logs / "d.csv", [31, 40])
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        first = s.load(logs)
    assert {Path(fl.source).name: fl.duplicates_dropped for fl in first.files} == {
        "a.csv": 0, "b.csv": 5, "c.csv": 1, "d.csv": 1}
    assert _links(db) == {("b.csv", "a.csv"), ("d.csv", "c.csv")}
    _csv(a, list(range(3, 10)))
    with Store(db) as s:
        report = s.load(logs)
        got = _events(s.con)
        _balanced(s)
    assert _read(report) == {"a.csv": "reloaded", "b.csv": "reloaded"}
    assert any(n.startswith("1 file(s) whose rows earlier loads dropped as duplicates were "
                            "read again") for n in report.notes)
    assert got == _cold(logs) and len(got) == 15
    assert {r[0] for r in got} >= {"e0", "e1", "e2"}
    # b.csv now keeps e0..e2 and drops copies of a's e3, e4: linked to a.csv still
    assert _links(db) == {("b.csv", "a.csv"), ("d.csv", "c.csv")}
    _csv(logs / "c.csv", [30])  # c loses e31: d.csv alone is read again
    with Store(db) as s:
        report = s.load(logs)
        assert _events(s.con) == _cold(logs)
    assert _read(report) == {"c.csv": "reloaded", "d.csv": "reloaded"}
    assert _links(db) == {("b.csv", "a.csv")}


def test_links_of_a_store_kept_on_a_user_named_key(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    rows = [[f"2026-10-12 10:0{i}:00", "carol", MODEL, 1, i] for i in range(4)]
    p = write_csv(logs / "p.csv", HEAD[1:], rows)
    write_csv(logs / "q.csv", HEAD[1:], [*rows[:2], rows[0]])
    write_csv(logs / "r.csv", HEAD[1:], [["2026-10-12 11:00:00", "dan", MODEL, 1, 1]] * 2)
    key = LoadOptions(dedupe_on=("user_id", "ts", "model"))
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        s.load(logs, key)
    assert _links(db) == {("q.csv", "p.csv")}
    write_csv(p, HEAD[1:], rows[1:])
    with Store(db) as s:
        report = s.load(logs)
        assert _events(s.con) == _cold(logs, opts=key)
    assert _read(report) == {"p.csv": "reloaded", "q.csv": "reloaded"}


def test_a_store_an_older_planalyzer_made_reads_every_file_with_duplicates_once(
        tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    a = _csv(logs / "a.csv", list(range(5)))
    _csv(logs / "b.csv", [0, 1, 9])
    _csv(logs / "c.csv", [7, 7])
    _csv(logs / "e.csv", [8])
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        s.load(logs)
        s.con.execute("DROP TABLE duplicate_links")  # as an older planalyzer made it
    with Store(db, read_only=True) as s:  # analysis does not need the table
        assert s.events_count() == 8
    assert _links(db) == {("b.csv", None), ("c.csv", None)}  # unknown: read on any reload
    e = _csv(logs / "e.csv", [8, 10])
    with Store(db) as s:
        report = s.load(logs)
        assert _events(s.con) == _cold(logs)
    assert _read(report) == {"b.csv": "reloaded", "c.csv": "reloaded", "e.csv": "reloaded"}
    assert _links(db) == {("b.csv", "a.csv")}  # known now
    _csv(e, [8, 10, 11])
    with Store(db) as s:
        assert _read(s.load(logs)) == {"e.csv": "reloaded"}
    _csv(a, [2, 3, 4])
    with Store(db) as s:
        report = s.load(logs)
        assert _events(s.con) == _cold(logs)
    assert _read(report) == {"a.csv": "reloaded", "b.csv": "reloaded"}


def test_a_moved_file_takes_its_links_over(tmp_path: Path) -> None:
    root = tmp_path / "root"
    _csv(root / "x" / "a.csv", list(range(5)))
    _csv(root / "y" / "b.csv", [0, 1, 7])
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        s.load(root)
    (root / "x").rename(root / "x2")
    with Store(db) as s:
        assert any("taken as moved" in n for n in s.load(root).notes)
    assert _links(db) == {("b.csv", "a.csv")}
    with Store(db) as s:
        assert s.con.execute("SELECT kept_source FROM duplicate_links").fetchall() == [
            (str(root / "x2" / "a.csv"),)]
    _csv(root / "x2" / "a.csv", [2, 3, 4])
    with Store(db) as s:
        report = s.load(root)
        assert _events(s.con) == _cold(root)
    assert _read(report) == {"a.csv": "reloaded", "b.csv": "reloaded"}


def test_a_copy_of_the_same_bytes_is_read_again_when_its_original_changes(
        tmp_path: Path) -> None:
    rows = [["2026-11-10 10:00:00", "u1", MODEL, 5, 1], ["2026-11-10 10:01:00", "u1", MODEL, 5, 2]]
    logs = tmp_path / "logs"
    a = write_csv(logs / "usage.csv", HEAD[1:], rows)
    (logs / "usage (1).csv").write_bytes(a.read_bytes())
    _csv(logs / "other.csv", [1])
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        assert any("same bytes" in n for n in s.load(logs).notes)
    assert _links(db) == {("usage (1).csv", "usage.csv")}
    write_csv(a, HEAD[1:], rows[:1])
    with Store(db) as s:
        report = s.load(logs)
        assert _events(s.con) == _cold(logs)
    assert _read(report) == {"usage.csv": "reloaded", "usage (1).csv": "reloaded"}


def test_a_byte_copy_taking_over_a_gone_file_takes_its_links_over(tmp_path: Path) -> None:
    """usage.csv loaded, 'usage (1).csv' (its bytes) later: its rows are all dropped; x.csv's
    copy of e0 was dropped for usage.csv's. usage.csv deleted: the copy takes over its rows
    and links, so a newer export saved as the copy, without e0, reads x.csv again."""
    logs = tmp_path / "logs"
    a = _csv(logs / "usage.csv", [0, 1, 2])
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        s.load(logs)
    b = logs / "usage (1).csv"
    b.write_bytes(a.read_bytes())
    _csv(logs / "x.csv", [0, 9])
    with Store(db) as s:
        s.load(logs)
    assert _links(db) == {("usage (1).csv", "usage.csv"), ("x.csv", "usage.csv")}
    a.unlink()
    with Store(db) as s:
        assert any("takes over" in n for n in s.load(logs).notes)
    assert _links(db) == {("x.csv", "usage (1).csv")}
    _touch_later(_csv(b, [1, 2]))
    with Store(db) as s:
        report = s.load(logs)
        assert _events(s.con) == _cold(logs)
    assert _read(report) == {"usage (1).csv": "reloaded", "x.csv": "reloaded"}


def _cc_load(db: Path, folder: Path) -> tuple[LoadReport, list[tuple[object, ...]]]:
    with Store(db) as s:
        report = s.load([str(folder)])
        _balanced(s)
        return report, _events(s.con)


def test_a_rewritten_transcript_gives_back_the_copies_it_displaced(tmp_path: Path) -> None:
    """s1's copy of msg_A, loaded first, lost to s2's later copy with more tokens (displaced:
    a duplicate of s1 now); s2 is rewritten without msg_A: s1 is read again, its copy counts.
    s3, which dropped only its own streamed lines, is not read again."""
    root = tmp_path / "claude"
    w = root / "projects" / "-w"
    write(w / "s1.jsonl", line("msg_A", 5, "req_A"), line("msg_B", 6, "req_B"))
    write(w / "s3.jsonl", line("msg_C", 1, "req_C"), line("msg_C", 9, "req_C"))
    db = tmp_path / "s.duckdb"
    _cc_load(db, root)
    write(w / "s2.jsonl", line("msg_A", 300, "req_A"), line("msg_D", 7, "req_D"))
    _cc_load(db, root)
    assert _links(db) == {("s1.jsonl", "s2.jsonl")}
    write(w / "s2.jsonl", line("msg_D", 8, "req_D"))  # rewritten (not grown): reloaded
    report, got = _cc_load(db, root)
    assert _read(report) == {"s1.jsonl": "reloaded", "s2.jsonl": "reloaded"}
    assert got == _cold(root)
    assert ("msg_A:req_A", 5) in {(r[0], r[6]) for r in got}
    assert _links(db) == set()


def test_a_grown_transcript_linked_to_a_reloaded_one_is_read_whole(tmp_path: Path) -> None:
    """s2 dropped its copy of msg_A (s1's is kept); in one load s2 grows (read on from its new
    lines) and s1 is rewritten without msg_A: s2 is read whole, and its copy counts."""
    root = tmp_path / "claude"
    w = root / "projects" / "-w"
    write(w / "s1.jsonl", line("msg_A", 50, "req_A"), line("msg_B", 6, "req_B"))
    db = tmp_path / "s.duckdb"
    _cc_load(db, root)
    write(w / "s2.jsonl", line("msg_A", 50, "req_A"), line("msg_C", 7, "req_C"))
    _cc_load(db, root)
    assert _links(db) == {("s2.jsonl", "s1.jsonl")}
    write(w / "s2.jsonl", line("msg_E", 3, "req_E", ts="2026-10-02T10:00:00.000Z"), append=True)
    write(w / "s1.jsonl", line("msg_B", 6, "req_B"))
    report, got = _cc_load(db, root)
    assert _read(report) == {"s1.jsonl": "reloaded", "s2.jsonl": "reloaded"}
    assert got == _cold(root) and len(got) == 4


def test_a_replay_dropped_for_another_files_main_copy_comes_back(tmp_path: Path) -> None:
    """A subagent's replay of a main-thread message is dropped (not a duplicate of its key):
    linked to the main-thread copy's file, it is read again when that file loses it."""
    root = tmp_path / "claude"
    w = root / "projects" / "-w"
    write(w / "s1.jsonl", line("msg_A", 5, "req_A"), line("msg_B", 6, "req_B"))
    write(w / "s1" / "subagents" / "agent-1.jsonl", line("msg_A", 9, "req_X", side=True),
          line("msg_F", 4, "req_F", side=True))
    db = tmp_path / "s.duckdb"
    _cc_load(db, root)
    assert _links(db) == {("agent-1.jsonl", "s1.jsonl")}
    write(w / "s1.jsonl", line("msg_B", 6, "req_B"))
    report, got = _cc_load(db, root)
    assert _read(report) == {"s1.jsonl": "reloaded", "agent-1.jsonl": "reloaded"}
    assert got == _cold(root) and len(got) == 3


def test_message_ids_sharing_a_key_through_a_colon_are_linked(tmp_path: Path) -> None:
    """message.id 'm:x' with requestId 'y' and message.id 'm' with requestId 'x:y' share the
    key 'm:x:y': the copy dropped is linked to the file of the one kept, though the messages
    differ. (Without a requestId 'm:x' would be keyed by its session: no shared key.)"""
    root = tmp_path / "claude"
    w = root / "projects" / "-w"
    write(w / "s1.jsonl", line("m:x", 5, "y"), line("msg_B", 6, "req_B"))
    write(w / "s2.jsonl", line("m", 50, "x:y"), line("msg_C", 7, "req_C"))
    db = tmp_path / "s.duckdb"
    _, got = _cc_load(db, root)
    assert _links(db) == {("s1.jsonl", "s2.jsonl")}
    assert ("m:x:y", 50) in {(r[0], r[6]) for r in got}
    write(w / "s2.jsonl", line("msg_C", 7, "req_C"))
    report, got = _cc_load(db, root)
    assert _read(report) == {"s1.jsonl": "reloaded", "s2.jsonl": "reloaded"}
    assert got == _cold(root) and ("m:x:y", 5) in {(r[0], r[6]) for r in got}


def test_a_codex_archived_copy_is_linked_to_its_active_rollout(tmp_path: Path) -> None:
    home = tmp_path / "codex"
    shutil.copytree(FIXTURES / "codex" / "home", home)
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        s.load([str(home)])
    links = _links(db)
    assert links and all(b is not None for _, b in links)
    with Store(db) as s:
        names = s.con.execute("SELECT source, kept_source FROM duplicate_links").fetchall()
    assert all("archived_sessions" in a and "archived_sessions" not in b for a, b in names)


# -- property: any sequence of rewrites gives a cold load's events ----------------------------

FILES = ("a.csv", "b.csv", "c.csv", "d.csv")
file_ids = st.lists(st.integers(0, 7), max_size=6)
runs = st.lists(st.dictionaries(st.sampled_from(FILES), file_ids, min_size=1), min_size=1,
                max_size=3)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(file_ids, min_size=len(FILES), max_size=len(FILES)), runs, st.booleans())
def test_any_sequence_of_rewrites_keeps_a_cold_loads_events(
        first: list[list[int]], changes: list[dict[str, list[int]]], user_key: bool) -> None:
    """Files of copies of the same events (a copy is the same row: a cold load's events are
    then one per id in any file); each run rewrites some files; after each, the --db store
    holds a cold load's events and its accounting balances."""
    opts = LoadOptions(dedupe_on=("user_id", "ts", "model")) if user_key else LoadOptions()
    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp) / "logs"
        db = Path(tmp) / "s.duckdb"
        for name, ids in zip(FILES, first, strict=True):
            _csv(logs / name, ids or [99])
        with Store(db) as s:
            s.load(logs, opts)
        for run in changes:
            for name, ids in run.items():
                _touch_later(_csv(logs / name, ids or [99]))
            with Store(db) as s:
                s.load(logs, opts)
                _balanced(s)
                assert _events(s.con) == _cold(logs, opts=opts)


CC_FILES = ("s1.jsonl", "s2.jsonl", "s1/subagents/agent-1.jsonl")
cc_lines = st.lists(st.tuples(st.integers(0, 4), st.booleans(), st.integers(1, 3)), max_size=5)


def _cc_write(w: Path, name: str, spec: list[tuple[int, bool, int]]) -> None:
    side = "subagents" in name
    write(w / name, *[line(f"msg_{m}", 10 * m + 1, f"req_{m}" if req else None, side=side,
                           ts=f"2026-10-01T10:00:0{m}.000Z", cache_write=100 * k)
                      for m, req, k in spec] or [line("msg_9", 1, "req_9")])


def _by_message(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    """Events by message id (the requestId a copy lent its message is not compared) and
    tokens."""
    return con.execute("SELECT split_part(event_id, ':', 1), input_tokens, cache_write_tokens, "
                       "output_tokens FROM events ORDER BY ALL").fetchall()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(cc_lines, min_size=3, max_size=3),
       st.lists(st.dictionaries(st.sampled_from(CC_FILES), cc_lines, min_size=1), min_size=1,
                max_size=3))
def test_any_sequence_of_transcript_rewrites_keeps_a_cold_loads_events(
        first: list[list[tuple[int, bool, int]]],
        changes: list[dict[str, list[tuple[int, bool, int]]]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "claude"
        w = root / "projects" / "-w"
        db = Path(tmp) / "s.duckdb"
        for name, spec in zip(CC_FILES, first, strict=True):
            _cc_write(w, name, spec)
        with Store(db) as s:
            s.load([str(root)])
        for run in changes:
            for name, spec in run.items():
                _cc_write(w, name, spec)
                _touch_later(w / name)
            with Store(db) as s:
                s.load([str(root)])
                _balanced(s)
                got = _by_message(s.con)
            with Store() as s:
                s.load([str(root)])
                assert got == _by_message(s.con)


@pytest.mark.parametrize("drop", [False, True])
def test_reads_after_reload_with_and_without_links_keep_every_row(tmp_path: Path,
                                                                   drop: bool) -> None:
    """The same changes over a store with links and over one whose links are unknown (an
    older planalyzer's): both hold a cold load's events."""
    logs = tmp_path / "logs"
    for name, ids in (("a.csv", [0, 1, 2]), ("b.csv", [1, 2, 3]), ("c.csv", [3, 4])):
        _csv(logs / name, ids)
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        s.load(logs)
        if drop:
            s.con.execute("DROP TABLE duplicate_links")
    for name, ids in (("a.csv", [0]), ("b.csv", [4]), ("c.csv", [5])):
        _touch_later(_csv(logs / name, ids))
        with Store(db) as s:
            s.load(logs)
            _balanced(s)
            assert _events(s.con) == _cold(logs)
