"""Remembered folder listings (planalyzer/sources/folder_memo.py): a --db reload lists only the
folders whose mtime changed and must find exactly what a full walk finds."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from conftest import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planalyzer.sources.folder_memo import RACY_NS, FolderMemo, Found, list_files
from planalyzer.store import Store

CC = FIXTURES / "claude_code"
LINE = '{"type":"summary","summary":"s","leafUuid":"x"}\n'


def _age(root: Path, seconds: float = 60) -> None:
    """Set every folder's mtime (and the files') well in the past: listings of them are then
    trusted (not racy)."""
    past = time.time_ns() - int(seconds * 1e9)
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            os.utime(os.path.join(dirpath, f), ns=(past, past))
        os.utime(dirpath, ns=(past, past))


def _full(root: Path) -> list[tuple[str, tuple[int, int] | None]]:
    out: Found = []
    list_files(str(root), ".jsonl", out)
    return sorted(out)


def _walk(root: Path, known: dict[str, tuple[str, int, int, str, str]] | None = None
          ) -> tuple[FolderMemo, Found]:
    memo = FolderMemo(dict(known or {}))
    out: Found = []
    memo.walk(str(root), ".jsonl", out)
    return memo, sorted(out)


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "projects"
    for proj in ("a", "b"):
        for sess in ("s1", "s2"):
            (root / proj).mkdir(parents=True, exist_ok=True)
            (root / proj / f"{sess}.jsonl").write_text(LINE)
            sub = root / proj / sess / "subagents"
            sub.mkdir(parents=True)
            (sub / "agent-1.jsonl").write_text(LINE)
    (root / "a" / "notes.txt").write_text("not a transcript")
    _age(root)
    return root


def _remembered(root: Path) -> FolderMemo:
    first, found = _walk(root)
    assert found == _full(root) and first.replayed == 0
    memo, again = _walk(root, first.listed)
    assert again == found
    assert memo.replayed == len(first.listed) == 11  # projects, a, b, 4 sessions, 4 subagents
    assert memo.listed == {} and memo.changes() == ([], [])
    return memo


def test_unchanged_folders_are_not_listed(tmp_path: Path) -> None:
    _remembered(_tree(tmp_path))


def test_new_file_in_an_old_folder(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    memo = _remembered(root)
    (root / "a" / "s3.jsonl").write_text(LINE)
    again, found = _walk(root, memo.known)
    assert found == _full(root) and str(root / "a" / "s3.jsonl") in dict(found)
    assert list(again.listed) == [str(root / "a")]  # only the folder that changed
    gone, new = again.changes()
    assert gone == [str(root / "a")] and [r[0] for r in new] == gone
    assert new[0][3].split("/") and "s3.jsonl" in new[0][3].split("/")


def test_new_subfolder(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    memo = _remembered(root)
    deep = root / "b" / "s9" / "subagents"
    deep.mkdir(parents=True)
    (deep / "agent-2.jsonl").write_text(LINE)
    again, found = _walk(root, memo.known)
    assert found == _full(root) and str(deep / "agent-2.jsonl") in dict(found)
    assert set(again.listed) == {str(root / "b"), str(root / "b" / "s9"), str(deep)}


def test_deleted_file_and_folder(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    memo = _remembered(root)
    (root / "a" / "s1.jsonl").unlink()
    shutil.rmtree(root / "b" / "s2")
    again, found = _walk(root, memo.known)
    assert found == _full(root)
    assert str(root / "a" / "s1.jsonl") not in dict(found)
    gone, new = again.changes()
    assert set(gone) == {str(root / "a"), str(root / "b"), str(root / "b" / "s2"),
                         str(root / "b" / "s2" / "subagents")}
    assert {r[0] for r in new} == {str(root / "a"), str(root / "b")}


def test_appended_file_gets_its_new_size_and_mtime(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    memo = _remembered(root)
    target = root / "a" / "s1" / "subagents" / "agent-1.jsonl"
    with target.open("a") as fh:
        fh.write(LINE)
    again, found = _walk(root, memo.known)
    st_ = target.stat()
    assert dict(found)[str(target)] == (st_.st_size, st_.st_mtime_ns)
    assert found == _full(root) and again.listed == {}  # appending changes no folder mtime


def test_racy_listing_is_not_trusted(tmp_path: Path) -> None:
    """A file created in the same clock tick as the listing leaves the folder's mtime as it
    was: a listing made less than RACY_NS after the folder's mtime is listed again."""
    root = _tree(tmp_path)
    first, _ = _walk(root)
    folder = str(root / "a")
    mtime = first.listed[folder][1]
    racy = (folder, mtime, mtime + RACY_NS - 1, *first.listed[folder][3:])
    new = root / "a" / "same-tick.jsonl"
    new.write_text(LINE)
    os.utime(root / "a", ns=(mtime, mtime))  # the folder's mtime as when listed
    again, found = _walk(root, {**first.listed, folder: racy})
    assert str(new) in dict(found) and found == _full(root)
    assert folder in again.listed
    # the same listing made RACY_NS later would be trusted (and miss the file): the rule
    # is what keeps the walk exact
    trusted = (folder, mtime, mtime + RACY_NS, *first.listed[folder][3:])
    _, missed = _walk(root, {**first.listed, folder: trusted})
    assert str(new) not in dict(missed)


