"""OpenAI organization usage: the Usage API completions JSON and the dashboard CSV export.

JSON: ``{"object": "page", "data": [{"object": "bucket", "start_time", "end_time", "results":
[{"object": "organization.usage.completions.result", "input_tokens", "input_cached_tokens",
"input_cache_write_tokens", "input_cache_write_12h_tokens", "output_tokens",
"num_model_requests", "project_id", "user_id", "api_key_id", "model", "batch", "service_tier",
"api_source"}]}]}`` (sql/project_openai_usage_json.sql), a list of such pages or one a line,
or the buckets saved without their page (a list of buckets, or one a line: what OpenAI's
cookbook pagination loop keeps). CSV: the same fields as columns, with start_time (epoch
seconds) or start_time_iso; as in the JSON, a row's user is its user_id (or user_email), else
``project:<project_id>``, else ``api_key:<api_key_id>``, else ``organization``. Rows are
buckets (a day, an hour, a minute) with num_model_requests as the request count. A CSV row
of an idle bucket (no model, every token and request cell empty or 0) is an empty bucket,
counted by kind, not rejected (as an empty page of the JSON loads nothing). The dashboard's
cost export (amount_value, amount_currency, line_item ...) is claimed too, to be said for
what it is: a cost report, every row rejected, with the usage export to load instead.

input_tokens include input_cached_tokens and, in the current API, the cache writes
(``input_cache_write_tokens``, 30-minute retention; ``input_cache_write_12h_tokens``,
12-hour): input = input_tokens - cached - cache writes. The 30-minute writes are read as the
5-minute cache-write class, the 12-hour writes as the 1-hour class (OpenAI's retention periods
are not Anthropic's; each class is priced at the model's cache-write price, which for the
OpenAI models in planalyzer/data/api_prices.toml is the input price).

Audio: where a result or row has the current API's breakdown fields (``input_uncached_tokens``,
``input_text_tokens``, ``output_text_tokens``, the cache-write counts), input_tokens and
output_tokens hold text, audio and image tokens, and the audio counts are parts of them;
without them (the API's older layout) input_tokens and output_tokens count text only and
``input_audio_tokens`` / ``output_audio_tokens`` are apart: the load names their totals
(neither loaded nor priced), as it does where an audio count exceeds the count that would
hold it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import duckdb

from planalyzer import sqlfiles
from planalyzer.sources.files import SourceFile
from planalyzer.sources.mapping import ColumnMapping, normalise
from planalyzer.sources.preset import PresetSource, header_names
from planalyzer.sources.report_json import (
    OPENAI_USAGE_EXPORT,
    cost_report,
    create_macros,
    json_projection,
)
from planalyzer.sources.tabular import (
    STAGE_RAW,
    STAGE_ROW,
    Preset,
    Projection,
    present_text,
    reader_sql,
)
from planalyzer.sqlfiles import quote_ident

if TYPE_CHECKING:
    from planalyzer.store import LoadOptions

_JSON_MARK = b"organization.usage.completions.result"
# a page of buckets whose first ones are empty (an hourly or minute page is mostly empty
# buckets: the first result may lie beyond the sniffed head), or buckets saved without their
# page (a list of them, or one a line)
_BUCKET = re.compile(rb'"object"\s*:\s*"bucket"\s*,\s*"start_time"\s*:')

# the fields that say a result is of the current API's layout, whose input_tokens and
# output_tokens hold the audio tokens (their breakdown)
BREAKDOWN_FIELDS = ("input_uncached_tokens", "input_text_tokens", "output_text_tokens",
                    "input_cache_write_tokens", "input_cache_write_12h_tokens")
AUDIO_WHY = ("this export's input_tokens and output_tokens count text only (it lacks the "
             "current Usage API's breakdown fields, input_uncached_tokens and the like), or "
             "its audio counts exceed them; audio is billed at its own prices, which the "
             "price catalog does not hold: price these tokens apart (docs/sources.md)")
CACHE_WRITE_NOTE = ("cache writes come out of input_tokens too: input_cache_write_tokens "
                    "(OpenAI's 30-minute retention) as the 5-minute class, "
                    "input_cache_write_12h_tokens (12-hour) as the 1-hour class")


# the keys of a usage API's page (OpenAI's and Anthropic's): an idle period's page is these
# alone, with an empty data list
_PAGE_KEYS = frozenset({"object", "data", "has_more", "next_page", "first_id", "last_id"})


def is_empty_page(head: bytes) -> bool:
    """Whether a file's first bytes are a whole usage page holding no bucket (``{"data": [],
    "has_more": false, ...}``: a script that saves one page per day writes one for an idle
    day). It is read as 0 rows, alone or beside other pages, not as a file of unknown
    columns."""
    if b'"has_more"' not in head or len(head) > 4096:  # an empty page is a few keys
        return False
    try:
        doc = json.loads(head)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    return (isinstance(doc, dict) and doc.get("data") == [] and "has_more" in doc
            and set(doc) <= _PAGE_KEYS)


class OpenAIUsage(PresetSource):
    name = "openai-usage"
    description = "OpenAI Usage API completions JSON or usage dashboard CSV (buckets)"
    aggregated = True
    input_includes_cache_read = True
    signature = ("num_model_requests", "input_tokens", "output_tokens")
    columns: ClassVar[dict[str, tuple[str, ...]]] = {
        "ts": ("start_time_iso", "start_time"),
        "user_id": ("user_id", "user_email", "project_id", "api_key_id"),
        "model": ("model",),
        "input_tokens": ("input_tokens",),
        "cache_write_tokens": ("input_cache_write_tokens",),
        "cache_write_1h_tokens": ("input_cache_write_12h_tokens",),
        "cache_read_tokens": ("input_cached_tokens",),
        "output_tokens": ("output_tokens",),
        "requests": ("num_model_requests",),
    }
    # as the JSON: per row, the user, else the project or key the row was grouped by
    user_prefixes: ClassVar[dict[str, str]] = {"project_id": "project:",
                                               "api_key_id": "api_key:"}
    user_default = "organization"

    def setup(self, con: duckdb.DuckDBPyConnection) -> None:
        create_macros(con)

    def sniff(self, path: Path, head: bytes) -> bool:
        if _JSON_MARK in head or _BUCKET.search(head) or is_empty_page(head):
            return True
        names = header_names(head)
        # a cost export is claimed too: its load says what it is and what to export instead
        return ("num_model_requests" in names or is_cost_export(names)) and "start_time" in {
            n.removesuffix("_iso") for n in names}

    def stages(self, src: SourceFile) -> bool:
        return src.format != "jsonl" and super().stages(src)  # the API JSON has its own SQL

    def preset(self, present: dict[str, str], opts: LoadOptions) -> Preset:
        notes: tuple[str, ...] = (CACHE_WRITE_NOTE,) if _writes_mapped(present, opts) else ()
        model = opts.mapping.explicit.get("model") or present.get("model")
        base = replace(super().preset(present, opts), input_includes_cache_write=True,
                       uncounted=_audio_apart, uncounted_why=AUDIO_WHY,
                       skip=None if model is None else _empty_bucket(model))
        if "event_id" in opts.mapping.explicit:  # the user's ids
            return replace(base, notes=notes)
        if not _bucket_span(present):
            return replace(base, notes=(*notes, CSV_NO_ID_NOTE))
        return replace(base, notes=(*notes, CSV_ID_NOTE), event_id=_bucket_id,
                       number_repeated_ids=True)

    def projection(
        self, con: duckdb.DuckDBPyConnection, src: SourceFile, opts: LoadOptions
    ) -> Projection:
        if src.format == "jsonl":
            return json_projection("project_openai_usage_json", {
                "ts": "bucket.start_time", "user_id": "user_id|project_id|api_key_id",
                "model": "model",
                "input_tokens": "input_tokens-input_cached_tokens-input_cache_write_tokens"
                                "-input_cache_write_12h_tokens",
                "cache_write_tokens": "input_cache_write_tokens",
                "cache_write_1h_tokens": "input_cache_write_12h_tokens",
                "cache_read_tokens": "input_cached_tokens", "output_tokens": "output_tokens",
                "requests": "num_model_requests"}, src, opts, inclusive=True, empty_columns={
                    "input_tokens": "input_tokens", "cache_read_tokens": "input_cached_tokens",
                    "cache_write_tokens": "input_cache_write_tokens",
                    "cache_write_1h_tokens": "input_cache_write_12h_tokens",
                    "output_tokens": "output_tokens"},
                uncounted={"input_audio_tokens": "uncounted_input_audio",
                           "output_audio_tokens": "uncounted_output_audio"},
                uncounted_why=AUDIO_WHY, notes=(CACHE_WRITE_NOTE,),
                read_note=width_note)
        if is_cost_export(self.present_columns(con, src)):
            return _cost_projection(src)
        return super().projection(con, src, opts)


# the columns of the dashboard's cost export (CSV: start_time, end_time, amount_value,
# amount_currency, line_item, project_id, ...): amounts, no token counts
_COST_COLUMNS = ("amount_value", "amount_currency")
COST_ROW = "a row of an OpenAI cost export (an amount, no token counts)"
# what to export instead of a cost export: the usage CSV, or the Usage API's completions
CSV_USAGE_EXPORT = (f"the usage CSV (num_model_requests and the token columns) or "
                    f"{OPENAI_USAGE_EXPORT}")


def is_cost_export(names: Collection[str]) -> bool:
    """Are these a file's columns (normalised names) those of OpenAI's cost export?"""
    return all(c in names for c in _COST_COLUMNS) and "num_model_requests" not in names


def _cost_projection(src: SourceFile) -> Projection:
    """An OpenAI cost export read as usage: every row rejected (``COST_ROW``), and the file
    named as a cost report with what to export instead (``Projection.holds_instead``, as for
    a cost report's results in a usage-report JSON): an error alone, a note beside other
    files."""
    reader = reader_sql(src)
    staged = src.stage is not None
    slots = {"reader": reader,
             "source_row": (f"src.{quote_ident(STAGE_ROW)}" if staged
                            else "row_number() OVER ()"),
             "raw_json": f"src.{quote_ident(STAGE_RAW)}" if staged else "to_json(src)"}

    def said(con: duckdb.DuckDBPyConnection, read: int) -> str:
        what = f"{read:,} OpenAI cost export row(s) of amount_value and amount_currency"
        return cost_report(what, CSV_USAGE_EXPORT)

    mapping = ColumnMapping(columns={}, how={}, input_includes_cache_read=False,
                            notes=("an OpenAI cost export: no token counts",))
    return Projection(sql=sqlfiles.load("project_openai_cost_csv").render(slots),
                      reader=reader, mapping=mapping, type_problem=COST_ROW,
                      holds_instead=said)


CSV_ID_NOTE = ("event_id: the row's bucket and grouping (openai-csv:<start>/<seconds>:<user>:"
               "<project>:<key>:<model>:<batch>:<tier>), so a row repeated in another export "
               "is dropped and another export's overlapping buckets are refused")
CSV_NO_ID_NOTE = ("event_id: none (no end_time or end_time_iso column: the buckets' widths "
                  "are unknown), so a row repeated in another export is not dropped, and an "
                  "overlap with another export's buckets is not detected")

# the columns of the CSV's buckets: start and end (epoch seconds, else ISO 8601)
_STARTS = ("start_time", "start_time_iso")
_ENDS = ("end_time", "end_time_iso")


def _bucket_span(present: dict[str, str]) -> bool:
    """Does a file (its columns by normalised name) name its buckets' start and end?"""
    return any(c in present for c in _STARTS) and any(c in present for c in _ENDS)


def _bucket_id(types: dict[str, str], values: dict[str, str]) -> str:
    """The event_id of a dashboard CSV row (SQL over ``src``): its bucket and grouping,
    ``openai-csv:<start>/<width s>:<grouping>``, the grouping as in the API JSON's ids
    (sql/project_openai_usage_json.sql: user (user_id, else user_email), project, key, model,
    batch (true/false), service tier, api_source) so sql/overlapping_buckets.sql compares
    them; NULL where the row's start or end is missing (or the end is not after the start).
    A row that repeats an earlier row's bucket and grouping in the same file (a dimension the
    export leaves out) gets ``#<n>`` from the load (``Preset.number_repeated_ids``,
    sql/number_repeated_event_ids.sql), n counted by its tokens (most first: their total,
    the dedupe's measure, then each class), so every row of the file is kept, the same rows
    in two exports get the same ids whatever their order, and a later fetch's rows, each
    holding at least as many tokens, take the ids of the earlier fetch's."""
    by_name = {normalise(c): c for c in types}

    def cell(name: str) -> str:
        col = by_name.get(name)
        return "NULL::VARCHAR" if col is None else present_text(
            "src." + quote_ident(col), types[col])

    def epoch(seconds: str, iso: str) -> str:
        return (f"coalesce(TRY_CAST(TRY_CAST({cell(seconds)} AS DOUBLE) AS BIGINT), "
                f"CAST(epoch(TRY_CAST({cell(iso)} AS TIMESTAMPTZ)) AS BIGINT))")

    start, end = epoch(*_STARTS), epoch(*_ENDS)
    batch = f"lower({cell('batch')})"
    grouping = " || ':' || ".join([
        f"coalesce({cell('user_id')}, {cell('user_email')}, '')",
        f"coalesce({cell('project_id')}, '')", f"coalesce({cell('api_key_id')}, '')",
        f"coalesce({cell('model')}, '')",
        f"coalesce(CASE {batch} WHEN '1' THEN 'true' WHEN '0' THEN 'false' ELSE {batch} END, "
        "'')",
        f"coalesce({cell('service_tier')}, '')"])
    return (f"CASE WHEN {end} > {start} THEN 'openai-csv:' || CAST({start} AS VARCHAR) || '/' "
            f"|| CAST({end} - {start} AS VARCHAR) || ':' || {grouping} "
            f"|| coalesce(':api_source=' || {cell('api_source')}, '') END")


# a dashboard CSV row for a bucket without usage (an idle day: start and end times, every
# other cell empty): no usage, as an empty page or bucket of the API JSON is; not a rejection
EMPTY_BUCKET = "empty bucket (no model, no token or request counts: a period without usage)"


def _empty_bucket(model: str) -> Any:
    """The dashboard CSV preset's ``skip``: a row whose ``model`` cell is empty and whose
    token and request cells (every ``*_tokens`` column and ``num_model_requests``) are empty
    or 0 is an empty bucket, counted by kind, neither loaded nor rejected. A row with a count
    but no model stays rejected (missing model)."""

    def skip(types: dict[str, str]) -> str:
        if model not in types:
            return "NULL"
        counts = [c for c in types
                  if normalise(c).endswith("_tokens") or normalise(c) == "num_model_requests"]
        empty = [f"({t} IS NULL OR TRY_CAST({t} AS DOUBLE) = 0)"
                 for t in (present_text("src." + quote_ident(c), types[c]) for c in counts)]
        model_text = present_text("src." + quote_ident(model), types[model])
        return (f"CASE WHEN {' AND '.join([f'{model_text} IS NULL', *empty])} "
                f"THEN '{EMPTY_BUCKET}' END")

    return skip


# the Usage API's bucket widths (bucket_width 1m, 1h, 1d), as the note on a guessed width says them
_WIDTHS = {60: "a minute", 3600: "an hour", 86400: "a day"}


def width_note(con: duckdb.DuckDBPyConnection, checked: str, params: dict[str, Any]) -> str:
    """The load's note on the pages of a Usage API JSON file that do not show their bucket
    width (sql/project_openai_usage_json.sql, width_guess: every bucket cut short by the fetch,
    fitting buckets of several widths, as a running bucket alone does): how they were read
    and what to do (sql/guessed_bucket_widths.sql); '' where none."""
    pages, own, first = sqlfiles.run(con, "guessed_bucket_widths", params,
                                     {"checked_rows": checked}).fetchall()[0]
    if not pages:
        return ""
    start = datetime.fromtimestamp(int(first["start_s"]), tz=UTC)
    end = datetime.fromtimestamp(int(first["end_s"]), tz=UTC)
    span = (f"{start:%Y-%m-%d %H:%M:%S} to "
            + (f"{end:%H:%M:%S}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M:%S}")
            + " UTC")
    words = [_WIDTHS.get(int(w), f"{int(w)} s") for w in first["allowed"]]
    widths = ", ".join(words[:-1]) + " or " + words[-1]
    n = int(first["buckets"])
    e_g = ("e.g. " if pages > 1 else "") + f"{n:,} bucket(s) from {span}"
    read_w = first["read_w"]
    if read_w is None:
        read = ("read with their buckets' own spans: the page starts inside a bucket of each "
                "of those widths, so nothing tells which bucket its first one is part of "
                "(named by a width guessed, it could be taken for another fetch's copy of a "
                "bucket it is no part of, and one of them dropped)")
    else:
        word = _WIDTHS.get(int(read_w), f"{int(read_w)} s")
        read = (f"read as buckets of {word}, the widest whose bucket starts where the page "
                "does (a fetch of the hour so far starts on the hour, of the day so far at "
                "midnight)")
    mixed = (f"; {int(own):,} of them, starting inside a bucket, with their buckets' own "
             "spans" if 0 < int(own) < int(pages) and read_w is not None else "")
    refused = ("another fetch of that time is refused as buckets that overlap" if read_w is None
               else "if the export asked for another width, a fetch holding that time in "
               "whole buckets is refused as buckets of other widths")
    return (f"{int(pages):,} Usage API page(s) do not show their bucket width: every bucket "
            f"is cut short by the fetch ({e_g}: buckets of {widths} fit them); {read}{mixed}. "
            f"Where that is wrong, {refused}, never counted twice; fetched with a start_time "
            "one bucket earlier, a page holds a whole bucket, which shows the width "
            "(docs/sources.md, openai-usage)")


def _writes_mapped(present: dict[str, str], opts: LoadOptions) -> bool:
    return any(n in present for n in ("input_cache_write_tokens", "input_cache_write_12h_tokens")
               ) or any(c in opts.mapping.explicit
                        for c in ("cache_write_tokens", "cache_write_1h_tokens"))


def _audio_apart(types: dict[str, str], values: dict[str, str]) -> dict[str, str]:
    """The dashboard CSV's audio tokens that its input and output counts do not hold (the
    columns of the API's older layout, or audio above the count that would hold it): field ->
    BIGINT SQL over ``src`` (0 where none)."""
    by_name = {normalise(c): c for c in types}
    breakdown = any(f in by_name for f in BREAKDOWN_FIELDS)
    out: dict[str, str] = {}
    for name, holder in (("input_audio_tokens", values["input_tokens"]),
                         ("output_audio_tokens", values["output_tokens"])):
        col = by_name.get(name)
        if col is None:
            continue
        text = f"nullif(trim(CAST(src.{quote_ident(col)} AS VARCHAR)), '')"
        n = f"coalesce(TRY_CAST(TRY_CAST({text} AS DOUBLE) AS BIGINT), 0)"
        apart = "true" if not breakdown else f"{n} > coalesce({holder}, 0)"
        out[name] = f"CASE WHEN {n} > 0 AND ({apart}) THEN {n} ELSE 0 END"
    return out
