"""A --db file that is damaged, a load that cannot be saved, Ctrl-C, and the --db paths DuckDB
cannot use: one line naming the file and what to do (exit 2; Ctrl-C exit 130), no traceback,
the file as it was. Analysis over a store says the rows its loads rejected."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import SMALL, cli_error, event_row, write_csv
from typer.testing import CliRunner

from planalyzer import sqlfiles
from planalyzer.cli import app
from planalyzer.errors import InputError
from planalyzer.store import Store


def _events(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM events").fetchall()[0][0])
    finally:
        con.close()


def _csv(path: Path, *rows: dict[str, Any]) -> Path:
    header = list(event_row())
    return write_csv(path, header, [[r[h] for h in header] for r in rows])


def _invoke(args: list[str]) -> Any:
    result = CliRunner().invoke(app, args)
    assert "Traceback" not in result.output + result.stderr
    return result


# -- a damaged file -------------------------------------------------------------------------

def _damaged_commands(path: Path) -> list[list[str]]:
    return [["report", "--db", str(path)], ["costs", "--db", str(path)],
            ["load", str(SMALL), "--db", str(path)]]


def test_store_cut_short_is_damaged(db: Path) -> None:
    """A file cut short (an interrupted copy, a full disk) past its header: DuckDB opens it
    and fails on the first read."""
    with db.open("r+b") as fh:
        fh.truncate(db.stat().st_size // 2)
    before = db.read_bytes()
    for cmd in _damaged_commands(db):
        msg = cli_error(cmd)
        assert msg.startswith(f"error: --db {db}: damaged (cut short"), msg
        assert msg.endswith("restore it from a backup, or load the logs into a new file")
    assert db.read_bytes() == before


def test_store_with_changed_bytes_is_damaged(db: Path) -> None:
    size = db.stat().st_size
    with db.open("r+b") as fh:
        for off in range(size // 3, size - 4096, 4096):
            fh.seek(off)
            chunk = fh.read(64)
            fh.seek(off)
            fh.write(bytes(b ^ 0xFF for b in chunk))
    for cmd in _damaged_commands(db):
        assert cli_error(cmd).startswith(f"error: --db {db}: damaged (checksum mismatch")


# -- a COMMIT that fails ------------------------------------------------------------------------

class _FailingCommit:
    """A connection whose COMMIT fails as DuckDB's does when it cannot write the .wal: the
    transaction is gone (a ROLLBACK after it fails), nothing is saved."""

    def __init__(self, con: duckdb.DuckDBPyConnection, error: str) -> None:
        self._con, self._error = con, error

    def execute(self, sql: str, *args: Any) -> Any:
        if sql == "COMMIT":
            self._con.execute("ROLLBACK")
            raise duckdb.TransactionException(self._error)
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


@pytest.mark.parametrize(("error", "said"), [
    ('Failed to commit: Cannot open file "{wal}": Operation not permitted',
     "cannot create {wal} beside it (the folder {folder} is not writable); nothing was saved"),
    ('Failed to commit: Could not write file "{wal}": No space left on device',
     "no space left on the disk it is on; nothing was saved"),
])
def test_failed_commit_says_why(db: Path, error: str, said: str) -> None:
    wal = f"{db}.wal"
    with Store(db) as store:
        real = store.con
        store.con = _FailingCommit(real, error.format(wal=wal))  # type: ignore[assignment]
        with pytest.raises(InputError) as info:
            store.load([str(_csv(db.parent / "more.csv", event_row(event_id="new")))])
        store.con = real
    assert str(info.value).startswith(f"--db {db}: " + said.format(wal=wal, folder=db.parent))
    assert "new" not in _event_ids(db)  # nothing of the load


def test_disk_full_during_a_load_is_not_blamed_on_the_log(
        db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB writes a large insert to the file before COMMIT: a full disk fails the insert."""
    real = sqlfiles.run

    def run(con: duckdb.DuckDBPyConnection, name: str, *args: Any, **kw: Any) -> Any:
        if name == "insert_events":
            raise duckdb.IOException(f'IO Error: Could not write file "{db}": No space left '
                                     "on device")
        return real(con, name, *args, **kw)

    monkeypatch.setattr(sqlfiles, "run", run)
    more = _csv(tmp_path / "more.csv", event_row(event_id="new"))
    assert cli_error(["load", str(more), "--db", str(db)]).startswith(
        f"error: --db {db}: no space left on the disk it is on; nothing was saved")


