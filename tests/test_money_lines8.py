"""Fix round 8 (audit of the report's money lines): plan changes, unpriced projections,
--plan-file subscribers without events, me's calendar months, what-if no-ops, DST notes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import cli_json, write_csv

HEADER = ["event_id", "ts", "user_id", "plan", "model", "input_tokens", "cache_write_tokens",
          "cache_write_1h_tokens", "cache_read_tokens", "output_tokens", "requests"]


def _row(eid: str, ts: str, user: str, plan: str, model: str = "claude-haiku-4-5"
         ) -> list[Any]:
    return [eid, ts, user, plan, model, 100, 0, 0, 0, 10, 1]


def _notes(doc: dict[str, Any]) -> list[str]:
    return [n for t in doc.values() if isinstance(t, dict) for n in t.get("notes", [])]


def _upgrade(tmp_path: Path) -> Path:
    """The auditor's upgrade case: Pro in October, Max 5x in November."""
    return write_csv(tmp_path / "upgrade.csv", HEADER, [
        _row("u1", "2026-10-05T10:00:00Z", "up", "claude_pro"),
        _row("u2", "2026-10-25T10:00:00Z", "up", "claude_pro"),
        _row("u3", "2026-11-05T10:00:00Z", "up", "claude_max_5x"),
        _row("u4", "2026-11-25T10:00:00Z", "up", "claude_max_5x"),
        _row("s1", "2026-10-05T10:00:00Z", "same", "claude_pro"),
        _row("s2", "2026-11-05T10:00:00Z", "same", "claude_pro"),
    ])


@pytest.mark.parametrize("fit", [["--no-fit"], []])
def test_logged_plan_change_is_noted(tmp_path: Path, fit: list[str]) -> None:
    """A user whose months logged different plans is billed under the latest one in every
    month (docs/report.md): a note names the user and each month's logged plan, on both the
    month-first pass (--no-fit) and the separate scan (plan fit)."""
    doc = cli_json(["report", str(_upgrade(tmp_path)), *fit])
    rows = doc["plans"]["rows"]
    assert {(r["plan"], r["month"]): r["subscribers"] for r in rows} == {
        ("claude_max_5x", "2026-10"): 1, ("claude_max_5x", "2026-11"): 1,
        ("claude_pro", "2026-10"): 1, ("claude_pro", "2026-11"): 1}
    hits = [n for n in _notes(doc) if "different plan in different billing months" in n]
    assert hits and hits[0].startswith("1 user(s)")
    assert "up (2026-10 claude_pro, 2026-11 claude_max_5x)" in hits[0]
    assert "latest logged plan" in hits[0]


def test_plan_change_note_not_for_assigned_users(tmp_path: Path) -> None:
    doc = cli_json(["report", str(_upgrade(tmp_path)), "--no-fit",
                    "--assign", "up=claude_pro"])
    assert not [n for n in _notes(doc) if "different plan" in n]
