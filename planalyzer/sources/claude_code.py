"""Claude Code transcripts: ``projects/<project>/<session>.jsonl`` (and nested ``subagents/``).

Rows are the lines whose JSON carries ``message.usage`` (assistant turns); every other line is
counted by kind in ``skipped_by_kind`` (user turns, summaries, file-history snapshots ...), so
nothing read is lost silently. Reading is batched: a Python scan finds the candidate lines
(those containing ``"usage"``) in every file without parsing the rest, and DuckDB parses the
candidates of many files in one statement per chunk (sql/stage_claude_code_lines.sql). Duplicates
(the same message.id + requestId, or message.id + session for a line without requestId, in
several lines or files: streamed content blocks, resumed sessions; a subagent's sidechain
replay of its session's message) are resolved across the whole batch and the copies earlier
loads kept of the same messages (sql/rank_claude_code_rows.sql, tables ``claude_code_keys``
and ``claude_code_witnesses``), as ccusage counts them.

Users: a folder holding ``projects/`` (or a home folder holding ``.claude/projects/`` or
``.config/claude/projects/``) is one user's, named by ``--user`` (default ``me``; several
users' such folders named in one load: planalyzer.sources.homes); a folder of such folders is
many users', each named by its folder (or by ``--user-map``).
"""

from __future__ import annotations

import os
from array import array
from collections import Counter
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import duckdb

from planalyzer import duck, duplicate_links, sqlfiles
from planalyzer.accounting import FileLoad
from planalyzer.sources import file_kind
from planalyzer.sources.base import (
    COMPRESSED,
    UTF8_BOM,
    BatchItem,
    Source,
    access_error,
    first_line,
    open_bytes,
)
from planalyzer.sources.files import SourceFile, is_folder, list_folder
from planalyzer.sources.folder_memo import FolderMemo, find_files
from planalyzer.sources.layouts import CLAUDE_CONFIG_FOLDERS, CLAUDE_TRANSCRIPTS
from planalyzer.sources.tabular import NON_INTEGER, OUT_OF_RANGE, create_count_macros
from planalyzer.sources.ts_text import create_ts_macros
from planalyzer.sqlfiles import quote_ident

if TYPE_CHECKING:
    from concurrent.futures import Future

    from planalyzer.store import LoadOptions

DEFAULT_USER = "me"
# a transcript's names: plain, or compressed by hand (old sessions kept from the clean-up)
TRANSCRIPT_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst")
_BLOCK_BYTES = 1 << 20  # files are read in blocks of this size (bounds memory)
_CHUNK_BYTES = 2 << 20  # candidate lines parsed per DuckDB statement (bounds memory)
_UNTERMINATED = "unterminated last line (read once the file grows)"
_TYPE_KEY = b'"type":"'
_CONTENT = b'"content":['
_STOP = b'],"stop_reason":'
_TYPE_WITHIN = 4096  # the first "type" key lies this close to a line's start
# First "type" values of lines that are not model turns (Claude Code writes a user line's
# top-level type before its message; an assistant line's first type is its message's).
_NO_USAGE = frozenset({b"user", b"summary", b"file-history-snapshot", b"system",
                       b"queue-operation"})
# first lines that only a Claude Code transcript starts with (content detection)
_FIRST_KINDS = (b'{"type":"summary"', b'{"type":"file-history-snapshot"',
                b'{"type":"queue-operation"')


@dataclass
class _Scan:
    """What the Python pass found in one file."""

    kinds: Counter[str] = field(default_factory=Counter)
    end_offset: int = 0
    lines: int = 0
    compressed: bool = False  # read decompressed: no offset a load may read on from
    # the scan counts first "type" values as bytes (no decode per line); see counted()
    type_values: Counter[bytes] = field(default_factory=Counter)

    def counted(self) -> _Scan:
        """Fold the byte-keyed counts into ``kinds``."""
        for value, n in self.type_values.items():
            self.kinds[value.decode("utf-8", "replace")] += n
        self.type_values.clear()
        return self


def _kind(line: bytes) -> str:
    """The first ``"type"`` value of a line not parsed (user and summary lines put theirs
    before any nested object; a label for counting, never used for tokens)."""
    i = line.find(_TYPE_KEY)
    if i < 0:
        return "no type"
    j = line.find(b'"', i + len(_TYPE_KEY), i + len(_TYPE_KEY) + 64)
    if j < 0:
        return "no type"
    return line[i + len(_TYPE_KEY):j].decode("utf-8", "replace")


