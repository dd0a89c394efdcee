"""Opening a --db file: analysis with no sources opens it read-only (two at once, or a file
that cannot be written), another tool's database is refused before anything is written to
it, and a file in use says so."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from conftest import SMALL, cli_error, cli_json

from planalyzer.errors import InputError
from planalyzer.store import Store

SCENARIO = (Path(__file__).parent.parent / "planalyzer" / "data" / "scenarios"
            / "max20x_weekly_cap_overage.toml")


def _tables(path: Path) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return sorted(r[0] for r in con.execute("SHOW TABLES").fetchall())
    finally:
        con.close()


@contextmanager
def _held(db: Path, read_only: bool) -> Iterator[int]:
    """Another process holding ``db`` open (read-only, or for writing) while inside; its PID."""
    code = textwrap.dedent(f"""
        import sys, duckdb
        con = duckdb.connect({str(db)!r}, read_only={read_only})
        print("open", flush=True)
        sys.stdin.read()
    """)
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "open"
        yield child.pid
    finally:
        child.communicate("")


def test_analysis_while_another_process_reads(db: Path) -> None:
    """A second report while the file is open read-only elsewhere: both read it."""
    with _held(db, read_only=True) as pid:
        for cmd in (["report", "--db", str(db)], ["costs", "--db", str(db)],
                    ["whatif", "--db", str(db), "--scenario", str(SCENARIO)],
                    ["sweep", "--db", str(db), "--grid", "plans.claude_pro.price_usd=20,25"],
                    ["optimize", "--db", str(db), "--grid", "plans.claude_pro.price_usd=20,25"]):
            assert cli_json(cmd)
        msg = cli_error(["load", str(SMALL), "--db", str(db)])
        assert f"--db {db}: in use by another process (PID {pid})" in msg
        assert "wait for it to finish, or copy the file" in msg
        assert "file planalyzer made" not in msg


def test_report_while_a_load_holds_the_file(db: Path) -> None:
    with _held(db, read_only=False) as pid:
        msg = cli_error(["report", "--db", str(db)])
        assert msg.startswith(f"error: --db {db}: in use by another process (PID {pid}), "
                              "which has it open for writing; wait for it to finish")


def _make_unwritable(path: Path) -> list[str]:
    """chmod 444 (or, as root, who writes anyway: chattr +i); the command that undoes it."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        return ["chmod", "644", str(path)]
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("root, and chattr +i is not available here")
    return ["chattr", "-i", str(path)]


def test_report_on_a_file_that_cannot_be_written(db: Path) -> None:
    undo = _make_unwritable(db)
    try:
        assert cli_json(["report", "--db", str(db)])["plans"]["rows"]
        assert "cannot open it for writing" in cli_error(["load", str(SMALL), "--db", str(db)])
    finally:
        subprocess.run(undo, check=True)


def test_read_only_store_is_not_written(db: Path) -> None:
    before = db.stat().st_mtime_ns, db.read_bytes()
    with Store(db, read_only=True) as store:
        assert store.read_only and store.events_count() > 0
        with pytest.raises(InputError, match="opened read-only"):
            store.load([str(SMALL)])
    assert (db.stat().st_mtime_ns, db.read_bytes()) == before


def test_report_same_with_read_only(db: Path) -> None:
    ro, direct = cli_json(["report", "--db", str(db)]), cli_json(["report", str(SMALL)])
    assert ro.keys() == direct.keys()
    ro_meta, direct_meta = ro.pop("meta"), direct.pop("meta")
    # the sources differ as they should: the store's accounting, or the file named
    assert ro_meta.pop("sources")["db"]["rows_loaded"] == \
        direct_meta.pop("sources")["given"][0]["rows_loaded"]
    assert ro_meta == direct_meta  # the options, not a table
    for name in ro:
        assert ro[name]["rows"] == direct[name]["rows"], name


def test_older_file_missing_a_table_gets_it(db: Path) -> None:
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE folder_listings")
    con.close()
    with Store(db, read_only=True) as store:
        assert not store.read_only  # opened for writing once, to add the table
    assert "folder_listings" in _tables(db)


def test_other_tools_events_table_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE events (a INTEGER)")
    con.close()
    for cmd in (["load", str(SMALL), "--db", str(path)], ["report", "--db", str(path)]):
        msg = cli_error(cmd)
        assert msg.startswith(f"error: --db {path}: not a planalyzer store: its events table "
                              "has columns a, not planalyzer's (event_id, ts,")
    assert _tables(path) == ["events"]


def test_events_table_with_planalyzer_names_but_other_types_refused_untouched(
        tmp_path: Path) -> None:
    """A staging table made with all_varchar (planalyzer's names, every column VARCHAR):
    refused before anything is written, by load and by analysis."""
    from planalyzer.schema import EVENT_COLUMN_NAMES

    path = tmp_path / "staging.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE events (" + ", ".join(
        f"{c} VARCHAR" for c in (*EVENT_COLUMN_NAMES, "source_row")) + ")")
    con.close()
    before = path.read_bytes()
    for cmd in (["load", str(SMALL), "--db", str(path)], ["report", "--db", str(path)]):
        msg = cli_error(cmd)
        assert msg.startswith(
            f"error: --db {path}: not a planalyzer store: its events table has planalyzer's "
            "column names but other types: ts VARCHAR (not TIMESTAMPTZ), input_tokens VARCHAR "
            "(not BIGINT), "), msg
        assert msg.endswith("source_row VARCHAR (not BIGINT); give a new file name "
                            "(planalyzer creates it)"), msg
        assert "event_id" not in msg  # VARCHAR, as planalyzer's
    assert _tables(path) == ["events"] and path.read_bytes() == before


def test_other_tools_database_without_events_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE orders (a INTEGER)")
    con.close()
    with pytest.raises(InputError, match=r"not a planalyzer store: it holds other tables "
                                         r"\(orders\) and no events table"):
        Store(path)
    assert _tables(path) == ["orders"]


def test_empty_duckdb_file_is_used(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    with Store(path) as store:
        store.load([str(SMALL)])
        assert store.events_count() > 0


def test_sqlite_file_is_named_not_downloaded(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "x.db"
    sq = sqlite3.connect(path)
    sq.execute("CREATE TABLE t (a)")
    sq.commit()
    sq.close()
    msg = cli_error(["report", "--db", str(path)])
    assert msg == (f"error: --db {path}: a SQLite database, not a DuckDB one; give a new file "
                   "name (planalyzer creates it)")
