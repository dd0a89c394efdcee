"""Whose transcripts: ~/.config/claude homes, and several people's single folders in one load.

qa14B #1: Claude Code's other config folder (``~/.config/claude``) is one user's, named by its
home folder in a folder of users' homes, or by --user. qa14B #4: single users' folders of
several home folders named together are stored as their home folders' users, not merged into
one ``me`` (planalyzer.sources.homes).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, cli_json

from planalyzer.accounting import display_path
from planalyzer.me import load_my_usage
from planalyzer.sources.homes import home_of
from planalyzer.store import LoadOptions, Store

CC = FIXTURES / "claude_code"
SINGLE = CC / "single"  # 3 transcripts with usage, 6 rows
ALICE = CC / "users" / "alice" / ".claude"  # 1 row
BOB = CC / "users" / "bob" / ".claude"  # 1 row
CODEX = FIXTURES / "codex" / "home"
FORKS = FIXTURES / "codex" / "forks"


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


# -- qa14B #4: several people's single folders named together -----------------------------------


@pytest.mark.parametrize(("named", "home"), [
    ("x/alice", "x/alice"), ("x/alice/.claude", "x/alice"), ("x/alice/.claude/projects", "x/alice"),
    ("x/alice/.config", "x/alice"), ("x/alice/.config/claude/projects", "x/alice"),
    ("x/alice/.codex/sessions", "x/alice"), ("x/alice-codex", "x/alice-codex"),
    ("x/alice/.codex/../.claude", "x/alice"),
])
def test_home_of_a_named_folder(tmp_path: Path, named: str, home: str) -> None:
    assert home_of(tmp_path / named) == tmp_path / home


def test_two_peoples_folders_are_two_users(tmp_path: Path) -> None:
    with Store() as store:
        report = store.load([str(ALICE), str(BOB)])
        assert _users(store) == {"alice": 1, "bob": 1}
    (note,) = [n for n in report.notes if "home folders" in n]
    assert note == (
        "single users' transcript folders of 2 home folders were named in one load: each "
        "home's transcripts are stored under its folder's name, as in a folder of users' "
        f"folders (--user-map maps the names): alice ({display_path(str(ALICE))}); bob "
        f"({display_path(str(BOB))}). If they are one "
        "person's (copies from two machines), give --user NAME to load them as one user")
    with Store() as store:  # --user-map maps the home folders' names; the note says to what
        report = store.load([str(ALICE), str(BOB)], LoadOptions(user_map={"alice": "a@x"}))
        assert _users(store) == {"a@x": 1, "bob": 1}
    (note,) = [n for n in report.notes if "home folders" in n]
    assert f"maps the names): alice as a@x ({display_path(str(ALICE))}); bob (" in note


def test_one_user_when_told_so_or_of_one_home(tmp_path: Path) -> None:
    with Store() as store:  # --user: one person's folders (two machines' copies)
        report = store.load([str(ALICE), str(BOB)], LoadOptions(user_id="ann"))
        assert _users(store) == {"ann": 2}
    assert not any("home folders" in n for n in report.notes)
    home = tmp_path / "ann"  # ~/.claude and ~/.config/claude: one home, one user
    shutil.copytree(ALICE, home / ".claude")
    shutil.copytree(SINGLE, home / ".config" / "claude")
    with Store() as store:
        report = store.load([str(home / ".claude"), str(home / ".config" / "claude")])
        assert _users(store) == {"me": 7}
    assert not any("home folders" in n for n in report.notes)
    with Store() as store:  # planalyzer me: every folder is me
        load_my_usage(store, [str(ALICE), str(BOB)])
        assert _users(store) == {"me": 2}
    with Store() as store:  # transcript files named one by one stay --user's (me)
        store.load([str(next(ALICE.rglob("*.jsonl"))), str(next(BOB.rglob("*.jsonl")))])
        assert _users(store) == {"me": 2}


def test_codex_homes_of_two_people(tmp_path: Path) -> None:
    carol = tmp_path / "carol" / ".codex"
    dave = tmp_path / "dave-codex"  # a $CODEX_HOME of another name
    shutil.copytree(CODEX, carol)
    shutil.copytree(FORKS, dave)
    with Store() as store:
        store.load([str(carol), str(dave)])
        two = _users(store)
    with Store() as store:
        store.load([str(carol)])
        store.load([str(dave)], LoadOptions(user_id="dave"))
        apart = _users(store)
    assert set(two) == {"carol", "dave-codex"}
    assert two == {"carol": apart["me"], "dave-codex": apart["dave"]}
    with Store() as store:  # a home holding .claude and .codex is one person's
        home = tmp_path / "erin"
        shutil.copytree(ALICE, home / ".claude")
        shutil.copytree(CODEX, home / ".codex")
        store.load([str(home), str(BOB)])
        assert set(_users(store)) == {"erin", "bob"}


def test_a_store_keeps_a_folders_user(tmp_path: Path) -> None:
    alice, bob = tmp_path / "alice" / ".claude", tmp_path / "bob" / ".claude"
    shutil.copytree(ALICE, alice)
    shutil.copytree(BOB, bob)
    db = tmp_path / "s.duckdb"
    with Store(db) as store:  # alice's folder alone: me
        store.load([str(alice)])
    new = alice / "projects" / "-new" / "s-new.jsonl"
    new.parent.mkdir()
    new.write_text(next(ALICE.rglob("*.jsonl")).read_text().replace("msg_", "msg_n")
                   .replace("req_", "req_n"))
    with Store(db) as store:  # then with bob's: alice's new transcript stays me
        report = store.load([str(alice), str(bob)])
        assert _users(store) == {"me": 2, "bob": 1}
    assert any(f"a store keeps the user it holds a folder's earlier transcripts under: "
               f"{display_path(str(alice))} as me" in n for n in report.notes)
    with Store(db) as store:  # the same load again: nothing read, no user changed
        again = store.load([str(alice), str(bob)])
        assert _users(store) == {"me": 2, "bob": 1}
    assert {fl.status for fl in again.files} == {"unchanged"}


def test_a_store_loaded_with_a_user_map_is_loaded_alike(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    for _ in range(2):
        with Store(db) as store:
            report = store.load([str(ALICE), str(BOB)], LoadOptions(user_map={"alice": "a@x"}))
            assert _users(store) == {"a@x": 1, "bob": 1}
        assert not any("a store keeps" in n for n in report.notes)


def test_report_counts_two_peoples_folders_as_two_subscribers() -> None:
    """The qa14B repro: alice/.claude and bob/.claude were one user "me", $20."""
    doc = cli_json(["report", str(ALICE), str(BOB), "--assign", "*=claude_pro", "--no-fit",
                    "--by", "user", "-q"])
    (row,) = doc["plans"]["rows"]
    assert (row["subscribers"], row["revenue_usd"]) == (2, 40.0)
    assert {r["user_id"] for r in doc["users"]["rows"]} == {"alice", "bob"}


# -- qa15C #4: a home folder named alone into a --db file that holds it under its name ---------


def _team(root: Path) -> tuple[Path, Path]:
    """root/team: alice (~/.claude), bob (~/.config/claude), one transcript each."""
    alice, bob = root / "team" / "alice", root / "team" / "bob"
    shutil.copytree(ALICE, alice / ".claude")
    shutil.copytree(BOB, bob / ".config" / "claude")
    return alice, bob


def _new_transcript(home: Path, tag: str) -> None:
    """A new transcript in ``home``'s config folder: its first transcript's requests under
    other ids (one row)."""
    old = next(home.rglob("*.jsonl"))
    new = old.parent / f"s-{tag}.jsonl"
    new.write_text(old.read_text().replace("msg_", f"msg_{tag}").replace("req_", f"req_{tag}"))


def _kept_note(report_notes: list[str], kept: str) -> None:
    (note,) = [n for n in report_notes if n.startswith("new transcripts of a folder")]
    assert note == (
        "new transcripts of a folder whose earlier ones the --db file holds keep their user, "
        f"so one person's rows do not split between two users: {kept} (the user an earlier "
        "load stored them under: as a folder of users' folders or several home folders name "
        "them, or as --user gave); give --user NAME to store new transcripts as another user")


def test_a_home_of_a_folder_of_users_refreshed_alone_keeps_its_user(tmp_path: Path) -> None:
    """qa15C #4: ``load team --db`` (alice, bob), then alice's new transcript by ``load
    team/alice --db``: it went to ``me``, a third user."""
    alice, _ = _team(tmp_path)
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load([str(alice.parent)])
        assert _users(store) == {"alice": 1, "bob": 1}
    _new_transcript(alice, "a2")
    for named in (alice, alice / ".claude", alice / ".claude" / "projects"):
        with Store(db) as store:
            report = store.load([str(named)])
            assert _users(store) == {"alice": 2, "bob": 1}
        if named == alice:  # read now: the note; then unchanged, nothing to say
            _kept_note(report.notes, f"{display_path(str(alice))} as alice")
        else:
            assert {fl.status for fl in report.files} == {"unchanged"}
            assert not any(n.startswith("new transcripts of a folder") for n in report.notes)
    with Store(db) as store:  # --user names the user of the folder's new transcripts
        _new_transcript(alice, "a3")
        report = store.load([str(alice)], LoadOptions(user_id="zed"))
        assert _users(store) == {"alice": 2, "bob": 1, "zed": 1}
    assert not any(n.startswith("new transcripts of a folder") for n in report.notes)


def test_homes_loaded_together_then_one_alone_keep_their_users(tmp_path: Path) -> None:
    """qa15C #4: ``load team/alice team/bob --db``, then ``load team/alice --db``."""
    alice, bob = _team(tmp_path)
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load([str(alice), str(bob)])
    _new_transcript(alice, "a2")
    with Store(db) as store:
        report = store.load([str(alice)])
        assert _users(store) == {"alice": 2, "bob": 1}
    _kept_note(report.notes, f"{display_path(str(alice))} as alice")
    # a home stored as me (named alone first) stays me alone, without a note
    other = tmp_path / "o.duckdb"
    with Store(other) as store:
        store.load([str(bob)])
    _new_transcript(bob, "b2")
    with Store(other) as store:
        report = store.load([str(bob)])
        assert _users(store) == {"me": 2}
    assert not any(n.startswith("new transcripts of a folder") for n in report.notes)
    # without --db, a home named alone is me
    with Store() as store:
        store.load([str(alice)])
        assert _users(store) == {"me": 2}


