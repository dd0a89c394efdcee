"""Today's numbers per plan, as a month: the base that sensitivity, break-even and projection
start from. Every figure is the report's own (``ReportData.user_months``), averaged over the
billing months of the report period (use ``--month`` to base it on one month)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from planalyzer.analysis import TOKENS, ReportData
from planalyzer.exact_sums import fsum
from planalyzer.plans import NO_PLAN

ALL = "(all plans)"


@dataclass(frozen=True)
class PlanBase:
    """One plan's average month (``ALL``: every plan with a price list entry together)."""

    plan: str
    plan_orders: tuple[int, ...]
    months: int
    user_months: int
    revenue_usd: float  # per month
    fixed_revenue_usd: float  # subscriptions + prepaid credits: does not move with usage
    gpu_cost_usd: float
    loaded_cost_usd: float
    api_value_usd: float
    tokens: float

    @property
    def subscribers(self) -> float:
        """Paying users in an average month (user-months / months)."""
        return self.user_months / self.months if self.months else 0.0

    @property
    def margin_usd(self) -> float:
        return self.revenue_usd - self.gpu_cost_usd

    @property
    def loaded_margin_usd(self) -> float:
        return self.revenue_usd - self.loaded_cost_usd

    def per_subscriber(self, value: float) -> float | None:
        return value / self.subscribers if self.subscribers else None


def _base(plan: str, g: pl.DataFrame, months: int) -> PlanBase:
    def tot(c: str) -> float:
        # exact: the same bits whatever order the plan's user-months are in
        return fsum(g[c]) / months if months else 0.0
    return PlanBase(
        plan=plan, plan_orders=tuple(sorted(int(x) for x in g["plan_order"].unique())),
        months=months, user_months=len(g), revenue_usd=tot("revenue_usd"),
        fixed_revenue_usd=tot("subscription_usd") + tot("credits_usd"),
        gpu_cost_usd=tot("gpu_cost_usd"), loaded_cost_usd=tot("loaded_cost_usd"),
        api_value_usd=tot("api_value_usd"),
        tokens=sum(tot(t) for t in TOKENS))


def plan_bases(data: ReportData) -> list[PlanBase]:
    """Per plan (catalog order) and all plans together; users with no plan are left out
    (they bring cost but no revenue: the report shows them)."""
    um = data.user_months.filter(pl.col("plan") != NO_PLAN)
    months = data.user_months["month_key"].n_unique()
    out = [_base(str(plan), g, months)
           for (plan,), g in um.sort("plan_order").group_by("plan", maintain_order=True)]
    if out:
        out.insert(0, _base(ALL, um, months))
    return out


def no_plan_note(data: ReportData) -> list[str]:
    n = data.user_months.filter(pl.col("plan") == NO_PLAN)["user_id"].n_unique()
    if not n:
        return []
    return [f"{n} user(s) with no plan are left out (cost without revenue; see the report)"]


def months_note(data: ReportData) -> str:
    months = sorted(data.user_months["month"].unique().to_list())
    part = ""
    if data.partial_months:
        part = (f"; {', '.join(data.partial_months)} covered only in part (a full month's "
                "price against part of its usage: margins read high; see the plans table's "
                "note)")
    if len(months) == 1:
        return f"base: billing month {months[0]}{part}"
    return (f"base: the average of {len(months)} billing months ({months[0]} to "
            f"{months[-1]}){part}; give --month to base it on one; subscribers = user-months "
            "/ months (an average month: fractional when some users are active in only some "
            "months)")
