"""The report's tables from ``ReportData``: plans, limits, unprofitable users, concentration,
cross-subsidy and plan fit. Pure arithmetic on the user-month frame; no typer or rich."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import polars as pl

from planalyzer.analysis import TOKENS, ReportData
from planalyzer.checks import check_choice, check_min
from planalyzer.exact_sums import fsum, money_sum
from planalyzer.fit_oversize import oversize_notes
from planalyzer.plans import NO_PLAN, PlanCatalog
from planalyzer.tables import Col, Table, some_of

By = Literal["plan", "user", "month"]
BY_CHOICES: tuple[By, ...] = ("plan", "user", "month")
ESTIMATE_NOTE = ("estimate = the plan's limits are estimates (no vendor figure); "
                 "cost_assumed = some cost rests on an assumed model profile")
COST_ASSUMED_NOTE = "cost_assumed = some cost rests on an assumed model profile"


def _estimate_note(catalog: PlanCatalog) -> str:
    """The legend of the estimate column, only when some plan's limits are estimates."""
    return ESTIMATE_NOTE if any(p.estimated for p in catalog.plans.values()) \
        else COST_ASSUMED_NOTE


def _quantile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    xs = sorted(values)
    if not xs:
        return None
    pos = q * (len(xs) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _r(x: Any, col: Col) -> Any:
    """A figure as the report's tables hold it: floats to 6 decimals (+ 0.0: no -0.0), as
    JSON and CSV write them; an amount (``usd``) unrounded unless it rounds to 0 there, since
    JSON and CSV round it when they write it (``render.formats.stable``) and the terminal and
    markdown show three significant figures of it below a cent ($0.0000663, not the $0.000066
    of 0.000066)."""
    if not isinstance(x, float):
        return x
    r = round(float(x), 6) + 0.0
    return x + 0.0 if col.kind == "usd" and r else r


def _row(values: Sequence[Any], cols: Sequence[Col]) -> tuple[Any, ...]:
    return tuple(_r(v, c) for v, c in zip(values, cols, strict=True))


PLAN_COLS = (
    Col("plan"), Col("month"), Col("subscribers", "int"),
    Col("revenue_usd", "usd", "revenue"), Col("subscription_usd", "usd", "subscriptions"),
    Col("overage_usd", "usd", "overage"), Col("usage_usd", "usd", "usage charges"),
    Col("credits_usd", "usd", "credits"),
    Col("gpu_cost_usd", "usd", "GPU cost"), Col("margin_usd", "usd", "contribution margin"),
    Col("margin_share", "share", "margin %"), Col("loaded_cost_usd", "usd", "loaded cost"),
    Col("loaded_margin_usd", "usd", "loaded margin"), Col("api_value_usd", "usd", "API value"),
)
PLAN_USER_COLS = (
    Col("plan"), Col("month"), Col("subscribers", "int"),
    Col("unprofitable_users", "int", "unprofitable"),
    Col("unprofitable_share", "share", "unprofitable %"), Col("loss_usd", "usd", "their loss"),
    Col("median_cost_usd", "usd", "median cost"), Col("p90_cost_usd", "usd", "p90 cost"),
    Col("p99_cost_usd", "usd", "p99 cost"), Col("blocked_requests", "int", "blocked req"),
    Col("blocked_api_value_usd", "usd", "blocked value"), Col("estimate", "bool"),
    Col("cost_assumed", "bool", "cost assumed"),
)


def _summary_row(plan: str, month: str, g: pl.DataFrame, catalog: PlanCatalog) -> tuple[Any, ...]:
    has_plan = plan not in (NO_PLAN, "(all)")
    def tot(c: str) -> float:  # exact: the same bits in any row order (exact_sums)
        return fsum(g[c])

    def known(c: str) -> float | None:  # unknown (None) if any user-month's is
        return None if g[c].null_count() else tot(c)
    rev = tot("revenue_usd") if plan != NO_PLAN else None
    cost = tot("gpu_cost_usd")
    margin = None if rev is None else rev - cost
    planned = g.filter(pl.col("plan") != NO_PLAN)
    losers = planned.filter(pl.col("margin_usd") < 0)
    costs = g["gpu_cost_usd"].to_list()
    p = catalog.plans.get(plan)
    estimate = bool(p.estimated) if p else (plan == "(all)" and any(
        catalog.plans[k].estimated for k in g["plan"].unique().to_list() if k in catalog.plans))
    def billed(c: str) -> float | None:  # users with no plan are billed nothing: not $0
        return tot(c) if rev is not None else None
    return _row([
        plan, month, g["user_id"].n_unique(), rev, billed("subscription_usd"),
        billed("overage_usd"), billed("usage_usd"), billed("credits_usd"), cost, margin,
        (margin / rev) if (margin is not None and rev) else None, tot("loaded_cost_usd"),
        None if rev is None else rev - tot("loaded_cost_usd"), known("api_value_usd"),
        plan, month, g["user_id"].n_unique(),
        len(losers) if has_plan or plan == "(all)" else None,
        (len(losers) / len(planned)) if len(planned) else None,
        -fsum(losers["margin_usd"]) if len(planned) else None,
        _quantile(costs, 0.5), _quantile(costs, 0.9), _quantile(costs, 0.99),
        int(g["blocked_requests"].sum() or 0), known("blocked_api_value_usd"), estimate,
        bool(g["cost_assumed"].any()),
    ], (*PLAN_COLS, *PLAN_USER_COLS))


def plan_summary(data: ReportData, by: By = "plan") -> list[Table]:
    um = data.user_months
    rows = []
    if by == "month":
        # (all) sums the users with a plan, as the per-plan rows and cross_subsidy do; the
        # cost of serving users with no plan is a row of its own, never folded into a margin
        for (month,), g in um.group_by("month", maintain_order=True):
            has_plan = pl.col("plan") != NO_PLAN
            rows.append(_summary_row("(all)", str(month), g.filter(has_plan), data.catalog))
            if not g.filter(~has_plan).is_empty():
                rows.append(_summary_row(NO_PLAN, str(month), g.filter(~has_plan),
                                         data.catalog))
        title = "Profitability by billing month (all plans)"
    else:
        for (month, plan), g in um.group_by("month", "plan", maintain_order=True):
            rows.append(_summary_row(str(plan), str(month), g, data.catalog))
        title = "Profitability by plan and billing month"
    notes = ["revenue = subscriptions + overage + usage charges + prepaid credits; margin = "
             "revenue - marginal GPU cost; loaded margin = revenue - fully loaded cost; "
             "unprofitable = a user-month with negative margin; costs per user are per month",
             _estimate_note(data.catalog), *_no_plan_note(data, by), *data.notes]
    k = len(PLAN_COLS)
    return [Table("plans", title, PLAN_COLS, [r[:k] for r in rows], notes),
            Table("plan_users", "Users, limits and cost spread per plan and month",
                  PLAN_USER_COLS, [r[k:] for r in rows],
                  ["unprofitable = a user-month with negative margin; median/p90/p99 = GPU "
                   "cost per user-month", _estimate_note(data.catalog)])]


def _no_plan_note(data: ReportData, by: By) -> list[str]:
    """--by month: what (all) covers (the by-plan view says who has no plan in data.notes)."""
    if by != "month":
        return []
    note = "(all) = the users with a plan, the sum of the per-plan rows of --by plan"
    if (data.user_months["plan"] == NO_PLAN).any():
        note += (f"; {NO_PLAN} = the users with no plan, on a row of their own: their GPU "
                 "cost is in no margin, and they are not subscribers of any plan")
    return [note]


def limit_hits(data: ReportData) -> Table:
    um, binds = data.user_months, data.binds
    cols = (Col("plan"), Col("month"), Col("limit"), Col("window"), Col("meter"),
            Col("cap", "float"), Col("users_hit", "int", "users hit"),
            Col("users_hit_share", "share", "share hit"),
            Col("times_bound", "int", "times bound"), Col("estimate", "bool"))
    rows = []
    for (month, plan), g in um.group_by("month", "plan", maintain_order=True):
        p = data.catalog.plans.get(str(plan))
        if p is None:
            continue
        users = g["user_id"].n_unique()
        key = g["month_key"][0]
        for lim in p.limits:
            b = binds.filter((pl.col("limit") == lim.name) & (pl.col("month_key") == key)
                             ).join(g.select("user_id"), on="user_id", how="semi")
            rows.append(_row([plan, month, lim.name, lim.window.describe(), lim.meter, lim.cap,
                              b["user_id"].n_unique(), b["user_id"].n_unique() / users,
                              int(b["times_bound"].sum() or 0), lim.estimate], cols))
    return Table("limits", "How often each limit bound", cols, rows,
                 ["a limit binds when a request arrives with its window's meter at or above "
                  "the cap (counted once per window in each billing month, at its first such "
                  "request of the month in the period: a window exhausted across a month end "
                  "counts in both months)"])


USER_COLS = (
    Col("user_id"), Col("month"), Col("plan"), Col("requests", "int"),
    Col("gpu_cost_usd", "usd", "GPU cost"), Col("loaded_cost_usd", "usd", "loaded cost"),
    Col("api_value_usd", "usd", "API value"), Col("revenue_usd", "usd", "revenue"),
    Col("margin_usd", "usd", "margin"), Col("limits_bound", "str", "limits bound"),
    Col("blocked_requests", "int", "blocked"),
    Col("round_the_clock", "bool", "24/7"), Col("cheapest_plan", "str", "cheapest plan"),
    Col("profitable_plan", "str", "profitable plan"), Col("cost_assumed", "bool", "cost assumed"),
)


def _bind_text(data: ReportData) -> dict[tuple[str, int], str]:
    out: dict[tuple[str, int], str] = {}
    for r in data.binds.sort("limit").iter_rows(named=True):
        k = (r["user_id"], r["month_key"])
        out[k] = (out[k] + ", " if k in out else "") + f"{r['limit']} x{r['times_bound']}"
    return out


def _fit_choice(data: ReportData) -> pl.DataFrame:
    """Per user-month: the buyer's cheapest feasible plan, the seller's cheapest profitable one."""
    schema = {"user_id": pl.String, "month_key": pl.Int64, "cheapest_plan": pl.String,
              "cheapest_cost_usd": pl.Float64, "profitable_plan": pl.String}
    if data.fit is None or not len(data.fit):
        return pl.DataFrame(schema=schema)
    # a plan that charges or caps by API value cannot price usage of a model with no list
    # price: it is no fit for that user-month (``priced``), rather than a free one
    # costs equal to the micro-dollar are a tie, broken by plan name: float noise in the last
    # bits (5.0493031 vs 5.0493030999999995, summed in another order) never picks the plan
    f = data.fit.filter(pl.col("feasible") & pl.col("priced")).with_columns(
        pl.col("buyer_cost_usd").round(6).alias("_cost_key"))
    buyer = f.sort("_cost_key", "plan").group_by("user_id", "month_key").agg(
        pl.col("plan").first().alias("cheapest_plan"),
        pl.col("buyer_cost_usd").first().alias("cheapest_cost_usd"))
    seller = f.filter(pl.col("profitable")).sort("_cost_key", "plan").group_by(
        "user_id", "month_key").agg(pl.col("plan").first().alias("profitable_plan"))
    return buyer.join(seller, on=["user_id", "month_key"], how="full", coalesce=True)


def _fit_scope_notes(data: ReportData) -> list[str]:
    """Which plans plan fit compares: the whole catalog (which may mix vendors) or the ones
    --fit-plans names."""
    if data.fit_plans:
        return [f"plan fit compares only {', '.join(data.fit_plans)} (--fit-plans)"]
    return ["plan fit compares every plan of the catalog (the shipped one mixes vendors); "
            "--fit-plans 'claude_*,api_*' keeps it to the plans named"]


def _unpriced_fit_notes(data: ReportData) -> list[str]:
    """Plan fit cannot price usage of a model with no API list price under a plan that charges
    or caps by API value: say which plans were left out, for how many user-months."""
    if not data.unpriced_plans:
        return []
    n = int((data.user_months["unpriced_requests"] > 0).sum())
    if not n:
        return []
    return [f"cannot price under {', '.join(data.unpriced_plans)} (they charge or cap by API "
            f"value) the usage of models with no API list price "
            f"({some_of(data.unpriced_models)}): those plans are left out of the cheapest "
            f"and profitable plan of the {n} user-month(s) that used them; give --prices FILE"]


def _oversize_notes(data: ReportData) -> list[str]:
    """The plans plan fit counts as no fit for a user-month because one of its requests is
    larger than a cap on its own (planalyzer.fit_oversize)."""
    return oversize_notes(data.fit_oversize, data.catalog, data.timezone)


TOKEN_COLS = (
    Col("user_id"), Col("month"), Col("plan"),
    *[Col(t, "tokens", t.removesuffix("_tokens").replace("_", " ")) for t in TOKENS],
    Col("total_tokens", "tokens", "total"),
)


def user_table(data: ReportData, top: int | None, everyone: bool = False) -> list[Table]:
    um = data.user_months.join(_fit_choice(data), on=["user_id", "month_key"], how="left")
    if not everyone:
        um = um.filter(pl.col("margin_usd") < 0)
    um = um.sort("margin_usd", "user_id", nulls_last=True)
    losers = len(um)
    if top is not None:
        um = um.head(top)
    binds = _bind_text(data)
    rows = [_row([r["user_id"], r["month"], r["plan"], r["requests"],
                  r["gpu_cost_usd"], r["loaded_cost_usd"], r["api_value_usd"], r["revenue_usd"],
                  r["margin_usd"], binds.get((r["user_id"], r["month_key"]), ""),
                  r["blocked_requests"], r["round_the_clock"], r["cheapest_plan"],
                  r["profitable_plan"], r["cost_assumed"]], USER_COLS)
            for r in um.iter_rows(named=True)]
    count = f"{losers:,} user-month" + ("s" if losers != 1 else "")
    title = "Users by margin" if everyone else "Unprofitable users by loss " + (
        "(none)" if not losers else f"({count})" if losers == 1
        else f"(all {count})" if len(um) == losers else f"(top {len(um):,} of {count})")
    token_rows = [_row([r["user_id"], r["month"], r["plan"], *[r[t] for t in TOKENS],
                        sum(r[t] for t in TOKENS)], TOKEN_COLS)
                  for r in um.iter_rows(named=True)]
    tokens = Table("user_tokens", title + ": tokens by class (served)", TOKEN_COLS, token_rows)
    return [Table("users", title, USER_COLS, rows, [
        f"24/7 = active on >= 90% of the month's days in the log, {18}+ distinct hours a day "
        "on average (automated use)",
        "tokens and costs count served requests; cheapest plan = least the user would pay for "
        "the same usage with nothing blocked; profitable plan = the cheapest such plan whose "
        "revenue covers the GPU cost",
        *(_fit_scope_notes(data) if data.fit is not None else []),
        *_unpriced_fit_notes(data), *_oversize_notes(data)]), tokens]


def _no_plan_concentration(data: ReportData) -> list[str]:
    """Concentration counts every user with events, those with no plan too (their GPU cost is
    a serving cost as anyone's); the plans' totals leave them out: a note says so."""
    none = data.user_months.filter(pl.col("plan") == NO_PLAN)["user_id"].n_unique()
    if not none:
        return []
    return [f"includes the {none} user(s) with no plan: gpu_cost_usd is the plans' total "
            "plus the (no plan) row's"]


def concentration(data: ReportData) -> list[Table]:
    per_user = data.user_months.group_by("user_id").agg(money_sum("gpu_cost_usd"))
    xs = sorted(float(x) for x in per_user["gpu_cost_usd"].to_list())
    n, total = len(xs), sum(xs)

    def top_share(p: float) -> float | None:
        if not n or not total:
            return None
        k = max(1, math.ceil(p * n))
        return sum(xs[-k:]) / total

    gini = None
    if n and total:
        gini = 2 * sum((i + 1) * x for i, x in enumerate(xs)) / (n * total) - (n + 1) / n
    cols = (Col("users", "int"), Col("gpu_cost_usd", "usd", "GPU cost"),
            Col("top1_share", "share", "top 1% share"),
            Col("top10_share", "share", "top 10% share"),
            Col("top25_share", "share", "top 25% share"), Col("gini", "float", "Gini"))
    rec = Table("concentration", "Concentration of GPU cost across users", cols,
                [_row([n, total, top_share(0.01), top_share(0.10), top_share(0.25), gini],
                      cols)],
                ["top k% = the ceil(k% x users) costliest users over the period",
                 *_no_plan_concentration(data)], record=True)
    points = []
    lorenz_cols = (Col("user_share", "share", "users"), Col("cost_share", "share", "cost"))
    cum = 0.0
    marks = {round(i * n / 20) for i in range(21)} if n else set()
    if n and total:
        points.append((0.0, 0.0))
        for i, x in enumerate(xs, start=1):
            cum += x
            if i in marks:
                points.append(_row([i / n, cum / total], lorenz_cols))
    lorenz = Table("lorenz", "Lorenz curve of GPU cost (users ascending by cost)", lorenz_cols,
                   points)
    return [rec, lorenz]


def cross_subsidy(data: ReportData) -> list[Table]:
    um = data.user_months.filter(pl.col("plan") != NO_PLAN)
    cols = (Col("plan"), Col("profitable_user_months", "int", "profitable user-months"),
            Col("profit_usd", "usd", "their profit"),
            Col("unprofitable_user_months", "int", "unprofitable user-months"),
            Col("loss_usd", "usd", "their loss"), Col("net_usd", "usd", "net"),
            Col("loss_to_profit_share", "share", "loss / profit"))
    rows = []
    nets: dict[str, float] = {}
    for (plan,), g in um.group_by("plan", maintain_order=True):
        m = g["margin_usd"]
        profit = fsum(m.filter(m > 0))
        loss = -fsum(m.filter(m < 0)) + 0.0
        nets[str(plan)] = profit - loss
        rows.append(_row([plan, int((m > 0).sum()), profit, int((m < 0).sum()), loss,
                          profit - loss, (loss / profit) if profit else None], cols))
    m = um["margin_usd"]
    profit = fsum(m.filter(m > 0))
    loss = -fsum(m.filter(m < 0)) + 0.0
    rows.append(_row(["(all plans)", int((m > 0).sum()), profit, int((m < 0).sum()), loss,
                      profit - loss, (loss / profit) if profit else None], cols))
    per = Table("cross_subsidy", "Cross-subsidy: profit from profitable users vs loss on the rest",
                cols, rows,
                ["counts are user-months (a user over two months counts twice); margin = revenue - "
                 "marginal GPU cost; loss = what the unprofitable user-months lose, a "
                 "positive amount"])
    surplus = {k: v for k, v in nets.items() if v > 0}
    deficit = {k: -v for k, v in nets.items() if v < 0}
    s_tot = sum(surplus.values())
    d_tot = sum(deficit.values())
    flows = []
    flow_cols = (Col("from_plan", "str", "from plan"), Col("to_plan", "str", "to plan"),
                 Col("amount_usd", "usd", "amount"))
    if s_tot and d_tot:
        covered = min(s_tot, d_tot)
        for to, d in sorted(deficit.items()):
            for fr, s in sorted(surplus.items()):
                flows.append(_row([fr, to, covered * (s / s_tot) * (d / d_tot)], flow_cols))
    flow = Table("plan_flows", "Which plans fund which (net surplus shared pro rata)",
                 flow_cols, flows,
                 ["a convention: each losing plan's deficit is covered by the surplus plans in "
                  "proportion to their surplus"])
    return [per, flow]


def plan_fit(data: ReportData) -> Table:
    choice = _fit_choice(data)
    um = data.user_months.filter(pl.col("plan") != NO_PLAN).join(
        choice, on=["user_id", "month_key"], how="left")
    cols = (Col("plan"), Col("user_months", "int", "user-months"),
            Col("buyer_overpays", "int", "buyer: cheaper plan exists"),
            Col("buyer_savings_usd", "usd", "buyer savings"),
            Col("buyer_best_plan", "str", "most common cheaper plan"),
            Col("unprofitable", "int"),
            Col("seller_fixable", "int", "seller: a plan makes them profitable"))
    rows = []
    for (plan,), g in um.group_by("plan", maintain_order=True):
        cheaper = g.filter(pl.col("cheapest_cost_usd") < pl.col("revenue_usd") - 1e-9)
        losers = g.filter(pl.col("margin_usd") < 0)
        fixable = losers.filter(pl.col("profitable_plan").is_not_null()
                                & (pl.col("profitable_plan") != plan))
        best = cheaper["cheapest_plan"].mode().sort().to_list()[:1] if len(cheaper) else [None]
        rows.append(_row([plan, len(g), len(cheaper),
                          fsum(cheaper["revenue_usd"] - cheaper["cheapest_cost_usd"]),
                          best[0], len(losers), len(fixable)], cols))
    return Table("plan_fit", "Plan fit: users on the wrong plan", cols, rows,
                 ["replays each user's requests under every plan with the same engine; "
                  "a plan that would block any request is not a fit for the same usage",
                  *_fit_scope_notes(data), *_unpriced_fit_notes(data),
                  *_oversize_notes(data)])


def report_tables(data: ReportData, by: By = "plan", top: int = 20,
                  with_fit: bool = True) -> list[Table]:
    """The report's tables from ``build_report``'s result, as ``planalyzer report`` prints
    them: profitability by ``by`` ("plan", "user" or "month"), limit hits, the ``top`` users
    by loss (every user with ``by="user"``), concentration, cross-subsidy and, with
    ``with_fit`` and a fit computed, each user's best plan. Each ``Table`` has ``rows``,
    ``columns``, ``notes`` and ``as_dicts()``."""
    check_choice("by", by, BY_CHOICES)
    check_min("top", top, 1, "users to list")
    tables = [*plan_summary(data, by), limit_hits(data)]
    tables += (user_table(data, None, everyone=True) if by == "user"
               else user_table(data, top))
    tables += concentration(data)
    tables += cross_subsidy(data)
    if with_fit and data.fit is not None:
        tables.append(plan_fit(data))
    return tables


def headline(data: ReportData) -> Table:
    """Demo headline: per plan, unprofitable users, their loss, and who pays for it."""
    um = data.user_months.filter(pl.col("plan") != NO_PLAN)
    cols = (Col("plan"), Col("users", "int"),
            Col("unprofitable_user_months", "int", "unprofitable user-months"),
            Col("loss_usd", "usd", "their loss"),
            Col("profit_usd", "usd", "profit from the rest"),
            Col("net_usd", "usd", "net margin"))
    rows = []
    for (plan,), g in um.group_by("plan", maintain_order=True):
        m = g["margin_usd"]
        rows.append(_row([plan, g["user_id"].n_unique(), int((m < 0).sum()),
                          -fsum(m.filter(m < 0)) + 0.0, fsum(m.filter(m > 0)), fsum(m)],
                         cols))
    return Table("headline", "Who loses money, and who pays for it", cols, rows,
                 ["margin = revenue - marginal GPU cost, per user and billing month"])


def any_unprofitable(data: ReportData) -> bool:
    m = data.user_months.filter(pl.col("plan") != NO_PLAN)["margin_usd"]
    return bool((m < 0).any())
