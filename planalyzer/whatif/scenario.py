"""Scenarios: changes stated against the baseline plan catalog and cost model, and behaviour
assumptions (zero by default: the mechanical view). Read strictly from TOML (docs/whatif.md).

A scenario is a nested dict with four top-level tables, ``scenario`` (name, description),
``plans`` (per plan key: price, limits, overage, usage, new or removed tiers), ``cost``
(GPU price and utilization factors) and ``behaviour``. Sweeps address the same dotted paths
(``plans.claude_max_20x.limits.weekly.cap``), so a sweep point is a scenario with values set.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from planalyzer.checks import did_you_mean, nearest
from planalyzer.errors import ConfigError
from planalyzer.plans import (
    WEEKDAYS,
    Limit,
    Overage,
    Plan,
    PlanCatalog,
    UsageCharge,
    Window,
    _f,
    _window,
    usd_amount,
)
from planalyzer.plans import _check as _check_fields
from planalyzer.strict_toml import check_finite, read_toml
from planalyzer.whatif import grid_paths
from planalyzer.whatif.variants import Variant, parse_variant

_TOP = {"scenario": ("table", False), "plans": ("table", False), "cost": ("table", False),
        "behaviour": ("table", False)}
_META = {"name": ("string", False), "description": ("string", False)}
_PLAN = {"name": ("string", False), "price_usd": ("number", False),
         "remove": ("boolean", False), "move_to": ("string", False),
         "limits": ("table", False), "overage": ("table", False), "usage": ("table", False),
         "source": ("string", False), "note": ("string", False)}
_LIMIT = {"cap": ("number", False), "meter": ("string", False), "window": ("string", False),
          "hours": ("number", False), "days": ("number", False), "remove": ("boolean", False),
          "timezone": ("string", False), "reset_weekday": ("string", False),
          "reset_time": ("string", False)}
_OVERAGE = {"policy": ("string", False), "meter": ("string", False),
            "rate_usd": ("number", False), "monthly_limit_usd": ("number", False),
            "credits_usd": ("number", False), "no_monthly_limit": ("boolean", False)}
_USAGE = {"meter": ("string", False), "rate_usd": ("number", False), "remove": ("boolean", False)}
_COST = {"gpu_price_factor": ("number", False), "utilization_factor": ("number", False),
         "route": ("array of tables", False), "cache": ("table", False),
         "catalog": ("string", False)}
_BEHAVIOUR = {"elasticity": ("number", False), "return_share": ("number", False),
              "buy_overage_share": ("number", False), "upgrade_share": ("number", False),
              "ladder": ("array", False), "best_fit": ("boolean", False),
              "best_fit_plans": ("array", False)}


@dataclass(frozen=True)
class CostChange:
    """GPU cost x ``gpu_price_factor`` / ``utilization_factor`` (marginal cost is GPU time
    divided by utilization, so both scale it linearly; fully loaded cost moves by the same
    dollars)."""

    gpu_price_factor: float = 1.0
    utilization_factor: float = 1.0

    @property
    def factor(self) -> float:
        return self.gpu_price_factor / self.utilization_factor


@dataclass(frozen=True)
class Behaviour:
    """Behaviour assumptions; all zero / off by default (docs/whatif.md, "Behaviour")."""

    elasticity: float = 0.0  # subscribers change by elasticity x relative price change
    return_share: float = 0.0  # share of blocked usage that comes back after the reset
    buy_overage_share: float = 0.0  # share of blocked usage bought as overage
    upgrade_share: float = 0.0  # share of limit-hit users moving one tier up the ladder
    ladder: tuple[str, ...] = ()
    best_fit: bool = False  # every user moves to the plan cheapest for them at the new prices
    best_fit_plans: tuple[str, ...] = ()

    @property
    def mechanical(self) -> bool:
        return self == Behaviour(ladder=self.ladder, best_fit_plans=self.best_fit_plans)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str = ""
    plans: Mapping[str, Any] = field(default_factory=dict)
    cost: CostChange = field(default_factory=CostChange)
    behaviour: Behaviour = field(default_factory=Behaviour)
    raw: Mapping[str, Any] = field(default_factory=dict)
    path: str = ""
    variant: Variant = field(default_factory=Variant)  # routing, cache, cost catalog
    # a sweep point: the --grid values set on ``base`` (its --scenario BASE, or BASELINE)
    grid: Mapping[str, Any] = field(default_factory=dict)
    base: Scenario | None = None


BASELINE = Scenario("baseline", "the catalog as it is, no behaviour assumptions")


def _check(data: Any, spec: Mapping[str, tuple[str, bool]], where: str, path: str
           ) -> dict[str, Any]:
    """The plan catalog's strict check, with the spec written as (kind, required) pairs."""
    return _check_fields(data, {k: _f(kind, req) for k, (kind, req) in spec.items()}, where,
                         path)


