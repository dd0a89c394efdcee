"""Vendor usage reports in JSON (API pages of time buckets): a projection kept in sql/."""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from planalyzer import sqlfiles
from planalyzer.accounting import display_path
from planalyzer.errors import InputError
from planalyzer.sources.base import open_bytes
from planalyzer.sources.files import SourceFile
from planalyzer.sources.mapping import ColumnMapping
from planalyzer.sources.tabular import Projection, ReadNote, create_count_macros
from planalyzer.sources.ts_text import create_ts_macros

if TYPE_CHECKING:
    from planalyzer.store import LoadOptions


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    create_count_macros(con)  # pa_count and the rest: counts read as a CSV cell is
    for name in ("create_window_ends_macro", "create_bucket_requests_macro",
                 "create_anthropic_empty_macro", "create_bucket_grouping_macro",
                 "create_instant_id_macro", "create_id_start_macro"):
        sqlfiles.run(con, name).fetchall()
    create_ts_macros(con)  # pa_ts, pa_ts_problem


# A report with no request count: each bucket row (a day, an hour) gets an estimated request
# count (DEFAULT_BUCKET_PROMPT_TOKENS), and the per-request token bound is scaled to this many
# requests (sql/checked_rows.sql).
UNCOUNTED_BUCKET_REQUESTS = 100_000

# The assumed mean prompt (input + cache writes + cache reads) of one request, by which a
# bucket that logs no request count is divided to estimate its count (--bucket-prompt-tokens):
# the mean prompt of a coding-agent request in planalyzer's calibrated synthetic population
# (sample_logs: Sonnet 4.5 80,836, Opus 4.5 82,228, Haiku 4.5 80,294 prompt tokens per
# request; a context that starts at 12-24k and is compacted at 100-190k).
DEFAULT_BUCKET_PROMPT_TOKENS = 80_000

# DuckDB's read_json refuses a JSON document (or a line) above this many bytes by default
DEFAULT_MAX_OBJECT_BYTES = 16 * 1024 * 1024


def max_object_size(path: Path) -> int:
    """The ``maximum_object_size`` to read a usage JSON file with: the file's (decompressed)
    size where it is one document (a page, or a list of pages, pretty-printed or on one
    line), DuckDB's default where it holds one document per line (each line is a document; a
    line over the default is refused with a message saying so)."""
    compressed = path.name.lower().endswith((".gz", ".zst"))
    try:
        if not compressed and path.stat().st_size <= DEFAULT_MAX_OBJECT_BYTES:
            return DEFAULT_MAX_OBJECT_BYTES
        with open_bytes(path) as fh:
            first = fh.readline(DEFAULT_MAX_OBJECT_BYTES + 1)
            more = fh.read(4096)
            if len(first) <= DEFAULT_MAX_OBJECT_BYTES and more.strip() and _is_json(first):
                return DEFAULT_MAX_OBJECT_BYTES  # one document per line
            size = path.stat().st_size
            if compressed:  # one document: its decompressed size
                size = len(first) + len(more)
                while chunk := fh.read(1 << 20):
                    size += len(chunk)
    except (OSError, EOFError, ValueError, zlib.error):
        return DEFAULT_MAX_OBJECT_BYTES
    # one document (a line longer than the default, one line in all, or a document spread
    # over lines)
    return size + 1 if size > DEFAULT_MAX_OBJECT_BYTES else DEFAULT_MAX_OBJECT_BYTES


def _is_json(line: bytes) -> bool:
    try:
        json.loads(line)
    except (ValueError, RecursionError):
        return False
    return True


def too_large_message(key: str, fmt: str) -> str:
    """A usage JSON whose one document (a page on one line of a file of pages) is larger
    than DuckDB reads whole by default: what to do."""
    mb = DEFAULT_MAX_OBJECT_BYTES // (1024 * 1024)
    return (f"{key}: cannot be read as {fmt}: it holds a JSON document (a page) over {mb} MB "
            "on one line of a file of lines; save the pages one per line, each under "
            f"{mb} MB (ask the API for fewer buckets per page: a lower limit), or save the "
            "page alone in its own file (a single JSON document of any size, compressed or "
            "not, is read whole)")


