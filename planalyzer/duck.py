"""Opening DuckDB connections: the settings every connection planalyzer opens shares.

planalyzer is an offline tool: DuckDB must never download an extension (it would, to read a
SQLite file named as --db, for example). Every connection is opened with automatic install and
automatic load of known extensions off; the extensions planalyzer uses (ICU, JSON, parquet)
are built into the duckdb wheel.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from planalyzer import sqlfiles
from planalyzer.errors import ConfigError, MemoryLimitError

OFFLINE: dict[str, Any] = {"autoinstall_known_extensions": False,
                           "autoload_known_extensions": False}

_DUCKDB_MAGIC = b"DUCK"  # bytes 8..12 of a DuckDB database file
_KNOWN_MAGIC = ((b"SQLite format 3\x00", "a SQLite database"), (b"PAR1", "a parquet file"),
                (b"\x1f\x8b", "a gzip file"), (b"PK\x03\x04", "a zip file"))


def connect(database: str = ":memory:", config: dict[str, Any] | None = None,
            read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that never installs or loads extensions by itself."""
    return duckdb.connect(database, read_only=read_only, config={**OFFLINE, **(config or {})})


DEFAULT_MEMORY_LIMIT = "2GB"  # DuckDB's memory limit in a Store (PLANALYZER_MEMORY_LIMIT)
# a size as DuckDB's memory_limit takes it (no sign: DuckDB reads "-1GB" as no limit)
_SIZE = re.compile(r"\s*\d+(\.\d+)?\s*(b|bytes|kb|kib|mb|mib|gb|gib|tb|tib)\s*", re.I)


def memory_limit(given: str | None) -> str:
    """The memory limit to set: ``given``, else PLANALYZER_MEMORY_LIMIT, else 2GB; a value
    that is not a size (``-1GB``, ``lots``) is a ConfigError naming where it came from."""
    where = "memory limit"
    limit = given
    if limit is None and os.environ.get("PLANALYZER_MEMORY_LIMIT"):
        where, limit = "PLANALYZER_MEMORY_LIMIT", os.environ["PLANALYZER_MEMORY_LIMIT"]
    if limit is None:
        return DEFAULT_MEMORY_LIMIT
    if not _SIZE.fullmatch(limit):
        raise ConfigError(f"{where} {limit!r}: write it like 2GB or 500MB")
    return limit


def memory_error(exc: BaseException) -> MemoryLimitError | None:
    """DuckDB ran out of memory under the limit planalyzer set: what to raise (never a
    verdict on the data being read). It says to raise the limit; what else applies depends on
    the command (planalyzer.cli_support.user_errors adds it)."""
    if not isinstance(exc, duckdb.OutOfMemoryException):
        return None
    env = os.environ.get("PLANALYZER_MEMORY_LIMIT")
    now = f"PLANALYZER_MEMORY_LIMIT={env}" if env else f"the default {DEFAULT_MEMORY_LIMIT}"
    return MemoryLimitError(f"DuckDB ran out of memory under planalyzer's memory limit "
                            f"({now}): raise it, e.g. PLANALYZER_MEMORY_LIMIT=8GB")


def foreign_file(path: Path) -> str | None:
    """What a non-empty file that is not a DuckDB database is ("a SQLite database", "not a
    DuckDB database"), or None for a DuckDB file, an empty file or no file."""
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    except OSError as exc:
        return f"not readable ({exc.strerror or exc})"
    if not head or head[8:12] == _DUCKDB_MAGIC:
        return None
    for magic, what in _KNOWN_MAGIC:
        if head.startswith(magic):
            return what
    return "not a DuckDB database"


@contextmanager
def one_thread(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the statements of the block on one DuckDB thread, the connection's thread count
    restored after (sql/current_threads.sql, sql/set_threads.sql)."""
    threads = int(sqlfiles.run(con, "current_threads").fetchall()[0][0])
    sqlfiles.run(con, "set_threads", {"threads": 1}).fetchall()
    try:
        yield
    finally:
        sqlfiles.run(con, "set_threads", {"threads": threads}).fetchall()
