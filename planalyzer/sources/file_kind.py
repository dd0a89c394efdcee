"""What a log file's first bytes say it is, where its name says something else.

A file's reader is chosen by its name (``.csv``, ``.jsonl.gz``, ``.parquet``). Its bytes may be
another thing: gzip or zstd data under a plain name (a download saved without its ``.gz``), a
plain file named ``.gz``, a parquet file or a zip archive (an Excel workbook) named ``.csv``.
Read as named, such a file is "empty" or its bytes are listed as columns; each is an error
naming what the file is and what to do instead. The check reads the file's first 4 bytes.

A gzip or zstd file cut short (a download or copy interrupted) is an error saying so where its
first bytes cannot be decompressed (``compressed_error``), and a zstd file whose last frame runs
past its end (``zstd_cut_short``) before DuckDB reads it.
"""

from __future__ import annotations

import io
import mmap
import os
import zlib
from pathlib import Path
from typing import IO

from planalyzer.errors import InputError
from planalyzer.sources.files import format_of, log_suffix

GZIP, ZSTD, PARQUET, ZIP = b"\x1f\x8b", b"\x28\xb5\x2f\xfd", b"PAR1", b"PK\x03\x04"
_ZSTD_SKIPPABLE = 0x184D2A50  # skippable frames: magic 0x184D2A50..5F, a 4-byte size, data
# a zstd file may open with a skippable frame: pzstd writes one before each frame, the
# seekable format and other tools add their own (RFC 8878 3.1.2); zstd and DuckDB skip them
ZSTD_SKIPPABLE = tuple((_ZSTD_SKIPPABLE + i).to_bytes(4, "little") for i in range(16))
UTF8_BOM = b"\xef\xbb\xbf"
# first bytes that are no text (bytes.startswith takes it)
MAGIC = (GZIP, ZSTD, *ZSTD_SKIPPABLE, PARQUET, ZIP)
_KINDS = ((GZIP, "gzip"), (ZSTD, "zstd"), *((m, "zstd") for m in ZSTD_SKIPPABLE),
          (PARQUET, "parquet"), (ZIP, "zip"))
_COMPRESSIONS = {".gz": "gzip", ".zst": "zstd"}
_EXTENSIONS = {kind: ext for ext, kind in _COMPRESSIONS.items()}
# errors decompressing: a gzip file cut short (EOFError), corrupt (zlib.error, BadGzipFile: an
# OSError), a zstd frame cut short or corrupt (pyarrow: OSError)
DECOMPRESS_ERRORS = (OSError, EOFError, ValueError, zlib.error)


def kind_of(first: bytes) -> str | None:
    """'gzip', 'zstd', 'parquet' or 'zip' where a file's first bytes are that; else None."""
    return next((kind for magic, kind in _KINDS if first.startswith(magic)), None)


