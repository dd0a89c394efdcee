"""Anthropic usage JSON: the Admin API's usage_report/messages and usage_report/claude_code,
and the Usage and Cost Analytics API's analytics/usage.

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

analytics (the Usage and Cost Analytics API, ``GET /v1/organizations/analytics/usage``, which
Anthropic recommends over usage_report/messages): ``{"data": [{"starting_at", "ending_at",
"group": {"actor", "actor_type", "api_key_id", "workspace_id", "model", ...}, "usage":
{"uncached_input_tokens", "cache_creation": {...}, "cache_read_input_tokens", "output_tokens",
"requests", ...}}], "has_more", "next_page"}`` (sql/project_anthropic_analytics_json.sql): one
row per time bucket and group; the user is the actor (a user's email, ``service_account:<id>``,
``api_key:<id>``); its ``requests`` is the logged request count.

A page's buckets (records, rows) saved without the page (a list of them: a script that pages
through a report and collects each page's ``data``; or one per line) are read as the page.

All are aggregated. The two usage_report reports log no request count, so each bucket row
gets an estimated one (as does an analytics row whose ``requests`` is null): its prompt tokens
(input + cache writes + cache reads) over an assumed mean prompt per request
(--bucket-prompt-tokens, default 80,000: ``DEFAULT_BUCKET_PROMPT_TOKENS``), at least 1; a
row's ``context_window`` bounds it (never fewer than the prompt over the window's top; a
long-context window's mean request lies above its low end). For those two reports the
per-request token bound (--max-tokens) is scaled to 100,000 requests per bucket
(``UNCOUNTED_BUCKET_REQUESTS``).

A cost report (``cost_report``, ``/v1/organizations/analytics/cost``: amounts in USD, no token
counts) is recognised by its shape (``layout``: so that it is read by this source) and read
as a messages report, which loads none of its rows; the shared check of a usage report that
loaded no row (planalyzer.sources.report_json.holds_instead) then says it is a cost report and
what to export instead: an error alone, a note beside other files, as an OpenAI cost page.
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


# a row of the analytics API: its token counts in a "usage" object
_USAGE_OBJECT = re.compile(rb'"usage"\s*:\s*\{')
# a token count as a key (a cost report names token types as values: "token_type":
# "uncached_input_tokens")
_TOKEN_KEY = re.compile(rb'"(?:uncached_input_tokens|cache_read_input_tokens|output_tokens)"'
                        rb'\s*:')
_RESULTS = re.compile(rb'"results"\s*:')
# a cost report's line items: amounts in a currency (cost_report; analytics/cost)
_AMOUNT = re.compile(rb'"(?:amount|list_amount)"\s*:')
_CURRENCY = re.compile(rb'"currency"\s*:')
# cost_report's own keys: what each line item is the cost of
_COST_ITEM = re.compile(rb'"(?:cost_type|token_type)"\s*:')
# any token count as a key (prompt_tokens, input_tokens ...): no cost report has one
_ANY_TOKEN_KEY = re.compile(rb'"[A-Za-z0-9_]*_tokens"\s*:')
# a page of rows ({"data": [...]}) or analytics/usage's group object
_DATA_PAGE = re.compile(rb'"data"\s*:\s*\[')
_GROUP_OBJECT = re.compile(rb'"group"\s*:\s*\{')


def _is_claude_code_report(head: bytes) -> bool:
    return b'"model_breakdown"' in head or b'"core_metrics"' in head


def _spans(head: bytes) -> bool:
    return b'"starting_at"' in head and b'"ending_at"' in head


def _is_cost_report(head: bytes) -> bool:
    """The cost report's own shape: buckets of ``results`` whose items carry an amount, a
    currency and a cost_type or token_type (cost_report), or a data page of rows with an
    amount and a currency (analytics/cost); never a file with a token count as a key (a
    generic export's rows that carry a cost)."""
    if (not _spans(head) or _ANY_TOKEN_KEY.search(head) or _is_claude_code_report(head)
            or not (_AMOUNT.search(head) and _CURRENCY.search(head))):
        return False
    return bool((_RESULTS.search(head) and _COST_ITEM.search(head))
                or _DATA_PAGE.search(head))


def _is_analytics(head: bytes) -> bool:
    """analytics/usage rows: starting_at/ending_at with the group/usage objects, or a data
    page of flat rows with Anthropic's token counts outside any "results" bucket."""
    return _spans(head) and bool(
        _USAGE_OBJECT.search(head) or _GROUP_OBJECT.search(head)
        or (_DATA_PAGE.search(head) and _TOKEN_KEY.search(head)
            and not _RESULTS.search(head)))


def layout(head: bytes) -> str:
    """Which Anthropic export a file's first bytes are: 'claude_code', 'cost' (a cost
    report), 'analytics' (analytics/usage rows: ``_is_analytics``) or 'messages'
    (usage_report/messages buckets)."""
    if _is_claude_code_report(head):
        return "claude_code"
    if _is_cost_report(head):
        return "cost"
    if _is_analytics(head):
        return "analytics"
    return "messages"


class AnthropicUsage(Source):
    name = "anthropic-usage"
    description = ("Anthropic usage JSON: analytics/usage, usage_report/messages or "
                   "usage_report/claude_code")
    aggregated = True
    # the usage_report exports log no request count; an analytics/usage file does (its rows
    # say which counts are estimates; the report's notes take a file whose mapping names
    # requests for one that logs them: sql/aggregated_events.sql)
    logs_request_counts = False

    def setup(self, con: duckdb.DuckDBPyConnection) -> None:
        create_macros(con)

    def sniff(self, path: Path, head: bytes) -> bool:
        # Anthropic's token names alone are any export's (a generic per-request file's):
        # the report's own shape is needed (buckets with results, analytics rows)
        return bool(_BUCKET.search(head)) or _is_analytics(head) or (
            b'"uncached_input_tokens"' in head and b'"starting_at"' in head
            and bool(_RESULTS.search(head))) or (
            _is_claude_code_report(head) and b'"actor"' in head) or _is_cost_report(head)

    def projection(
        self, con: duckdb.DuckDBPyConnection, src: SourceFile, opts: LoadOptions
    ) -> Projection:
        # a cost report ('cost') is read as a messages report: it loads no row, and
        # json_projection's holds_instead says what it is
        kind = layout(read_head(src.path))
        if kind == "analytics":
            return json_projection("project_anthropic_analytics_json", {
                "ts": "starting_at", "user_id": "group.actor|api_key_id|workspace_id",
                "model": "group.model", "input_tokens": "usage.uncached_input_tokens",
                "cache_write_tokens": "usage.cache_creation.ephemeral_5m_input_tokens",
                "cache_write_1h_tokens": "usage.cache_creation.ephemeral_1h_input_tokens",
                "cache_read_tokens": "usage.cache_read_input_tokens",
                "output_tokens": "usage.output_tokens", "requests": "usage.requests"},
                src, opts, empty_columns={
                    "input_tokens": "usage.uncached_input_tokens",
                    "cache_write_tokens": "usage.cache_creation.ephemeral_5m_input_tokens",
                    "cache_write_1h_tokens": "usage.cache_creation.ephemeral_1h_input_tokens",
                    "cache_read_tokens": "usage.cache_read_input_tokens",
                    "output_tokens": "usage.output_tokens"})
        if kind == "claude_code":
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
