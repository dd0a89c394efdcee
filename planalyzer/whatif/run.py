"""Scenarios evaluated on a ``History``: per user-month results, behaviour, metrics.

``Evaluator(history, baseline_catalog).run(scenario)`` gives an ``Outcome``: one row per user
and billing month (the rows of ``History.user_months``) with the user's plan under the scenario,
revenue (subscription, prepaid credits, overage, usage charges), marginal GPU cost, fully loaded
cost, API value served and blocked, which limits they hit, and the weight the elasticity
assumption gives them. Mechanical results per plan design are cached, so a sweep that changes
only prices, or one plan, re-evaluates only what changed.

Users with no plan are left out (they pay nothing a scenario could change): ``Outcome.left_out``
counts them, and ``no_plan_notes`` is the money tables' note on them.
No typer or rich here.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

import polars as pl

from planalyzer import fit_oversize
from planalyzer.analysis import api_value_plans, month_label
from planalyzer.errors import ConfigError
from planalyzer.exact_sums import fsum, money_sum
from planalyzer.plans import NO_PLAN, Plan, PlanCatalog
from planalyzer.tables import some_of
from planalyzer.whatif.evaluate import evaluate_plan
from planalyzer.whatif.history import History
from planalyzer.whatif.scenario import BASELINE, Behaviour, Scenario, apply_scenario
from planalyzer.whatif.variants import Variant

S = pl.Series

MONEY = ("subscription_usd", "credits_usd", "overage_usd", "usage_usd", "revenue_usd",
         "gpu_cost_usd", "loaded_cost_usd", "margin_usd", "loaded_margin_usd", "api_value_usd",
         "blocked_api_value_usd", "blocked_gpu_cost_usd")


CACHE_ROWS = 5_000_000  # user-month rows each cache keeps (about 0.5-1 GB), least recent out

T = TypeVar("T")


class Lru(Generic[T]):
    """A cache bounded by the rows its frames hold; the least recently used go first."""

    def __init__(self, max_rows: int) -> None:
        self.max_rows = max_rows
        self.rows = 0
        self._d: OrderedDict[Any, tuple[T, int]] = OrderedDict()

    def get(self, key: Any) -> T | None:
        hit = self._d.get(key)
        if hit is None:
            return None
        self._d.move_to_end(key)
        return hit[0]

    def put(self, key: Any, value: T, rows: int) -> None:
        self._d[key] = (value, rows)
        self.rows += rows
        while self.rows > self.max_rows and len(self._d) > 1:
            _, (_, r) = self._d.popitem(last=False)
            self.rows -= r

    def clear(self) -> None:
        self._d.clear()
        self.rows = 0


@dataclass(repr=False)
class Outcome:
    """One scenario evaluated (``Evaluator.run``): its catalog, every user-month under it
    (``frame``: bill, costs, API value, blocked usage, limit hits per user and month) and the
    notes and warnings its figures rest on. ``metrics(outcome, baseline)`` gives its named
    totals; ``whatif_tables`` the CLI's tables."""

    scenario: Scenario
    catalog: PlanCatalog
    parts: dict[str, pl.DataFrame]  # plan key -> its user-months (see ``Evaluator``)
    part_metrics: dict[str, dict[str, float]]  # plan key -> metrics of its part
    notes: list[str] = field(default_factory=list)  # the assumptions it rests on
    # pricing warnings of a cost variant the baseline does not give (a model routed to that
    # the cost catalog lacks: priced by the fallback profile, as the report warns)
    warnings: list[str] = field(default_factory=list)
    # users with no plan, in no figure of this outcome (``no_plan_notes`` says so)
    left_out: int = 0
    _frame: pl.DataFrame | None = None
    _metrics: dict[str, float] | None = None

    @property
    def frame(self) -> pl.DataFrame:
        """Every user-month under the scenario, sorted by ``row`` (with upgrade_share, a
        user-month split between two tiers is two rows, weighted by their ``mix`` column)."""
        if self._frame is None:
            self._frame = (pl.concat(list(self.parts.values()), how="diagonal_relaxed")
                           .sort("row") if self.parts else _empty())
        return self._frame

    def __repr__(self) -> str:  # not every per-plan frame: a notebook prints this
        rows = sum(len(p) for p in self.parts.values())
        return (f"Outcome(scenario={self.scenario.name!r}, plans={list(self.parts)}, "
                f"user_months={rows}, notes={len(self.notes)})")


def _plan_key(plan: Plan) -> tuple[Any, ...]:
    """What a mechanical evaluation depends on (not the subscription price)."""
    o = plan.overage
    lim = o.spend_limit
    return (plan.limits, o.policy, o.meter if o.policy != "block" else "", lim,
            o.rate_usd if lim is not None else None, plan.usage.meter if plan.usage else None)


