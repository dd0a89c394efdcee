"""The load manifest of a --db store: one entry per file read (sql/manifest_entries.sql), and
how a file on disk is compared with its entry: size and mtime, then a content hash (whole
files) or the hash of the 4 KiB before where reading stopped (append-only transcripts)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from planalyzer.errors import InputError
from planalyzer.sources import registry
from planalyzer.sources.base import access_error
from planalyzer.sources.files import SourceFile
from planalyzer.sources.path_values import FILLED, chosen_folders


def content_hash(path: Path) -> str:
    with path.open("rb") as fh:
        return "sha256:" + hashlib.file_digest(fh, "sha256").hexdigest()


def tail_hash(path: Path, offset: int) -> str:
    """Fingerprint of an append-only file up to ``offset``: the 4 KiB before it."""
    start = max(0, offset - TAIL_BYTES)
    with path.open("rb") as fh:
        fh.seek(start)
        data = fh.read(offset - start)
    return f"tail:{offset}:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class ManifestEntry:
    """A file's row in load_manifest (sql/manifest_entries.sql)."""

    source: str
    format: str
    size_bytes: int
    mtime_ns: int
    content_hash: str
    read_offset: int | None
    read_lines: int
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    duplicates_dropped: int
    rejected_by_reason: str
    read_options: str | None = None  # JSON (planalyzer.file_options); None: not recorded

    def counts(self) -> list[int]:
        return [self.rows_read, self.rows_loaded, self.rows_rejected, self.duplicates_dropped]


MANIFEST_COLUMNS = ("source", "format", "size_bytes", "mtime_ns", "content_hash", "rows_read",
                     "rows_loaded", "rows_rejected", "duplicates_dropped", "rejected_by_reason",
                     "mapping", "read_offset", "read_lines", "read_options")
TAIL_BYTES = 4096


def manifest_source(key: str, fmt: str) -> SourceFile | None:
    """A file of an earlier load, as its manifest entry says it was read ('csv', or
    'openai-usage jsonl': source and format); None for a source no longer known."""
    parts = fmt.split(" ")
    if len(parts) == 1 and fmt in registry.names():
        # a transcript source's files are recorded by the source's name alone ('codex',
        # 'claude-code'): JSON lines of that source, not a table file of format 'codex'
        return SourceFile(key, "jsonl", fmt)
    name, file_format = (parts[0], parts[-1]) if len(parts) > 1 else (registry.GENERIC, fmt)
    if name not in registry.names():
        return None
    return SourceFile(key, file_format, name)


def path_values(key: str) -> tuple[str, ...]:
    """The values a file's rows may take from the hive ``key=value`` folders of its path
    (sources/path_values.py): ``column=value`` of each folder naming a column a folder can
    fill (user_id, plan, model, or a spelling of them: ``user=alice/`` is ``user_id=alice``),
    the innermost of a column, sorted. Two files with the same bytes under different such
    folders hold different rows; folders the loader ignores (``month=2026-10/``,
    ``input_tokens=5/``) are left out: they change no row."""
    chosen = chosen_folders(key)
    return tuple(sorted(f"{canon}={value}" for canon, (_, value) in chosen.items()
                        if canon in FILLED))


def same_content(prev: ManifestEntry, src: SourceFile) -> bool:
    if not prev.content_hash:
        return False
    if prev.content_hash.startswith("tail:"):
        return prev.read_offset is not None and \
            prev.content_hash == tail_hash(src.path, prev.read_offset)
    return prev.content_hash == content_hash(src.path)


def stat_of(src: SourceFile) -> tuple[int, int]:
    """(size, mtime_ns): from the folder walk where it read them, else one stat."""
    if src.stat is not None:
        return src.stat
    try:
        st = src.path.stat()
    except FileNotFoundError:
        if not os.path.lexists(src.key):  # deleted or moved since the walk listed it
            raise access_error(src.key) or InputError(f"{src.key}: not found") from None
        raise InputError(f"{src.key}: not found (a broken symbolic link points here); fix "
                         "or remove the link") from None
    except OSError as exc:
        raise access_error(src.key, exc) or InputError(
            f"{src.key}: cannot be read ({exc.strerror or exc})") from None
    return st.st_size, st.st_mtime_ns


def unchanged(prev: ManifestEntry, st: tuple[int, int], src: SourceFile) -> bool:
    if int(prev.size_bytes) != st[0]:
        return False
    if int(prev.mtime_ns) == st[1]:
        return True
    return same_content(prev, src)


def appended(prev: ManifestEntry, st: tuple[int, int], src: SourceFile) -> bool:
    """The file only grew since it was read up to ``read_offset``: read on from there."""
    return (prev.read_offset is not None and st[0] >= prev.read_offset
            and prev.content_hash.startswith("tail:") and same_content(prev, src))
