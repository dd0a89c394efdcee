"""Opening DuckDB connections: the settings every connection planalyzer opens shares.

planalyzer is an offline tool: DuckDB must never download an extension (it would, to read a
SQLite file named as --db, for example). Every connection is opened with automatic install and
automatic load of known extensions off; the extensions planalyzer uses (ICU, JSON, parquet)
are built into the duckdb wheel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

OFFLINE: dict[str, Any] = {"autoinstall_known_extensions": False,
                           "autoload_known_extensions": False}

_DUCKDB_MAGIC = b"DUCK"  # bytes 8..12 of a DuckDB database file
_KNOWN_MAGIC = ((b"SQLite format 3\x00", "a SQLite database"), (b"PAR1", "a parquet file"),
                (b"\x1f\x8b", "a gzip file"), (b"PK\x03\x04", "a zip file"))


def connect(database: str = ":memory:", config: dict[str, Any] | None = None,
            read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that never installs or loads extensions by itself."""
    return duckdb.connect(database, read_only=read_only, config={**OFFLINE, **(config or {})})


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
