"""Helicone request export (CSV or JSON lines), one row per request.

Columns as in Helicone's request table: request_id, request_created_at, user_id, model,
prompt_tokens, completion_tokens, prompt_cache_read_tokens, prompt_cache_write_tokens, cost.
Helicone stores cost as USD x 1e9 (an integer): divided back into logged_cost_usd. Cache reads
and writes are logged apart from prompt_tokens (an assumption where a provider reports them
inside; a mapping file with ``input_includes_cache_read = true`` says otherwise).
"""

from __future__ import annotations

from typing import ClassVar

from planalyzer.sources.preset import PresetSource


class Helicone(PresetSource):
    name = "helicone"
    description = "Helicone request export (request_id, request_created_at, cost in USD x 1e9)"
    signature = ("request_id", "request_created_at", "completion_tokens")
    cost_divisor = 1e9
    columns: ClassVar[dict[str, tuple[str, ...]]] = {
        "event_id": ("request_id",),
        "ts": ("request_created_at",),
        "user_id": ("user_id", "request_user_id"),
        "model": ("model", "request_model", "response_model"),
        "input_tokens": ("prompt_tokens",),
        "cache_read_tokens": ("prompt_cache_read_tokens",),
        "cache_write_tokens": ("prompt_cache_write_tokens",),
        "output_tokens": ("completion_tokens",),
        "logged_cost_usd": ("cost",),
    }