def test_a_home_stored_under_a_user_map_keeps_the_mapped_user(tmp_path: Path) -> None:
    """qa15C #4: ``load team/alice team/bob --user-map um.toml --db``, then ``load team/bob
    --user-map um.toml --db``: bob's new transcript went to ``me`` and the notes said the
    map's bob entry was not used and --user-map was 'bob@example.com when loaded, me now'."""
    alice, bob = _team(tmp_path)
    db = tmp_path / "s.duckdb"
    user_map = {"alice": "alice@example.com", "bob": "bob@example.com"}
    with Store(db) as store:
        store.load([str(alice), str(bob)], LoadOptions(user_map=user_map))
    _new_transcript(bob, "b2")
    with Store(db) as store:
        report = store.load([str(bob)], LoadOptions(user_map=user_map))
        assert _users(store) == {"alice@example.com": 1, "bob@example.com": 2}
    _kept_note(report.notes, f"{display_path(str(bob))} as bob@example.com")
    assert [n for n in report.notes if "--user-map" in n] == [
        "--user-map: no users' folder named alice was loaded; those entries were not used"]
    _new_transcript(bob, "b3")  # the map left out: the stored user all the same
    with Store(db) as store:
        report = store.load([str(bob)])
        assert _users(store) == {"alice@example.com": 1, "bob@example.com": 3}
    _kept_note(report.notes, f"{display_path(str(bob))} as bob@example.com")