def first_bytes(path: Path, n: int = 4) -> bytes:
    """The file's first ``n`` bytes as stored (not decompressed); b'' where it cannot be read
    (the reader then says why)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(n)
    except OSError:
        return b""


def mismatch(key: str, path: Path, fmt: str, first: bytes) -> InputError | None:
    """The error for a file whose first bytes (``first``) are not what its name says; None
    where they are. ``fmt``: the reader the file is read with (csv, jsonl, parquet)."""
    name = path.name
    kind = kind_of(first)
    compression = next((c for ext, c in _COMPRESSIONS.items() if name.lower().endswith(ext)),
                       None)
    if compression is not None:
        if kind == compression or not first:
            return None
        ext = _EXTENSIONS[compression]
        plain = name[:-len(ext)]
        if kind is None:
            return InputError(f"{key}: named {ext} but not {compression}-compressed (plain "
                              f"text?); rename it to {plain} and load that")
        return InputError(f"{key}: {_what(kind)}, though named {ext}; "
                          f"{_rename(kind, plain, fmt)}")
    if fmt == "parquet":
        return _not_parquet(key, path, kind, first)
    if kind is None:
        return None
    suffix = log_suffix(path) or path.suffix
    return InputError(f"{key}: {_what(kind)}, though named {suffix}; {_rename(kind, name, fmt)}")


def _not_parquet(key: str, path: Path, kind: str | None, first: bytes) -> InputError | None:
    """A file named .parquet whose first bytes are text or compressed data (a CSV or JSON
    export saved under the wrong name: DuckDB's parquet reader said "no magic bytes found at
    end of file" and to check the file is complete); None for parquet data, an empty file or
    bytes of no kind known here (the reader says what it finds)."""
    if kind == "parquet" or not first:
        return None
    stem = path.name[:-len(".parquet")] if path.name.lower().endswith(".parquet") else path.stem
    if kind is not None:
        if kind not in _EXTENSIONS:
            return InputError(f"{key}: {_what(kind)}, though named .parquet; "
                              f"{_rename(kind, stem + '.csv', 'csv')}")
        ext = _EXTENSIONS[kind]
        return InputError(f"{key}: {_what(kind)}, though named .parquet (a compressed CSV or "
                          f"JSON-lines export?); rename it to {stem}.csv{ext} or "
                          f"{stem}.jsonl{ext}, as it holds, and load that")
    if first_bytes(path, 12)[8:] == b"DUCK":  # a DuckDB file: said where it is read
        return None
    text = first.removeprefix(UTF8_BOM)
    if not text or not all(b in b"\t\r\n" or 32 <= b < 127 for b in text):
        return None  # binary: a damaged parquet file, say
    holds, new = (("JSON", f"{stem}.jsonl (one object a line) or {stem}.json")
                  if text.lstrip()[:1] in (b"{", b"[") else ("CSV", f"{stem}.csv"))
    return InputError(f"{key}: text (a {holds} export?), not a parquet file, though named "
                      f".parquet; rename it to {new} and load that")


def transcript_opening(path: Path, first: bytes) -> bytes:
    """A transcript's first bytes without a UTF-8 byte-order mark (a copy saved by a Windows
    editor); compressed or parquet data named .jsonl is an error saying what the file is
    (Claude Code's and Codex's readers)."""
    if first.startswith(UTF8_BOM):
        return first[len(UTF8_BOM):]
    if first.startswith(MAGIC):
        problem = mismatch(str(path), path, format_of(path) or "jsonl", first[:4])
        if problem is not None:
            raise problem
    return first


def _what(kind: str) -> str:
    if kind in _EXTENSIONS:
        return f"{kind}-compressed data"
    if kind == "parquet":
        return "a parquet file"
    return "a zip archive (an Excel .xlsx workbook is one)"


def _rename(kind: str, name: str, fmt: str) -> str:
    """What to do with a file named ``name`` (without any .gz/.zst) that holds ``kind``."""
    if kind in _EXTENSIONS:
        return f"rename it to {name}{_EXTENSIONS[kind]} (or decompress it) and load that"
    if kind == "parquet":
        suffix = log_suffix(Path(name)) or ""
        return f"rename it to {name[:len(name) - len(suffix)]}.parquet and load that"
    return (f"unzip it (a workbook: save the sheet as 'CSV UTF-8') and load the {fmt} file "
            "inside")


def compressed_error(key: str, exc: BaseException) -> InputError:
    """The error for a .gz or .zst file whose data cannot be decompressed: cut short (a
    download or copy interrupted) or corrupt."""
    kind = "zstd" if key.lower().endswith(".zst") else "gzip"
    text = str(exc).strip().splitlines()
    detail = text[0] if text else type(exc).__name__
    test = "gzip -t" if kind == "gzip" else "zstd -t"
    return InputError(f"{key}: a {kind} file that is cut short or corrupt ({detail}); copy or "
                      f"download it again ({test} FILE checks one), or leave it out")


def zstd_cut_short(path: Path) -> str | None:
    """Where a .zst file's last frame runs past the end of the file (a download or copy cut
    short), what is missing; None for a complete file. DuckDB reads such a file up to the cut
    without a word (a truncated .gz is its error); this walks the frame and block headers
    (RFC 8878: 3 bytes a block of at most 128 KiB, so a few thousand small reads for 500 MB),
    decompressing nothing. Data that is no zstd frame is left to the reader's own error."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        pos = 0
        while pos < size:
            fh.seek(pos)
            head = fh.read(4)
            if len(head) < 4:
                return f"{size - pos} stray byte(s) after the last frame"
            magic = int.from_bytes(head, "little")
            if magic & 0xFFFFFFF0 == _ZSTD_SKIPPABLE:
                length = fh.read(4)
                if len(length) < 4:
                    return "a skippable frame's size is cut off"
                pos += 8 + int.from_bytes(length, "little")
                if pos > size:
                    return f"the data stops inside a skippable frame, at byte {size:,}"
                continue
            if head != ZSTD:
                return None  # not zstd data here: the reader says what it is
            descriptor = fh.read(1)
            if not descriptor:
                return "a frame header is cut off"
            fhd = descriptor[0]
            single = bool(fhd & 0x20)
            fcs = (1 if single else 0, 2, 4, 8)[fhd >> 6]
            pos += 5 + (0 if single else 1) + (0, 1, 2, 4)[fhd & 3] + fcs
            last = False
            while not last:
                fh.seek(pos)
                block = fh.read(3)
                if len(block) < 3:
                    return f"the data stops inside a frame, at byte {size:,}"
                bits = int.from_bytes(block, "little")
                last = bool(bits & 1)
                pos += 3 + (1 if (bits >> 1) & 3 == 1 else bits >> 3)
            pos += 4 if fhd & 0x04 else 0  # the content checksum
            if pos > size:
                return f"the data stops inside a frame, at byte {size:,}"
    return None


