"""Sweeps: a grid over scenario parameters, each point evaluated on the same one pass; the
frontier of an objective (contribution margin by default) against the share of users affected.

A grid axis is ``PATH=VALUES``: PATH is a dotted scenario key (``plans.claude_max_20x.price_usd``,
``plans.claude_max_20x.limits.weekly.cap``, ``plans.claude_pro.overage.rate_usd``,
``behaviour.elasticity``, ``cost.gpu_price_factor``); VALUES is a comma list (``150,200,250``,
``block,payg``) or a range ``START:STOP:STEP`` (STOP included when the steps land on it).
No typer or rich here.
"""

from __future__ import annotations

import fnmatch
import itertools
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from planalyzer.checks import NUMBER_SUFFIXES, parse_number
from planalyzer.errors import ConfigError
from planalyzer.plans import PlanCatalog
from planalyzer.tables import Col, Kind, Table
from planalyzer.whatif import grid_paths
from planalyzer.whatif.run import (
    LIMIT_METRICS,
    PLAN_METRICS,
    TOTAL_METRICS,
    Evaluator,
    Outcome,
    metrics,
    no_plan_notes,
    period_span,
    warning_notes,
)
from planalyzer.whatif.scenario import BASELINE, Scenario, apply_scenario, with_values
from planalyzer.whatif.tables import delta

MAX_POINTS = 100_000
# grid keys whose values are counts (caps in meter units, window lengths, prompt-token bounds):
# an axis of them is integers when every value is whole; every other number key (dollars,
# shares, factors, elasticity) is floats, however its values were written (``axis_values``)
COUNT_KEYS = frozenset({"cap", "hours", "days", "min_prompt_tokens", "max_prompt_tokens"})
_EXACT_INT = 2 ** 53  # a whole float below this is exactly that integer


@dataclass(frozen=True)
class Axis:
    path: str
    values: tuple[Any, ...]


def _value(text: str) -> Any:
    t = text.strip()
    if t.lower() in ("true", "false"):
        return t.lower() == "true"
    try:
        v = parse_number(t)
    except ValueError:
        return t
    if not math.isfinite(v):
        raise ConfigError(f"--grid value {text!r}: not a finite number")
    plain = ("." not in t and "e" not in t.lower()) or t[-1:] in NUMBER_SUFFIXES
    return int(v) if v.is_integer() and plain else v


def parse_axis(spec: str) -> Axis:
    """``PATH=V1,V2`` or ``PATH=START:STOP:STEP``."""
    path, sep, rest = spec.partition("=")
    path = grid_paths.canonical(path.strip())
    if not sep or not path or not rest.strip():
        raise ConfigError(f"--grid {spec!r}: write PATH=V1,V2,... or PATH=START:STOP:STEP, e.g. "
                          "plans.claude_max_20x.limits.weekly.cap=40e6:80e6:10e6")
    if path.split(".")[0] not in ("plans", "cost", "behaviour"):
        raise ConfigError(f"--grid {spec!r}: PATH starts with plans., cost. or behaviour.")
    if rest.count(":") == 2 and "," not in rest:
        try:
            lo, hi, step = (parse_number(x) for x in rest.split(":"))
        except ValueError:
            raise ConfigError(f"--grid {spec!r}: START:STOP:STEP must be numbers (40e6, "
                              "40_000_000 or 40M)") from None
        if step <= 0 or hi < lo:
            raise ConfigError(f"--grid {spec!r}: STEP must be more than zero and STOP at least "
                              "START (to go down, list the values: PATH=30,25,20)")
        n = math.floor((hi - lo) / step + 1e-9) + 1
        if n > MAX_POINTS:
            raise ConfigError(f"--grid {spec!r}: {n:,} values; use a larger STEP")
        vals: tuple[Any, ...] = tuple(round(lo + i * step, 10) for i in range(n))
    else:
        vals = tuple(_value(v) for v in rest.split(",") if v.strip())
        _check_distinct(spec, path, vals)
    return Axis(path, axis_values(path, vals))


