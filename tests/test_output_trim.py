"""Table output on stdout has no trailing spaces, and a wrapped note goes on under its indent
(QA round 10 C, finding 7)."""

from __future__ import annotations

from conftest import SMALL
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.cli_support import TrimmedLines, trim_line


def _report(columns: str) -> str:
    res = CliRunner().invoke(app, ["report", str(SMALL), "--no-fit"],
                             env={"COLUMNS": columns, "NO_COLOR": "1", "TERM": "dumb"})
    assert res.exit_code == 0, res.output
    return res.stdout


def test_no_line_ends_in_spaces() -> None:
    for columns in ("80", "120", "160"):
        out = _report(columns)
        padded = [line for line in out.splitlines() if line != line.rstrip()]
        assert padded == [], padded[:3]


def test_wrapped_note_goes_on_under_its_indent() -> None:
    out = _report("80")
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  revenue = "))
    assert len(lines[start]) > 60  # it wraps at this width
    assert lines[start + 1].startswith("  ") and lines[start + 1].strip()


def test_trim_keeps_style_codes() -> None:
    assert trim_line("a  ") == "a"
    assert trim_line("\x1b[2m  note   \x1b[0m") == "\x1b[2m  note\x1b[0m"
    assert trim_line("") == ""


def test_partial_line_is_held_until_its_end() -> None:
    import io

    buf = io.StringIO()
    out = TrimmedLines(buf)
    out.write("ab  ")
    out.write("cd  \nef ")
    assert buf.getvalue() == "ab  cd\n"
    out.flush()
    assert buf.getvalue() == "ab  cd\nef "