class _Batch:
    """Candidate lines of many files, gathered into one buffer (newline after each line;
    ``_scan_block`` appends to ``buf``, ``file_idx`` and ``line_no`` itself) and flushed to
    DuckDB in chunks: the chunk is one bound VARCHAR that the SQL splits (no Arrow,
    no Python object per line), its file indexes and line numbers two more.

    A chunk is parsed on a worker thread while the scan goes on (DuckDB releases the GIL while
    it runs; the scan holds it): the connection is used by that one thread until ``wait``, and at
    most one chunk is parsed while the next one fills."""

    def __init__(self, con: duckdb.DuckDBPyConnection, max_tokens: int) -> None:
        self.con = con
        self.max_tokens = max_tokens
        # imported here: concurrent.futures (and the logging it imports) costs a --db reload of
        # unchanged files 10 ms of process start for nothing
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cc-parse")
        self._pending: Future[None] | None = None
        self._reset()

    def _reset(self) -> None:
        self.buf = bytearray()
        self.file_idx = array("i")
        self.line_no = array("q")

    def full(self) -> bool:
        return len(self.buf) >= _CHUNK_BYTES

    def flush(self) -> None:
        """Hand the gathered lines to the worker (after the chunk before them is parsed)."""
        if not self.file_idx:
            return
        parts = (self.buf, self.file_idx, self.line_no)
        self.wait()
        self._pending = self._pool.submit(self._parse, *parts)
        self._reset()

    def wait(self) -> None:
        """Block until the chunk handed over is parsed (its error is raised here)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        """Wait for the worker (even after an error in the scan) and stop it."""
        try:
            self.wait()
        finally:
            self._pool.shutdown(wait=True)

    def _parse(self, buf: bytearray, file_idx: array[int], line_no: array[int]) -> None:
        # bytes that are not UTF-8 become U+FFFD (a newline is never part of a multi-byte
        # sequence, so each line is decoded as if alone); the last newline is dropped
        lines = str(memoryview(buf)[:-1], "utf-8", "replace")
        sqlfiles.run(self.con, "stage_claude_code_lines", {
            "lines": lines, "file_idx": ",".join(map(str, file_idx)),
            "line_no": ",".join(map(str, line_no))}).fetchall()


def _scan_block(data: bytes, scan: _Scan, idx: int, batch: _Batch) -> int:
    """Count the complete lines of ``data``; candidates go to ``batch``. Returns the bytes
    consumed (up to and including the last newline).

    A line's first ``"type"`` value is read first (it sits near the start of every kind of
    line): user turns, summaries, snapshots and system lines never carry message.usage, so
    their (often large) bodies are not searched. In an assistant line the message's content
    array (text, thinking, tool input: most of its bytes) is elided before parsing: JSON
    escapes every quote inside a string, so ``"content":[`` and the last ``],"stop_reason":``
    can only be the message's own keys; a line without them is passed whole."""
    find, rfind = data.find, data.rfind
    view = memoryview(data)
    kinds = scan.type_values
    # the batch's buffers, appended to in place here (a method call per candidate costs more
    # than the appends; the batch swaps them only in flush(), between blocks)
    buf = batch.buf
    add_idx, add_line = batch.file_idx.append, batch.line_no.append
    pos, end = 0, len(data)
    lines = scan.lines
    while pos < end:
        nl = find(b"\n", pos)
        if nl < 0:
            break
        lines += 1
        lim = pos + _TYPE_WITHIN
        if lim > nl:
            lim = nl
        k = find(_TYPE_KEY, pos, lim)
        kind = b""
        if k >= 0:
            q = find(b'"', k + 8, k + 72 if k + 72 < nl else nl)
            kind = data[k + 8:q] if q > 0 else b"no type"
        if kind not in _NO_USAGE:
            c = find(_CONTENT, pos, lim)
            stop = rfind(_STOP, c, nl) if c >= 0 else -1
            if stop > c >= 0 and find(b'"usage"', stop, nl) >= 0:
                buf += view[pos:c + len(_CONTENT)]  # the message without its content
                buf += view[stop:nl + 1]
                add_idx(idx)
                add_line(lines)
                pos = nl + 1
                continue
            if find(b'"usage"', pos, nl) >= 0:
                buf += view[pos:nl + 1]
                add_idx(idx)
                add_line(lines)
                pos = nl + 1
                continue
        if kind:
            kinds[kind] += 1
        elif nl > pos and data[pos:nl].strip():
            scan.kinds[_kind(data[pos:nl])] += 1
        pos = nl + 1
    scan.lines = lines
    return pos