def axis_values(path: str, values: Sequence[Any]) -> tuple[Any, ...]:
    """An axis's values in one type, whichever way they were written (``15:35:5``, ``80,100``,
    ``2e1``, ``40M``), so a key's column in JSON and CSV holds one type: a count key
    (``COUNT_KEYS``: ``cap``, ``hours`` ...) as integers when every value is whole, else as
    floats; any other number key (``price_usd``, ``rate_usd``, shares, factors, elasticity)
    always as floats. An axis with text or true/false among its values keeps them as
    written."""
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return tuple(values)
    whole = all(float(v).is_integer() and abs(v) < _EXACT_INT for v in values)
    if grid_paths.steps(path)[-1] in COUNT_KEYS and whole:
        return tuple(int(v) for v in values)
    return tuple(float(v) for v in values)


def _check_distinct(spec: str, path: str, values: Sequence[Any]) -> None:
    """Each value of an axis once: a value listed twice (``20,20``, or ``20,2e1``: the same
    number) would make the same design twice, a likely typo for another value; refused,
    naming it and the list without the repeats."""
    seen: dict[tuple[bool, Any], Any] = {}
    repeated: list[Any] = []
    for v in values:
        key = (isinstance(v, bool), v)  # true is no 1
        if key in seen:
            repeated.append(v)
        else:
            seen[key] = v
    if repeated:
        again = ", ".join(dict.fromkeys(grid_paths.show(v) for v in repeated))
        once = ",".join(grid_paths.show(v) for v in seen.values())
        raise ConfigError(f"--grid {spec!r}: {again} listed more than once (each value "
                          f"makes one design); list each value once, e.g. --grid {path}={once}")


def grid_points(axes: Sequence[Axis]) -> list[dict[str, Any]]:
    check_axes(axes)
    total = math.prod(len(a.values) for a in axes)
    if total > MAX_POINTS:
        raise ConfigError(f"--grid: {total:,} points; at most {MAX_POINTS:,}")
    return [dict(zip([a.path for a in axes], combo, strict=True))
            for combo in itertools.product(*[a.values for a in axes])]


def check_axes(axes: Sequence[Axis]) -> None:
    """One axis per path: a second ``--grid`` of the same path would overwrite the first's
    values in every point (qa12D #6)."""
    seen: dict[str, Axis] = {}
    for a in axes:
        if a.path in seen:
            vals = ",".join(grid_paths.show(v) for v in (*seen[a.path].values, *a.values))
            raise ConfigError(f"--grid {a.path}: given twice; list all its values in one "
                              f"--grid (--grid {a.path}={vals})")
        seen[a.path] = a


def axis_col(path: str, values: Sequence[Any]) -> Col:
    """The column of a grid axis: its values as given (numbers stay numbers in JSON/CSV)."""
    text = any(isinstance(v, str | bool) for v in values)
    return Col(path, "str" if text else "number", path.removeprefix("plans."))


def point_name(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k.removeprefix('plans.')}={fmt_value(v)}" for k, v in values.items())


def fmt_value(v: Any) -> str:
    if isinstance(v, float):
        return f"{int(v):,}" if v.is_integer() and abs(v) < 1e15 else f"{v:,.6g}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def point_scenarios(base: Scenario | None, points: Sequence[Mapping[str, Any]]
                    ) -> list[Scenario]:
    b = base or BASELINE
    return [with_values(b, p, point_name(p)) for p in points]


def point_catalogs(catalog: PlanCatalog, scenarios: Sequence[Scenario]) -> list[PlanCatalog]:
    """The catalogs a sweep needs windows for (checks every point before the one pass)."""
    seen: dict[Any, PlanCatalog] = {}
    for s in scenarios:
        c = apply_scenario(catalog, s)[0]
        key = tuple(lim.window for p in c.plans.values() for lim in p.limits)
        seen.setdefault(key, c)
    return list(seen.values())


def corner_points(axes: Sequence[Axis]) -> list[dict[str, Any]]:
    """A few designs that use every value of every axis at least once (the i-th value of
    each axis, wrapping round): what a large grid's checks look at instead of every point."""
    check_axes(axes)
    return [{a.path: a.values[i % len(a.values)] for a in axes}
            for i in range(max((len(a.values) for a in axes), default=0))]