def test_fresh_folders_are_listed_until_old(tmp_path: Path) -> None:
    root = tmp_path / "projects" / "p"
    root.mkdir(parents=True)
    (root / "s.jsonl").write_text(LINE)
    first, _ = _walk(tmp_path / "projects")
    again, found = _walk(tmp_path / "projects", first.listed)
    assert again.replayed == 0 and found == _full(tmp_path / "projects")


def test_vanished_file_without_mtime_change_lists_the_folder(tmp_path: Path) -> None:
    """A remembered file gone (or now a folder) while the folder's mtime reads as before (a
    restored mtime): the folder is listed, nothing stale is returned."""
    root = _tree(tmp_path)
    memo = _remembered(root)
    folder = root / "a"
    before = folder.stat().st_mtime_ns
    (folder / "s1.jsonl").unlink()
    (folder / "s2.jsonl").unlink()
    (folder / "s2.jsonl").mkdir()
    os.utime(folder, ns=(before, before))
    again, found = _walk(root, memo.known)
    assert found == _full(root) and str(folder) in again.listed
    assert str(folder / "s1.jsonl") not in dict(found)


def test_symlinked_subfolder_is_not_entered(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (root / "linked").symlink_to(root / "a", target_is_directory=True)
    _age(root)
    first, found = _walk(root)
    assert found == _full(root) and not any("/projects/linked/" in p for p, _ in found)
    _, again = _walk(root, first.listed)
    assert again == found


OPS = st.lists(st.tuples(st.sampled_from(["add", "mkdir", "rm", "rmdir", "append"]),
                         st.integers(0, 50)), max_size=8)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(OPS)
def test_any_changes_give_the_full_walk(tmp_path: Path, ops: list[tuple[str, int]]) -> None:
    base = tmp_path / f"t{time.time_ns()}"
    root = _tree(base)
    memo = _remembered(root)
    for op, n in ops:
        folders = [*sorted(p for p in root.rglob("*") if p.is_dir()), root]
        files = sorted(root.rglob("*.jsonl"))
        folder = folders[n % len(folders)]
        if op == "add":
            (folder / f"n{n}.jsonl").write_text(LINE)
        elif op == "mkdir":
            (folder / f"d{n}").mkdir(exist_ok=True)
            (folder / f"d{n}" / "x.jsonl").write_text(LINE)
        elif op == "rm" and files:
            files[n % len(files)].unlink()
        elif op == "rmdir" and folder != root:
            shutil.rmtree(folder)
        elif op == "append" and files:
            with files[n % len(files)].open("a") as fh:
                fh.write(LINE)
    again, found = _walk(root, memo.known)
    assert found == _full(root)
    # what the store would keep equals a fresh walk's listings
    gone, new = again.changes()
    kept = {f: r for f, r in memo.known.items() if f not in gone}
    kept.update({r[0]: r for r in new})
    fresh, _ = _walk(root)
    assert {f: r[3:] for f, r in kept.items()} == {f: r[3:] for f, r in fresh.listed.items()}
    shutil.rmtree(base)


def _scenario(base: Path) -> tuple[object, ...]:
    """Load a folder into a --db store; then add a file to an old folder, add a subfolder,
    delete a file and append to one; reload twice. Paths are given relative to ``base``."""
    folder = base / "cc"
    shutil.copytree(CC / "quirks", folder)
    shutil.copytree(CC / "single" / "projects" / "-home-ann-app",
                    folder / "projects" / "-home-ann-app")
    _age(folder)
    db = base / "w.duckdb"
    with Store(db) as s:
        s.load([str(folder)])
    projects = folder / "projects"
    singles = sorted((projects / "-home-ann-app").rglob("*.jsonl"))
    shutil.copy(singles[0], projects / "-srv-repo" / "copy.jsonl")
    sub = projects / "-srv-repo" / "newsession" / "subagents"
    sub.mkdir(parents=True)
    shutil.copy(singles[1], sub / "agent-9.jsonl")
    singles[0].unlink()
    appended = next(p for p in projects.rglob("*.jsonl") if "subagents" in p.parts
                    and "newsession" not in p.parts)
    with appended.open("a") as fh:
        fh.write(LINE)
    with Store(db) as s:
        rep = s.load([str(folder)])
        again = s.load([str(folder)])
        events = s.con.execute(
            "SELECT source, event_id, input_tokens, output_tokens FROM events ORDER BY ALL"
        ).fetchall()
        manifest = s.con.execute(
            "SELECT * EXCLUDE (loaded_at, mtime_ns) FROM load_manifest ORDER BY source"
        ).fetchall()
        listings = s.con.execute(
            "SELECT folder, files, dirs FROM folder_listings ORDER BY folder").fetchall()
    cut = len(str(base))

    def rel(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
        return [(str(r[0])[cut:], *r[1:]) for r in rows]

    statuses = sorted((f.source[cut:], f.status, f.rows_read, f.rows_loaded,
                       f.duplicates_dropped) for f in rep.files)
    assert {f.status for f in again.files} == {"unchanged"}
    memo, _ = _walk(projects)
    assert listings == sorted((f, r[3], r[4]) for f, r in memo.listed.items())
    return statuses, rel(events), rel(manifest)


def test_db_reload_after_changes_equals_a_full_walk(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end with --db: the reload after the changes reads only the new, appended and
    new-subfolder files, and every result (statuses, counts, events, manifest) is what the
    load gives when every folder is listed (the walk before folder listings were kept)."""
    got = _scenario(tmp_path / "memo")
    statuses = {s[0]: s[1] for s in got[0]}  # type: ignore[attr-defined]
    assert statuses["/cc/projects/-srv-repo/copy.jsonl"] == "loaded"
    assert statuses["/cc/projects/-srv-repo/newsession/subagents/agent-9.jsonl"] == "loaded"
    assert sorted(v for v in statuses.values() if v != "unchanged") == [
        "appended", "loaded", "loaded"]

    def full_walk(self: FolderMemo, root: str, suffix: str, out: Found) -> None:
        list_files(root, ".jsonl", out)

    monkeypatch.setattr(FolderMemo, "walk", full_walk)
    assert _scenario(tmp_path / "full") == got


def test_unreadable_folder_is_passed_over_and_forgotten(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder that cannot be listed is passed over (as os.walk does) and its remembered
    listing dropped. (Permissions do not apply to root, so the listing is made to fail.)"""
    from planalyzer.sources import folder_memo

    root = _tree(tmp_path)
    memo = _remembered(root)
    (root / "a" / "s4.jsonl").write_text(LINE)  # the folder's mtime changes: it is listed
    real = os.scandir
    blocked = str(root / "a")

    def scandir(path: str) -> object:
        if path == blocked:
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(folder_memo.os, "scandir", scandir)
    again, found = _walk(root, memo.known)
    assert found and not any(p.startswith(blocked + "/") for p, _ in found)
    gone, new = again.changes()
    assert blocked in gone and blocked not in [r[0] for r in new]
    assert {r[0] for r in new} == set()
    # subfolders of the unreadable folder are not reached: their listings are dropped too
    assert {str(root / "a" / "s1"), str(root / "a" / "s1" / "subagents")} <= set(gone)


CODEX_HOME = FIXTURES / "codex" / "home"


def test_codex_home_reload_lists_only_changed_folders(tmp_path: Path) -> None:
    # Codex rollouts go through the same remembered listings: an unchanged reload reads no
    # file; a rollout in a new day folder and one in an old day folder are found; the result
    # equals a fresh in-memory load.
    home = tmp_path / "codex"
    shutil.copytree(CODEX_HOME, home)
    _age(home)
    db = tmp_path / "c.duckdb"
    with Store(db) as s:
        first = s.load([str(home)])
        listed = {r[0] for r in s.con.execute("SELECT folder FROM folder_listings").fetchall()}
    assert first.rows_loaded > 0
    assert str((home / "sessions" / "2026" / "10" / "10").resolve()) in listed
    with Store(db) as s:
        same = s.load([str(home)])
    assert {f.status for f in same.files} == {"unchanged"}
    day = home / "sessions" / "2026" / "10" / "10"
    rollouts = sorted(day.glob("rollout-*.jsonl"))
    new_day = home / "sessions" / "2026" / "10" / "11"
    new_day.mkdir()
    shutil.copy(rollouts[0], new_day / rollouts[0].name.replace("T08", "T09"))
    shutil.copy(rollouts[1], day / rollouts[1].name.replace("T10", "T11"))
    with Store(db) as s:
        after = s.load([str(home)])
        got = s.con.execute("SELECT source, event_id, input_tokens, output_tokens FROM events "
                            "ORDER BY ALL").fetchall()
    assert sorted(f.status for f in after.files if f.status != "unchanged") == [
        "loaded", "loaded"]
    with Store() as s:
        s.load([str(home)])
        want = s.con.execute("SELECT source, event_id, input_tokens, output_tokens FROM events "
                             "ORDER BY ALL").fetchall()
    assert got == want