def scan_file(path: str, idx: int, start_offset: int, start_line: int,
              batch: _Batch) -> _Scan:
    """Read one file (its path as a string: no Path made per file) from ``start_offset`` in
    blocks: candidates go to ``batch``, other lines are counted by kind; a line longer than a
    block is skipped in pieces unless it may carry usage. The offset stops after the last
    complete line. A compressed transcript (``.jsonl.gz``, ``.jsonl.zst``: an old session
    kept from Claude Code's clean-up) is read decompressed and whole (``compressed``: a load
    never reads on from an offset into it)."""
    scan = _Scan(end_offset=start_offset, lines=start_line)
    if path.endswith(COMPRESSED):
        scan.compressed = True
        try:
            with open_bytes(Path(path)) as fh:
                _scan_stream(fh, path, idx, scan, batch, True)
        except file_kind.DECOMPRESS_ERRORS as exc:
            raise (access_error(path, exc) or file_kind.compressed_error(path, exc)) from None
        return scan.counted()
    with open(path, "rb") as fh:
        if start_offset:
            fh.seek(start_offset)
        _scan_stream(fh, path, idx, scan, batch, not start_offset)
    return scan.counted()


def _scan_stream(fh: IO[bytes], path: str, idx: int, scan: _Scan, batch: _Batch,
                 opening: bool) -> None:
    """``scan_file``'s reading of ``fh`` (``opening``: from the file's first byte)."""
    carry = b""
    unread = False  # carry holds bytes read past a long line skipped, not scanned yet
    while True:
        block = fh.read(_BLOCK_BYTES)
        if not block and not unread:
            break
        unread = False
        if opening:
            opening = False
            if block.startswith(_ODD_OPENINGS):  # the byte-order mark counts in the offset
                opened = file_kind.transcript_opening(Path(path), block)
                scan.end_offset += len(block) - len(opened)
                block = opened
            if b"\n" not in block and (cr := file_kind.cr_line_ends_error(path, block)):
                raise cr  # read as one unterminated line, it would load nothing
        data = carry + block if carry else block
        used = _scan_block(data, scan, idx, batch)
        scan.end_offset += used
        carry = data[used:]
        if batch.full():
            batch.flush()
        if len(carry) > _BLOCK_BYTES and carry.startswith(b'{"type":"'):
            skipped, carry = _skip_long_line(fh, carry, scan)
            scan.end_offset += skipped
            unread = bool(carry)
    if carry:
        scan.kinds[_UNTERMINATED] += 1


# first bytes of a file that are no transcript line's: a UTF-8 byte-order mark (a transcript
# saved by a Windows editor), or compressed or parquet data under a .jsonl name
_ODD_OPENINGS = (UTF8_BOM, *file_kind.MAGIC)


def _skip_long_line(fh: IO[bytes], head: bytes, scan: _Scan) -> tuple[int, bytes]:
    """Skip the rest of a very long line that cannot carry usage (a file-history snapshot),
    counting it by kind; returns the bytes consumed and those read past the line's end (0 and
    none if the file ends inside it: the line is then unterminated and the offset stays before
    it)."""
    size = len(head)
    while True:
        piece = fh.read(_BLOCK_BYTES)
        if not piece:
            scan.kinds[_UNTERMINATED] += 1
            return 0, b""
        nl = piece.find(b"\n")
        if nl >= 0:
            scan.lines += 1
            scan.kinds[_kind(head)] += 1
            return size + nl + 1, piece[nl + 1:]
        size += len(piece)


def projects_folders(folder: Path) -> list[Path]:
    """The projects/ folders of one user's folder: a config folder's own projects/, else those
    of the config folders in a home folder (.claude/, .config/claude/; both when it has both:
    one user's), or of claude/ in a .config folder named; none: not one user's folder."""
    own = folder / CLAUDE_TRANSCRIPTS
    if is_folder(own):
        return [own]
    inside = [folder / name / CLAUDE_TRANSCRIPTS for name in CLAUDE_CONFIG_FOLDERS]
    if folder.name == ".config":
        inside.append(folder / "claude" / CLAUDE_TRANSCRIPTS)
    return [p for p in inside if is_folder(p)]