_UNKNOWN_METRIC = ("use e.g. margin_usd, revenue_usd, users_affected_share, margin_usd:PLAN, "
                   "profitable_share:PLAN, median_margin_usd:PLAN, hit_share:PLAN.LIMIT "
                   "(docs/whatif.md, \"The optimizer\")")


def plan_limits(c: PlanCatalog) -> dict[str, tuple[str, ...]]:
    """Plan key -> its limits' names."""
    return {k: tuple(lim.name for lim in p.limits) for k, p in c.plans.items()}


def metric_names(plans: Mapping[str, Collection[str]]) -> set[str]:
    """Every metric name ``whatif.run.metrics`` can give for these plans and limits."""
    out = set(TOTAL_METRICS)
    for key, limits in plans.items():
        out |= {f"{m}:{key}" for m in PLAN_METRICS}
        out |= {f"{m}:{key}.{lim}" for m in LIMIT_METRICS for lim in limits}
    return out


def _known(name: str, names: set[str]) -> bool:
    if name in names:
        return True
    return "*" in name and any(fnmatch.fnmatchcase(n, name) for n in names)


def _explain(name: str, plans: Mapping[str, Collection[str]]) -> str:
    """Why ``name`` names no metric: the unknown metric, plan or limit, and the known ones."""
    head, colon, rest = name.partition(":")
    known_plans = ", ".join(sorted(plans)) or "none"
    if not colon or head not in PLAN_METRICS + LIMIT_METRICS:
        return f"metric {name!r}: unknown; {_UNKNOWN_METRIC}"
    if head in LIMIT_METRICS:
        plan, dot, limit = rest.partition(".")
        if not dot:
            return (f"metric {name!r}: {head} is per limit: write {head}:PLAN.LIMIT, e.g. "
                    f"{head}:claude_pro.weekly")
    else:
        plan, limit = rest, ""
        if "." in plan and plan.partition(".")[0] in plans:
            return (f"metric {name!r}: {head} is per plan: write {head}:PLAN (per limit: "
                    f"{', '.join(f'{m}:PLAN.LIMIT' for m in LIMIT_METRICS)})")
    matched = [k for k in plans if fnmatch.fnmatchcase(k, plan)]
    if not matched:
        return (f"metric {name!r}: plan {plan!r} is not in the plan catalog or added by a "
                f"scenario; known plans: {known_plans}")
    if head not in LIMIT_METRICS:
        return f"metric {name!r}: unknown; {_UNKNOWN_METRIC}"
    limits = ", ".join(sorted({lim for k in matched for lim in plans[k]})) or "none"
    if plan == "*":
        return f"metric {name!r}: no plan has a limit {limit!r}; the limits are {limits}"
    if "*" in plan:
        return (f"metric {name!r}: no plan matching {plan!r} has a limit {limit!r}; their "
                f"limits are {limits}")
    return f"metric {name!r}: plan {plan!r} has no limit {limit!r}; its limits are {limits}"


def check_metrics(named: Sequence[tuple[str, str]], catalog: PlanCatalog,
                  scenarios: Iterable[Scenario] = ()) -> None:
    """Each (option, metric name) must name a metric of a plan or limit of ``catalog`` or of
    some design (a scenario of ``scenarios`` applied to it); ``*`` patterns must match one,
    and only a ``--constraint`` takes them (qa12D #5: an objective read 0 for every design).
    Otherwise a ConfigError names the option, the unknown metric, plan or limit, and the known
    ones. Designs are applied only while a name is still unknown (typically never)."""
    plans: dict[str, set[str]] = {}

    def add(c: PlanCatalog) -> set[str]:
        for k, lims in plan_limits(c).items():
            plans.setdefault(k, set()).update(lims)
        return metric_names(plans)

    names = add(catalog)
    for what, name in named:  # an objective or a frontier's share is one number per design
        if "*" in name and not what.startswith("--constraint"):
            like = sorted(n for n in names if fnmatch.fnmatchcase(n, name))
            eg = f" (e.g. {like[0]})" if like else ""
            raise ConfigError(f"{what} {name!r}: `*` works only in --constraint, where it "
                              f"means every plan; name one plan here{eg}")
    todo = [(what, n) for what, n in named if not _known(n, names)]
    seen: set[Any] = set()
    for s in scenarios if todo else ():
        c = apply_scenario(catalog, s)[0]
        key = tuple(plan_limits(c).items())
        if key in seen:
            continue
        seen.add(key)
        names = add(c)
        todo = [(what, n) for what, n in todo if not _known(n, names)]
        if not todo:
            return
    if todo:
        what, name = todo[0]
        raise ConfigError(f"{what}: {_explain(name, plans)}")