def _is_array(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _check_ext(data: Any, spec: Mapping[str, tuple[str, bool]], where: str, path: str
               ) -> dict[str, Any]:
    """``_check`` plus arrays of strings (plan keys)."""
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: {where}: expected a table")
    for k in data:  # the message lists every allowed key, arrays included
        if k not in spec:
            raise ConfigError(f"{path}: {where}.{k}: unknown key; allowed keys are "
                              f"{', '.join(sorted(spec))}. Remove it or fix the spelling")
    arrays = {k for k, v in spec.items() if v[0] == "array"}
    for k in arrays:
        if k in data and not _is_array(data[k]):
            raise ConfigError(f"{path}: {where}.{k}: expected an array of plan keys (strings)")
    _check({k: v for k, v in data.items() if k not in arrays},
           {k: v for k, v in spec.items() if k not in arrays}, where, path)
    return data


def _share(value: float, where: str, path: str) -> float:
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{path}: {where}: a share between 0 and 1, got {value}")
    return float(value)


def parse_scenario(data: dict[str, Any], path: str, default_name: str = "",
                   catalog_dir: str | Path | None = None) -> Scenario:
    """Check a scenario's structure (keys and types; plan keys are checked by ``apply``).
    ``cost.catalog`` is relative to ``catalog_dir`` (default: the folder of ``path``)."""
    check_finite(data, path)
    for k in data:
        if k not in _TOP:
            hint = did_you_mean(nearest(k, _TOP))
            raise ConfigError(f"{path}: {k}: unknown key (top level){hint}; allowed tables are "
                              f"{', '.join(sorted(_TOP))}")
    _check(data, _TOP, "", path)
    meta = _check(data.get("scenario", {}), _META, "scenario", path)
    plans = data.get("plans", {})
    for key, p in plans.items():
        where = f"plans.{key}"
        _check(p, _PLAN, where, path)
        for lname, lim in p.get("limits", {}).items():
            if isinstance(lim, dict) and "reset_weekday" in lim \
                    and not isinstance(lim["reset_weekday"], str):
                raise ConfigError(f"{path}: {where}.limits.{lname}.reset_weekday: a weekday "
                                  f"name ({', '.join(WEEKDAYS)}), got "
                                  f"{lim['reset_weekday']!r}")
            _check(lim, _LIMIT, f"{where}.limits.{lname}", path)
        if "overage" in p:
            _check(p["overage"], _OVERAGE, f"{where}.overage", path)
        if "usage" in p:
            _check(p["usage"], _USAGE, f"{where}.usage", path)
    c = _check(data.get("cost", {}), _COST, "cost", path)
    for k in ("gpu_price_factor", "utilization_factor"):
        if k in c and not c[k] > 0:
            raise ConfigError(f"{path}: cost.{k}: must be more than zero, got {c[k]}")
    cost = CostChange(float(c.get("gpu_price_factor", 1.0)),
                      float(c.get("utilization_factor", 1.0)))
    b = _check_ext(data.get("behaviour", {}), _BEHAVIOUR, "behaviour", path)
    el = float(b.get("elasticity", 0.0))
    if not math.isfinite(el) or el > 0:
        raise ConfigError(f"{path}: behaviour.elasticity: zero or negative (e.g. -0.05), "
                          f"got {el}")
    beh = Behaviour(
        el, _share(b.get("return_share", 0.0), "behaviour.return_share", path),
        _share(b.get("buy_overage_share", 0.0), "behaviour.buy_overage_share", path),
        _share(b.get("upgrade_share", 0.0), "behaviour.upgrade_share", path),
        tuple(b.get("ladder", ())), bool(b.get("best_fit", False)),
        tuple(b.get("best_fit_plans", ())))
    if beh.return_share + beh.buy_overage_share > 1.0 + 1e-12:
        raise ConfigError(f"{path}: behaviour: return_share ({beh.return_share:g}) + "
                          f"buy_overage_share ({beh.buy_overage_share:g}) is more than 1: "
                          "they are shares of the same blocked usage; lower one so that "
                          "they add up to 1 at most")
    if beh.upgrade_share and len(beh.ladder) < 2:
        raise ConfigError(f"{path}: behaviour.ladder: upgrade_share needs a ladder of at least "
                          "two plan keys, cheapest first")
    name = meta.get("name") or default_name or Path(path).stem
    return Scenario(name, meta.get("description", ""), plans, cost, beh, data, path,
                    parse_variant(c, path, catalog_dir))


def load_scenario(path: Path | str) -> Scenario:
    """Read and check a scenario TOML file (docs/whatif.md): its keys, types and values (no
    nan or inf, shares between 0 and 1, ...). Plan keys, meters and moves are checked against
    a catalog later, by ``apply_scenario`` (``prepare`` does it for every scenario). Raises
    ``ConfigError`` naming the file and key."""
    p = Path(path)
    return parse_scenario(read_toml(p, hint="check the scenario file path"), str(p))


def with_values(base: Scenario, values: Mapping[str, Any], name: str) -> Scenario:
    """``base`` with grid paths set (``plans.claude_max_20x.limits.weekly.cap``,
    ``cost.route[0].share``: planalyzer.whatif.grid_paths). An error the values cause names
    them (``--grid PATH=VALUE: ...``), not the base file; a ``cost.catalog`` value is relative
    to the working folder, the base file's own to the base file's folder (qa12D #7)."""
    data = copy.deepcopy(dict(base.raw))
    if base.variant.cost_catalog and isinstance(data.get("cost"), dict):
        data["cost"]["catalog"] = base.variant.cost_catalog  # already resolved
    for dotted, value in values.items():
        grid_paths.set_value(data, dotted, value)
    data.setdefault("scenario", {})["name"] = name
    prefix = base.path or "--grid"
    try:
        scen = parse_scenario(data, prefix, name, catalog_dir=".")
    except ConfigError as err:  # the base parsed alone: the values caused it
        raise grid_paths.grid_error(err, prefix, values) from None
    return replace(scen, grid=dict(values), base=base)


# -- applying a scenario to a catalog ------------------------------------------------------------

def _num(v: Any) -> float:
    return float(v)


def _need_meter(catalog: PlanCatalog, name: str, where: str, path: str) -> str:
    if name not in catalog.meters:
        raise ConfigError(f"{path}: {where}: meter {name!r} is not in the catalog; use one of "
                          f"{', '.join(sorted(catalog.meters))}")
    return name


_WINDOW_KEYS = frozenset({"window", "hours", "days", "timezone", "reset_weekday", "reset_time"})
_CALENDAR_KEYS = ("timezone", "reset_weekday", "reset_time")


def _window_spec(old: Window | None, ch: Mapping[str, Any], lw: str, path: str
                 ) -> dict[str, Any]:
    """The window keys of a changed limit: those the scenario gives, and for the others the
    limit's own values where they apply to the window it ends up with (a calendar window keeps
    its time zone and reset time, a week its weekday, a rolling window its length), so a
    scenario that changes only ``reset_time`` keeps the weekday and time zone (qa12D #1)."""
    kind = ch.get("window", old.kind if old else "rolling")
    spec: dict[str, Any] = {"window": kind}
    if old is not None and kind == "rolling" and old.kind == "rolling" \
            and not {"hours", "days"} & ch.keys():
        spec["hours"] = old.hours
    if old is not None and kind != "rolling" and old.kind != "rolling":
        spec["timezone"], spec["reset_time"] = old.timezone, old.reset_time
        if kind == old.kind == "calendar_week":
            spec["reset_weekday"] = old.reset_weekday
    if kind == "rolling" and "window" not in ch:
        for k in _CALENDAR_KEYS:
            if k in ch:
                now = old.describe() if old is not None else "rolling"
                raise ConfigError(f"{path}: {lw}.{k}: only calendar windows reset at a time, "
                                  f"and this limit's window is {now}; to make it a "
                                  "calendar window, set window = \"calendar_day\", "
                                  "\"calendar_week\" or \"calendar_month\" as well")
    spec.update({k: ch[k] for k in _WINDOW_KEYS if k in ch})
    return spec


def _removed(ch: Mapping[str, Any], keep: set[str], where: str, path: str,
             grid: Mapping[str, Any]) -> None:
    """``remove = true`` drops the table: another key beside it would change nothing, so it is
    an error (qa12D #8), unless a sweep axis sets ``remove`` (its points that remove the table
    leave the other keys unused, as the points that keep it use them)."""
    extra = sorted(set(ch) - keep - {"remove"})
    if extra and f"{where}.remove" not in grid:
        raise ConfigError(f"{path}: {where}.{extra[0]}: {where} is removed (remove = true), so "
                          f"{extra[0]} changes nothing; drop it, or drop remove = true")


def _limits(plan: Plan, changes: Mapping[str, Any], catalog: PlanCatalog, where: str,
            path: str, grid: Mapping[str, Any]) -> tuple[Limit, ...]:
    out = {lim.name: lim for lim in plan.limits}
    for name, ch in changes.items():
        lw = f"{where}.limits.{name}"
        if ch.get("remove"):
            _removed(ch, set(), lw, path, grid)
            if name not in out:
                raise ConfigError(f"{path}: {lw}.remove: plan has no limit {name!r}; it has "
                                  f"{', '.join(out) or 'none'}")
            del out[name]
            continue
        old = out.get(name)
        if old is None and not {"meter", "window", "cap"} <= ch.keys():
            raise ConfigError(f"{path}: {lw}: a new limit needs meter, window and cap "
                              f"(the plan's limits are {', '.join(out) or 'none'})")
        cap = _num(ch["cap"]) if "cap" in ch else old.cap  # type: ignore[union-attr]
        if cap < 0:
            raise ConfigError(f"{path}: {lw}.cap: must be zero or more, got {cap}")
        meter = _need_meter(catalog, ch.get("meter", old.meter if old else ""),
                            f"{lw}.meter", path)
        window = old.window if old else None
        if _WINDOW_KEYS & ch.keys():
            window = _window(_window_spec(window, ch, lw, path), lw, path)
        assert window is not None
        out[name] = Limit(name, meter, window, cap, old.estimate if old else False)
    return tuple(out.values())


def _overage(plan: Plan, ch: Mapping[str, Any], catalog: PlanCatalog, where: str, path: str
             ) -> Overage:
    o = plan.overage
    policy = ch.get("policy", o.policy)
    if policy not in ("block", "payg", "credits"):
        raise ConfigError(f"{path}: {where}.overage.policy: {policy!r} is not block, payg or "
                          "credits")
    meter = ch.get("meter", o.meter)
    ow = f"{where}.overage"
    if policy != "block":
        if not meter:
            raise ConfigError(f"{path}: {ow}.meter: missing; {policy} needs it (set "
                              f"{ow}.meter and {ow}.rate_usd in the scenario; in a sweep, add "
                              f"e.g. --grid {ow}.meter={sorted(catalog.meters)[0]} --grid "
                              f"{ow}.rate_usd=1, or start from a --scenario that sets them)")
        _need_meter(catalog, meter, f"{ow}.meter", path)
        if o.policy == "block" and "rate_usd" not in ch:
            raise ConfigError(f"{path}: {ow}.rate_usd: missing; {policy} needs it (the plan "
                              "blocks today, so it has no overage rate to keep)")
    if policy == "credits" and "credits_usd" not in ch and o.policy != "credits":
        raise ConfigError(f"{path}: {ow}.credits_usd: missing; credits needs it (the "
                          "prepaid pack per month, in USD)")
    if policy == "credits" and ("monthly_limit_usd" in ch or ch.get("no_monthly_limit")):
        key = "monthly_limit_usd" if "monthly_limit_usd" in ch else "no_monthly_limit"
        raise ConfigError(f"{path}: {ow}.{key}: credits have no monthly spend limit (the "
                          "prepaid pack, credits_usd, is the limit); remove it")
    if ch.get("no_monthly_limit") and "monthly_limit_usd" in ch:
        raise ConfigError(f"{path}: {ow}: no_monthly_limit = true and monthly_limit_usd "
                          "contradict each other; keep one")
    mlim = o.monthly_limit_usd
    if "monthly_limit_usd" in ch:
        mlim = _num(ch["monthly_limit_usd"])
    if ch.get("no_monthly_limit"):
        mlim = None
    rate = _num(ch.get("rate_usd", o.rate_usd))
    credits = _num(ch.get("credits_usd", o.credits_usd))
    for key, v in (("rate_usd", rate), ("credits_usd", credits), ("monthly_limit_usd", mlim)):
        if v is not None:
            usd_amount(v, f"{ow}.{key}", path)  # zero or more, at most MAX_USD
    return Overage(policy, meter, rate, mlim, credits)


def _usage(old: UsageCharge | None, u: Mapping[str, Any], catalog: PlanCatalog, where: str,
           path: str, grid: Mapping[str, Any]) -> UsageCharge | None:
    """A plan's usage charge under the scenario; checked as the plan catalog checks one (a
    new charge needs meter and rate_usd, a rate is zero or more: qa12D #4)."""
    uw = f"{where}.usage"
    if u.get("remove"):
        _removed(u, set(), uw, path, grid)
        return None
    for key in ("meter", "rate_usd"):
        if key not in u and old is None:
            raise ConfigError(f"{path}: {uw}.{key}: missing; the plan has no usage charge, so "
                              "a new one needs meter and rate_usd (USD per unit of the meter)")
    meter = _need_meter(catalog, u.get("meter", old.meter if old else ""), f"{uw}.meter", path)
    rate = _num(u.get("rate_usd", old.rate_usd if old else 0.0))
    return UsageCharge(meter, usd_amount(rate, f"{uw}.rate_usd", path))


def apply_scenario(catalog: PlanCatalog, scenario: Scenario
                   ) -> tuple[PlanCatalog, dict[str, str]]:
    """The catalog under ``scenario``, and where users of removed plans move (old -> new).
    Bad keys raise ConfigError naming the file and key; for a sweep point, the grid values
    that cause it (``--grid PATH=VALUE: ...``) unless its base scenario fails alike alone."""
    try:
        return _apply(catalog, scenario)
    except ConfigError as err:
        if not scenario.grid:
            raise
        if scenario.base is not None:
            try:
                _apply(catalog, scenario.base)
            except ConfigError as alone:
                if str(alone) == str(err):
                    raise err from None
        raise grid_paths.grid_error(err, scenario.path or scenario.name,
                                    scenario.grid) from None


def _apply(catalog: PlanCatalog, scenario: Scenario) -> tuple[PlanCatalog, dict[str, str]]:
    path = scenario.path or scenario.name
    plans = dict(catalog.plans)
    moves: dict[str, str] = {}
    for key, ch in scenario.plans.items():
        where = f"plans.{key}"
        old = plans.get(key)
        if ch.get("remove"):
            if old is None:
                raise ConfigError(f"{path}: {where}.remove: no plan {key!r} in the catalog")
            target = ch.get("move_to")
            if not target:
                raise ConfigError(f"{path}: {where}.move_to: say which plan its users move to")
            if target == key:
                raise ConfigError(f"{path}: {where}.move_to: a removed plan cannot take its own "
                                  "users; name another plan of the catalog for them to move to")
            _removed(ch, {"move_to", "note"}, where, path, scenario.grid)
            moves[key] = target
            del plans[key]
            continue
        if "move_to" in ch and f"{where}.remove" not in scenario.grid:
            raise ConfigError(f"{path}: {where}.move_to: only with remove = true: the plan "
                              "stays, so its users do not move; add remove = true to remove it "
                              "and move its users, or drop move_to")
        if old is None:
            missing = [k for k in ("name", "price_usd") if k not in ch]
            if missing:  # most likely a misspelt plan key: say so before what a tier needs
                hint = did_you_mean(nearest(key, catalog.plans))
                raise ConfigError(f"{path}: {where}: not in the catalog{hint}; known plans: "
                                  f"{', '.join(catalog.plans)}. A new tier needs name and "
                                  f"price_usd ({' and '.join(missing)} missing)")
            old = Plan(key, ch["name"], 0.0, source=ch.get("source", path), as_of="scenario")
        price = _num(ch.get("price_usd", old.price_usd))
        usd_amount(price, f"{where}.price_usd", path)  # zero or more, at most MAX_USD
        limits = _limits(old, ch.get("limits", {}), catalog, where, path, scenario.grid)
        overage = _overage(old, ch["overage"], catalog, where, path) if "overage" in ch \
            else old.overage
        usage = _usage(old.usage, ch["usage"], catalog, where, path, scenario.grid) \
            if "usage" in ch else old.usage
        plans[key] = replace(old, name=ch.get("name", old.name), price_usd=price,
                             limits=limits, overage=overage, usage=usage)
    for old_key, target in moves.items():
        if target not in plans:
            why = (f"{target!r} is removed in this scenario (plans.{target}.remove)"
                   if target in catalog.plans else
                   f"{target!r} is not a plan of the scenario's catalog")
            raise ConfigError(f"{path}: plans.{old_key}.move_to: {why}; move its users to a "
                              f"plan that stays ({', '.join(plans)})")
    for k in (*scenario.behaviour.ladder, *scenario.behaviour.best_fit_plans):
        if k not in plans:
            raise ConfigError(f"{path}: behaviour: plan {k!r} is not in the scenario's catalog "
                              f"({', '.join(plans)})")
    ladder = scenario.behaviour.ladder
    if scenario.behaviour.upgrade_share:  # by the catalog's prices (a sweep may move them)
        def price_of(k: str) -> float:
            return (catalog.plans[k] if k in catalog.plans else plans[k]).price_usd
        for lo, hi in itertools.pairwise(ladder):
            if price_of(hi) < price_of(lo):
                raise ConfigError(
                    f"{path}: behaviour.ladder: {hi!r} (${price_of(hi):g} in the plan "
                    f"catalog) comes after {lo!r} (${price_of(lo):g}): list the ladder "
                    "cheapest first by the catalog's prices (not the scenario's, which a "
                    "sweep moves), each tier the one its users upgrade to")
    return PlanCatalog(catalog.path, catalog.meters, plans), moves
