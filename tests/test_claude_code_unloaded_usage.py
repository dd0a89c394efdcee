"""What Claude Code lines log beside the tokens their rows hold (qa18C #8, #9): web searches
(usage.server_tool_use.web_search_requests, billed per search) and the advisor tool's
sub-inferences (usage.iterations of type advisor_message: another model's tokens, which the
line's top-level usage leaves out). Neither is loaded or priced; the load names the totals,
once per message: a message's streamed copies repeat its usage, and the advisor's iteration
comes only with the copies logged after it answered."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from planalyzer.store import Store

EXECUTOR = {"type": "message", "input_tokens": 100, "output_tokens": 50}
ADVISOR = {"type": "advisor_message", "model": "claude-opus-4-7", "input_tokens": 1000,
           "output_tokens": 500, "cache_read_input_tokens": 200,
           "cache_creation_input_tokens": 300,
           "cache_creation": {"ephemeral_5m_input_tokens": 100, "ephemeral_1h_input_tokens": 200}}


def turn(msg: str, second: int, searches: int = 0,
         iterations: list[dict[str, Any]] | None = None) -> bytes:
    usage: dict[str, Any] = {"input_tokens": 100, "cache_creation_input_tokens": 0,
                             "cache_read_input_tokens": 0, "output_tokens": 50,
                             "server_tool_use": {"web_search_requests": searches,
                                                 "web_fetch_requests": 1},
                             "service_tier": "standard",
                             "iterations": iterations or [EXECUTOR]}
    line = {"parentUuid": None, "isSidechain": False, "type": "assistant",
            "message": {"model": "claude-sonnet-4-6", "id": msg, "type": "message",
                        "role": "assistant", "content": [{"type": "text", "text": "x"}],
                        "stop_reason": None, "usage": usage},
            "requestId": "req_" + msg, "uuid": f"u{second}", "sessionId": "s-1",
            "timestamp": f"2026-10-03T06:00:{second:02d}.000Z", "version": "2.1.220"}
    return json.dumps(line, separators=(",", ":")).encode() + b"\n"


def load(tmp_path: Path, lines: list[bytes]) -> tuple[Store, list[str]]:
    folder = tmp_path / "cc"
    (folder / "projects" / "p").mkdir(parents=True)
    (folder / "projects" / "p" / "s.jsonl").write_bytes(b"".join(lines))
    store = Store()
    return store, store.load([str(folder)]).notes


def test_web_searches_are_named_once_per_message(tmp_path: Path) -> None:
    store, notes = load(tmp_path, [
        turn("msg_a", 1, searches=0), turn("msg_a", 2, searches=2),  # streamed: 2, not 2 + 0
        turn("msg_a", 3, searches=2),
        turn("msg_b", 4, searches=3),
        turn("msg_c", 5),  # a web fetch only: billed as tokens, nothing to name
    ])
    with store:
        rows = store.con.sql("SELECT count(*), sum(input_tokens) FROM events").fetchall()
    assert rows == [(3, 300)]  # the searches add no row and no token
    (note,) = [n for n in notes if "web search" in n]
    assert note.startswith("5 web search(es) in 2 Claude Code message(s) (")
    assert "usage.server_tool_use.web_search_requests" in note
    assert "API value leaves them out" in note


def test_advisor_iterations_are_named_with_totals_not_loaded(tmp_path: Path) -> None:
    """The executor's tokens load as the row (top-level usage); the advisor's (Opus 4.7) are
    named per model, counted from the one copy that logs them, as ccusage counts them."""
    unreadable = {**ADVISOR, "input_tokens": 2.5}
    store, notes = load(tmp_path, [
        turn("msg_a", 1),  # the call opens: the advisor has not answered yet
        turn("msg_a", 2, iterations=[EXECUTOR, ADVISOR, EXECUTOR]),
        turn("msg_a", 3, iterations=[EXECUTOR, ADVISOR, EXECUTOR]),  # a copy: not again
        turn("msg_b", 4, iterations=[EXECUTOR, ADVISOR, unreadable]),
    ])
    with store:
        rows = store.con.sql("SELECT event_id, model, input_tokens, output_tokens FROM events "
                             "ORDER BY 1").fetchall()
    assert rows == [("msg_a:req_msg_a", "claude-sonnet-4-6", 100, 50),
                    ("msg_b:req_msg_b", "claude-sonnet-4-6", 100, 50)]
    (note,) = [n for n in notes if "advisor tool" in n]
    assert note.startswith("Claude Code messages (")
    assert ("claude-opus-4-7: 2 message(s), input 2,000, cache write 200, cache write 1h 400, "
            "cache read 400, output 1,000 (1 iteration(s) with a count that is not a whole "
            "number of 0 or more left out)") in note
    assert "neither loaded nor priced" in note and "ccusage counts them" in note
