"""The DuckDB store: the connection, the schema, loading sources with exact accounting.

``Store`` owns one connection (in memory, or a ``--db`` file kept between runs). ``load``
reads files into ``events`` in one transaction: a failure leaves a --db file as it was. Every
file's rows are accounted for: read = loaded + rejected + duplicates dropped, and rejected rows
are kept in ``rejected_rows`` with file, row and reason. With a --db file, a manifest of path,
size, mtime and content hash makes a repeated load read only new or changed files.
"""

from __future__ import annotations

import gc
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb

from planalyzer import (
    anthropic_actors,
    bucket_copies,
    duck,
    duplicate_links,
    file_options,
    held_signals,
    id_conflicts,
    reload_losses,
    sqlfiles,
    store_gone,
    store_new,
)
from planalyzer.accounting import FileLoad, LoadReport, display_path, format_name
from planalyzer.errors import (
    ConfigError,
    InputError,
    StrictModeError,
    UsageError,
)
from planalyzer.load_checks import check_load_options
from planalyzer.load_notes import (
    check_forced_source,
    encoding_notes,
    estimated_request_notes,
    gone_notes,
    kept_notes,
    local_time_notes,
    passed_notes,
    read_notes,
    source_notes,
    uncounted_token_notes,
    unloaded_usage_notes,
    unread_token_notes,
    unusable_files,
    user_option_notes,
)
from planalyzer.manifest import (
    MANIFEST_COLUMNS,
    ManifestEntry,
    appended,
    content_hash,
    manifest_source,
    path_values,
    stat_of,
    tail_hash,
    unchanged,
)
from planalyzer.option_defaults import DefaultInt, DefaultStr
from planalyzer.option_defaults import given as option_given
from planalyzer.rejected_copies import rejected_copy_notes
from planalyzer.schema import EVENT_COLUMN_NAMES, TOKEN_COLUMNS
from planalyzer.sources import registry, staging
from planalyzer.sources.base import BatchItem, Source, check_not_empty
from planalyzer.sources.files import SourceFile
from planalyzer.sources.folder_memo import LISTING_SETTING, FolderMemo
from planalyzer.sources.homes import KEPT_NOTE, Homes, name_homes
from planalyzer.sources.litellm import check_overlapping_daily_tables
from planalyzer.sources.mapping import MappingSpec
from planalyzer.sources.report_json import (
    BUCKET_SOURCES,
    DEFAULT_BUCKET_PROMPT_TOKENS,
    check_old_bucket_ids,
    check_overlapping_buckets,
)
from planalyzer.sources.tabular import READERS, Projection, checked_once
from planalyzer.sqlfiles import quote_ident
from planalyzer.store_check import has_table
from planalyzer.store_moves import (
    apply_heirs,
    apply_moves,
    find_heirs,
    find_moves,
    heir_notes,
    move_notes,
)
from planalyzer.store_open import (
    CREATE_TABLES,
    check_store_path,
    missing_tables,
    open_connection,
    store_error,
)
from planalyzer.timezones import check_timezone

DEFAULT_MAX_TOKENS = 10_000_000  # per token class per request; far above any context window
# the fields' defaults, told apart from the same values given (planalyzer.option_defaults)
_NO_TIMEZONE = DefaultStr("UTC")
_NO_MAX_TOKENS = DefaultInt(DEFAULT_MAX_TOKENS)
_NO_BUCKET_PROMPT_TOKENS = DefaultInt(DEFAULT_BUCKET_PROMPT_TOKENS)

Progress = Callable[[str, int, int], None]  # (file, index, count)


@dataclass(frozen=True)
class LoadOptions:
    """How to read sources. ``timezone`` applies to timestamps without an offset.

    A field set when the options are made is given, even at its default's value
    (``timezone="UTC"``): it applies to the new and changed files of a --db store; a field left
    out keeps each file of the store read as it was loaded (planalyzer.file_options)."""

    mapping: MappingSpec = field(default_factory=MappingSpec)
    timezone: str = _NO_TIMEZONE
    dedupe_on: tuple[str, ...] = ()
    strict: bool = False
    max_tokens: int = _NO_MAX_TOKENS
    input_format: str | None = None
    source: str | None = None  # --source NAME; None: detect from folder layout and content
    user_id: str | None = None  # user of a single user's transcript folder (default "me")
    user_map: dict[str, str] = field(default_factory=dict)  # users' folder name -> user id
    # assumed mean prompt per request of a usage bucket that logs no request count: its count
    # is estimated as its prompt tokens / this (planalyzer.sources.report_json)
    bucket_prompt_tokens: int = _NO_BUCKET_PROMPT_TOKENS
    # dedupe_on was given (event_id alone, the default key written out, is kept as ()): a
    # --db store recorded with another key refuses it, as any other key
    dedupe_given: bool = field(default=False, init=False, repr=False, compare=False)

    def read_options(self) -> list[str]:
        """The options given that change how a file's rows are read (not strict or source);
        a field given at its default's value is given."""
        given = {"--timezone": option_given(self.timezone),
                 "--map/--mapping": bool(self.mapping.explicit)
                 or self.mapping.input_includes_cache_read is not None,
                 "--dedupe-on": self.dedupe_given,
                 "--max-tokens": option_given(self.max_tokens),
                 "--input-format": self.input_format is not None,
                 "--user": self.user_id is not None, "--user-map": bool(self.user_map),
                 "--source": self.source is not None,
                 "--bucket-prompt-tokens": option_given(self.bucket_prompt_tokens)}
        return [k for k, v in given.items() if v]

    def __post_init__(self) -> None:
        """Values the CLI checks as options are checked here too, named as fields: the
        library raises the same UsageError/ConfigError, never a KeyError from a load.
        ``dedupe_on`` of event_id alone is the default key, written out: kept as the default
        (rows without an id are never duplicates, and the id checks run)."""
        check_load_options(self)
        object.__setattr__(self, "dedupe_given", bool(self.dedupe_on))
        if self.dedupe_on == ("event_id",):
            object.__setattr__(self, "dedupe_on", ())