def check_affected(name: str) -> None:
    """``--affected`` is a share the frontier minimises (users affected, hit by a limit ...):
    a money metric there would make the frontier minimise margin."""
    metric = name.partition(":")[0]
    if metric == "profitable_share":  # higher is better: a frontier minimising it is upside down
        raise ConfigError(f"--affected {name!r}: the frontier minimises --affected, and more "
                          "profitable users is better; give a share where less is better "
                          "(users_affected_share, users_hit_share, hit_share:PLAN.LIMIT), or "
                          "use --objective profitable_share:PLAN with optimize")
    if not metric.endswith("_share"):
        raise ConfigError(f"--affected {name!r}: give a share metric where less is better "
                          "(users_affected_share, users_hit_share, hit_share:PLAN.LIMIT); the "
                          "frontier minimises it and trades it against --objective")


# Metrics where less is better: maximising one of them without ``min:`` earns a note.
_LOWER_IS_BETTER = ("*_loss_usd", "*cost_usd", "unprofitable_*", "blocked_*", "users_hit*",
                    "users_affected*", "hit_*")


@dataclass(frozen=True)
class Objective:
    """``--objective``: ``METRIC`` or ``max:METRIC`` (maximised), ``min:METRIC`` (minimised)."""

    metric: str
    minimise: bool = False
    explicit: bool = field(default=False, compare=False)  # written with min: or max:

    @property
    def sense(self) -> float:
        """+1 when maximised, -1 when minimised: ``sense * value`` is higher for better."""
        return -1.0 if self.minimise else 1.0

    @property
    def label(self) -> str:
        if self.minimise:
            return f"min:{self.metric}"
        return f"max:{self.metric}" if self.explicit else self.metric

    def note(self) -> str:
        """The direction, and a hint when a lower-is-better metric is maximised."""
        head = self.metric.split(":", 1)[0]
        if self.minimise:
            return f"objective {self.metric} is minimised (min:): lower is better"
        if self.explicit:
            return f"objective {self.metric} is maximised (max:): higher is better"
        if any(fnmatch.fnmatchcase(head, p) for p in _LOWER_IS_BETTER):
            return (f"objective {self.metric} is maximised, but less is better for it: write "
                    f"--objective min:{self.metric} to minimise it")
        return f"objective {self.metric} is maximised (--objective min:METRIC minimises)"


def parse_objective(text: str | Objective) -> Objective:
    """``METRIC``, ``max:METRIC`` or ``min:METRIC``."""
    if isinstance(text, Objective):
        return text
    head, colon, rest = text.strip().partition(":")
    if colon and head in ("min", "max"):
        if not rest.strip():
            raise ConfigError(f"--objective {text!r}: give a metric after {head}:, e.g. "
                              f"{head}:unprofitable_loss_usd")
        return Objective(rest.strip(), head == "min", explicit=True)
    return Objective(text.strip())


def resolve_metric(name: str, m: Mapping[str, float]) -> float:
    """The value of metric ``name`` (checked by ``check_metrics``) in metrics ``m``."""
    if name not in m:
        if ":" in name:  # a known plan or limit with no users under this design reads as zero
            return 0.0
        raise ConfigError(f"metric {name!r}: unknown; {_UNKNOWN_METRIC}")
    return m[name]


