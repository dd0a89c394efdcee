"""The DuckDB store: the connection, the schema, loading sources with exact accounting.

``Store`` owns one connection (in memory, or a ``--db`` file kept between runs). ``load``
reads files into ``events`` in one transaction: a failure leaves a --db file as it was. Every
file's rows are accounted for: read = loaded + rejected + duplicates dropped, and rejected rows
are kept in ``rejected_rows`` with file, row and reason. With a --db file, a manifest of path,
size, mtime and content hash makes a repeated load read only new or changed files.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb

from planalyzer import sqlfiles
from planalyzer.accounting import FileLoad, LoadReport
from planalyzer.errors import ConfigError, InputError, StrictModeError
from planalyzer.schema import EVENT_COLUMN_NAMES
from planalyzer.sources import files as source_files
from planalyzer.sources.files import SourceFile
from planalyzer.sources.mapping import MappingSpec
from planalyzer.sources.tabular import READERS, build_projection
from planalyzer.sqlfiles import quote_ident

DEFAULT_MAX_TOKENS = 10_000_000  # per token class per request; far above any context window

Progress = Callable[[str, int, int], None]  # (file, index, count)


@dataclass(frozen=True)
class LoadOptions:
    """How to read sources. ``timezone`` applies to timestamps without an offset."""

    mapping: MappingSpec = field(default_factory=MappingSpec)
    timezone: str = "UTC"
    dedupe_on: tuple[str, ...] = ()
    strict: bool = False
    max_tokens: int = DEFAULT_MAX_TOKENS
    input_format: str | None = None


class Store:
    """A DuckDB connection holding events, rejected rows and the load manifest."""

    def __init__(self, db: str | Path | None = None, memory_limit: str | None = None) -> None:
        """Open (or create) the store. ``memory_limit`` bounds DuckDB's memory (for example
        "2GB"; default: the PLANALYZER_MEMORY_LIMIT environment variable, else 2GB); work
        beyond it spills to a temporary folder instead of growing."""
        self.path = Path(db) if db is not None else None
        try:
            self.con = duckdb.connect(str(self.path) if self.path else ":memory:")
        except duckdb.Error as exc:
            raise InputError(f"{db}: cannot open as a DuckDB database ({exc}); "
                             "give a new file name or a file planalyzer made") from None
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("SET enable_progress_bar = false")
        limit = memory_limit or os.environ.get("PLANALYZER_MEMORY_LIMIT") or "2GB"
        try:
            sqlfiles.run(self.con, "set_memory_limit", {"limit": limit})
        except duckdb.Error:
            raise ConfigError(f"memory limit {limit!r}: write it like 2GB or 500MB") from None
        for name in ("create_events", "create_rejected_rows", "create_load_manifest"):
            sqlfiles.run(self.con, name)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- loading -------------------------------------------------------------------------

    def load(
        self,
        specs: Sequence[str],
        options: LoadOptions | None = None,
        progress: Progress | None = None,
    ) -> LoadReport:
        """Load files, folders or globs into ``events``; returns the accounting."""
        opts = options or LoadOptions()
        _check_timezone(self.con, opts.timezone)
        key_expr = _dedupe_key(opts.dedupe_on)
        sources = source_files.resolve(list(specs), opts.input_format)
        started = time.perf_counter()
        self.con.execute("BEGIN TRANSACTION")
        try:
            report = self._load_files(sources, opts, key_expr, progress)
            if opts.strict and report.rows_rejected:
                raise StrictModeError(_strict_message(self.con, report))
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        report.seconds = time.perf_counter() - started
        return report

    def _load_files(
        self,
        sources: list[SourceFile],
        opts: LoadOptions,
        key_expr: str,
        progress: Progress | None,
    ) -> LoadReport:
        loads: list[FileLoad] = []
        new_keys: list[str] = []
        for i, src in enumerate(sources):
            if progress:
                progress(src.key, i, len(sources))
            fingerprint = self._fingerprint(src)
            found = sqlfiles.run(self.con, "manifest_entry", {"source": src.key}).fetchall()
            previous = found[0] if found else None
            status = "loaded"
            if previous is not None:
                if _unchanged(previous, fingerprint, src):
                    loads.append(FileLoad(src.key, src.format, "unchanged"))
                    continue
                sqlfiles.run(self.con, "delete_source_events", {"source": src.key})
                sqlfiles.run(self.con, "delete_source_rejected", {"source": src.key})
                status = "reloaded"
            loads.append(self._load_one(src, opts, status))
            new_keys.append(src.key)
        if new_keys:
            self._drop_duplicates(loads, new_keys, key_expr)
        for fl in loads:
            if fl.status == "unchanged":
                continue
            if not fl.balanced:  # the identity is the contract; never report a broken one
                raise AssertionError(f"load accounting does not balance for {fl.source}: {fl}")
            size, mtime, digest = self._fingerprint(SourceFile(Path(fl.source), fl.format), True)
            sqlfiles.run(self.con, "upsert_manifest", {
                "source": fl.source, "format": fl.format, "size_bytes": size,
                "mtime_ns": mtime, "content_hash": digest, "rows_read": fl.rows_read,
                "rows_loaded": fl.rows_loaded, "rows_rejected": fl.rows_rejected,
                "duplicates_dropped": fl.duplicates_dropped,
                "rejected_by_reason": json.dumps(fl.rejected_by_reason, sort_keys=True),
                "mapping": fl.mapping,
            })
        return LoadReport(loads)

    def _fingerprint(self, src: SourceFile, with_hash: bool = False) -> tuple[int, int, str]:
        st = src.path.stat()
        digest = _content_hash(src.path) if (with_hash and self.path is not None) else ""
        return st.st_size, st.st_mtime_ns, digest

    def _load_one(self, src: SourceFile, opts: LoadOptions, status: str) -> FileLoad:
        proj = build_projection(self.con, src, opts.mapping)
        checked = sqlfiles.load("checked_rows").render({"projection": proj.sql})
        params: dict[str, Any] = {
            "path": src.key, "tz": opts.timezone, "max_tokens": opts.max_tokens,
            "type_problem": proj.type_problem, "source": src.key,
        }
        try:
            read = self._count_rows(src, proj.reader)
            inserted = _count(sqlfiles.run(self.con, "insert_events", params,
                                           {"checked_rows": checked}))
            rejected = _count(sqlfiles.run(self.con, "insert_rejected_rows", params,
                                           {"checked_rows": checked}))
        except duckdb.Error as exc:
            raise InputError(f"{src.key}: cannot be read as {src.format} ({_first_line(exc)}); "
                             "check the file is complete, or re-export it") from None
        reasons = dict(sqlfiles.run(self.con, "rejected_reasons", {"source": src.key})
                       .fetchall()) if rejected else {}
        return FileLoad(
            source=src.key, format=src.format, status=status, rows_read=read,
            rows_loaded=inserted, rows_rejected=rejected,
            rejected_by_reason={str(k): int(v) for k, v in reasons.items()},
            mapping=proj.mapping.describe(),
        )

    def _count_rows(self, src: SourceFile, reader: str) -> int:
        """Rows in the file, counted apart from the inserts (parquet: from its footer)."""
        if src.format == "parquet":
            return _count(sqlfiles.run(self.con, "parquet_row_count", {"path": src.key}))
        return _count(sqlfiles.run(self.con, "count_source_rows", {"path": src.key},
                                   {"reader": reader}))

    def _drop_duplicates(self, loads: list[FileLoad], new_keys: list[str], key: str) -> None:
        if not _count(sqlfiles.run(self.con, "count_duplicate_keys", slots={"key": key})):
            return
        deleted = sqlfiles.run(self.con, "drop_duplicate_events", {"new_sources": new_keys},
                               {"key": key}).fetchall()
        per_source = Counter(str(r[0]) for r in deleted)
        for fl in loads:
            n = per_source.get(fl.source, 0)
            fl.duplicates_dropped += n
            fl.rows_loaded -= n

    # -- reading back --------------------------------------------------------------------

    def events(self) -> duckdb.DuckDBPyRelation:
        return self.con.table("events")


def _count(cur: duckdb.DuckDBPyConnection) -> int:
    rows = cur.fetchall()  # fetch to the end: DuckDB 2 keeps an unfinished result open
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _content_hash(path: Path) -> str:
    with path.open("rb") as fh:
        return "sha256:" + hashlib.file_digest(fh, "sha256").hexdigest()


def _unchanged(previous: tuple[Any, ...], now: tuple[int, int, str], src: SourceFile) -> bool:
    size, mtime, digest = previous
    if int(size) != now[0]:
        return False
    if int(mtime) == now[1]:
        return True
    return bool(digest) and digest == _content_hash(src.path)


def _dedupe_key(columns: tuple[str, ...]) -> str:
    """The dedupe key expression: event_id, or the canonical columns the user named."""
    if not columns:
        return "event_id"
    for c in columns:
        if c not in EVENT_COLUMN_NAMES:
            raise ConfigError(f"--dedupe-on {','.join(columns)}: {c!r} is not a canonical "
                              "column; use names from: " + ", ".join(EVENT_COLUMN_NAMES))
    return "row(" + ", ".join(quote_ident(c) for c in columns) + ")"


def _check_timezone(con: duckdb.DuckDBPyConnection, tz: str) -> None:
    try:
        sqlfiles.run(con, "check_timezone", {"tz": tz}).fetchall()
    except duckdb.Error:
        raise ConfigError(f"--timezone {tz!r}: unknown time zone; use an IANA name such as "
                          "UTC, Europe/Berlin or America/New_York") from None


def _strict_message(con: duckdb.DuckDBPyConnection, report: LoadReport) -> str:
    sources = [f.source for f in report.files if f.rows_rejected]
    first = sqlfiles.run(con, "first_rejected_rows", {"sources": sources, "limit": 3}).fetchall()
    examples = "; ".join(f"{Path(s).name} row {r}: {why}" for s, r, why in first)
    return (f"--strict: {report.rows_rejected} row(s) rejected ({examples}); "
            "fix those rows, or load without --strict to keep them in rejected_rows")


__all__ = ["READERS", "LoadOptions", "Store"]
