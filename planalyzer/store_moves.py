"""Files moved since a --db store read them (a renamed folder): found by their bytes.

A file the manifest does not know whose bytes (size and content hash) equal those of a file
the manifest knows that is gone from disk is that file, moved: it takes over the gone file's
manifest entry (its options and accounting) and its rows are re-pointed at the new path, so a
later change to it replaces those rows instead of adding a second copy. Nothing is read,
unless the values its rows take from the path changed (``user_id=alcie/`` renamed
``user_id=alice/``, manifest.path_values): then it is read again as a changed file is (its rows
replaced). Folders the loader ignores (``month=2026-10/``) do not matter.

A gone file whose bytes a file on disk the manifest knows holds, a byte copy whose rows were
dropped as its duplicates ("usage (1).csv" beside "usage.csv"), is handed to that copy the
same way (``find_heirs``): the copy takes over its rows and manifest entry, so a later change
to the copy replaces them instead of loading the copy whole next to the gone file's rows.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb

from planalyzer import duplicate_links, sqlfiles
from planalyzer.accounting import display_path
from planalyzer.manifest import content_hash, path_values
from planalyzer.sources import registry
from planalyzer.sources.files import SourceFile
from planalyzer.sqlfiles import quote_ident

# (bucket_fetches: a usage-API export's record of its buckets, planalyzer.bucket_copies;
# dropped_copies: the copies of event ids its loads dropped, planalyzer.id_conflicts)
_TABLES = ("events", "rejected_rows", "skipped_lines", "bucket_fetches", "dropped_copies")


@dataclass(frozen=True)
class Move:
    new: str  # the file read now
    old: str  # the gone file it is
    format: str  # as the manifest recorded it
    rows_loaded: int
    # (column, value before, value now; None: no folder) of the folders that give its rows
    # values and differ: the file is read again, its rows replaced
    changed: tuple[tuple[str, str | None, str | None], ...] = ()


def _changed(old: str, new: str) -> tuple[tuple[str, str | None, str | None], ...]:
    before = dict(v.split("=", 1) for v in path_values(old))
    now = dict(v.split("=", 1) for v in path_values(new))
    return tuple((c, before.get(c), now.get(c)) for c in sorted(set(before) | set(now))
                 if before.get(c) != now.get(c))


def find_moves(new: list[tuple[SourceFile, tuple[int, int]]],
               fingerprints: dict[str, tuple[str, int, int, str]],
               entries: Callable[[list[str]], dict[str, Any]]) -> list[Move]:
    """The files of ``new`` (not in the manifest, with their (size, mtime)) that are a gone
    file moved. ``entries`` fetches manifest entries (content_hash, rows_loaded) by source.
    Only files hashed whole (not transcripts, fingerprinted by their tail) can be moves. A gone
    file under the same path values is taken first; one under others is a move to re-read."""
    sizes = {st[0] for _, st in new if st[0] > 0}
    named = {src.key for src, _ in new}
    gone = [k for k, fp in fingerprints.items()
            if int(fp[1]) in sizes and k not in named and not os.path.lexists(k)]
    if not gone:
        return []
    # a gone entry that kept rows first: it is the one whose rows the moved file holds
    pool: dict[tuple[int, str], list[Any]] = {}
    for e in sorted(entries(gone).values(), key=lambda e: (-e.rows_loaded, e.source)):
        if e.content_hash.startswith("sha256:"):
            pool.setdefault((int(e.size_bytes), e.content_hash), []).append(e)
    hashed: list[tuple[SourceFile, tuple[int, str]]] = []
    for src, st in sorted(new, key=lambda n: (len(n[0].key), n[0].key)):
        if any(size == st[0] for size, _ in pool):
            hashed.append((src, (st[0], content_hash(src.path))))
    moves: list[Move] = []
    taken: set[str] = set()
    for same_values in (True, False):
        for src, ident in hashed:
            if src.key in taken:
                continue
            candidates = pool.get(ident, [])
            for e in candidates:
                if e.format.split(" ")[-1] != src.format:
                    continue
                changed = _changed(e.source, src.key)
                if same_values and changed:
                    continue
                candidates.remove(e)
                taken.add(src.key)
                moves.append(Move(src.key, e.source, e.format, int(e.rows_loaded), changed))
                break
    return moves


def _tables(fmt: str) -> list[str]:
    """The tables with a ``source`` column a file of manifest format ``fmt`` adds rows to."""
    tables = list(_TABLES)
    name = fmt.split(" ")[0]
    if name in registry.names():
        tables.extend(registry.get(name).extra_tables)
    return tables


def apply_moves(con: duckdb.DuckDBPyConnection, moves: list[Move],
                stats: dict[str, tuple[int, int]]) -> None:
    """Re-point the gone files' rows and manifest entries at the new paths."""
    for m in moves:
        for table in _tables(m.format):
            sqlfiles.run(con, "move_source_rows", {"old_source": m.old, "new_source": m.new},
                         {"table": quote_ident(table)}).fetchall()
        sqlfiles.run(con, "move_manifest_entry", {"old_source": m.old, "new_source": m.new,
                                                  "mtime_ns": stats[m.new][1]}).fetchall()
        duplicate_links.move(con, m.old, m.new)


