"""Which file kept the copy of the rows a file dropped as duplicates (a --db store's reloads).

A row dropped as a duplicate exists nowhere in the store but as the copy kept, in the same file
or in another. When a changed file is reloaded its old rows are deleted: a request it held
that it no longer holds must come back from a file that dropped a copy of it. So every dedupe
records, per distinct pair, the file that dropped copies and the file holding the copy kept
(``duplicate_links``: the generic dedupe, sql/rank_duplicate_events.sql; the Claude Code
ranking, sql/claude_code_links.sql; a Codex batch's copies across rollouts; a file with the
same bytes as another), and a reload reads again exactly the files linked to the files it
reloads (sql/linked_duplicates.sql): a CSV export that changed beside thousands of transcripts
that dropped their own streamed lines reads the CSV alone.

A file's links are deleted with its rows (reloaded, read again, a gone file leaving the store)
and written anew by the dedupe that reads it; a transcript read on from its new lines keeps
them and adds its new ones; a moved file, or a byte copy taking over a gone file's rows
(planalyzer/store_moves.py), takes them over. A store made before the table existed gets, when
a load first opens it, a link to an unknown file (NULL) for every file that dropped duplicates:
such a file is read again when any file is reloaded, as every one was before, until it is read
again and its links are known.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from planalyzer import sqlfiles

TABLE = "duplicate_links"


def record(con: duckdb.DuckDBPyConnection, pairs: Iterable[tuple[str, str]]) -> None:
    """Record (file that dropped copies, file of the copy kept) pairs; a file's own pair and
    pairs already recorded are left out."""
    todo = sorted({(str(a), str(b)) for a, b in pairs if a != b})
    if todo:
        sqlfiles.run(con, "insert_duplicate_links", {
            "sources": [a for a, _ in todo], "kept_sources": [b for _, b in todo]}).fetchall()


def forget(con: duckdb.DuckDBPyConnection, sources: list[str]) -> None:
    """Delete the links of files whose rows are deleted (their next dedupe records them)."""
    if sources:
        sqlfiles.run(con, "delete_duplicate_links", {"sources": sources}).fetchall()


def linked(con: duckdb.DuckDBPyConnection, reloaded: list[str]) -> list[tuple[str, str]]:
    """(source, format) of the files that dropped copies of rows kept from a file of
    ``reloaded``, or from an unknown file (a store an older planalyzer made)."""
    return [(str(k), str(f)) for k, f in
            sqlfiles.run(con, "linked_duplicates", {"sources": reloaded}).fetchall()]


def move(con: duckdb.DuckDBPyConnection, old: str, new: str) -> None:
    """A moved file takes over its gone path's links (both ways)."""
    sqlfiles.run(con, "move_duplicate_links", {"old_source": old, "new_source": new}
                 ).fetchall()


def create(con: duckdb.DuckDBPyConnection, older: bool) -> None:
    """Create the table if absent; ``older``: a store made before it existed (a file that
    lacks it): its files that dropped duplicates are marked linked to an unknown file."""
    sqlfiles.run(con, "create_duplicate_links").fetchall()
    if older:
        sqlfiles.run(con, "mark_unknown_duplicate_links").fetchall()