def header_not_utf8(head: bytes) -> int | None:
    """The line number of a CSV's header (its first line that is not blank) where that line
    is not UTF-8 text (a Latin-1 "Coût" as Excel's plain "CSV" writes), else None. DuckDB's
    reader would reject the line and take the first row for the header. ``head``: the file's
    first bytes; a line they cut short is judged on its complete characters."""
    lines = head.split(b"\n")
    number = next((i for i, line in enumerate(lines, start=1) if line.strip()), None)
    if number is None:
        return None
    line = lines[number - 1]
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as exc:
        cut = number == len(lines) and exc.end == len(line)  # a character cut by the head
        return None if cut and exc.reason == "unexpected end of data" else number
    return None


_HEAD_ENDS = 1 << 20  # of a compressed file, the bytes whose line ends are looked at


def mixed_line_ends(path: Path) -> bool:
    """Whether the file's lines end in more than one way (LF with CRLF, or CR alone with
    either: a Windows export and a Unix one concatenated, a row added in Notepad), which
    DuckDB's CSV reader cannot read. A plain file is searched whole (one with no CR, the usual
    case, in one memchr pass); a compressed one in its first MB only (where the reader fails
    on a mix further on, its error says so: ``line_ends_error``)."""
    from planalyzer.sources.base import open_bytes

    if path.name.lower().endswith((".gz", ".zst")):
        try:
            with open_bytes(path) as fh:
                return _mixed(io.BytesIO(fh.read(_HEAD_ENDS)))
        except DECOMPRESS_ERRORS:
            return False
    try:
        with open(path, "rb") as fh:
            if os.fstat(fh.fileno()).st_size == 0:
                return False
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
                if data.find(b"\r") < 0:
                    return False
            return _mixed(fh)
    except (OSError, ValueError):
        return False


def _mixed(fh: IO[bytes]) -> bool:
    """Whether the lines read from ``fh`` end in more than one way (LF, CRLF, CR)."""
    seen: set[bytes] = set()
    carry = b""
    while chunk := fh.read(1 << 20):
        chunk = carry + chunk
        carry, chunk = (b"\r", chunk[:-1]) if chunk.endswith(b"\r") else (b"", chunk)
        crlf = chunk.count(b"\r\n")
        if crlf:
            seen.add(b"\r\n")
        if chunk.count(b"\n") > crlf:
            seen.add(b"\n")
        if chunk.count(b"\r") > crlf:
            seen.add(b"\r")
        if len(seen) > 1:
            return True
    return False


def normalise_line_ends(path: Path, out: Path, drop_bom: bool = False) -> None:
    """Write ``path``'s (decompressed) bytes to ``out`` with every line ending LF (CRLF and a
    lone CR both become LF; line numbers stay those of the file); ``drop_bom``: without a
    UTF-8 byte-order mark opening it."""
    from planalyzer.sources.base import UTF8_BOM, open_bytes

    with open_bytes(path) as src, out.open("wb") as dst:
        carry = src.read(len(UTF8_BOM))
        if drop_bom and carry == UTF8_BOM:
            carry = b""
        while chunk := src.read(1 << 20):
            chunk = carry + chunk
            carry = b"\r" if chunk.endswith(b"\r") else b""  # its LF may open the next chunk
            if carry:
                chunk = chunk[:-1]
            dst.write(chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n"))
        dst.write(carry.replace(b"\r\n", b"\n").replace(b"\r", b"\n"))  # a last CR


def line_ends_error(key: str, path: Path) -> InputError | None:
    """The error for a CSV file a reader failed on where its lines end in more than one way
    (a compressed file searched whole now); None for any other file."""
    from planalyzer.sources.base import open_bytes

    try:
        with open_bytes(path) as fh:
            if not _mixed(fh):
                return None
    except DECOMPRESS_ERRORS:
        return None
    return InputError(f"{key}: its lines end in more than one way (Windows CRLF and Unix LF, "
                      "say), which the CSV reader cannot read; convert them to one (dos2unix "
                      "FILE, or save the file again) and load that")


def cr_line_ends_error(key: str, first: bytes) -> InputError | None:
    """The error for a JSON-lines transcript whose lines end in CR alone (an old Mac editor's),
    which its line reader would read as one unterminated line; ``first``: its first bytes, or
    its first line as read (a JSON line holds no raw CR: one before the last byte is a line
    end). None for any other file."""
    if b"\r" not in first.rstrip(b"\r\n"):
        return None
    return InputError(f"{key}: its lines end in CR alone (an old Mac editor's), not LF; convert "
                      "them (mac2unix FILE, or tr '\\r' '\\n' < FILE > NEW_FILE) and load that")
