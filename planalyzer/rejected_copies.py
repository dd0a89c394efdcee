"""Rejected rows repeated across files: overlapping exports (monthly dumps sharing a day) hold
a bad row in each file, and each file rejects it. The accounting counts every copy (read =
loaded + rejected + duplicates holds per file); a load note says how many of the rejected rows
are such copies, so the rejected count is not read as that many distinct bad rows. Where the
files have no event ids (and no --dedupe-on key), their shared good rows were loaded from each
file: the note counts them and names the remedy."""

from __future__ import annotations

import duckdb

from planalyzer import sqlfiles
from planalyzer.accounting import FileLoad, display_path

# the key the docs give for logs without request ids (README.md, Duplicates)
DEDUPE_REMEDY = "--dedupe-on user_id,ts,model"


def rejected_copy_notes(con: duckdb.DuckDBPyConnection, loads: list[FileLoad],
                        by_event_id: bool = True) -> list[str]:
    """The note on this load's rejected rows that repeat a row rejected in another file.
    ``by_event_id``: the store's dedupe key is event_id (no --dedupe-on), so the files' rows
    without one were never compared: the note counts those the overlapping files share."""
    new = [fl.source for fl in loads if fl.status != "unchanged" and fl.rows_rejected]
    if not new:
        return []
    row = sqlfiles.run(con, "rejected_row_copies", {"new_sources": new}).fetchone()
    if row is None or not row[0]:
        return []
    copies, example, other, earlier = int(row[0]), str(row[1]), str(row[2]), int(row[3])
    files: list[str] = list(row[4])
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
    note = (f"{copies:,} of the {rejected:,} rejected row(s) are copies of a row rejected in "
            f"another file (the same raw row and reason; overlapping exports, such as "
            f"{display_path(example)} and {display_path(other)}): each file counts its copy "
            f"as rejected (read = loaded + rejected + duplicates, per file), so {distinct}")
    if by_event_id:
        note += _loaded_copies(con, files, [fl.source for fl in loads
                                            if fl.status != "unchanged"])
    return [note]


def _loaded_copies(con: duckdb.DuckDBPyConnection, files: list[str],
                   new_sources: list[str]) -> str:
    """The sentence on the good rows without an event id that the overlapping ``files`` share
    (each file's copy was loaded), or "" where there are none."""
    row = sqlfiles.run(con, "loaded_row_copies",
                       {"files": files, "new_sources": new_sources}).fetchone()
    loaded = int(row[0]) if row is not None and row[0] else 0
    if not loaded:
        return ""
    return (f"; rows without an event id are no duplicates, so a good row these files share "
            f"was loaded from each: {loaded:,} loaded row(s) repeat a row of another of them "
            f"(the same time, user, model and tokens) and count the request again; give "
            f"{DEDUPE_REMEDY} (or --map event_id=COLUMN naming their request ids) to keep one")
