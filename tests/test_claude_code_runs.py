"""Claude Code copies of one message across files and across loads: a folder loaded in several
runs into a --db store keeps what one load of the final folder keeps (the copy with the most
tokens, a main-thread copy before a sidechain replay, a copy without requestId under its own
key), and a replay never hides the main-thread copy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planalyzer.store import Store

MODEL = "claude-sonnet-4-5-20250929"


def line(msg: str, out: int, req: str | None = None, side: bool = False,
         ts: str = "2026-10-01T10:00:01.000Z", cache_write: int = 1000) -> str:
    row: dict[str, object] = {
        "parentUuid": "u", "isSidechain": side, "sessionId": "s1", "type": "assistant",
        "uuid": f"{msg}-{out}", "timestamp": ts,
        "message": {"id": msg, "type": "message", "role": "assistant", "model": MODEL,
                    "content": [{"type": "text", "text": "a"}],
                    "usage": {"input_tokens": 10, "cache_creation_input_tokens": cache_write,
                              "cache_read_input_tokens": 0, "output_tokens": out}}}
    if req is not None:
        row["requestId"] = req
    return json.dumps(row, separators=(",", ":")) + "\n"


def write(path: Path, *lines: str, append: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a" if append else "w", encoding="utf-8") as f:
        f.writelines(lines)


def events(db: Path | None, store: Store | None = None) -> list[tuple[object, ...]]:
    query = ("SELECT event_id, input_tokens, cache_write_tokens, output_tokens FROM events "
             "ORDER BY ALL")
    if store is not None:
        return store.con.execute(query).fetchall()
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def manifest_balances(store: Store) -> None:
    """Every file's read = loaded + rejected + duplicates, and the loaded rows are the
    events."""
    rows = store.con.execute(
        "SELECT sum(rows_loaded), bool_and(rows_read = rows_loaded + rows_rejected + "
        "duplicates_dropped), min(rows_loaded), min(duplicates_dropped) "
        "FROM load_manifest").fetchall()[0]
    assert rows[1] and rows[2] >= 0 and rows[3] >= 0
    assert rows[0] == store.events_count()


def test_replay_with_more_tokens_does_not_hide_the_main_copy(tmp_path: Path) -> None:
    """The replay of msg_A (same requestId, 300 output tokens) ranked first and was then
    dropped as a replay: the message vanished."""
    root = tmp_path / "projects" / "-w"
    write(root / "s1.jsonl", line("msg_A", 5, "req_A"), line("msg_B", 5))
    write(root / "s1" / "subagents" / "agent-1.jsonl", line("msg_A", 300, "req_A", side=True),
          line("msg_B", 5, "req_B2", side=True))
    with Store() as s:
        s.load([tmp_path])
        # msg_B's replay lends no requestId to the main copy
        assert events(None, s) == [("msg_A:req_A", 10, 1000, 5), ("msg_B:~s1", 10, 1000, 5)]


def test_replay_under_another_requestid_is_dropped(tmp_path: Path) -> None:
    """The replay (req_Z, the session's subagent) is dropped; the copy without requestId is a
    request of its own (message.id + session), as ccusage 20.0.24 counts it (QA 18C)."""
    root = tmp_path / "projects" / "-w"
    write(root / "s1.jsonl", line("msg_A", 5, "req_A"), line("msg_A", 300))
    write(root / "s1" / "subagents" / "agent-1.jsonl", line("msg_A", 7, "req_Z", side=True))
    with Store() as s:
        s.load([tmp_path])
        assert events(None, s) == [("msg_A:req_A", 10, 1000, 5), ("msg_A:~s1", 10, 1000, 300)]


def _runs(tmp_path: Path, *runs: list[tuple[str, str]]
          ) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """(events after loading each run's lines in turn into one --db, events of one load of
    the final folder); a run is a list of (file below projects/-w, line appended to it)."""
    root = tmp_path / "claude" / "projects" / "-w"
    db = tmp_path / "runs.duckdb"
    for run in runs:
        for name, text in run:
            write(root / name, text, append=True)
        with Store(db) as s:
            s.load([tmp_path / "claude"])
            manifest_balances(s)
            got = events(None, s)
    with Store() as s:
        s.load([tmp_path / "claude"])
        return got, events(None, s)


def test_later_copy_with_more_tokens_replaces_the_stored_one(tmp_path: Path) -> None:
    runs, once = _runs(tmp_path, [("s1.jsonl", line("msg_A", 5, "req_A"))],
                           [("s2.jsonl", line("msg_A", 300, "req_A"))])
    assert runs == once == [("msg_A:req_A", 10, 1000, 300)]


def test_later_copy_without_requestid_is_another_request(tmp_path: Path) -> None:
    runs, once = _runs(tmp_path, [("s1.jsonl", line("msg_B", 300, "req_B"))],
                           [("s2.jsonl", line("msg_B", 300))])
    assert runs == once == [("msg_B:req_B", 10, 1000, 300), ("msg_B:~s1", 10, 1000, 300)]


def test_later_replay_with_another_requestid_is_a_duplicate(tmp_path: Path) -> None:
    runs, once = _runs(tmp_path, [("s1.jsonl", line("msg_C", 300, "req_C"))],
                           [("s1/subagents/agent-1.jsonl",
                             line("msg_C", 300, "req_C2", side=True))])
    assert runs == once == [("msg_C:req_C", 10, 1000, 300)]


def test_later_main_copy_displaces_a_stored_sidechain_copy(tmp_path: Path) -> None:
    runs, once = _runs(tmp_path, [("s1/subagents/agent-1.jsonl",
                                       line("msg_D", 900, "req_D", side=True))],
                           [("s1.jsonl", line("msg_D", 40, "req_D"))])
    assert runs == once == [("msg_D:req_D", 10, 1000, 40)]


def test_later_requestid_leaves_the_stored_copy_as_it_is(tmp_path: Path) -> None:
    """The stored copy without requestId keeps its key (msg_E:~s1): a copy with one is another
    key."""
    runs, once = _runs(tmp_path, [("s1.jsonl", line("msg_E", 300))],
                           [("s2.jsonl", line("msg_E", 20, "req_E"))])
    assert runs == once == [("msg_E:req_E", 10, 1000, 20), ("msg_E:~s1", 10, 1000, 300)]


def test_appended_copy_with_more_output_replaces_the_streamed_first_block(
        tmp_path: Path) -> None:
    """A session loaded mid-message: its first content block logged 1 output token."""
    runs, once = _runs(tmp_path, [("s1.jsonl", line("msg_F", 1, "req_F"))],
                           [("s1.jsonl", line("msg_F", 250, "req_F"))])
    assert runs == once == [("msg_F:req_F", 10, 1000, 250)]


FILES = ("s1.jsonl", "s2.jsonl", "s1/subagents/agent-1.jsonl")
copies = st.lists(st.tuples(
    st.integers(0, 3),          # message
    st.booleans(),              # has its requestId
    st.integers(1, 400),        # output tokens
    st.integers(0, 2),          # file (the subagent file's lines are sidechain)
    st.integers(0, 2),          # second of the timestamp
    st.integers(0, 2),          # the run that appends it
), min_size=1, max_size=12)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(copies)
def test_runs_keep_what_one_load_keeps(tmp_path_factory: object, spec: list[tuple[
        int, bool, int, int, int, int]]) -> None:
    tmp = tmp_path_factory.mktemp("runs")  # type: ignore[attr-defined]
    runs: list[list[tuple[str, str]]] = [[], [], []]
    for msg, has_req, out, f, sec, run in spec:
        runs[run].append((FILES[f], line(f"msg_{msg}", out, f"req_{msg}" if has_req else None,
                                         side=f == 2, ts=f"2026-10-01T10:00:0{sec}.000Z")))
    got, once = _runs(tmp, *[r for r in runs if r])
    assert got == once


def test_copies_without_requestid_in_later_runs_keep_one_key(tmp_path: Path) -> None:
    """Copies of one session without requestId in three runs (two files) are one request under
    message.id + session; the copy with a requestId is another."""
    got, once = _runs(tmp_path, [("s1.jsonl", line("msg_G", 1)), ("s1.jsonl", line("msg_G", 1,
                                                                                  "req_G"))],
                      [("s1.jsonl", line("msg_G", 1))], [("s2.jsonl", line("msg_G", 1))])
    assert got == once == [("msg_G:req_G", 10, 1000, 1), ("msg_G:~s1", 10, 1000, 1)]


def test_message_id_with_a_colon_keeps_its_key_across_runs(tmp_path: Path) -> None:
    """Its event_id ('a:b:req') cannot be split back into message.id and requestId: the key
    is recorded (claude_code_keys)."""
    got, once = _runs(tmp_path, [("s1.jsonl", line("a:b", 5, "req_H"))],
                      [("s2.jsonl", line("a:b", 90))], [("s3.jsonl", line("a:b", 7))])
    assert got == once == [("a:b:req_H", 10, 1000, 5), ("a:b:~s1@1790848801000", 10, 1000, 90)]


def test_only_keys_event_ids_do_not_tell_are_recorded(tmp_path: Path) -> None:
    root = tmp_path / "projects" / "-w"
    write(root / "s1.jsonl", line("msg_A", 5, "req_A"), line("c:d", 5, "req_C"))
    write(root / "s1" / "subagents" / "agent-1.jsonl", line("msg_S", 5, side=True))
    with Store() as s:
        s.load([tmp_path])
        keys = s.con.execute("SELECT message_id, request_id, is_sidechain FROM "
                             "claude_code_keys ORDER BY ALL").fetchall()
    assert keys == [("c:d", "req_C", False), ("msg_S", "~s1", True)]


# -- a transcript moved, or deleted while a copy stays (QA 12C #1) ---------------------------

def _on_disk(store: Store, folder: Path) -> list[tuple[object, ...]]:
    """The events of the transcripts on disk (what `planalyzer me` counts)."""
    files = [str(p.resolve()) for p in folder.rglob("*.jsonl")]
    return store.con.execute(
        "SELECT event_id, input_tokens, cache_write_tokens, output_tokens, source FROM events "
        "WHERE list_contains(?, source) ORDER BY ALL", [files]).fetchall()


def _load_db(db: Path, folder: Path) -> tuple[list[tuple[object, ...]], Any]:
    with Store(db) as s:
        report = s.load([folder])
        manifest_balances(s)
        return _on_disk(s, folder), report


def _fresh(folder: Path) -> list[tuple[object, ...]]:
    with Store() as s:
        s.load([folder])
        return _on_disk(s, folder)


def test_a_moved_transcript_keeps_its_requests_under_its_new_path(tmp_path: Path) -> None:
    """A project folder renamed: the transcript is read as new and its requests, dropped as
    duplicates of the stored ones of its gone path, were lost to `me --db` (its error: no
    usage found)."""
    root = tmp_path / "projects"
    write(root / "-w" / "s1.jsonl", line("msg_A", 5, "req_A"), line("msg_B", 7, "req_B"))
    db = tmp_path / "c.duckdb"
    _load_db(db, tmp_path)
    (root / "-w").rename(root / "-x")
    got, report = _load_db(db, tmp_path)
    assert got == _fresh(tmp_path) and len(got) == 2
    assert (report.rows_read, report.rows_loaded, report.duplicates_dropped) == (2, 2, 0)
    with Store(db) as s:
        assert s.sources() == [str((root / "-x" / "s1.jsonl").resolve())]  # the gone path left


def test_a_resumed_copy_counts_once_its_original_is_deleted(tmp_path: Path) -> None:
    """A resumed session's file repeats the earlier one's messages (dropped as duplicates of
    the stored copies); Claude Code deletes the original after 30 days: the resumed file's
    copies count, as in a load without --db, and later loads read nothing again."""
    root = tmp_path / "projects" / "-w"
    write(root / "old.jsonl", line("msg_A", 5, "req_A"), line("msg_B", 7, "req_B"))
    db = tmp_path / "c.duckdb"
    _load_db(db, tmp_path)
    write(root / "new.jsonl", line("msg_A", 5, "req_A"), line("msg_B", 7, "req_B"),
          line("msg_C", 9, "req_C", ts="2026-10-02T10:00:01.000Z"))
    _load_db(db, tmp_path)
    (root / "old.jsonl").unlink()
    got, report = _load_db(db, tmp_path)
    assert got == _fresh(tmp_path) and len(got) == 3
    assert any(n.startswith("1 file(s) whose rows earlier loads dropped as duplicates were read "
                            "again, since a file gone from disk") for n in report.notes)
    again = _load_db(db, tmp_path)[1]
    assert again.rows_read == 0


def test_a_deleted_transcript_keeps_what_no_file_on_disk_holds(tmp_path: Path) -> None:
    """Only the requests a file on disk holds move: the rest stays (a --db file keeps the
    history of deleted transcripts), and the file is searched once."""
    root = tmp_path / "projects" / "-w"
    write(root / "old.jsonl", line("msg_A", 5, "req_A"), line("msg_B", 7, "req_B"))
    db = tmp_path / "c.duckdb"
    _load_db(db, tmp_path)
    write(root / "new.jsonl", line("msg_A", 5, "req_A"))
    _load_db(db, tmp_path)
    (root / "old.jsonl").unlink()
    got, report = _load_db(db, tmp_path)
    assert got == _fresh(tmp_path) == [("msg_A:req_A", 10, 1000, 5,
                                        str((root / "new.jsonl").resolve()))]
    with Store(db) as s:
        assert events(None, s) == [("msg_A:req_A", 10, 1000, 5), ("msg_B:req_B", 10, 1000, 7)]
    assert any("gone from disk;" in n for n in report.notes)


@pytest.mark.parametrize("replay_req", ["req_A", "req_Z"])
def test_a_subagent_replay_counts_once_its_session_file_is_deleted(tmp_path: Path,
                                                                  replay_req: str) -> None:
    """A replay was dropped for its main-thread copy; that copy's file deleted, the replay is
    the message's only copy on disk (as in a load without --db), and the store counts the
    message once (the gone copy, under whatever key, leaves it)."""
    root = tmp_path / "projects" / "-w"
    write(root / "s1.jsonl", line("msg_A", 5, "req_A"), line("msg_B", 7, "req_B"))
    write(root / "s1" / "subagents" / "agent-1.jsonl",
          line("msg_A", 5, replay_req, side=True), line("msg_S", 3, "req_S", side=True))
    db = tmp_path / "c.duckdb"
    _load_db(db, tmp_path)
    (root / "s1.jsonl").unlink()
    got, _ = _load_db(db, tmp_path)
    assert got == _fresh(tmp_path) and [r[0] for r in got] == [f"msg_A:{replay_req}",
                                                               "msg_S:req_S"]
    with Store(db) as s:  # msg_B stays as the deleted file's history
        assert [r[0] for r in events(None, s)] == [f"msg_A:{replay_req}", "msg_B:req_B",
                                                   "msg_S:req_S"]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(copies, st.integers(0, 2), st.booleans())
def test_deleting_or_moving_a_transcript_between_runs_keeps_what_one_load_keeps(
        tmp_path_factory: pytest.TempPathFactory, spec: list[tuple[int, bool, int, int, int, int]],
        victim: int, move: bool) -> None:
    """Copies of messages across files and runs, then one file deleted (or moved to another
    project): the transcripts on disk count what one load of the final folder counts."""
    tmp = tmp_path_factory.mktemp("gone")
    root = tmp / "projects" / "-w"
    for run in range(3):
        for msg, has_req, out, f, sec, r in spec:
            if r == run:
                write(root / FILES[f], line(f"msg_{msg}", out, f"req_{msg}" if has_req else None,
                                            side=f == 2, ts=f"2026-10-01T10:00:0{sec}.000Z"),
                      append=True)
        if root.exists():
            _load_db(tmp / "c.duckdb", tmp)
    gone = root / FILES[victim]
    if not gone.exists():
        return
    if move:
        (tmp / "projects" / "-x").mkdir()
        gone.rename(tmp / "projects" / "-x" / gone.name)
    else:
        gone.unlink()
    if not any(tmp.rglob("*.jsonl")):
        return
    got = _load_db(tmp / "c.duckdb", tmp)[0]
    # the requests and their tokens (a key may keep the requestId a gone copy lent it)
    assert sorted(r[1:4] for r in got) == sorted(r[1:4] for r in _fresh(tmp))
