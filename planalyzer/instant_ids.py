"""Anthropic usage event ids that name their start's instant, in a --db store an older
planalyzer made too.

The Anthropic usage exports' event ids name a bucket's start (a Claude Code report row's day)
as epoch seconds (pa_instant_id: sql/create_instant_id_macro.sql), so two fetches of one
export that spell the start differently ('...Z' from one script, '....000Z' or '+00:00' from
another) give a bucket one id, and the dedupe keeps one copy. An older planalyzer put the
start's text in the id: the rows it stored would not match a re-fetch read now, and every
bucket would count twice. ``rekey`` rewrites those stored ids once, when a load reads an
Anthropic usage file, before the dedupe compares the rows it read with the stored ones
(sql/rekey_anthropic_event_ids.sql; a later load finds none left). A store in which two rows
then share an id (an older planalyzer kept both copies of a bucket, its start spelled two
ways: it counts the bucket twice) is refused for that load: which copy the dedupe would have
kept is for a load of the files into a new --db file to say.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from planalyzer import duck, sqlfiles
from planalyzer.accounting import FileLoad, display_path
from planalyzer.errors import InputError

_SOURCE = "anthropic-usage"


def reads_anthropic_usage(loads: Sequence[FileLoad]) -> bool:
    """Whether ``loads`` read an Anthropic usage file (not one left unchanged)."""
    return any(fl.status != "unchanged" and fl.format.split(" ")[0] == _SOURCE for fl in loads)


def named_sources(sources: Sequence[object] | None, files: object) -> str:
    """The files an error names (``sources``, of ``files`` in all): "a.json, b.json and 3
    more"."""
    named = [display_path(str(s)) for s in sources or []]
    more = f" and {int(str(files)) - len(named):,} more" if int(str(files)) > len(named) else ""
    return ", ".join(named) + more


def rekey(con: duckdb.DuckDBPyConnection, db: Path, read_now: Sequence[str],
          event_id_key: bool) -> int:
    """Rewrite the Anthropic usage event ids of ``db``'s stored rows that name their start as
    text (``read_now``: the files this load read, whose rows are not stored ones), for a load
    that read an Anthropic usage file (planalyzer.anthropic_actors.settle calls it); returns
    how many were rewritten. With the default dedupe key (``event_id_key``), an InputError
    where two stored rows then share an id."""
    # on one thread: an UPDATE in a transaction that appended rows, as the dedupe's DELETE
    # (planalyzer.store: DuckDB 2.0.0's parallel DELETE by rowid now and then missed a row)
    with duck.one_thread(con):
        rows = sqlfiles.run(con, "rekey_anthropic_event_ids",
                            {"read_now": list(read_now)}).fetchall()
    n = int(rows[0][0]) if rows else 0
    if n and event_id_key:
        _refuse_shared(con, db, read_now)
    return n


def _refuse_shared(con: duckdb.DuckDBPyConnection, db: Path, read_now: Sequence[str]) -> None:
    rows = sqlfiles.run(con, "respelled_bucket_ids", {"read_now": list(read_now)}).fetchall()
    if not rows or not rows[0][0]:
        return
    ids, files, sources, example, first = rows[0]
    raise InputError(
        f"--db {db}: holds {int(ids):,} Anthropic usage bucket(s) twice (from "
        f"{named_sources(sources, files)}): "
        "an older planalyzer loaded two fetches whose start was spelled differently ('...Z', "
        "'....000Z', '+00:00', a bare date) as different buckets, so the store counts them "
        f"twice (e.g. bucket '{example}' of {first} UTC); load every file into a new --db "
        "file instead")