# the key of a bucket's list of rows, by projection (sql/<name>.sql): 'results' unless named
_ROWS_KEY = {"project_anthropic_claude_code_json": "model_breakdown"}
# the report to export instead of a file that is not one, by projection
OPENAI_USAGE_EXPORT = "usage/completions (GET /v1/organization/usage/completions)"
USAGE_EXPORT = {
    "project_openai_usage_json": OPENAI_USAGE_EXPORT,
    "project_anthropic_messages_json":
        "usage_report/messages (GET /v1/organizations/usage_report/messages)",
    "project_anthropic_claude_code_json":
        "usage_report/claude_code (GET /v1/organizations/usage_report/claude_code)",
}
_OPENAI_COST = "organization.costs.result"


def json_projection(sql_name: str, fields: dict[str, str], src: SourceFile, opts: LoadOptions,
                    inclusive: bool = False, counts_requests: bool = True,
                    empty_columns: dict[str, str] | None = None,
                    uncounted: dict[str, str] | None = None, uncounted_why: str = "",
                    notes: tuple[str, ...] = (), rows_key: str | None = None,
                    read_note: ReadNote | None = None) -> Projection:
    """The projection in ``sql/<sql_name>.sql`` (it reads ``$path`` with
    ``$max_object_size``, and estimates a bucket's missing request count from
    ``$bucket_prompt_tokens``); ``fields`` documents which report field feeds each canonical
    column (shown in the load's mapping table, with ``notes``). ``counts_requests`` False: the
    report logs no request count (its rows are buckets). ``empty_columns``: the token classes
    the SQL reads from a report field (canonical -> field): it has <class>_empty, true where
    that field is null (read as 0; the load counts them). ``uncounted``: report fields whose
    tokens no class counts -> the SQL's column holding them per row (the load names their
    totals, with ``uncounted_why``). ``rows_key``: the key of a bucket's list of rows
    ('results' unless ``_ROWS_KEY`` names another): a file that loads no row is checked for
    what it holds instead (``holds_instead``). ``read_note``: Projection.read_note."""
    sql = sqlfiles.load(sql_name).render()
    mapping = ColumnMapping(columns=fields, how=dict.fromkeys(fields, "preset"),
                            input_includes_cache_read=inclusive, notes=notes)
    size = max_object_size(src.path)
    params: dict[str, object] = {"max_object_size": size,
                                 "bucket_prompt_tokens": opts.bucket_prompt_tokens}
    if not counts_requests:
        params["bucket_requests"] = UNCOUNTED_BUCKET_REQUESTS
    key = rows_key or _ROWS_KEY.get(sql_name, "results")
    export = USAGE_EXPORT.get(sql_name, "the usage report")

    def check(con: duckdb.DuckDBPyConnection, read: int) -> str | None:
        return holds_instead(con, src, size, key, export, read)

    return Projection(sql=sql, reader=f"({sql}) AS p", mapping=mapping, type_problem=None,
                      params=params, estimates_requests=True,
                      empty_columns=dict(empty_columns or {}), uncounted=dict(uncounted or {}),
                      uncounted_why=uncounted_why, holds_instead=check, reads_file=False,
                      read_note=read_note)