class Evaluator:
    """Evaluates scenarios on the aggregates of one pass over the events (``prepare`` makes
    it): ``run(scenario)`` is an ``Outcome``; ``baseline`` is the catalog as it is."""

    def __init__(self, history: History, baseline: PlanCatalog,
                 base_rows: tuple[S, S, S] | None = None,
                 builder: Callable[[Variant], Evaluator] | None = None,
                 warnings: Sequence[str] = (),
                 unpriced: tuple[frozenset[str], tuple[str, ...]] = (frozenset(), ())) -> None:
        """``base_rows``: the baseline's bill, blocked value and plan per user-month row
        (a cost variant's evaluator compares with the real baseline); ``builder`` makes the
        evaluator of a cost variant (one more pass over events) when a scenario needs one;
        ``warnings``: what pricing the events said (unknown models, missing list prices);
        ``unpriced``: the users with requests of models that have no API list price, and
        those models (best_fit keeps them off plans that charge or cap by API value)."""
        self.h = history
        self.unpriced_users, self.unpriced_models = unpriced
        self.warnings = list(warnings)
        # problems in the data the command line says on stderr too, not only in the notes
        # (``prepare``: plan names in the logs that the catalog lacks)
        self.data_warnings: list[str] = []
        self.builder = builder
        self.variants: dict[Variant, Evaluator] = {}
        self.baseline_catalog = baseline
        self._cache: Lru[pl.DataFrame] = Lru(CACHE_ROWS)
        self.evaluations = 0
        plan_of = pl.Series("plan", history.user_plan, dtype=pl.String)
        self.user_rows = history.user_months.select("row", "user")
        self._baseline_plan = plan_of
        self._parts: Lru[tuple[pl.DataFrame, dict[str, float]]] = Lru(CACHE_ROWS)
        self._base_rows: tuple[S, S, S] | None = base_rows
        self._base_users: dict[str, S] | None = None
        self.baseline: Outcome = self.run(BASELINE)
        if base_rows is not None:
            return
        bf = self.baseline.frame
        n = len(history.user_months)
        full = pl.repeat(0.0, n, dtype=pl.Float64, eager=True)
        bill = full.clone().scatter(bf["row"], bf["subscription_usd"] + bf["credits_usd"]
                                    + bf["overage_usd"] + bf["usage_usd"]) if n else full
        blk = full.clone().scatter(bf["row"], bf["rules_blocked_requests"].cast(pl.Float64)) \
            if n else full
        plan = pl.repeat("", n, dtype=pl.String, eager=True)
        plan = plan.scatter(bf["row"], bf["plan"]) if n else plan
        self._base_rows = (bill, blk, plan)
        self._parts.clear()
        self.baseline = self.run(BASELINE)

    # -- mechanical --------------------------------------------------------------------------
    def mechanical(self, plan: Plan, users: S, group: str) -> pl.DataFrame:
        key = (_plan_key(plan), group, len(users))
        hit = self._cache.get(key)
        if hit is None:
            self.evaluations += 1
            hit = evaluate_plan(self.h, plan, users)
            self._cache.put(key, hit, len(hit))
        return hit

    def _priced(self, plan: Plan, users: S, group: str, factor: float) -> pl.DataFrame:
        m = self.mechanical(plan, users, group)
        o = plan.overage
        credits = o.credits_usd if o.policy == "credits" else 0.0
        rate_u = plan.usage.rate_usd if plan.usage else 0.0
        hits = [c for c in m.columns if c.startswith("hit:")]
        hit_any = pl.any_horizontal(*hits) if hits else pl.lit(False)
        return m.select(
            "row", "user", "month_key",
            pl.lit(plan.key).alias("plan"),
            pl.lit(plan.price_usd).alias("subscription_usd"),
            pl.lit(credits).alias("credits_usd"),
            # billed overage only: credits draw it from the prepaid pack (credits_usd)
            (pl.col("overage_units") * (o.rate_usd if o.billed else 0.0))
            .alias("overage_usd"),
            (pl.col("usage_units") * rate_u).alias("usage_usd"),
            (pl.col("gpu") * factor).alias("gpu_cost_usd"),
            # overhead is a share of GPU cost (docs/costs.md): it scales with it; training
            # is per token and stays in dollars
            (pl.col("loaded") + (pl.col("gpu") + pl.col("ovh")) * (factor - 1.0))
            .alias("loaded_cost_usd"),
            pl.col("api").alias("api_value_usd"),
            pl.col("req").alias("requests"),
            pl.col("blocked_api").alias("blocked_api_value_usd"),
            (pl.col("blocked_gpu") * factor).alias("blocked_gpu_cost_usd"),
            (pl.col("blocked_loaded")
             + (pl.col("blocked_gpu") + pl.col("blocked_ovh")) * (factor - 1.0))
            .alias("blocked_loaded_cost_usd"),
            pl.col("blocked_req").alias("blocked_requests"),
            hit_any.alias("hit"),
            *hits,
        )

    # -- a scenario --------------------------------------------------------------------------
    def run(self, scenario: Scenario) -> Outcome:
        """The scenario replayed on the logged history: the catalog changed as it says
        (``apply_scenario``), every user-month billed and capped again, its behaviour
        assumptions applied. A routing, cache or cost-catalog change prices the events again
        (one more pass, only with an evaluator from ``prepare``). Bad scenario keys raise
        ``ConfigError``."""
        v = scenario.variant
        if v.repriced and self.builder is not None:
            if v not in self.variants:
                self.variants[v] = self.builder(v)
            inner = self.variants[v]
            out = inner.run(replace(scenario, variant=Variant()))
            out.scenario = scenario
            out.notes[:0] = v.describe()
            out.warnings = [*(w for w in inner.warnings if w not in self.warnings),
                            *out.warnings]
            return out
        if v.repriced:
            raise ConfigError(f"{scenario.name}: routing, cache or cost catalog changes need "
                              "the events priced again; use planalyzer.whatif.prepare")
        catalog, moves = apply_scenario(self.baseline_catalog, scenario)
        beh = scenario.behaviour
        factor = scenario.cost.factor
        notes: list[str] = []
        plan_of = self._baseline_plan.replace(moves) if moves else self._baseline_plan
        for old, new in moves.items():
            notes.append(f"users of removed plan {old} moved to {new}")
        unknown = set(plan_of.unique().to_list()) - set(catalog.plans) - {NO_PLAN}
        if unknown:
            notes.append("users on plans the scenario's catalog lacks are left out: "
                         + ", ".join(sorted(unknown)))
        if beh.best_fit:
            plan_of, fit_notes = self._best_fit(
                catalog, plan_of, beh.best_fit_plans or tuple(catalog.plans), factor)
            notes.extend(fit_notes)
        if beh.upgrade_share:
            notes.append(f"behaviour: {beh.upgrade_share:.0%} of user-months that hit a limit "
                         "move one tier up the ladder " + " < ".join(beh.ladder)
                         + " (each such user-month counts 1 - share on its plan and share "
                         "on the next tier, in every total, count and loss; both parts are "
                         "shown under the lower tier in the per-plan, limit and user tables)")
        if beh.return_share:
            notes.append(f"behaviour: {beh.return_share:.0%} of blocked usage comes back after "
                         "the reset (served, at its cost, no extra revenue; assumed not blocked "
                         "again)")
        if beh.buy_overage_share:
            notes.append(f"behaviour: {beh.buy_overage_share:.0%} of blocked usage is bought as "
                         "overage at API list price")
        if beh.elasticity:
            notes.append(f"behaviour: price elasticity {beh.elasticity:g}: each user counts "
                         "max(0, 1 + elasticity x relative price change) of their plan's "
                         "price (subscribers, revenue, cost), at most 1 for users the scenario "
                         "moves to another plan")
            free = self._free_before(catalog, plan_of)
            if free:
                notes.append(f"behaviour: {free} user(s) on a $0 plan in the baseline now pay: "
                             "a change from $0 has no relative size, so elasticity leaves "
                             "them at weight 1 (all stay)")
        if factor != 1.0:
            notes.append(f"cost: GPU cost x {factor:g} (GPU price x "
                         f"{scenario.cost.gpu_price_factor:g} / utilization x "
                         f"{scenario.cost.utilization_factor:g}) and overhead with it (a "
                         "share of GPU cost, as a cost catalog at that price gives it); "
                         "training dollars unchanged")
        parts: dict[str, pl.DataFrame] = {}
        pm: dict[str, dict[str, float]] = {}
        moving = bool(beh.best_fit or moves)
        if moving or self._base_users is None:
            by_plan = _users_by_plan(plan_of)
            if not moving:
                self._base_users = by_plan
        else:
            by_plan = self._base_users
        for key, plan in catalog.plans.items():
            users = by_plan.get(key)
            if users is None:
                continue
            group = f"{key}:{hash(tuple(users.to_list()))}" if moving else key
            if beh.upgrade_share:
                parts[key] = self._priced(plan, users, group, factor)
                continue
            ck = (plan, group, factor, beh)
            part = self._parts.get(ck)
            if part is None:
                frame = self._finish(self._priced(plan, users, group, factor), catalog, beh)
                part = (frame, self._part_metrics(frame, plan))
                self._parts.put(ck, part, len(frame))
            parts[key], pm[key] = part
        if beh.upgrade_share:
            whole = pl.concat(list(parts.values()), how="diagonal_relaxed").sort("row")
            whole = self._finish(self._upgrade(whole, catalog, beh.ladder, beh.upgrade_share,
                                               factor), catalog, beh)
            parts = {k[0]: f for k, f in whole.partition_by("plan", as_dict=True).items()
                     if isinstance(k[0], str)}
            pm = {k: self._part_metrics(f, catalog.plans[k]) for k, f in parts.items()}
        return Outcome(scenario, catalog, parts, pm, notes,
                       warnings=self._empty_tiers(catalog, parts, beh),
                       left_out=int((plan_of == NO_PLAN).sum()))

    def _empty_tiers(self, catalog: PlanCatalog, parts: Mapping[str, pl.DataFrame],
                     beh: Behaviour) -> list[str]:
        """A tier the scenario adds that nobody is on reads as zeros everywhere: say so, and
        how users get onto it."""
        on = set(parts) | (set(beh.ladder) if beh.upgrade_share else set())
        base = self.baseline_catalog.plans
        empty = [k for k in catalog.plans if k not in base and k not in on]
        # an existing plan the scenario changes, with nobody on it: the change does nothing
        idle = [k for k in catalog.plans if k in base and k not in on
                and catalog.plans[k] != base[k]]
        out = []
        if empty:
            out.append(f"nobody is on {', '.join(empty)} (new in the scenario): its figures "
                       "are zero and no row shows it; users move onto a tier only when the "
                       f"scenario moves them: remove = true with move_to = \"{empty[0]}\" on "
                       "an existing tier, behaviour.upgrade_share with a ladder that includes "
                       "it, or behaviour.best_fit (docs/whatif.md)")
        if idle:
            out.append(f"nobody is on {', '.join(idle)}: the scenario's changes to it have no "
                       "effect on any figure; users move onto a plan only when the scenario "
                       "moves them (remove = true with move_to, behaviour.upgrade_share, "
                       "behaviour.best_fit: docs/whatif.md)")
        return out

    def _finish(self, frame: pl.DataFrame, catalog: PlanCatalog, beh: Any) -> pl.DataFrame:
        """Behaviour on blocked usage, revenue, margins, elasticity weights."""
        frame = _blocked_behaviour(frame, beh.return_share, beh.buy_overage_share)
        frame = frame.with_columns(
            (pl.col("subscription_usd") + pl.col("credits_usd") + pl.col("overage_usd")
             + pl.col("usage_usd")).alias("revenue_usd"))
        return frame.with_columns(
            (pl.col("revenue_usd") - pl.col("gpu_cost_usd")).alias("margin_usd"),
            (pl.col("revenue_usd") - pl.col("loaded_cost_usd")).alias("loaded_margin_usd"),
            self._weight(frame, catalog, beh.elasticity).alias("weight"))

    def changed(self, frame: pl.DataFrame) -> S:
        """Per row of an outcome's ``frame``: whether that user-month's bill or access changes
        against the baseline (``users_affected``; docs/whatif.md): the bill the plan rules give
        differs by more than a cent, or the requests they block, or the plan, differ. Compared
        before ``return_share`` and ``buy_overage_share``, which say what becomes of blocked
        usage, not what the rules block: alone they change nobody's access or bill."""
        if self._base_rows is None:
            return pl.repeat(False, len(frame), eager=True)
        rows = frame["row"]
        bb, bblk, bplan = self._base_rows
        bill = (frame["subscription_usd"] + frame["credits_usd"] + frame["overage_usd"]
                - frame["bought_overage_usd"] + frame["usage_usd"])
        return (((bill - bb.gather(rows)).abs() > 0.01)
                | ((frame["rules_blocked_requests"] - bblk.gather(rows)).abs() > 1e-9)
                | (bplan.gather(rows) != frame["plan"]))

    def _part_metrics(self, frame: pl.DataFrame, plan: Plan) -> dict[str, float]:
        out = _group_metrics(frame, self.changed(frame), per_plan=True)
        subs = out["subscribers"]  # users, each by its elasticity weight (1 without it)
        for lim in plan.limits:
            col = f"hit:{lim.name}"
            n = _hit_users(frame, col) if col in frame.columns else 0.0
            out[f"hit_share.{lim.name}"] = n / subs if subs else 0.0
            out[f"hit_users.{lim.name}"] = n
        return out

    def _weight(self, frame: pl.DataFrame, catalog: PlanCatalog, elasticity: float) -> pl.Expr:
        """Each user-month's elasticity weight (docs/whatif.md, "Behaviour"): with old = the
        price of the user's baseline plan and new = the price of the plan the scenario puts
        them on, ``max(0, 1 + elasticity x (new / old - 1))``; at most 1 for a user the
        scenario moves to another plan (move_to, best_fit: a move to a cheaper plan keeps the
        user, it adds nobody); 1 where old is $0 (no relative change; a note says so)."""
        if not elasticity:
            return pl.lit(1.0)
        base_price = {k: p.price_usd for k, p in self.baseline_catalog.plans.items()}
        new_price = {k: p.price_usd for k, p in catalog.plans.items()}
        old = pl.Series(self.h.user_plan).replace_strict(base_price, default=0.0,
                                                         return_dtype=pl.Float64)
        bp = old.gather(frame["user"])
        moved = self._baseline_plan.gather(frame["user"]) != frame["plan"]
        np_ = frame["plan"].replace_strict(new_price, default=0.0, return_dtype=pl.Float64)
        free = bp <= 0
        rel = np_ / bp.zip_with(~free, pl.repeat(1.0, len(bp), eager=True)) - 1.0
        w = (1.0 + elasticity * rel).clip(0.0, None)
        w = w.zip_with(~moved, w.clip(None, 1.0))
        return pl.lit(w.zip_with(~free, pl.repeat(1.0, len(w), eager=True)))

    def _free_before(self, catalog: PlanCatalog, plan_of: S) -> int:
        """Users on a $0 plan in the baseline whom the scenario puts on a paid plan."""
        base = {k: p.price_usd for k, p in self.baseline_catalog.plans.items()}
        new = {k: p.price_usd for k, p in catalog.plans.items()}
        was = self._baseline_plan.replace_strict(base, default=None, return_dtype=pl.Float64)
        now = plan_of.replace_strict(new, default=None, return_dtype=pl.Float64)
        return int(((was == 0.0) & (now > 0.0)).fill_null(False).sum())

    def _best_fit(self, catalog: PlanCatalog, plan_of: S, choices: Sequence[str],
                  factor: float) -> tuple[S, list[str]]:
        """Each user with a plan on the plan of ``choices`` that bills them least over the
        period with nothing blocked (else the one that blocks least), and the notes. A plan
        that blocks past its limits, with a cap that one of the user's requests exceeds on
        its own, is no fit for them (the report's plan fit rule, planalyzer.fit_oversize): a
        user whom no plan of ``choices`` fits stays on their plan. Amounts equal to the
        micro-dollar tie (float noise never picks the plan): the user's own plan first, then
        by plan key."""
        users = (plan_of != NO_PLAN).arg_true().cast(pl.Int64)
        big = self.h.largest.filter(pl.col("user").is_in(users.implode()))
        units = {m: big[f"u:{m}"] for m in self.h.meters}
        nano = {m: big[f"n:{m}"] for m in self.h.meters}
        keep = pl.repeat(True, len(big), dtype=pl.Boolean, eager=True)
        user_of = big.select("user_id", "user").unique()
        oversize: list[pl.DataFrame] = []
        best: pl.DataFrame | None = None
        seen = 0  # users with user-months in the period (the same under every plan)
        # as the report's plan fit: a user with requests of a model that has no list price
        # fits no plan that charges or caps by API value (that usage would count $0)
        by_value = set(api_value_plans(catalog, self.unpriced_models))
        unpriced = pl.Series("user", [i for i, u in enumerate(self.h.user_ids)
                                      if u in self.unpriced_users], dtype=pl.Int64)
        kept_off = 0
        for key in choices:
            plan = catalog.plans[key]
            f = self._priced(plan, users, f"fit:{len(users)}", factor)
            per = f.group_by("user").agg(
                money_sum(pl.col("subscription_usd") + pl.col("credits_usd")
                            + pl.col("overage_usd") + pl.col("usage_usd")).alias("bill"),
                money_sum("blocked_api_value_usd").alias("blocked"),
                pl.col("blocked_requests").sum().alias("blocked_n")).with_columns(
                pl.lit(key).alias("plan"))
            seen = len(per)
            if key in by_value and len(unpriced):
                off = per["user"].is_in(unpriced.implode())
                kept_off = max(kept_off, int(off.sum()))
                per = per.filter(~off)
            rows = fit_oversize.oversize_rows(big, plan, units, nano, keep)
            if len(rows):
                oversize.append(rows)
                unfit = fit_oversize.counts(rows).join(user_of, on="user_id")
                per = per.join(unfit.select("user").unique(), on="user", how="anti")
            best = per if best is None else pl.concat([best, per])
        assert best is not None
        cur = pl.DataFrame({"user": users, "cur": plan_of.gather(users)})
        # blocked requests, not only their API value: a model with no list price blocks $0
        # of it; where no plan serves a user fully, the one that blocks least: by API value,
        # or for a user with unpriced requests (whose value blocked reads low) by requests
        by_n = pl.col("user").is_in(unpriced.implode())
        value, n = pl.col("blocked").round(6), pl.col("blocked_n").round(6)
        pick = best.join(cur, on="user").sort(
            "user", (pl.col("blocked") > 0) | (pl.col("blocked_n") > 1e-9),
            pl.when(by_n).then(n).otherwise(value), pl.when(by_n).then(value).otherwise(n),
            pl.col("bill").round(6), pl.col("plan") != pl.col("cur"), "plan").group_by(
            "user", maintain_order=True).first()
        out = plan_of.clone()
        if len(pick):
            out = out.scatter(pick["user"], pick["plan"])
        notes = ["behaviour: every user moved to the plan cheapest for them with nothing "
                 "blocked (best_fit)"]
        notes += fit_oversize.oversize_notes(
            pl.concat(oversize) if oversize else None, catalog, self.h.timezone, "best_fit",
            "that request's user over the whole period (best_fit puts a user on one plan)")
        if kept_off:
            notes.append(f"best_fit: {kept_off} user(s) with requests of models that have no "
                         "API list price (" + ", ".join(self.unpriced_models) + ") are not "
                         "moved to plans that charge or cap by API value ("
                         + ", ".join(k for k in choices if k in by_value) + "): that usage "
                         "would count $0 there")
        if stay := seen - len(pick):
            notes.append(f"best_fit: {stay} user(s) stay on their plan: every plan it compares "
                         "blocks past a cap that one of their requests exceeds on its own")
        return out, notes

    def _upgrade(self, frame: pl.DataFrame, catalog: PlanCatalog, ladder: Sequence[str],
                 share: float, factor: float) -> pl.DataFrame:
        """Each user-month that hit a limit on a tier of ``ladder`` (but the last) as two rows
        with the same ``row``: as it is, with ``mix`` 1 - share, and replayed under the next
        tier, with ``mix`` share. Both stay under the lower tier's plan key (per-plan tables);
        the upgraded row's ``hit`` is the next tier's, the lower tier's ``hit:*`` are false on
        it. Sums, unprofitable user-months, losses and users hit weigh rows by ``mix``."""
        lower = list(ladder[:-1])
        frame = frame.with_columns(pl.lit(1.0).alias("mix"))
        parts = [frame.filter(~pl.col("hit") | ~pl.col("plan").is_in(lower))]
        own_hits = [c for c in frame.columns if c.startswith("hit:")]
        for lo, hi in itertools.pairwise(ladder):
            cur = frame.filter(pl.col("hit") & (pl.col("plan") == lo))
            if not len(cur):
                continue
            users = cur["user"].unique().sort()
            nxt = self._priced(catalog.plans[hi], users, f"up:{hi}:{hash(tuple(users))}",
                               factor).join(cur.select("row"), on="row", how="semi")
            nxt = nxt.select(*[c for c in nxt.columns if not c.startswith("hit:")])
            if share < 1.0:
                parts.append(cur.with_columns(pl.lit(1.0 - share).alias("mix")))
            parts.append(nxt.with_columns(pl.lit(lo).alias("plan"),
                                          pl.lit(share).alias("mix"),
                                          *[pl.lit(False).alias(c) for c in own_hits]))
        # stable: with share 0.5 a row's two parts tie on (row, mix); their order must not
        # vary, or neither may the bits of sums over them
        return pl.concat(parts, how="diagonal_relaxed").sort("row", "mix", maintain_order=True)


