"""OpenAI organization usage: the Usage API completions JSON and the dashboard CSV export.

JSON: ``{"object": "page", "data": [{"object": "bucket", "start_time", "end_time", "results":
[{"object": "organization.usage.completions.result", "input_tokens", "input_cached_tokens",
"output_tokens", "num_model_requests", "project_id", "user_id", "api_key_id", "model", "batch"}
]}]}`` (sql/project_openai_usage_json.sql). CSV: the same fields as columns, with start_time
(epoch seconds) or start_time_iso; as in the JSON, a row's user is its user_id (or
user_email), else ``project:<project_id>``, else ``api_key:<api_key_id>``, else
``organization``. input_tokens include input_cached_tokens. Rows are buckets
(a day, an hour, a minute) with num_model_requests as the request count.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import duckdb

from planalyzer.sources.files import SourceFile
from planalyzer.sources.preset import PresetSource, header_names
from planalyzer.sources.report_json import create_macros, json_projection
from planalyzer.sources.tabular import Projection

if TYPE_CHECKING:
    from planalyzer.store import LoadOptions

_JSON_MARK = b"organization.usage.completions.result"
# a page of buckets whose first ones are empty (an hourly or minute page is mostly empty
# buckets: the first result may lie beyond the sniffed head)
_BUCKET = re.compile(rb'"object"\s*:\s*"bucket"\s*,\s*"start_time"\s*:')


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
        if _JSON_MARK in head or _BUCKET.search(head):
            return True
        names = header_names(head)
        return "num_model_requests" in names and "start_time" in {
            n.removesuffix("_iso") for n in names}

    def stages(self, src: SourceFile) -> bool:
        return src.format != "jsonl" and super().stages(src)  # the API JSON has its own SQL

    def projection(
        self, con: duckdb.DuckDBPyConnection, src: SourceFile, opts: LoadOptions
    ) -> Projection:
        if src.format == "jsonl":
            return json_projection("project_openai_usage_json", {
                "ts": "bucket.start_time", "user_id": "user_id|project_id|api_key_id",
                "model": "model", "input_tokens": "input_tokens-input_cached_tokens",
                "cache_read_tokens": "input_cached_tokens", "output_tokens": "output_tokens",
                "requests": "num_model_requests"}, src, opts, inclusive=True, empty_columns={
                    "input_tokens": "input_tokens", "cache_read_tokens": "input_cached_tokens",
                    "output_tokens": "output_tokens"})
        return super().projection(con, src, opts)
