"""What ``planalyzer costs`` prints: $ per million tokens by class, typical requests by context
length with the bound that applies, the assumptions behind them, and their sensitivities."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from planalyzer.costs.catalog import CostCatalog, Resolution, ServingProfile
from planalyzer.costs.coefficients import coefficient_cost, coefficients_for
from planalyzer.costs.hardware_table import gpu_price_source, hardware_table
from planalyzer.costs.prices import PriceCatalog, api_value_usd
from planalyzer.costs.roofline import Roofline, Tokens
from planalyzer.errors import ConfigError
from planalyzer.tables import Col, Table

CONTEXTS: tuple[int, ...] = (1_000, 32_000, 128_000, 200_000)
TYPICAL_OUTPUT = 500
TYPICAL_NEW_SHARE = 0.05  # coding-agent prompts: ~95% of prompt tokens read from the cache


def typical_request(context: int) -> Tokens:
    """A request whose prompt is ``context`` tokens, 95% of them cache reads, 500 output."""
    new = context * TYPICAL_NEW_SHARE
    return Tokens(input=new, cache_read=context - new, output=TYPICAL_OUTPUT)


def _names(catalog: CostCatalog, prices: PriceCatalog,
           models: Sequence[str] | None) -> list[str]:
    """The logged ``models``; without logs, every model the catalogs name: the open models
    with published shapes, one model name per API price entry (its first name pattern, so it
    shows its list prices beside the proxy profile it is priced by), then each route pattern
    that none of those names went through (so every name-to-profile mapping shows)."""
    if models is not None:
        return list(models)
    names = list(catalog.models)
    for entry in prices.entries:
        name = entry.match[0].rstrip("*") if entry.match else entry.key
        if name not in names:
            names.append(name)
    routed = {catalog.route_of(n) for n in names}
    names += [r.pattern for r in catalog.routes if r.pattern not in routed]
    return names


def _cost(res: Resolution, t: Tokens) -> float:
    return coefficient_cost(coefficients_for(res, None), t).gpu_cost_usd


def _per_mtok(res: Resolution, base: Tokens, extra: Tokens, n: float) -> float:
    """Marginal $ per million tokens of ``extra`` (n tokens) on top of request ``base``."""
    plus = Tokens(*(getattr(base, f) + getattr(extra, f) for f in
                    ("input", "cache_write", "cache_write_1h", "cache_read", "output")))
    return (_cost(res, plus) - _cost(res, base)) / n * 1e6


def _serving_label(res: Resolution) -> str:
    s = res.serving
    if s.mode == "roofline":
        return f"{s.gpus} x {s.hardware} {s.precision}"
    if s.mode == "measured":
        return f"measured ${s.usd_per_hour:g}/h"
    return f"rate card, {s.discount:.0%} off" if s.discount else "rate card"


def _note(res: Resolution) -> str:
    if res.assumed and "assum" not in res.note.lower():
        return "ASSUMED: " + res.note
    return res.note


SHORT_PROMPT = 1_000  # the per-class $/M tables price 1,000 tokens of each class


def _per_class_row(name: str, res: Resolution, prices: PriceCatalog) -> tuple[object, ...]:
    k = float(SHORT_PROMPT)
    short = Tokens(input=k)
    price = prices.price_for(name, f"{name}, a model the tables show")
    api = price.base if price else None
    return (
        name, res.model.key, res.serving.key, res.serving.mode, _serving_label(res),
        res.assumed,
        _per_mtok(res, Tokens(), Tokens(input=k), k),
        _per_mtok(res, Tokens(), Tokens(cache_write=k), k),
        _per_mtok(res, Tokens(), Tokens(cache_write_1h=k), k),
        _per_mtok(res, short, Tokens(cache_read=k), k),
        _per_mtok(res, Tokens(cache_read=1000), Tokens(output=k), k),
        _per_mtok(res, Tokens(cache_read=128_000), Tokens(output=k), k),
        res.training_usd_per_token * 1e6,
        api.input if api else None, api.cache_write if api else None,
        api.cache_write_1h if api else None, api.cache_read if api else None,
        api.output if api else None,
        _note(res),
    )


def _loaded_row(marginal: tuple[object, ...], res: Resolution) -> tuple[object, ...]:
    """The fully loaded twin of a per-class row: each marginal $/M x (1 + overhead share) +
    amortized training per million tokens (every token class carries the same training)."""
    share = res.serving.overhead_share
    training = res.training_usd_per_token * 1e6

    def loaded(v: object) -> float:
        assert isinstance(v, float)
        return v * (1.0 + share) + training

    return (marginal[0], share, training, *(loaded(v) for v in marginal[6:12]))


def _prefill_bound(rf: Roofline, t: Tokens) -> str:
    """The bound of this request's prefill run alone: its FLOPs against one read of the
    weights its new tokens touch. Pricing charges the compute either way (prefill is chunked
    into batches with other work, which share the weight reads), and says so when they differ.
    """
    compute = rf.prefill_seconds(t.new_prompt, t.cache_read)
    memory = rf.weights_read_bytes(max(t.new_prompt, 1.0)) / rf.memory_rate
    if compute >= memory:
        return "compute"
    return "memory alone; priced as compute (batched)"


def _context_row(name: str, res: Resolution, prices: PriceCatalog, context: int
                 ) -> tuple[object, ...]:
    t = typical_request(context)
    cost = _cost(res, t)
    price = prices.price_for(name, f"{name}, a model the tables show")
    api = api_value_usd(price, t) if price else None
    out_per_m = _per_mtok(res, Tokens(input=t.input, cache_read=t.cache_read),
                          Tokens(output=TYPICAL_OUTPUT), TYPICAL_OUTPUT)
    if res.serving.mode == "roofline":
        rf = Roofline.from_resolution(res)
        b = rf.request(t)
        fits = rf.kv_capacity_tokens / max(t.decode_context, 1.0)
        if fits < 1:
            assumption = "KV cache of one sequence exceeds free HBM; priced at batch 1"
        elif b.batch < rf.max_batch:
            assumption = (f"batch limited by KV memory: {rf.kv_capacity_bytes / 1e9:,.0f} GB "
                          f"free / {rf.kv_bytes_per_token * t.decode_context / 1e9:,.2f} GB "
                          f"per sequence")
        else:
            assumption = f"batch at the profile's target {rf.max_batch}"
        return (name, context, b.gpu_seconds, b.replica_seconds, cost, out_per_m,
                _prefill_bound(rf, t), b.decode_bound, b.batch, api, assumption, res.assumed)
    if res.serving.mode == "measured":
        s = res.serving
        seconds = cost * 3600.0 * s.utilization / s.usd_per_hour
        return (name, context, None, seconds, cost, out_per_m, "measured", "measured", None,
                api, "throughput as measured (by context bucket if given)", res.assumed)
    return (name, context, None, None, cost, out_per_m, "rate card", "rate card", None, api,
            "marginal cost is an API bill", res.assumed)


CLASS_COLUMNS = [  # $ per million tokens of each class (marginal, or fully loaded)
    Col("input_usd_per_mtok", "usd_rate", "input $/M"),
    Col("cache_write_usd_per_mtok", "usd_rate", "cache write $/M"),
    Col("cache_write_1h_usd_per_mtok", "usd_rate", "cache write 1h $/M"),
    Col("cache_read_usd_per_mtok", "usd_rate", "cache read $/M"),
    Col("output_1k_usd_per_mtok", "usd_rate", "output $/M @1k"),
    Col("output_128k_usd_per_mtok", "usd_rate", "output $/M @128k"),
]
PER_CLASS_COLUMNS = [
    Col("model", "str"), Col("profile", "str"), Col("serving", "str"), Col("mode", "str"),
    Col("hardware", "str"), Col("cost_assumed", "bool", "assumed"),
    *CLASS_COLUMNS,
    Col("training_usd_per_mtok", "usd_rate", "training $/M (loaded)"),
    Col("api_input_usd_per_mtok", "usd_rate", "API input $/M"),
    Col("api_cache_write_usd_per_mtok", "usd_rate", "API cache write $/M"),
    Col("api_cache_write_1h_usd_per_mtok", "usd_rate", "API cache write 1h $/M"),
    Col("api_cache_read_usd_per_mtok", "usd_rate", "API cache read $/M"),
    Col("api_output_usd_per_mtok", "usd_rate", "API output $/M"),
    Col("assumption", "str"),
]
LOADED_COLUMNS = [
    Col("model", "str"), Col("overhead_share", "share", "overhead"),
    Col("training_usd_per_mtok", "usd_rate", "training $/M"),
    *CLASS_COLUMNS,
]
CONTEXT_COLUMNS = [
    Col("model", "str"), Col("context_tokens", "tokens", "context"),
    Col("gpu_seconds", "float", "GPU-s"), Col("replica_seconds", "float", "replica-s"),
    Col("gpu_cost_usd", "usd_rate", "GPU cost"),
    Col("output_usd_per_mtok", "usd_rate", "output $/M"),
    Col("prefill_bound", "str"), Col("decode_bound", "str"),
    Col("batch", "float", "batch that fits"), Col("api_value_usd", "usd_rate", "API value"),
    Col("assumption", "str"), Col("cost_assumed", "bool", "assumed"),
]


def _price_source(catalog: CostCatalog, res: Resolution) -> str | None:
    s, hw = res.serving, res.hardware
    mine = catalog.overrides("serving", s.key)
    if s.mode == "roofline":
        if s.usd_per_gpu_hour and "usd_per_gpu_hour" in mine:
            return f"overridden in {catalog.override_file}"
        if s.usd_per_gpu_hour:
            return "serving profile"
        return gpu_price_source(catalog, hw) if hw else None
    if s.mode == "measured":
        return (f"overridden in {catalog.override_file}" if "usd_per_hour" in mine
                else "serving profile")
    return None


def _buckets(s: ServingProfile) -> str | None:
    if not s.buckets:
        return None
    each = "; ".join(f"<= {b.max_context:,.0f}: {b.prefill_tokens_per_s:,.0f} / "
                     f"{b.decode_tokens_per_s:,.0f}" for b in s.buckets)
    return each + " (prefill / decode tok/s)"


def _rate_card(s: ServingProfile) -> str | None:
    if s.mode != "rate_card":
        return None
    return (f"input {s.usd_per_mtok_input:g}, cache write {s.usd_per_mtok_cache_write:g}, "
            f"1h {s.usd_per_mtok_cache_write_1h:g}, cache read {s.usd_per_mtok_cache_read:g}, "
            f"output {s.usd_per_mtok_output:g}" + _long_tier(s))


def _long_tier(s: ServingProfile) -> str:
    if not s.long_context_threshold:
        return ""
    return (f"; above {s.long_context_threshold:,} prompt tokens the whole request at input "
            f"{s.usd_per_mtok_long_input:g}, cache write {s.usd_per_mtok_long_cache_write:g}, "
            f"1h {s.usd_per_mtok_long_cache_write_1h:g}, cache read "
            f"{s.usd_per_mtok_long_cache_read:g}, output {s.usd_per_mtok_long_output:g}")


def _assumption_rows(catalog: CostCatalog, resolutions: list[Resolution]
                     ) -> list[tuple[object, ...]]:
    seen: dict[str, tuple[object, ...]] = {}
    for res in resolutions:
        s = res.serving
        if s.key in seen:
            continue
        hw = res.hardware
        roof, measured = s.mode == "roofline", s.mode == "measured"
        changed = catalog.overrides("serving", s.key)
        source = f"{s.source} (as of {s.as_of})"
        if changed:
            source += f"; overridden in {catalog.override_file}: {', '.join(changed)}"
        flat = measured and not s.buckets  # with buckets, each bucket's rates price
        if measured and s.buckets and (s.prefill_tokens_per_s or s.decode_tokens_per_s):
            source += ("; its top-level prefill/decode tok/s are not used (the buckets price "
                       "every context)")
        seen[s.key] = (
            s.key, s.mode, hw.name if hw else None, s.gpus or None,
            s.precision if roof else None, res.usd_per_gpu_hour if roof else None,
            _price_source(catalog, res),
            s.mfu or None, s.mbu or None, s.max_batch if roof else None,
            s.utilization if s.mode != "rate_card" else None,
            s.cache_read_model if roof else None,
            s.memory_fraction if roof else None,
            s.cache_read_gb_per_s if roof and s.cache_read_model == "kv_transfer" else None,
            (s.cache_read_prefill_fraction
             if roof and s.cache_read_model == "prefill_fraction" else None),
            s.usd_per_hour if measured else None,
            s.prefill_tokens_per_s if flat else None,
            s.decode_tokens_per_s if flat else None,
            s.cache_read_tokens_per_s if measured else None,
            _buckets(s), _rate_card(s), s.discount if s.mode == "rate_card" else None,
            s.overhead_share, source,
        )
    return list(seen.values())


ASSUMPTION_COLUMNS = [
    Col("serving", "str"), Col("mode", "str"), Col("hardware", "str"), Col("gpus", "int"),
    Col("precision", "str"), Col("usd_per_gpu_hour", "usd", "$/GPU-h"),
    # the serving TOML's mfu, mbu, utilization, memory_fraction, cache_read_prefill_fraction
    # and discount: fractions, so their keys end in _share (the output's naming rule)
    Col("price_source", "str"), Col("mfu_share", "share", "MFU (prefill)"),
    Col("mbu_share", "share", "MBU (decode)"), Col("max_batch", "int", "target batch"),
    Col("utilization_share", "share", "utilization"), Col("cache_read_model", "str"),
    Col("memory_share", "share", "HBM share for weights + KV"),
    Col("cache_read_gb_per_s", "float", "cache read GB/s"),
    Col("cache_read_prefill_share", "share", "cache read / prefill"),
    Col("usd_per_hour", "usd", "$/replica-h"),
    Col("prefill_tokens_per_s", "float", "prefill tok/s"),
    Col("decode_tokens_per_s", "float", "decode tok/s"),
    Col("cache_read_tokens_per_s", "float", "cache read tok/s"),
    Col("buckets", "str", "context buckets"),
    Col("rate_card_usd_per_mtok", "str", "rate card $/M"),
    Col("discount_share", "share", "discount"),
    Col("overhead_share", "share", "overhead (loaded)"), Col("source", "str"),
]


def costs_tables(catalog: CostCatalog, prices: PriceCatalog,
                 models: Sequence[str] | None = None) -> list[Table]:
    """Tables for ``planalyzer costs``: the logged ``models`` (or every catalog model)."""
    names = _names(catalog, prices, models)
    resolutions = [catalog.resolve(n) for n in names]
    class_rows = [_per_class_row(n, r, prices) for n, r in zip(names, resolutions, strict=True)]
    per_class = Table(
        "cost_per_mtok", "Marginal GPU cost per million tokens, by token class",
        PER_CLASS_COLUMNS, class_rows,
        notes=[
            "Marginal: GPU time / fleet utilization x $/GPU-hour (docs/costs.md). Input and "
            f"cache writes: a fresh {SHORT_PROMPT:,}-token prompt (prefill, nothing read "
            f"from the cache; attention makes a longer prompt cost more per token); cache "
            f"reads: {SHORT_PROMPT:,} read on top of a {SHORT_PROMPT:,}-token prompt; "
            f"output: {SHORT_PROMPT:,} tokens after 1k and after 128k tokens of context (long "
            "contexts cost more per token).",
            "training $/M is the fully loaded view's amortized training (training cost / "
            "lifetime tokens), never part of the marginal cost.",
            "API columns are list prices (facts.md section 3), for comparison; cache write "
            "is the 5-minute write, cache write 1h the 1-hour one; above a model's "
            "long-context threshold the whole request bills at its long-context prices.",
        ])
    loaded = Table(
        "cost_loaded_per_mtok", "Fully loaded cost per million tokens, by token class",
        LOADED_COLUMNS,
        [_loaded_row(row, r) for row, r in zip(class_rows, resolutions, strict=True)],
        notes=["Fully loaded = marginal GPU cost x (1 + overhead share) + amortized training "
               "per token (docs/costs.md), at the same requests as the marginal table; a "
               "separate view, never mixed into the marginal figures."])
    by_context = Table(
        "cost_by_context", "A typical request at each context length",
        CONTEXT_COLUMNS,
        [_context_row(n, r, prices, c) for n, r in zip(names, resolutions, strict=True)
         for c in CONTEXTS],
        notes=[f"Typical request: a prompt of the context length, {1 - TYPICAL_NEW_SHARE:.0%} "
               f"of it read from the cache, and {TYPICAL_OUTPUT} output tokens. Prefill is "
               f"compute-bound; decode is bound by memory bandwidth until the batch passes "
               f"the ridge point. prefill_bound is that of the request's prefill run alone; "
               f"it is priced as compute either way (chunked prefill shares weight reads "
               f"with the batch).",
               "The 200k request has exactly 200,000 prompt tokens, so at the shipped list "
               "prices its API value is at the standard price; above 200k Claude Sonnet "
               "4/4.5 and Gemini 2.5 Pro bill the WHOLE request at their long-context prices "
               "(a --prices file's tiers apply from its own thresholds; docs/costs.md)."],
        keys=("model", "context_tokens"))
    assumptions = Table("cost_assumptions", "What the costs rest on (serving profiles)",
                        ASSUMPTION_COLUMNS, _assumption_rows(catalog, resolutions),
                        notes=["Override any of these with --costs FILE (docs/costs.md)."])
    shapes = Table(
        "cost_models", "What the costs rest on (model profiles and training)",
        MODEL_COLUMNS, [_model_row(catalog, n, r) for n, r in zip(names, resolutions, strict=True)],
        notes=["The model shape the roofline prices with (docs/costs.md): params in "
               "billions (active: read per token; routed: the experts' share), KV values per "
               "layer (0: 2 x KV heads x head dim), bytes per weight and per KV value; a "
               "measured or rate-card serving profile prices without the shape.",
               "training $/M (fully loaded view only) = training cost / lifetime tokens, the "
               "route's where it names them, else the profile's. Override with --costs FILE."])
    return [per_class, loaded, by_context, assumptions, hardware_table(catalog, resolutions),
            shapes]


def _training_from(catalog: CostCatalog, res: Resolution) -> str:
    """Where the training cost and lifetime tokens come from (catalog._training_of): the
    route where it sets a figure, else none on a rate card, else the model profile; both
    origins named when the two figures come from different ones."""
    route = catalog.route(res.logged) if res.how == "route" else None

    def origin(route_value: float | None) -> str:
        if route is not None and route_value is not None:
            return f"route {route.pattern}"
        if res.serving.mode == "rate_card":
            return "none (rate card)"
        return f"profile {res.model.key}"

    cost = origin(route.training_cost_usd if route else None)
    lifetime = origin(route.lifetime_tokens if route else None)
    return cost if cost == lifetime else f"{cost} (cost), {lifetime} (lifetime)"


def _model_row(catalog: CostCatalog, name: str, res: Resolution) -> tuple[object, ...]:
    m = res.model
    return (name, m.key, res.how, m.params_total_b, m.params_active_b, m.params_routed_b,
            m.experts or None, m.experts_active or None, m.layers, m.heads, m.kv_heads,
            m.head_dim, m.kv_values_per_layer, m.weight_bytes, m.kv_bytes,
            m.kv_bytes_per_token, res.training_cost_usd, res.lifetime_tokens,
            res.training_usd_per_token * 1e6, _training_from(catalog, res),
            f"{m.source} (as of {m.as_of})")


MODEL_COLUMNS = [
    Col("model", "str"), Col("profile", "str"), Col("resolved_by", "str", "resolved by"),
    Col("params_total_b", "float", "params total (B)"),
    Col("params_active_b", "float", "params active (B)"),
    Col("params_routed_b", "float", "params routed (B)"),
    Col("experts", "int"), Col("experts_active", "int", "experts active"),
    Col("layers", "int"), Col("heads", "int"), Col("kv_heads", "int", "KV heads"),
    Col("head_dim", "int", "head dim"),
    Col("kv_values_per_layer", "int", "KV values per layer"),
    Col("weight_bytes", "float", "bytes per weight"), Col("kv_bytes", "float", "bytes per KV"),
    Col("kv_bytes_per_token", "float", "KV bytes per token"),
    Col("training_cost_usd", "usd", "training cost"),
    Col("lifetime_tokens", "float", "lifetime tokens"),
    Col("training_usd_per_mtok", "usd_rate", "training $/M"),
    Col("training_from", "str", "training from"),
    Col("source", "str", "profile source"),
]


# ------------------------------------------------------------------ sensitivity

_STEP = 0.01


def _scaled(res: Resolution, knob: str, factor: float) -> Resolution | None:
    s = res.serving
    if knob == "gpu_price":
        if s.mode == "roofline":
            return replace(res, serving=replace(s, usd_per_gpu_hour=res.usd_per_gpu_hour
                                                * factor))
        if s.mode == "measured":
            return replace(res, serving=replace(s, usd_per_hour=s.usd_per_hour * factor))
        return None
    if knob == "utilization" and s.mode != "rate_card":
        return replace(res, serving=replace(s, utilization=s.utilization * factor))
    if knob == "mfu" and s.mode == "roofline":
        return replace(res, serving=replace(s, mfu=s.mfu * factor))
    if knob == "mbu" and s.mode == "roofline":
        return replace(res, serving=replace(s, mbu=s.mbu * factor))
    if knob == "max_batch" and s.mode == "roofline":
        return replace(res, serving=replace(s, max_batch=max(1, round(s.max_batch * factor))))
    if knob == "memory_fraction" and s.mode == "roofline":
        return replace(res, serving=replace(s, memory_fraction=s.memory_fraction * factor))
    if knob == "throughput" and s.mode == "measured":
        return replace(res, serving=replace(
            s, prefill_tokens_per_s=s.prefill_tokens_per_s * factor,
            decode_tokens_per_s=s.decode_tokens_per_s * factor,
            buckets=tuple(replace(b, prefill_tokens_per_s=b.prefill_tokens_per_s * factor,
                                  decode_tokens_per_s=b.decode_tokens_per_s * factor)
                          for b in s.buckets)))
    return None


def _batch_elasticity(res: Resolution, t: Tokens) -> float:
    """d ln(cost) / d ln(batch) for the batch actually used: 0 where KV memory (not the
    target) limits it; at the target, a +-1% central step of the continuous batch, the upper
    step capped where KV memory would take over (one-sided at that kink)."""
    rf = Roofline.from_resolution(res)
    b = rf.batch_at(t.decode_context)
    if b < rf.max_batch:
        return 0.0
    fit = rf.kv_capacity_tokens / max(t.decode_context, 1.0)
    hi, lo = min(b * (1 + _STEP), max(fit, b)), b * (1 - _STEP)
    c_hi, c_lo = rf.request(t, hi).cost_usd, rf.request(t, lo).cost_usd
    if c_hi <= 0 or c_lo <= 0:
        return 0.0
    return (math.log(c_hi) - math.log(c_lo)) / (math.log(hi) - math.log(lo))


def elasticity(res: Resolution, knob: str, t: Tokens) -> float | None:
    """d ln(cost) / d ln(knob), by a central difference of +-1%; None where it does not apply.
    The batch knob is the batch actually used (see _batch_elasticity)."""
    if knob == "max_batch":
        return _batch_elasticity(res, t) if res.serving.mode == "roofline" else None
    up, down = _scaled(res, knob, 1 + _STEP), _scaled(res, knob, 1 - _STEP)
    if up is None or down is None:
        return None
    try:
        hi, lo = _cost(up, t), _cost(down, t)
    except ConfigError:  # 1% less memory no longer holds the weights: no local elasticity
        return None
    if hi <= 0 or lo <= 0:
        return 0.0
    return (math.log(hi) - math.log(lo)) / (math.log(1 + _STEP) - math.log(1 - _STEP))


KNOBS: tuple[tuple[str, str], ...] = (
    ("gpu_price", "e_gpu_price"), ("utilization", "e_utilization"), ("mfu", "e_mfu"),
    ("mbu", "e_mbu"), ("max_batch", "e_batch"), ("memory_fraction", "e_memory_fraction"),
    ("throughput", "e_throughput"),
)


def sensitivity_tables(catalog: CostCatalog, prices: PriceCatalog,
                       models: Sequence[str] | None = None,
                       contexts: Sequence[int] = (1_000, 32_000, 128_000)) -> list[Table]:
    """Elasticities of a typical request's GPU cost to each assumption: which one matters.
    ``prices`` only name the models to show without logs (API list value does not depend on
    serving assumptions)."""
    rows: list[tuple[object, ...]] = []
    for name in _names(catalog, prices, models):
        res = catalog.resolve(name)
        for c in contexts:
            t = typical_request(c)
            es = [elasticity(res, knob, t) for knob, _ in KNOBS]
            known = [(abs(e), k) for e, (k, _) in zip(es, KNOBS, strict=True)
                     if e is not None and k not in ("gpu_price", "utilization")]
            top = max(known)[1] if known else "none (rate card)"
            rows.append((name, c, _cost(res, t), *es, top, res.assumed))
    cols: list[Col] = [Col("model", "str"), Col("context_tokens", "tokens", "context"),
                       Col("gpu_cost_usd", "usd_rate", "GPU cost")]
    cols += [Col(key, "float", key.removeprefix("e_")) for _, key in KNOBS]
    cols += [Col("largest_efficiency_lever", "str"), Col("cost_assumed", "bool", "assumed")]
    return [Table(
        "cost_sensitivity", "How a typical request's GPU cost moves with each assumption",
        cols, rows,
        notes=["Elasticity: % change in cost per 1% change in the assumption (-1: cost halves "
               "when it doubles; 0: no effect). Price is +1 and utilization -1 by "
               "construction; MFU weighs prefill, MBU decode, batch only while the target "
               "batch limits it, memory_fraction (the KV memory beside the weights) where KV "
               "memory limits it: long contexts."], keys=("model", "context_tokens"))]
