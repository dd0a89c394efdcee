"""The optimizer: search plan designs (a grid of scenario parameters) for the best objective
under constraints, on the one pass over events.

Constraints are ``METRIC OP VALUE``: METRIC is any name ``whatif.run.metrics`` gives
(``users_affected_share``, ``hit_share:claude_max_20x.weekly``, ``median_margin_usd:*`` with ``*``
for every plan), OP one of ``<= >= < >``, VALUE a number or ``baseline`` (the baseline's value of
the same metric). Search: every point when the grid has at most ``max_evals`` points
(exhaustive), else coordinate ascent from several starts (one axis at a time, every value of
it, the best feasible point kept; infeasible points ranked by how far they miss). No typer or
rich here.
"""

from __future__ import annotations

import fnmatch
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from planalyzer.errors import ConfigError
from planalyzer.plans import PlanCatalog
from planalyzer.tables import Col, Table
from planalyzer.whatif.run import Evaluator, metrics, no_plan_notes, period_span, warning_notes
from planalyzer.whatif.scenario import Scenario
from planalyzer.whatif.sweep import (
    Axis,
    Objective,
    axis_col,
    check_metrics,
    corner_points,
    fmt_value,
    metric_kind,
    parse_objective,
    point_scenarios,
    resolve_metric,
    unit_suffix,
)
from planalyzer.whatif.tables import delta, tolerance

_RE = re.compile(r"^\s*([\w:.*\-]+)\s*(<=|>=|<|>)\s*(baseline|[-+0-9.eE_]+)\s*$")


@dataclass(frozen=True)
class Constraint:
    metric: str
    op: str
    value: float | None  # None: the baseline's value
    text: str

    def names(self, m: Mapping[str, float]) -> list[str]:
        if "*" not in self.metric:
            return [self.metric]
        return sorted(k for k in m if fnmatch.fnmatchcase(k, self.metric))

    def violation(self, m: Mapping[str, float], base: Mapping[str, float]) -> float:
        """0 when met; else how far it misses (summed over the names ``*`` expands to)."""
        total = 0.0
        for name in self.names(m):
            lhs = resolve_metric(name, m)
            rhs = resolve_metric(name, base) if self.value is None else self.value
            # float noise only: a bound relative to the figure (1e-9 of it) let a design $10
            # short of an $823B baseline meet 'revenue_usd >= baseline' (qa17A #2)
            tol = tolerance(metric_kind(name), lhs, rhs)
            d = lhs - rhs if self.op in ("<=", "<") else rhs - lhs  # > 0: wrong side
            if self.op in ("<=", ">="):
                total += d if d > tol else 0.0
            else:
                total += d + tol if d >= -tol else 0.0
        return total


def constraint_key(i: int, c: Constraint) -> str:
    """The column key of the ``i``-th constraint's value: ``constraint_1_usd`` for
    'revenue_usd >= baseline', ``constraint_2_share`` for a share, ``constraint_3`` for a
    count (the output's naming rule: sweep.unit_suffix)."""
    return f"constraint_{i}{unit_suffix(c.metric)}"


def parse_constraint(text: str) -> Constraint:
    mt = _RE.match(text)
    if not mt:
        raise ConfigError(f"--constraint {text!r}: write METRIC OP VALUE, e.g. "
                          "'hit_share:claude_max_20x.weekly <= 0.05' or 'revenue_usd >= baseline'")
    metric, op, val = mt.groups()
    if val == "baseline":
        return Constraint(metric, op, None, text.strip())
    try:
        return Constraint(metric, op, float(val.replace("_", "")), text.strip())
    except ValueError:
        raise ConfigError(f"--constraint {text!r}: {val!r} is not a number") from None


@dataclass
class Evaluated:
    index: tuple[int, ...]
    values: dict[str, Any]
    objective: float
    violation: float
    metrics: dict[str, float]
    warnings: list[str] = field(default_factory=list)  # its Outcome.warnings
    sense: float = 1.0  # -1 where the objective is minimised

    @property
    def feasible(self) -> bool:
        return self.violation == 0.0

    def key(self) -> tuple[bool, float, float]:
        return (self.feasible, -self.violation, self.sense * self.objective)


@dataclass
class Result:
    best: list[Evaluated]
    evaluated: int
    grid_size: int
    search: str
    seconds: float
    notes: list[str] = field(default_factory=list)


