"""Langfuse observations export (CSV or JSON lines): one row per generation.

Fields as in Langfuse's observation objects: id, traceId, type, startTime, model, userId (from
the trace), promptTokens / inputTokens, completionTokens / outputTokens, calculatedTotalCost.
Only GENERATION rows carry usage; other observation types load with zero tokens unless
filtered out before export.
"""

from __future__ import annotations

from typing import ClassVar

from planalyzer.sources.preset import PresetSource


class Langfuse(PresetSource):
    name = "langfuse"
    description = "Langfuse observations export (traceId, startTime, promptTokens ...)"
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