def frontier(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indexes of points not dominated in (objective: higher, affected: lower): no other
    point is at least as good on both and better on one. Designs tied on both are all kept."""
    order = sorted(range(len(points)), key=lambda i: (points[i][1], -points[i][0], i))
    out: list[int] = []
    best = -math.inf  # the best objective at a strictly lower affected share
    for _, same in itertools.groupby(order, key=lambda i: points[i][1]):
        group = list(same)  # one affected share, best objective first
        top = points[group[0]][0]
        if top > best:
            out.extend(i for i in group if points[i][0] == top)
            best = top
    return sorted(out)


def metric_kind(name: str) -> Kind:
    """How to show a metric's value: USD for ``*_usd``, a share for ``*_share``, else a
    measure (counts of users, user-months, requests)."""
    base = name.split(":", 1)[0]
    return "usd" if base.endswith("_usd") else "share" if base.endswith("_share") else "float"


def unit_suffix(name: str) -> str:
    """The end of a column key holding metric ``name``'s value, by the output's naming rule:
    ``_usd`` for money, ``_share`` for a share, nothing for a count (``objective_usd`` for
    --objective margin_usd, ``objective`` for unprofitable_user_months)."""
    return {"usd": "_usd", "share": "_share"}.get(metric_kind(name), "")


SWEEP_METRICS = (
    ("revenue_usd", "usd", "revenue"),
    ("margin_usd", "usd", "margin"),
    ("unprofitable_user_months", "float", "unprofitable"),
    ("blocked_api_value_usd", "usd", "blocked"),
    ("users_hit_share", "share", "hit"),
)


def sweep(ev: Evaluator, scenarios: Sequence[Scenario], points: Sequence[Mapping[str, Any]],
          objective: str | Objective = "margin_usd", affected: str = "users_affected_share"
          ) -> tuple[list[Outcome], list[Table]]:
    obj = parse_objective(objective)
    objective = obj.metric
    check_affected(affected)
    check_metrics([("--objective", objective), ("--affected", affected)],
                  ev.baseline_catalog, scenarios)
    base = metrics(ev.baseline)
    outs = [ev.run(s) for s in scenarios]
    mets = [metrics(o) for o in outs]
    objs = [resolve_metric(objective, m) for m in mets]
    affs = [resolve_metric(affected, m) for m in mets]
    front = set(frontier([(obj.sense * o, a) for o, a in zip(objs, affs, strict=True)]))
    paths = list(points[0]) if points else []
    cols = [Col("point", "int"), *[axis_col(p, [pt[p] for pt in points]) for p in paths],
            *[Col(k, kind, label) for k, kind, label in SWEEP_METRICS],  # type: ignore[arg-type]
            Col(f"objective{unit_suffix(objective)}", metric_kind(objective),
                f"objective ({obj.label})"),
            Col(f"objective_delta{unit_suffix(objective)}", metric_kind(objective),
                "objective change"),
            Col("affected_share", "share", affected),
            Col("on_frontier", "bool", "frontier")]
    rows = []
    kind = metric_kind(objective)
    for i, (pt, m) in enumerate(zip(points, mets, strict=True)):
        rows.append((i + 1, *[pt[p] for p in paths], *[m.get(k, 0.0) for k, _, _ in
                                                       SWEEP_METRICS],
                     objs[i], delta(objs[i], resolve_metric(objective, base), kind), affs[i],
                     i in front))
    span = period_span(ev)
    table = Table("sweep_points", f"Sweep: {len(points)} designs on the same history (money: "
                  f"period total, {span})", cols,
                  rows, [f"baseline: {objective} = {resolve_metric(objective, base):,.2f}, "
                         f"{affected} = {resolve_metric(affected, base):.4f}",
                         "affected: users whose bill differs from the baseline's by more than "
                         "a cent, or whose blocked requests or plan differ, as the plan "
                         "rules give them (return_share and buy_overage_share alone affect "
                         "nobody), unless --affected names another metric",
                         "revenue, margin (contribution margin: revenue - GPU cost): USD over "
                         f"the period ({span}), not per month; unprofitable: user-months "
                         "with a negative margin; blocked: usage blocked, at API list value "
                         "(USD); hit: share of subscribers hit by any limit; objective: the "
                         "--objective metric in its own unit, and its change against the "
                         "baseline",
                         obj.note(), *no_plan_notes(ev),
                         *warning_notes(ev, [(f"point {i}", o.warnings)
                                             for i, o in enumerate(outs, start=1)])])
    ftable = Table("sweep_frontier", f"Frontier: {'lowest' if obj.minimise else 'best'} "
                   f"{objective} for each share of users affected (money: period total, "
                   f"{span})", cols,
                   sorted((r for r in rows if r[-1]), key=lambda r: (r[-2], -obj.sense * r[-4])))
    return outs, [table, ftable]