def current_value(catalog: PlanCatalog, path: str) -> Any:
    """The baseline catalog's value at a scenario path, where it has one."""
    parts = path.split(".")
    if parts[0] == "cost":  # the factors are 1 in the baseline; no route, cache gain or catalog
        return 1.0 if path.endswith("_factor") else 0.0 if path == "cost.cache.hit_gain" \
            else None
    if parts[0] == "behaviour":
        return 0.0
    plan = catalog.plans.get(parts[1]) if len(parts) > 2 else None
    if plan is None:
        return None
    rest = parts[2:]
    if rest == ["price_usd"]:
        return plan.price_usd
    if rest[0] == "limits" and len(rest) == 3:
        for lim in plan.limits:
            if lim.name == rest[1]:
                if rest[2] == "cap":
                    return lim.cap
                if rest[2] == "hours":
                    return lim.window.hours
                if rest[2] == "days":
                    return lim.window.hours / 24
        return None
    if rest[0] == "overage" and len(rest) == 2:
        return getattr(plan.overage, rest[1], None)
    return None


def optimize(ev: Evaluator, base: Scenario | None, axes: Sequence[Axis],
             objective: str | Objective, constraints: Sequence[Constraint], *,
             search: str = "auto", max_evals: int = 2000, top: int = 5) -> Result:
    """The ``top`` designs by ``objective`` (``METRIC``, ``max:METRIC`` or ``min:METRIC``)."""
    obj = parse_objective(objective)
    objective = obj.metric
    if top < 1 or max_evals < 1:
        raise ConfigError(f"optimize: top ({top}) and max_evals ({max_evals}) must be at "
                          "least 1")
    t0 = time.perf_counter()
    check_metrics([("--objective", objective),
                   *[(f"--constraint {c.text!r}", c.metric) for c in constraints]],
                  ev.baseline_catalog,
                  (point_scenarios(base, [p])[0] for p in corner_points(axes)))
    base_m = metrics(ev.baseline)
    cache: dict[tuple[int, ...], Evaluated] = {}
    sizes = [len(a.values) for a in axes]
    grid = math.prod(sizes)

    def at(idx: tuple[int, ...]) -> Evaluated:
        if idx not in cache:
            values = {a.path: a.values[i] for a, i in zip(axes, idx, strict=True)}
            scen = point_scenarios(base, [values])[0]
            out = ev.run(scen)
            m = metrics(out)
            viol = sum(c.violation(m, base_m) for c in constraints)
            cache[idx] = Evaluated(idx, values, resolve_metric(objective, m), viol, m,
                                   out.warnings, obj.sense)
        return cache[idx]

    mode = search if search != "auto" else ("exhaustive" if grid <= max_evals else "coordinate")
    if mode == "exhaustive":
        for flat in range(grid):
            at(_unflat(flat, sizes))
    elif mode == "coordinate":
        for start in _starts(ev.baseline_catalog, axes):
            _coordinate(at, start, sizes)
    else:
        raise ConfigError(f"--search {search!r}: use auto, exhaustive or coordinate")
    ranked = sorted(cache.values(), key=lambda e: (e.key(), [-i for i in e.index]),
                    reverse=True)
    notes = [f"searched {len(cache):,} of {grid:,} designs ({mode})"]
    if ranked and not ranked[0].feasible:
        notes.append("no design meets every constraint: the closest are shown")
    return Result(ranked[:top], len(cache), grid, mode, time.perf_counter() - t0, notes)


def _unflat(flat: int, sizes: Sequence[int]) -> tuple[int, ...]:
    out = []
    for s in reversed(sizes):
        out.append(flat % s)
        flat //= s
    return tuple(reversed(out))


def _starts(catalog: PlanCatalog, axes: Sequence[Axis]) -> list[tuple[int, ...]]:
    """Start at the baseline's values (nearest grid value), at the lowest and the highest."""
    here = []
    for a in axes:
        cur = current_value(catalog, a.path)
        nums = [v for v in a.values if isinstance(v, int | float) and not isinstance(v, bool)]
        if isinstance(cur, int | float) and len(nums) == len(a.values):
            here.append(min(range(len(a.values)), key=lambda i: abs(float(a.values[i]) - cur)))
        else:
            here.append(0)
    return list(dict.fromkeys([tuple(here), tuple(0 for _ in axes),
                               tuple(len(a.values) - 1 for a in axes)]))


