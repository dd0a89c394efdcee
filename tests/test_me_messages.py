"""What `planalyzer me` (and `report`) say about folders that hold no usage, unterminated last
lines, and folders they cannot read (QA 8C #8, #11)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import FIXTURES, cli_error
from typer.testing import CliRunner

from planalyzer.cli import app

CC = FIXTURES / "claude_code" / "single"


def _transcript() -> list[str]:
    src = next((CC / "projects").rglob("*0002.jsonl"))
    return src.read_text(encoding="utf-8").splitlines()


def _claude_dir(tmp_path: Path, lines: list[str], end: str = "\n") -> Path:
    d = tmp_path / ".claude"
    f = d / "projects" / "-p" / "s.jsonl"
    f.parent.mkdir(parents=True)
    f.write_text("\n".join(lines) + end if lines else "", encoding="utf-8")
    return d


def test_me_on_transcripts_without_usage_says_so_and_exits_2(tmp_path: Path) -> None:
    """User turns only, and a last line being written: exit 2 with one line that counts the
    lines read, says none carried usage and names the unterminated line (it was exit 0 with
    empty tables)."""
    users = [ln for ln in _transcript() if '"type":"user"' in ln]
    assert users
    d = _claude_dir(tmp_path, [*users, users[0][:40]], end="")
    msg = cli_error(["me", "--claude-dir", str(d)])
    assert (f"no token usage found ({len(users)} line(s) read in 1 file(s), 0 with token usage "
            f"(without: user x{len(users)}); 1 unterminated last line(s) left unread for a "
            "later run") in msg
    msg = cli_error(["report", str(d)])
    assert f"no usable events ({len(users)} line(s) read in 1 file(s)" in msg
    assert "1 unterminated last line(s)" in msg


def test_me_on_an_empty_transcript(tmp_path: Path) -> None:
    msg = cli_error(["me", "--claude-dir", str(_claude_dir(tmp_path, []))])
    assert "no token usage found (0 line(s) read in 1 file(s), 0 with token usage)" in msg


def test_me_says_an_unterminated_last_line_it_left_unread(tmp_path: Path) -> None:
    """A transcript whose last line has no newline yet: not read (it may be mid-write), and
    said in the output (JSON meta; a note in the table view)."""
    lines = _transcript()
    d = _claude_dir(tmp_path, lines, end="")
    res = CliRunner().invoke(app, ["me", "--claude-dir", str(d), "-f", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["meta"]["unterminated_last_lines"] == 1
    res = CliRunner().invoke(app, ["me", "--claude-dir", str(d)])
    assert "1 unterminated last line(s) left unread for a later run" in res.stdout
    # JSON, CSV, markdown: the notes go to stderr (they were dropped), as report's do
    for fmt in ("json", "csv", "markdown"):
        res = CliRunner().invoke(app, ["me", "--claude-dir", str(d), "-f", fmt])
        assert "note: " in res.stderr and "unterminated last line" in res.stderr, fmt
        assert "left unread for a later run" not in res.stdout
        res = CliRunner().invoke(app, ["me", "--claude-dir", str(d), "-f", fmt, "-q"])
        assert "note: " not in res.stderr


def test_me_claude_dir_with_an_empty_projects_folder(tmp_path: Path) -> None:
    """--claude-dir on a fresh install says what the default lookup says (QA 8C #11: it said
    "not a Claude Code folder")."""
    (tmp_path / ".claude" / "projects").mkdir(parents=True)
    msg = cli_error(["me", "--claude-dir", str(tmp_path / ".claude")])
    assert "projects/ holds no .jsonl transcripts yet" in msg
    assert "not a Claude Code folder" not in msg


def test_me_names_a_symlinked_project_folder_it_does_not_enter(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere" / "-home-ann-cli"
    real.mkdir(parents=True)
    src = next((CC / "projects").rglob("*0002.jsonl"))
    (real / "s.jsonl").write_bytes(src.read_bytes())
    d = _claude_dir(tmp_path, _transcript())
    (d / "projects" / "-home-ann-cli").symlink_to(real, target_is_directory=True)
    res = CliRunner().invoke(app, ["me", "--claude-dir", str(d)])
    assert res.exit_code == 0, res.output
    assert ("not read: 1 project folder(s) in projects/ that are symbolic links"
            in " ".join(res.stdout.split()))


def test_synthetic_messages_are_lines_without_usage_unless_they_carry_tokens(
        tmp_path: Path) -> None:
    """A <synthetic> message (an API error written as a message) with zero usage is counted
    with the lines without usage, not as a rejected row (QA 8C #11: every `me` run printed
    "rejected: synthetic message"); one with tokens stays rejected; the identity holds."""
    from planalyzer.store import Store
    src = next((CC / "projects").rglob("*0001.jsonl"))
    synth = next(ln for ln in src.read_text(encoding="utf-8").splitlines()
                 if '"<synthetic>"' in ln)
    costly = synth.replace('"output_tokens":0', '"output_tokens":7').replace(
        '"msg_synth"', '"msg_synth2"')
    assert costly != synth
    d = _claude_dir(tmp_path, [*_transcript(), synth, costly])
    with Store() as store:
        (f,) = store.load([str(d)]).files
    assert f.skipped_by_kind["synthetic message (no model call)"] == 1
    assert f.rejected_by_reason == {"synthetic message (no model call)": 1}
    assert f.balanced
