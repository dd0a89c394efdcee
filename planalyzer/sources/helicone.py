"""Helicone request export (CSV or JSON lines), one row per request.

Columns as in Helicone's request table: request_id, request_created_at, user_id /
request_user_id, model, prompt_tokens, completion_tokens, prompt_cache_read_tokens,
prompt_cache_write_tokens, cost / costUSD. Helicone's own export tool (``@helicone/export``,
examples/export in Helicone's repository) writes its CSV with fewer columns and no
request_id: response_id, response_created_at, response_status, request_created_at,
request_body, request_properties, request_user_id, model, prompt_tokens, completion_tokens,
latency, cost; response_id is then the event id. Cache reads and writes are logged apart from
prompt_tokens (an assumption where a provider reports them inside; a mapping file with
``input_includes_cache_read = true`` says otherwise).

The cost's unit depends on where the export came from: the ClickHouse table
(``request_response_rmt.cost``) stores USD x 1e9 as an integer, while Helicone's request API
(``/v1/request/query-clickhouse``, what its exports use) returns ``cost / 1e9 AS cost`` and
``costUSD``, both in USD (the export tool reads that API: its ``cost`` is USD). So
``costUSD`` is used as it is where present; else ``cost`` is
divided by 1e9 only where every value is a whole number (a raw dump: no USD cost of a request
is a whole number of dollars but zero), and kept as USD where any has a fraction. The mapping
says which.

A saved response of that API (``{"data": [request ...], "error": null}``: one response, a list
of them or one per line, pretty-printed or not) is read row by row from ``data``
(sources/api_pages.py). A response whose ``error`` is set (``{"data": null, "error": "..."}``)
or whose ``data`` is empty holds no requests: an error naming it.
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
from planalyzer.sources import api_pages
from planalyzer.sources.base import UTF8_BOM, read_head
from planalyzer.sources.files import SourceFile
from planalyzer.sources.mapping import normalise
from planalyzer.sources.preset import PresetSource, header_names
from planalyzer.sources.staging import unreadable
from planalyzer.sources.tabular import Projection, reader_sql
from planalyzer.sqlfiles import quote_ident

if TYPE_CHECKING:
    from planalyzer.store import LoadOptions

RAW_UNIT = 1e9  # Helicone's COST_PRECISION_MULTIPLIER
_JSON_KEY = re.compile(rb'"([A-Za-z_][A-Za-z0-9_]*)"\s*:')


class Helicone(PresetSource):
    name = "helicone"
    description = ("Helicone request export, export-tool output or request API response "
                   "(request_id or response_id, request_created_at, cost or costUSD)")
    signature = ("request_created_at", "completion_tokens")
    columns: ClassVar[dict[str, tuple[str, ...]]] = {
        "event_id": ("request_id", "response_id"),
        "ts": ("request_created_at",),
        "user_id": ("user_id", "request_user_id"),
        "model": ("model", "request_model", "response_model"),
        "input_tokens": ("prompt_tokens",),
        "cache_read_tokens": ("prompt_cache_read_tokens",),
        "cache_write_tokens": ("prompt_cache_write_tokens",),
        "output_tokens": ("completion_tokens",),
        "logged_cost_usd": ("costUSD", "cost"),
    }

    def sniff(self, path: Path, head: bytes) -> bool:
        # the request table's columns, or the export tool's CSV (response_id, no request_id);
        # its --format json writes a JSON array of pretty-printed records, and the request
        # API a response of them: their keys
        names = header_names(head)
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[") or api_pages.is_data_page(head):
            names = {normalise(k.decode()) for k in _JSON_KEY.findall(head)}
        return (all(s in names for s in self.signature)
                and bool(names & {"request_id", "response_id"})) or _empty_response(head)

    def stages(self, src: SourceFile) -> bool:
        return super().stages(src) and not _is_response(read_head(src.path))

    def resembles(self, names: set[str]) -> bool:
        return "request_created_at" in names and bool(
            names & {"request_user_id", "prompt_tokens", "completion_tokens"})

    def projection(
        self, con: duckdb.DuckDBPyConnection, src: SourceFile, opts: LoadOptions
    ) -> Projection:
        reader = (_response_reader(con, src)
                  if src.stage is None and _is_response(read_head(src.path)) else None)
        present = self.present_columns(con, src, reader)
        col = opts.mapping.explicit.get("logged_cost_usd") or next(
            (present[normalise(c)] for c in self.columns["logged_cost_usd"]
             if normalise(c) in present), None)
        if col is None:
            return self.project(con, src, opts, reader=reader)
        divisor, note = 1.0, f"logged_cost_usd: {col} in USD"
        if normalise(col) != "costusd":
            costs, whole = sqlfiles.run(con, "cost_column_whole", {"path": src.key}, {
                "reader": reader or reader_sql(src),
                "column": quote_ident(col)}).fetchall()[0]
            if costs and whole:
                divisor = RAW_UNIT
                note = (f"logged_cost_usd: {col} holds whole numbers: USD x 1e9 (a raw "
                        "Helicone ClickHouse dump), divided by 1e9")
            else:
                note = (f"logged_cost_usd: {col} in USD (Helicone's request API unit; a raw "
                        "dump's whole numbers would be divided by 1e9)")
        preset = self.preset(present, opts)
        return self.project(con, src, opts, cost_divisor=divisor, reader=reader,
                            preset=replace(preset, notes=(*preset.notes, note)))


def _empty_response(head: bytes) -> bool:
    """A request API response holding no requests: exactly ``data`` and ``error`` (Helicone's
    result envelope), its error set or its data an empty list (the whole of a small file)."""
    text = head.removeprefix(UTF8_BOM).strip()
    if not text.startswith(b"{") or b'"error"' not in text:
        return False
    try:
        doc = json.loads(text.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return False
    return (isinstance(doc, dict) and set(doc) == {"data", "error"}
            and (doc["error"] is not None or doc["data"] == []))


def _is_response(head: bytes) -> bool:
    """A saved request API response (its rows under ``data``), not rows."""
    return api_pages.is_data_page(head) or _empty_response(head)


def _response_reader(con: duckdb.DuckDBPyConnection, src: SourceFile) -> str:
    """The reader of a saved response's requests; an error where a response reports an error
    or none holds a request."""
    try:
        pages = api_pages.contents(con, src)
    except duckdb.Error as exc:
        raise unreadable(src.key, "a Helicone API response (JSON)", exc) from None
    if pages.errors:
        raise InputError(
            f"{src.key}: a Helicone API response that reports an error, not requests "
            f"({pages.errors:,} of {pages.pages:,} response(s); error: {pages.error!r}): fetch "
            "the requests again (check the API key, the query and its time range) and load "
            "the saved response")
    if not pages.rows:
        raise InputError(
            f"{src.key}: a Helicone API response with no requests (its data list is empty): "
            "remove it from the sources, or fetch the requests again with a query or time "
            "range that holds some")
    return api_pages.page_reader(src.path)
