"""Opening a store's DuckDB file: the connection (read-only for analysis, never fetching an
extension), why a file cannot be opened and what to do, and which of planalyzer's tables a
file lacks (another tool's database is refused before anything is written to it)."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from planalyzer import duck, sqlfiles
from planalyzer.errors import InputError
from planalyzer.schema import EVENT_COLUMN_NAMES
from planalyzer.sources import registry

# run when a store is opened for writing; store_settings is only read by loads, so a file
# without it is not reopened for writing by analysis (BASE_TABLES)
CREATE_TABLES = ("create_events", "create_rejected_rows", "create_load_manifest",
                 "add_manifest_read_options", "create_skipped_lines", "create_folder_listings",
                 "create_store_settings")
BASE_TABLES = ("events", "rejected_rows", "load_manifest", "skipped_lines", "folder_listings")


def open_connection(path: Path | None, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A connection to ``path`` (None: in memory). DuckDB never fetches an extension (a file
    it could only read with one, SQLite say, is refused by its first bytes before this:
    planalyzer.duck.foreign_file in Store)."""
    try:
        return duck.connect(str(path) if path else ":memory:", read_only=read_only)
    except duckdb.Error as exc:
        raise open_error(path, read_only, exc) from None


def open_error(path: Path | None, read_only: bool, exc: duckdb.Error) -> InputError:
    """Why ``path`` cannot be opened, and what to do: in use, not writable, not DuckDB."""
    text = first_line(exc)
    if "Could not set lock" in text or "Conflicting lock" in text:
        pid = re.search(r"\(PID (\d+)\)", str(exc))
        who = f" (PID {pid.group(1)})" if pid else ""
        held = "for writing (a load)" if read_only else "(a load, or a report)"
        return InputError(f"--db {path}: in use by another process{who}, which holds it "
                          f"{held}; wait for it to finish, or copy the file and give the copy")
    if not read_only and any(w in text for w in ("Permission denied", "not permitted",
                                                 "Read-only file system")):
        return InputError(f"--db {path}: cannot open it for writing ({text}); a load needs "
                          "a writable file: check its permissions, or give a new file name")
    return InputError(f"--db {path}: cannot open as a DuckDB database ({text}); give a new "
                      "file name or a file planalyzer made")


def missing_tables(con: duckdb.DuckDBPyConnection, path: Path | None) -> list[str]:
    """planalyzer's tables the opened file lacks (all of them for a new file). A file with
    tables of its own and no planalyzer events table (another tool's database) is an
    InputError: nothing is created in it."""
    if path is None:
        return [*BASE_TABLES]  # a new in-memory database: nothing in it yet
    have = {str(name): cols for name, cols in sqlfiles.run(con, "store_tables").fetchall()}
    expected = (*EVENT_COLUMN_NAMES, "source_row")
    if "events" in have:
        cols = list(have["events"] or [])
        if not set(expected) <= set(cols):
            raise InputError(f"--db {path}: not a planalyzer store: its events table has "
                             f"columns {', '.join(cols) or 'none'}, not planalyzer's "
                             f"({', '.join(expected)}); give a new file name (planalyzer "
                             "creates it)")
    elif have:
        shown = ", ".join(sorted(have)[:5]) + (", ..." if len(have) > 5 else "")
        raise InputError(f"--db {path}: not a planalyzer store: it holds other tables "
                         f"({shown}) and no events table; give a new file name (planalyzer "
                         "creates it)")
    extra = [t for m in registry.modules() for t in m.extra_tables]
    return [t for t in (*BASE_TABLES, *extra) if t not in have]


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (DuckDB's run on over several)."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
