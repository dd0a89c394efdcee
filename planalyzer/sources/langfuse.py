"""Langfuse observations export (CSV or JSON lines, or a saved API page): one row per
observation.

Fields as in Langfuse's observation objects: id, traceId, type, startTime, model (the
Observations API v2: providedModelName), usageDetails, promptTokens / inputTokens,
completionTokens / outputTokens, calculatedTotalCost (v2: totalCost; else costDetails'
total), and userId where the export carries it. A saved page of the public API (v1
``GET /api/public/observations``, v2 ``GET /api/public/v2/observations``: ``{"data":
[observation ...], "meta": {...}}``, one page, a list of pages or a page per line) is read row
by row from ``data`` (sources/api_pages.py). A v2 page holds model and usage only when fetched
with those field groups (``fields=core,basic,model,usage``): one without them is an error
saying so.

The user: Langfuse sets ``userId`` on the trace; an observation carries it only where the SDK
propagated it (``propagate_attributes(user_id=...)``), the export joined it in, or it comes
from the v2 API (its basic field group); the v1 API leaves it out. A file without it is an
error saying so (join the traces' userId on traceId, or ``--map user_id=<column>``).

Token classes: Langfuse keeps an observation's usage as ``usageDetails``, a map of usage
type to units whose types are disjoint (``input`` the uncached input, ``output``, ``total``
their sum): its ingestion takes OpenAI's ``prompt_tokens_details`` out of ``input`` as
``input_<key>`` (``input_cached_tokens``) and ``completion_tokens_details`` out of ``output``
(``output_reasoning_tokens``), LangChain's ``input_token_details`` likewise
(``input_cache_read``, ``input_cache_creation``, ``input_ephemeral_5m/1h_input_tokens``), and
the Vercel AI SDK's cache and reasoning counts (``input_cached_tokens``,
``input_cache_creation``, ``input_cache_read``, ``input_cache_write``,
``output_reasoning_tokens``); Anthropic's own keys (``cache_read_input_tokens``,
``cache_creation_input_tokens``) pass as they are. The v1 API's ``promptTokens`` and
``completionTokens`` are computed from it: the sums of every usage type whose name starts
with (newer versions: holds) input / output (``reduceUsageOrCostDetails``, Langfuse's
observations_converters.ts), cached input and reasoning included. So every class is read from
usageDetails, per row: input = its ``input``, output = its ``output`` + the reasoning keys (a
type a row's usageDetails lacks is 0 of it; a row whose usageDetails is empty or missing:
promptTokens and completionTokens as they are), cache read = the largest of the read keys,
cache write = the largest of the write keys (or the 5-minute + 1-hour split where larger), of
which the 1-hour ones. The file's reader gains the columns ``usageDetails.input``,
``usageDetails.output`` and ``usageDetails.total`` (and ``costDetails.total`` where the file
logs no total cost of its own) that the mapping names (``--map`` may name them too; the raw
JSON of a rejected row of a saved page shows them). Where a row's total (totalTokens, else
usageDetails' total) is still above the classes read (audio or other usage types), the load
says how many rows and tokens, and which usageDetails keys it did not read.

Only GENERATION and EMBEDDING observations are model calls. Other types (SPAN, EVENT, AGENT,
TOOL ...) without a model are counted by kind, neither loaded nor rejected: a trace's spans
cost nothing themselves, and most rows of a real export are spans.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import duckdb

from planalyzer import sqlfiles
from planalyzer.errors import InputError
from planalyzer.schema import TOKEN_COLUMNS
from planalyzer.sources import api_pages
from planalyzer.sources.base import UTF8_BOM, first_line, read_head
from planalyzer.sources.files import SourceFile
from planalyzer.sources.json_counts import JsonCounts, json_of
from planalyzer.sources.mapping import normalise
from planalyzer.sources.preset import PresetSource
from planalyzer.sources.tabular import Preset, Projection, file_columns, present_text, reader_sql
from planalyzer.sqlfiles import quote_ident

if TYPE_CHECKING:
    from planalyzer.store import LoadOptions

MODEL_CALL_TYPES = ("GENERATION", "EMBEDDING")
# usageDetails keys read (the docstring), each class's spellings
_READ = ("cache_read_input_tokens", "input_cached_tokens", "input_cache_read")
_WRITE = ("cache_creation_input_tokens", "input_cache_creation", "input_cache_write")
_WRITE_5M = ("input_ephemeral_5m_input_tokens",)
_WRITE_1H = ("input_ephemeral_1h_input_tokens",)
_REASONING = ("output_reasoning_tokens", "output_reasoning")
_KEYS = (*_READ, *_WRITE, *_WRITE_5M, *_WRITE_1H, *_REASONING)
_COUNTS = JsonCounts(tuple(f"$.{k}" for k in _KEYS), "details")
_DETAILS = ("usageDetails", "usage_details")
# the columns the reader adds from usageDetails and costDetails (the docstring: the classes
# are read from usageDetails; promptTokens ... are the v1 API's sums of its types)
USAGE_INPUT, USAGE_OUTPUT = "usageDetails.input", "usageDetails.output"
USAGE_TOTAL, COST_TOTAL = "usageDetails.total", "costDetails.total"
_INPUT = ("promptTokens", "inputTokens", "input_tokens")
_OUTPUT = ("completionTokens", "outputTokens", "output_tokens")
_COSTS = ("calculatedTotalCost", "totalCost", "cost")
_COST_DETAILS = ("costDetails", "cost_details")
_TOTAL = ("totalTokens", "total_tokens", USAGE_TOTAL)
# the classes read from usageDetails: a --map of any of them reads none of it
_CLASSES = ("cache_read_tokens", "cache_write_tokens", "cache_write_1h_tokens")
# the usage types that are no token class of their own: counted in none, said where a row's
# totalTokens is above its classes
_NOT_CLASSES = ("input", "output", "total", "unit")
DETAILS_NOTE = ("every token class read per row from usageDetails, reasoning added to output "
                "(promptTokens and completionTokens, Langfuse's sums of its types with cache "
                "reads and reasoning, only where a row has none)")
# the per-row values the added columns are computed from (not the file's)
_USAGE, _HAS_USAGE = "__planalyzer_usage", "__planalyzer_has_usage"
# the columns of the projection the note on tokens in no class reads (_kept)
_TOTAL_KEPT, _DETAILS_KEPT = "__planalyzer_total", "__planalyzer_details"
# a v2 page without the field groups that hold the model and the counts (the docstring)
V2_FIELDS = ("an Observations API v2 page (GET /api/public/v2/observations) holds them only "
             "when fetched with the model and usage field groups: fetch it with "
             "fields=core,basic,model,usage")


def is_page(head: bytes) -> bool:
    """A saved Langfuse API page ({"data": [...], "meta": ...}, v1 or v2) rather than
    rows."""
    head = head.removeprefix(UTF8_BOM)
    line = first_line(head)
    try:
        row = json.loads(line.decode("utf-8", "replace"))  # a Latin-1 name: still a row
    except (ValueError, RecursionError):
        row = None
    if isinstance(row, dict) and "traceId" in row:
        return False  # JSON lines of observations
    return api_pages.is_data_page(head) and b'"traceId"' in head


class Langfuse(PresetSource):
    name = "langfuse"
    description = ("Langfuse observations export or saved API page, v1 or v2 (traceId, "
                   "startTime ...)")
    signature = ("traceId", "startTime")
    columns: ClassVar[dict[str, tuple[str, ...]]] = {
        "event_id": ("id",),
        "ts": ("startTime",),
        "user_id": ("userId", "user_id"),
        "model": ("model", "providedModelName"),
        "input_tokens": (USAGE_INPUT, *_INPUT),
        "output_tokens": (USAGE_OUTPUT, *_OUTPUT),
        "logged_cost_usd": (*_COSTS, COST_TOTAL),
    }

    def sniff(self, path: Path, head: bytes) -> bool:
        return super().sniff(path, head) or is_page(head)

    def resembles(self, names: set[str]) -> bool:
        return "traceid" in names and bool(
            names & {"starttime", "prompttokens", "completiontokens", "usagedetails"})

    def stages(self, src: SourceFile) -> bool:
        return super().stages(src) and not is_page(read_head(src.path))

    def preset(self, present: dict[str, str], opts: LoadOptions) -> Preset:
        base = super().preset(present, opts)
        details = _present(present, _DETAILS)
        if details is not None and not any(c in opts.mapping.explicit for c in _CLASSES):
            reasoning = "output_tokens" not in opts.mapping.explicit
            base = replace(
                base, uses=(*base.uses, details), notes=(*base.notes, DETAILS_NOTE),
                row_columns=lambda types: _COUNTS.row_columns(
                    "src." + quote_ident(details), types[details],
                    [(p, "true") for p in _COUNTS.paths
                     if reasoning or p[2:] not in _REASONING]),
                problem=lambda types: _COUNTS.problem(),
                tokens=lambda types, values: _classes(values, reasoning))
        total = _present(present, _TOTAL)
        if total is not None:
            base = replace(base, uses=(*base.uses, total),
                           kept=lambda types: _kept(types, total, details))
        if details is not None and _present(present, (USAGE_INPUT,)) is not None:
            # a row without usageDetails reads these (the added columns' fallback)
            base = replace(base, uses=(*base.uses, *(
                c for c in (_present(present, _INPUT), _present(present, _OUTPUT)) if c)))
        kind, model = present.get("type"), present.get("model")
        if kind is None:
            return base

        def skip(types: dict[str, str]) -> str:
            t = f"upper({present_text('src.' + quote_ident(kind), types[kind])})"
            no_model = ("true" if model is None else
                        f"{present_text('src.' + quote_ident(model), types[model])} IS NULL")
            calls = ", ".join(f"'{k}'" for k in MODEL_CALL_TYPES)
            return (f"CASE WHEN {t} IS NOT NULL AND {t} NOT IN ({calls}) AND {no_model} "
                    f"THEN {t} || ' observation (not a model call)' END")

        return replace(base, skip=skip, uses=(*base.uses, kind))

    def projection(
        self, con: duckdb.DuckDBPyConnection, src: SourceFile, opts: LoadOptions
    ) -> Projection:
        page = src.stage is None and is_page(read_head(src.path))
        reader = api_pages.page_reader(src.path) if page else reader_sql(src)
        types = dict(file_columns(con, src, reader))
        present = {normalise(c): c for c in types}
        _check_fields(src, present, opts)
        if "user_id" not in opts.mapping.explicit and not any(
                normalise(c) in present for c in self.columns["user_id"]):
            raise InputError(
                f"{src.key}: Langfuse observations without userId (Langfuse keeps the user on "
                "the trace; its v1 API leaves it out): export them with the trace's userId "
                "joined on traceId (or have the SDK propagate user_id to observations), fetch "
                "them from the Observations API v2 (GET /api/public/v2/observations?fields="
                "core,basic,model,usage: its basic field group holds userId), or name a "
                "column with --map user_id=<column> (--map user_id=traceId counts each trace "
                "as a user)")
        reader, added = usage_reader(types, reader)
        proj = self.project(con, src, opts, reader=reader)
        present.update({normalise(c): c for c in added})
        total = _present(present, _TOTAL)
        if total is None:
            return proj
        details = _present(present, _DETAILS)
        usage = ("NULL::JSON" if details is None
                 else json_of("p." + quote_ident(_DETAILS_KEPT), types[details]))
        sql = sqlfiles.load("langfuse_no_class_keys").render(
            {"projection": proj.sql, "details": usage})
        return replace(proj, sql=sql, params={**proj.params, "read_keys": [*_KEYS, *_NOT_CLASSES]},
                       after_checks=lambda c, rows, params: _no_class_note(c, rows, params, total))


def _check_fields(src: SourceFile, present: dict[str, str], opts: LoadOptions) -> None:
    """An error where the file has no model column or no token counts (none named with
    --map): a v2 API page fetched without the field groups that hold them, say."""
    explicit = opts.mapping.explicit
    lacking = []
    if "model" not in explicit and _present(present, Langfuse.columns["model"]) is None:
        lacking.append("model (model or providedModelName)")
    if not any(c in explicit for c in TOKEN_COLUMNS) and _present(
            present, (*_DETAILS, *_INPUT, *_OUTPUT)) is None:
        lacking.append("token counts (usageDetails, promptTokens or completionTokens)")
    if lacking:
        raise InputError(f"{src.key}: Langfuse observations without {' or '.join(lacking)}: "
                         f"{V2_FIELDS}; or name the columns with --map")


def usage_reader(types: dict[str, str], reader: str) -> tuple[str, tuple[str, ...]]:
    """``reader`` (a FROM item, ``src``) with the columns the docstring names added where the
    file has usageDetails (or costDetails but no total cost column) and no column of that
    name: usageDetails.input and .output (a row whose usageDetails holds no value:
    promptTokens and completionTokens as they are), .total (where the file has no
    totalTokens), costDetails.total; and the names added."""
    present = {normalise(c): c for c in types}
    details, costs = _present(present, _DETAILS), _present(present, _COST_DETAILS)
    if costs is not None and _present(present, _COSTS) is not None:
        costs = None  # the file's own total cost is read
    if details is None and costs is None:
        return reader, ()
    u, has = f"src.{quote_ident(_USAGE)}", f"src.{quote_ident(_HAS_USAGE)}"
    added: dict[str, str] = {}
    if details is not None:
        for name, key, fallback in ((USAGE_INPUT, "input", _INPUT),
                                    (USAGE_OUTPUT, "output", _OUTPUT)):
            col = _present(present, fallback)
            other = ("NULL" if col is None
                     else present_text("src." + quote_ident(col), types[col]))
            added[name] = (f"CASE WHEN {has} THEN coalesce({u} ->> '$.{key}', '0') "
                           f"ELSE {other} END")
        if _present(present, _TOTAL[:-1]) is None:
            added[USAGE_TOTAL] = f"CASE WHEN {has} THEN {u} ->> '$.total' END"
    if costs is not None:
        added[COST_TOTAL] = f"{json_of('src.' + quote_ident(costs), types[costs])} ->> '$.total'"
    added = {n: e for n, e in added.items() if normalise(n) not in present}
    if not added:
        return reader, ()
    usage = ("NULL::JSON" if details is None
             else json_of("src." + quote_ident(details), types[details]))
    # usageDetails parsed once per row; whether it holds a value (a JSON-lines file read as
    # one struct gives a row every key of the file, null where the row has none)
    inner = f"(SELECT src.*, {usage} AS {quote_ident(_USAGE)} FROM {reader}) AS src"
    has_value = f"coalesce(len(json_keys(json_merge_patch('{{}}', {u}))) > 0, false)"
    middle = f"(SELECT src.*, {has_value} AS {quote_ident(_HAS_USAGE)} FROM {inner}) AS src"
    columns = ", ".join(f"{e} AS {quote_ident(n)}" for n, e in added.items())
    return (f"(SELECT src.* EXCLUDE ({quote_ident(_USAGE)}, {quote_ident(_HAS_USAGE)}), "
            f"{columns} FROM {middle}) AS src"), tuple(added)


def _present(present: dict[str, str], names: tuple[str, ...]) -> str | None:
    """The file's column of the first of ``names`` it has."""
    return next((present[normalise(n)] for n in names if normalise(n) in present), None)