def _users_by_plan(plan_of: S) -> dict[str, S]:
    """Plan key -> its users' indexes (sorted)."""
    g = pl.DataFrame({"plan": plan_of}).with_row_index("i").group_by("plan").agg(
        pl.col("i").cast(pl.Int64).sort())
    return {k: pl.Series(v, dtype=pl.Int64)
            for k, v in zip(g["plan"].to_list(), g["i"].to_list(), strict=True)}


def _blocked_behaviour(frame: pl.DataFrame, ret: float, buy: float) -> pl.DataFrame:
    """``return_share`` of blocked usage served, ``buy_overage_share`` of it served and billed
    at API list price; the rest stays blocked. What the plan rules block is kept as it was
    (``rules_blocked_requests``, ``rules_blocked_api_value_usd``) and the overage assumed
    bought is ``bought_overage_usd`` (inside ``overage_usd``): users whose bill or access
    changes are counted on the rules' figures (``Evaluator.changed``)."""
    frame = frame.with_columns(
        pl.col("blocked_requests").alias("rules_blocked_requests"),
        pl.col("blocked_api_value_usd").alias("rules_blocked_api_value_usd"),
        (pl.col("blocked_api_value_usd") * buy).alias("bought_overage_usd"))
    if not ret and not buy:
        return frame
    back = ret + buy
    if back > 1.0:
        back = 1.0
    return frame.with_columns(
        (pl.col("gpu_cost_usd") + back * pl.col("blocked_gpu_cost_usd")).alias("gpu_cost_usd"),
        (pl.col("loaded_cost_usd") + back * pl.col("blocked_loaded_cost_usd"))
        .alias("loaded_cost_usd"),
        (pl.col("api_value_usd") + back * pl.col("blocked_api_value_usd"))
        .alias("api_value_usd"),
        (pl.col("requests") + back * pl.col("blocked_requests")).alias("requests"),
        (pl.col("overage_usd") + buy * pl.col("blocked_api_value_usd")).alias("overage_usd"),
        *[(pl.col(c) * (1.0 - back)).alias(c) for c in
          ("blocked_gpu_cost_usd", "blocked_loaded_cost_usd", "blocked_api_value_usd",
           "blocked_requests")])


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema={"row": pl.Int64, "user": pl.Int64, "month_key": pl.Int64,
                                "plan": pl.String, **{c: pl.Float64 for c in MONEY},
                                "requests": pl.Float64, "blocked_requests": pl.Float64,
                                "blocked_loaded_cost_usd": pl.Float64,
                                "rules_blocked_requests": pl.Float64,
                                "rules_blocked_api_value_usd": pl.Float64,
                                "bought_overage_usd": pl.Float64,
                                "hit": pl.Boolean})


