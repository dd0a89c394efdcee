"""A new --db file: a failed command removes only a store file this process created and that
holds nothing committed; never one another process holds (two loads into a new file at once),
never after its load committed (the summary print failing after it)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import SMALL, cli_error, event_row, write_csv
from typer.testing import CliRunner

from planalyzer import cli, store
from planalyzer.cli import app
from planalyzer.errors import StrictModeError
from planalyzer.store import LoadOptions, Store
from planalyzer.store_open import check_store_path

_OTHER_STORE = """
    import sys, duckdb
    con = duckdb.connect({path!r})
    con.execute("CREATE TABLE mine AS SELECT 42 AS answer")
    print("open", flush=True)
    sys.stdin.read()
"""
# the moment another process's DuckDB has created the file and locked it, its header unwritten
_OTHER_NEW_FILE = """
    import fcntl, os, sys
    fd = os.open({path!r}, os.O_RDWR | os.O_CREAT)
    fcntl.lockf(fd, fcntl.LOCK_EX)
    print("open", flush=True)
    sys.stdin.read()
"""


@contextmanager
def _other_process(code: str, path: Path) -> Iterator[None]:
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code.format(path=str(path)))],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "open"
        yield
    finally:
        child.communicate("")


def _answer(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return int(con.execute("SELECT answer FROM mine").fetchall()[0][0])
    finally:
        con.close()


def test_loser_of_the_race_leaves_the_winners_new_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No file when the command starts; another process creates the store before this one
    opens it (and holds it): 'in use', and the other's store is left as it is."""
    path = tmp_path / "new.duckdb"
    holder: list[Any] = []

    def other_wins(db: object, read_only: bool) -> Path | None:
        holder.append(_other_process(_OTHER_STORE, path))
        holder[0].__enter__()
        return check_store_path(db, read_only)

    monkeypatch.setattr(store, "check_store_path", other_wins)
    try:
        msg = cli_error(["load", str(SMALL), "--db", str(path)])
    finally:
        if holder:
            holder[0].__exit__(None, None, None)
    assert msg.startswith(f"error: --db {path}: in use by another process"), msg
    assert _answer(path) == 42


def test_empty_file_another_process_has_just_created_is_left(tmp_path: Path) -> None:
    """An empty file another process holds (its DuckDB's new file, not yet written): 'in use',
    not removed for this load's own store."""
    path = tmp_path / "new.duckdb"
    with _other_process(_OTHER_NEW_FILE, path):
        inode = path.stat().st_ino
        msg = cli_error(["load", str(SMALL), "--db", str(path)])
        assert msg == (f"error: --db {path}: in use by another process, which has it open; "
                       "wait for it to finish, or copy the file and give the copy")
        assert path.stat().st_ino == inode and path.stat().st_size == 0


@pytest.mark.parametrize("given_empty", [False, True])
def test_new_store_kept_when_printing_fails_after_the_load(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given_empty: bool) -> None:
    """stdout closed (a daemon): the load committed, the summary cannot be printed; the new
    store keeps what was loaded."""
    path = tmp_path / "new.duckdb"
    if given_empty:
        path.write_bytes(b"")

    def closed(*args: Any, **kw: Any) -> None:
        raise OSError("stdout closed")

    monkeypatch.setattr(cli, "emit", closed)
    result = CliRunner().invoke(app, ["load", str(SMALL), "--db", str(path)])
    assert isinstance(result.exception, OSError)
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT count(*) FROM events").fetchall()[0][0] > 0
    con.close()


def test_failed_load_into_new_store_before_commit_removes_it(tmp_path: Path) -> None:
    """--strict refuses the load inside its transaction: nothing committed, the file this
    command created is removed (an empty file given is left empty)."""
    bad = write_csv(tmp_path / "bad.csv", list(event_row()),
                    [list(event_row(output_tokens=-5).values())])
    path = tmp_path / "new.duckdb"
    assert "--strict" in cli_error(["load", str(bad), "--db", str(path), "--strict"])
    assert not path.exists() and not Path(f"{path}.wal").exists()
    path.write_bytes(b"")
    cli_error(["load", str(bad), "--db", str(path), "--strict"])
    assert path.stat().st_size == 0


def test_failed_load_through_a_symlink_removes_the_file_made_not_the_link(
        tmp_path: Path) -> None:
    """--db a symbolic link to a file not there yet: DuckDB creates the target; a failed load
    removed the user's link and left the target behind (ver11C)."""
    bad = write_csv(tmp_path / "bad.csv", list(event_row()),
                    [list(event_row(output_tokens=-5).values())])
    (tmp_path / "real").mkdir()
    link = tmp_path / "link.duckdb"
    link.symlink_to(tmp_path / "real" / "t.duckdb")
    cli_error(["load", str(bad), "--db", str(link), "--strict"])
    assert link.is_symlink() and not (tmp_path / "real" / "t.duckdb").exists()


def test_library_store_removes_only_what_it_created_and_did_not_load(tmp_path: Path) -> None:
    path = tmp_path / "lib.duckdb"
    with pytest.raises(StrictModeError), Store(path) as st:
        st.load([str(write_csv(tmp_path / "bad.csv", list(event_row()),
                               [list(event_row(output_tokens=-5).values())]))],
                LoadOptions(strict=True))
    assert not path.exists()
    with pytest.raises(RuntimeError), Store(path) as st:
        st.load([str(SMALL)])
        raise RuntimeError("after the load")
    with Store(path, read_only=True) as st:
        assert st.events_count() > 0
    # an existing store is never removed, loaded into or not
    with pytest.raises(RuntimeError), Store(path):
        raise RuntimeError("nothing loaded")
    assert path.exists()


def test_new_store_open_twice_in_this_process_is_kept(tmp_path: Path) -> None:
    """Another Store of this process still has it open: the failing creator leaves it."""
    path = tmp_path / "two.duckdb"
    creator = Store(path)
    with Store(path) as other:
        creator.__exit__(RuntimeError, RuntimeError("fails"), None)
        other.load([str(SMALL)])
    assert path.exists()