def _classes(values: dict[str, str], reasoning: bool) -> dict[str, str]:
    """The cache classes from usageDetails, and output with its reasoning (the docstring)."""
    def largest(keys: tuple[str, ...]) -> str:
        return _COUNTS.largest(tuple(f"$.{k}" for k in keys))

    write_1h = largest(_WRITE_1H)
    write = f"greatest({largest(_WRITE)}, {largest(_WRITE_5M)} + {write_1h})"
    classes = {"cache_read_tokens": largest(_READ),
               "cache_write_tokens": f"({write} - least({write_1h}, {write}))",
               "cache_write_1h_tokens": f"least({write_1h}, {write})"}
    if reasoning:
        classes["output_tokens"] = f"({values['output_tokens']} + {largest(_REASONING)})"
    return classes


def _kept(types: dict[str, str], total: str, details: str | None) -> dict[str, str]:
    """The columns the projection keeps for the note on tokens in no class: the row's total
    (``total``, else usageDetails' own), and its usageDetails as read (made JSON only for the
    rows above their classes: sql/langfuse_no_class_keys.sql)."""
    value = present_text("src." + quote_ident(total), types[total])
    if details is not None:
        own = f"{json_of('src.' + quote_ident(details), types[details])} ->> '$.total'"
        value = f"coalesce({value}, {own})"
    return {_TOTAL_KEPT: f"TRY_CAST({value} AS DOUBLE)",
            _DETAILS_KEPT: "NULL" if details is None else "src." + quote_ident(details)}


def _no_class_note(con: duckdb.DuckDBPyConnection, rows: str, params: dict[str, Any],
                   total: str) -> str | None:
    """Where model-call rows log a totalTokens above the classes read: how many rows, the
    tokens above, and the usageDetails keys they hold that no class reads; else None. From
    the checked rows ``rows`` (the load's, or the projection), which hold each row's total
    and those keys (sql/langfuse_no_class_keys.sql): not a second pass over the file."""
    row = sqlfiles.run(con, "langfuse_tokens_in_no_class", params,
                       {"checked_rows": rows}).fetchone()
    if row is None or not row[0]:
        return None
    n, tokens, keys = int(row[0]), int(row[1]), [str(k) for k in row[2] or []]
    held = f" (usageDetails keys not read: {', '.join(keys)})" if keys else ""
    return (f"{n:,} model-call row(s) log a {total} above the token classes read (input, "
            f"output, cache reads and writes): {tokens:,} tokens in no class, read as "
            f"0{held}; these rows' usage and value are understated")
