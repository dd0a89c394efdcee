"""Plan catalog: prices, meters, limits (a meter over a window with a cap), overage policies.

A catalog is strict TOML (``planalyzer/data/plans.toml`` is the default; ``--plans FILE`` gives
another): an unknown key or a value of the wrong type is a ``ConfigError`` naming the file and
the dotted key. No typer or rich here.

Meters are linear: a request's units are ``request * requests + api_value_usd * api value +
sum(weight_c * tokens_c)`` with the weights of the first ``[[meter.NAME.weight]]`` whose model
glob matches the request's model, in any spelling the price catalog resolves (a model no glob
matches counts zero and is reported).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from planalyzer.costs.catalog import name_matches
from planalyzer.errors import ConfigError, shorten
from planalyzer.strict_toml import Field, check_finite, check_table, read_toml
from planalyzer.timezones import check_timezone

TOKEN_CLASSES = ("input", "cache_write", "cache_write_1h", "cache_read", "output")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WindowKind = Literal["rolling", "calendar_day", "calendar_week", "calendar_month"]
Policy = Literal["block", "payg", "credits"]
NO_PLAN = "(no plan)"


def default_plans_path() -> Path:
    return Path(__file__).parent / "data" / "plans.toml"


@dataclass(frozen=True)
class Weight:
    """Units per request, per token of each class and per API-list dollar, for a model glob."""

    models: str
    request: float = 0.0
    api_value_usd: float = 0.0
    input: float = 0.0
    cache_write: float = 0.0
    cache_write_1h: float = 0.0
    cache_read: float = 0.0
    output: float = 0.0


@dataclass(frozen=True)
class Meter:
    key: str
    unit: str
    weights: tuple[Weight, ...]
    estimate: bool = False
    source: str = ""

    def weight_for(self, model: str) -> Weight | None:
        """The first weight whose glob fits the logged name in any of the spellings that
        prices resolve (``name_matches``: provider prefixes, Bedrock ids, OpenRouter's
        "claude-4.5-opus" and "claude-opus-4.5"), so a meter and the API price agree on
        which model a request used."""
        return next((w for w in self.weights if name_matches(model, w.models)), None)


@dataclass(frozen=True)
class Window:
    """Rolling: opens at the first request when none is open, covers [open, open + hours).
    Calendar: resets at ``reset_time`` (and ``reset_weekday`` for weeks) in ``timezone``."""

    kind: WindowKind
    hours: float = 0.0
    timezone: str = "UTC"
    reset_weekday: str = "monday"
    reset_time: str = "00:00"

    def describe(self) -> str:
        if self.kind == "rolling":
            h = self.hours
            return f"rolling {h / 24:g} d" if h >= 24 and h % 24 == 0 else f"rolling {h:g} h"
        unit = self.kind.removeprefix("calendar_")
        if self.kind == "calendar_week":  # "calendar week from Wed 09:00 (America/New_York)"
            day = self.reset_weekday[:3].capitalize()
            return f"calendar {unit} from {day} {self.reset_time} ({self.timezone})"
        start = f" from {self.reset_time}" if self.reset_time != "00:00" else ""
        return f"calendar {unit}{start} ({self.timezone})"

    @property
    def length_us(self) -> int:
        return round(self.hours * 3_600_000_000)

    @property
    def reset_offset_minutes(self) -> int:
        hh, mm = self.reset_time.split(":")
        days = WEEKDAYS.index(self.reset_weekday) if self.kind == "calendar_week" else 0
        return days * 1440 + int(hh) * 60 + int(mm)


@dataclass(frozen=True)
class Limit:
    name: str
    meter: str
    window: Window
    cap: float
    estimate: bool = False


@dataclass(frozen=True)
class Overage:
    """What happens to a request once any limit is exhausted.

    block: not served. payg: served and charged ``rate_usd`` per unit of ``meter``; with
    ``monthly_limit_usd`` blocked once the month's overage spend reaches it. credits: the same,
    drawn from a prepaid pack of ``credits_usd`` a month (revenue whether used or not).
    """

    policy: Policy = "block"
    meter: str = ""
    rate_usd: float = 0.0
    monthly_limit_usd: float | None = None
    credits_usd: float = 0.0
    estimate: bool = False  # the policy or its figures are an illustration, not published

    @property
    def spend_limit(self) -> float | None:
        return self.credits_usd if self.policy == "credits" else self.monthly_limit_usd

    @property
    def billed(self) -> bool:
        """Is overage billed on top of the plan (revenue)? Only under payg: credits draw it
        from the prepaid pack, which ``credits_usd`` already counts as revenue (used or not),
        and block serves none."""
        return self.policy == "payg"


@dataclass(frozen=True)
class UsageCharge:
    """Pay-as-you-go pricing: every served request is charged ``rate_usd`` per meter unit."""

    meter: str
    rate_usd: float


@dataclass(frozen=True)
class Plan:
    key: str
    name: str
    price_usd: float
    limits: tuple[Limit, ...] = ()
    overage: Overage = field(default_factory=Overage)
    usage: UsageCharge | None = None
    annual_price_usd: float | None = None
    source: str = ""
    as_of: str = ""
    note: str = ""
    tool: str | None = None  # the coding agent a subscription covers (claude-code, codex)

    @property
    def estimated(self) -> bool:
        return any(lim.estimate for lim in self.limits) or self.overage.estimate

    def meters_used(self) -> list[str]:
        names = [lim.meter for lim in self.limits]
        if self.overage.policy != "block":
            names.append(self.overage.meter)
        if self.usage:
            names.append(self.usage.meter)
        return list(dict.fromkeys(names))


@dataclass(frozen=True)
class PlanCatalog:
    path: str
    meters: dict[str, Meter]
    plans: dict[str, Plan]

    def find(self, name: str) -> Plan | None:
        """A plan by key or by display name, ignoring case."""
        low = name.strip().lower()
        for p in self.plans.values():
            if low in (p.key.lower(), p.name.lower()):
                return p
        return None

    def loose_matches(self, name: str) -> list[Plan]:
        """The plans whose key or display name differs from ``name`` only in case, '-', '_'
        or spaces (``loose_name``): 'claude-pro' and 'CLAUDE PRO' match claude_pro."""
        want = loose_name(name)
        return [p for p in self.plans.values() if want in (loose_name(p.key), loose_name(p.name))]

    def find_logged(self, name: str) -> Plan | None:
        """The plan a plan name in the logs means: by key or display name (``find``), else the
        one plan of ``loose_matches`` (the logs write 'claude-pro' for claude_pro); None if
        none. Two plans that match only loosely are a ConfigError naming both: no guess."""
        found = self.find(name)
        if found is not None:
            return found
        loose = self.loose_matches(name)
        if len(loose) > 1:
            keys = " and ".join(p.key for p in loose)
            raise ConfigError(f"the logs name plan {name!r}, which matches both {keys} of the "
                              f"plan catalog {self.path} once case, '-', '_' and spaces are set "
                              "aside, so which one is not known: write the plan's key in the "
                              "logs' plan column, rename one of those plans (--plans), or give "
                              "its users' plan with --assign or --plan-file")
        return loose[0] if loose else None


_LOOSE = re.compile(r"[-_\s]+")


def loose_name(name: str) -> str:
    """A plan name with case set aside and each run of '-', '_' and spaces read as one '_'
    ('Claude-Pro', 'claude pro' and 'claude_pro' are all 'claude_pro')."""
    return _LOOSE.sub("_", name.strip().lower())


# -- strict reading ---------------------------------------------------------------------------

def _check(data: Any, spec: Mapping[str, Field], where: str, path: str) -> dict[str, Any]:
    """Unknown keys, wrong kinds, missing keys: ConfigError (``planalyzer.strict_toml``).
    Returns ``data`` itself (absent optional keys stay absent)."""
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: {where}: expected a table")
    check_table(data, spec, where, path)
    return data


def _f(kind: str, required: bool) -> Field:
    types: dict[str, tuple[type, type | None]] = {
        "number": (float, None), "string": (str, None), "boolean": (bool, None),
        "table": (dict, None), "array of tables": (list, dict)}
    t, item = types[kind]
    return Field(t, required, item_type=item, label=kind)


# The largest meter weight (units per token, per request or per USD of API value) and amount
# of USD (a price, rate, credit pack or spend limit) a plan catalog may give: real ones lie far
# below (claude_credits weighs an Opus output token 10; a nano-dollar meter would weigh a USD
# 1e9), and a typo beyond them (1e308, 2**63) would outgrow the exact sums (an event's meter
# units, planalyzer.screen.exact_sum; a month's charges, exact_sums.money_sum): refused, naming
# the key. Caps are not bounded: a cap no window reaches never binds (caps.to_nano).
MAX_WEIGHT = 1e9
MAX_USD = 1e9


_WEIGHT_BOUND = (MAX_WEIGHT, "meter weight")
_USD_BOUND = (MAX_USD, "amount of USD")


def _nonneg(value: float, where: str, path: str,
            bound: tuple[float, str] | None = None) -> float:
    """``value`` as a float: zero or more, and at most ``bound`` (the largest, what it is)."""
    if value < 0:
        raise ConfigError(f"{path}: {where}: must be zero or more, got {value}")
    if bound is not None and value > bound[0]:
        raise ConfigError(f"{path}: {where}: {value:g} is above {bound[0]:g}, more than any "
                          f"real {bound[1]} (a typo?); give the real value")
    return float(value)


def usd_amount(value: float, where: str, path: str) -> float:
    """A price, rate, credit pack or spend limit in USD: zero or more, at most ``MAX_USD``;
    else a ConfigError naming ``path`` and the key ``where``."""
    return _nonneg(value, where, path, _USD_BOUND)


_WEIGHT_SPEC = {"models": _f("string", True), "request": _f("number", False),
                "api_value_usd": _f("number", False),
                **{c: _f("number", False) for c in TOKEN_CLASSES}}
_METER_SPEC = {"unit": _f("string", True), "weight": _f("array of tables", True),
               "estimate": _f("boolean", False), "source": _f("string", False)}
_LIMIT_SPEC = {"name": _f("string", True), "meter": _f("string", True),
               "window": _f("string", True),
               "hours": _f("number", False), "days": _f("number", False),
               "timezone": _f("string", False), "reset_weekday": _f("string", False),
               "reset_time": _f("string", False), "cap": _f("number", True),
               "estimate": _f("boolean", False)}
_OVERAGE_SPEC = {"policy": _f("string", True), "meter": _f("string", False),
                 "rate_usd": _f("number", False), "monthly_limit_usd": _f("number", False),
                 "credits_usd": _f("number", False), "estimate": _f("boolean", False)}
_USAGE_SPEC = {"meter": _f("string", True), "rate_usd": _f("number", True)}
_PLAN_SPEC = {"name": _f("string", True), "price_usd": _f("number", True),
              "annual_price_usd": _f("number", False), "source": _f("string", True),
              "as_of": _f("string", True), "note": _f("string", False),
              "tool": _f("string", False),
              "limit": _f("array of tables", False), "overage": _f("table", False),
              "usage": _f("table", False)}
PLAN_TOOLS = ("claude-code", "codex")  # what a plan's `tool` may name (source names)
_TOP_SPEC = {"meter": _f("table", True), "plan": _f("table", True)}
_WINDOWS = ("rolling", "calendar_day", "calendar_week", "calendar_month")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _meter(key: str, raw: Any, path: str) -> Meter:
    where = f"meter.{key}"
    m = _check(raw, _METER_SPEC, where, path)
    weights = []
    for i, w in enumerate(m["weight"]):
        wh = f"{where}.weight[{i}]"
        w = _check(w, _WEIGHT_SPEC, wh, path)
        nums = {k: _nonneg(w[k], f"{wh}.{k}", path, _WEIGHT_BOUND) for k in _WEIGHT_SPEC
                if k != "models" and k in w}
        weights.append(Weight(models=w["models"], **nums))
    if not weights:
        raise ConfigError(f"{path}: {where}.weight: give at least one [[{where}.weight]]")
    return Meter(key, m["unit"], tuple(weights), bool(m.get("estimate", False)),
                 m.get("source", ""))


def _window(lim: dict[str, Any], where: str, path: str) -> Window:
    kind = lim["window"]
    if kind not in _WINDOWS:
        raise ConfigError(f"{path}: {where}.window: {kind!r} is not one of {', '.join(_WINDOWS)}")
    if kind == "rolling":
        if ("hours" in lim) == ("days" in lim):
            raise ConfigError(f"{path}: {where}: a rolling window needs hours or days (one)")
        key = "hours" if "hours" in lim else "days"
        if not float(lim[key]) > 0:
            raise ConfigError(f"{path}: {where}.{key}: must be more than zero, got {lim[key]}")
        hours = float(lim["hours"]) if "hours" in lim else float(lim["days"]) * 24
        for k in ("timezone", "reset_weekday", "reset_time"):
            if k in lim:
                raise ConfigError(f"{path}: {where}.{k}: only calendar windows reset at a time")
        return Window("rolling", hours=hours)
    for k in ("hours", "days"):
        if k in lim:
            raise ConfigError(f"{path}: {where}.{k}: only rolling windows have a length")
    day = str(lim.get("reset_weekday", "monday")).lower()
    if day not in WEEKDAYS:
        raise ConfigError(f"{path}: {where}.reset_weekday: {day!r} is not a weekday name; "
                          f"use one of {', '.join(WEEKDAYS)}")
    if "reset_weekday" in lim and kind != "calendar_week":
        raise ConfigError(f"{path}: {where}.reset_weekday: only calendar_week windows have one")
    rt = str(lim.get("reset_time", "00:00"))
    if not _TIME_RE.match(rt):
        raise ConfigError(f"{path}: {where}.reset_time: {rt!r} is not HH:MM")
    tz = check_timezone(str(lim.get("timezone", "UTC")), f"{path}: {where}.timezone")
    return Window(kind, timezone=tz, reset_weekday=day, reset_time=rt)


def _need_meter(name: str, meters: Mapping[str, Meter], where: str, path: str) -> None:
    if name not in meters:
        raise ConfigError(f"{path}: {where}: meter {name!r} is not defined; define "
                          f"[meter.{name}] or use one of {', '.join(sorted(meters))}")


def _plan(key: str, raw: Any, meters: Mapping[str, Meter], path: str) -> Plan:
    where = f"plan.{key}"
    p = _check(raw, _PLAN_SPEC, where, path)
    limits = []
    for i, lim in enumerate(p.get("limit", [])):
        lw = f"{where}.limit[{i}]"
        lim = _check(lim, _LIMIT_SPEC, lw, path)
        _need_meter(lim["meter"], meters, f"{lw}.meter", path)
        limits.append(Limit(lim["name"], lim["meter"], _window(lim, lw, path),
                            _nonneg(lim["cap"], f"{lw}.cap", path),
                            bool(lim.get("estimate", False))))
    names = [lim.name for lim in limits]
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: {where}.limit: limit names must differ ({names})")
    overage = Overage()
    if "overage" in p:
        ow = f"{where}.overage"
        o = _check(p["overage"], _OVERAGE_SPEC, ow, path)
        policy = o["policy"]
        if policy not in ("block", "payg", "credits"):
            raise ConfigError(f"{path}: {ow}.policy: {policy!r} is not block, payg or credits")
        if policy != "block":
            for k in ("meter", "rate_usd"):
                if k not in o:
                    raise ConfigError(f"{path}: {ow}.{k}: missing; {policy} needs it")
            _need_meter(o["meter"], meters, f"{ow}.meter", path)
        if policy == "credits" and "credits_usd" not in o:
            raise ConfigError(f"{path}: {ow}.credits_usd: missing; credits needs it")
        mlim = o.get("monthly_limit_usd")
        overage = Overage(policy, o.get("meter", ""),
                          _nonneg(o.get("rate_usd", 0.0), f"{ow}.rate_usd", path, _USD_BOUND),
                          None if mlim is None else _nonneg(mlim, f"{ow}.monthly_limit_usd",
                                                            path, _USD_BOUND),
                          _nonneg(o.get("credits_usd", 0.0), f"{ow}.credits_usd", path,
                                  _USD_BOUND),
                          bool(o.get("estimate", False)))
    usage = None
    if "usage" in p:
        u = _check(p["usage"], _USAGE_SPEC, f"{where}.usage", path)
        _need_meter(u["meter"], meters, f"{where}.usage.meter", path)
        usage = UsageCharge(u["meter"], _nonneg(u["rate_usd"], f"{where}.usage.rate_usd", path,
                                                _USD_BOUND))
    annual = p.get("annual_price_usd")
    if annual is not None and annual > 12 * p["price_usd"]:
        raise ConfigError(f"{path}: {where}.annual_price_usd: {annual:g} is above 12 x "
                          f"price_usd ({12 * p['price_usd']:g}): the annual price is a year "
                          "paid at once, at most twelve months of the monthly price")
    tool = p.get("tool")
    if tool is not None and tool not in PLAN_TOOLS:
        raise ConfigError(f"{path}: {where}.tool: {tool!r} is not one of "
                          f"{', '.join(PLAN_TOOLS)} (leave it out for a plan that covers any "
                          "tool)")
    return Plan(key, p["name"], _nonneg(p["price_usd"], f"{where}.price_usd", path, _USD_BOUND),
                tuple(limits), overage, usage,
                None if annual is None else _nonneg(annual, f"{where}.annual_price_usd", path,
                                                    _USD_BOUND),
                p["source"], p["as_of"], p.get("note", ""), tool)


def parse_plan_catalog(data: dict[str, Any], path: str) -> PlanCatalog:
    """Check a parsed plan catalog (docs/report.md, "Plans, meters, windows") strictly and
    build it; every problem is a ConfigError naming ``path`` and the dotted key."""
    check_finite(data, path)
    if isinstance(data, dict) and "meter" not in data:
        used = sorted({str(lim.get("meter")) for plan in (data.get("plan") or {}).values()
                       if isinstance(plan, dict) for lim in plan.get("limit") or []
                       if isinstance(lim, dict) and "meter" in lim})
        raise ConfigError(
            f"{path}: no [meter.NAME] tables: define the meters the plans' limits use"
            + (f" ({', '.join(used)})" if used else "")
            + ", for example copy them from the shipped planalyzer/data/plans.toml")
    if isinstance(data, dict) and "plan" not in data:
        raise ConfigError(f"{path}: no [plan.NAME] tables: define at least one plan")
    _check(data, _TOP_SPEC, "catalog", path)
    meters = {k: _meter(k, v, path) for k, v in data["meter"].items()}
    plans = {k: _plan(k, v, meters, path) for k, v in data["plan"].items()}
    if not plans:
        raise ConfigError(f"{path}: plan: define at least one [plan.NAME]")
    return PlanCatalog(path, meters, plans)


def load_plan_catalog(path: Path | str | None = None) -> PlanCatalog:
    """Read a plan catalog; ``None`` reads the shipped default."""
    p = Path(path) if path is not None else default_plans_path()
    return parse_plan_catalog(read_toml(p, hint="check the plan catalog path"), str(p))


# -- plan assignment ---------------------------------------------------------------------------

@dataclass(frozen=True)
class AssignRule:
    users: str  # a glob over user_id
    plan: str


def parse_assign(rules: Sequence[str], catalog: PlanCatalog) -> list[AssignRule]:
    """``--assign 'GLOB=PLAN'`` rules, first match wins (``--assign '*=claude_pro'``)."""
    out = []
    for r in rules:
        users, sep, plan = r.partition("=")
        if not sep or not users.strip() or not plan.strip():
            raise ConfigError(f"--assign {r!r}: write USER_GLOB=PLAN, e.g. 'team-*=claude_max_5x'")
        found = catalog.find(plan)
        if found is None:
            raise ConfigError(f"--assign {r!r}: unknown plan {plan.strip()!r}; plans are "
                              f"{', '.join(catalog.plans)}")
        out.append(AssignRule(users.strip(), found.key))
    return out


@dataclass
class RuleMatch:
    """What one ``--assign`` rule matched among the users: ``users`` it matches, ``won`` of
    them it set the plan of (an earlier rule took the rest: ``lost_to``, rule index ->
    users), and ``other_case`` users it would match ignoring case."""

    users: int = 0
    won: int = 0
    lost_to: dict[int, int] = field(default_factory=dict)
    other_case: list[str] = field(default_factory=list)  # up to a few, in users' order


@dataclass
class Assignment:
    """Which plan each user is on; where it came from; what could not be matched."""

    plan_of: dict[str, str]  # user_id -> plan key or NO_PLAN
    unknown_logged: dict[str, int] = field(default_factory=dict)  # logged plan -> users
    # logged plan -> the key it was read as, where it names the plan only loosely (another
    # case, '-', '_' or spaces: PlanCatalog.find_logged), so a note can say so
    read_as: dict[str, str] = field(default_factory=dict)
    # per --assign rule, in order: what it matched (planalyzer.assign_notes says so)
    rule_matches: tuple[RuleMatch, ...] = ()

    @property
    def unassigned(self) -> int:
        return sum(1 for v in self.plan_of.values() if v == NO_PLAN)


def assign_plans(
    users: Sequence[tuple[str, str | None]],
    catalog: PlanCatalog,
    rules: Sequence[AssignRule] = (),
    user_file: Mapping[str, str] | None = None,
) -> Assignment:
    """Resolve each user's plan: ``--assign`` rules first, then the user-to-plan file, then the
    plan column of the logs (the user's latest logged plan). Anything else: NO_PLAN."""
    plan_of: dict[str, str] = {}
    unknown: dict[str, int] = {}
    read_as: dict[str, str] = {}
    looked: dict[str, Plan | None] = {}  # logged plan -> its plan, looked up once per name
    matches = [RuleMatch() for _ in rules]
    for user, logged in users:
        key = None
        winner: int | None = None
        for i, r in enumerate(rules):
            if fnmatch.fnmatchcase(user, r.users):
                matches[i].users += 1
                if winner is None:
                    winner, key = i, r.plan
                    matches[i].won += 1
                else:
                    matches[i].lost_to[winner] = matches[i].lost_to.get(winner, 0) + 1
            elif (len(matches[i].other_case) < 3 and not matches[i].users
                  and fnmatch.fnmatchcase(user.lower(), r.users.lower())):
                matches[i].other_case.append(user)
        if key is None and user_file and user in user_file:
            key = user_file[user]
        if key is None and logged:
            if logged not in looked:
                plan = looked[logged] = catalog.find_logged(logged)
                if plan is not None and catalog.find(logged) is None:
                    read_as[logged] = plan.key
            found = looked[logged]
            if found is None:
                unknown[logged] = unknown.get(logged, 0) + 1
            else:
                key = found.key
        plan_of[user] = key or NO_PLAN
    return Assignment(plan_of, unknown, rule_matches=tuple(matches), read_as=read_as)


def assign_rule_notes(rules: Sequence[AssignRule], assignment: Assignment) -> list[str]:
    """A note per ``--assign`` rule that sets no user's plan: it matched no user (user ids
    are case-sensitive: the users it would match in another case, else an example id), or
    every user it matched was matched first by an earlier rule (first match wins)."""
    notes = []
    example = next(iter(sorted(assignment.plan_of)), None)
    for r, m in zip(rules, assignment.rule_matches, strict=False):
        text = f"--assign '{r.users}={r.plan}'"
        if m.users == 0:
            if m.other_case:
                hint = (f"user ids are case-sensitive: it would match "
                        f"{', '.join(m.other_case)} in another case")
            else:
                hint = f"check the pattern; user ids look like {example}" if example else ""
            notes.append(f"{text} matched no user, so it sets no plan"
                         + (f" ({hint})" if hint else ""))
        elif m.won == 0:
            earlier = ", ".join(f"--assign '{rules[i].users}={rules[i].plan}'"
                                for i in sorted(m.lost_to))
            notes.append(f"{text} sets no plan: the {m.users:,} user(s) it matches are matched "
                         f"first by the earlier {earlier} (the first rule that matches a user "
                         "wins: give the narrower rule first)")
    return notes


@dataclass(frozen=True)
class PlanSources:
    """Where plans come from before the logs are read: ``--assign`` rules and a user-to-plan
    file; the logs' latest plan per user comes later (``assign``). The report's month-first
    pass reads the latest plans in the same scan as everything else (planalyzer.analysis)."""

    rules: tuple[AssignRule, ...] = ()
    user_file: Mapping[str, str] | None = None

    def assign(self, users: Sequence[tuple[str, str | None]], catalog: PlanCatalog
               ) -> Assignment:
        return assign_plans(users, catalog, self.rules, self.user_file)

    def from_logs(self, user: str) -> bool:
        """The user's plan comes from the logs' plan column (no rule, not in the user file)."""
        if any(fnmatch.fnmatchcase(user, r.users) for r in self.rules):
            return False
        return not (self.user_file and user in self.user_file)

    def possible(self, catalog: PlanCatalog, logged: Sequence[str | None]) -> list[str]:
        """Plan keys a user can get, given the distinct plans in the logs (catalog order)."""
        keys = {r.plan for r in self.rules} | set((self.user_file or {}).values())
        for name in logged:
            found = catalog.find(name) if name else None
            # a name matching loosely: its plan (or both plans, an error once a user needs it)
            keys.update(p.key for p in ([found] if found is not None else
                                        catalog.loose_matches(name) if name else []))
        return [k for k in catalog.plans if k in keys]


def check_user_file(rows: Sequence[tuple[Any, Any]], catalog: PlanCatalog, path: str
                    ) -> dict[str, str]:
    """user_id -> plan key from a user-to-plan file; an unknown plan names its row. A user
    listed twice with different plans is an error naming both rows (the same plan twice is
    fine)."""
    out: dict[str, str] = {}
    first_row: dict[str, int] = {}
    for i, (raw_user, raw_plan) in enumerate(rows, start=1):
        # trimmed as the logs' user ids are (' u1 ' is u1)
        user = None if raw_user is None else str(raw_user).strip()
        plan = None if raw_plan is None else str(raw_plan).strip()
        if not user or not plan:
            raise ConfigError(f"{path}: row {i}: user_id and plan must both be given")
        found = catalog.find(plan)
        if found is None:
            raise ConfigError(f"{path}: row {i}: unknown plan {shorten(plan)!r}; plans are "
                              f"{', '.join(catalog.plans)}")
        uid = str(user)
        if uid in out and out[uid] != found.key:
            raise ConfigError(f"{path}: rows {first_row[uid]} and {i}: user {shorten(uid)!r} is "
                              f"listed twice, on {out[uid]} and on {found.key}; keep one row per "
                              "user")
        first_row.setdefault(uid, i)
        out[uid] = found.key
    return out
