"""What-if outcomes as report tables (``planalyzer.tables``): baseline and each scenario side by
side with deltas, per plan, per limit, and the users whose bill or access changes most.

Stable JSON/CSV keys: in the side-by-side tables ``metric`` (the display label), ``baseline``,
then ``scenario_N`` and ``delta_N`` for the N-th scenario (its name is the column's label and
is in the ``whatif_scenarios`` table), and ``key``: the row's stable snake_case id
(``gpu_cost_usd``, ``unprofitable_loss_usd``: the metric names of sweep and optimize).
No typer or rich here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from planalyzer.errors import ConfigError
from planalyzer.exact_sums import fsum_each
from planalyzer.tables import Col, Kind, Table
from planalyzer.whatif.run import (
    Evaluator,
    Outcome,
    metrics,
    no_plan_notes,
    period_span,
    warning_notes,
)

MONEY_ROWS = (
    ("revenue_usd", "revenue"),
    ("subscription_usd", "subscriptions"),  # the four parts of revenue (REVENUE_PARTS)
    ("credits_usd", "prepaid credits"),
    ("overage_usd", "overage charges"),
    ("usage_usd", "usage charges"),
    ("gpu_cost_usd", "marginal GPU cost"),
    ("margin_usd", "contribution margin"),
    ("loaded_cost_usd", "fully loaded cost"),
    ("loaded_margin_usd", "fully loaded margin"),
    ("unprofitable_loss_usd", "loss on unprofitable user-months"),
    ("blocked_api_value_usd", "usage blocked (API list value)"),
    ("blocked_gpu_cost_usd", "usage blocked (GPU cost)"),
)
REVENUE_PARTS = ("subscription_usd", "credits_usd", "overage_usd", "usage_usd")
PEOPLE_ROWS = (
    ("subscribers", "subscribers"),
    ("user_months", "user-months"),
    ("unprofitable_user_months", "unprofitable user-months"),
    ("users_hit", "users hit by a limit"),
    ("users_affected", "users whose bill or access changes"),
    ("blocked_requests", "requests blocked"),
)
# the unit of each count in whatif_people (and whatif_plans)
COUNT_UNITS = ("subscribers, users hit by a limit and users whose bill or access changes count "
               "users, each once over the period however many months they pay; user-months "
               "and unprofitable user-months count one per user and billing month; requests "
               "blocked: over the period")
SHARE_ROWS = (
    ("users_hit_share", "share of users hit by a limit"),
    ("users_affected_share", "share of users whose bill or access changes"),
)


# A change of at most this much is none: half a micro-dollar of money (half a millionth of a
# user or request of a count), half of 1e-12 of a share (0..1). The figures are exact sums
# (planalyzer.exact_sums), each rounded once to a float: two figures equal but for that
# rounding differ in their last bits, which a margin (revenue less cost, each larger than it)
# can make a fraction of a micro-dollar. A bound relative to the figures read a +$10 price
# change on an $823B account as no change (qa17A #2).
NOISE = 5e-7
SHARE_NOISE = 5e-13


def tolerance(kind: Kind, *figures: float) -> float:
    """How far two values of a figure shown as ``kind`` may lie apart and be one: ``NOISE``
    (``SHARE_NOISE`` for a share), or a few of the last bits of a float as large as the
    largest of ``figures`` (1e-15 of it) where that is more (an optimize constraint)."""
    return max(SHARE_NOISE if kind == "share" else NOISE,
               1e-15 * max((abs(f) for f in figures), default=0.0))


def delta(new: float, old: float, kind: Kind = "usd") -> float:
    """``new - old`` of a figure shown as ``kind``: a change of at most ``NOISE``
    (``SHARE_NOISE`` for a share) read as none, else the difference rounded to the 15
    significant digits of the larger figure (the precision JSON writes each figure to, and
    about what a float holds): 79.8875 - 80 is -0.1125, not -0.112499999999997; a +$10 change
    of $823,500,000,020 is 10.0."""
    d = new - old
    if not math.isfinite(d):  # a figure that overflowed (a factor of 1e-320): unknown, not 0
        return math.nan
    if abs(d) <= tolerance(kind):
        return 0.0
    return round(d, 14 - math.floor(math.log10(max(abs(new), abs(old))))) + 0.0


def _side_by_side(name: str, title: str, kind: Kind, rows: Sequence[tuple[str, str]],
                  outcomes: Sequence[Outcome], base: dict[str, float],
                  mets: Sequence[dict[str, float]]) -> Table:
    cols = [Col("metric", "str"), Col("baseline", kind)]
    for i, o in enumerate(outcomes, start=1):
        cols += [Col(f"scenario_{i}", kind, o.scenario.name),
                 Col(f"delta_{i}", kind, f"change ({i})")]
    cols.append(Col("key", "str", "metric name"))  # the stable id, as --objective takes it
    out = []
    for key, label in rows:
        row: list[object] = [label, base.get(key, 0.0)]
        for m in mets:
            row += [m.get(key, 0.0), delta(m.get(key, 0.0), base.get(key, 0.0), kind)]
        out.append((*row, key))
    levels = tuple(1 if key in REVENUE_PARTS else 0 for key, _ in rows)
    return Table(name, title, cols, out, levels=levels if any(levels) else ())


def whatif_tables(ev: Evaluator, outcomes: Sequence[Outcome], top: int = 10) -> list[Table]:
    """The tables ``planalyzer whatif`` prints for ``outcomes`` against ``ev.baseline``:
    the scenarios, money, users and shares of subscribers, per-plan figures, the users each
    limit affects, and up to ``top`` users per scenario whose bill or access changes most
    (0 lists none)."""
    if top < 0:
        raise ConfigError(f"whatif tables: top ({top}) must be zero or more (users to list)")
    base_o = ev.baseline
    base = metrics(base_o)
    mets = [metrics(o) for o in outcomes]
    scen = Table("whatif_scenarios", "Scenarios", [
        Col("scenario", "int"), Col("name"), Col("description"), Col("assumptions")],
        [(i, o.scenario.name, o.scenario.description, "; ".join(o.notes) or "mechanical")
         for i, o in enumerate(outcomes, start=1)])
    span = period_span(ev)
    money = _side_by_side("whatif_money", f"Baseline and scenarios: money (USD, period total, "
                          f"{span})", "usd", MONEY_ROWS, outcomes, base, mets)
    money.notes.append("revenue = subscriptions + prepaid credits + overage charges + usage "
                       "charges; contribution margin = revenue - marginal GPU cost; fully "
                       "loaded margin also subtracts training and overhead; blocked usage is "
                       "neither served nor charged")
    # users whose months in the period logged different plans are replayed under one plan
    # (History.plan_changed; a note names them): the baseline then differs from the report's
    changed = bool(ev.h.plan_changed)
    money.notes.append("baseline: the what-if engine's replay of the history, request by "
                       "request: the figures of `planalyzer report` on the same data"
                       + (" (except for the users whose logged plan changed in the period, "
                          "below)" if changed else "")
                       + ", whatever other scenarios run; docs/whatif.md, \"Exactness\"")
    money.notes.extend(no_plan_notes(ev))
    people = _side_by_side("whatif_people", f"Baseline and scenarios: users (over the period, "
                           f"{span})", "float", PEOPLE_ROWS, outcomes, base, mets)
    people.notes.append(COUNT_UNITS)
    shares = _side_by_side("whatif_shares", "Baseline and scenarios: shares of subscribers",
                           "share", SHARE_ROWS, outcomes, base, mets)
    if any(o.scenario.behaviour.elasticity for o in outcomes):
        shares.notes.append("with price elasticity: the share hit by a limit is of the "
                            "subscribers who stay (each by the share that stays); the share "
                            "whose bill or access changes is of all users, leavers included")
    tables = [scen, money, people, shares, _plans(outcomes, base_o, base, mets, span),
              _limits(base_o, outcomes, base, mets), _users(ev, outcomes, top, span)]
    for o in outcomes:
        if o.scenario.behaviour.mechanical and o.scenario.cost.factor == 1.0:
            continue
        money.notes.append(f"{o.scenario.name}: rests on stated assumptions (see Scenarios)")
    money.notes += warning_notes(ev, [(f"scenario {i} ({o.scenario.name})", o.warnings)
                                      for i, o in enumerate(outcomes, start=1)])
    return tables


def _plans(outcomes: Sequence[Outcome], base_o: Outcome, base: dict[str, float],
           mets: Sequence[dict[str, float]], span: str) -> Table:
    cols = [Col("scenario", "int", "#"), Col("plan"), Col("subscribers", "float", "subs"),
            Col("revenue_usd", "usd", "revenue"), Col("gpu_cost_usd", "usd", "GPU"),
            Col("margin_usd", "usd", "margin"),
            Col("margin_delta_usd", "usd", "change"),
            Col("loaded_margin_usd", "usd", "loaded"),
            Col("unprofitable_user_months", "float", "unprof"),
            Col("unprofitable_loss_usd", "usd", "loss"),
            Col("median_margin_usd", "usd", "median"),
            Col("users_hit_share", "share", "hit"),
            Col("blocked_api_value_usd", "usd", "blocked")]
    rows = []
    allm = [(0, base_o, base), *[(i, o, m) for i, (o, m) in
                                 enumerate(zip(outcomes, mets, strict=True), start=1)]]
    for name, o, m in allm:  # name: the scenario's number
        present = set(o.frame["plan"].unique().to_list())
        for key in [k for k in o.catalog.plans if k in present]:  # catalog order, as report
            def g(k: str, key: str = key, m: dict[str, float] = m) -> float:
                return m.get(f"{k}:{key}", 0.0)
            rows.append((name, key, g("subscribers"), g("revenue_usd"), g("gpu_cost_usd"),
                         g("margin_usd"),
                         delta(g("margin_usd"), base.get(f"margin_usd:{key}", 0.0)),
                         g("loaded_margin_usd"), g("unprofitable_user_months"),
                         g("unprofitable_loss_usd"), g("median_margin_usd"),
                         g("users_hit_share"), g("blocked_api_value_usd")))
    return Table("whatif_plans", f"Per plan (# 0 = baseline; money: period total, {span})",
                 cols, rows, [
        f"money (revenue, GPU, margin, change, loaded, loss, blocked): totals over the period "
        f"({span}), not per month; subs: subscribers, in users (each once however many months "
        "they pay); margin: contribution margin (revenue - GPU cost); loaded: fully loaded "
        "margin; unprof: unprofitable user-months, not users (one per user and billing month: "
        "a user who loses money in 2 months counts 2), loss: what they lose (a positive "
        "amount, as in the report); median: the median user-month's margin (one month's); "
        "hit: share of users a limit affects; blocked: API value"])


def _limits(base_o: Outcome, outcomes: Sequence[Outcome], base: dict[str, float],
            mets: Sequence[dict[str, float]]) -> Table:
    cols = [Col("scenario", "int"), Col("plan"), Col("limit"), Col("window"),
            Col("cap", "float"), Col("users_hit", "float", "users hit"),
            Col("affects_share", "share", "affects (share of plan's users)")]
    rows = []
    for name, o, m in [(0, base_o, base), *[(i, o, m) for i, (o, m) in
                                            enumerate(zip(outcomes, mets, strict=True), 1)]]:
        present = set(o.frame["plan"].unique().to_list())
        for key, plan in o.catalog.plans.items():
            if key not in present:
                continue
            for lim in plan.limits:
                rows.append((name, key, lim.name, lim.window.describe(), lim.cap,
                             m.get(f"hit_users:{key}.{lim.name}", 0.0),
                             m.get(f"hit_share:{key}.{lim.name}", 0.0)))
    return Table("whatif_limits", "Limits: users each limit affects, at least once in the "
                 "period (scenario 0 = baseline)", cols, rows)


def _per_user(frame: pl.DataFrame, changed: pl.Series) -> pl.DataFrame:
    """A user's bill, the API value the plan rules block (before return_share and
    buy_overage_share), margin over the period, and whether their bill or access changes
    (``changed``: per row, ``Evaluator.changed``); a user-month that upgrade_share splits in
    two rows counts each by its ``mix``."""
    mix = pl.col("mix") if "mix" in frame.columns else pl.lit(1.0)
    # each user's amounts over their months, summed exactly and rounded once (fsum_each): the
    # bill of a plan's only user is then its revenue in whatif_plans to the last bit (qa17B #2)
    out = frame.with_columns(changed.alias("changed")).group_by("user").agg(
        pl.col("plan").last(),
        ((pl.col("subscription_usd") + pl.col("credits_usd")
          + pl.col("overage_usd") + pl.col("usage_usd")) * mix).alias("bill"),
        (pl.col("rules_blocked_api_value_usd") * mix).alias("blocked"),
        (pl.col("margin_usd") * mix).alias("margin"),
        pl.col("changed").any())
    return out.with_columns(fsum_each(out[c]) for c in ("bill", "blocked", "margin"))


# whatif_users lists a user whose |bill change| + |blocked API value change| is above this
USERS_MIN_CHANGE_USD = 0.01


def _users(ev: Evaluator, outcomes: Sequence[Outcome], top: int, span: str) -> Table:
    cols = [Col("scenario", "int"), Col("user_id"), Col("plan_before", "str", "plan before"),
            Col("plan_after", "str", "plan after"),
            Col("bill_before_usd", "usd", "bill before"), Col("bill_after_usd", "usd",
                                                              "bill after"),
            Col("bill_delta_usd", "usd", "bill change"),
            Col("blocked_before_usd", "usd", "blocked before (API value)"),
            Col("blocked_after_usd", "usd", "blocked after (API value)"),
            Col("margin_delta_usd", "usd", "margin change")]
    bf = ev.baseline.frame
    base = _per_user(bf, ev.changed(bf)).drop("changed")
    rows = []
    small: list[str] = []  # per scenario: users whose change is a cent or less, not listed
    for i, o in enumerate(outcomes, start=1):
        # the users whatif_people counts as affected (Evaluator.changed), and only them
        j = _per_user(o.frame, ev.changed(o.frame)).filter(pl.col("changed")).join(
            base, on="user", how="left", suffix="_b").with_columns(
            pl.col(c).fill_null(0.0) for c in ("bill_b", "blocked_b", "margin_b"))
        j = j.with_columns(
            ((pl.col("bill") - pl.col("bill_b")).abs()
             + (pl.col("blocked") - pl.col("blocked_b")).abs()).alias("score"))
        if n_small := int((j["score"] <= USERS_MIN_CHANGE_USD).sum()):
            small.append(f"{n_small:,} in scenario {i}")
        j = j.filter(pl.col("score") > USERS_MIN_CHANGE_USD).sort(
            ["score", "user"], descending=[True, False]).head(top)
        for r in j.iter_rows(named=True):
            rows.append((i, ev.h.user_ids[r["user"]], r["plan_b"], r["plan"],
                         r["bill_b"], r["bill"], r["bill"] - r["bill_b"], r["blocked_b"],
                         r["blocked"], r["margin"] - r["margin_b"]))
    notes = []
    if small:
        notes.append(f"not listed: users whose bill and blocked API value change by "
                     f"${USERS_MIN_CHANGE_USD:.2f} or less in all ({', '.join(small)}; "
                     "requests of little API value blocked that were served, or the reverse), "
                     "though whatif_people counts them among the users whose bill or access "
                     "changes")
    shares = [i for i, o in enumerate(outcomes, start=1)
              if o.scenario.behaviour.return_share or o.scenario.behaviour.buy_overage_share]
    if shares:
        notes.append(f"scenario(s) {', '.join(map(str, shares))} assume some blocked usage "
                     "comes back (return_share) or is bought as overage (buy_overage_share): "
                     "users are listed and counted when the plan rules change their bill or "
                     "the requests blocked for them, not for those assumptions alone; blocked "
                     "before and after is the API value the rules block, before those shares "
                     "(the money and per-plan tables count only what stays blocked); bill and "
                     "margin include them")
    elastic = [i for i, o in enumerate(outcomes, start=1) if o.scenario.behaviour.elasticity]
    if elastic:
        notes.append(f"scenario(s) {', '.join(map(str, elastic))} assume a price elasticity: "
                     "a user's bill and margin here are what they would be if the user stays; "
                     "the totals count each user by the share that stays (1 + elasticity x "
                     "relative price change)")
    notes.append(f"bill, blocked and margin: the user's totals over the period ({span}), not "
                 "per month")
    return Table("whatif_users", f"Users whose bill or access changes most (top {top} per "
                 f"scenario; period total, {span})", cols, rows, notes)