def test_a_home_of_a_mapped_folder_of_users_refreshed_alone(tmp_path: Path) -> None:
    """qa15C #4: the folder of users loaded with --user-map, then one home refreshed with the
    same map (the CLI), one report user per person."""
    alice, _ = _team(tmp_path)
    db = tmp_path / "s.duckdb"
    um = tmp_path / "um.toml"
    um.write_text('[users]\nalice = "alice@example.com"\nbob = "bob@example.com"\n')
    cli_json(["load", str(alice.parent), "--user-map", str(um), "--db", str(db), "-q"])
    _new_transcript(alice, "a2")
    cli_json(["load", str(alice), "--user-map", str(um), "--db", str(db), "-q"])
    with Store(db) as store:
        assert _users(store) == {"alice@example.com": 2, "bob@example.com": 1}


def test_a_user_map_naming_the_stored_user_anew_applies_to_new_transcripts(
        tmp_path: Path) -> None:
    """A home stored as ``alice`` (a folder of users loaded without a map), then named alone
    with --user-map mapping alice: the map is an option given, so it names the new transcripts
    (the stored ones keep theirs, and the load says so); no note claims alice was kept."""
    alice, _ = _team(tmp_path)
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load([str(alice.parent)])
    _new_transcript(alice, "a2")
    for named in ([alice], [alice, tmp_path / "team" / "bob"]):
        with Store(db) as store:
            report = store.load([str(p) for p in named],
                                LoadOptions(user_map={"alice": "a@x"}))
            assert _users(store) == {"alice": 1, "a@x": 1, "bob": 1}
        assert not any(n.startswith("new transcripts of a folder") or "a store keeps" in n
                       for n in report.notes)
        assert any("--user-map: alice when loaded, a@x now" in n for n in report.notes)