# -- metrics ------------------------------------------------------------------------------------

SUMMED = ("users", "subscribers", "user_months", "revenue_usd", "subscription_usd",
          "credits_usd", "overage_usd", "usage_usd", "gpu_cost_usd", "margin_usd",
          "loaded_cost_usd", "loaded_margin_usd",
          "unprofitable_user_months", "unprofitable_loss_usd", "users_hit",
          "blocked_api_value_usd", "blocked_gpu_cost_usd", "blocked_requests", "users_affected")


TOTAL_METRICS = (*SUMMED, "users_hit_share", "users_affected_share")  # ``metrics`` totals
PLAN_METRICS = (*TOTAL_METRICS, "median_margin_usd", "profitable_share")  # as METRIC:PLAN
LIMIT_METRICS = ("hit_share", "hit_users")  # as METRIC:PLAN.LIMIT


def metrics(outcome: Outcome, baseline: Outcome | None = None) -> dict[str, float]:
    """Named numbers of one outcome: totals (``margin_usd``, ``users_hit_share``, ...),
    ``<metric>:<plan>`` per plan (also ``median_margin_usd``, ``profitable_share``), and
    ``hit_share:<plan>.<limit>`` / ``hit_users:<plan>.<limit>`` (users a limit affects)."""
    if outcome._metrics is not None:
        return outcome._metrics
    out: dict[str, float] = {k: 0.0 for k in SUMMED}
    for key, m in sorted(outcome.part_metrics.items()):
        for k, v in m.items():
            if k in SUMMED:
                out[k] += v
            if k.startswith("hit_"):
                head, _, lim = k.partition(".")
                out[f"{head}:{key}.{lim}"] = v
            else:
                out[f"{k}:{key}"] = v
    out["users_hit_share"] = out["users_hit"] / out["subscribers"] if out["subscribers"] else 0.0
    out["users_affected_share"] = out["users_affected"] / out["users"] if out["users"] else 0.0
    outcome._metrics = out
    return out


