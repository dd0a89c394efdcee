"""Codex: the token_count event written when a turn overflows the context window.

Codex answers ``ContextWindowExceeded`` with ``TokenUsageInfo::fill_to_context_window``
(openai/codex codex-rs/protocol/src/protocol.rs): a token_count event whose
``total_token_usage`` is every class 0 with ``total_tokens`` = the window, and whose
``last_token_usage`` is every class 0. It is no model call (QA 18C #1: it was loaded as a
request of 0 tokens); the next turn's totals go on from it (window + that turn's tokens).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from planalyzer.sources.codex import CONTEXT_FULL
from planalyzer.store import Store

SESSION = "019a0001-0000-7000-8000-00000000000a"
WINDOW = 272_000


def _usage(inp: int, cached: int, out: int, total: int) -> dict[str, int]:
    return {"input_tokens": inp, "cached_input_tokens": cached, "output_tokens": out,
            "reasoning_output_tokens": 0, "total_tokens": total}


def _count(ts: str, total: dict[str, int], last: dict[str, int] | None) -> dict[str, Any]:
    info: dict[str, Any] = {"total_token_usage": total, "model_context_window": WINDOW}
    if last is not None:
        info["last_token_usage"] = last
    return {"timestamp": f"2026-10-05T{ts}Z", "type": "event_msg",
            "payload": {"type": "token_count", "info": info, "rate_limits": None}}


def _lines(*, last_logged: bool = True) -> list[dict[str, Any]]:
    """Two turns, the context-window error, the fill event, then one more turn (its
    last_token_usage left out with ``last_logged=False``: read from the totals' change)."""
    ctx = {"timestamp": "2026-10-05T09:00:01.000Z", "type": "turn_context",
           "payload": {"cwd": "/w", "model": "gpt-5-codex"}}
    return [
        {"timestamp": "2026-10-05T09:00:00.100Z", "type": "session_meta",
         "payload": {"id": SESSION, "timestamp": "2026-10-05T09:00:00.000Z", "cwd": "/w",
                     "originator": "codex_cli_rs", "cli_version": "0.63.0"}},
        ctx,
        _count("09:00:05.000", _usage(10_000, 8_000, 500, 10_500),
               _usage(10_000, 8_000, 500, 10_500)),
        _count("09:00:09.000", _usage(30_000, 25_000, 1_500, 31_500),
               _usage(20_000, 17_000, 1_000, 21_000)),
        {"timestamp": "2026-10-05T09:00:10.000Z", "type": "event_msg",
         "payload": {"type": "error", "message": "Your input exceeds the context window",
                     "codex_error_info": "context_window_exceeded"}},
        _count("09:00:10.001", _usage(0, 0, 0, WINDOW), _usage(0, 0, 0, WINDOW - 31_500)),
        {**ctx, "timestamp": "2026-10-05T09:01:00.000Z"},
        _count("09:01:05.000", _usage(5_000, 0, 100, WINDOW + 5_100),
               _usage(5_000, 0, 100, 5_100) if last_logged else None),
    ]


def _write(home: Path, lines: list[dict[str, Any]]) -> Path:
    day = home / "sessions" / "2026" / "10" / "05"
    day.mkdir(parents=True, exist_ok=True)
    path = day / f"rollout-2026-10-05T09-00-00-{SESSION}.jsonl"
    path.write_text("".join(json.dumps(d, separators=(",", ":")) + "\n" for d in lines))
    return path


def _events(store: Store) -> list[tuple[Any, ...]]:
    return store.con.execute(
        "SELECT event_id, input_tokens, cache_read_tokens, output_tokens, requests "
        "FROM events ORDER BY ts").fetchall()


EXPECTED = [(f"codex:{SESSION}:10500", 2_000, 8_000, 500, 1),
            (f"codex:{SESSION}:31500", 3_000, 17_000, 1_000, 1),
            (f"codex:{SESSION}:{WINDOW + 5_100}", 5_000, 0, 100, 1)]


def test_a_context_window_full_event_is_no_request(tmp_path: Path) -> None:
    for last_logged in (True, False):
        home = tmp_path / str(last_logged)
        _write(home, _lines(last_logged=last_logged))
        store = Store()
        report = store.load([str(home)])
        # three turns, exact; the turn after the fill differenced from the fill's totals
        assert _events(store) == EXPECTED
        (fl,) = report.files
        assert (fl.rows_read, fl.rows_loaded, fl.rows_rejected) == (3, 3, 0)
        assert fl.skipped_by_kind[CONTEXT_FULL] == 1
        assert store.con.execute(
            "SELECT lines FROM skipped_lines WHERE kind = ?", [CONTEXT_FULL]).fetchall() == [(1,)]


def test_a_rollout_growing_past_the_fill_event_reloads_exactly(tmp_path: Path) -> None:
    """With --db: the rollout stored up to the fill event, then read again once the next turn
    is written: the same rows and event_ids as one load of the whole file."""
    lines = _lines()
    path = _write(tmp_path, lines[:-2])
    db = tmp_path / "c.duckdb"
    with Store(db) as s:
        s.load([str(tmp_path / "sessions")])
        assert _events(s) == EXPECTED[:2]
    path.write_text(path.read_text() + "".join(
        json.dumps(d, separators=(",", ":")) + "\n" for d in lines[-2:]))
    with Store(db) as s:
        report = s.load([str(tmp_path / "sessions")])
        assert report.files[0].status == "reloaded"
        assert _events(s) == EXPECTED
