"""Projection: margins N months ahead under stated growth of usage per user and decline of
cost per token.

Month m (0 = today's average month) applies two factors to today's requests:

* usage: ``(1 + usage_growth)^m``. Every logged request stands for that many requests of the
  same size at the same moment, so every meter (tokens, API dollars, requests) grows by the
  factor, and the plans' caps are applied again to the grown usage with the report's engine
  (planalyzer.caps): what the caps block grows with usage, and the served share falls once
  windows fill. Overage and usage charges follow the re-capped usage; subscriptions and
  prepaid credits do not move.
* cost: ``(1 - cost_decline)^m`` on the cost of every served token (marginal GPU cost, and the
  fully loaded cost with it).

Subscribers stay as today (no churn, no new users, no plan moves); the same users' months are
projected. With zero growth and zero decline every month equals today's report.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from planalyzer.analysis import ReportData, month_label, request_bounds
from planalyzer.caps import Requests, apply_plan, window_starts
from planalyzer.economics.base import PlanBase
from planalyzer.errors import ConfigError, PlanalyzerError
from planalyzer.exact_sums import MONEY, fsum, money_sum
from planalyzer.plans import NO_PLAN, PlanCatalog

MAX_MONTHS = 120


@dataclass(frozen=True)
class ProjectedMonth:
    plan: str
    month_ahead: int
    month: str
    usage_factor: float
    cost_factor: float
    subscribers: float
    revenue_usd: float
    gpu_cost_usd: float
    loaded_cost_usd: float
    served_share: float | None  # API value served / API value asked for

    @property
    def margin_usd(self) -> float:
        return self.revenue_usd - self.gpu_cost_usd

    @property
    def loaded_margin_usd(self) -> float:
        return self.revenue_usd - self.loaded_cost_usd


def _bounds(user_ids: pl.Series) -> pl.Series:
    if not len(user_ids):
        return pl.Series([0], dtype=pl.Int64)
    change = (user_ids != user_ids.shift(1)).fill_null(True)
    return pl.concat([change.arg_true().cast(pl.Int64),
                      pl.Series([len(user_ids)], dtype=pl.Int64)])


def recap(data: ReportData, factor: float) -> pl.DataFrame:
    """Apply every plan's caps again with each request standing for ``factor`` requests:
    per request ``served`` and ``charges_usd`` (overage + usage charges), in replay order."""
    r = data.replay
    if r is None:
        raise PlanalyzerError("projection needs the per-request frame: build the report with "
                              "keep_requests=True")
    df = r.requests
    catalog: PlanCatalog = data.catalog
    served_parts: list[pl.Series] = []
    charge_parts: list[pl.Series] = []
    plan_col = df["plan_order"]
    offsets = _bounds(plan_col).to_list()
    for lo, hi in itertools.pairwise(offsets):
        key = r.order[int(plan_col[lo])]
        if key == NO_PLAN:
            served_parts.append(pl.repeat(True, hi - lo, eager=True))
            charge_parts.append(pl.repeat(0.0, hi - lo, eager=True))
            continue
        plan = catalog.plans[key]
        part = df.slice(lo, hi - lo)
        # windows restart at a change of user or of stint (a plan change, planalyzer.stints)
        req = Requests(request_bounds(part), part["t_us"], part["month_key"],
                       {w: part[f"cal_{i}"] for i, w in enumerate(r.windows)})
        units = {m: u.slice(lo, hi - lo) * factor for m, u in r.units.items()
                 if m in plan.meters_used()}
        # window starts depend on request times only: found once, shared by every factor
        starts = r.starts.get((lo, hi))
        if starts is None or any(lim.window not in starts for lim in plan.limits):
            starts = r.starts[lo, hi] = {lim.window: window_starts(req, lim.window)
                                         for lim in plan.limits}
        out = apply_plan(plan, req, units, starts)
        served_parts.append(out.served)
        charge_parts.append(out.charges_usd)
    if not len(df):
        return pl.DataFrame(schema={"served": pl.Boolean, "charges_usd": pl.Float64})
    return pl.DataFrame({"served": pl.concat(served_parts),
                         "charges_usd": pl.concat(charge_parts)})


def amounts(data: ReportData) -> pl.DataFrame:
    """The period's requests as the projection sums them: plan_order, gpu, loaded and api
    (each request's GPU cost, fully loaded cost and API value as exact decimals,
    ``exact_sums.MONEY``: converted once, summed under every usage factor) and unpriced (1
    for a model with no API list price: the replay's API value of 0 is unknown, not zero)."""
    r = data.replay
    if r is None:
        raise PlanalyzerError("projection needs the per-request frame: build the report with "
                              "keep_requests=True")
    return r.requests.select(
        "plan_order",
        *[pl.col(f"{c}_usd").cast(MONEY).alias(a) for c, a in (
            ("gpu_cost", "gpu"), ("loaded_cost", "loaded"), ("api_value", "api"))],
        pl.col("model").is_in(list(data.unpriced_models)).cast(pl.Int64).alias("unpriced"),
    ).filter(r.keep)


def _sums(data: ReportData, amounts: pl.DataFrame, served: pl.Series, charges: pl.Series
          ) -> pl.DataFrame:
    """Per plan order, the sums over the period's requests (``amounts``) with ``served`` and
    ``charges`` (per request, replay order). Money is summed exactly, to 1e-18 $ a request
    (``exact_sums.money_sum``): the same bits in every run, whatever order polars' threads
    meet the rows in."""
    r = data.replay
    assert r is not None
    s = pl.col("_served")
    return amounts.with_columns(served.filter(r.keep).alias("_served"),
                                charges.filter(r.keep).alias("charges")).group_by(
        "plan_order").agg(
        money_sum("gpu", s), money_sum("loaded", s), money_sum("api", s).alias("api_served"),
        money_sum("api"), money_sum("charges"), pl.col("unpriced").sum())


def check_rates(months: int, usage_growth: float, cost_decline: float) -> None:
    if not 1 <= months <= MAX_MONTHS:
        raise ConfigError(f"--project {months}: give 1 to {MAX_MONTHS} months")
    if not usage_growth > -1 or not math.isfinite(usage_growth):
        raise ConfigError(f"--usage-growth {usage_growth * 100:g}: a monthly % above -100")
    if not 0 <= cost_decline < 1:
        raise ConfigError(f"--cost-decline {cost_decline * 100:g}: a monthly % in [0, 100)")


def project(data: ReportData, bases: Sequence[PlanBase], months: int,
            usage_growth: float = 0.0, cost_decline: float = 0.0) -> list[ProjectedMonth]:
    """Per plan (``bases`` order), months 0..``months``; rates are monthly fractions."""
    check_rates(months, usage_growth, cost_decline)
    last = int(data.user_months["month_key"].max() or 0)  # type: ignore[arg-type]
    first = int(data.user_months["month_key"].min() or 0)  # type: ignore[arg-type]
    # month +0 is the base: the average of the period's months when there are several (its
    # label says so rather than naming the last month, whose own figures differ)
    today = (month_label(last) if first == last
             else f"average {month_label(first)} to {month_label(last)}")
    sums_by_factor: dict[float, pl.DataFrame] = {}
    base = amounts(data)
    r = data.replay
    assert r is not None

    def sums(f: float) -> pl.DataFrame:
        if f not in sums_by_factor:
            if f == 1.0:
                sums_by_factor[f] = _sums(data, base, r.requests["served"],
                                          r.requests["overage_usd"] + r.requests["usage_usd"])
            else:
                out = recap(data, f)
                sums_by_factor[f] = _sums(data, base, out["served"], out["charges_usd"])
        return sums_by_factor[f]

    def total(frame: pl.DataFrame, orders: tuple[int, ...], col: str) -> float:
        # exact over the plans' sums: their order in ``frame`` (a group_by's) never shows
        return fsum(frame.filter(pl.col("plan_order").is_in(list(orders)))[col])

    rows: list[ProjectedMonth] = []
    for b in bases:
        for m in range(months + 1):
            f = (1.0 + usage_growth) ** m
            c = (1.0 - cost_decline) ** m
            frame = sums(f)
            api = total(frame, b.plan_orders, "api")
            # unknown (None) when any request asked for has no API list price: a share of
            # the priced requests alone would read as all served while others are blocked
            unpriced = total(frame, b.plan_orders, "unpriced")
            share = (total(frame, b.plan_orders, "api_served") / api
                     if api and not unpriced else None)
            if f == 1.0:
                # today's served set: the report's own numbers, exactly
                revenue, gpu, loaded = b.revenue_usd, b.gpu_cost_usd, b.loaded_cost_usd
            else:
                revenue = b.fixed_revenue_usd + total(frame, b.plan_orders, "charges") / b.months
                gpu = f * total(frame, b.plan_orders, "gpu") / b.months
                loaded = f * total(frame, b.plan_orders, "loaded") / b.months
            rows.append(ProjectedMonth(b.plan, m, month_label(last + m) if m else today, f, c,
                                       b.subscribers,
                                       revenue, c * gpu, c * loaded, share))
    return rows