def _user_folders(folder: Path) -> list[tuple[Path, str | None]]:
    """(projects folder, user) pairs under what the user named: one user's folder (user None:
    --user, default me), or a folder of users' folders (each named by its folder)."""
    if folder.name == CLAUDE_TRANSCRIPTS:
        return [(folder, None)]
    own = projects_folders(folder)
    if own:
        return [(p, None) for p in own]
    found: list[tuple[Path, str | None]] = []
    for child in list_folder(folder):
        if is_folder(child) and not child.name.startswith("."):
            found.extend((p, child.name) for p in projects_folders(child))
    return found


def symlinked_projects(folder: Path) -> list[Path]:
    """Project folders inside the projects/ folder(s) under ``folder`` that are symbolic links
    to folders: the walk does not enter them (a link may loop, or repeat another folder), so
    their transcripts are not read; callers say so."""
    out: list[Path] = []
    for projects, _user in _user_folders(folder):
        try:
            entries = list(os.scandir(projects))
        except OSError:
            continue
        out.extend(Path(e.path) for e in entries if e.is_symlink() and e.is_dir())
    return sorted(out)


def _any_jsonl(folder: Path) -> bool:
    return any(f.endswith(TRANSCRIPT_SUFFIXES)
               for _root, _dirs, files in os.walk(folder) for f in files)


class ClaudeCode(Source):
    name = "claude-code"
    layout = (
        ("event_id", "message.id:requestId (duplicates dropped on it)"),
        ("ts", "timestamp"),
        ("user_id", "the folder's user (--user, default me; --user-map)"),
        ("model", "message.model"),
        ("input_tokens", "message.usage.input_tokens"),
        ("cache_write_tokens", "message.usage.cache_creation_input_tokens less the 1 h part"),
        ("cache_write_1h_tokens", "message.usage.cache_creation.ephemeral_1h_input_tokens"),
        ("cache_read_tokens", "message.usage.cache_read_input_tokens"),
        ("output_tokens", "message.usage.output_tokens"),
        ("requests", "1 per line with message.usage"),
        ("logged_cost_usd", "costUSD (older versions)"),
    )
    description = "Claude Code transcripts (~/.claude/projects/<project>/<session>.jsonl)"
    batch = True
    append_only = True
    extra_tables = ("claude_code_keys", "claude_code_witnesses")

    def sniff(self, path: Path, head: bytes) -> bool:
        """A transcript: its first line a summary, snapshot or queue-operation line, or a
        turn (``sessionId`` with ``parentUuid``/``leafUuid``) after any lines of other kinds
        that start ``{"type":"`` (newer versions open with queue operations, titles ...)."""
        if first_line(head).startswith(_FIRST_KINDS):
            return True
        for raw in head.split(b"\n"):
            line = raw.strip()
            if not line.startswith(b"{"):
                return False
            if b'"sessionId":' in line and (b'"parentUuid":' in line or b'"leafUuid":' in line):
                return True
            if not line.startswith(b'{"type":"'):
                return False
        return False

    def claims_folder(self, folder: Path) -> bool:
        return any(_any_jsonl(p) for p, _ in _user_folders(folder))

    def owns_folder(self, folder: Path) -> bool:
        return bool(projects_folders(folder))

    def expand(self, folder: Path, root: Path,
               memo: FolderMemo | None = None) -> list[SourceFile]:
        # the folder is resolved once; paths below it stay absolute without a resolve each
        return [SourceFile(path, "jsonl", self.name, user, stat)
                for projects, user in _user_folders(folder.resolve())
                for path, stat in find_files(str(projects), TRANSCRIPT_SUFFIXES, memo)]

    def setup(self, con: duckdb.DuckDBPyConnection) -> None:
        sqlfiles.run(con, "create_claude_code_keys").fetchall()
        sqlfiles.run(con, "add_claude_code_keys_session").fetchall()  # an older store's
        sqlfiles.run(con, "create_claude_code_witnesses").fetchall()

    def load_batch(
        self, con: duckdb.DuckDBPyConnection, items: list[BatchItem], opts: LoadOptions
    ) -> list[FileLoad]:
        sqlfiles.run(con, "create_claude_code_staging").fetchall()
        sqlfiles.run(con, "set_max_tokens_variable", {"max_tokens": opts.max_tokens}).fetchall()
        create_ts_macros(con)  # the stage macros read timestamps with them
        _create_stage_macros(con)
        sqlfiles.run(con, "create_claude_code_session_macro").fetchall()
        batch = _Batch(con, opts.max_tokens)
        try:
            scans = [scan_file(it.src.key, i, it.start_offset, it.start_line, batch)
                     for i, it in enumerate(items)]
            batch.flush()
        finally:
            batch.close()
        _restage_counts(con)
        return finish_batch(con, self.name, items, scans, opts)


