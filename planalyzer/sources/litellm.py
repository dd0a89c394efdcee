"""LiteLLM proxy tables, dumped as CSV or parquet.

``LiteLLM_SpendLogs`` (one row per request): request_id, startTime, user / end_user / team_id,
model, prompt_tokens, completion_tokens, spend, metadata (JSON with usage details). LiteLLM
reports OpenAI-style usage, so prompt_tokens include cached tokens; the cached count is not a
column of its own (it sits in metadata), so cache reads are not split out here.

``LiteLLM_DailyUserSpend`` (one row per user, day, key and model: aggregated): user_id, date,
model, prompt_tokens, completion_tokens, cache_read_input_tokens,
cache_creation_input_tokens, spend, api_requests. Its prompt_tokens follow the provider's
counting; cache columns are kept apart as LiteLLM logs them.
"""

from __future__ import annotations

from typing import ClassVar

from planalyzer.sources.preset import PresetSource


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


class LiteLLMDaily(PresetSource):
    name = "litellm-daily"
    description = "LiteLLM daily user spend table (user_id, date, api_requests, spend ...)"
    aggregated = True
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
