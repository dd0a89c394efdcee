"""Markdown output escapes a table's title and notes as it does its cells (qa13B): a plan or
file name from the logs that reaches a note ('*vip*|x_') reads as written, neither formatting
the note nor breaking it; a note stays on its one italic line."""

from __future__ import annotations

from pathlib import Path

from conftest import write_csv
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.render.formats import to_markdown
from planalyzer.tables import Col, Table


def test_title_and_notes_are_escaped() -> None:
    t = Table("t", "Users of *vip*|x_", [Col("n", "int")], [(1,)],
              ["plan '*vip*|x_' [a](b) `c`", "two\nlines", "ends in C:\\logs\\"])
    md = to_markdown([t]).splitlines()
    assert md[0] == "### Users of \\*vip\\*\\|x\\_"
    assert md[-5:] == ["_plan '\\*vip\\*\\|x\\_' \\[a](b) \\`c\\`_", "",
                       "_two lines_", "",
                       "_ends in C:\\logs\\\\_"]  # a backslash before a letter stays


def test_a_logged_plan_name_in_a_report_note(tmp_path: Path) -> None:
    logs = write_csv(tmp_path / "logs.csv",
                     ["user_id", "ts", "model", "input_tokens", "output_tokens", "plan"],
                     [["u1", "2026-10-05T10:00:00Z", "claude-sonnet-4-5", 1000, 100, "*vip*|x_"]])
    result = CliRunner().invoke(app, ["report", str(logs), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    notes = [ln for ln in result.stdout.splitlines() if "vip" in ln]
    assert notes and all(ln.startswith("_") and ln.endswith("_") for ln in notes)
    assert all("'\\*vip\\*\\|x\\_'" in ln and "'*vip*|x_'" not in ln for ln in notes)
