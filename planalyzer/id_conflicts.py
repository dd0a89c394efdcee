"""Copies of one event id that are not one request: a load holding them is refused.

The dedupe (sql/rank_duplicate_events.sql) keeps one row of each event id, taking the others
for copies of one request (an export downloaded twice, a usage bucket fetched again, a request
logged while it ran and when it ended). An ``id`` that numbers a file's rows (a database dump,
pandas' ``index_label="id"``, per-month or chunked exports) is no request id: files numbered
so share their numbers, and the dedupe would keep one row of each number whatever its user,
model or time, with nothing but the duplicates count to say so.

So before the dedupe drops a row, the copies of each event id that a file read now holds must
agree on user_id and model and lie within ``MAX_APART`` of each other (copies of one request
may differ in time by its duration, or by a time zone read another way; a usage bucket's id
names its start), and no two of them may differ both in time and in tokens (a copy of another
time holds the same tokens; a copy that grew, a usage bucket or a generation fetched again,
keeps its time: an id numbering the daily or chunked exports of one user and model pairs
requests of other times and tokens within a day), in one load and against the rows a ``--db``
file holds and the copies its loads dropped. Else the load is refused (InputError, exit 2),
naming the column the id came from, the first such pair of rows and what to do: ``--map
event_id=`` (no event id), ``--map event_id=COLUMN`` or ``--dedupe-on``. Claude Code and
Codex transcripts rank their own copies (sql/rank_claude_code_rows.sql,
planalyzer.sources.codex) and are not checked, nor is a key the user named (``--dedupe-on``:
the rows it makes one are one request by the user's word).

A dropped copy is kept nowhere but as the copy kept, and its time and tokens may differ from
that copy's: of A and B, one request 2 hours apart (a time zone read another way), a load keeps
B; C, of B's time with more tokens, differs from A in both, and a load of the three is refused,
so a ``--db`` load of C into a store holding B must be too. So the dedupe records each copy it
drops that differs from the copy kept in user_id, model, time or tokens (``record``, table
``dropped_copies``: its id, file, row, user_id, model, time and tokens), and the check judges
the copies read now against the kept and the recorded copies alike, whatever the order of the
runs. A copy equal to the one kept is not recorded: the kept copy stands for it (should the
kept copy's file change, the files that dropped copies of its rows are read again,
planalyzer.duplicate_links). A file's records go with its rows (a reload, a gone file leaving
the store) and move with them. A store an older planalyzer made has the table added when a
load opens it, empty: the copies its loads dropped before are not known, and a later file is
judged against the copies kept only, as then (load every file into a new ``--db`` file to
judge it by all).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import duckdb

from planalyzer import sqlfiles
from planalyzer.accounting import FileLoad, display_path
from planalyzer.errors import InputError, shorten

MAX_APART = timedelta(hours=24)
TABLE = "dropped_copies"  # the copies the dedupe dropped that differ from the kept one
# the token classes of sql/conflicting_event_ids.sql's tokens lists, as a refusal names them
TOKEN_CLASSES = ("input", "cache_write", "cache_write_1h", "cache_read", "output")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


SPREAD = "dup_spread"  # the staged ids whose copies differ (sql/spread_event_ids.sql)


def check(con: duckdb.DuckDBPyConnection, sources: Sequence[str],
          loads: Sequence[FileLoad]) -> bool:
    """Raise an InputError when copies of an event id held by ``sources`` (files read now,
    read by a projection) are not one request; ``loads`` give their mappings. Reads the
    copies the dedupe staged (sql/stage_duplicate_copies.sql, with the key event_id) and
    those earlier loads dropped. Leaves the temp table SPREAD (the caller drops it): whether
    any id's copies differ is returned, and only then does ``record`` run."""
    params = {"sources": list(sources)}
    written = sqlfiles.run(con, "spread_event_ids", params).fetchall()
    if not written or not written[0][0]:  # (a CREATE TABLE AS returns the rows it wrote)
        return False
    if not sources:
        return True
    rows = sqlfiles.run(con, "conflicting_event_ids", {
        **params, "max_apart_us": MAX_APART // timedelta(microseconds=1),
    }).fetchall()
    if rows:
        mappings = {fl.source: fl.mapping for fl in loads if fl.status != "unchanged"}
        raise InputError(message(rows[0], mappings))
    return True


