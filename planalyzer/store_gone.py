"""Transcripts a --db store read earlier that are gone from disk, and the copies on disk now.

A transcript (a Codex rollout, a Claude Code session) read into a --db store that is no longer
on disk keeps its rows: the store keeps the history of logs that tools delete. But a file on
disk may hold the same requests: Codex archives a session by moving its rollout from
sessions/ to archived_sessions/, a transcript folder is moved, a copy is kept while the
original is deleted. Its copies of the requests were dropped as duplicates of the gone file's
rows (an earlier load's copy is kept), and ``planalyzer me``, which counts the files on disk,
lost them. So, as a load of the folders without --db (which never sees the gone file):

- the dedupe ranks a gone file's stored rows after every copy read now
  (sql/rank_duplicate_events.sql, sql/rank_claude_code_rows.sql; the session variable
  ``planalyzer_gone_sources``), and a Codex reading of an event a gone file holds is kept
  (sql/insert_rate_limit_snapshots.sql): a moved file, read as new, takes its rows over;
- a file found gone has the files that may hold copies of its rows read again: for a Codex
  rollout, the rollouts of its root session (its archived copy, its forks) that dropped
  duplicates or kept no rows; for a Claude Code transcript, the transcripts named in the load
  that dropped duplicates and whose bytes name one of its message ids (a resumed session, a
  subagent's replay; a scan for ``"id":"..."``, no parse: nearly every transcript dropped
  duplicates, its own streamed lines, and reading them all again cost more than a cold load:
  13.9 s against 2.7 s for 5,880 files, 20 of them deleted), and those linked to it that name
  one of its witnesses' (sql/create_claude_code_witnesses.sql: a subagent's replay of a
  main-thread copy it dropped).
  The rows it loses are counted as its duplicates (read = loaded + rejected + duplicates
  holds), with their readings;
- a gone file left with no rows (every one held by a file on disk: moved) leaves the store
  with its manifest entry, rejected rows and readings; one that keeps rows is marked gone in
  the manifest (content_hash 'gone:...', sql/set_gone_marks.sql): it is looked for and its
  copies searched once, and ``me`` names its rows as a gone file's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import duckdb

from planalyzer import duplicate_links, sqlfiles
from planalyzer.accounting import display_path
from planalyzer.sources import registry

_ID = re.compile(rb'"id"\s*:\s*"([^"\\]{1,512})"')  # a JSON key "id" and its plain value
_BLOCK = 1 << 20  # a file is scanned in blocks of this size
_OVERLAP = 1024  # bytes kept from the block before: a match across blocks is not missed


def transcript_formats() -> frozenset[str]:
    """The manifest formats of transcript sources (batch sources, keyed across files)."""
    return frozenset(m.name for m in registry.modules() if m.batch)


@dataclass
class Gone:
    """The transcripts of a --db store gone from disk: ``every`` (marked earlier or found now),
    ``new`` (found now: their copies are searched), ``formats`` and ``loaded`` (rows_loaded
    before this load's dedupe) of each. ``searched``: every file that may hold copies of the
    new ones' rows was read (False: one was not named in the load; they are not marked, so a
    later load looks again)."""

    every: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)
    loaded: dict[str, int] = field(default_factory=dict)
    searched: bool = True


def set_gone(con: duckdb.DuckDBPyConnection, sources: list[str]) -> None:
    """Name the gone files to the dedupe's SQL (the variable planalyzer_gone_sources)."""
    sqlfiles.run(con, "set_gone_sources", {"sources": sources}).fetchall()


def find(con: duckdb.DuckDBPyConnection, fingerprints: dict[str, tuple[str, int, int, str]],
         named: set[str]) -> Gone:
    """The transcripts of the manifest not named in this load that are gone from disk (one
    ``lexists`` per transcript not named and not marked); marked files named again are
    unmarked. Names them to the dedupe (``set_gone``)."""
    marked = {str(r[0]) for r in sqlfiles.run(con, "manifest_gone").fetchall()}
    back = sorted(marked & named)
    if back:
        sqlfiles.run(con, "set_gone_marks", {"sources": back, "gone": False}).fetchall()
    formats = transcript_formats()
    gone = Gone()
    for key, fp in fingerprints.items():
        if key in named or fp[3] not in formats:
            continue
        if key not in marked:
            if os.path.lexists(key):
                continue
            gone.new.append(key)
        gone.every.append(key)
        gone.formats[key] = fp[3]
    set_gone(con, gone.every)
    if gone.every:
        gone.loaded = {str(s): int(n) for s, n, _ in
                       sqlfiles.run(con, "gone_counts").fetchall()}
    return gone


def names_any(path: str, ids: set[bytes]) -> bool:
    """Does the file hold a JSON ``"id"`` key whose value is one of ``ids``? (A file that
    cannot be read says yes: reading it again says what is wrong.)"""
    tail = b""
    try:
        with open(path, "rb") as fh:
            while block := fh.read(_BLOCK):
                data = tail + block
                if any(m in ids for m in _ID.findall(data)):
                    return True
                tail = data[-_OVERLAP:]
    except OSError:
        return True
    return False