def _create_stage_macros(con: duckdb.DuckDBPyConnection, name: str = "cc_stage") -> None:
    """cc_stage, which reads a count that is a JSON integer, or cc_stage_counts, which reads
    every count as the tabular reader reads a text cell (sql/create_claude_code_stage_macro.sql
    says why two), and the macros it reads counts with."""
    if name == "cc_stage":
        count, given = "pa_json_int", "pa_json_given"
        for sql in ("create_json_int_macro", "create_json_int_out_of_range_macro",
                    "create_json_given_macro"):
            sqlfiles.run(con, sql).fetchall()
    else:
        count, given = "pa_count", "pa_count_given"
        create_count_macros(con)
    sqlfiles.run(con, "create_claude_code_stage_macro", slots={
        "name": quote_ident(name), "count": quote_ident(count),
        "out_of_range": quote_ident(f"{count}_out_of_range"),
        "given": quote_ident(given)}).fetchall()


def _restage_counts(con: duckdb.DuckDBPyConnection) -> None:
    """Stage again the rows cc_stage rejected for a count (none, in transcripts Claude Code
    wrote) with cc_stage_counts, made only then (making a stage macro binds it: 7 ms): 10.0
    is then a count of 10, 2^63 out of range, as in a CSV."""
    reasons = {"reasons": [NON_INTEGER, OUT_OF_RANGE]}
    rows = sqlfiles.run(con, "claude_code_count_rejects", reasons).fetchall()
    if not rows:
        return
    _create_stage_macros(con, "cc_stage_counts")
    with duck.one_thread(con):  # a DELETE on one thread (planalyzer.store: _drop_duplicates)
        sqlfiles.run(con, "delete_claude_code_count_rejects", reasons).fetchall()
    sqlfiles.run(con, "restage_claude_code_counts", {
        "lines": "\n".join(str(raw) for _, _, raw in rows),
        "file_idx": ",".join(str(idx) for idx, _, _ in rows),
        "line_no": ",".join(str(no) for _, no, _ in rows)}).fetchall()


# the copies rank_claude_code_rows ranks: the batch's, and those earlier loads kept
_FRESH_COPIES = "SELECT * FROM fresh"
_STORED_COPIES = ("SELECT * FROM fresh UNION ALL SELECT * FROM stored "
                  "UNION ALL SELECT * FROM witnesses")


def _count_displaced(con: duckdb.DuckDBPyConnection, loads: list[FileLoad],
                     displaced: dict[str, int]) -> None:
    """Rows an earlier load kept and this batch replaced become duplicates of their file: in
    this load's count of a file the batch read on (appended), else in its manifest entry."""
    by_source = {fl.source: fl for fl in loads}
    others: dict[str, int] = {}
    for src, n in displaced.items():
        fl = by_source.get(src)
        if fl is None:
            others[src] = n
        else:
            fl.rows_loaded -= n
            fl.duplicates_dropped += n
    if others:
        sqlfiles.run(con, "move_rows_to_duplicates", {
            "sources": list(others), "counts": list(others.values())}).fetchall()


def _unloaded_usage(con: duckdb.DuckDBPyConnection, loads: list[FileLoad], searched: bool,
                    advised: bool) -> None:
    """What the loaded messages log beside the tokens their rows hold, into
    FileLoad.unloaded_usage of the file of each message's kept copy: web searches, and the
    advisor tool's sub-inferences by the advisor's model."""
    sqlfiles.run(con, "stage_claude_code_extras").fetchall()
    if searched:
        for idx, messages, searches in sqlfiles.run(con, "claude_code_web_searches").fetchall():
            loads[int(idx)].unloaded_usage["web_search_requests"] = [int(messages),
                                                                     int(searches)]
    if advised:
        _advisor_usage(loads, sqlfiles.run(con, "claude_code_advisor_iterations").fetchall())
    sqlfiles.run(con, "drop_temp_table", slots={"table": quote_ident("cc_extras")}).fetchall()


