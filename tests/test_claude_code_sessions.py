"""Claude Code copies of one message by session, as ccusage counts them (QA 18C): a sidechain
line replays a main-thread message of its own session only; a copy without requestId is keyed
by its session (and time), never by another copy's requestId; the sidechain copies of one
message in one session without a main-thread copy there are one request.

Every expected total below is ccusage 20.0.24's `daily --json --offline` on the same lines
(CLAUDE_CONFIG_DIR at the folder, TZ=UTC), run once by hand: no binary in the tests. Each
case is also loaded in two runs into a --db store (the second file written after the first
load), which must keep what one load keeps."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planalyzer.store import Store

MODEL = "claude-sonnet-4-5-20250929"
S1 = "aaaaaaaa-0000-4000-8000-000000000001"
S2 = "aaaaaaaa-0000-4000-8000-000000000002"


def line(session: str | None, ts: str, inp: int, out: int, mid: str, req: str | None = None,
         side: bool = False) -> str:
    row: dict[str, object] = {
        "parentUuid": "u", "isSidechain": side, "userType": "external", "cwd": "/w",
        "sessionId": session, "version": "2.0.14", "gitBranch": "main",
        "message": {"id": mid, "type": "message", "role": "assistant", "model": MODEL,
                    "content": [{"type": "text", "text": "a"}], "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": inp, "cache_creation_input_tokens": 0,
                              "cache_read_input_tokens": 0, "output_tokens": out}},
        "requestId": req, "type": "assistant", "uuid": f"{session}-{ts}-{out}",
        "timestamp": f"2026-10-01T{ts}.000Z"}
    for key in ("sessionId", "requestId"):
        if row[key] is None:
            del row[key]
    return json.dumps(row, separators=(",", ":")) + "\n"


MAIN = line(S1, "09:00:00", 1, 100, "msg_A", "req_A")
SUB = f"{S1}/subagents/agent-1.jsonl"

# name: ({file below projects/-w: its lines}, ccusage 20.0.24's (input, output) for the day)
CASES: dict[str, tuple[dict[str, list[str]], tuple[int, int]]] = {
    # a sidechain copy of another session's message under another requestId is no replay
    "sidechain, another requestId, another session": (
        {f"{S1}.jsonl": [MAIN],
         f"{S2}.jsonl": [line(S2, "09:01:00", 2, 200, "msg_A", "req_B", side=True)]}, (3, 300)),
    "sidechain, another requestId, another session, in a subagent file": (
        {f"{S1}.jsonl": [MAIN],
         SUB: [line(S2, "09:01:00", 2, 200, "msg_A", "req_B", side=True)]}, (3, 300)),
    "sidechain without requestId, another session": (
        {f"{S1}.jsonl": [MAIN],
         f"{S2}.jsonl": [line(S2, "09:01:00", 2, 200, "msg_A", side=True)]}, (3, 300)),
    "sidechain first, main-thread copy in another session": (
        {f"{S2}.jsonl": [line(S2, "09:01:00", 2, 200, "msg_A", "req_B", side=True)],
         f"{S1}.jsonl": [MAIN]}, (3, 300)),
    # ... and is a replay in its own session, whatever its requestId
    "sidechain, another requestId, same session": (
        {f"{S1}.jsonl": [MAIN],
         SUB: [line(S1, "09:01:00", 2, 200, "msg_A", "req_B", side=True)]}, (1, 100)),
    "sidechain without requestId, same session": (
        {f"{S1}.jsonl": [MAIN, line(S1, "09:00:01", 2, 200, "msg_A", side=True)]}, (1, 100)),
    "a resumed session's copy makes the sidechain a replay there": (
        {f"{S1}.jsonl": [MAIN],
         f"{S2}.jsonl": [line(S2, "09:00:00", 1, 100, "msg_A", "req_A"),
                         line(S2, "09:01:00", 2, 200, "msg_A", "req_B", side=True)]}, (1, 100)),
    "two main-thread requestIds and a replay": (
        {f"{S1}.jsonl": [MAIN, line(S1, "09:00:01", 2, 200, "msg_A", "req_B"),
                         line(S1, "09:01:00", 4, 400, "msg_A", "req_C", side=True)]}, (3, 300)),
    # the same requestId: one request in any session, the main-thread copy kept (not the
    # sidechain copy's larger counts)
    "sidechain with the same requestId and more tokens, another session": (
        {f"{S1}.jsonl": [MAIN],
         f"{S2}.jsonl": [line(S2, "09:01:00", 4, 400, "msg_A", "req_A", side=True)]}, (1, 100)),
    # sidechain copies of one message in a session without its main-thread copy: one request
    "two sidechain copies, one session": (
        {f"{S1}.jsonl": [line(S1, "09:00:00", 1, 100, "msg_A", "req_A", side=True),
                         line(S1, "09:01:00", 2, 200, "msg_A", "req_B", side=True)]}, (2, 200)),
    "two sidechain copies, one without requestId": (
        {f"{S1}.jsonl": [line(S1, "09:00:00", 1, 100, "msg_A", side=True),
                         line(S1, "09:01:00", 2, 200, "msg_A", "req_B", side=True)]}, (2, 200)),
    "two sidechain copies, two sessions": (
        {f"{S1}.jsonl": [line(S1, "09:00:00", 1, 100, "msg_A", "req_A", side=True)],
         f"{S2}.jsonl": [line(S2, "09:01:00", 2, 200, "msg_A", "req_B", side=True)]}, (3, 300)),
    # a copy without requestId never takes a sibling's
    "copy without requestId, same session": (
        {f"{S1}.jsonl": [MAIN, line(S1, "09:00:01", 2, 200, "msg_A")]}, (3, 300)),
    "copy without requestId, another session": (
        {f"{S1}.jsonl": [MAIN], f"{S2}.jsonl": [line(S2, "09:00:01", 2, 200, "msg_A")]},
        (3, 300)),
    "relay id, copy without requestId": (
        {f"{S1}.jsonl": [line(S1, "09:00:00", 1, 100, "ocgo", "req_A"),
                         line(S1, "09:00:01", 2, 200, "ocgo")]}, (3, 300)),
    # a line without sessionId: the session its path names (tests/test_claude_code_relay.py)
    "no sessionId: a replay in the session's subagent file": (
        {f"{S1}.jsonl": [line(None, "09:00:00", 1, 100, "msg_A", "req_A")],
         SUB: [line(None, "09:00:00", 2, 200, "msg_A", "req_B", side=True)]}, (1, 100)),
}


def _write(root: Path, files: dict[str, list[str]]) -> None:
    for name, lines in files.items():
        path = root / "claude" / "projects" / "-w" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(lines), encoding="utf-8")


def _totals(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    row = con.execute("SELECT sum(input_tokens), sum(output_tokens) FROM events").fetchall()[0]
    return int(row[0]), int(row[1])


@pytest.mark.parametrize("name", list(CASES))
def test_totals_equal_ccusage(tmp_path: Path, name: str) -> None:
    files, want = CASES[name]
    _write(tmp_path, files)
    with Store() as s:
        rep = s.load([str(tmp_path / "claude")])
        assert _totals(s.con) == want
        assert rep.rows_read == rep.rows_loaded + rep.duplicates_dropped


@pytest.mark.parametrize("name", list(CASES))
def test_two_runs_keep_what_one_load_keeps(tmp_path: Path, name: str) -> None:
    """The files in either order, one per run, into one --db store."""
    files, want = CASES[name]
    for order in (list(files), list(reversed(files))):
        root = tmp_path / ("r" if order == list(reversed(files)) else "f")
        db = root / "s.duckdb"
        for file in order:
            _write(root, {file: files[file]})
            with Store(db) as s:
                s.load([str(root / "claude")])
        with Store(db) as s:
            assert _totals(s.con) == want, order


def test_a_store_without_the_session_column_gets_it(tmp_path: Path) -> None:
    """claude_code_keys of a store an older planalyzer made has no session_id: a load adds it
    (its rows: their file's session), and a later replay in the session is still dropped."""
    _write(tmp_path, {f"{S1}.jsonl": [MAIN],
                      SUB: [line(S1, "09:00:30", 3, 300, "msg_S", "req_S", side=True)]})
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        s.load([str(tmp_path / "claude")])
        s.con.execute("ALTER TABLE claude_code_keys DROP COLUMN session_id")
    _write(tmp_path, {SUB: [line(S1, "09:00:30", 3, 300, "msg_S", "req_S", side=True),
                            line(S1, "09:01:00", 2, 200, "msg_A", "req_B", side=True)]})
    with Store(db) as s:
        s.load([str(tmp_path / "claude")])
        assert _totals(s.con) == (4, 400)
        cols = [r[0] for r in s.con.execute("DESCRIBE claude_code_keys").fetchall()]
        assert cols[-1] == "session_id"


def test_a_line_of_another_session_records_its_session(tmp_path: Path) -> None:
    """A kept main-thread line whose session is not its file's (a resumed session's file) has
    its session recorded, so a later run's sidechain copy in that session is a replay."""
    _write(tmp_path, {f"{S2}.jsonl": [line(S1, "09:00:00", 1, 100, "msg_A", "req_A")]})
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        s.load([str(tmp_path / "claude")])
        keys = s.con.execute("SELECT message_id, request_id, is_sidechain, session_id "
                             "FROM claude_code_keys").fetchall()
        assert keys == [("msg_A", "req_A", False, S1)]
    _write(tmp_path, {SUB: [line(S1, "09:01:00", 2, 200, "msg_A", "req_B", side=True)]})
    with Store(db) as s:
        s.load([str(tmp_path / "claude")])
        assert _totals(s.con) == (1, 100)


FILES = (f"{S1}.jsonl", f"{S2}.jsonl", SUB, f"{S2}/subagents/agent-2.jsonl")
copies = st.lists(st.tuples(
    st.integers(0, 2),          # message
    st.booleans(),              # has its requestId (req_<message>, or req_<message>b)
    st.booleans(),              # the other requestId
    st.integers(1, 400),        # output tokens
    st.integers(0, 3),          # file (a subagent file's lines are sidechain)
    st.booleans(),              # the line names the other session (a resumed session ...)
    st.integers(0, 2),          # second of the timestamp
    st.integers(0, 2),          # the run that appends it
), min_size=1, max_size=12)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(copies)
def test_runs_across_sessions_keep_what_one_load_keeps(
        tmp_path_factory: pytest.TempPathFactory,
        spec: list[tuple[int, bool, bool, int, int, bool, int, int]]) -> None:
    tmp = tmp_path_factory.mktemp("sessions")
    root = tmp / "claude" / "projects" / "-w"
    db = tmp / "runs.duckdb"
    query = "SELECT event_id, output_tokens FROM events ORDER BY ALL"
    got: list[tuple[object, ...]] = []
    for run in range(3):
        for msg, has_req, other, out, f, swap, sec, r in spec:
            if r != run:
                continue
            session = (S1, S2)[(f % 2) ^ swap]
            req = f"req_{msg}{'b' if other else ''}" if has_req else None
            path = root / FILES[f]
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as fh:
                fh.write(line(session, f"09:00:0{sec}", 1, out, f"msg_{msg}", req, side=f >= 2))
        if not root.exists():
            continue
        with Store(db) as s:
            s.load([str(tmp / "claude")])
            got = s.con.execute(query).fetchall()
    with Store() as s:
        s.load([str(tmp / "claude")])
        assert got == s.con.execute(query).fetchall()


# -- a session's main-thread copy dropped for another session's copy (a witness) ------------

def _witness_folder(root: Path) -> dict[str, list[str]]:
    """msg_A:req_A in session S1 (1 output token) and in S2 (343: kept); the subagent of S1
    replays msg_A under req_Z: a replay of S1's dropped copy (ccusage 20.0.24 on the three
    files: input 1, output 343)."""
    files = {f"{S1}.jsonl": [line(S1, "09:00:00", 1, 1, "msg_A", "req_A")],
             f"{S2}.jsonl": [line(S2, "09:00:00", 1, 343, "msg_A", "req_A")],
             SUB: [line(S1, "09:01:00", 5, 5, "msg_A", "req_Z", side=True)]}
    _write(root, files)
    return files


def test_a_later_replay_of_a_dropped_main_copy_is_dropped(tmp_path: Path) -> None:
    """The subagent's file written after a load kept S2's copy: S1's dropped copy is recorded
    (claude_code_witnesses), so the replay is dropped, as one load drops it (it counted:
    output 348)."""
    files = _witness_folder(tmp_path)
    sub = tmp_path / "claude" / "projects" / "-w" / SUB
    sub.unlink()
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        s.load([str(tmp_path / "claude")])
        assert s.con.execute("SELECT message_id, session_id FROM claude_code_witnesses"
                             ).fetchall() == [("msg_A", S1)]
    _write(tmp_path, {SUB: files[SUB]})
    with Store(db) as s:
        s.load([str(tmp_path / "claude")])
        assert _totals(s.con) == (1, 343)


@pytest.mark.parametrize("change", ["deleted", "rewritten"])
def test_the_replay_counts_once_the_dropped_main_copy_is_gone(tmp_path: Path,
                                                             change: str) -> None:
    """S1's transcript deleted (or rewritten without msg_A): the replay is no longer one and
    counts, as in a load without --db: the subagent's file, linked to S1's, is read again
    (ccusage 20.0.24 on the folder then: input 6, output 348; rewritten: 8, 350)."""
    _witness_folder(tmp_path)
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        s.load([str(tmp_path / "claude")])
        assert _totals(s.con) == (1, 343)
    first = tmp_path / "claude" / "projects" / "-w" / f"{S1}.jsonl"
    if change == "deleted":
        first.unlink()
    else:
        first.write_text(line(S1, "08:00:00", 2, 2, "msg_B", "req_B"), encoding="utf-8")
    with Store(db) as s:
        s.load([str(tmp_path / "claude")])
        got = _totals(s.con) if change == "rewritten" else s.con.execute(
            "SELECT sum(input_tokens), sum(output_tokens) FROM events WHERE source NOT LIKE ?",
            [f"%{S1}.jsonl"]).fetchall()[0]
    with Store() as s:
        s.load([str(tmp_path / "claude")])
        assert tuple(got) == _totals(s.con) == ((8, 350) if change == "rewritten" else (6, 348))
