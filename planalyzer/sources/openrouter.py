"""OpenRouter activity export (CSV): one row per generation.

Columns as exported: generation_id, created_at, cost_total, byok_usage_inference, tokens_prompt,
tokens_completion, tokens_reasoning, tokens_cached, model_permaslug, provider_name,
api_key_name, user ...
OpenRouter follows OpenAI's counting: tokens_prompt includes tokens_cached, and
tokens_completion includes tokens_reasoning (so reasoning is not added again). The logged cost
is what the request cost: cost_total, the USD OpenRouter charged, plus byok_usage_inference
where the export has it. A BYOK request (made with the user's own provider key) pays its
inference to that provider, byok_usage_inference ("BYOK inference cost in USD (external
credits spent)"), and OpenRouter only a fee, cost_total ("Total cost in USD (OpenRouter credits
spent)"): 5% of what the request would cost on OpenRouter, waived for the first 1M BYOK
requests a month (openrouter.ai/docs ActivityItem and BYOK pages; docs/sources.md). The user
is read per row: ``user`` (set where the caller passed one), else ``user_id``, else
``api_key:<api_key_name>``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from planalyzer.sources.mapping import normalise
from planalyzer.sources.preset import PresetSource
from planalyzer.sources.tabular import Preset

if TYPE_CHECKING:
    from planalyzer.store import LoadOptions

BYOK_COLUMN = "byok_usage_inference"
# shown with the mapping (and kept in the manifest: the logged-cost check names the files whose
# logged cost holds it, planalyzer.source_checks)
BYOK_NOTE = ("logged_cost_usd = cost_total + byok_usage_inference: a BYOK request's inference, "
             "paid to your own provider key, beside OpenRouter's fee")


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

    def preset(self, present: dict[str, str], opts: LoadOptions) -> Preset:
        """The BYOK inference is added to cost_total, unless --map names the logged cost."""
        base = super().preset(present, opts)
        byok = present.get(normalise(BYOK_COLUMN))
        if byok is None or "logged_cost_usd" in opts.mapping.explicit \
                or normalise("cost_total") not in present:
            return base
        return replace(base, cost_parts=(byok,), uses=(*base.uses, byok),
                       notes=(*base.notes, BYOK_NOTE))