def copies_of(con: duckdb.DuckDBPyConnection, gone: Gone,
              todo: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Of ``todo`` (files whose rows earlier loads dropped as duplicates: source, format), those
    that may hold copies of the rows of the files found gone now."""
    from planalyzer.sources.codex import codex_group_of_name

    def codex_groups(keys: list[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for src, grp in sqlfiles.run(con, "codex_event_groups", {"sources": keys}).fetchall():
            out.setdefault(str(src), set()).add(str(grp))
        return out

    with_rows = [k for k in gone.new if gone.loaded.get(k, 0) > 0]
    gone_codex = [k for k in with_rows if gone.formats[k] == "codex"]
    gone_cc = [k for k in with_rows if gone.formats[k] == "claude-code"]
    ids: set[bytes] = set()
    if gone_cc:
        ids = {str(r[0]).encode() for r in sqlfiles.run(
            con, "claude_code_message_ids", {"sources": gone_cc}).fetchall()}
    # a gone transcript's witnesses (main-thread copies it dropped that made sidechain copies
    # of their session replays, even in a transcript that kept no rows): the transcripts that
    # dropped such a replay are linked to it
    witnessed = [k for k in gone.new if gone.formats[k] == "claude-code"]
    wit: set[bytes] = set()
    if witnessed:
        wit = {str(r[0]).encode() for r in sqlfiles.run(
            con, "claude_code_witness_ids", {"sources": witnessed}).fetchall()}
    near = {k for k, _ in duplicate_links.linked(con, witnessed)} if wit else set()
    if not gone_codex and not ids and not wit:
        return []
    wanted: set[str] = set()
    if gone_codex:
        for groups in codex_groups(gone_codex).values():
            wanted |= groups
        wanted |= {codex_group_of_name(k) for k in gone_codex}
    codex = [k for k, f in todo if f == "codex"] if wanted else []
    theirs = codex_groups(codex) if codex else {}
    every = set(gone.every)
    picked = []
    for key, fmt in todo:
        if key in every:
            continue
        if fmt == "codex" and wanted:
            # a rollout that kept no rows (an archived copy, a fork with no turn of its own)
            # holds nothing but copies: read again whatever its session
            if key not in theirs or theirs[key] & wanted:
                picked.append((key, fmt))
        elif fmt == "claude-code" and (ids or key in near) and names_any(
                key, ids | wit if key in near else ids):
            picked.append((key, fmt))
    return picked


def settle(con: duckdb.DuckDBPyConnection, gone: Gone,
           displaced: dict[str, list[int]],
           forget: Callable[[str, str], None]) -> tuple[list[str], list[str]]:
    """After the dedupe: drop the gone files left with no rows (``forget(source, format)``
    deletes what they contributed; their manifest entries are deleted here), drop the
    readings of the events the others lost (``displaced``: the times, epoch microseconds, of
    the events the generic dedupe deleted, by file), mark the files found gone now. Returns
    the files dropped and the notes."""
    if not gone.every:
        return [], []
    after = {str(s): (int(n), int(d)) for s, n, d in sqlfiles.run(con, "gone_counts").fetchall()}
    lost = {k: gone.loaded.get(k, 0) - n for k, (n, _) in after.items()
            if gone.loaded.get(k, 0) > n}
    # no rows left, some dropped as copies: every request it held is a file's on disk (or it
    # only ever held copies), so nothing of it is history
    dropped = sorted(k for k, (n, d) in after.items() if n == 0 and d > 0)
    for key in dropped:
        forget(key, gone.formats[key])
    if dropped:
        sqlfiles.run(con, "delete_manifest_entries", {"sources": dropped}).fetchall()
    gone_set = set(dropped)
    # a Codex file's readings (Claude Code logs none); a gone file that lost requests to the
    # generic dedupe lost Codex events (Claude Code copies are ranked by their own batch)
    pairs = [(k, ts) for k, times in displaced.items() if k in lost and k not in gone_set
             for ts in times]
    if pairs:
        sqlfiles.run(con, "delete_gone_readings", {
            "sources": [k for k, _ in pairs], "ts_us": [ts for _, ts in pairs]}).fetchall()
    mark = [k for k in gone.new if k not in gone_set] if gone.searched else []
    if mark:
        sqlfiles.run(con, "set_gone_marks", {"sources": mark, "gone": True}).fetchall()
    return dropped, _notes(lost, dropped)


def _notes(lost: dict[str, int], dropped: Iterable[str]) -> list[str]:
    if not lost:
        return []
    first = sorted(lost)[0]
    more = f" and {len(lost) - 1:,} more" if len(lost) > 1 else ""
    left = [k for k in dropped if k in lost]
    then = (f"; {len(left):,} of the gone file(s) held no other request and left the store"
            if left else "; their other rows stay in it")
    return [f"{len(lost):,} file(s) read into the --db file earlier are gone from disk "
            f"({display_path(first)}{more}) and files on disk now hold "
            f"{sum(lost.values()):,} of their request(s) (a Codex rollout archived or moved, a "
            "transcript moved, a copy kept while the original was deleted): those count under "
            f"the files on disk, as in a load without --db{then}"]