def _event_ids(path: Path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {str(r[0]) for r in con.execute("SELECT event_id FROM events").fetchall()}
    finally:
        con.close()


@contextmanager
def _unwritable(path: Path, mode: int, restore: int) -> Iterator[None]:
    """``path`` cannot be written while the block runs: ``mode`` for a user, chattr +i for
    root (whom modes do not stop); skips the test where root has no chattr."""
    if os.geteuid() != 0:
        path.chmod(mode)
        undo = ["chmod", f"{restore:o}", str(path)]
    elif subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("root, and chattr +i is not available here")
    else:
        undo = ["chattr", "-i", str(path)]
    try:
        yield
    finally:
        subprocess.run(undo, check=True)


def test_load_into_a_folder_that_is_not_writable(db: Path,
                                                 tmp_path_factory: pytest.TempPathFactory) -> None:
    """The real thing: the .wal beside the file cannot be made (as root: chattr +i)."""
    before = _events(db)
    other = _csv(tmp_path_factory.mktemp("logs") / "other.csv", event_row(event_id="o"))
    with _unwritable(db.parent, 0o555, 0o755):
        msg = cli_error(["load", str(other), "--db", str(db)])
    assert msg.startswith(f"error: --db {db}: cannot create "), msg
    assert "is not writable); nothing was saved" in msg
    assert _events(db) == before


def test_new_store_in_a_folder_that_is_not_writable(tmp_path: Path) -> None:
    """The folder, not the (missing) file, is what cannot be written: said so."""
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "new.duckdb"
    logs = _csv(tmp_path / "x.csv", event_row(event_id="a"))
    with _unwritable(folder, 0o555, 0o755):
        msg = cli_error(["load", str(logs), "--db", str(path)])
    assert msg.startswith(f"error: --db {path}: cannot create it: the folder {folder} is not "
                          "writable ("), msg
    assert msg.endswith("); make it writable, or give a file in a folder that is")
    assert not path.exists()


def test_restored_store_beside_a_stale_wal(tmp_path: Path) -> None:
    """A writer died after a commit (its .wal left); the file is then restored from a backup:
    the .wal is named as what does not belong, to be moved aside (never removed here)."""
    path = tmp_path / "x.duckdb"
    with Store(path) as store:
        store.load([str(_csv(tmp_path / "a.csv", event_row(event_id="a")))])
    backup = path.read_bytes()
    with Store(path) as store:  # a later load: the file moves on from the backup
        store.load([str(_csv(tmp_path / "b.csv", event_row(event_id="b")))])
    code = ("import duckdb, os\n"
            f"con = duckdb.connect({str(path)!r})\n"
            "con.execute('PRAGMA disable_checkpoint_on_shutdown')\n"
            "con.execute(\"DELETE FROM events WHERE event_id = 'a'\")\n"
            "os._exit(0)\n")
    subprocess.run([sys.executable, "-c", code], check=True)
    wal = Path(f"{path}.wal")
    assert wal.exists()
    path.write_bytes(backup)
    for cmd in (["report", "--db", str(path)], ["load", str(SMALL), "--db", str(path)]):
        assert cli_error(cmd) == (
            f"error: --db {path}: the x.duckdb.wal beside it does not belong to it (an earlier "
            "version of the file left it: a file restored from a backup without its .wal?); "
            f"move {wal} aside and retry (the changes it holds are lost; a backup restored "
            "with its own .wal, or with none, opens)")
    assert wal.exists()
    wal.rename(tmp_path / "aside.wal")
    assert _events(path) == 1


# -- Ctrl-C ------------------------------------------------------------------------------------

@pytest.fixture
def interrupt_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Ctrl-C while the statement named in the list runs: DuckDB aborts the transaction and
    raises 'Query interrupted' (later statements in it fail: the temp table drops)."""
    names: list[str] = []
    real = sqlfiles.run

    def run(con: duckdb.DuckDBPyConnection, name: str, *args: Any, **kw: Any) -> Any:
        if name in names:
            with pytest.raises(duckdb.Error):
                con.execute("SELECT CAST('x' AS INTEGER)")  # aborts the transaction
            raise RuntimeError("Query interrupted")
        return real(con, name, *args, **kw)

    monkeypatch.setattr(sqlfiles, "run", run)
    yield names


def test_ctrl_c_during_a_load(db: Path, tmp_path: Path, interrupt_at: list[str]) -> None:
    before = _events(db)
    interrupt_at.append("insert_events")
    more = _csv(tmp_path / "more.csv", event_row(event_id="new"))
    result = _invoke(["load", str(more), "--db", str(db)])
    assert result.exit_code == 130
    assert result.stderr == "interrupted: nothing was loaded (the --db file is as it was)\n"
    interrupt_at.clear()
    assert _events(db) == before and "new" not in _event_ids(db)


def test_ctrl_c_in_python_raises_the_interrupt(db: Path, tmp_path: Path,
                                               interrupt_at: list[str]) -> None:
    """Not the failing drop of a temp table in the aborted transaction that follows it."""
    interrupt_at.append("insert_events")
    with Store(db) as store, pytest.raises(RuntimeError, match="Query interrupted"):
        store.load([str(_csv(tmp_path / "more.csv", event_row(event_id="new")))])


def test_ctrl_c_during_a_report(db: Path, interrupt_at: list[str]) -> None:
    interrupt_at.append("count_events")
    result = _invoke(["report", "--db", str(db)])
    assert (result.exit_code, result.stderr) == (130, "interrupted\n")


def _load_under_sigterm_handler(tmp_path: Path, db: Path) -> Any:
    """``load more.csv --db db`` with the CLI's SIGTERM handler installed (as the entry point
    does), the test process's own handler restored after."""
    from planalyzer.cli_support import Terminated, on_sigterm

    old = signal.getsignal(signal.SIGTERM)
    on_sigterm()
    try:
        return _invoke(["load", str(_csv(tmp_path / "more.csv", event_row(event_id="new"))),
                        "--db", str(db)])
    finally:
        signal.signal(signal.SIGTERM, old)
        Terminated.seen = False


