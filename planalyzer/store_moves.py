"""Files moved since a --db store read them (a renamed folder): found by their bytes.

A file the manifest does not know whose bytes (size and content hash) equal those of a file
the manifest knows that is gone from disk is that file, moved: it takes over the gone file's
manifest entry (its options and accounting) and its rows are re-pointed at the new path, so a
later change to it replaces those rows instead of adding a second copy. Nothing is read.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb

from planalyzer import sqlfiles
from planalyzer.accounting import display_path
from planalyzer.manifest import content_hash, path_values
from planalyzer.sources import registry
from planalyzer.sources.files import SourceFile
from planalyzer.sqlfiles import quote_ident

_TABLES = ("events", "rejected_rows", "skipped_lines")


@dataclass(frozen=True)
class Move:
    new: str  # the file read now
    old: str  # the gone file it is
    format: str  # as the manifest recorded it
    rows_loaded: int


def find_moves(new: list[tuple[SourceFile, tuple[int, int]]],
               fingerprints: dict[str, tuple[str, int, int, str]],
               entries: Callable[[list[str]], dict[str, Any]]) -> list[Move]:
    """The files of ``new`` (not in the manifest, with their (size, mtime)) that are a gone
    file moved. ``entries`` fetches manifest entries (content_hash, rows_loaded) by source.
    Only files hashed whole (not transcripts, fingerprinted by their tail) can be moves."""
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
    moves: list[Move] = []
    for src, st in sorted(new, key=lambda n: (len(n[0].key), n[0].key)):
        if not any(size == st[0] for size, _ in pool):
            continue
        digest = content_hash(src.path)
        candidates = pool.get((st[0], digest), [])
        for e in candidates:
            if (e.format.split(" ")[-1] == src.format
                    and path_values(e.source) == path_values(src.key)):
                candidates.remove(e)
                moves.append(Move(src.key, e.source, e.format, int(e.rows_loaded)))
                break
    return moves


def apply_moves(con: duckdb.DuckDBPyConnection, moves: list[Move],
                stats: dict[str, tuple[int, int]]) -> None:
    """Re-point the gone files' rows and manifest entries at the new paths."""
    for m in moves:
        tables = list(_TABLES)
        name = m.format.split(" ")[0]
        if name in registry.names():
            tables.extend(registry.get(name).extra_tables)
        for table in tables:
            sqlfiles.run(con, "move_source_rows", {"old_source": m.old, "new_source": m.new},
                         {"table": quote_ident(table)}).fetchall()
        sqlfiles.run(con, "move_manifest_entry", {"old_source": m.old, "new_source": m.new,
                                                  "mtime_ns": stats[m.new][1]}).fetchall()


def move_notes(moves: list[Move]) -> list[str]:
    if not moves:
        return []
    first = moves[0]
    more = f" and {len(moves) - 1:,} more" if len(moves) > 1 else ""
    return [f"{len(moves):,} file(s) have the same bytes as files read earlier that are gone "
            f"from disk ({display_path(first.old)} -> {display_path(first.new)}{more}): taken "
            "as moved, their rows now count under the new path (a later change to the file "
            "replaces them); nothing was read"]
