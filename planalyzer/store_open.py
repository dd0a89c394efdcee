"""Opening a store's DuckDB file: the connection (read-only for analysis, never fetching an
extension), why a file cannot be opened and what to do, and which of planalyzer's tables a
file lacks (another tool's database is refused before anything is written to it)."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import duckdb

from planalyzer import duck, sqlfiles, store_new
from planalyzer.errors import InputError
from planalyzer.schema import EVENT_COLUMN_NAMES, EVENT_COLUMNS
from planalyzer.sources import registry

# run when a store is opened for writing; store_settings, bucket_fetches and dropped_copies
# are only read by loads, so a file without them is not reopened for writing by analysis
# (BASE_TABLES)
CREATE_TABLES = ("create_events", "create_rejected_rows", "create_load_manifest",
                 "add_manifest_read_options", "create_skipped_lines", "create_folder_listings",
                 "create_store_settings", "create_bucket_fetches",
                 "add_bucket_fetch_cut", "create_dropped_copies")
BASE_TABLES = ("events", "rejected_rows", "load_manifest", "skipped_lines", "folder_listings")


def open_connection(path: Path | None, read_only: bool,
                    adding: Sequence[str] = ()) -> duckdb.DuckDBPyConnection:
    """A connection to ``path`` (None: in memory). DuckDB never fetches an extension (a file
    it could only read with one, SQLite say, is refused by its first bytes before this:
    planalyzer.duck.foreign_file in Store). ``adding``: the tables an older planalyzer's file
    lacks, when it is opened for writing only to add them (for a read-only analysis)."""
    if path is not None:
        check_path(path, read_only)
    try:
        return duck.connect(str(path) if path else ":memory:", read_only=read_only)
    except duckdb.Error as exc:
        raise open_error(path, read_only, exc, adding) from None


def check_path(path: Path, read_only: bool) -> None:
    """A --db path DuckDB cannot use, said plainly before DuckDB tries: a folder (``--db ''``
    is the current folder), a folder that does not exist; an empty file (0 bytes: ``touch``,
    ``mktemp``) is a new store: removed here so that DuckDB creates the file in its place."""
    if path.is_dir():
        raise InputError(f"--db {path}: a folder, not a file; give a file path such as "
                         f"{path / 'usage.duckdb'}")
    parent = path.parent
    if not path.exists() and not parent.is_dir():
        what = (f"{parent} is a file, not a folder" if parent.exists()
                else f"the folder {parent} does not exist")
        raise InputError(f"--db {path}: {what}; create the folder first, or give a file in "
                         "an existing folder")
    if path.is_file() and path.stat().st_size == 0:
        if read_only:
            raise InputError(f"--db {path}: an empty file (0 bytes) holds no events; load "
                             f"logs into it first (planalyzer load SOURCES --db {path})")
        try:  # never one another process holds (its DuckDB may have just created it)
            cleared = store_new.clear_empty(path)
        except OSError as exc:
            raise InputError(f"--db {path}: an empty file, which a new store replaces, and "
                             f"{folder_not_writable(path, exc)}") from None
        if not cleared:
            raise InputError(f"--db {path}: in use by another process, which has it open; "
                             "wait for it to finish, or copy the file and give the copy")


def folder_not_writable(path: Path, exc: BaseException) -> str:
    """Why a new store cannot be made at ``path``: its folder (not the file) is the problem."""
    return (f"the folder {path.parent} is not writable ({first_line(exc)}); make it "
            "writable, or give a file in a folder that is")


def open_error(path: Path | None, read_only: bool, exc: duckdb.Error,
               adding: Sequence[str] = ()) -> InputError:
    """Why ``path`` cannot be opened, and what to do: in use, not writable, not DuckDB."""
    text = first_line(exc)
    if "Could not set lock" in text or "Conflicting lock" in text or (
            path is not None and "not a valid DuckDB database" in text
            and store_new.locked_elsewhere(path)):  # another's new file, its header unwritten
        pid = re.search(r"\(PID (\d+)\)", str(exc))
        who = f" (PID {pid.group(1)})" if pid else ""
        held = " for writing" if read_only else ""
        return InputError(f"--db {path}: in use by another process{who}, which has it open"
                          f"{held}; wait for it to finish, or copy the file and give the copy")
    if "different configuration" in text:  # open in this process in the other mode
        mode, other = ("read-only", "for writing") if read_only else ("for writing",
                                                                       "read-only")
        return InputError(f"--db {path}: already open {other} in this process, so it cannot "
                          f"be opened {mode} as well; close that Store (or connection) "
                          "first, or open it the same way")
    if not read_only and any(w in text for w in ("Permission denied", "not permitted",
                                                 "Read-only file system")):
        if adding:
            return InputError(f"--db {path}: made by an older planalyzer: it lacks the "
                              f"table(s) {', '.join(adding)}, which are added when it is "
                              f"opened for writing once, and it cannot be written ({text}); "
                              f"make it writable and run any load into it (planalyzer load "
                              f"SOURCES --db {path}), or copy it and give the copy")
        if path is not None and not path.exists():  # a new file: the folder says no
            return InputError(f"--db {path}: cannot create it: "
                              f"{folder_not_writable(path, exc)}")
        return InputError(f"--db {path}: cannot open it for writing ({text}); a load needs "
                          "a writable file: check its permissions, or give a new file name")
    if path is not None and "Failure while replaying WAL" in text:
        wal = path.with_name(path.name + ".wal")
        return InputError(f"--db {path}: the {wal.name} beside it does not belong to it (an "
                          "earlier version of the file left it: a file restored from a backup "
                          f"without its .wal?); move {wal} aside and retry (the changes it "
                          "holds are lost; a backup restored with its own .wal, or with "
                          "none, opens)")
    damaged = store_error(path, exc)
    if damaged is not None:
        return damaged
    return InputError(f"--db {path}: cannot open as a DuckDB database ({text}); give a new "
                      "file name or a file planalyzer made")


def store_error(path: Path | None, exc: BaseException) -> InputError | None:
    """A DuckDB error that is about the --db file itself, not about the query or a log: the
    file damaged (cut short by an interrupted copy or a full disk, bytes changed), or a write
    that failed (disk full, the folder not writable for the ``.wal`` file beside it). None for
    any other error."""
    if path is None or not isinstance(exc, duckdb.Error):
        return None
    text = str(exc)
    named = re.search(r'file "([^"]+)"', text)
    if named and not _same_file(Path(named.group(1)), path):
        return None  # about another file (a log, a temporary file)
    if "Could not read enough bytes" in text or "Corrupt database file" in text:
        at = re.search(r"location (\d+)", text)
        size = path.stat().st_size if path.is_file() else 0
        if "Could not read enough" in text:
            why = "cut short" + (f": it ends at byte {size:,}" if size else "")
        else:
            why = "checksum mismatch" + (f" in the block at byte {int(at.group(1)):,}"
                                         if at else "")
        return InputError(f"--db {path}: damaged ({why}); restore it from a backup, or load "
                          "the logs into a new file")
    if "No space left on device" in text:
        return InputError(f"--db {path}: no space left on the disk it is on; nothing was "
                          "saved (the file is as it was): free space, or give a --db file on "
                          "another disk")
    if named and named.group(1).endswith(".wal") and any(
            w in text for w in ("Permission denied", "not permitted", "Read-only file system")):
        return InputError(f"--db {path}: cannot create {named.group(1)} beside it (the folder "
                          f"{path.parent} is not writable); nothing was saved (the file is as "
                          "it was): make the folder writable, or copy the file to one that is")
    if "Failed to commit" in text:
        return InputError(f"--db {path}: the load could not be saved ({first_line(exc)}); "
                          "nothing was changed")
    return None


def _same_file(a: Path, b: Path) -> bool:
    """``a`` is the store ``b`` or its write-ahead log."""
    a, b = a.resolve(), b.resolve()
    return a == b or a == b.with_name(b.name + ".wal")


def interrupted(exc: BaseException) -> bool:
    """Ctrl-C: a KeyboardInterrupt, DuckDB's "Query interrupted" for it, or an error raised
    while handling one (a statement after it in the aborted transaction)."""
    seen: BaseException | None = exc
    for _ in range(20):  # the chain of exceptions raised while handling others
        if seen is None:
            return False
        if isinstance(seen, KeyboardInterrupt | duckdb.InterruptException) or (
                isinstance(seen, RuntimeError) and "Query interrupted" in str(seen)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def missing_tables(con: duckdb.DuckDBPyConnection, path: Path | None,
                   writing: bool = True) -> list[str]:
    """planalyzer's tables the opened file lacks (all of them for a new file). A file with
    tables of its own and no planalyzer events table (another tool's database) is an
    InputError: nothing is created in it; so is, for a load (``writing``), a bookkeeping
    table only loads read with other columns (analysis does not read them)."""
    if path is None:
        return [*BASE_TABLES]  # a new in-memory database: nothing in it yet
    rows = sqlfiles.run(con, "store_tables").fetchall()
    have = {str(name): cols for name, cols, _ in rows}
    expected = (*EVENT_COLUMN_NAMES, "source_row")
    if "events" in have:
        cols = list(have["events"] or [])
        if not set(expected) <= set(cols):
            raise InputError(f"--db {path}: not a planalyzer store: its events table has "
                             f"columns {', '.join(cols) or 'none'}, not planalyzer's "
                             f"({', '.join(expected)}); give a new file name (planalyzer "
                             "creates it)")
        types = next(list(t or []) for name, _, t in rows if name == "events")
        wrong = [f"{c} {t} (not {EVENT_TYPES[c]})" for c, t in zip(cols, types, strict=True)
                 if c in EVENT_TYPES and _type_name(t) != _type_name(EVENT_TYPES[c])]
        if wrong:
            raise InputError(f"--db {path}: not a planalyzer store: its events table has "
                             f"planalyzer's column names but other types: {', '.join(wrong)}; "
                             "give a new file name (planalyzer creates it)")
        if writing:
            _check_settings_tables(rows, path)
    elif have:
        shown = ", ".join(sorted(have)[:5]) + (", ..." if len(have) > 5 else "")
        raise InputError(f"--db {path}: not a planalyzer store: it holds other tables "
                         f"({shown}) and no events table; give a new file name (planalyzer "
                         "creates it)")
    extra = [t for m in registry.modules() for t in m.extra_tables]
    return [t for t in (*BASE_TABLES, *extra) if t not in have]


# the events table's column types, as planalyzer creates them (sql/create_events.sql)
EVENT_TYPES = {**{c.name: c.sql_type for c in EVENT_COLUMNS}, "source_row": "BIGINT"}
# the columns loads read from the store's bookkeeping tables (sql/create_store_settings.sql,
# sql/create_duplicate_links.sql)
SETTINGS_TYPES = {"store_settings": {"name": "VARCHAR", "value": "VARCHAR"},
                  "duplicate_links": {"source": "VARCHAR", "kept_source": "VARCHAR"}}


def _check_settings_tables(rows: list[tuple[object, object, object]], path: Path) -> None:
    """A store whose store_settings or duplicate_links lacks the columns loads read (a table
    recreated by hand or by another tool) is an InputError naming the table: recreate or drop
    it."""
    for name, cols, types in rows:
        want = SETTINGS_TYPES.get(str(name))
        if want is None:
            continue
        have = dict(zip(list(cols or []), list(types or []), strict=True))  # type: ignore[call-overload]
        if any(_type_name(str(have.get(c, ""))) != t for c, t in want.items()):
            shown = ", ".join(f"{c} {t}" for c, t in have.items()) or "none"
            needed = ", ".join(f"{c} {t}" for c, t in want.items())
            raise InputError(f"--db {path}: its {name} table has columns {shown}, not "
                             f"planalyzer's ({needed}); it was changed by hand or by another "
                             f"tool: drop it (DROP TABLE {name}) and planalyzer recreates it, "
                             "or give a new file name")


def _type_name(sql_type: str) -> str:
    """A DuckDB type's name as information_schema spells it (TIMESTAMPTZ's long name)."""
    t = sql_type.upper()
    return "TIMESTAMP WITH TIME ZONE" if t == "TIMESTAMPTZ" else t


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (DuckDB's run on over several)."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def check_store_path(db: object, read_only: bool) -> Path | None:
    """``Store``'s ``db`` as a Path (None: in memory): a str or Path, and a file that exists
    when opened read-only (a read-only open cannot create one); else an InputError naming
    it."""
    if db is None:
        return None
    if isinstance(db, bool) or not isinstance(db, str | os.PathLike):
        raise InputError(f"Store db {db!r}: give the --db file's path as a str or Path (or "
                         "None for a store in memory)")
    path = Path(db)
    text = os.fspath(db)
    if isinstance(text, str) and text.endswith(("/", os.sep)) and not path.is_dir():
        # a path ending in a slash names a folder: never a file made under its name
        raise InputError(f"--db {text}: names a folder (it ends in {text[-1]}), which does "
                         f"not exist; give a file path such as {path / 'usage.duckdb'} in an "
                         "existing folder")
    if path.exists() and not path.is_file() and not path.is_dir():
        # a FIFO, socket or device: reading its first bytes (or DuckDB) would wait forever
        raise InputError(f"--db {path}: not a regular file (a pipe, socket or device); give "
                         "the path of a DuckDB file, or of a new one to create")
    if read_only and not path.exists():
        raise InputError(f"--db {path}: no such file (opened read-only, for analysis: a "
                         "read-only open cannot create one); check the path, or load into it "
                         "first")
    return path
