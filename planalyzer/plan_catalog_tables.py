"""The plan catalog as tables: what each plan costs, which limits it has and on what evidence."""

from __future__ import annotations

from typing import Any

from planalyzer.accounting import display_path
from planalyzer.plans import Plan, PlanCatalog
from planalyzer.tables import Col, Table


def _overage(plan: Plan) -> str:
    o = plan.overage
    if not plan.limits:
        text = "-"  # nothing to go over
    elif o.policy == "block":
        text = "block"
    elif o.policy == "credits":
        text = f"credits ${o.credits_usd:,.2f}/mo, then ${o.rate_usd:g}/{o.meter}"
    else:
        text = f"payg ${o.rate_usd:g}/{o.meter}"
        if o.monthly_limit_usd is not None:
            text += f" to ${o.monthly_limit_usd:,.0f}/mo"
    if o.estimate and o.policy != "block":
        text += " (estimate)"
    if plan.usage is not None:
        text += f"; usage ${plan.usage.rate_usd:g}/{plan.usage.meter}"
    return text


_WEIGHT_FIELDS = ("request", "api_value_usd", "input", "cache_write", "cache_write_1h",
                  "cache_read", "output")


def _meters_table(catalog: PlanCatalog) -> Table:
    """One row per meter weight: the units a request, an API-list dollar and a token of each
    class count, for the models its glob matches (first match wins)."""
    rows: list[tuple[Any, ...]] = []
    for m in catalog.meters.values():
        for w in m.weights:
            rows.append((m.key, m.unit, w.models, *(getattr(w, f) for f in _WEIGHT_FIELDS),
                         m.estimate))
    return Table("plan_meters", "Meters", [
        Col("meter"), Col("unit"), Col("models"), Col("request", "float", "per request"),
        # the meter's api_value_usd weight: units per API-list dollar, no amount of money
        Col("api_value_weight", "float", "per API $"),
        *(Col(f, "float", f"per {f} token") for f in _WEIGHT_FIELDS[2:]),
        Col("estimate", "bool")], rows,
        ["a request counts request + API value x per API $ + the sum over token classes of "
         "tokens x weight, with the first row of its meter whose models glob matches the model "
         "(docs/report.md, 'Plans, meters, windows'); a model no glob matches counts zero"],
        keys=("meter", "models"))


def catalog_tables(catalog: PlanCatalog) -> list[Table]:
    """``plan_catalog`` (one row per plan), ``plan_limits`` (one row per limit) and
    ``plan_meters`` (one row per meter weight)."""
    plans: list[tuple[Any, ...]] = []
    limits: list[tuple[Any, ...]] = []
    sources: list[str] = []
    for p in catalog.plans.values():
        monthly_if_annual = p.annual_price_usd / 12 if p.annual_price_usd is not None else None
        discount = (1 - monthly_if_annual / p.price_usd
                    if monthly_if_annual is not None and p.price_usd > 0 else None)
        plans.append((p.key, p.name, p.price_usd, p.annual_price_usd, monthly_if_annual,
                      discount, len(p.limits), _overage(p), p.estimated, p.as_of))
        sources.append(f"{p.key}: {p.source}" + (f" ({p.note})" if p.note else ""))
        for lim in p.limits:
            meter = catalog.meters[lim.meter]
            limits.append((p.key, lim.name, lim.window.describe(), lim.meter, meter.unit,
                           lim.cap, lim.estimate or meter.estimate))
    notes = [f"catalog: {display_path(catalog.path)}",
             "estimate = a limit (or its meter, or the overage budget) the vendor does not "
             "publish: a third-party "
             "measurement or an illustration; figures resting on it are marked in reports"]
    if any(p.annual_price_usd is not None for p in catalog.plans.values()):
        notes.append("annual price: shown for reference only; report, what-if and plan fit "
                     "bill every user-month at price / month (subscribers on annual billing "
                     "pay less: their revenue reads high by the annual discount)")
    return [
        Table("plan_catalog", "Plans", [
            Col("plan"), Col("name"), Col("price_usd", "usd", "price / month"),
            Col("annual_price_usd", "usd", "annual price"),
            Col("annual_per_month_usd", "usd", "annual / 12"),
            Col("annual_discount", "share", "annual discount"), Col("limits", "int"),
            Col("overage"), Col("estimate", "bool"), Col("as_of", "str", "as of")],
            plans, [*notes, *sources]),
        Table("plan_limits", "Limits", [
            Col("plan"), Col("limit"), Col("window"), Col("meter"), Col("unit"),
            Col("cap", "float"), Col("estimate", "bool")], limits,
            ["a request is served while every limit's window total is below its cap; past it "
             "the plan's overage policy applies (docs/report.md)"]),
        _meters_table(catalog),
    ]
