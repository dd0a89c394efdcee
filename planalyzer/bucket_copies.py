"""Usage-API buckets that two files hold with other token counts: fetches of one export at two
times, or exports of other scopes that the dedupe would merge.

A usage API's bucket id names the bucket and its grouping (user, project, key, model ...: an
export not grouped by a dimension leaves it empty). Two fetches of one export share their ids,
and the dedupe keeps the copy with the most tokens: the later fetch of a bucket that was still
running (sql/rank_duplicate_events.sql). But two exports filtered to other projects,
workspaces, API keys or users and not grouped by them give the same bucket the same id too,
with the usage of their own scope each: the dedupe then keeps one and drops the other's usage,
and user, model and time agree, so planalyzer.id_conflicts does not see it.

A bucket fetched again only grows, so of two fetches of one export the later holds at least as
many tokens of every bucket they share; and a fetch is taken after the start of every bucket
it holds, so a bucket that ended well before the start of a later bucket of its grouping was
finished when the file holding it was fetched: no later fetch holds more of it. Before the
dedupe drops a row, the files holding copies of a bucket id with other token counts
(sql/differing_bucket_copies.sql) are compared:

- each holding more of some bucket than the other: neither is a later fetch of the other, and
  the load is refused (InputError, exit 2), naming both files, a bucket of each and what to do;
- a file holding fewer tokens of a bucket than another file (each copy compared with the most
  any other file holds: a set of files, an export split into a file per day, is compared as a
  whole) and also a bucket of the same grouping starting a day (LATE_S: usage reported late
  may still add to a bucket for a while) or more after that one ended held it finished: no
  file holding more of it is a later fetch (sql/finished_bucket_copies.sql), and the load is
  refused, naming the file, the files holding the most, a bucket and what to do;
- neither refusal judges a file that may hold fetches of several times (pages appended to one
  file as a job fetched them: it holds a bucket id twice), whose copies may each be of another
  time; what each export read says (its latest bucket per grouping, whether an id repeats) is
  recorded when it is read (``record``, table bucket_fetches), so a file a --db store holds is
  judged by all the rows it held, as a load of every file at once judges it, though later
  loads replaced its running buckets (a stored file an older planalyzer made has no record: it
  is judged by the first rule only, and may hold several fetches where it dropped duplicates:
  sql/bucket_fetch_files.sql);
- else (one holds at least as much of every bucket: a later fetch, or an export of a wider
  scope, or of a scope that used more, where the files cannot tell; or a file of several
  fetches) the load says so in a note, naming the files, a bucket and what to do where they
  are exports of other scopes.

``break_ties`` ranks copies of a dashboard CSV row's id that tie on their tokens by the tokens
their files hold of the row's bucket and grouping (sql/tied_bucket_copies.sql).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from planalyzer import sqlfiles
from planalyzer.accounting import FileLoad, display_path
from planalyzer.errors import InputError
from planalyzer.sqlfiles import quote_ident

# the sources whose event ids name a bucket (planalyzer.sources.report_json.BUCKET_SOURCES)
_BUCKET_FORMATS = ("openai-usage", "anthropic-usage")
_SCOPES = ("exports filtered to other projects, workspaces, API keys or users and not grouped "
           "by them (which give a bucket the same id)")
# usage reported late may still add to a bucket this long after it ended: a copy with fewer
# tokens is judged finished only in a file holding a bucket of its grouping starting this long
# after it ended (sql/finished_bucket_copies.sql)
LATE_S = 86_400
_LATE = "a day"
_REMEDY = ("export them grouped by that dimension (the usage API's group_by project_id, "
           "workspace_id, api_key_id or user_id; the OpenAI dashboard CSV with its project or "
           "key column), or load OpenAI dashboard CSVs with --map event_id= (no event id: no "
           "row is dropped as a duplicate)")
# an export whose scope holds the other's: the dedupe's verdict is right, and loading both
# apart (--map event_id=, group_by) would count the narrower scope's usage twice (qa17C #5)
_WIDER = ("If one export's scope holds the other's (an organization-wide export beside one "
          "filtered to a project), leave the narrower one out: the wider one counts its "
          "usage. If the scopes are apart, to load both, ")


def record(con: duckdb.DuckDBPyConnection, loads: Sequence[FileLoad]) -> None:
    """Record, for the usage-API exports read now, the latest bucket of each grouping they
    hold and the bucket a fetch cut short (sql/insert_bucket_fetches.sql; ``check`` marks
    those holding an id twice; sql/align_cut_buckets.sql then starts that bucket's rows at
    the bucket's start, as their ids do): run
    after their rows are inserted and before the dedupe drops any, so that ``check`` judges a
    file a --db store holds by all its rows, as a load of every file at once does."""
    sources = [fl.source for fl in loads
               if fl.status != "unchanged" and fl.format.split(" ")[0] in _BUCKET_FORMATS]
    if sources:
        sqlfiles.run(con, "insert_bucket_fetches", {"sources": sources}).fetchall()
        # the OpenAI buckets a fetch cut short, recorded now, start at their buckets' starts
        sqlfiles.run(con, "align_cut_buckets", {"sources": sources}).fetchall()


def check(con: duckdb.DuckDBPyConnection, sources: Sequence[str],
          loads: Sequence[FileLoad], db: Path | None = None) -> list[str]:
    """Compare the copies of bucket ids that ``sources`` (files read now, by a projection)
    hold with other files' (read now or stored): raise an InputError where two files cannot
    be fetches of one export, else return the note on copies that differ (none where all
    agree). Reads the copies the dedupe staged (dup_copies, sql/stage_duplicate_copies.sql
    with event_id as the key), before the ranking. ``db``: the --db file; a file it holds
    that is gone from disk is named so in the refusal, whose remedy then starts with a new
    --db file (leaving the gone file out cannot help: the store keeps its rows)."""
    wanted = set(sources)
    now = [fl for fl in loads if fl.source in wanted]
    if not any(fl.format.split(" ")[0] in _BUCKET_FORMATS for fl in now):
        return []
    # the exports read now that hold an id twice, before the dedupe drops their repeats
    sqlfiles.run(con, "mark_repeated_bucket_fetches").fetchall()
    # the copies of the repeated ids, staged for the ranking (sql/stage_duplicate_copies.sql),
    # of the ids held with other totals, per file (sql/stage_bucket_copies.sql)
    try:
        if not _written(sqlfiles.run(con, "stage_bucket_copies").fetchall()):
            return []
        return _judged(con, sources, db)
    finally:
        _drop_temp(con, _COPIES)


def _judged(con: duckdb.DuckDBPyConnection, sources: Sequence[str],
            db: Path | None) -> list[str]:
    """``check`` on the staged copies of the ids held with other totals."""
    rows = sqlfiles.run(con, "differing_bucket_copies").fetchall()
    pairs = [_Pair(*r) for r in rows]
    both = [p for p in pairs if p.a_more and p.b_more]
    if both:  # unless a file of the pair may hold fetches of several times
        files = sorted({f for p in both for f in (p.a_source, p.b_source)})
        several = {str(r[0]) for r in sqlfiles.run(con, "bucket_fetch_files", {
            "files": files, "sources": list(sources)}).fetchall()}
        refused = [p for p in both if not {p.a_source, p.b_source} & several]
        if refused:
            raise InputError(refusal(refused, db))
    if not pairs:
        return []
    # a file holding less of a bucket it held finished (sql/finished_bucket_copies.sql)
    finished = [_Finished(*r) for r in sqlfiles.run(con, "finished_bucket_copies",
                                                    {"late_s": LATE_S}).fetchall()]
    if finished:
        raise InputError(finished_refusal(finished, db))
    return [note(pairs)]


def break_ties(con: duckdb.DuckDBPyConnection, sources: Sequence[str],
               loads: Sequence[FileLoad]) -> dict[str, str]:
    """The slots of sql/rank_duplicate_events.sql: where files read now (``sources``)
    include an OpenAI usage export and copies of a dashboard CSV row's id tie on their
    tokens with other counts, they rank by the tokens their files hold of its bucket and
    grouping (sql/tied_bucket_ids.sql, sql/tied_bucket_copies.sql, temp tables dup_tie_ids
    and dup_ties: a mid-day export's row of equal tokens that took the final's number is not
    kept); else the ranking as before. Run on the staged copies, before the ranking; the
    caller drops the temp tables."""
    wanted = set(sources)
    if not any(fl.source in wanted and fl.format.split(" ")[0] == "openai-usage"
               for fl in loads):
        return RANK_SLOTS
    if _written(sqlfiles.run(con, "tied_bucket_ids").fetchall()) and _written(
            sqlfiles.run(con, "tied_bucket_copies").fetchall()):
        return {"copies": f"dup_copies LEFT JOIN {TIES} USING (rid)",
                "order": f"fetch_total DESC NULLS LAST, {_ORDER}"}
    return RANK_SLOTS


def _written(rows: list[tuple[Any, ...]]) -> int:
    """The rows a CREATE TABLE AS wrote (its result)."""
    return int(rows[0][0]) if rows else 0


def _drop_temp(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Drop a temp table of the check; in a transaction an error aborted, nothing (the
    ROLLBACK drops it, and that error is the one to raise)."""
    with suppress(duckdb.TransactionException):
        sqlfiles.run(con, "drop_temp_table", slots={"table": quote_ident(table)}).fetchall()


_COPIES = "dup_bucket_copies"  # sql/stage_bucket_copies.sql
TIE_IDS = "dup_tie_ids"  # sql/tied_bucket_ids.sql
TIES = "dup_ties"  # sql/tied_bucket_copies.sql
# sql/rank_duplicate_events.sql: its sort keys after the tokens; without ties, those alone.
# Copies of as many tokens rank by what they hold, never by which was stored or read first (a
# --db store keeps the tokens one load keeps, in any order of runs: qa16C #2): the more output,
# 1-hour and 5-minute cache writes and cache reads (the copy splitting its cached input out, such
# as a LiteLLM SpendLogs export with its metadata against one without), the more requests;
# copies holding the same tokens (a byte copy of a stored file, a Codex fork's replay, whose
# readings stay with the event stored): the stored one, then the first file and row
_CONTENT = ("output_tokens DESC, cache_write_1h_tokens DESC, cache_write_tokens DESC, "
            "cache_read_tokens DESC, requests DESC")
_ORDER = f"{_CONTENT}, is_new, source, source_row"
RANK_SLOTS = {"copies": "dup_copies", "order": _ORDER}


class _Pair:
    """One row of sql/differing_bucket_copies.sql."""

    def __init__(self, a: str, b: str, a_new: bool, b_new: bool, buckets: int, a_more: int,
                 b_more: int, a_first: dict[str, Any] | None,
                 b_first: dict[str, Any] | None) -> None:
        self.a_source, self.b_source = str(a), str(b)
        # a stored file gone from disk: leaving it out of the load cannot drop its rows
        self.a_gone = not a_new and not os.path.lexists(self.a_source)
        self.b_gone = not b_new and not os.path.lexists(self.b_source)
        self.a, self.b = _name(a, a_new, self.a_gone), _name(b, b_new, self.b_gone)
        self.buckets, self.a_more, self.b_more = int(buckets), int(a_more), int(b_more)
        self.a_first, self.b_first = a_first, b_first


class _Finished:
    """One row of sql/finished_bucket_copies.sql: ``source`` holds fewer tokens of buckets
    than other files, though it held them finished."""

    def __init__(self, source: str, new: bool, buckets: int, files: int,
                 first: dict[str, Any]) -> None:
        self.gone = not new and not os.path.lexists(str(source))
        self.name = _name(source, new, self.gone)
        more, more_new = str(first["file"]), bool(first["file_new"])
        self.more_gone = not more_new and not os.path.lexists(more)
        self.more = _name(more, more_new, self.more_gone)
        self.buckets, self.files, self.first = int(buckets), int(files), first


def _name(source: str, new: bool, gone: bool) -> str:
    return display_path(str(source)) + ("" if new else " (in the --db file, gone from disk)"
                                         if gone else " (in the --db file)")


def _tokens(first: dict[str, Any], more: str, less: str, more_key: str) -> str:
    less_key = "b" if more_key == "a" else "a"
    return (f"bucket {first['k']!r}: {int(first[more_key]):,} tokens in {more}, "
            f"{int(first[less_key]):,} in {less}")


def refusal(pairs: Sequence[_Pair], db: Path | None = None) -> str:
    """The error for pairs of files each holding more of some bucket than the other (the
    first pair named, with a bucket of each). Where a file of the pair named is one the --db
    file ``db`` holds, gone from disk, leaving it out cannot work (the store keeps its rows):
    the remedy gives a new --db file first, as sql/overlapping_buckets.sql's refusal does."""
    p = pairs[0]
    assert p.a_first is not None and p.b_first is not None
    more = (f"; {len(pairs) - 1:,} more pair(s) of files hold buckets so"
            if len(pairs) > 1 else "")
    return (f"{p.a} and {p.b} hold {p.buckets:,} usage bucket(s) with other token counts, "
            f"and each holds more tokens of some of them than the other ({p.a_more:,} more in "
            f"the first, e.g. {_tokens(p.a_first, p.a, p.b, 'a')}; {p.b_more:,} more in the "
            f"second, e.g. {_tokens(p.b_first, p.b, p.a, 'b')}){more}. A bucket fetched again "
            "later only grows, so neither is a later fetch of the other: they look like "
            f"{_SCOPES}, and the dedupe would keep one copy of each bucket and drop the other "
            f"file's usage. {_WIDER}{_REMEDY}; else "
            f"{_leave([(p.a, p.a_gone), (p.b, p.b_gone)], db)}")


def _leave(files: Sequence[tuple[str, bool]], db: Path | None) -> str:
    """The refusal's last remedy: leave a file out, unless a file named (name, gone) is one
    the --db file holds, gone from disk (then a new --db file first)."""
    gone = [name for name, is_gone in files if is_gone]
    if not gone:
        return "leave one of them out (or load it into another --db file)"
    return (f"load the exports on disk into a new --db file: --db {db} keeps the rows of "
            f"{gone[0].removesuffix(' (in the --db file, gone from disk)')}, gone from disk, "
            "so leaving that file out does not remove them; or leave the exports on disk out "
            "of it")


def finished_refusal(rows: Sequence[_Finished], db: Path | None = None) -> str:
    """The error for a file holding fewer tokens than other files of buckets it held finished
    (the first file named, with a bucket and the file holding the most of it)."""
    p = rows[0]
    k, less, more = str(p.first["k"]), int(p.first["less"]), int(p.first["more"])
    later = datetime.fromtimestamp(int(p.first["later_us"]) / 1e6, tz=UTC)
    others = f" and {p.files - 1:,} other file(s)" if p.files > 1 else ""
    also = (f"; {len(rows) - 1:,} more file(s) hold buckets so" if len(rows) > 1 else "")
    return (f"{p.name} holds {p.buckets:,} usage bucket(s) with fewer tokens than "
            f"{p.more}{others}, though they had ended when it was fetched: it holds a later "
            f"bucket of the same grouping, starting {_LATE} or more after each ended (e.g. "
            f"bucket {k!r}: {less:,} tokens in {p.name}, {more:,} in {p.more}; {p.name} "
            f"holds that grouping's bucket of {later:%Y-%m-%d %H:%M} UTC){also}. A bucket "
            "that has ended does not grow, so no file holding more of it is a later fetch of "
            f"the same export: they look like {_SCOPES}, and the dedupe would keep one copy "
            f"of each bucket and drop the other file's usage. {_WIDER}{_REMEDY}; else "
            f"{_leave([(p.name, p.gone), (p.more, p.more_gone)], db)}")


def note(pairs: Sequence[_Pair]) -> str:
    """The note on copies that differ where a file may be a later fetch of the other (the
    first pair named, with a bucket)."""
    n = sum(p.buckets for p in pairs)
    p = pairs[0]
    if p.a_first is not None:
        example = _tokens(p.a_first, p.a, p.b, "a")
    else:
        assert p.b_first is not None
        example = _tokens(p.b_first, p.b, p.a, "b")
    more = (f" (counted per pair of files: {len(pairs):,} pairs)" if len(pairs) > 1
            else "")
    return (f"{n:,} usage bucket(s) are held by two files with other token counts{more}, e.g. "
            f"{example}; the copy with the most tokens was kept. That is right where a file "
            "is a later fetch of the same export (a bucket still running when the other was "
            "fetched) or where one export's scope holds the other's (an organization-wide "
            "export beside one filtered to a project), wrong where the files are "
            f"{_SCOPES}: the other file's usage was dropped as a duplicate. For such exports, "
            f"{_REMEDY} (docs/sources.md, openai-usage)")
