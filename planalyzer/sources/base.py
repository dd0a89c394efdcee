"""The source extension point: what a log format module provides to the store.

Two kinds of source:

- a *projection* source (the generic tabular reader and the vendor exports) turns one file into
  a SELECT yielding canonical columns plus problem flags; the store runs it through
  ``sql/checked_rows.sql`` exactly as for any parquet/CSV/JSON-lines file, one file at a time;
- a *batch* source (Claude Code and Codex transcripts: thousands of small JSON-lines files)
  reads many files in one pass and inserts events and rejected rows itself, returning one
  ``FileLoad`` per file with the same identity (read = loaded + rejected + duplicates) and the
  lines that carry no usage counted by kind in ``skipped_by_kind``.

A module is chosen by ``--source NAME`` or detected from a file's first bytes (``sniff``) or,
for a folder, from its layout (``claims_folder``).
"""

from __future__ import annotations

import errno
import gzip
import io
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

import duckdb

from planalyzer.accounting import FileLoad
from planalyzer.errors import InputError
from planalyzer.sources import file_kind
from planalyzer.sources.files import STAGED_FORMATS, SourceFile

if TYPE_CHECKING:
    from planalyzer.sources.folder_memo import FolderMemo
    from planalyzer.sources.tabular import Projection
    from planalyzer.store import LoadOptions

SNIFF_BYTES = 16_384


@dataclass(frozen=True)
class BatchItem:
    """One file a batch source is asked to read, from ``start_offset`` (append) or the start."""

    src: SourceFile
    status: str  # loaded | reloaded | appended
    start_offset: int = 0
    start_line: int = 0  # lines already read before start_offset (line numbers continue)


class Source:
    """Base class of source modules; subclasses set ``name`` and override what they support."""

    name: str = ""
    description: str = ""
    aggregated: bool = False  # rows are buckets (a day, an hour): request timing is approximate
    # False: an aggregated source whose exports log no request count (each bucket's count is
    # an estimate: prompt tokens / LoadOptions.bucket_prompt_tokens)
    logs_request_counts: bool = True
    batch: bool = False
    append_only: bool = False  # files only grow: a --db reload may read just the new lines
    tabular_readers: bool = False  # projection() reads files with sources.tabular's readers
    extra_tables: tuple[str, ...] = ()  # tables with a ``source`` column to clear on reload
    # a batch source's fixed layout: (canonical column, the field that feeds it), shown by
    # `planalyzer map` in place of a column mapping (transcripts take no --map)
    layout: tuple[tuple[str, str], ...] = ()

    def sniff(self, path: Path, head: bytes) -> bool:
        """Does this file (its first SNIFF_BYTES) look like this source?"""
        return False

    def resembles(self, names: set[str]) -> bool:
        """Whether a file no source detected, whose columns (``names``, normalised) the
        generic reader cannot map, looks like this source's export all the same (some of its
        columns): the error then names ``--source NAME``."""
        return False

    def claims_folder(self, folder: Path) -> bool:
        """Is this folder laid out as this source's (a Claude Code config folder, say)?"""
        return False

    def owns_folder(self, folder: Path) -> bool:
        """Is this folder the tool's own (a Claude Code config folder or a Codex home, with or
        without transcripts)? Its other files are the tool's (settings, history), not logs:
        a walk of a larger folder passes it over and reads no other file in it."""
        return False

    def not_named(self, folder: Path) -> list[str]:
        """'FOLDER: why; what to do' for the source's logs beside a folder named that the
        load does not read (a Codex home's archived_sessions/ when sessions/ is named)."""
        return []

    def expand(self, folder: Path, root: Path,
               memo: FolderMemo | None = None) -> list[SourceFile]:
        """The source's files under ``folder`` (given by the user as ``root``). ``memo``: the
        store's remembered folder listings (--db), which a walk may use to list only the
        folders that changed (planalyzer/sources/folder_memo.py); None: list every folder."""
        return []

    def setup(self, con: duckdb.DuckDBPyConnection) -> None:
        """Create any tables of the source's own (rate-limit snapshots, say)."""

    def stages(self, src: SourceFile) -> bool:
        """May a load read the file once into a temp table before ``projection`` reads it
        (``SourceFile.staged``)? Yes for text files of sources whose projection uses the
        tabular readers (``tabular_readers``)."""
        return self.tabular_readers and src.format in STAGED_FORMATS

    def projection(
        self, con: duckdb.DuckDBPyConnection, src: SourceFile, opts: LoadOptions
    ) -> Projection:
        raise NotImplementedError(f"{self.name} is a batch source")

    def load_batch(
        self, con: duckdb.DuckDBPyConnection, items: list[BatchItem], opts: LoadOptions
    ) -> list[FileLoad]:
        raise NotImplementedError(f"{self.name} is not a batch source")

    def load_notes(self, loads: list[FileLoad]) -> list[str]:
        """Notes on this source's files just read (``loads``), for the load report."""
        return []


COMPRESSED = (".gz", ".zst")  # the compressions DuckDB reads (str.endswith takes the tuple)


