"""`me`: me_windows for a month in which no weekly window opened (its requests are in one
from the month before): 0 tokens and $0, not 0 tokens beside an unknown value."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import cli_json


def _claude_dir(root: Path, stamps: list[str]) -> Path:
    folder = root / "claude" / "projects" / "-p"
    folder.mkdir(parents=True)
    sid = "cccccccc-0000-4000-8000-000000000002"
    lines = [json.dumps({
        "sessionId": sid, "type": "assistant", "uuid": f"u{i}", "timestamp": ts,
        "message": {"id": f"m{i}", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
                    "usage": {"input_tokens": 1000, "cache_creation_input_tokens": 0,
                              "cache_read_input_tokens": 0, "output_tokens": 100}},
        "requestId": f"r{i}"}) for i, ts in enumerate(stamps)]
    (folder / f"{sid}.jsonl").write_text("\n".join(lines) + "\n")
    return root / "claude"


def test_a_month_with_no_weekly_window_shows_zero_value(tmp_path: Path) -> None:
    cc = _claude_dir(tmp_path, ["2026-10-30T10:00:00.000Z", "2026-11-02T10:00:00.000Z"])
    doc = cli_json(["me", "--claude-dir", str(cc), "-q"])
    nov = next(r for r in doc["me_windows"]["rows"] if r["month"] == "2026-11")
    assert (nov["peak_week_tokens"], nov["peak_week_api_value_usd"]) == (0, 0.0)
    assert nov["peak_5h_tokens"] == 1100 and nov["peak_5h_api_value_usd"] > 0
    assert not any("unknown" in n for n in doc["me_windows"]["notes"])