def _row_weight(f: pl.DataFrame) -> S:
    """A row's weight in sums: its elasticity weight times its ``mix`` (upgrade_share)."""
    return f["weight"] * f["mix"] if "mix" in f.columns else f["weight"]


def _hit_users(f: pl.DataFrame, col: str) -> float:
    """Users a limit (``col``: a boolean column) affects, each by its elasticity weight times
    the largest share of a month of theirs that is hit (1 without upgrade_share: a user hit at
    least once counts fully; with it, a user hit in one month counts 1 - share when the next
    tier serves that month unhit, as a mix of users who stay and users who move up)."""
    if not len(f):
        return 0.0
    if "mix" not in f.columns and ("weight" not in f.columns or (
            f["weight"].min() == 1.0 and f["weight"].max() == 1.0)):  # the fast, common case
        return float(f["user"].filter(f[col].fill_null(False)).n_unique())
    mix = pl.col("mix") if "mix" in f.columns else pl.lit(1.0)
    weight = pl.col("weight") if "weight" in f.columns else pl.lit(1.0)
    per_month = f.group_by("user", "row").agg(
        weight.max().alias("w"),
        money_sum(mix * pl.col(col).fill_null(False).cast(pl.Float64)).alias("h"))
    per_user = per_month.group_by("user").agg(pl.col("w").max(), pl.col("h").max())
    # exact: per_user's rows come in the group_by's order, which varies run to run
    return fsum(per_user["w"] * per_user["h"].clip(0.0, 1.0))


