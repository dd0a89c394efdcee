"""A folder holding transcripts and exports is read whole: users' Claude Code folders beside a
CSV, and a CSV folder with users' folders (hidden .claude inside) below it; a Claude Code
folder without transcripts inside a walked folder is said, not silently passed over
(qa10C #2)."""

from __future__ import annotations

import json
import os
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


# Codex homes (qa10V #2): rollouts as a rewriting tool writes them (json.dumps: spaces after
# the colons), which the folder walk must still take for rollouts, as the layout did before
CODEX_HOME = FIXTURES / "codex" / "home"
OTHER_HOME = FIXTURES / "codex" / "forks"  # other sessions: a second user's rows are no copies


def _codex_home(dest: Path, home: Path = CODEX_HOME) -> Path:
    for src in home.rglob("*.jsonl"):
        out = dest / src.relative_to(home)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("".join(_spaced(line) + "\n"
                               for line in src.read_text().splitlines() if line.strip()))
    return dest


def _spaced(line: str) -> str:
    try:
        return json.dumps(json.loads(line))
    except ValueError:
        return line  # the fixture's deliberately broken lines stay as they are


def _codex_rows(store: Store, user: str) -> int:
    return int(store.con.execute(
        "SELECT count(*) FROM events WHERE user_id = ? AND source LIKE '%rollout-%'",
        [user]).fetchone()[0])


def test_codex_sniff_takes_spaced_json(tmp_path: Path) -> None:
    from planalyzer.sources.codex import Codex
    home = _codex_home(tmp_path / "h")
    f = next(home.rglob("rollout-*.jsonl"))
    assert Codex().sniff(f, f.read_bytes()[:4096])


def test_m6_folder_of_users_codex_homes(tmp_path: Path) -> None:
    # carol/sessions/..., dave/sessions/...: loaded at 024c3ac, broken by 4e579f0
    _codex_home(tmp_path / "m6" / "carol")
    _codex_home(tmp_path / "m6" / "dave", OTHER_HOME)
    store = Store()
    store.load([str(tmp_path / "m6")])
    assert _users(store) == ["carol", "dave"]


def test_m7_folder_of_users_hidden_codex_homes(tmp_path: Path) -> None:
    _codex_home(tmp_path / "m7" / "carol" / ".codex")
    _codex_home(tmp_path / "m7" / "dave" / ".codex", OTHER_HOME)
    store = Store()
    store.load([str(tmp_path / "m7")])
    assert _users(store) == ["carol", "dave"]


def test_m8_users_codex_homes_below_a_csv_folder(tmp_path: Path) -> None:
    _csv(tmp_path / "m8" / "usage.csv")
    _codex_home(tmp_path / "m8" / "users" / "dave" / ".codex")
    store = Store()
    store.load([str(tmp_path / "m8")])
    assert _users(store) == ["carol", "dave"]
    assert _codex_rows(store, "dave") > 0


def test_m2_csv_beside_a_users_codex_home(tmp_path: Path) -> None:
    _csv(tmp_path / "m2" / "usage.csv")
    _codex_home(tmp_path / "m2" / "dave" / ".codex")
    store = Store()
    report = store.load([str(tmp_path / "m2")])
    assert _users(store) == ["carol", "dave"]
    assert _codex_rows(store, "dave") > 0
    assert any(f.source.endswith("usage.csv") and f.rows_loaded == 1 for f in report.files)


def test_m5_csv_beside_a_users_codex_home_without_dot(tmp_path: Path) -> None:
    _csv(tmp_path / "m5" / "usage.csv")
    _codex_home(tmp_path / "m5" / "dave")
    store = Store()
    store.load([str(tmp_path / "m5")])
    assert _users(store) == ["carol", "dave"]


def test_m3_csv_beside_a_hidden_codex_home_is_named(tmp_path: Path) -> None:
    # a folder holding .codex/ is read for its rollouts; the CSV beside it is said, not lost
    _csv(tmp_path / "m3" / "usage.csv")
    _codex_home(tmp_path / "m3" / ".codex")
    store = Store()
    report = store.load([str(tmp_path / "m3")])
    assert _users(store) == ["me"]
    assert any("usage.csv: not read: a log file beside .codex/" in n for n in report.notes)


def test_m4_csv_beside_a_hidden_claude_folder_is_named(tmp_path: Path) -> None:
    _csv(tmp_path / "m4" / "usage.csv")
    shutil.copytree(next(USERS.iterdir()) / ".claude", tmp_path / "m4" / ".claude")
    store = Store()
    report = store.load([str(tmp_path / "m4")])
    assert "carol" not in _users(store)
    assert any("usage.csv: not read: a log file beside .claude/" in n for n in report.notes)


def test_claude_config_folder_settings_are_not_named(tmp_path: Path) -> None:
    # ~/.claude itself: history.jsonl beside projects/ is the tool's, no note
    shutil.copytree(next(USERS.iterdir()) / ".claude", tmp_path / "c")
    (tmp_path / "c" / "history.jsonl").write_text('{"display": "x"}\n')
    report = Store().load([str(tmp_path / "c")])
    assert not any("not read" in n for n in report.notes)


def test_hidden_folder_of_non_transcripts_is_named(tmp_path: Path) -> None:
    # a hidden .codex whose rollout-*.jsonl are not rollouts: the walk never enters a hidden
    # folder, so it is said rather than silently passed over
    _csv(tmp_path / "ex" / "usage.csv")
    f = tmp_path / "ex" / "b" / ".codex" / "sessions" / "rollout-x.jsonl"
    f.parent.mkdir(parents=True)
    f.write_text('{"user_id": "dan", "ts": "2026-10-01T10:00:00Z"}\n')
    report = Store().load([str(tmp_path / "ex")])
    assert any(".codex: not read: a hidden folder whose files are not transcripts" in n
               for n in report.notes)


def test_the_walks_cheap_layout_check_misses_no_tool_folder(tmp_path: Path) -> None:
    """The walk asks the sources about a folder only where its name, its entries or its
    subfolders' entries show a tool's layout (planalyzer.sources.registry._EntryNames): every
    folder a source claims or owns, in the fixtures and in a folder of users' homes reached
    through a symbolic link, passes that check."""
    from planalyzer.sources import registry

    home = tmp_path / "real" / "carol"
    (home / ".claude" / "projects" / "p").mkdir(parents=True)
    (home / ".claude" / "projects" / "p" / "s.jsonl").write_text("{}\n")
    (tmp_path / "users").mkdir()
    (tmp_path / "users" / "carol").symlink_to(home, target_is_directory=True)
    roots = [Path(__file__).parent / "fixtures", tmp_path]
    folders = [Path(r) / d for root in roots for r, ds, _ in os.walk(root) for d in ds]
    names = registry._EntryNames()
    claimed = [f for f in folders if any(m.batch and (m.claims_folder(f) or m.owns_folder(f))
                                         for m in registry.modules())]
    assert tmp_path / "users" in claimed and len(claimed) > 10
    assert [f for f in claimed if not names.may_be_tool_layout(f)] == []
