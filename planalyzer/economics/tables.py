"""Economics results as ``Table`` objects (every format: table, json, csv, markdown)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from planalyzer.analysis import ReportData
from planalyzer.economics.base import months_note, no_plan_note
from planalyzer.economics.breakeven import BreakEven
from planalyzer.economics.knobs import Knob
from planalyzer.economics.projection import ProjectedMonth
from planalyzer.economics.tornado import TornadoRow
from planalyzer.tables import Col, Table, some_of

ASSUMED = ("ASSUMPTION-DEPENDENT: every cost here rests on the cost catalog's assumptions "
           "(docs/costs.md); closed models are priced as assumed proxy shapes")


def _r(x: Any) -> Any:
    return round(float(x), 6) if isinstance(x, float) else x


def _row(values: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(_r(v) for v in values)


TORNADO_COLS = (
    Col("plan"), Col("assumption"), Col("base_setting", "str", "base"),
    Col("low_setting", "str", "low"), Col("high_setting", "str", "high"),
    Col("revenue_usd", "usd", "revenue"),
    Col("low_margin_usd", "usd", "margin at low"), Col("base_margin_usd", "usd", "margin"),
    Col("high_margin_usd", "usd", "margin at high"), Col("swing_usd", "usd", "swing"),
    Col("margin_sign_flips", "bool", "sign flips"),
    # the settings as numbers: a multiple of each profile's own value (x0.85 -> 0.85) or a
    # value that sets every profile (0.3); the other one is null
    Col("low_factor", "float", "low x"), Col("low_value", "float", "low value"),
    Col("high_factor", "float", "high x"), Col("high_value", "float", "high value"),
)


def tornado_table(data: ReportData, rows: Sequence[TornadoRow], knobs: Sequence[Knob]
                  ) -> Table:
    out = [_row([r.plan, r.knob.name, r.base_setting, r.knob.low.text, r.knob.high.text,
                 r.revenue_usd, r.low_margin_usd, r.base_margin_usd, r.high_margin_usd,
                 r.swing_usd, r.sign_flips, r.knob.low.factor, r.knob.low.absolute,
                 r.knob.high.factor, r.knob.high.absolute])
           for r in rows]
    notes = [
        "contribution margin = revenue - marginal GPU cost, per month; revenue is fixed (caps "
        "count meters, not GPU cost, so the served requests stay the same) and each end "
        "re-prices the served requests exactly through the cost model",
        "base = the values of the serving profiles of the models the plan's users used; "
        "settings: xF = F times each serving profile's own value; a bare number sets every "
        "profile the assumption applies to; rate-card profiles have no GPU price, "
        "utilization, MFU, MBU or batch. Rows within a plan are sorted by swing",
        *[f"{k.name} ({k.unit}) {k.low.text}..{k.high.text}: {k.why}" for k in knobs],
        months_note(data), *no_plan_note(data), ASSUMED,
    ]
    return Table("margin_sensitivity",
                 "Margin sensitivity to the cost assumptions (tornado, per month)",
                 TORNADO_COLS, out, notes, keys=("plan", "assumption"))


BREAK_EVEN_COLS = (
    Col("plan"), Col("subscribers", "float"),
    Col("margin_per_subscriber_usd", "usd", "margin / sub"),
    Col("loaded_margin_per_subscriber_usd", "usd", "loaded margin / sub"),
    Col("margin_usd", "usd", "margin / month"),
    Col("fixed_per_month_usd", "usd", "to recover / month"),
    Col("break_even_subscribers", "int", "break-even subs"),
    Col("growth_needed", "float", "x today"),
    Col("break_even_tokens", "tokens", "tokens / month then"),
    Col("loaded_break_even_subscribers", "int", "break-even subs (loaded)"),
    Col("verdict"),
)


def break_even_table(data: ReportData, rows: Sequence[BreakEven]) -> Table:
    out = [_row([r.base.plan, r.base.subscribers, r.margin_per_subscriber_usd,
                 r.loaded_margin_per_subscriber_usd, r.base.margin_usd,
                 r.fixed_per_month_usd, r.break_even_subscribers,
                 r.growth_needed, r.break_even_tokens, r.loaded_break_even_subscribers,
                 r.verdict]) for r in rows]
    first = rows[0] if rows else None
    stated = (f"fixed cost ${first.fixed_cost_usd:,.2f} paid back over "
              f"{first.payback_months:g} month(s): ${first.fixed_per_month_usd:,.2f} a month"
              if first else "no plans")
    notes = [
        stated,
        "break-even subscribers = ceil(fixed cost / payback months / margin per subscriber-"
        "month), at today's margin per subscriber (contribution: revenue - marginal GPU cost); "
        "loaded: revenue - (GPU cost + overhead + the catalog's amortized training), the fixed "
        "cost on top; empty where the margin per subscriber is not positive: growth cannot "
        "pay back a negative margin",
        "each plan's row asks what that plan alone would need; (all plans) keeps today's mix; "
        "tokens at break-even assume today's tokens per subscriber",
        months_note(data), *no_plan_note(data), ASSUMED,
    ]
    return Table("break_even", "Break-even: subscribers that pay back the fixed cost",
                 BREAK_EVEN_COLS, out, notes)


PROJECTION_COLS = (
    Col("plan"), Col("month_ahead", "int", "+months"), Col("month"),
    Col("usage_factor", "float", "usage x"), Col("cost_factor", "float", "cost/token x"),
    Col("subscribers", "float"), Col("revenue_usd", "usd", "revenue"),
    Col("gpu_cost_usd", "usd", "marginal cost"), Col("margin_usd", "usd", "contribution margin"),
    Col("loaded_cost_usd", "usd", "loaded cost"),
    Col("loaded_margin_usd", "usd", "loaded margin"),
    Col("served_share", "share", "usage served"),
)


def projection_table(data: ReportData, rows: Sequence[ProjectedMonth], usage_growth: float,
                     cost_decline: float) -> Table:
    out = [_row([r.plan, r.month_ahead, r.month, r.usage_factor, r.cost_factor, r.subscribers,
                 r.revenue_usd, r.gpu_cost_usd, r.margin_usd, r.loaded_cost_usd,
                 r.loaded_margin_usd, r.served_share]) for r in rows]
    notes = [
        f"stated rates: usage per user grows {usage_growth * 100:g}% a month, cost per token "
        f"falls {cost_decline * 100:g}% a month (compounded); month +0 is today",
        "grown usage = each logged request standing for usage x requests of the same size at "
        "the same time; every plan's caps are applied again to it (blocked usage grows too), "
        "so overage and usage charges follow; subscriptions, credits and subscribers stay",
        "usage served = API list value served / API list value asked for; the decline "
        "applies to marginal and fully loaded cost per token alike",
        months_note(data), *no_plan_note(data), ASSUMED,
    ]
    if data.unpriced_models and any(r.served_share is None for r in rows):
        notes.append("usage served is empty (unknown) for plans whose usage includes models "
                     "with no API list price (" + some_of(data.unpriced_models) + "): "
                     "their requests have no API value to share out; give --prices FILE")
    return Table("margin_projection",
                 "Margins projected under usage growth and falling cost per token",
                 PROJECTION_COLS, out, notes, keys=("plan", "month"))
