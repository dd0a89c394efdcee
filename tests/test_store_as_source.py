"""A --db store (a DuckDB file) named as a log source: one error saying to read it with --db,
recognised by DuckDB's magic bytes whatever the file's name (qa13B #2), never "no log files
found ... name --input-format" nor a parquet reader's "re-export it"."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from conftest import cli_error

from planalyzer.sources import files

pytestmark = pytest.mark.usefixtures("_in_tmp")


@pytest.fixture
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def _duckdb_file(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (a INTEGER)")
    con.close()
    return path


def test_duckdb_magic_bytes_at_offset_8(tmp_path: Path) -> None:
    store = _duckdb_file(tmp_path / "usage.duckdb")
    assert store.read_bytes()[8:12] == b"DUCK"  # the header the check reads (DuckDB 2.0)
    assert files.is_duckdb_file(store)
    (tmp_path / "a.csv").write_text("user_id\nu1\n")
    (tmp_path / "short").write_bytes(b"DUCK")
    assert not files.is_duckdb_file(tmp_path / "a.csv")
    assert not files.is_duckdb_file(tmp_path / "short")
    assert not files.is_duckdb_file(tmp_path / "nope.duckdb")
    os.mkfifo(tmp_path / "pipe.duckdb")  # never opened: opening would block
    assert not files.is_duckdb_file(tmp_path / "pipe.duckdb")


@pytest.mark.parametrize("command", [["report"], ["costs"], ["load"], ["map"],
                                     ["whatif", "-s", "max20x_weekly_cap_overage"],
                                     ["sweep", "--grid", "plans.claude_pro.price_usd=20,25"]])
def test_a_store_named_as_a_source_says_to_use_db(tmp_path: Path, command: list[str]) -> None:
    _duckdb_file(tmp_path / "usage.duckdb")
    err = cli_error([*command, "usage.duckdb"])
    assert err == ("error: usage.duckdb: a planalyzer store (a DuckDB file), not a log file: "
                   "read it with --db usage.duckdb")


def test_input_format_does_not_read_a_store_as_a_log(tmp_path: Path) -> None:
    _duckdb_file(tmp_path / "usage.duckdb")
    for fmt in ("parquet", "csv", "jsonl"):
        err = cli_error(["report", "usage.duckdb", "--input-format", fmt])
        assert "read it with --db usage.duckdb" in err and "re-export" not in err


def test_recognised_by_content_not_name(tmp_path: Path) -> None:
    """A store under any name (usage.db, a .parquet name, in a folder) is named as one; a
    file that merely ends in .duckdb is not."""
    _duckdb_file(tmp_path / "usage.db")
    assert "read it with --db usage.db" in cli_error(["report", "usage.db"])
    (tmp_path / "logs").mkdir()
    _duckdb_file(tmp_path / "logs" / "events.parquet")
    err = cli_error(["report", "logs"])
    assert err.endswith("events.parquet: a planalyzer store (a DuckDB file), not a log file: "
                        f"read it with --db {tmp_path / 'logs' / 'events.parquet'}")
    (tmp_path / "empty.duckdb").write_text("not a database\n")
    assert "no log files found" in cli_error(["report", "empty.duckdb"])


def test_a_path_with_spaces_is_quoted_for_the_shell(tmp_path: Path) -> None:
    _duckdb_file(tmp_path / "my usage.duckdb")
    assert cli_error(["costs", "my usage.duckdb"]).endswith("--db 'my usage.duckdb'")