def _advisor_usage(loads: list[FileLoad], rows: list[tuple[Any, ...]]) -> None:
    """Sum the advisor iterations (sql/claude_code_advisor_iterations.sql: ordered by message
    and copy) into FileLoad.unloaded_usage["advisor <model>"] of each message's kept file:
    [messages, unreadable iterations, input, cache write 5 min, cache write 1 h, cache read,
    output]. Once per message: of its copies, the one whose readable advisor iterations hold
    the most tokens (the first on a tie), as a message's copies repeat its usage."""
    for _k, its in groupby(rows, key=lambda r: r[0]):
        copies = [list(c) for _, c in groupby(its, key=lambda r: (r[1], r[2]))]
        best = max(copies, key=lambda c: sum(sum(r[6:]) for r in c if r[5]))
        for model in dict.fromkeys(r[4] for r in best):
            counts = loads[int(best[0][3])].unloaded_usage.setdefault(
                f"advisor {model}", [0] * 7)
            counts[0] += 1
            for r in best:
                if r[4] == model:
                    counts[1] += not r[5]
                    if r[5]:
                        for j, n in enumerate(r[6:], 2):
                            counts[j] += int(n)


def user_of(src: SourceFile, opts: LoadOptions) -> str:
    if src.user_id is None:
        return opts.user_id or DEFAULT_USER
    return opts.user_map.get(src.user_id, src.user_id)


def finish_batch(con: duckdb.DuckDBPyConnection, name: str, items: list[BatchItem],
                 scans: list[_Scan], opts: LoadOptions) -> list[FileLoad]:
    """Rank, insert and count the staged rows; one FileLoad per file.

    Runs on one DuckDB thread: the ranking's window functions over the batch held about 30 MB
    more on two threads (the peak of the whole load) for a few hundredths of a second gained."""
    with duck.one_thread(con):
        return _finish_batch(con, name, items, scans, opts)


def _finish_batch(con: duckdb.DuckDBPyConnection, name: str, items: list[BatchItem],
                  scans: list[_Scan], opts: LoadOptions) -> list[FileLoad]:
    sqlfiles.run(con, "create_claude_code_files", {
        "sources": [it.src.key for it in items],
        "users": [user_of(it.src, opts) for it in items]}).fetchall()
    sqlfiles.run(con, "fill_claude_code_sessions").fetchall()
    stored = bool(sqlfiles.run(con, "claude_code_stored").fetchall()[0][0])
    sqlfiles.run(con, "rank_claude_code_rows", slots={
        "copies": _STORED_COPIES if stored else _FRESH_COPIES}).fetchall()
    displaced = {str(src): int(n)
                 for src, n in sqlfiles.run(con, "claude_code_displaced").fetchall()}
    if displaced:  # stored copies this batch's copies replace (a folder loaded in runs)
        for table in ("events", "claude_code_keys"):
            sqlfiles.run(con, "delete_claude_code_displaced",
                         slots={"table": quote_ident(table)}).fetchall()
    sqlfiles.run(con, "insert_claude_code_events").fetchall()
    sqlfiles.run(con, "insert_claude_code_keys").fetchall()
    sqlfiles.run(con, "insert_claude_code_witnesses").fetchall()
    sqlfiles.run(con, "insert_claude_code_rejected").fetchall()
    counts = {int(r[0]): [int(v) for v in r[1:]]
              for r in sqlfiles.run(con, "claude_code_file_counts").fetchall()}
    searched, advised = (any(c[i] for c in counts.values()) for i in (4, 5))
    details = sqlfiles.run(con, "claude_code_file_details").fetchall()
    loads: list[FileLoad] = []
    for i, (it, scan) in enumerate(zip(items, scans, strict=True)):
        read, loaded, rejected, dups = counts.get(i, [0, 0, 0, 0])[:4]
        loads.append(FileLoad(
            source=it.src.key, format=name, status=it.status, rows_read=read,
            rows_loaded=loaded, rows_rejected=rejected, duplicates_dropped=dups,
            skipped_by_kind=dict(scan.kinds),
            read_offset=None if scan.compressed else scan.end_offset,
            read_lines=scan.lines,
        ))
    for idx, what, label, n in details:
        fl = loads[int(idx)]
        target = fl.rejected_by_reason if what == "rejected" else fl.skipped_by_kind
        target[str(label)] = target.get(str(label), 0) + int(n)
    if searched or advised:
        _unloaded_usage(con, loads, searched, advised)
    _count_displaced(con, loads, displaced)
    if any(fl.duplicates_dropped for fl in loads) or displaced:
        duplicate_links.record(con, sqlfiles.run(con, "claude_code_links").fetchall())
    for table in ("cc_ranked", "cc_parsed", "cc_files"):
        sqlfiles.run(con, "drop_temp_table", slots={"table": quote_ident(table)}).fetchall()
    return loads
