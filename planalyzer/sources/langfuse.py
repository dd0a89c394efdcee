"""Langfuse observations export (CSV or JSON lines, or a saved API page): one row per
observation.

Fields as in Langfuse's observation objects: id, traceId, type, startTime, model,
promptTokens / inputTokens, completionTokens / outputTokens, calculatedTotalCost, and userId
where the export carries it. A saved page of the public API (``GET /api/public/observations``:
``{"data": [observation ...], "meta": {...}}``, one page, a list of pages or a page per line)
is read row by row from ``data``.

The user: Langfuse sets ``userId`` on the trace; an observation carries it only where the SDK
propagated it (``propagate_attributes(user_id=...)``) or the export joined it in. A file
without it is an error saying so (join the traces' userId on traceId, or ``--map
user_id=<column>``).

Token classes: Langfuse keeps an observation's usage as ``usageDetails``, a map of usage
type to units whose types are disjoint (``promptTokens`` is its ``input``, ``completionTokens``
its ``output``, ``totalTokens`` its ``total``): its ingestion takes OpenAI's
``prompt_tokens_details`` out of ``input`` as ``input_<key>`` (``input_cached_tokens``) and
``completion_tokens_details`` out of ``output`` (``output_reasoning_tokens``), LangChain's
``input_token_details`` likewise (``input_cache_read``, ``input_cache_creation``,
``input_ephemeral_5m/1h_input_tokens``), and the Vercel AI SDK's cache and reasoning counts
(``input_cached_tokens``, ``input_cache_creation``, ``input_cache_read``,
``input_cache_write``, ``output_reasoning_tokens``); Anthropic's own keys
(``cache_read_input_tokens``, ``cache_creation_input_tokens``) pass as they are. So the cache
counts exist only there, and are read from it per row: cache read = the largest of the read
keys, cache write = the largest of the write keys (or the 5-minute + 1-hour split where
larger), of which the 1-hour ones; output = completionTokens + the reasoning keys. Where a
row's totalTokens is still above the classes read (audio or other usage types), the load
says how many rows and tokens, and which usageDetails keys it did not read.

Only GENERATION and EMBEDDING observations are model calls. Other types (SPAN, EVENT, AGENT,
TOOL ...) without a model are counted by kind, neither loaded nor rejected: a trace's spans
cost nothing themselves, and most rows of a real export are spans.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import duckdb

from planalyzer import sqlfiles
from planalyzer.errors import InputError
from planalyzer.sources.base import UTF8_BOM, first_line, read_head
from planalyzer.sources.files import SourceFile
from planalyzer.sources.json_counts import JsonCounts
from planalyzer.sources.mapping import normalise
from planalyzer.sources.preset import PresetSource
from planalyzer.sources.tabular import JSON_TEXT_TIMES, Preset, Projection, present_text
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
_TOTAL = ("totalTokens", "total_tokens")
# the classes read from usageDetails: a --map of any of them reads none of it
_CLASSES = ("cache_read_tokens", "cache_write_tokens", "cache_write_1h_tokens")
# the usage types that are no token class of their own: counted in none, said where a row's
# totalTokens is above its classes
_NOT_CLASSES = ("input", "output", "total", "unit")
DETAILS_NOTE = ("cache reads and writes read per row from usageDetails, reasoning added to "
                "output: Langfuse keeps them apart from promptTokens and completionTokens")
_PAGE = re.compile(rb'^\s*[\[{]\s*(\{\s*)?"data"\s*:\s*\[')
# the rows of saved API pages (read_json takes one page, a list of pages or a page per line)
PAGE_READER = ("(SELECT unnest(page.data, max_depth := 2) FROM read_json($path, format = "
               f"'auto', sample_size = -1, {JSON_TEXT_TIMES}) AS page) AS src")


def is_page(head: bytes) -> bool:
    """A saved Langfuse API page ({"data": [...], "meta": ...}) rather than rows."""
    head = head.removeprefix(UTF8_BOM)
    line = first_line(head)
    try:
        row = json.loads(line.decode("utf-8", "replace"))  # a Latin-1 name: still a row
    except (ValueError, RecursionError):
        row = None
    if isinstance(row, dict) and "traceId" in row:
        return False  # JSON lines of observations
    return bool(_PAGE.match(head)) and b'"traceId"' in head


class Langfuse(PresetSource):
    name = "langfuse"
    description = "Langfuse observations export or saved API page (traceId, startTime ...)"
    signature = ("traceId", "startTime")
    columns: ClassVar[dict[str, tuple[str, ...]]] = {
        "event_id": ("id",),
        "ts": ("startTime",),
        "user_id": ("userId", "user_id"),
        "model": ("model", "providedModelName"),
        "input_tokens": ("promptTokens", "inputTokens", "input_tokens"),
        "output_tokens": ("completionTokens", "outputTokens", "output_tokens"),
        "logged_cost_usd": ("calculatedTotalCost", "totalCost", "cost"),
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
            base = replace(base, uses=(*base.uses, total))
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
        reader = PAGE_READER if src.stage is None and is_page(read_head(src.path)) else None
        present = self.present_columns(con, src, reader)
        if "user_id" not in opts.mapping.explicit and not any(
                normalise(c) in present for c in self.columns["user_id"]):
            raise InputError(
                f"{src.key}: Langfuse observations without userId (Langfuse keeps the user on "
                "the trace): export them with the trace's userId joined on traceId (or have "
                "the SDK propagate user_id to observations), or name a column with --map "
                "user_id=<column> (--map user_id=traceId counts each trace as a user)")
        proj = self.project(con, src, opts, reader=reader)
        total = _present(present, _TOTAL)
        if total is None:
            return proj
        note = _no_class_note(con, src, opts, proj, total, _present(present, _DETAILS))
        if note is None:
            return proj
        unread = "; ".join(n for n in (proj.mapping.unread, note) if n)
        return replace(proj, mapping=replace(proj.mapping, unread=unread))


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


def _no_class_note(con: duckdb.DuckDBPyConnection, src: SourceFile, opts: LoadOptions,
                   proj: Projection, total: str, details: str | None) -> str | None:
    """Where model-call rows log a totalTokens above the classes read: how many rows, the
    tokens above, and the usageDetails keys they hold that no class reads; else None."""
    row = sqlfiles.run(con, "langfuse_tokens_in_no_class", {
        **proj.params, "path": src.key, "tz": opts.timezone,
        "total_path": _json_key(total),
        "details_path": _json_key(details) if details is not None else "$.__none__",
        "read_keys": [*_KEYS, *_NOT_CLASSES]}, {"projection": proj.sql}).fetchone()
    if row is None or not row[0]:
        return None
    rows, tokens, keys = int(row[0]), int(row[1]), [str(k) for k in row[2] or []]
    held = f" (usageDetails keys not read: {', '.join(keys)})" if keys else ""
    return (f"{rows:,} model-call row(s) log a {total} above the token classes read (input, "
            f"output, cache reads and writes): {tokens:,} tokens in no class, read as "
            f"0{held}; these rows' usage and value are understated")


def _json_key(name: str) -> str:
    """A JSONPath naming one top-level key."""
    return '$."' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