def holds_instead(con: duckdb.DuckDBPyConnection, src: SourceFile, size: int, rows_key: str,
                  export: str, read: int) -> str | None:
    """What a usage-report JSON file that loaded no row holds instead of usage (``read``: the
    rows its reader gave, all rejected where not 0), with what to do; None where nothing is
    amiss (an empty page, or buckets whose lists are empty; rows rejected for their values).
    ``export``: the report to export instead (its endpoint).
    A file of cost results is a cost report, said with the usage report to export instead
    (OpenAI's or Anthropic's, by the cost rows' own fields, whichever reader read it): the one
    place a cost report is recognised, so it is an error alone and a note beside other files
    for every vendor (planalyzer.load_notes.unusable_files). A file whose items are no buckets
    (or whose buckets its reader did not read) is named with what its items hold."""
    (docs, _pages, loose, loose_keys, loose_buckets, items, other_items, item_keys, rows, costs,
     cost_object, cost_items, item_costs) = sqlfiles.run(con, "usage_json_contents", {
         "path": src.key, "max_object_size": size, "rows_key": rows_key}).fetchall()[0]
    if rows and costs == rows and cost_items == costs and cost_object != _OPENAI_COST:
        return anthropic_cost_report(f"{costs:,} cost_report result(s)")
    if not rows and items and item_costs == items:
        return anthropic_cost_report(f"{items:,} analytics/cost row(s)")
    if rows and costs == rows:
        if cost_object == _OPENAI_COST:
            export = OPENAI_USAGE_EXPORT
        return cost_report(f"{costs:,} {cost_object or 'cost'} result(s)", export)
    if read or not docs:
        return None
    if rows:
        where = (f"{loose_buckets:,} bucket(s) saved without their page"
                 if loose_buckets else f"{items:,} bucket(s)")
        return (f"it holds {rows:,} `{rows_key}` row(s) in {where}, which its reader does "
                "not read: nothing was loaded from it; save the pages the API returns whole "
                "(each with its `data` list: one page, a list of pages, or one a line) and "
                "load those")
    parts = []
    if other_items:
        parts.append(f"{other_items:,} data item(s) without a `{rows_key}` list (keys: "
                     f"{_keys(item_keys)})")
    if loose:
        parts.append(f"{loose:,} JSON object(s) with neither a `data` list of buckets nor a "
                     f"`{rows_key}` list (keys: {_keys(loose_keys)})")
    if not parts:
        return None
    return (f"it holds {' and '.join(parts)}, and no usage `{rows_key}`: nothing was loaded "
            f"from it; export {export} and load its pages, or give --source to read the file "
            "as another format")


def cost_report(what: str, export: str) -> str:
    """What to do with a cost report read as a usage report (``what``: what it holds,
    counted; ``export``: the usage report to export instead)."""
    return (f"it is a cost report ({what}: amounts, not token counts), not a usage report: "
            f"export {export} and load that")


def anthropic_cost_report(what: str) -> str:
    """What to do with an Anthropic cost report (cost_report, or analytics/cost: ``what``
    counts its rows) read as a usage report, whichever reader read it."""
    return (f"it is an Anthropic cost report ({what}: amounts in USD, no token counts), not a "
            "usage report: export usage instead (GET /v1/organizations/analytics/usage, or "
            "the legacy usage_report/messages) and load that, or leave this file out (a file "
            "that is not Anthropic's: load it with --source tabular)")


def _keys(keys: list[str] | None, most: int = 8) -> str:
    names = list(keys or [])
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


_VENDOR_SOURCE = {"openai": "openai-usage", "anthropic": "anthropic-usage"}
BUCKET_SOURCES = frozenset(_VENDOR_SOURCE.values())  # sources whose event ids name a bucket


def _span(seconds: int) -> str:
    for unit, n in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % n == 0:
            k = seconds // n
            return f"{k} {unit}" + ("s" if k != 1 else "")
    return f"{seconds} s"


def _names(sources: list[str], gone: set[str] | None = None) -> str:
    """Files as the load names them; ``gone``: those a --db file holds, gone from disk."""
    return ", ".join(display_path(str(s)) + (" (in the --db file, gone from disk)"
                                             if gone and str(s) in gone else "")
                     for s in sources)


# two layouts of one vendor's usage (sql/overlapping_buckets.sql): what their overlapping
# buckets are, and what to load per period
_ONE_WIDTH = "one bucket width"
# buckets of one width that start at other times (a CSV cut at another hour; exports of
# other bucket alignments): the user asked for one width, so that is not what to change
_ONE_START = ("buckets of one width that start at the same times (ask the usage API for a "
              "start_time on a boundary of the bucket width: a UTC midnight for 1d buckets)")
_MIXED_LAYOUTS = {
    "openai": ("Usage API JSON and dashboard CSV",
               "either the Usage API JSON or the dashboard CSV"),
    "anthropic": ("analytics/usage rows and usage_report/messages",
                  "one of the two Anthropic usage APIs"),
}