def _group_metrics(f: pl.DataFrame, changed: S, per_plan: bool = False) -> dict[str, float]:
    w = _row_weight(f)
    m = f["margin_usd"]
    user = f["user"]
    users = user.n_unique()
    unit = len(w) == 0 or (w.min() == 1.0 and w.max() == 1.0)
    if unit:  # no elasticity: every user counts once (the common, fast case)
        subs = float(users)
        hit_users = float(user.filter(f["hit"]).n_unique())
    else:
        subs = fsum(f.group_by("user").agg(pl.col("weight").max())["weight"])
        hit_users = _hit_users(f, "hit")
    aff_users = float(user.filter(changed).n_unique())
    neg = m < 0
    cols = ("revenue_usd", "subscription_usd", "credits_usd", "overage_usd", "usage_usd",
            "gpu_cost_usd", "margin_usd", "loaded_cost_usd", "loaded_margin_usd",
            "blocked_api_value_usd", "blocked_gpu_cost_usd", "blocked_requests")
    if unit:
        sums = {c: float(f[c].sum()) for c in cols}
    else:
        sums = {c: float((f[c] * w).sum()) for c in cols}
    out = {
        "users": float(users),
        "subscribers": subs,
        "user_months": float(w.sum()),
        **sums,
        "unprofitable_user_months": float(w.filter(neg).sum()),
        # a loss is a positive amount, as in the report (``loss_usd``): the sum of the negative
        # margins, negated, so that a constraint 'unprofitable_loss_usd <= 10' reads as said
        "unprofitable_loss_usd": float(-(m * w).filter(neg).sum()) + 0.0,
        "users_hit": hit_users,
        "users_hit_share": hit_users / subs if subs else 0.0,
        "users_affected": aff_users,
        "users_affected_share": aff_users / users if users else 0.0,
    }
    if per_plan:
        if unit:
            med = m.median() if len(m) else 0.0
            out["median_margin_usd"] = float(med or 0.0)  # type: ignore[arg-type]
            out["profitable_share"] = float((~neg).sum() / len(m)) if len(m) else 1.0
        else:  # user-months count by their elasticity weight, as in the sums
            out["median_margin_usd"] = _weighted_median(m, w)
            total = float(w.sum())
            out["profitable_share"] = float(w.filter(~neg).sum()) / total if total else 1.0
    return out


