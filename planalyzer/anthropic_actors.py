"""One person, one user, in Anthropic analytics rows (the Usage and Cost Analytics API's
``analytics/usage``), whichever fetches a load or a --db store holds.

The API reports a user actor's *current* email for every bucket it returns, past ones too,
and none once the account is deleted; its ``user_id`` stays. So the event id names a user by
the ``user_id`` (sql/project_anthropic_analytics_json.sql): a re-fetch after the email
changed, or after the account was deleted, gives the same ids, and the dedupe keeps one copy
of each bucket. The user column is what a finance reader looks for: the person's email, the
one of the user_id's latest row that has one (sql/anthropic_actor_users.sql), on every row of
the user_id, old and new; a user_id never reported with an email is the user itself (a
deleted account seen only after the deletion).

An older planalyzer named the user by the email in the id: ``settle`` rewrites such a stored
id to the user_id of a row read now for the same bucket that reports that email, or else
holds the same counts (sql/rekey_anthropic_actor_ids.sql), before the dedupe compares the
rows read now with them; never by the email's current owner alone (the address may be a
re-created account's, or have moved on). A store in which two stored rows then share an id
(the older planalyzer kept a bucket twice: once under the email, once under the user_id of
the account deleted since) is refused for the load, as the dedupe cannot say which copy a
load of the files would keep. Stored rows left keyed by an email whose bucket a row read now
holds under a user_id are noted: they may be one person's bucket under two ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from planalyzer import duck, instant_ids, sqlfiles
from planalyzer.accounting import FileLoad, display_path
from planalyzer.errors import InputError


def settle(con: duckdb.DuckDBPyConnection, db: Path | None, loads: Sequence[FileLoad],
           read_now: Sequence[str], event_id_key: bool) -> list[str]:
    """When ``loads`` read an Anthropic usage file: name the stored buckets by their start's
    instant (planalyzer.instant_ids) and the stored users by their user_id in the ids (a
    --db ``db``), then give every row of a user_id its latest email; returns the notes. With
    the default dedupe key (``event_id_key``), an InputError where two stored rows then
    share an id."""
    if not instant_ids.reads_anthropic_usage(loads):
        return []
    if db is not None:
        instant_ids.rekey(con, db, read_now, event_id_key)
    now = {"read_now": list(read_now)}
    # on one thread: an UPDATE in a transaction that appended rows, as the dedupe's DELETE
    # (planalyzer.store: DuckDB 2.0.0's parallel DELETE by rowid now and then missed a row)
    with duck.one_thread(con):
        rekeyed = 0
        if db is not None:
            sqlfiles.run(con, "create_analytics_id_parts_macro")
            rows = sqlfiles.run(con, "rekey_anthropic_actor_ids", now).fetchall()
            rekeyed = int(rows[0][0]) if rows else 0
        sqlfiles.run(con, "anthropic_actor_users").fetchall()
    if db is None:
        return []
    ids, sources, files, by_email, email_sources, beside = (
        sqlfiles.run(con, "anthropic_actor_id_copies", now).fetchall()[0])
    if rekeyed and ids and event_id_key:
        raise InputError(
            f"--db {db}: holds {int(ids):,} Anthropic analytics bucket(s) of a user twice "
            f"(from {instant_ids.named_sources(sources, files)}): an older planalyzer named a "
            "user by the email the API reported, so a fetch made after the account was "
            "deleted (or its email changed) kept the same buckets under another user; load "
            "every file into a new --db file instead")
    if by_email:
        named = ", ".join(display_path(str(s)) for s in email_sources or [])
        return [f"--db {db}: {int(by_email):,} Anthropic analytics row(s) an older planalyzer "
                f"stored (from {named}) name their user by an email that no row read now for "
                "the same bucket pairs with a user_id (by that email, or by the same token "
                f"counts), and {int(beside):,} row(s) read now hold those buckets under a "
                "user_id (the email changed, the account was deleted or re-created, and the "
                "counts changed since): if they are one person's, their buckets count twice; "
                "load every file into a new --db file to be sure"]
    return []
