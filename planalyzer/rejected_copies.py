"""Rejected rows repeated across files: overlapping exports (monthly dumps sharing a day) hold
a bad row in each file, and each file rejects it. The accounting counts every copy (read =
loaded + rejected + duplicates holds per file); a load note says how many of the rejected rows
are such copies, so the rejected count is not read as that many distinct bad rows."""

from __future__ import annotations

import duckdb

from planalyzer import sqlfiles
from planalyzer.accounting import FileLoad, display_path


def rejected_copy_notes(con: duckdb.DuckDBPyConnection, loads: list[FileLoad]) -> list[str]:
    """The note on this load's rejected rows that repeat a row rejected in another file."""
    new = [fl.source for fl in loads if fl.status != "unchanged" and fl.rows_rejected]
    if not new:
        return []
    row = sqlfiles.run(con, "rejected_row_copies", {"new_sources": new}).fetchone()
    if row is None or not row[0]:
        return []
    copies, example, other, earlier = int(row[0]), str(row[1]), str(row[2]), int(row[3])
    rejected = sum(fl.rows_rejected for fl in loads if fl.status != "unchanged")
    # the copies of a row an earlier load rejected all count as copies: its distinct rows are
    # the rows new to the store (rejected - copies) and those earlier ones
    distinct = f"the distinct bad rows are {rejected - copies + earlier:,}"
    if earlier:
        new_rows = rejected - copies
        distinct += (", none of them new (each was rejected in a file an earlier load read "
                     "too)" if not new_rows else
                     f", {new_rows:,} of them new (the other {earlier:,} rejected in a file "
                     "an earlier load read too)")
    return [f"{copies:,} of the {rejected:,} rejected row(s) are copies of a row rejected in "
            f"another file (the same raw row and reason; overlapping exports, such as "
            f"{display_path(example)} and {display_path(other)}): each file counts its copy "
            f"as rejected (read = loaded + rejected + duplicates, per file), so {distinct}"]
