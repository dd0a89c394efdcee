"""LiteLLM proxy tables, dumped as CSV or parquet.

``LiteLLM_SpendLogs`` (one row per request): request_id, startTime, end_user / user / team_id /
api_key, model, prompt_tokens, completion_tokens, spend, cache_hit, status, metadata (JSON with
usage details). The user is read per row: ``end_user`` (set only where the client passed
``user``), else ``user`` (the key's owner), else ``team:<team_id>``, else ``api_key:<hash>``.
LiteLLM reports OpenAI-style usage, so prompt_tokens include cached tokens; the cached count is
not a column of its own (it sits in metadata), so cache reads are not split out here.

Rows that are not provider calls are counted by kind, not loaded: a cache hit (``cache_hit``
true: LiteLLM served a stored response, spend 0, no GPU work) and a failed request with no
tokens (``status`` failure).

``LiteLLM_DailyUserSpend`` (one row per user, day, key and model: aggregated): user_id, date,
model, prompt_tokens, completion_tokens, cache_read_input_tokens,
cache_creation_input_tokens, spend, api_requests. Its prompt_tokens are the SpendLogs'
(``db_spend_update_writer.py``: ``prompt_tokens=payload["prompt_tokens"]``), OpenAI-style, so
they include ``cache_read_input_tokens`` (every provider transformation adds cache reads into
prompt_tokens): input = prompt_tokens - cache_read_input_tokens. Cache writes are taken as
apart (older LiteLLM versions add only reads; recent ones also add Anthropic cache writes into
prompt_tokens too, which then count as input as well: docs/sources.md).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from planalyzer.sources.preset import PresetSource
from planalyzer.sources.tabular import Preset, present_text
from planalyzer.sqlfiles import quote_ident

if TYPE_CHECKING:
    from planalyzer.store import LoadOptions

CACHE_HIT = "cache hit (served by LiteLLM, no provider call)"
FAILED = "failed request (no tokens)"


class LiteLLM(PresetSource):
    name = "litellm"
    description = "LiteLLM SpendLogs (request_id, startTime, spend, prompt_tokens ...)"
    signature = ("request_id", "startTime", "spend", "prompt_tokens")
    columns: ClassVar[dict[str, tuple[str, ...]]] = {
        "event_id": ("request_id",),
        "ts": ("startTime",),
        "user_id": ("end_user", "user", "team_id", "api_key"),
        "model": ("model", "model_group"),
        "input_tokens": ("prompt_tokens",),
        "output_tokens": ("completion_tokens",),
        "logged_cost_usd": ("spend",),
    }
    user_prefixes: ClassVar[dict[str, str]] = {"team_id": "team:", "api_key": "api_key:"}

    def preset(self, present: dict[str, str], opts: LoadOptions) -> Preset:
        base = super().preset(present, opts)
        hit, status = present.get("cache_hit"), present.get("status")
        tokens = [present[n] for n in ("prompt_tokens", "completion_tokens") if n in present]
        if hit is None and status is None:
            return base

        def skip(types: dict[str, str]) -> str | None:
            whens = []
            if hit is not None:
                v = present_text("src." + quote_ident(hit), types[hit])
                whens.append(f"WHEN lower({v}) IN ('true', '1', 't', 'yes') THEN '{CACHE_HIT}'")
            if status is not None:
                v = present_text("src." + quote_ident(status), types[status])
                none = " AND ".join(
                    f"coalesce(TRY_CAST({present_text('src.' + quote_ident(c), types[c])} "
                    "AS DOUBLE), 0) = 0" for c in tokens) or "true"
                whens.append(f"WHEN lower({v}) IN ('failure', 'failed', 'error') AND {none} "
                             f"THEN '{FAILED}'")
            return f"CASE {' '.join(whens)} END"

        return replace(base, skip=skip, uses=tuple(c for c in (hit, status) if c))


class LiteLLMDaily(PresetSource):
    name = "litellm-daily"
    description = "LiteLLM daily user spend table (user_id, date, api_requests, spend ...)"
    aggregated = True
    input_includes_cache_read = True  # prompt_tokens are OpenAI-style (see the docstring)
    signature = ("user_id", "date", "api_requests", "spend")
    columns: ClassVar[dict[str, tuple[str, ...]]] = {
        "event_id": ("id",),
        "ts": ("date",),
        "user_id": ("user_id",),
        "model": ("model", "model_group"),
        "input_tokens": ("prompt_tokens",),
        "cache_read_tokens": ("cache_read_input_tokens",),
        "cache_write_tokens": ("cache_creation_input_tokens",),
        "output_tokens": ("completion_tokens",),
        "requests": ("api_requests",),
        "logged_cost_usd": ("spend",),
    }


