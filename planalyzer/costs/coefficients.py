"""Per-model pricing coefficients: the catalog reduced to numbers a SQL pass can apply.

Every mode becomes one closed-form formula over a request's own tokens (see
``sql/price_events.sql`` and :func:`coefficient_cost`, its pure twin)::

    n   = input + cache_write + cache_write_1h          new prompt tokens (prefilled)
    ctx = n + cache_read + output / 2                   mean context while decoding
    1/B = max(1 / max_batch, min(1, ctx / kv_capacity_tokens))   the batch that fits
    gpu = c_in*input + c_cw*cache_write + c_cw1h*cache_write_1h + c_cr*cache_read
        + c_out*output + c_attn * n * (cache_read + n/2)
        + output * max((d_dense + d_routed * (1 - exp(moe_lnq * B))) / B + d_kv*ctx,
                       d_flop + d_flop_ctx*ctx)

(moe_lnq = ln(1 - k/E); exp(moe_lnq * B) = (1 - k/E)^B. The batch is the continuous quotient of
KV memory over one sequence's KV bytes, the mean over a population of requests.)

A row applies to requests whose ``ctx`` lies in (ctx_lo, ctx_hi] and whose prompt
(``n + cache_read``) lies in (prompt_lo, prompt_hi]: one row per model for the roofline, one per
context bucket for measured throughput, one per price tier for a rate card (two where it has a
long-context tier: the whole request at the long prices above the threshold). An aggregated row
compares its means, total / requests (a correctly rounded quotient: a mean of exactly an edge
is the edge), with the edges.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

from planalyzer.costs.catalog import Resolution, ServingProfile
from planalyzer.costs.prices import ApiPrice, ClassPrices
from planalyzer.costs.roofline import Roofline, Tokens

INF = math.inf


@dataclass(frozen=True)
class Coefficients:
    model: str
    ctx_lo: float
    ctx_hi: float
    prompt_lo: float = -INF
    prompt_hi: float = INF
    c_in: float = 0.0
    c_cw: float = 0.0
    c_cw1h: float = 0.0
    c_cr: float = 0.0
    c_out: float = 0.0
    c_attn: float = 0.0
    d_dense: float = 0.0
    d_routed: float = 0.0
    moe_lnq: float = -INF
    inv_max_batch: float = 1.0
    inv_kv_capacity_tokens: float = 0.0
    d_kv: float = 0.0
    d_flop: float = 0.0
    d_flop_ctx: float = 0.0
    training_per_token: float = 0.0
    overhead_share: float = 0.0
    cost_assumed: bool = False
    # API list prices, USD per token; NaN where no price is known
    api_in: float = math.nan
    api_cw: float = math.nan
    api_cw1h: float = math.nan
    api_cr: float = math.nan
    api_out: float = math.nan
    api_threshold: float = INF
    api_long_in: float = math.nan
    api_long_cw: float = math.nan
    api_long_cw1h: float = math.nan
    api_long_cr: float = math.nan
    api_long_out: float = math.nan


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Coefficients))


def _roofline_rows(model: str, rf: Roofline) -> list[Coefficients]:
    usd = rf.usd_per_replica_second
    flop = usd / rf.compute_rate    # $ per FLOP
    byte = usd / rf.memory_rate     # $ per byte read in decode
    prefill = 2.0 * rf.active_params * flop
    return [Coefficients(
        model=model, ctx_lo=-INF, ctx_hi=INF,
        c_in=prefill, c_cw=prefill, c_cw1h=prefill,
        c_cr=rf.cache_read_seconds(1.0) * usd,
        c_attn=4.0 * rf.attention_dim * flop,
        d_dense=rf.dense_weight_bytes * byte, d_routed=rf.routed_weight_bytes * byte,
        # ln of the routed weights a step leaves unread; -inf (EXP gives 0: all read) for a
        # dense model and for one whose every expert is active
        moe_lnq=(math.log(rf.moe_unread_share) if rf.experts and rf.moe_unread_share > 0
                 else -INF),
        inv_max_batch=1.0 / rf.max_batch, inv_kv_capacity_tokens=1.0 / rf.kv_capacity_tokens,
        d_kv=rf.kv_bytes_per_token * byte,
        d_flop=2.0 * rf.active_params * flop, d_flop_ctx=4.0 * rf.attention_dim * flop,
    )]


def _measured_rows(model: str, s: ServingProfile) -> list[Coefficients]:
    usd = s.usd_per_hour / 3600.0 / s.utilization  # $ per busy replica-second
    buckets = [(b.max_context, b.prefill_tokens_per_s, b.decode_tokens_per_s)
               for b in s.buckets] or [(INF, s.prefill_tokens_per_s, s.decode_tokens_per_s)]
    rows: list[Coefficients] = []
    lo = -INF
    cr = usd / s.cache_read_tokens_per_s if s.cache_read_tokens_per_s > 0 else 0.0
    for i, (hi, pre, dec) in enumerate(buckets):
        top = INF if i == len(buckets) - 1 else hi  # longer than the last bucket: the last
        rows.append(Coefficients(model=model, ctx_lo=lo, ctx_hi=top, c_in=usd / pre,
                                 c_cw=usd / pre, c_cw1h=usd / pre, c_cr=cr, c_out=usd / dec))
        lo = hi
    return rows


def _rate_card_rows(model: str, s: ServingProfile) -> list[Coefficients]:
    k = (1.0 - s.discount) / 1e6
    base = Coefficients(model=model, ctx_lo=-INF, ctx_hi=INF,
                        c_in=s.usd_per_mtok_input * k, c_cw=s.usd_per_mtok_cache_write * k,
                        c_cw1h=s.usd_per_mtok_cache_write_1h * k,
                        c_cr=s.usd_per_mtok_cache_read * k, c_out=s.usd_per_mtok_output * k)
    if not s.long_context_threshold:
        return [base]
    edge = float(s.long_context_threshold)
    return [replace(base, prompt_hi=edge),
            Coefficients(model=model, ctx_lo=-INF, ctx_hi=INF, prompt_lo=edge,
                         c_in=s.usd_per_mtok_long_input * k,
                         c_cw=s.usd_per_mtok_long_cache_write * k,
                         c_cw1h=s.usd_per_mtok_long_cache_write_1h * k,
                         c_cr=s.usd_per_mtok_long_cache_read * k,
                         c_out=s.usd_per_mtok_long_output * k)]


def _api_fields(price: ApiPrice | None) -> dict[str, float]:
    if price is None:
        return {}
    out = {"api_in": price.base.input / 1e6, "api_cw": price.base.cache_write / 1e6,
           "api_cw1h": price.base.cache_write_1h / 1e6, "api_cr": price.base.cache_read / 1e6,
           "api_out": price.base.output / 1e6}
    long: ClassPrices = price.long or price.base
    out.update(api_threshold=float(price.long_context_threshold) if price.long else INF,
               api_long_in=long.input / 1e6, api_long_cw=long.cache_write / 1e6,
               api_long_cw1h=long.cache_write_1h / 1e6, api_long_cr=long.cache_read / 1e6,
               api_long_out=long.output / 1e6)
    return out


def coefficients_for(res: Resolution, price: ApiPrice | None) -> list[Coefficients]:
    """The coefficient rows of one logged model name."""
    s = res.serving
    if s.mode == "roofline":
        rows = _roofline_rows(res.logged, Roofline.from_resolution(res))
    elif s.mode == "measured":
        rows = _measured_rows(res.logged, s)
    else:
        rows = _rate_card_rows(res.logged, s)
    extra = dict(training_per_token=res.training_usd_per_token,
                 overhead_share=s.overhead_share, cost_assumed=res.assumed, **_api_fields(price))
    return [Coefficients(**{**asdict(r), **extra}) for r in rows]


# ------------------------------------------------- the pure twin of sql/price_events.sql


@dataclass(frozen=True)
class PricedRequest:
    gpu_cost_usd: float
    training_cost_usd: float
    overhead_cost_usd: float
    loaded_cost_usd: float
    api_value_usd: float | None


def _row_for(rows: list[Coefficients], ctx: float, prompt: float) -> Coefficients:
    """The row whose (ctx_lo, ctx_hi] holds the mean context and (prompt_lo, prompt_hi] the
    mean prompt."""
    for r in rows:
        if r.ctx_lo < ctx <= r.ctx_hi and r.prompt_lo < prompt <= r.prompt_hi:
            return r
    raise ValueError(f"no coefficient row covers context {ctx}")


def coefficient_cost(rows: list[Coefficients], t: Tokens, requests: float = 1.0
                     ) -> PricedRequest:
    """What the SQL pass computes for one events row (``t`` holds the row's token totals)."""
    r = max(requests, 1.0)
    # means by division, as the SQL: a mean exactly at an edge is the edge
    ctx = (t.new_prompt + t.cache_read + 0.5 * t.output) / r
    prompt = (t.new_prompt + t.cache_read) / r
    c = _row_for(rows, ctx, prompt)
    inv_b = max(c.inv_max_batch, min(1.0, ctx * c.inv_kv_capacity_tokens))
    per_token = max((c.d_dense + c.d_routed * (1.0 - math.exp(c.moe_lnq / inv_b))) * inv_b
                    + c.d_kv * ctx, c.d_flop + c.d_flop_ctx * ctx)
    gpu = (c.c_in * t.input + c.c_cw * t.cache_write + c.c_cw1h * t.cache_write_1h
           + c.c_cr * t.cache_read + c.c_out * t.output
           + c.c_attn * t.new_prompt * (t.cache_read + 0.5 * t.new_prompt) / r
           + t.output * per_token)
    training = c.training_per_token * t.total
    overhead = gpu * c.overhead_share
    api: float | None = None
    if not math.isnan(c.api_in):
        long = prompt > c.api_threshold
        p = ((c.api_long_in, c.api_long_cw, c.api_long_cw1h, c.api_long_cr, c.api_long_out)
             if long else (c.api_in, c.api_cw, c.api_cw1h, c.api_cr, c.api_out))
        api = (p[0] * t.input + p[1] * t.cache_write + p[2] * t.cache_write_1h
               + p[3] * t.cache_read + p[4] * t.output)
    return PricedRequest(gpu, training, overhead, gpu + training + overhead, api)