def open_bytes(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed (.gz, .zst: the compressions DuckDB reads)."""
    if path.name.endswith(".gz"):
        return cast(IO[bytes], gzip.open(path, "rb"))
    if path.name.endswith(".zst"):
        import pyarrow as pa

        # buffered: pyarrow's stream reads, but has no readline (a line-by-line reader's)
        return cast(IO[bytes], io.BufferedReader(
            pa.input_stream(str(path), compression="zstd")))
    return path.open("rb")


def read_head(path: Path, n: int = SNIFF_BYTES) -> bytes:
    """The first ``n`` bytes of the file's text: decompressed, so that a compressed export
    is recognised as the same export uncompressed (b'' where it cannot be read as such: a
    corrupt .gz, say). A file gone since the walk listed it, or one without read permission,
    is an InputError saying so (not an empty file)."""
    try:
        with open_bytes(path) as fh:
            return fh.read(n)
    except OSError as exc:
        gone = access_error(str(path), exc)
        if gone is not None:
            raise gone from None
        return b""
    except (EOFError, ValueError, zlib.error):
        return b""


def access_error(key: str, exc: BaseException | None = None) -> InputError | None:
    """The error for a file that vanished since the walk listed it (deleted or moved: a
    rotating export) or that cannot be read for its permissions; None for any other file.
    ``exc``: the error opening it raised, if any; without one the file is checked (a reader's
    failure, DuckDB's, says neither plainly)."""
    if exc is None:
        try:
            os.close(os.open(key, os.O_RDONLY | os.O_NONBLOCK))  # non-blocking: never a pipe
        except OSError as err:
            exc = err
        else:
            return None
    if not isinstance(exc, OSError):
        return None
    if exc.errno == errno.ENOENT:
        return InputError(f"{key}: disappeared while loading (deleted or moved since the "
                          "folder was listed); rerun the load")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return InputError(f"{key}: cannot be read (permission denied): check its permissions "
                          "(chmod), or leave it out")
    return None



UTF8_BOM = file_kind.UTF8_BOM


def utf16_kind(head: bytes) -> str | None:
    """'UTF-16' where a file's first bytes are UTF-16 text (a byte-order mark, or ASCII text
    with every other byte NUL: what Windows tools such as PowerShell's ``>`` write); else None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    sample = head[:512]
    if len(sample) >= 4 and sample.count(0) * 3 >= len(sample):  # NUL in every other byte
        return "UTF-16 (no byte-order mark)"
    return None


def check_text_encoding(key: str, head: bytes) -> None:
    """A UTF-16 text file is an error saying so: DuckDB's readers take UTF-8 only, and would
    read it as columns of NUL-separated letters."""
    kind = utf16_kind(head)
    if kind is not None:
        raise InputError(f"{key}: file is {kind} text; planalyzer reads UTF-8: re-save it as "
                         "UTF-8 (Excel: Save As 'CSV UTF-8'; or iconv -f UTF-16 -t UTF-8 "
                         "FILE > NEW_FILE) and load that")


def check_not_empty(src: SourceFile) -> None:
    """A file with nothing in it (no header, no rows; blanks at most) is an error saying so,
    rather than the reader's guess at its columns (a CSV's ``column0``); so is one whose bytes
    are not what its name says (gzip data named .csv, a plain file named .gz: file_kind), a
    .gz or .zst file whose start cannot be decompressed (cut short), a .zst file whose last
    frame runs past its end (file_kind.zstd_cut_short), and a CSV whose header
    line is not UTF-8 (file_kind.header_not_utf8)."""
    problem = file_kind.mismatch(src.key, src.path, src.format,
                                 file_kind.first_bytes(src.path))
    if problem is not None:
        raise problem
    head = _checked_head(src, 4096)
    if src.key.endswith(".zst") and (cut := file_kind.zstd_cut_short(src.path)) is not None:
        raise file_kind.compressed_error(src.key, OSError(cut))
    if src.format != "parquet":
        check_text_encoding(src.key, head)
    if not head.strip():
        raise InputError(f"{src.key}: file is empty (no header, no rows); remove it from the "
                         "sources, or re-export it")
    if src.format == "csv" and (bad := file_kind.header_not_utf8(head)) is not None:
        raise InputError(f"{src.key}: line {bad} (the header) is not UTF-8 text, so its column "
                         f"names cannot be read; {RESAVE_UTF8.replace('FILE', src.key, 1)}")


# what to do with a file whose lines are not UTF-8 (a load note, an error)
RESAVE_UTF8 = ("the file is not UTF-8 (Latin-1 or Windows-1252?): re-save it as UTF-8 (a "
               "CSV from Excel: Save As 'CSV UTF-8'; or iconv -f cp1252 -t utf-8 FILE > "
               "NEW_FILE) and load that")


def _checked_head(src: SourceFile, n: int) -> bytes:
    """``read_head``, where a compressed file whose start cannot be decompressed (a gzip
    file cut short: no bytes at all) is an error saying so, not an empty file."""
    if not src.key.endswith(COMPRESSED):
        return read_head(src.path, n)
    try:
        with open_bytes(src.path) as fh:
            return fh.read(n)
    except file_kind.DECOMPRESS_ERRORS as exc:
        gone = access_error(src.key, exc)
        raise (gone or file_kind.compressed_error(src.key, exc)) from None


def first_line(head: bytes) -> bytes:
    return head.split(b"\n", 1)[0].strip()
