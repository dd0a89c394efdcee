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

from planalyzer.errors import InputError
from planalyzer.sources.base import first_line, read_head
from planalyzer.sources.files import SourceFile
from planalyzer.sources.mapping import normalise
from planalyzer.sources.preset import PresetSource
from planalyzer.sources.tabular import Preset, Projection, present_text
from planalyzer.sqlfiles import quote_ident

if TYPE_CHECKING:
    from planalyzer.store import LoadOptions

MODEL_CALL_TYPES = ("GENERATION", "EMBEDDING")
_PAGE = re.compile(rb'^\s*[\[{]\s*(\{\s*)?"data"\s*:\s*\[')
# the rows of saved API pages (read_json takes one page, a list of pages or a page per line)
PAGE_READER = ("(SELECT unnest(page.data, max_depth := 2) FROM read_json($path, format = "
               "'auto', sample_size = -1) AS page) AS src")


def is_page(head: bytes) -> bool:
    """A saved Langfuse API page ({"data": [...], "meta": ...}) rather than rows."""
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

    def stages(self, src: SourceFile) -> bool:
        return super().stages(src) and not is_page(read_head(src.path))

    def preset(self, present: dict[str, str], opts: LoadOptions) -> Preset:
        base = super().preset(present, opts)
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

        return replace(base, skip=skip, uses=(kind,))

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
        return self.project(con, src, opts, reader=reader)
