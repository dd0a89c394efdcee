"""Tornado: contribution margin per plan when one cost assumption moves over its range.

Revenue is fixed (the served set does not depend on the cost model); each end of each range
re-prices the served requests exactly (planalyzer.economics.reprice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from planalyzer.economics.base import PlanBase
from planalyzer.economics.knobs import DEFAULT_KNOBS, Knob, apply_setting, base_value
from planalyzer.economics.reprice import Repricer


@dataclass(frozen=True)
class TornadoRow:
    plan: str
    knob: Knob
    base_setting: str
    revenue_usd: float
    base_cost_usd: float
    low_cost_usd: float
    high_cost_usd: float

    @property
    def base_margin_usd(self) -> float:
        return self.revenue_usd - self.base_cost_usd

    @property
    def low_margin_usd(self) -> float:
        return self.revenue_usd - self.low_cost_usd

    @property
    def high_margin_usd(self) -> float:
        return self.revenue_usd - self.high_cost_usd

    @property
    def swing_usd(self) -> float:
        return abs(self.high_margin_usd - self.low_margin_usd)

    @property
    def sign_flips(self) -> bool:
        ms = (self.low_margin_usd, self.base_margin_usd, self.high_margin_usd)
        return min(ms) < 0 <= max(ms)


def _sum(costs: dict[int, tuple[float, float]], orders: Sequence[int]) -> float:
    return sum(costs.get(o, (0.0, 0.0))[0] for o in orders)


def tornado(bases: Sequence[PlanBase], repricer: Repricer,
            knobs: Sequence[Knob] = DEFAULT_KNOBS) -> list[TornadoRow]:
    """Rows per plan (in ``bases`` order), within a plan by swing, largest first.

    Each end is priced as the report's base cost plus the exact change in cost that the
    re-pricing finds, so the base column equals the report to the cent.
    """
    base_costs = repricer.cost_by_plan()
    ends: dict[str, tuple[dict[int, tuple[float, float]], dict[int, tuple[float, float]]]] = {}
    for k in knobs:
        low = {m: apply_setting(r, k.name, k.low) for m, r in repricer.base.items()}
        high = {m: apply_setting(r, k.name, k.high) for m, r in repricer.base.items()}
        ends[k.name] = (repricer.cost_by_plan(low), repricer.cost_by_plan(high))
    rows: list[TornadoRow] = []
    for b in bases:
        per: list[TornadoRow] = []
        base_here = _sum(base_costs, b.plan_orders) / b.months
        models = {m for o in b.plan_orders for m in repricer.models_of.get(o, ())}
        for k in knobs:
            lo, hi = ends[k.name]
            values = sorted({v for m in models
                             if (v := base_value(repricer.base[m], k.name)) is not None})
            per.append(TornadoRow(
                b.plan, k, ", ".join(values) or "n/a", b.revenue_usd, b.gpu_cost_usd,
                b.gpu_cost_usd + _sum(lo, b.plan_orders) / b.months - base_here,
                b.gpu_cost_usd + _sum(hi, b.plan_orders) / b.months - base_here))
        rows += sorted(per, key=lambda r: -r.swing_usd)
    return rows