def move_notes(moves: list[Move]) -> list[str]:
    notes = []
    kept = [m for m in moves if not m.changed]
    if kept:
        first = kept[0]
        more = f" and {len(kept) - 1:,} more" if len(kept) > 1 else ""
        notes.append(f"{len(kept):,} file(s) have the same bytes as files read earlier that "
                     f"are gone from disk ({display_path(first.old)} -> "
                     f"{display_path(first.new)}{more}): taken as moved, their rows now count "
                     "under the new path (a later change to the file replaces them); nothing "
                     "was read")
    reread = [m for m in moves if m.changed]
    if reread:
        first = reread[0]
        more = f" and {len(reread) - 1:,} more" if len(reread) > 1 else ""
        what = "; ".join(f"its {c} changed from {_shown(a)} to {_shown(b)}"
                         for c, a, b in first.changed)
        notes.append(f"{len(reread):,} file(s) have the same bytes as files read earlier that "
                     f"are gone from disk ({display_path(first.old)} -> "
                     f"{display_path(first.new)}{more}): moved, and {what} (a folder's value, "
                     "used where the file has no such column): re-read, their rows replace the "
                     "gone files' rows")
    return notes


def _shown(value: str | None) -> str:
    return "(no folder)" if value is None else value


@dataclass(frozen=True)
class Heir:
    """A file on disk that takes over the rows of a gone file it is a byte copy of."""

    copy: str  # its rows were all dropped as duplicates (of the gone file's)
    gone: str
    format: str
    mtime_ns: int  # the copy's, as recorded: a change to the copy since is still seen


def find_heirs(con: duckdb.DuckDBPyConnection, named: set[str]) -> list[Heir]:
    """The files of the manifest gone from disk (not ``named`` in this load) that kept rows
    and have a byte copy on disk the manifest knows (sql/manifest_byte_copies.sql: the same
    format, size and content hash, its rows all dropped as duplicates) under the same path
    values: of several copies, the one of the shortest name (the one a load keeps). The copy
    is named in the load, or else on disk. One ``lexists`` per original with a copy. Not
    transcripts: planalyzer/store_gone.py ranks a gone one's rows after its copies on disk."""
    heirs: list[Heir] = []
    taken: set[str] = set()  # copies and originals handed over
    on_disk: dict[str, bool] = {}
    transcripts = sorted(m.name for m in registry.modules() if m.batch)
    for gone, copy, fmt, mtime in sqlfiles.run(con, "manifest_byte_copies",
                                               {"transcripts": transcripts}).fetchall():
        gone, copy = str(gone), str(copy)
        if gone in named or gone in taken or copy in taken:
            continue
        if gone not in on_disk:
            on_disk[gone] = os.path.lexists(gone)
        if on_disk[gone] or path_values(gone) != path_values(copy):
            continue
        if copy in named or os.path.lexists(copy):
            taken.update((gone, copy))
            heirs.append(Heir(copy, gone, str(fmt), int(mtime)))
    return heirs


def apply_heirs(con: duckdb.DuckDBPyConnection, heirs: list[Heir]) -> None:
    """Each copy's own rejected rows and skipped lines (the same as the gone file's), manifest
    entry and duplicate links are dropped; the gone file's rows, entry and links move to the
    copy's path, with the copy's recorded mtime."""
    for h in heirs:
        for table in _tables(h.format):
            sqlfiles.run(con, "delete_source_rows", {"source": h.copy},
                         {"table": quote_ident(table)}).fetchall()
            sqlfiles.run(con, "move_source_rows", {"old_source": h.gone, "new_source": h.copy},
                         {"table": quote_ident(table)}).fetchall()
        sqlfiles.run(con, "delete_manifest_entries", {"sources": [h.copy]}).fetchall()
        sqlfiles.run(con, "move_manifest_entry", {"old_source": h.gone, "new_source": h.copy,
                                                  "mtime_ns": h.mtime_ns}).fetchall()
        duplicate_links.forget(con, [h.copy])  # its copies' links: it holds the rows now
        duplicate_links.move(con, h.gone, h.copy)


def heir_notes(heirs: list[Heir]) -> list[str]:
    if not heirs:
        return []
    first = heirs[0]
    more = f" and {len(heirs) - 1:,} more" if len(heirs) > 1 else ""
    return [f"{len(heirs):,} file(s) read earlier are gone from disk and a file with the same "
            "bytes, whose rows were dropped as their duplicates, is on disk "
            f"({display_path(first.gone)} -> {display_path(first.copy)}{more}): the copy takes "
            "over their rows, which now count under it (a later change to it replaces them)"]
