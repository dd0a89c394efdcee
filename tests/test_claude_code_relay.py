"""Claude Code behind a relay or gateway that answers every response with one message id and
no requestId (ccusage issue #1635): lines without requestId are keyed by message.id, session
and timestamp (an Anthropic ``msg_`` id: message.id and session), as ccusage does since
PR #1661, so turns of different sessions or times are not one message (QA 17C #3)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from planalyzer.store import Store

MODEL = "claude-sonnet-4-5-20250929"
S1 = "aaaaaaaa-0000-4000-8000-000000000001"
S2 = "aaaaaaaa-0000-4000-8000-000000000002"


def turn(session: str, ts: str, inp: int, out: int, mid: str = "ocgo",
         req: str | None = None) -> str:
    row: dict[str, object] = {
        "parentUuid": "u", "isSidechain": False, "sessionId": session, "type": "assistant",
        "uuid": f"{session}-{ts}", "timestamp": f"2026-10-01T{ts}.000Z",
        "message": {"id": mid, "type": "message", "role": "assistant", "model": MODEL,
                    "content": [{"type": "text", "text": "a"}],
                    "usage": {"input_tokens": inp, "cache_creation_input_tokens": 0,
                              "cache_read_input_tokens": 0, "output_tokens": out}}}
    if req is not None:
        row["requestId"] = req
    return json.dumps(row, separators=(",", ":")) + "\n"


def write(path: Path, *lines: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines), encoding="utf-8")


def totals(db: Path | None, store: Store | None = None) -> tuple[int, int, int]:
    query = "SELECT count(*), sum(input_tokens), sum(output_tokens) FROM events"
    if store is not None:
        row = store.con.execute(query).fetchone()
    else:
        con = duckdb.connect(str(db), read_only=True)
        try:
            row = con.execute(query).fetchone()
        finally:
            con.close()
    assert row is not None
    return int(row[0]), int(row[1] or 0), int(row[2] or 0)


A = (turn(S1, "09:00:05", 10, 100), turn(S1, "09:05:05", 20, 200))
B = (turn(S2, "10:00:05", 40, 400), turn(S2, "11:00:05", 80, 800))


def _folder(tmp_path: Path) -> Path:
    return tmp_path / "claude" / "projects" / "-home-ann-app"


def test_relay_turns_of_two_sessions_are_four_requests(tmp_path: Path) -> None:
    """All four turns carry message.id 'ocgo' and no requestId: they were one row (input 80,
    output 800) with three duplicates."""
    w = _folder(tmp_path)
    write(w / f"{S1}.jsonl", *A)
    write(w / f"{S2}.jsonl", *B)
    with Store() as s:
        rep = s.load([str(tmp_path / "claude")])
        assert totals(None, s) == (4, 150, 1500)
        assert sum(f.duplicates_dropped for f in rep.files) == 0


def test_relay_sessions_loaded_in_runs_in_either_order(tmp_path: Path) -> None:
    for first, second in (((S1, A), (S2, B)), ((S2, B), (S1, A))):
        root = tmp_path / first[0][-1]
        w = root / "claude" / "projects" / "-w"
        db = root / "s.duckdb"
        write(w / f"{first[0]}.jsonl", *first[1])
        with Store(db) as s:
            s.load([str(root / "claude")])
        write(w / f"{second[0]}.jsonl", *second[1])
        with Store(db) as s:
            s.load([str(root / "claude")])
        assert totals(db) == (4, 150, 1500)
        # and the session's turns appended to its file in a later run
        write(w / f"{first[0]}.jsonl", *first[1], turn(first[0], "12:00:05", 1, 1))
        with Store(db) as s:
            s.load([str(root / "claude")])
        assert totals(db) == (5, 151, 1501)


def test_relay_double_write_at_one_time_is_one_request(tmp_path: Path) -> None:
    """A line written twice (same session, time and id) is one request, the larger copy kept,
    as ccusage keeps it."""
    w = _folder(tmp_path)
    write(w / f"{S1}.jsonl", turn(S1, "09:00:05", 10, 5), turn(S1, "09:00:05", 10, 100),
          turn(S1, "09:05:05", 20, 200))
    with Store() as s:
        s.load([str(tmp_path / "claude")])
        assert totals(None, s) == (2, 30, 300)


def test_session_resumed_behind_a_relay(tmp_path: Path) -> None:
    """A resumed session's file repeats the earlier session's lines (their sessionId and
    times) before its own turns: the repeats are duplicates, cold and in a --db store loaded
    in either order."""
    resumed = (*A, turn(S2, "10:00:05", 40, 400), turn(S2, "11:00:05", 80, 800))
    w = _folder(tmp_path)
    write(w / f"{S1}.jsonl", *A)
    write(w / f"{S2}.jsonl", *resumed)
    with Store() as s:
        rep = s.load([str(tmp_path / "claude")])
        assert totals(None, s) == (4, 150, 1500)
        assert sum(f.duplicates_dropped for f in rep.files) == 2
    for order in ((S1, S2), (S2, S1)):
        root = tmp_path / f"runs-{order[0][-1]}"
        wr = root / "claude" / "projects" / "-w"
        db = root / "s.duckdb"
        for sess in order:
            write(wr / f"{sess}.jsonl", *(A if sess == S1 else resumed))
            with Store(db) as s:
                s.load([str(root / "claude")])
        assert totals(db) == (4, 150, 1500)


def test_anthropic_message_id_without_request_id_is_scoped_by_session(tmp_path: Path) -> None:
    """An Anthropic message id (msg_...) without requestId: its streamed copies at different
    times in one session are one request; the same id in another session is another."""
    w = _folder(tmp_path)
    write(w / f"{S1}.jsonl", turn(S1, "09:00:05", 10, 5, "msg_01AB"),
          turn(S1, "09:00:06", 10, 100, "msg_01AB"))
    write(w / f"{S2}.jsonl", turn(S2, "10:00:05", 40, 400, "msg_01AB"))
    with Store() as s:
        s.load([str(tmp_path / "claude")])
        assert totals(None, s) == (2, 50, 500)


def test_request_ids_still_dedupe_across_sessions(tmp_path: Path) -> None:
    """The normal case is unchanged: message.id + requestId is one request in any session
    (a resumed or forked session's copies); a copy without requestId is keyed by its session,
    apart from the copies with one (it took their requestId: 1 request, output 150; ccusage
    20.0.24 `daily` on these lines: input 20, output 250, QA 18C)."""
    w = _folder(tmp_path)
    write(w / f"{S1}.jsonl", turn(S1, "09:00:05", 10, 100, "msg_X", "req_X"))
    write(w / f"{S2}.jsonl", turn(S2, "10:00:05", 10, 100, "msg_X", "req_X"),
          turn(S2, "10:00:06", 10, 150, "msg_X"))
    with Store() as s:
        s.load([str(tmp_path / "claude")])
        assert totals(None, s) == (2, 20, 250)
        ids = s.con.execute("SELECT event_id FROM events ORDER BY 1").fetchall()
        assert ids == [("msg_X:req_X",), (f"msg_X:~{S2}",)]


def test_lines_without_session_id_take_their_file_name(tmp_path: Path) -> None:
    """A line naming no sessionId is of its file's session (its name without .jsonl), as
    ccusage takes it from the path: two files' turns at one time are two requests."""
    w = _folder(tmp_path)
    bare = [json.loads(t) for t in (turn(S1, "09:00:05", 10, 100), turn(S2, "09:00:05", 40, 400))]
    for row in bare:
        del row["sessionId"]
    write(w / "one.jsonl", json.dumps(bare[0]) + "\n", json.dumps(bare[0]) + "\n")
    write(w / "two.jsonl", json.dumps(bare[1]) + "\n")
    with Store() as s:
        s.load([str(tmp_path / "claude")])
        assert totals(None, s) == (2, 50, 500)
        ids = sorted(r[0] for r in s.con.execute("SELECT event_id FROM events").fetchall())
        assert ids[0].startswith("ocgo:~one@") and ids[1].startswith("ocgo:~two@")


@pytest.mark.parametrize(("files", "want"), [
    # a subagent's file is its session folder's (projects/-w/S1/subagents/agent-1.jsonl: S1)
    ((f"{S1}.jsonl", f"{S1}/subagents/agent-1.jsonl"), (1, 40, 400)),
    ((f"{S1}/subagents/agent-1.jsonl", f"{S1}/subagents/agent-2.jsonl"), (1, 40, 400)),
    # a file below a project's folder is its folder's (projects/-w/x/y.jsonl: x)
    (("x/y.jsonl", "x.jsonl"), (1, 40, 400)),
    # a deeper subagent's file is its session folder's, not the file named as that folder's
    # folder (projects/-w/x/S1/subagents/a.jsonl: S1; projects/-w/x/S1.jsonl: x)
    ((f"x/{S1}/subagents/a.jsonl", f"x/{S1}.jsonl"), (2, 50, 500)),
])
def test_lines_without_session_id_take_the_session_their_path_names(
        tmp_path: Path, files: tuple[str, str], want: tuple[int, int, int]) -> None:
    """As ccusage 20.0.24 reads the session from the path (its `daily --json --offline` on
    these two files: the expected input and output, QA 18C): one relay turn without sessionId
    at one time in each file."""
    w = _folder(tmp_path)
    for name, (inp, out) in zip(files, ((10, 100), (40, 400)), strict=True):
        row = json.loads(turn(S1, "09:00:05", inp, out))
        del row["sessionId"]
        write(w / name, json.dumps(row, separators=(",", ":")) + "\n")
    with Store() as s:
        s.load([str(tmp_path / "claude")])
        assert totals(None, s) == want