def test_sigterm_during_a_load(db: Path, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM (a service stopped): the line Ctrl-C gets, exit 143, the store as it was."""
    before = _events(db)
    real = sqlfiles.run

    def run(con: duckdb.DuckDBPyConnection, name: str, *args: Any, **kw: Any) -> Any:
        if name == "insert_events":
            os.kill(os.getpid(), signal.SIGTERM)
        return real(con, name, *args, **kw)

    monkeypatch.setattr(sqlfiles, "run", run)
    result = _load_under_sigterm_handler(tmp_path, db)
    assert result.exit_code == 143
    assert result.stderr == "interrupted: nothing was loaded (the --db file is as it was)\n"
    monkeypatch.undo()
    assert _events(db) == before


def _signal_in_commit(monkeypatch: pytest.MonkeyPatch, sig: int) -> None:
    """The signal comes while the load's COMMIT runs (a second Ctrl-C after a first one the
    load did not stop at once): DuckDB would raise 'Query interrupted' for it, the
    transaction already durable."""
    real = Store._commit

    def commit(self: Store) -> None:
        os.kill(os.getpid(), sig)
        real(self)

    monkeypatch.setattr(Store, "_commit", commit)


@pytest.mark.parametrize("fresh", [False, True], ids=["into a store", "a new file"])
def test_ctrl_c_during_the_commit_says_the_load_was_saved(
        db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh: bool) -> None:
    """The COMMIT is not cut: it ends, then the interrupt acts, and the line says the file
    holds the load (it said 'nothing was loaded' over a file that held it all)."""
    path = tmp_path / "new.duckdb" if fresh else db
    _signal_in_commit(monkeypatch, signal.SIGINT)
    result = _invoke(["load", str(_csv(tmp_path / "more.csv", event_row(event_id="new"))),
                      "--db", str(path)])
    assert result.exit_code == 130
    assert result.stderr == "interrupted after the load was saved (the --db file holds it)\n"
    monkeypatch.undo()
    assert "new" in _event_ids(path)


def test_sigterm_during_the_commit_says_the_load_was_saved(
        db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _signal_in_commit(monkeypatch, signal.SIGTERM)
    result = _load_under_sigterm_handler(tmp_path, db)
    assert result.exit_code == 143
    assert result.stderr == "interrupted after the load was saved (the --db file holds it)\n"
    monkeypatch.undo()
    assert "new" in _event_ids(db)


def test_ctrl_c_during_the_commit_in_python(db: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The library: KeyboardInterrupt once the COMMIT is done; Store.committed says so."""
    _signal_in_commit(monkeypatch, signal.SIGINT)
    with Store(db) as store:
        with pytest.raises(KeyboardInterrupt):
            store.load([str(_csv(tmp_path / "more.csv", event_row(event_id="new")))])
        assert store.committed
    monkeypatch.undo()
    assert "new" in _event_ids(db)


