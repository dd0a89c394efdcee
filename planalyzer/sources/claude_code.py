"""Claude Code transcripts: ``projects/<project>/<session>.jsonl`` (and nested ``subagents/``).

Rows are the lines whose JSON carries ``message.usage`` (assistant turns); every other line is
counted by kind in ``skipped_by_kind`` (user turns, summaries, file-history snapshots ...), so
nothing read is lost silently. Reading is batched: a Python scan finds the candidate lines
(those containing ``"usage"``) in every file without parsing the rest, and DuckDB parses the
candidates of many files in one statement per chunk (sql/stage_claude_code_lines.sql). Duplicates
(the same message.id + requestId in several lines or files: streamed content blocks, resumed
sessions, sidechain replays) are resolved across the whole batch (sql/rank_claude_code_rows.sql).

Users: a folder holding ``projects/`` (or ``.claude/projects/``) is one user's, named by
``--user`` (default ``me``); a folder of such folders is many users', each named by its folder
(or by ``--user-map``).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from planalyzer import sqlfiles
from planalyzer.accounting import FileLoad
from planalyzer.sources.base import BatchItem, Source, first_line
from planalyzer.sources.files import SourceFile
from planalyzer.sqlfiles import quote_ident

if TYPE_CHECKING:
    from planalyzer.store import LoadOptions

DEFAULT_USER = "me"
_LINE_LIMIT = 1 << 24  # lines longer than this are read in pieces (snapshots of many MB)
_CHUNK_BYTES = 64 << 20  # candidate lines parsed per DuckDB statement (bounds memory)
_UNTERMINATED = "unterminated last line (read once the file grows)"
_TYPE_KEY = b'"type":"'


@dataclass
class _Scan:
    """What the Python pass found in one file."""

    kinds: Counter[str] = field(default_factory=Counter)
    end_offset: int = 0
    lines: int = 0


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


def _lines(fh: object, limit: int) -> Iterator[tuple[bytes, int, bool]]:
    """(line or its head, bytes consumed, terminated) for each line; long lines that cannot
    carry usage (a file-history snapshot) are skipped in pieces, never held whole."""
    readline = fh.readline  # type: ignore[attr-defined]
    while True:
        line: bytes = readline(limit)
        if not line:
            return
        if line[-1:] == b"\n":
            yield line, len(line), True
            continue
        if len(line) < limit:
            yield line, len(line), False
            return
        size = len(line)
        keep = not line.startswith(b'{"type":"')
        parts = [line] if keep else []
        while True:
            more: bytes = readline(limit)
            size += len(more)
            if keep:
                parts.append(more)
            if not more or more[-1:] == b"\n":
                break
        done = more[-1:] == b"\n"
        yield (b"".join(parts) if keep else line), size, done
        if not done:
            return


class _Batch:
    """Candidate lines of many files, flushed to DuckDB in chunks."""

    def __init__(self, con: duckdb.DuckDBPyConnection, max_tokens: int) -> None:
        self.con = con
        self.max_tokens = max_tokens
        self.file_idx: list[int] = []
        self.line_no: list[int] = []
        self.text: list[bytes] = []
        self.size = 0

    def add(self, idx: int, line_no: int, line: bytes) -> None:
        self.file_idx.append(idx)
        self.line_no.append(line_no)
        self.text.append(line)
        self.size += len(line)
        if self.size >= _CHUNK_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self.text:
            return
        raw = pa.array(self.text, type=pa.binary())
        try:
            text = raw.cast(pa.string())
        except pa.ArrowInvalid:  # a line that is not UTF-8: parse it with U+FFFD in place
            text = pa.array([t.decode("utf-8", "replace") for t in self.text], pa.string())
        chunk = pa.table({"file_idx": pa.array(self.file_idx, pa.int32()),
                          "line_no": pa.array(self.line_no, pa.int64()), "line": text})
        self.con.register("cc_chunk", chunk)
        try:
            sqlfiles.run(self.con, "stage_claude_code_lines",
                         {"max_tokens": self.max_tokens}).fetchall()
        finally:
            self.con.unregister("cc_chunk")
        self.file_idx, self.line_no, self.text, self.size = [], [], [], 0


def scan_file(path: Path, idx: int, start_offset: int, start_line: int,
              batch: _Batch) -> _Scan:
    """Read one file from ``start_offset``: candidates go to ``batch``, the rest are counted."""
    scan = _Scan(end_offset=start_offset, lines=start_line)
    with path.open("rb") as fh:
        fh.seek(start_offset)
        for line, size, terminated in _lines(fh, _LINE_LIMIT):
            if not terminated:
                scan.kinds[_UNTERMINATED] += 1
                break
            scan.lines += 1
            scan.end_offset += size
            if b'"usage"' in line:
                batch.add(idx, scan.lines, line)
            elif line.strip():
                scan.kinds[_kind(line)] += 1
    return scan


def _has_projects(folder: Path) -> Path | None:
    for p in (folder / "projects", folder / ".claude" / "projects"):
        if p.is_dir():
            return p
    return None


def _user_folders(folder: Path) -> list[tuple[Path, str | None]]:
    """(projects folder, user) pairs under what the user named."""
    if folder.name == "projects":
        return [(folder, None)]
    own = _has_projects(folder)
    if own is not None:
        return [(own, None)]
    found: list[tuple[Path, str | None]] = []
    for child in sorted(folder.iterdir()):
        if child.is_dir() and not child.name.startswith("."):
            p = _has_projects(child)
            if p is not None:
                found.append((p, child.name))
    return found


def _jsonl_under(folder: Path) -> list[Path]:
    out: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        out.extend(Path(root) / f for f in sorted(files) if f.endswith(".jsonl"))
    return out


class ClaudeCode(Source):
    name = "claude-code"
    description = "Claude Code transcripts (~/.claude/projects/<project>/<session>.jsonl)"
    batch = True
    append_only = True

    def sniff(self, path: Path, head: bytes) -> bool:
        line = first_line(head)
        if line.startswith((b'{"type":"summary"', b'{"type":"file-history-snapshot"')):
            return True
        return line.startswith(b"{") and b'"sessionId":' in line and (
            b'"parentUuid":' in line or b'"leafUuid":' in line)

    def claims_folder(self, folder: Path) -> bool:
        return bool(_user_folders(folder)) and any(
            _jsonl_under(p) for p, _ in _user_folders(folder))

    def expand(self, folder: Path, root: Path) -> list[SourceFile]:
        return [SourceFile(f.resolve(), "jsonl", self.name, user)
                for projects, user in _user_folders(folder) for f in _jsonl_under(projects)]

    def load_batch(
        self, con: duckdb.DuckDBPyConnection, items: list[BatchItem], opts: LoadOptions
    ) -> list[FileLoad]:
        sqlfiles.run(con, "create_claude_code_staging").fetchall()
        batch = _Batch(con, opts.max_tokens)
        scans = [scan_file(it.src.path, i, it.start_offset, it.start_line, batch)
                 for i, it in enumerate(items)]
        batch.flush()
        return finish_batch(con, self.name, items, scans, opts)


def user_of(src: SourceFile, opts: LoadOptions) -> str:
    if src.user_id is None:
        return opts.user_id or DEFAULT_USER
    return opts.user_map.get(src.user_id, src.user_id)


def finish_batch(con: duckdb.DuckDBPyConnection, name: str, items: list[BatchItem],
                 scans: list[_Scan], opts: LoadOptions) -> list[FileLoad]:
    """Rank, insert and count the staged rows; one FileLoad per file."""
    files = pa.table({
        "file_idx": pa.array(range(len(items)), pa.int32()),
        "source": pa.array([it.src.key for it in items], pa.string()),
        "user_id": pa.array([user_of(it.src, opts) for it in items], pa.string()),
    })
    con.register("cc_files", files)
    try:
        sqlfiles.run(con, "rank_claude_code_rows").fetchall()
        sqlfiles.run(con, "insert_claude_code_events").fetchall()
        sqlfiles.run(con, "insert_claude_code_rejected").fetchall()
        counts = {int(r[0]): [int(v) for v in r[1:]]
                  for r in sqlfiles.run(con, "claude_code_file_counts").fetchall()}
        details = sqlfiles.run(con, "claude_code_file_details").fetchall()
    finally:
        con.unregister("cc_files")
    loads: list[FileLoad] = []
    for i, (it, scan) in enumerate(zip(items, scans, strict=True)):
        read, loaded, rejected, dups = counts.get(i, [0, 0, 0, 0])
        loads.append(FileLoad(
            source=it.src.key, format=name, status=it.status, rows_read=read,
            rows_loaded=loaded, rows_rejected=rejected, duplicates_dropped=dups,
            skipped_by_kind=dict(scan.kinds), read_offset=scan.end_offset,
            read_lines=scan.lines,
        ))
    for idx, what, label, n in details:
        fl = loads[int(idx)]
        target = fl.rejected_by_reason if what == "rejected" else fl.skipped_by_kind
        target[str(label)] = target.get(str(label), 0) + int(n)
    for table in ("cc_ranked", "cc_parsed"):
        sqlfiles.run(con, "drop_temp_table", slots={"table": quote_ident(table)}).fetchall()
    return loads