def record(con: duckdb.DuckDBPyConnection) -> None:
    """Record the copies the dedupe on event_id drops now that differ from the copy kept
    (sql/record_dropped_copies.sql): run after sql/rank_duplicate_events.sql, before the
    copies are deleted, where ``check`` found copies that differ."""
    sqlfiles.run(con, "record_dropped_copies").fetchall()


def message(row: tuple[object, ...], mappings: dict[str, str]) -> str:
    """The refusal for one row of sql/conflicting_event_ids.sql."""
    n, event_id = int(str(row[0])), str(row[1])
    a = _Copy(row[2:9], mappings, row[16], bool(row[18]))
    b = _Copy(row[9:16], mappings, row[17], bool(row[19]))
    differ = [f"{what} {shorten(x)} / {shorten(y)}"
              for what, x, y in (("user_id", a.user, b.user), ("model", a.model, b.model))
              if x != y]
    apart = b.ts - a.ts
    times = (f"ts {a.ts:%Y-%m-%d %H:%M:%S} / {b.ts:%Y-%m-%d %H:%M:%S} UTC "
             f"({_span(apart)} apart)")
    if apart > MAX_APART:
        differ.append(times)
    elif not differ and a.tokens != b.tokens:  # other times and other tokens
        differ.append(f"{times} with other tokens ("
                      + ", ".join(f"{what} {x:,} / {y:,}" for what, x, y in zip(
                          TOKEN_CLASSES, a.tokens, b.tokens, strict=True) if x != y) + ")")
    same = a.column == b.column
    cols = a.column if same else f"{a.column} in the first, {b.column} in the second"
    theirs = repr(a.column.partition("=")[2] or "event_id") if same else "the id column"
    shown = event_id if len(event_id) <= 40 else event_id[:37] + "..."
    return (f"{a.where} and {b.where} hold the same event id {shown!r} ({cols}) but are not "
            f"one request: {', '.join(differ)}; {n:,} event id(s) are held so (by rows that "
            f"disagree on user_id or model, lie more than {_span(MAX_APART)} apart, or differ "
            "both in time and in tokens: a copy of one request fetched again as it grew keeps "
            "its time), and the dedupe would keep one row of each. If "
            f"{theirs} numbers each file's rows (a database dump, a pandas index, per-month "
            "or chunked exports), load with --map event_id= (no event id); else name the "
            "column holding request ids (--map event_id=COLUMN), or the columns that make one "
            "request (--dedupe-on user_id,ts,model)")


class _Copy:
    """One row of a conflicting pair: source, source_row, user_id, model, ts (epoch
    microseconds), new (a file read now holds it), its file's mapping in the manifest; its
    tokens (input, cache_write, cache_write_1h, cache_read, output); and whether it is a copy
    an earlier load dropped (``recorded``)."""

    def __init__(self, row: Sequence[object], mappings: dict[str, str],
                 tokens: object, recorded: bool) -> None:
        source, line, self.user, self.model, ts_us, new, stored = row
        self.tokens = [int(t) for t in tokens] if isinstance(tokens, list) else []
        self.name = display_path(str(source))
        where = ("" if new else " (dropped as a duplicate by an earlier load)" if recorded
                 else " (in the --db file)")
        self.where = f"{self.name} row {line}{where}"
        self.ts = _EPOCH + timedelta(microseconds=int(str(ts_us)))
        mapping = mappings.get(str(source)) or (str(stored) if stored is not None else "")
        self.column = id_column(mapping)


def id_column(mapping: str) -> str:
    """The event_id part of a mapping as ``ColumnMapping.describe`` says it ("event_id=id",
    first: event_id is the first canonical column), else "event_id"."""
    first = mapping.split(", ", 1)[0].split(" (", 1)[0]
    return first if first.startswith("event_id") else "event_id"


def _span(delta: timedelta) -> str:
    """A time span in whole hours, or days from two days up; under an hour, in whole minutes
    (seconds under a minute)."""
    hours = int(delta // timedelta(hours=1))
    if hours < 1:
        minutes = int(delta // timedelta(minutes=1))
        return (f"{minutes} minute{'s' * (minutes != 1)}" if minutes
                else f"{int(delta.total_seconds())} seconds")
    return f"{hours // 24} days" if hours >= 48 else f"{hours} hour{'s' * (hours != 1)}"
