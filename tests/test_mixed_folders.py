"""A folder holding transcripts and exports is read whole: users' Claude Code folders beside a
CSV, and a CSV folder with users' folders (hidden .claude inside) below it; a Claude Code
folder without transcripts inside a walked folder is said, not silently passed over
(qa10C #2)."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import FIXTURES, write_csv
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.store import Store

USERS = FIXTURES / "claude_code" / "users"


def _csv(path: Path) -> Path:
    return write_csv(path, ["user_id", "ts", "model", "input_tokens", "output_tokens"],
                     [["carol", "2026-10-01T10:00:00Z", "claude-sonnet-4-5", 100, 10]])


def _users(store: Store) -> list[str]:
    return [r[0] for r in store.con.execute(
        "SELECT DISTINCT user_id FROM events ORDER BY 1").fetchall()]


def test_users_folders_beside_a_csv(tmp_path: Path) -> None:
    # the auditor's mixed3: alice/.claude/..., bob/.claude/... and a CSV
    shutil.copytree(USERS, tmp_path / "team")
    _csv(tmp_path / "team" / "usage.csv")
    store = Store()
    report = store.load([str(tmp_path / "team")])
    assert _users(store) == ["alice", "bob", "carol"]
    assert any(f.source.endswith("usage.csv") and f.rows_loaded == 1 for f in report.files)


def test_csv_folder_with_users_folders_below(tmp_path: Path) -> None:
    # the auditor's mixed2: a CSV and users/alice/.claude/..., users/bob/.claude/...
    _csv(tmp_path / "exports" / "usage.csv")
    shutil.copytree(USERS, tmp_path / "exports" / "users")
    store = Store()
    store.load([str(tmp_path / "exports")])
    assert _users(store) == ["alice", "bob", "carol"]


def test_hidden_claude_folder_below_is_read(tmp_path: Path) -> None:
    _csv(tmp_path / "exports" / "usage.csv")
    shutil.copytree(next(USERS.iterdir()) / ".claude",
                    tmp_path / "exports" / "backup" / ".claude")
    store = Store()
    store.load([str(tmp_path / "exports")], )
    assert len(_users(store)) == 2  # carol, and the transcripts' default user


def test_a_tool_folder_without_transcripts_is_said(tmp_path: Path) -> None:
    _csv(tmp_path / "exports" / "usage.csv")
    write_csv(tmp_path / "exports" / "old" / "projects" / "p.csv", ["a"], [[1]])
    result = CliRunner().invoke(app, ["report", str(tmp_path / "exports"),
                                      "--assign", "*=claude_pro", "--no-fit"])
    assert result.exit_code == 0, result.output
    assert "old: not read: a claude-code folder (it holds projects/ or sessions/) without " \
           "transcripts" in result.stderr


def test_a_projects_folder_of_exports_is_read_by_content(tmp_path: Path) -> None:
    # JSON-lines exports in a folder named projects/ inside a walked folder: not transcripts
    f = tmp_path / "exports" / "acme" / "projects" / "usage.jsonl"
    f.parent.mkdir(parents=True)
    f.write_text('{"user_id": "dan", "ts": "2026-10-01T10:00:00Z", "model": '
                 '"claude-sonnet-4-5", "input_tokens": 5, "output_tokens": 1}\n')
    _csv(tmp_path / "exports" / "usage.csv")
    store = Store()
    store.load([str(tmp_path / "exports")])
    assert _users(store) == ["carol", "dan"]
