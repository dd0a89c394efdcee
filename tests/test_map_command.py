"""`planalyzer map` shows files as a load reads them: transcript folders (Claude Code, Codex)
by their fixed layout, vendor reports by their preset columns, empty files as an error."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, cli_json
from typer.testing import CliRunner

from planalyzer.cli import app

runner = CliRunner()




def test_map_of_an_empty_file_says_so(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    result = runner.invoke(app, ["map", str(tmp_path / "empty.csv")])
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"error: {tmp_path / 'empty.csv'}: file is empty (no "
                                     "header, no rows); remove it from the sources, or "
                                     "re-export it")


@pytest.mark.parametrize(("folder", "source"), [
    (FIXTURES / "claude_code" / "single", "claude-code"), (FIXTURES / "codex" / "home", "codex"),
])
def test_map_shows_a_transcript_source_s_fixed_layout(folder: Path, source: str) -> None:
    doc = cli_json(["map", str(folder)])
    table = doc["column_mapping"]
    assert isinstance(table, dict)
    rows = {r["canonical"]: r for r in table["rows"]}
    assert rows["ts"]["how"] == "fixed layout"
    assert rows["plan"]["how"] == "default"
    assert rows["plan"]["column"] is None and rows["ts"]["type"] is None  # not "-"
    assert f"{source} file(s)" in rows["ts"]["source"]
    assert len(table["rows"]) == 12  # one row per canonical column, not per file
    assert any(n.startswith(f"{source}: transcripts have a fixed layout") for n in table["notes"])


def test_map_shows_claude_code_fields() -> None:
    doc = cli_json(["map", str(FIXTURES / "claude_code" / "single")])
    table = doc["column_mapping"]
    assert isinstance(table, dict)
    rows = {r["canonical"]: r["column"] for r in table["rows"]}
    assert rows["model"] == "message.model"
    assert rows["cache_read_tokens"] == "message.usage.cache_read_input_tokens"


def test_map_shows_a_vendor_report_s_preset() -> None:
    doc = cli_json(["map", str(FIXTURES / "openai_usage" / "completions_by_user_model.json")])
    table = doc["column_mapping"]
    assert isinstance(table, dict)
    rows = {r["canonical"]: r for r in table["rows"]}
    assert rows["requests"]["column"] == "num_model_requests"
    assert rows["requests"]["how"] == "preset"
    assert any("recognised as openai-usage" in n for n in table["notes"])


def test_map_says_what_the_load_makes_of_the_ts_column(tmp_path: Path) -> None:
    """A JSON file's timestamps (and a CSV's cells) are text the load parses: the type column
    says VARCHAR, so a note says how it is read; a JSON number is an epoch."""
    row = '"user_id": "a", "model": "m", "input_tokens": 1, "output_tokens": 2}\n'
    (tmp_path / "t.jsonl").write_text('{"ts": "2026-10-01T10:00:00Z", ' + row)
    (tmp_path / "e.jsonl").write_text('{"ts": 1790000000, ' + row)
    (tmp_path / "c.csv").write_text("created_at,user_id,model,output_tokens\n2026-10-01,a,m,2\n")
    doc = cli_json(["map", str(tmp_path / "t.jsonl"), str(tmp_path / "e.jsonl"),
                    str(tmp_path / "c.csv")])
    table = doc["column_mapping"]
    assert isinstance(table, dict)
    notes = [n.replace(str(tmp_path) + "/", "") for n in table["notes"]]
    text = ("text parsed as a timestamp: ISO 8601 with its offset or an IANA zone name, epoch "
            "seconds to nanoseconds, or a time without an offset read in --timezone (default UTC)")
    assert f"t.jsonl: ts (ts, VARCHAR): {text}" in notes
    assert f"c.csv: ts (created_at, VARCHAR): {text}" in notes
    assert ("e.jsonl: ts (ts, BIGINT): a number read as epoch seconds, milliseconds, "
            "microseconds or nanoseconds") in notes
