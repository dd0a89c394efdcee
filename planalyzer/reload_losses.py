"""What a --db reload of a changed file removed: its stored events the new version no longer
holds.

A changed file is reloaded, its rows replaced (the new version is what the file says now).
An export a scheduled job overwrites in place ("the last 7 days" > usage.json) then keeps only
its last window in the store, while the same job writing a new file each time, or deleting the
file, keeps every day (the store keeps the rows of a file gone from disk). The reload stays
as it is: the new version does not say the days it left out were wrong, but neither does it
hold them, and keeping rows a file no longer holds would make a --db store differ from a
load of the files on disk for every edited export (a row taken out on purpose would stay).
So the load says what went: ``stage`` keeps a changed file's stored events with an event id
before they are deleted; ``notes`` names each file whose new version lacks some of them, with
their events, requests, tokens and days, and what to do to keep the history.
"""

from __future__ import annotations

import duckdb

from planalyzer import sqlfiles
from planalyzer.accounting import display_path
from planalyzer.sqlfiles import quote_ident

_TABLE = "reloaded_prev"
_MOST = 3  # files named in the note


def stage(con: duckdb.DuckDBPyConnection, source: str, first: bool) -> None:
    """Keep the stored events (with an event id) of ``source``, a changed file about to be
    reloaded; ``first``: the load's first, which creates the table."""
    if first:  # (a table an aborted load left: replaced)
        sqlfiles.run(con, "drop_temp_table", slots={"table": quote_ident(_TABLE)}).fetchall()
        sqlfiles.run(con, "create_reloaded_prev").fetchall()
    sqlfiles.run(con, "stage_reloaded_rows", {"source": source}).fetchall()


def notes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The note on the staged events that the files' new versions no longer hold (run after
    the files were read, before the dedupe); drops the table."""
    try:
        rows = sqlfiles.run(con, "reloaded_rows_gone").fetchall()
    finally:
        sqlfiles.run(con, "drop_temp_table", slots={"table": quote_ident(_TABLE)}).fetchall()
    if not rows:
        return []
    said = []
    for source, events, requests, tokens, first, last, days in rows[:_MOST]:
        span = first if first == last else f"{first} .. {last}"
        said.append(f"{display_path(str(source))}: {int(events):,} event(s), "
                    f"{int(requests or 0):,} request(s), {int(tokens or 0):,} tokens on "
                    f"{int(days):,} day(s), {span} UTC")
    if len(rows) > _MOST:
        rest = rows[_MOST:]
        said.append(f"{len(rest):,} more file(s): {sum(int(r[1]) for r in rest):,} event(s)")
    return ["changed file(s) reloaded, their rows replaced: the new version no longer holds "
            f"stored rows of the previous one, removed with it ({'; '.join(said)}); to keep a "
            "usage export's history in --db, save each fetch under a new name (the store "
            "keeps the rows of a file gone from disk) rather than overwriting one file"]
