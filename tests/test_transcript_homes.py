"""Whose transcripts: ~/.config/claude homes.

qa14B #1: Claude Code's other config folder (``~/.config/claude``) is one user's, named by its
home folder in a folder of users' homes, or by --user.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, cli_json

from planalyzer.store import LoadOptions, Store

CC = FIXTURES / "claude_code"
SINGLE = CC / "single"  # 3 transcripts with usage, 6 rows
ALICE = CC / "users" / "alice" / ".claude"  # 1 row
BOB = CC / "users" / "bob" / ".claude"  # 1 row


def _users(store: Store) -> dict[str, int]:
    rows = store.con.execute(
        "SELECT user_id, count(*) FROM events GROUP BY 1 ORDER BY 1").fetchall()
    return {str(u): int(n) for u, n in rows}


def _homes(root: Path) -> Path:
    """root/users: ann (~/.config/claude), bob (~/.config/claude), carol (~/.claude)."""
    users = root / "users"
    shutil.copytree(SINGLE, users / "ann" / ".config" / "claude")
    shutil.copytree(BOB, users / "bob" / ".config" / "claude")
    shutil.copytree(ALICE, users / "carol" / ".claude")
    return users


# -- qa14B #1: ~/.config/claude ----------------------------------------------------------------


def test_config_claude_homes_in_a_folder_of_users(tmp_path: Path) -> None:
    users = _homes(tmp_path)
    for named in (users, tmp_path):  # named, or met by a walk of the folder above
        with Store() as store:
            report = store.load([str(named)], LoadOptions(user_id="zed"))
            assert _users(store) == {"ann": 6, "bob": 1, "carol": 1}
        assert any(n.startswith("--user zed: not used") for n in report.notes)


@pytest.mark.parametrize("sub", ["", ".config", ".config/claude", ".config/claude/projects"])
def test_a_config_claude_home_is_one_user(tmp_path: Path, sub: str) -> None:
    named = _homes(tmp_path) / "bob" / sub
    with Store() as store:
        report = store.load([str(named)], LoadOptions(user_id="bob"))
        assert _users(store) == {"bob": 1}
    assert not any("--user" in n for n in report.notes)
    with Store() as store:
        store.load([str(named)])
        assert _users(store) == {"me": 1}


def test_a_home_with_both_config_folders_is_one_user(tmp_path: Path) -> None:
    home = tmp_path / "users" / "ann"
    shutil.copytree(ALICE, home / ".claude")
    shutil.copytree(SINGLE, home / ".config" / "claude")
    (home / "usage.csv").write_text("user_id,ts,model,input_tokens,output_tokens\n")
    with Store() as store:
        report = store.load([str(home.parent)])
        assert _users(store) == {"ann": 7}
    with Store() as store:
        report = store.load([str(home)])
        assert _users(store) == {"me": 7}
    # a log file beside the hidden config folders is named, not silently passed over
    assert any("usage.csv: not read: a log file beside .claude and .config/claude/" in n
               for n in report.notes)


def test_db_reruns_find_new_and_grown_transcripts_in_config_claude(tmp_path: Path) -> None:
    users = _homes(tmp_path)
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load([str(users)])
    bob = next((users / "bob" / ".config" / "claude" / "projects").rglob("*.jsonl"))
    last = bob.read_text().splitlines()[-1]
    with bob.open("a") as fh:  # a new turn in bob's transcript
        fh.write(last.replace("msg_U2", "msg_B9").replace("req_U2", "req_B9") + "\n")
    new = users / "ann" / ".config" / "claude" / "projects" / "-new" / "s-new.jsonl"
    new.parent.mkdir()
    new.write_text(bob.read_text().replace("msg_", "msg_n").replace("req_", "req_n"))
    with Store(db) as store:
        report = store.load([str(users)])
        assert _users(store) == {"ann": 8, "bob": 2, "carol": 1}
    status = {Path(fl.source).name: fl.status for fl in report.files if fl.status != "unchanged"}
    assert status == {bob.name: "appended", "s-new.jsonl": "loaded"}
    with Store(db) as store:
        again = store.load([str(users)])
    assert {fl.status for fl in again.files} == {"unchanged"}


def test_report_counts_each_config_claude_home_as_a_subscriber(tmp_path: Path) -> None:
    """The qa14B repro: two homes with ~/.config/claude were one user "claude", $20."""
    users = _homes(tmp_path)
    shutil.rmtree(users / "carol")
    doc = cli_json(["report", str(users), "--assign", "*=claude_pro", "--no-fit", "-q"])
    (row,) = doc["plans"]["rows"]
    assert (row["subscribers"], row["revenue_usd"]) == (2, 40.0)