class Store:
    """A DuckDB connection holding events, rejected rows and the load manifest."""

    def __init__(self, db: str | Path | None = None, memory_limit: str | None = None,
                 read_only: bool = False) -> None:
        """Open (or create) the store: in memory, or the DuckDB file ``db``. ``memory_limit``
        bounds DuckDB's memory (for example "2GB"; default: the PLANALYZER_MEMORY_LIMIT
        environment variable, else 2GB); work beyond it spills to a temporary folder instead
        of growing.

        ``read_only=True`` (with ``db``) opens the file for reading only: analysis over the
        events it holds, which several processes may do at once and which works on a file
        that cannot be written (``load`` then refuses). The analysis writes only temp tables
        and views. A file planalyzer made before some of its tables existed is opened for
        writing once to add them.

        A file another tool made (tables but no planalyzer ``events`` table, or one with
        other column types) is refused with an InputError before anything is written to it.
        A new file the Store creates (none there, or an empty one) is removed again (emptied)
        when its ``with`` block ends with an exception before a load committed to it; a file
        another process holds is never touched (planalyzer.store_new)."""
        self.path = check_store_path(db, read_only)
        self._again: set[str] = set()  # files the last load read again only for the dedupe
        self._gone_set = False  # gone files named to the dedupe (planalyzer.store_gone)
        # the manifest's fingerprints, read before a load's transaction (_homes_have_news)
        self._fingerprints_read: dict[str, tuple[str, int, int, str]] | None = None
        self.read_only = read_only and self.path is not None
        self.closed = False  # close() was called: a later load is a UsageError
        # a file DuckDB could only read through an extension (SQLite, say) is refused before
        # DuckDB opens it: nothing is written to it, nothing is downloaded
        foreign = duck.foreign_file(self.path) if self.path is not None else None
        if foreign is not None:
            what = (f"{foreign}, not a DuckDB one" if foreign.startswith("a ")
                    else f"cannot open as a DuckDB database ({foreign})")
            raise InputError(f"--db {self.path}: {what}; give a new file name (planalyzer "
                             "creates it)")
        # a new file (none, or an empty one) this Store creates: removed again (emptied) if
        # the Store fails before a load committed to it (store_new.discard)
        self._new: store_new.NewFile | None = None
        self._loaded = False  # a load committed to the file
        # whether the folder listings are of the files walks now look for (_folder_memo)
        self._listings_named = True
        fresh = store_new.is_new(self.path, self.read_only)
        self.con = open_connection(self.path, self.read_only)
        if self.path is not None:
            store_new.held(self.path)
        try:
            missing = missing_tables(self.con, self.path, writing=not self.read_only)
            if fresh is not None and self.path is not None and "events" in missing:
                self._new = store_new.created(self.path, was_empty=fresh)
            if self.read_only and missing:  # an older planalyzer's file: add the tables once
                self.con.close()
                self.read_only = False
                self.con = open_connection(self.path, False, missing)
            self._setup(memory_limit)
        except BaseException:
            self._close(failed=True)
            raise

    def _setup(self, memory_limit: str | None) -> None:
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("SET enable_progress_bar = false")
        limit = duck.memory_limit(memory_limit)
        try:
            sqlfiles.run(self.con, "set_memory_limit", {"limit": limit}).fetchall()
        except duckdb.OutOfMemoryException as exc:  # too small for what the file holds
            raise duck.memory_error(exc) or ConfigError(str(exc)) from None
        except duckdb.Error:
            raise ConfigError(f"memory limit {limit!r}: write it like 2GB or 500MB") from None
        if self.read_only:  # every table is there (checked); the sources' setup is for loads
            return
        # (a store in memory is new: no catalog query, the first costs 40 ms)
        older = self.path is not None and not has_table(self.con, duplicate_links.TABLE)
        for name in CREATE_TABLES:
            sqlfiles.run(self.con, name).fetchall()
        duplicate_links.create(self.con, older)
        for module in registry.modules():
            module.setup(self.con)

    def _check_open(self, what: str) -> None:
        """A UsageError for a method called after close() (not DuckDB's ConnectionException)."""
        if self.closed:
            raise UsageError(f"Store.{what}: the store is closed (Store.close, or the end of "
                             "its `with` block); open a new Store")

    def events_count(self) -> int:
        """Events in the store (every load so far)."""
        self._check_open("events_count")
        # fetchall, not fetchone: DuckDB 2 keeps a partly fetched result open on the connection
        rows = sqlfiles.run(self.con, "count_events").fetchall()
        return int(rows[0][0]) if rows else 0

    def sources(self) -> list[str]:
        """Every file loaded into the store: by this run and, in a --db file, earlier runs."""
        self._check_open("sources")
        return sorted(str(r[0]) for r in sqlfiles.run(self.con, "manifest_fingerprints")
                      .fetchall())

    def others_note(self, report: LoadReport) -> str | None:
        """With a --db file holding files this run did not name: what analysis over its events
        covers (every file in it), said rather than left to surprise."""
        if self.path is None:
            return None
        named = {f.source for f in report.files}
        every = self.sources()
        if not named:
            return (f"--db {self.path}: the events of the {len(every):,} source file(s) it "
                    "holds, as they were loaded (no sources named in this run)")
        others = [s for s in every if s not in named]
        if not others:
            return None
        return (f"--db {self.path}: covers all {len(every):,} source file(s) in it, "
                f"{len(others):,} of them not named in this run (each run with --db adds the "
                "sources it names to the file); give a new --db file, or none, to cover only "
                "the sources named")

    def close(self) -> None:
        self._close(failed=False)

    def _close(self, failed: bool) -> None:
        """Close the connection; ``failed`` (an exception leaves the Store's block): a file
        this Store created is removed again when no load committed to it."""
        if self.closed:
            return
        self.closed = True
        # a failed new store's removal is not cut by a second Ctrl-C (it would leave an empty
        # store behind); the interrupt comes after it
        with held_signals.held() if failed else nullcontext():
            self.con.close()
            if self.path is not None:
                store_new.released(self.path)
            if failed and self._new is not None and not self._loaded:
                store_new.discard(self._new)

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._close(failed=exc is not None)

    # -- loading -------------------------------------------------------------------------

    def load(
        self,
        specs: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        options: LoadOptions | None = None,
        progress: Progress | None = None,
    ) -> LoadReport:
        """Load files, folders or globs into ``events``; returns the accounting (its
        ``seconds`` cover the whole call: finding the files, the manifest check, the reads).
        ``specs`` is one path (str or Path) or a sequence of them."""
        self._check_open("load")
        if self.read_only:
            raise InputError(f"--db {self.path}: opened read-only (for analysis); open it "
                             "without read_only to load into it")
        started = time.perf_counter()
        with _gc_paused():
            report = self._load(_spec_list(specs), options or LoadOptions(), progress)
        report.seconds = time.perf_counter() - started
        return report

    def _load(self, specs: Sequence[str], opts: LoadOptions,
              progress: Progress | None) -> LoadReport:
        check_timezone(opts.timezone, "LoadOptions.timezone", polars=False)
        key_expr = _dedupe_key(opts.dedupe_on)
        # a --db store remembers the folders batch sources walked: a reload lists only those
        # that changed (planalyzer/sources/folder_memo.py)
        memo = self._folder_memo() if self.path is not None else None
        broken: list[str] = []
        passed: list[str] = []
        # single users' transcript folders: several people's named together get one user each
        # by home folder, unless --user names the one user of them all
        homes = Homes() if opts.user_id is None else None
        sources = registry.resolve(list(specs), opts.source, opts.input_format, memo, broken,
                                   passed, homes)
        home_notes: list[str] = []
        self._fingerprints_read = None
        # a home named alone matters only where it has new or changed transcripts (an
        # unchanged --db rerun asks the store nothing more: 5,900 transcripts, ~9 ms saved)
        if homes is not None and (len(homes.found) > 1 or (
                homes.found and self.path is not None and self._homes_have_news(homes))):
            sources, home_notes = name_homes(
                sources, homes, opts.user_map,
                self._stored_users if self.path is not None else None)
        with _insertion_order_off(self.con):
            report = self._load_transaction(sources, specs, opts, key_expr, progress, memo,
                                            broken)
        if all(fl.status == "unchanged" for fl in report.files):  # no new transcript
            home_notes = [n for n in home_notes if not n.startswith(KEPT_NOTE)]
        report.notes[:0] = home_notes
        report.notes.extend(passed_notes(passed))
        return report

    def _homes_have_news(self, homes: Homes) -> bool:
        """Whether a file of the single users' folders found is not in the store as it is on
        disk (new, or its size or mtime changed). The fingerprints read are kept for the
        load's comparison of every file (_load_files)."""
        fingerprints = self._fingerprints_read = self._fingerprints()
        for _home, _folder, files in homes.found:
            for src in files:
                st = src.stat if src.stat is not None else stat_of(src)
                fp = fingerprints.get(src.key)
                if fp is None or fp[1] != st[0] or fp[2] != st[1]:
                    return True
        return False

    def _stored_users(self, keys: list[str]) -> list[str]:
        """The users the manifest says these files' rows were read under, most files first
        (none: no file of them is in the store, or none is a transcript)."""
        rows = sqlfiles.run(self.con, "manifest_users", {"sources": keys}).fetchall()
        return [str(r[0]) for r in rows]

    def _load_transaction(self, sources: list[SourceFile], specs: Sequence[str],
                          opts: LoadOptions, key_expr: str, progress: Progress | None,
                          memo: FolderMemo | None, broken: list[str]) -> LoadReport:
        self.con.execute("BEGIN TRANSACTION")
        try:
            folders = ([str(Path(s).resolve()) for s in specs if os.path.isdir(s)]
                       if self.path is not None else [])
            key_notes: list[str] = []
            if self.path is not None:  # no --dedupe-on given: the store's key
                dedupe_on, key_notes = file_options.check_dedupe_key(
                    self.con, self.path, opts.dedupe_on, lambda: bool(self.sources()),
                    opts.dedupe_given)
                key_expr = _dedupe_key(dedupe_on)
            report = self._load_files(sources, opts, key_expr, progress, folders)
            report.notes[:0] = key_notes
            if broken:
                more = f" and {len(broken) - 1} more" if len(broken) > 1 else ""
                report.notes.append(
                    f"skipped {len(broken)} symbolic link(s) whose target does not exist: "
                    f"{display_path(broken[0])}{more}; remove them or restore their targets")
            if opts.user_id is not None or opts.user_map:
                report.notes.extend(user_option_notes(sources, opts))
            # files that loaded no row for not being what they were read as: an error when
            # nothing else is in the load, else a note each
            report.notes.extend(unusable_files(report))
            # (the checks run only when options are given: a --db reload of thousands of
            # unchanged files pays nothing for them)
            if self.path is not None and set(opts.read_options()) - {"--dedupe-on"}:
                report.notes.extend(self._kept_notes(sources, report, opts))
            if opts.source is not None:
                check_forced_source(report, opts.source)
            if any(fl.status != "unchanged" and fl.format.split(" ")[0] in BUCKET_SOURCES
                   for fl in report.files):
                if self.path is not None:
                    check_old_bucket_ids(self.con, self.path)
                check_overlapping_buckets(self.con, self.path)
            if any(fl.status != "unchanged" and fl.format.split(" ")[0] == "litellm-daily"
                   for fl in report.files):
                check_overlapping_daily_tables(self.con)
            if memo is not None:
                self._record_folders(memo)
            # files read again only for the dedupe (unchanged, not this run's) are not judged
            judged = [f for f in report.files if f.rows_rejected and f.source not in self._again]
            if opts.strict and judged:
                raise StrictModeError(_strict_message(self.con, judged))
            # Ctrl-C or SIGTERM during the COMMIT (and the checkpoint that may follow it) is
            # held until it returns: the load is then either saved (self.committed) or not,
            # never durable behind a 'Query interrupted' (planalyzer.held_signals)
            with held_signals.held():
                self._commit()
        except BaseException:
            with suppress(duckdb.Error):  # none is active after a failed COMMIT
                self.con.execute("ROLLBACK")
            raise
        return report

    def _commit(self) -> None:
        try:
            self.con.execute("COMMIT")
        except duckdb.Error as exc:  # disk full, no .wal beside the file: the cause
            raise (store_error(self.path, exc) or exc) from None
        self._loaded = True

    @property
    def committed(self) -> bool:
        """Whether a load has committed to the store since it was opened (an interrupt after
        its COMMIT leaves what it loaded in a --db file)."""
        return self._loaded

    def _kept_notes(self, sources: list[SourceFile], report: LoadReport,
                    opts: LoadOptions) -> list[str]:
        """Files kept as they were loaded whose recorded options differ from those given."""
        kept = {fl.source for fl in report.files if fl.status == "unchanged"}
        if not kept:
            return []
        entries = self._manifest(sorted(kept))
        return file_options.kept_notes(self.path, opts, [
            (src, entries[src.key].read_options) for src in sources
            if src.key in kept and src.key in entries])

    def _load_files(
        self,
        sources: list[SourceFile],
        opts: LoadOptions,
        key_expr: str,
        progress: Progress | None,
        folders: list[str],
    ) -> LoadReport:
        # Only (source, size, mtime, format) of every known file is fetched: a file whose size
        # and mtime match is unchanged without more work (one pass, no call per file beyond
        # the folder walk's stat); full entries only for the others.
        fingerprints = self._fingerprints_read or self._fingerprints()
        self._fingerprints_read = None
        get = fingerprints.get
        slots: list[FileLoad | None] = []  # in source order; None: read below
        todo: list[tuple[int, SourceFile, tuple[int, int]]] = []
        found = 0  # sources the manifest knows (all of it: no file of it is gone)
        for src in sources:
            st = src.stat if src.stat is not None else stat_of(src)
            fp = get(src.key)
            if fp is None:
                todo.append((len(slots), src, st))
                slots.append(None)
                continue
            found += 1
            if fp[1] == st[0] and fp[2] == st[1]:
                slots.append(FileLoad(src.key, fp[3], "unchanged"))
            else:
                todo.append((len(slots), src, st))
                slots.append(None)
        moves = (find_moves([(src, st) for _, src, st in todo if src.key not in fingerprints],
                            fingerprints, self._manifest)
                 if self.path is not None and len(fingerprints) > found else [])
        if moves:  # a gone file's bytes under a new path: it takes over the gone file's entry
            fingerprints = dict(fingerprints)
            stats_now = {src.key: st for _, src, st in todo}
            apply_moves(self.con, moves, stats_now)
            moved = {m.new: m for m in moves if not m.changed}  # the others: read again
            for m in moves:
                size = stats_now[m.new][0]
                del fingerprints[m.old]
                fingerprints[m.new] = (m.new, size, stats_now[m.new][1], m.format)
            for i, src, _ in todo:
                if src.key in moved:
                    slots[i] = FileLoad(src.key, moved[src.key].format, "unchanged")
            todo = [t for t in todo if t[1].key not in moved]
            found += len(moves)
        rekeyed = {m.new for m in moves if m.changed}  # moved, their path values changed
        heirs = (find_heirs(self.con, {src.key for src in sources})
                 if self.path is not None and len(fingerprints) > found else [])
        if heirs:  # a gone file's byte copy on disk takes over its rows, as a moved file
            apply_heirs(self.con, heirs)
            fingerprints = dict(fingerprints)
            for h in heirs:
                del fingerprints[h.gone]
        # transcripts read earlier that are gone from disk: their rows rank after the copies
        # files on disk hold, and the files that may hold copies are read again
        gone = None
        if self.path is not None and len(fingerprints) > found:
            gone = store_gone.find(self.con, fingerprints, {src.key for src in sources})
            self._gone_set = bool(gone.every)
        elif self._gone_set:
            store_gone.set_gone(self.con, [])
            self._gone_set = False
        changed = [src.key for _, src, _ in todo if src.key in fingerprints]
        known = self._manifest(changed) if changed else {}
        new_keys: list[str] = []
        read_stats: dict[str, tuple[int, int]] = {}
        batches = file_options.BatchGroups()  # batch sources' files, by options
        records = file_options.Records()
        file_opts: dict[str, str] = {}  # the options each file read now was read with (JSON)
        given = file_options.record(opts, None)
        reread_with: Counter[str] = Counter()  # options recorded, not this run's, that applied
        unknown: list[str] = []  # files read again whose options an older store did not record
        # (option, recorded, given) -> changed files read with a given option not recorded
        changed_with: dict[tuple[str, str, str], list[str]] = {}
        self._again = set()
        projected: list[SourceFile] = []  # files read whole by a projection (not batch)
        reloaded: list[str] = []  # files changed whose old rows were deleted (not appended)

        def read(i: int | None, src: SourceFile, st: tuple[int, int],
                 prev: ManifestEntry | None, again: bool = False,
                 changed: bool = False) -> None:
            """Read one file (``again``: read whole, even where it only grew, with its recorded
            options; ``changed`` with ``again``: a file not named now that changed on disk,
            reloaded as a changed file: judged by --strict, its own links followed)."""
            read_stats[src.key] = st
            rec = file_options.decode(prev.read_options) if prev is not None else None
            grown = prev is not None and not again and appended(prev, st, src)
            if prev is not None and rec is None:
                unknown.append(src.key)
            elif prev is not None and rec is not None:
                src = file_options.source_for(src, prev.format, rec, again or grown, opts)
            src, module = registry.identify(src)
            use = opts
            if prev is not None and rec is not None:
                use = file_options.options_for(opts, rec, src, changed=not (again or grown))
            user = file_options.file_user(src, module, use)
            used, file_opts[src.key], used_but_user = records.get(use, user)
            if prev is not None and rec is not None:
                given["user"] = file_options.file_user(src, module, opts)
                if not (again or grown):  # changed: options given replaced recorded ones
                    for d in file_options.given_differences(opts, rec, used):
                        changed_with.setdefault(d, []).append(src.key)
                diff = file_options.differing(used, given)
                if diff:
                    reread_with.update(diff)
                    reread_with[""] += 1  # files
            if again and not changed:
                self._again.add(src.key)
            item = BatchItem(src, "loaded")
            if prev is not None:
                if module.append_only and grown:
                    item = BatchItem(src, "appended", prev.read_offset or 0, prev.read_lines)
                else:
                    if changed or not again:  # a reload (not a re-read for the dedupe only):
                        # what it held, to say what the new version no longer holds
                        reload_losses.stage(self.con, src.key, not reloaded)
                        reloaded.append(src.key)
                    self._forget(src.key, module)
                    item = BatchItem(src, "reloaded")
            if module.batch:
                batches.add(module.name, item, use, used, used_but_user)
                if i is not None:
                    slots[i] = None  # its FileLoad comes from the batch
            else:
                fl = self._load_one(src, module, use, item.status)
                if i is None:
                    slots.append(fl)
                else:
                    slots[i] = fl
                new_keys.append(src.key)
                projected.append(src)

        for i, src, st in todo:
            if progress:
                progress(src.key, i, len(sources))
            prev = known.get(src.key)
            if prev is not None and src.key not in rekeyed and unchanged(prev, st, src):
                slots[i] = FileLoad(src.key, prev.format, "unchanged")
                continue
            read(i, src, st, prev)
        notes: list[str] = []
        # rows of a changed file were deleted, or a file holding kept copies is gone: rerun
        # the dedupe they won
        if reloaded or (gone is not None and gone.new):
            notes = self._reread_duplicates(sources, read_stats, known, read, reloaded,
                                            batches, gone)
        loads = [fl for fl in slots if fl is not None]  # batch files follow, in batch order
        for name, items, batch_opts in batches.batches():
            got = registry.get(name).load_batch(self.con, items, batch_opts)
            loads.extend(got)
            new_keys.extend(f.source for f in got)
        if reloaded:  # the stored rows the new versions of changed files no longer hold
            notes += reload_losses.notes(self.con)
        # Anthropic usage: stored ids of an older planalyzer named by the start's instant and
        # the user_id, as the rows read now are, and every row of a user_id its latest email,
        # before the dedupe compares the rows (planalyzer.anthropic_actors, instant_ids)
        notes += anthropic_actors.settle(self.con, self.path, loads, new_keys,
                                         key_expr == "event_id")
        # what the usage-API exports read now say of when they were fetched, before the
        # dedupe drops any of their rows (planalyzer.bucket_copies)
        bucket_copies.record(self.con, loads)
        displaced: dict[str, list[int]] = {}
        if new_keys:
            displaced, replaced = self._drop_duplicates(loads, new_keys, key_expr,
                                                        [src.key for src in projected])
            notes += replaced
        if gone is not None:
            dropped, gone_moved = store_gone.settle(
                self.con, gone, displaced,
                lambda key, fmt: self._forget(key, registry.get(fmt)))
            notes += gone_moved
            for key in dropped:  # they left the store: not gone from it
                del fingerprints[key]
        digests: dict[str, str] = {}
        copies = self._drop_identical_copies(loads, projected, read_stats, fingerprints, digests)
        for fl in loads:
            if fl.status != "unchanged" and not fl.balanced:
                # the identity is the contract; never report a broken one
                raise AssertionError(f"load accounting does not balance for {fl.source}: {fl}")
        self._record(loads, known, read_stats, digests, file_opts)
        notes += file_options.reread_notes(self.path, reread_with, unknown, opts)
        notes += file_options.changed_notes(changed_with)
        # the notes are on files read now (a --db rerun passes thousands of unchanged ones)
        now = [fl for fl in loads if fl.status != "unchanged"]
        return LoadReport(loads, notes=notes + move_notes(moves) + heir_notes(heirs) + copies
                          + source_notes(now)
                          + unread_token_notes(now) + uncounted_token_notes(now)
                          + unloaded_usage_notes(now)
                          + read_notes(now)
                          + kept_notes(now) + encoding_notes(now)
                          + rejected_copy_notes(self.con, now, key_expr == "event_id")
                          + local_time_notes(now, opts.timezone)
                          + estimated_request_notes(now, opts.bucket_prompt_tokens)
                          + (gone_notes(self.path, folders, fingerprints, sources)
                             if found < len(fingerprints) else []))

    def _reread_duplicates(
        self, sources: list[SourceFile],
        read_stats: dict[str, tuple[int, int]], known: dict[str, ManifestEntry],
        read: Callable[[int | None, SourceFile, tuple[int, int], ManifestEntry | None, bool,
                        bool], None],
        reloaded: list[str], batches: file_options.BatchGroups,
        gone: store_gone.Gone | None = None,
    ) -> list[str]:
        """Files were reloaded (changed: their old rows deleted). Rows other files held as
        well were dropped from those files as duplicates of their rows, and exist nowhere else
        in the store: the files whose dropped copies were kept from a file reloaded now
        (planalyzer.duplicate_links: every dedupe records the pairs) are read again with it,
        so the dedupe runs over both again and nothing is lost; no other file is (a file that
        dropped copies of its own rows, or of rows of files not reloaded, holds nothing that
        the reload could lose). Such a transcript read on from its new lines in this load is
        read whole instead. Files named in this load are read as named; others are found by
        their manifest entry (a transcript one only when named: its user comes from the
        folder named). A file found so that changed on disk since it was loaded (not named
        now: an unchanged named file is not read) is reloaded as a changed file: judged by
        --strict, and the files linked to it are read again in turn, until no new file turns
        up (``read`` appends it to ``reloaded``).
        ``gone``: transcripts found gone from disk now: the files that may hold copies of
        their rows are read again too, so the copies on disk are kept
        (planalyzer.store_gone.copies_of)."""
        named = {src.key: (i, src) for i, src in enumerate(sources)}
        first = len(reloaded)  # reloaded[first:]: changed files found by their links
        followed = 0  # reloaded[:followed]: files whose links were followed
        grown = again = 0
        missing: list[str] = []
        unnamed: list[str] = []
        copies: list[tuple[str, str]] = []
        for_gone: list[tuple[str, str]] = []
        searched = gone is None or not gone.new  # the files that may hold gone copies
        while True:
            linked = (duplicate_links.linked(self.con, reloaded[followed:])
                      if followed < len(reloaded) else [])
            followed = len(reloaded)
            for key, fmt in linked:
                if key in read_stats and batches.read_whole(key):
                    self._forget(key, registry.get(fmt))
                    grown += 1
            skipped = set(missing) | set(unnamed)
            todo = [(k, f) for k, f in linked if k not in read_stats and k not in skipped]
            if not searched and gone is not None:  # the first round
                searched = True
                rows = sqlfiles.run(self.con, "manifest_with_duplicates").fetchall()
                every = [(str(k), str(f)) for k, f in rows if str(k) not in read_stats]
                copies = store_gone.copies_of(self.con, gone, every)
                chosen = set(todo)
                for_gone = [kf for kf in copies if kf not in chosen]
                todo = todo + for_gone
            if not todo:
                break
            known.update(self._manifest([k for k, _ in todo]))
            for key, fmt in todo:
                i: int | None
                if key in named:
                    i, src = named[key]
                else:
                    i, found = None, manifest_source(key, fmt)
                    if found is None or registry.get(str(found.source)).batch:
                        unnamed.append(key)
                        continue
                    src = found
                try:
                    st = stat_of(src)
                except InputError:
                    missing.append(key)
                    continue
                prev = known[key]
                read(i, src, st, prev, True, not unchanged(prev, st, src))
                again += 1
        why = ("a file reloaded now (changed) or gone from disk" if reloaded and for_gone
               else "a file reloaded now (changed)" if reloaded else "a file gone from disk")
        unread = set(unnamed) | set(missing)
        if gone is not None and any(k in unread for k, _ in copies):
            gone.searched = False  # a file that may hold copies was not read: look again
        notes: list[str] = []
        if again + grown:
            notes.append(f"{again + grown:,} file(s) whose rows earlier loads dropped as "
                         f"duplicates were read again, since {why} may have held the copies "
                         "that were kept")
        changed = reloaded[first:]
        if changed:
            more = f" and {len(changed) - 1:,} more" if len(changed) > 1 else ""
            notes.append(f"{len(changed):,} of the file(s) read again changed on disk since "
                         f"they were loaded ({display_path(changed[0])}{more}): reloaded as "
                         "changed files, with the options they were loaded with (not named in "
                         "this load), and the files that dropped copies of their rows were "
                         "read again too")
        for what, keys in (("no longer exist", missing),
                           ("are transcripts not named in this load", unnamed)):
            if keys:
                more = f" and {len(keys) - 1} more" if len(keys) > 1 else ""
                notes.append(f"{len(keys):,} file(s) whose rows earlier loads dropped as "
                             f"duplicates {what} and were not read again "
                             f"({display_path(keys[0])}{more}): requests only they and {why} "
                             "held may be missing; name them in the load, or load every file "
                             "into a new --db file")
        return notes

    def _drop_identical_copies(
        self, loads: list[FileLoad], projected: list[SourceFile],
        stats: dict[str, tuple[int, int]], fingerprints: dict[str, tuple[str, int, int, str]],
        digests: dict[str, str],
    ) -> list[str]:
        """A file read now with the same bytes as another file (read now, or in the --db
        manifest) holds the same requests a second time (a re-downloaded export, "usage (1).csv"):
        its rows are dropped as duplicates, with a note. Only files sharing a size are hashed;
        ``digests`` keeps the hashes made (the manifest reuses them)."""
        if not projected:  # nothing read now that a copy could be of (a transcript reload)
            return []
        by_key = {fl.source: fl for fl in loads}
        users = {src.key: src.user_id for src in projected}  # earlier files: None (tabular)
        sizes: dict[int, list[str]] = {}
        for key, fp in fingerprints.items():
            if key not in stats:  # a file of an earlier load, unchanged or not named now
                sizes.setdefault(int(fp[1]), []).append(key)
        for src in projected:
            fl = by_key.get(src.key)
            if fl is not None and fl.rows_loaded:
                sizes.setdefault(stats[src.key][0], []).append(src.key)
        notes: list[str] = []
        for size, keys in sizes.items():
            if len(keys) < 2 or size == 0 or not any(k in stats for k in keys):
                continue
            earlier = self._manifest([k for k in keys if k not in stats])
            # content hash and the values rows take from the path -> the file kept: the same
            # bytes under user_id=alice/ and user_id=bob/ are two users' rows, not a copy
            first: dict[tuple[str, tuple[str, ...], str | None], str] = {}
            # kept: a file of an earlier load, else the shortest name ("usage.csv", not
            # "usage (1).csv")
            for key in sorted(keys, key=lambda k: (k in stats, len(k), k)):
                if key in stats:
                    digest = digests.get(key) or content_hash(Path(key))
                    digests[key] = digest
                elif key in earlier and earlier[key].rows_loaded:
                    digest = earlier[key].content_hash
                else:  # an earlier file that kept no rows (all rejected) is no original
                    digest = ""
                if not digest.startswith("sha256:"):
                    continue
                ident = (digest, path_values(key), users.get(key))
                if ident not in first:
                    first[ident] = key
                    continue
                fl = by_key[key]
                sqlfiles.run(self.con, "delete_source_events", {"source": key}).fetchall()
                # the copies it dropped: the first file's rows hold the same (id_conflicts)
                sqlfiles.run(self.con, "delete_source_rows", {"source": key},
                             {"table": quote_ident(id_conflicts.TABLE)}).fetchall()
                duplicate_links.record(self.con, [(key, first[ident])])
                fl.duplicates_dropped += fl.rows_loaded
                notes.append(f"{display_path(key)}: the same bytes as "
                             f"{display_path(first[ident])}; its "
                             f"{fl.rows_loaded:,} row(s) were dropped as duplicates (a second "
                             "copy of the same export?)")
                fl.rows_loaded = 0
        return notes

    def _fingerprints(self) -> dict[str, tuple[str, int, int, str]]:
        """(source, size, mtime_ns, format) of every file in the manifest, by source."""
        rows = sqlfiles.run(self.con, "manifest_fingerprints").fetchall()
        return {r[0]: r for r in rows}

    def _folder_memo(self) -> FolderMemo:
        rows = sqlfiles.run(self.con, "folder_listings").fetchall()
        self._listings_named = bool(sqlfiles.run(self.con, "store_setting",
                                                 {"name": LISTING_SETTING[0]}).fetchall())
        if rows and not self._listings_named:  # an older planalyzer's: .jsonl files only
            return FolderMemo(replaced=[str(r[0]) for r in rows])
        return FolderMemo({r[0]: r for r in rows})

    def _record_folders(self, memo: FolderMemo) -> None:
        """Write the listings of folders this load listed afresh; drop those of folders gone."""
        gone, new = memo.changes()
        if gone:
            sqlfiles.run(self.con, "delete_folder_listings", {"folders": gone}).fetchall()
        if new:
            sqlfiles.run(self.con, "insert_folder_listings",
                         _columns(("folder", "mtime_ns", "listed_ns", "files", "dirs"), new))\
                .fetchall()
        if new and not self._listings_named:
            name, value = LISTING_SETTING
            sqlfiles.run(self.con, "insert_store_setting", {"name": name, "value": value})\
                .fetchall()

    def _manifest(self, sources: list[str]) -> dict[str, ManifestEntry]:
        rows = sqlfiles.run(self.con, "manifest_entries", {"sources": sources}).fetchall()
        return {str(r[0]): ManifestEntry(*r) for r in rows}

    def _forget(self, key: str, module: Source) -> None:
        """Drop what an earlier load took from a file that changed (it is read again)."""
        sqlfiles.run(self.con, "delete_source_events", {"source": key}).fetchall()
        sqlfiles.run(self.con, "delete_source_rejected", {"source": key}).fetchall()
        duplicate_links.forget(self.con, [key])
        # a usage-API export's record of its buckets (planalyzer.bucket_copies.record)
        bucket = ("bucket_fetches",) if module.name in BUCKET_SOURCES else ()
        for table in ("skipped_lines", id_conflicts.TABLE, *bucket, *module.extra_tables):
            sqlfiles.run(self.con, "delete_source_rows", {"source": key},
                         {"table": quote_ident(table)}).fetchall()

    def _record(self, loads: list[FileLoad], known: dict[str, ManifestEntry],
                stats: dict[str, tuple[int, int]], digests: dict[str, str],
                file_opts: dict[str, str]) -> None:
        """Write the manifest rows and skipped-line counts of the files this load read."""
        records: list[tuple[Any, ...]] = []
        skipped: list[tuple[str, str, int]] = []
        replaced: list[str] = []  # files the manifest holds already (reloaded or appended)
        for fl in loads:
            if fl.status == "unchanged":
                continue
            if fl.source in known:
                replaced.append(fl.source)
            size, mtime_ns = stats[fl.source]
            counts = [fl.rows_read, fl.rows_loaded, fl.rows_rejected, fl.duplicates_dropped]
            reasons = dict(fl.rejected_by_reason)
            prev = known.get(fl.source)
            if fl.status == "appended" and prev is not None:
                counts = [a + b for a, b in zip(counts, prev.counts(), strict=True)]
                for k, v in json.loads(prev.rejected_by_reason or "{}").items():
                    reasons[k] = reasons.get(k, 0) + int(v)
            if fl.read_offset is not None and self.path is not None:
                digest = tail_hash(Path(fl.source), fl.read_offset)
            elif self.path is not None:
                digest = digests.get(fl.source) or content_hash(Path(fl.source))
            else:
                digest = ""
            records.append((fl.source, fl.format, size, mtime_ns, digest, *counts,
                            json.dumps(reasons, sort_keys=True) if reasons else "{}",
                            fl.mapping, fl.read_offset, fl.read_lines,
                            file_opts.get(fl.source)))
            skipped.extend((fl.source, kind, n) for kind, n in sorted(fl.skipped_by_kind.items()))
        # bound lists, one per column (no Arrow table: the load path never imports pyarrow);
        # a delete and a plain insert, not INSERT OR REPLACE (12 MB more for 5,900 files)
        if replaced:
            sqlfiles.run(self.con, "delete_manifest_entries", {"sources": replaced}).fetchall()
        if records:
            sqlfiles.run(self.con, "insert_manifest", _columns(MANIFEST_COLUMNS, records))\
                .fetchall()
        if skipped:
            sqlfiles.run(self.con, "insert_skipped_lines",
                         _columns(("source", "kind", "lines"), skipped)).fetchall()

    def _load_one(self, src: SourceFile, module: Source, opts: LoadOptions,
                  status: str) -> FileLoad:
        check_not_empty(src)
        if not module.stages(src):
            return self._load_projected(src, module, opts, status)
        bad = staging.stage(self.con, src, _STAGE)  # lines that are no row: rejected
        try:
            if bad:
                sqlfiles.run(self.con, "insert_bad_lines", {
                    "source": src.key, "rows": [b.row for b in bad],
                    "reasons": [b.reason for b in bad], "raw": [b.raw for b in bad]}
                ).fetchall()
            return self._load_projected(src.staged(_STAGE), module, opts, status, len(bad))
        finally:
            _drop_temp(self.con, _STAGE)

    def _load_projected(self, src: SourceFile, module: Source, opts: LoadOptions,
                        status: str, bad_lines: int = 0) -> FileLoad:
        """Check and insert a file's rows; ``bad_lines``: lines staging already rejected."""
        proj = module.projection(self.con, src, opts)
        fmt = src.format if module.name == registry.GENERIC else f"{module.name} {src.format}"
        checked = sqlfiles.load("checked_rows").render({"projection": proj.sql})
        params: dict[str, Any] = {
            "bucket_requests": 1, **proj.params,
            "path": src.key, "tz": opts.timezone, "max_tokens": opts.max_tokens,
            "type_problem": proj.type_problem, "source": src.key,
        }
        # checked rows are kept in a temp table for the passes below (inserts, counts) unless
        # the file is parquet (checked_once): a usage-report JSON's projection is run once,
        # not per pass (80,400 results: 2.6 -> 1.75 s). The rows read are the rows staged
        # (sql/checked_rows.sql keeps every projected row): counting them apart ran the
        # projection a second time (an OpenAI usage JSON of 200k results: the count alone
        # ran out of the default 2 GB).
        staged = checked_once(src)
        try:
            if staged:  # (a CREATE TABLE AS returns the rows it wrote)
                read = _count(sqlfiles.run(
                    self.con, "stage_checked_rows", params,
                    {"table": quote_ident(_CHECKED), "checked_rows": checked})) + bad_lines
                if proj.number_repeated_ids:
                    sqlfiles.run(self.con, "number_repeated_event_ids",
                                 slots={"table": quote_ident(_CHECKED)}).fetchall()
                checked = f"SELECT * FROM {quote_ident(_CHECKED)}"
            else:
                read = self._count_rows(src, proj.reader, params) + bad_lines
            inserted = _count(sqlfiles.run(self.con, "insert_events", params,
                                           {"checked_rows": checked}))
            # rows that are no model call by kind, and (kind NULL) those whose request count
            # is an estimate (per row: one layout of a source may log counts, another not)
            kinds = {k: int(n) for k, n in sqlfiles.run(
                self.con, "skipped_and_estimated_rows" if proj.estimates_requests
                else "skipped_row_kinds", params, {"checked_rows": checked}).fetchall()}
            estimated = kinds.pop(None, 0)
            skipped = {str(k): n for k, n in kinds.items()}
            # the rows neither inserted nor skipped are the rejected ones: with none (a clean
            # file, the usual case) their pass is not run. DuckDB may build every row's raw
            # JSON before filtering (a parquet file's to_json(src)): 1.8 s for 1.7M rows.
            rejected = bad_lines
            if read - bad_lines - inserted - sum(skipped.values()):
                rejected += _count(sqlfiles.run(self.con, "insert_rejected_rows", params,
                                                {"checked_rows": checked}))
            costless, empty = _kept_counts(self.con, proj, params, checked)
            uncounted = _uncounted(self.con, proj, params, checked) if inserted else ""
            unread = "; ".join(n for n in (
                proj.mapping.unread,
                proj.after_checks(self.con, checked, params) if proj.after_checks else None)
                if n)
            said = (proj.read_note(self.con, checked, params)
                    if inserted and proj.read_note is not None else "")
            # a file that loaded no row: its reader says what it holds where it is not the
            # report it was read as (a cost report read as usage); None: nothing amiss
            holds = (proj.holds_instead(self.con, read - bad_lines)
                     if not inserted and proj.holds_instead is not None else None)
            shifts: dict[str, int] = {}
            if opts.timezone != "UTC" and proj.local_ts:
                row = sqlfiles.run(self.con, "count_local_time_shifts", params,
                                   {"checked_rows": checked}).fetchall()[0]
                shifts = {k: int(n) for k, n in zip(("ambiguous", "nonexistent", "naive"), row,
                                                     strict=True) if n}
        except duckdb.Error as exc:
            raise (store_error(self.path, exc)
                   or staging.unreadable(src.key, format_name(src.key, fmt), exc)) from None
        finally:
            if staged:
                _drop_temp(self.con, _CHECKED)
        reasons = dict(sqlfiles.run(self.con, "rejected_reasons", {"source": src.key})
                       .fetchall()) if rejected else {}
        return FileLoad(
            source=src.key, format=fmt, status=status, rows_read=read - sum(skipped.values()),
            rows_loaded=inserted, rows_rejected=rejected,
            rejected_by_reason={str(k): int(v) for k, v in reasons.items()},
            mapping=proj.mapping.describe(), skipped_by_kind=skipped,
            kept_without={"logged cost": costless} if costless else {},
            local_time_shifts=shifts, estimated_requests=estimated, empty_read_as_zero=empty,
            unread_tokens=unread, uncounted_tokens=uncounted,
            holds_instead=holds or "", read_note=said,
        )

    def _count_rows(self, src: SourceFile, reader: str, params: dict[str, Any]) -> int:
        """Rows in the file, counted apart from the inserts (parquet: from its footer)."""
        if src.stage is None and src.format == "parquet" and reader.startswith("read_parquet"):
            return _count(sqlfiles.run(self.con, "parquet_row_count", {"path": src.key}))
        return _count(sqlfiles.run(self.con, "count_source_rows", params, {"reader": reader}))

    def _drop_duplicates(self, loads: list[FileLoad], new_keys: list[str],
                         key: str, projected: list[str]
                         ) -> tuple[dict[str, list[int]], list[str]]:
        """Drop the copies of a key but one, ranked alike whichever load read them
        (sql/rank_duplicate_events.sql). Returns the times (epoch microseconds) of the rows
        dropped from files not read now (rows an earlier load kept: a copy read now has more
        tokens, or a gone file's rows, which rank after copies on disk), by file: counted as
        duplicates in their manifest entries; and the notes on usage buckets two files hold
        with other token counts and on the stored rows replaced. Copies of an event id that
        ``projected`` (the files read now by a projection, not transcripts) hold are refused
        where they are not one request (planalyzer.id_conflicts), and copies of a usage
        bucket held by two files that cannot be fetches of one export
        (planalyzer.bucket_copies)."""
        bucket_notes: list[str] = []
        try:
            # the hashes of the keys that repeat (most loads: none, and nothing more runs),
            # then their rows, read from events once for the check and the ranking
            if not _count(sqlfiles.run(self.con, "repeated_key_hashes", slots={"key": key})):
                return {}, []  # (a CREATE TABLE AS returns the rows it wrote)
            sqlfiles.run(self.con, "stage_duplicate_copies", {"new_sources": new_keys},
                         {"key": key}).fetchall()
        finally:
            _drop_temp(self.con, _HASHES)
        try:
            slots = bucket_copies.RANK_SLOTS
            spread = False  # copies of an id differ: those dropped are recorded
            if key == "event_id":
                spread = id_conflicts.check(self.con, projected, loads)
                bucket_notes = bucket_copies.check(self.con, projected, loads, self.path)
                # copies of a dashboard CSV row's id that tie: the final export's is kept
                slots = bucket_copies.break_ties(self.con, projected, loads)
            sqlfiles.run(self.con, "rank_duplicate_events", slots=slots).fetchall()
            if spread:  # the copies dropped that a later load's check judges
                id_conflicts.record(self.con)
        finally:
            _drop_temp(self.con, _COPIES)
            _drop_temp(self.con, id_conflicts.SPREAD)
            _drop_temp(self.con, bucket_copies.TIE_IDS)
            _drop_temp(self.con, bucket_copies.TIES)
        try:
            replaced = _count(sqlfiles.run(self.con, "replaced_stored_copies"))
            # on one thread: DuckDB 2.0.0's parallel DELETE by rowid, in a transaction that
            # appended rows, now and then left a stored row it was given (about 1 load in 20 of
            # tests/test_linked_changed_files.py's sequences counted a request twice; none in
            # 180 on one thread); the dedupe step's CPU is the same (bench/bench_dedupe.py)
            with duck.one_thread(self.con):
                deleted = sqlfiles.run(self.con, "drop_duplicate_events").fetchall()
            duplicate_links.record(self.con, sqlfiles.run(self.con, "dropped_duplicate_links")
                                   .fetchall())
        finally:
            _drop_temp(self.con, _DROPPED)
        per_source = Counter(str(r[0]) for r in deleted)
        read_now = {fl.source for fl in loads if fl.status != "unchanged"}
        for fl in loads:
            n = per_source.get(fl.source, 0)
            if n and fl.source in read_now:
                fl.duplicates_dropped += n
                fl.rows_loaded -= n
        earlier: dict[str, list[int]] = {}
        for src, ts_us in deleted:
            if str(src) not in read_now:
                earlier.setdefault(str(src), []).append(int(ts_us))
        if earlier:
            sqlfiles.run(self.con, "move_rows_to_duplicates", {
                "sources": list(earlier), "counts": [len(v) for v in earlier.values()]}
            ).fetchall()
        return earlier, bucket_notes + _replaced_notes(replaced)

    # -- reading back --------------------------------------------------------------------

    def events(self) -> duckdb.DuckDBPyRelation:
        self._check_open("events")
        return self.con.table("events")