def test_a_second_ctrl_c_while_a_new_file_is_removed(tmp_path: Path, interrupt_at: list[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The load is interrupted, and a second Ctrl-C comes while the new store it leaves is
    removed: the removal ends first (no empty store is left behind)."""
    from planalyzer import store_new

    real = store_new.released

    def released(path: Path) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        real(path)

    monkeypatch.setattr(store_new, "released", released)
    interrupt_at.append("insert_events")
    path = tmp_path / "new.duckdb"
    result = _invoke(["load", str(_csv(tmp_path / "more.csv", event_row(event_id="new"))),
                      "--db", str(path)])
    assert (result.exit_code, result.stderr) == (
        130, "interrupted: nothing was loaded (the --db file is as it was)\n")
    assert not path.exists()


def test_held_signals_come_after_the_block() -> None:
    """A Ctrl-C inside held() is not acted on there (DuckDB's query, which checks Python's
    signals, sees none and runs to its end); it comes after the block, once, and the
    handler is the one it had before."""
    from planalyzer.held_signals import held

    con = duckdb.connect()
    done: list[Any] = []
    with pytest.raises(KeyboardInterrupt), held():
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)
        done.extend(con.execute("SELECT sum(x) FROM range(100000) t(x)").fetchall())
        done.append("ended")
    assert done == [(4999950000,), "ended"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    con.close()


@pytest.mark.parametrize("cmd", [["report"], ["whatif", "--scenario",
                                              "max20x_weekly_cap_overage"]])
def test_ctrl_c_in_an_analysis_that_loads_says_whether_it_was_saved(
        tmp_path: Path, interrupt_at: list[str], monkeypatch: pytest.MonkeyPatch,
        cmd: list[str]) -> None:
    """`report SOURCES --db` loads as `load` does, and says the same: nothing was loaded
    (the new file is removed), or the load was saved (the analysis after it interrupted)."""
    more = _csv(tmp_path / "more.csv", event_row(event_id="new"))
    path = tmp_path / "new.duckdb"
    interrupt_at.append("insert_events")
    result = _invoke([*cmd, str(more), "--db", str(path), "-q"])
    assert (result.exit_code, result.stderr) == (
        130, "interrupted: nothing was loaded (the --db file is as it was)\n")
    assert not path.exists()
    interrupt_at.clear()

    def stop(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    import planalyzer.report
    import planalyzer.whatif

    monkeypatch.setattr(planalyzer.report, "build_report", stop)
    monkeypatch.setattr(planalyzer.whatif, "prepare", stop)
    result = _invoke([*cmd, str(more), "--db", str(path), "-q"])
    assert (result.exit_code, result.stderr) == (
        130, "interrupted after the load was saved (the --db file holds it)\n")
    monkeypatch.undo()
    assert "new" in _event_ids(path)


# -- what the store's loads rejected --------------------------------------------------------

def test_analysis_over_a_store_says_its_rejected_rows(tmp_path: Path) -> None:
    path = tmp_path / "r.duckdb"
    logs = _csv(tmp_path / "x.csv", event_row(event_id="a"), event_row(event_id="b"),
                event_row(event_id="c", output_tokens=-5))
    with Store(path) as store:
        store.load([str(logs)])
    line = (f"--db {path} holds 3 rows read = 2 loaded + 1 rejected + 0 duplicates (1 file(s)); "
            "rejected: negative token count x1 (kept in its rejected_rows table)\n")
    for cmd in (["report", "--db", str(path)], ["costs", "--db", str(path), "-q"],
                ["report", str(logs), "--db", str(path), "-q"]):  # the file unchanged
        result = _invoke(cmd)
        assert result.exit_code == 0
        assert line in result.stderr, (cmd, result.stderr)


def test_analysis_over_a_clean_store_says_nothing_more(db: Path) -> None:
    assert "holds" not in _invoke(["report", "--db", str(db)]).stderr


# -- --db paths ------------------------------------------------------------------------------

def test_failed_load_leaves_no_new_store(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    assert "no such file or folder" in cli_error(["load", str(tmp_path / "nope.csv"),
                                                  "--db", str(path)])
    assert not path.exists() and not Path(f"{path}.wal").exists()


def test_empty_file_is_a_new_store(tmp_path: Path) -> None:
    path = tmp_path / "mktemp.duckdb"
    path.write_bytes(b"")
    assert cli_error(["report", "--db", str(path)]) == (
        f"error: --db {path}: an empty file (0 bytes) holds no events; load logs into it "
        f"first (planalyzer load SOURCES --db {path})")
    cli_error(["load", str(tmp_path / "nope.csv"), "--db", str(path)])
    assert path.stat().st_size == 0  # a failed load leaves it as it was
    assert _invoke(["load", str(SMALL), "--db", str(path)]).exit_code == 0
    assert _events(path) > 0


def test_db_folder_and_missing_folder(tmp_path: Path) -> None:
    assert cli_error(["load", str(SMALL), "--db", str(tmp_path)]) == (
        f"error: --db {tmp_path}: a folder, not a file; give a file path such as "
        f"{tmp_path / 'usage.duckdb'}")
    missing = tmp_path / "nope" / "x.duckdb"
    assert cli_error(["load", str(SMALL), "--db", str(missing)]) == (
        f"error: --db {missing}: the folder {missing.parent} does not exist; create the "
        "folder first, or give a file in an existing folder")
    assert not missing.parent.exists()


def test_db_path_ending_in_a_slash_is_a_folder(tmp_path: Path) -> None:
    """``Store("newdir/")`` (no such folder) once made a DuckDB file named newdir (qa15B #9;
    the CLI's --db reaches the library as a Path, which drops the slash)."""
    named = f"{tmp_path / 'newdir'}/"
    with pytest.raises(InputError) as err:
        Store(named)
    assert str(err.value) == (
        f"--db {named}: names a folder (it ends in /), which does not exist; give a file "
        f"path such as {tmp_path / 'newdir' / 'usage.duckdb'} in an existing folder")
    assert not (tmp_path / "newdir").exists()


def test_db_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "ff"
    os.mkfifo(fifo)
    for args in (["report", "--db", str(fifo)], ["load", str(SMALL), "--db", str(fifo)]):
        assert cli_error(args) == (f"error: --db {fifo}: not a regular file (a pipe, socket "
                                   "or device); give the path of a DuckDB file, or of a new "
                                   "one to create")


def test_older_store_that_cannot_be_written(db: Path) -> None:
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE folder_listings")
    con.close()
    with _unwritable(db, 0o444, 0o644):
        msg = cli_error(["report", "--db", str(db)])
    assert msg.startswith(f"error: --db {db}: made by an older planalyzer: it lacks the "
                          "table(s) folder_listings, which are added when it is opened for "
                          "writing once"), msg
    assert f"run any load into it (planalyzer load SOURCES --db {db})" in msg


def test_same_file_open_in_this_process_the_other_way(db: Path) -> None:
    with Store(db), pytest.raises(InputError, match=(
            f"--db {db}: already open for writing in this process, so it cannot be opened "
            "read-only as well; close that Store")):
        Store(db, read_only=True)
    with Store(db, read_only=True), pytest.raises(InputError, match=(
            "already open read-only in this process, so it cannot be opened for writing")):
        Store(db)


def test_manifest_read_options_not_json(tmp_path: Path) -> None:
    """A hand-edited load_manifest.read_options that is not JSON: one clear error, exit 2
    (it was a JSONDecodeError traceback; qa15B #7)."""
    src = tmp_path / "a.csv"
    src.write_text("event_id,ts,user_id,model,input_tokens,output_tokens\n"
                   "a,2026-10-01 10:00:00,alice,gpt-5,20,0\n", encoding="utf-8")
    db = tmp_path / "s.duckdb"
    assert _invoke(["load", str(src), "--db", str(db)]).exit_code == 0
    con = duckdb.connect(str(db))
    con.execute("UPDATE load_manifest SET read_options = '{not json'")
    con.close()
    with src.open("a", encoding="utf-8") as fh:
        fh.write("b,2026-10-01 11:00:00,alice,gpt-5,30,0\n")
    assert cli_error(["load", str(src), "--db", str(db)]) == (
        "error: the --db file's load_manifest holds read options that are not JSON "
        "('{not json'): the file was edited or damaged; load the files into a new --db file")


def test_recorded_dedupe_key_not_a_column(tmp_path: Path) -> None:
    """A hand-edited recorded dedupe key is the store's fault, not a --dedupe-on the user did
    not give (qa15B #7)."""
    db = tmp_path / "s.duckdb"
    assert _invoke(["load", str(SMALL), "--db", str(db)]).exit_code == 0
    con = duckdb.connect(str(db))
    con.execute("UPDATE store_settings SET value = 'user_id,bogus' WHERE name = 'dedupe_on'")
    con.close()
    assert cli_error(["load", str(SMALL), "--db", str(db)]) == (
        f"error: --db {db}: its recorded dedupe key 'user_id,bogus' names 'bogus', not a "
        "canonical column: the file was edited or damaged; load the files into a new --db file")


@pytest.mark.parametrize(("table", "create", "shown"), [
    ("store_settings", "CREATE TABLE store_settings (name VARCHAR, value INTEGER)",
     "name VARCHAR, value INTEGER"),
    ("store_settings", "CREATE TABLE store_settings (k VARCHAR)", "k VARCHAR"),
    ("duplicate_links", "CREATE TABLE duplicate_links (a INTEGER, b INTEGER)",
     "a INTEGER, b INTEGER"),
])
def test_bookkeeping_table_with_other_columns(db: Path, table: str, create: str,
                                              shown: str) -> None:
    """store_settings or duplicate_links recreated with other columns: one clear error naming
    the table, exit 2 (it was a DuckDB Conversion/Binder traceback; qa15B #7)."""
    con = duckdb.connect(str(db))
    con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(create)
    con.close()
    needed = {"store_settings": "name VARCHAR, value VARCHAR",
              "duplicate_links": "source VARCHAR, kept_source VARCHAR"}[table]
    assert cli_error(["load", str(SMALL), "--db", str(db)]) == (
        f"error: --db {db}: its {table} table has columns {shown}, not planalyzer's "
        f"({needed}); it was changed by hand or by another tool: drop it (DROP TABLE "
        f"{table}) and planalyzer recreates it, or give a new file name")
    assert _invoke(["report", "--db", str(db)]).exit_code == 0  # analysis does not read it
    con = duckdb.connect(str(db))
    con.execute(f"DROP TABLE {table}")
    con.close()
    assert _invoke(["load", str(SMALL), "--db", str(db)]).exit_code == 0  # the remedy works