def _weighted_median(values: S, weights: S) -> float:
    """The value where the weights below reach half of all the weight; where they reach it
    exactly, the mean of that value and the next (so equal weights give the plain median).
    0.0 with no weight: a plan nobody is left on reads 0, as a plan with no users."""
    total = float(weights.sum())
    if not total:
        return 0.0
    order = values.arg_sort()
    v, cum = values.gather(order), weights.gather(order).cum_sum()
    half = total / 2.0
    i = int((cum >= half * (1.0 - 1e-12)).arg_true()[0])
    if abs(float(cum[i]) - half) <= 1e-12 * total and i + 1 < len(v):
        return (float(v[i]) + float(v[i + 1])) / 2.0
    return float(v[i])


NO_PLAN_LEFT_OUT = "user(s) with no plan left out"


def no_plan_notes(ev: Evaluator) -> list[str]:
    """The note on the users with no plan (``Outcome.left_out``: in no figure of the baseline
    or any design, since nothing a design changes applies to them), for the money tables of
    whatif, sweep and optimize."""
    n = ev.baseline.left_out
    return [f"{n:,} {NO_PLAN_LEFT_OUT}"] if n else []


def period_span(ev: Evaluator) -> str:
    """The billing months the what-if figures cover, for titles and notes: '1 month: 2026-10',
    '2 months: 2026-09..2026-10', '2 months: 2026-09, 2026-11' (not consecutive). Money and
    counts of the what-if tables are totals over these months, not per month."""
    keys = sorted(int(k) for k in ev.h.user_months["month_key"].unique().to_list())
    n = len(keys)
    if not n:
        return "no months"
    head = f"{n} month{'s' if n != 1 else ''}: "
    if n == 1:
        return head + month_label(keys[0])
    if keys[-1] - keys[0] == n - 1:  # consecutive months
        return f"{head}{month_label(keys[0])}..{month_label(keys[-1])}"
    return head + some_of([month_label(k) for k in keys], most=6)


def warning_notes(ev: Evaluator, labelled: Iterable[tuple[str, Sequence[str]]]) -> list[str]:
    """Pricing warnings for a table's notes, as the report gives them: the baseline's, then
    each one only some designs give (``labelled``: a label such as "scenario 1" and that
    design's ``Outcome.warnings``), once, after the designs that give it."""
    by: dict[str, list[str]] = {}
    for label, warnings in labelled:
        for w in warnings:
            by.setdefault(w, []).append(label)
    out = list(ev.warnings)
    for w, labels in by.items():
        who = ", ".join(labels) if len(labels) <= 5 else \
            f"{', '.join(labels[:3])}, ... {labels[-1]} ({len(labels)} in all)"
        out.append(f"{who}: {w}")
    return out


def run_all(evaluator: Evaluator, scenarios: Sequence[Scenario]) -> list[Outcome]:
    return [evaluator.run(s) for s in scenarios]