def _spec_list(specs: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[str]:
    """One path or a sequence of paths as strings (a str is one path, not its characters)."""
    if isinstance(specs, (str, os.PathLike)):
        specs = [specs]
    out: list[str] = []
    for s in specs:
        if not isinstance(s, (str, os.PathLike)):
            raise InputError(f"{s!r}: not a path; give file, folder or glob names as str or "
                             "Path")
        out.append(os.fspath(s))
    return out


def _kept_counts(con: duckdb.DuckDBPyConnection, proj: Projection, params: dict[str, Any],
                 checked: str) -> tuple[int, dict[str, int]]:
    """Loaded rows whose logged cost could not be read, and loaded rows with an empty token
    cell (read as 0) by the file's column (a projection of its own, the usage-API JSON's, has
    no empty-cell flags)."""
    costless = _count(sqlfiles.run(con, "count_costless_rows", params,
                                   {"checked_rows": checked})) \
        if "logged_cost_usd" in proj.mapping.columns else 0
    if not proj.empty_columns:
        return costless, {}
    row = sqlfiles.run(con, "count_empty_token_cells", params,
                       {"checked_rows": checked}).fetchall()[0]
    return costless, {proj.empty_columns[c]: int(n)
                      for c, n in zip(TOKEN_COLUMNS, row, strict=True)
                      if n and c in proj.empty_columns}


def _uncounted(con: duckdb.DuckDBPyConnection, proj: Projection, params: dict[str, Any],
               checked: str) -> str:
    """The tokens the loaded rows hold that no token class counts (Projection.uncounted), as
    the load says them: 'N row(s) hold ...: field total, ...; why'; '' where there are none."""
    if not proj.uncounted:
        return ""
    cols = [f"c.{quote_ident(c)}" for c in proj.uncounted.values()]
    row = sqlfiles.run(con, "sum_uncounted_tokens", params, {
        "checked_rows": checked, "any": " OR ".join(f"{c} > 0" for c in cols),
        "sums": ", ".join(f"coalesce(sum({c}), 0)" for c in cols)}).fetchall()[0]
    totals = [(name, int(n)) for name, n in zip(proj.uncounted, row[1:], strict=True) if n]
    if not row[0] or not totals:
        return ""
    return (f"{int(row[0]):,} row(s) hold tokens that no token class counts, neither loaded "
            "nor priced: " + ", ".join(f"{name} {n:,}" for name, n in totals)
            + (f"; {proj.uncounted_why}" if proj.uncounted_why else ""))


_STAGE = "source_stage"  # the temp table a CSV or JSON-lines file is read into (stage_source)
_CHECKED = "source_checked"  # its rows checked (stage_checked_rows)
_HASHES = "dup_hashes"  # the dedupe-key hashes that repeat (repeated_key_hashes)
_COPIES = "dup_copies"  # the rows of the keys that repeat (stage_duplicate_copies)
_DROPPED = "dup_dropped"  # the copies the dedupe drops (rank_duplicate_events)


def _replaced_notes(replaced: int) -> list[str]:
    """The note on rows earlier loads kept that this load's dedupe replaced by copies with
    more tokens, or tied copies of a dashboard CSV row ranked by their files' tokens of its
    bucket, or copies of as many tokens ranked by what they hold (sql/replaced_stored_copies.sql,
    sql/tied_bucket_copies.sql, planalyzer.bucket_copies.RANK_SLOTS)."""
    if not replaced:
        return []
    return [f"{replaced:,} row(s) stored by earlier loads were replaced by later copies of "
            "the same event with more tokens (a usage bucket fetched again after it grew, a "
            "generation exported again once finished; or as many, of an OpenAI dashboard CSV "
            "row, from an export holding more of its bucket); or as many tokens held otherwise "
            "(more of them output or cached: copies of equal totals rank by what they hold, in "
            "any order of runs); they count as duplicates of their own "
            "files, as in one load of every file"]


def _columns(names: Sequence[str], records: list[tuple[Any, ...]]) -> dict[str, list[Any]]:
    """Rows as one list per column (bound as parameters; unnested in lockstep in SQL)."""
    return dict(zip(names, map(list, zip(*records, strict=True)), strict=True))


def _count(cur: duckdb.DuckDBPyConnection) -> int:
    rows = cur.fetchall()  # fetch to the end: DuckDB 2 refuses other work on an open result
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def _drop_temp(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Drop a load's temp table; in a transaction an error aborted (Ctrl-C, a file DuckDB
    could not read), nothing: the ROLLBACK drops it, and that error is the one to raise."""
    with suppress(duckdb.TransactionException):
        sqlfiles.run(con, "drop_temp_table", slots={"table": quote_ident(table)}).fetchall()


def _dedupe_key(columns: tuple[str, ...]) -> str:
    """The dedupe key expression: event_id, or the canonical columns the user named (event_id
    alone, as a store an older planalyzer made may have recorded it: the default)."""
    if not columns or columns == ("event_id",):
        return "event_id"
    for c in columns:
        if c not in EVENT_COLUMN_NAMES:
            raise ConfigError(f"--dedupe-on {','.join(columns)}: {c!r} is not a canonical "
                              "column; use names from: " + ", ".join(EVENT_COLUMN_NAMES))
    return "row(" + ", ".join(quote_ident(c) for c in columns) + ")"


@contextmanager
def _insertion_order_off(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run a load with preserve_insertion_order off (``sql/set_insertion_order.sql`` says why:
    a DuckDB 2.0.0 bug that hides inserted rows), then restore the connection's setting."""
    was = bool(sqlfiles.run(con, "current_insertion_order").fetchall()[0][0])
    sqlfiles.run(con, "set_insertion_order", {"preserve": False})
    try:
        yield
    finally:
        sqlfiles.run(con, "set_insertion_order", {"preserve": was})


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a load: a load makes tens of thousands of
    short-lived objects without cycles (a --db reload of 5,900 unchanged transcripts: paths,
    stats, SourceFile and FileLoad objects), and the collections their allocations trigger
    cost about a tenth of an unchanged reload. Reference counting still frees everything; the
    collector runs again after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _strict_message(con: duckdb.DuckDBPyConnection, files: list[FileLoad]) -> str:
    sources = [f.source for f in files]
    first = sqlfiles.run(con, "first_rejected_rows", {"sources": sources, "limit": 3}).fetchall()
    examples = "; ".join(f"{Path(s).name} row {r}: {why}" for s, r, why in first)
    rejected = sum(f.rows_rejected for f in files)
    return (f"--strict: {rejected:,} row(s) rejected ({examples}); "
            "fix those rows, or load without --strict to keep them in rejected_rows")


__all__ = ["READERS", "LoadOptions", "Store"]