def _coordinate(at: Callable[[tuple[int, ...]], Evaluated], start: tuple[int, ...],
                sizes: Sequence[int]) -> None:
    cur = at(start)
    improved = True
    while improved:
        improved = False
        for ax, size in enumerate(sizes):
            for v in range(size):
                idx = (*cur.index[:ax], v, *cur.index[ax + 1:])
                cand = at(idx)
                if cand.key() > cur.key():
                    cur, improved = cand, True


def result_tables(ev: Evaluator, res: Result, axes: Sequence[Axis],
                  objective: str | Objective, constraints: Sequence[Constraint]
                  ) -> list[Table]:
    obj = parse_objective(objective)
    objective = obj.metric
    base_m = metrics(ev.baseline)
    cols = [Col("rank", "int"), *[axis_col(a.path, a.values) for a in axes],
            Col(f"objective{unit_suffix(objective)}", metric_kind(objective),
                f"objective ({obj.label})"),
            Col(f"objective_delta{unit_suffix(objective)}", metric_kind(objective),
                "objective change"),
            Col("feasible", "bool", "meets constraints"),
            *[Col(constraint_key(i, c), metric_kind(c.metric), c.text)
              for i, c in enumerate(constraints, 1)],
            Col("revenue_usd", "usd", "revenue"), Col("margin_usd", "usd",
                                                      "contribution margin"),
            Col("users_affected_share", "share", "users affected")]
    rows = []
    for r, e in enumerate(res.best, start=1):
        cvals = []
        for c in constraints:
            names = c.names(e.metrics)
            vals = [resolve_metric(n, e.metrics) for n in names] or [0.0]
            cvals.append(max(vals) if c.op in ("<=", "<") else min(vals))
        rows.append((r, *[e.values[a.path] for a in axes], e.objective,
                     delta(e.objective, resolve_metric(objective, base_m),
                           metric_kind(objective)), e.feasible, *cvals,
                     e.metrics["revenue_usd"], e.metrics["margin_usd"],
                     e.metrics["users_affected_share"]))
    span = period_span(ev)
    first = "lowest first; " if obj.minimise else ""
    best = Table("optimize_best", f"Best designs by {objective} ({first}money: period total, "
                 f"{span})", cols, rows,
                 [*res.notes, "constraint columns: the metric's value (for '*': the worst "
                  "plan's)" + ("".join(f"; {constraint_key(i, c)} = {c.text}"
                                       for i, c in enumerate(constraints, 1))),
                  f"objective: the --objective metric over the period ({span}, not per month), "
                  "in its own unit (USD for *_usd, 0..1 for *_share, else a count); change = "
                  "against the baseline; "
                  "losses (*_loss_usd) are positive amounts",
                  obj.note(), *no_plan_notes(ev),
                  *warning_notes(ev, [(f"rank {r}", e.warnings)
                                      for r, e in enumerate(res.best, start=1)])])
    ccols = [Col("rank", "int"), Col("change"), Col("plan"), Col("users", "int"),
             Col("users_affected", "int", "users affected"),
             Col("users_affected_share", "share", "share affected"),
             Col("users_hit_share", "share", "users hit by a limit"),
             Col("revenue_delta_usd", "usd", "revenue change"),
             Col("margin_delta_usd", "usd", "margin change")]
    crow = []
    for r, e in enumerate(res.best, start=1):
        moved = [(p, _show(current_value(ev.baseline_catalog, p)), _show(v))
                 for p, v in e.values.items()]
        # an axis left at the baseline's value changes nothing: not shown as "200 -> 200"
        change = "; ".join(f"{p.removeprefix('plans.')}: {old} -> {new}"
                           for p, old, new in moved if old != new) or "as the baseline"
        plans = sorted({k.split(":", 1)[1] for k in e.metrics if k.startswith("users:")})
        for p in plans:
            def g(k: str, p: str = p, e: Evaluated = e) -> float:
                return e.metrics.get(f"{k}:{p}", 0.0)
            if g("users_affected") == 0 and g("margin_usd") == base_m.get(f"margin_usd:{p}"):
                continue
            crow.append((r, change, p, int(g("users")), int(g("users_affected")),
                         g("users_affected_share"), g("users_hit_share"),
                         delta(g("revenue_usd"), base_m.get(f"revenue_usd:{p}", 0.0)),
                         delta(g("margin_usd"), base_m.get(f"margin_usd:{p}", 0.0))))
    changes = Table("optimize_changes", "What each design changes, and for whom (plans whose "
                    f"users are affected; money: period total, {span})", ccols, crow,
                    keys=("rank", "plan"))
    return [best, changes]


def _show(v: Any) -> str:
    return "-" if v is None else fmt_value(v)