def check_overlapping_buckets(con: duckdb.DuckDBPyConnection, db: Path | None = None) -> None:
    """Usage-API buckets of different spans covering the same time (a daily and an hourly
    export of one day), an OpenAI dashboard CSV and a Usage API JSON export covering the same
    time for groupings that can hold the same requests, or an Anthropic analytics/usage
    export and a usage_report/messages one covering the same time, would count the same
    requests twice: refused, naming the files (sql/overlapping_buckets.sql). ``db``: the --db
    file; a file it holds that is gone from disk is named so, and the remedy starts with a
    new --db file (leaving the gone file out cannot help: the store keeps its rows)."""
    rows = sqlfiles.run(con, "overlapping_buckets").fetchall()
    if not rows:
        return
    parts = []
    leave = {_ONE_WIDTH: False, _ONE_START: False}
    gone: set[str] = set()  # files the --db file holds that are gone from disk
    if db is not None:
        gone = {str(f) for r in rows for f in (*r[5], *r[6]) if not os.path.lexists(str(f))}
    for vendor, wide, narrow, n, first, sources_a, sources_b, layouts in rows:
        spans = (_span(int(wide)) if wide == narrow
                 else f"{_span(int(wide))} and {_span(int(narrow))}")
        what = f"buckets of {spans}"
        files = f"files: {_names(sorted({*sources_a, *sources_b}), gone)}"
        if len(layouts) > 1:  # sql/overlapping_buckets.sql: one export of each layout
            kinds, instead = _MIXED_LAYOUTS.get(vendor, ("", ""))
            what = f"{kinds} {what}"
            leave[instead] = True
            if vendor == "openai":  # sources_a: the JSON's ('openai' < 'openai-csv')
                files = f"JSON: {_names(sources_a, gone)}; CSV: {_names(sources_b, gone)}"
        else:
            leave[_ONE_WIDTH if wide != narrow else _ONE_START] = True
        parts.append(f"{_VENDOR_SOURCE.get(vendor, vendor)} {what} cover the same time "
                     f"({n:,} overlapping pair(s) from {first} UTC; {files})")
    one = " and ".join(w for w, said in leave.items() if said)
    how = ("(leave one of the exports out, or load it into another --db file)" if not gone
           else f"(load the exports on disk into a new --db file: --db {db} keeps the rows of "
           "a file gone from disk, so leaving that file out does not remove them; or leave "
           "the exports on disk out of it)")
    raise InputError("; ".join(parts) + ": loaded together they count the same requests "
                     f"twice; load {one} per period {how}")


def check_old_bucket_ids(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    """A --db file holding usage-API events an older planalyzer loaded (event ids without the
    bucket width, or OpenAI dashboard CSV rows without an event id: sql/old_bucket_event_ids.sql):
    a usage-API file loaded into it now would count the buckets it shares with them twice
    (the ids no longer match; rows without one are neither deduplicated nor compared for
    overlaps). Refused; the old rows cannot be re-keyed exactly (their width, or their
    grouping, is not stored)."""
    rows = sqlfiles.run(con, "old_bucket_event_ids").fetchall()
    n, sources, n_csv, csv_sources = rows[0] if rows else (0, [], 0, [])
    said = []
    if n:
        files = ", ".join(display_path(str(s)) for s in sources or [])
        said.append(f"{n:,} usage-API event(s) an older planalyzer loaded (from {files}), "
                    "whose event ids lack the bucket width, so the same buckets loaded now "
                    "would count twice")
    if n_csv:
        files = ", ".join(display_path(str(s)) for s in csv_sources or [])
        said.append(f"{n_csv:,} OpenAI dashboard CSV row(s) an older planalyzer loaded (from "
                    f"{files}) without event ids, so the same rows in another export, or a "
                    "Usage API JSON export of the same days, loaded now would count twice")
    if said:
        raise InputError(f"--db {db}: holds {'; and '.join(said)}; load every file into a "
                         "new --db file instead")
