"""Anthropic Admin API usage reports (JSON): usage_report/messages and usage_report/claude_code.

messages: ``{"data": [{"starting_at", "ending_at", "results": [{"uncached_input_tokens",
"cache_read_input_tokens", "cache_creation": {"ephemeral_5m_input_tokens",
"ephemeral_1h_input_tokens"}, "output_tokens", "account_id", "api_key_id", "workspace_id",
"service_account_id", "model", "service_tier", "context_window", "inference_geo", "speed"}]}]}``
(sql/project_anthropic_messages_json.sql): event_id names the bucket's start and width and
every grouping dimension, so results differing in any one are all kept.

claude_code: ``{"data": [{"date", "actor": {"type", "email_address" | "api_key_name"},
"subscription_type", "customer_type", "core_metrics", "model_breakdown": [{"model", "tokens":
{"input", "output", "cache_read", "cache_creation"}, "estimated_cost": {"currency", "amount"}}]
}]}`` (sql/project_anthropic_claude_code_json.sql): daily, per user and model; the estimated
cost (cents) is kept as logged_cost_usd and the subscription type as the plan.

A page's buckets (records) saved without the page (a list of them: a script that pages
through a report and collects each page's ``data``; or one per line) are read as the page.

Both are aggregated: neither report has a request count, so each bucket row gets an estimated
one: its prompt tokens (input + cache writes + cache reads) over an assumed mean prompt per
request (--bucket-prompt-tokens, default 80,000: ``DEFAULT_BUCKET_PROMPT_TOKENS``), at least 1;
a messages result's ``context_window`` bounds it (never fewer than the prompt over the window's
top; a long-context window's mean request lies above its low end). The per-request token bound
(--max-tokens) is scaled to 100,000 requests per bucket (``UNCOUNTED_BUCKET_REQUESTS``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from planalyzer.sources.base import Source, read_head
from planalyzer.sources.files import SourceFile
from planalyzer.sources.report_json import create_macros, json_projection
from planalyzer.sources.tabular import Projection

if TYPE_CHECKING:
    from planalyzer.store import LoadOptions


# a bucket of the messages report ({"starting_at", "ending_at", "results"}): its first results
# may lie beyond the sniffed head (an hourly page of empty buckets)
_BUCKET = re.compile(rb'"starting_at"\s*:\s*"[^"]*"\s*,\s*"ending_at"\s*:\s*"[^"]*"\s*,'
                     rb'\s*"results"\s*:')


def _is_claude_code_report(head: bytes) -> bool:
    return b'"model_breakdown"' in head or b'"core_metrics"' in head


class AnthropicUsage(Source):
    name = "anthropic-usage"
    description = "Anthropic Admin API usage_report/messages or usage_report/claude_code JSON"
    aggregated = True
    logs_request_counts = False

    def setup(self, con: duckdb.DuckDBPyConnection) -> None:
        create_macros(con)

    def sniff(self, path: Path, head: bytes) -> bool:
        return b'"uncached_input_tokens"' in head or bool(_BUCKET.search(head)) or (
            _is_claude_code_report(head) and b'"actor"' in head)

    def projection(
        self, con: duckdb.DuckDBPyConnection, src: SourceFile, opts: LoadOptions
    ) -> Projection:
        if _is_claude_code_report(read_head(src.path)):
            return json_projection("project_anthropic_claude_code_json", {
                "ts": "date", "user_id": "actor.email_address|api_key_name",
                "plan": "subscription_type", "model": "model_breakdown.model",
                "input_tokens": "tokens.input", "cache_write_tokens": "tokens.cache_creation",
                "cache_read_tokens": "tokens.cache_read", "output_tokens": "tokens.output",
                "logged_cost_usd": "estimated_cost.amount/100"}, src, opts,
                counts_requests=False, empty_columns={
                    "input_tokens": "tokens.input", "cache_write_tokens": "tokens.cache_creation",
                    "cache_read_tokens": "tokens.cache_read", "output_tokens": "tokens.output"})
        return json_projection("project_anthropic_messages_json", {
            "ts": "starting_at", "user_id": "account_id|api_key_id|workspace_id",
            "model": "model", "input_tokens": "uncached_input_tokens",
            "cache_write_tokens": "cache_creation.ephemeral_5m_input_tokens",
            "cache_write_1h_tokens": "cache_creation.ephemeral_1h_input_tokens",
            "cache_read_tokens": "cache_read_input_tokens", "output_tokens": "output_tokens"},
            src, opts, counts_requests=False, empty_columns={
                "input_tokens": "uncached_input_tokens",
                "cache_write_tokens": "cache_creation.ephemeral_5m_input_tokens",
                "cache_write_1h_tokens": "cache_creation.ephemeral_1h_input_tokens",
                "cache_read_tokens": "cache_read_input_tokens", "output_tokens": "output_tokens"})
