"""OpenRouter activity export (CSV): one row per generation.

Columns as exported: generation_id, created_at, cost_total, tokens_prompt, tokens_completion,
tokens_reasoning, tokens_cached, model_permaslug, provider_name, api_key_name, user ...
OpenRouter follows OpenAI's counting: tokens_prompt includes tokens_cached, and
tokens_completion includes tokens_reasoning (so reasoning is not added again). cost_total is the
USD OpenRouter charged: kept as logged_cost_usd. The user is read per row: ``user`` (set
where the caller passed one), else ``user_id``, else ``api_key:<api_key_name>``.
"""

from __future__ import annotations

from typing import ClassVar

from planalyzer.sources.preset import PresetSource


class OpenRouter(PresetSource):
    name = "openrouter"
    description = "OpenRouter activity export CSV (generation_id, tokens_prompt, cost_total ...)"
    signature = ("generation_id", "tokens_prompt", "tokens_completion")
    input_includes_cache_read = True
    columns: ClassVar[dict[str, tuple[str, ...]]] = {
        "event_id": ("generation_id",),
        "ts": ("created_at",),
        "user_id": ("user", "user_id", "api_key_name"),
        "model": ("model_permaslug", "model"),
        "input_tokens": ("tokens_prompt",),
        "cache_read_tokens": ("tokens_cached",),
        "output_tokens": ("tokens_completion",),
        "logged_cost_usd": ("cost_total",),
    }
    user_prefixes: ClassVar[dict[str, str]] = {"api_key_name": "api_key:"}
