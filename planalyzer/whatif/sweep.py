"""Sweeps: a grid over scenario parameters, each point evaluated on the same one pass; the
frontier of an objective (contribution margin by default) against the share of users affected.

A grid axis is ``PATH=VALUES``: PATH is a dotted scenario key (``plans.claude_max_20x.price_usd``,
``plans.claude_max_20x.limits.weekly.cap``, ``plans.claude_pro.overage.rate_usd``,
``behaviour.elasticity``, ``cost.gpu_price_factor``); VALUES is a comma list (``150,200,250``,
``block,payg``) or a range ``START:STOP:STEP`` (STOP included when the steps land on it).
No typer or rich here.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from planalyzer.errors import ConfigError
from planalyzer.plans import PlanCatalog
from planalyzer.tables import Col, Table
from planalyzer.whatif.run import Evaluator, Outcome, metrics
from planalyzer.whatif.scenario import BASELINE, Scenario, apply_scenario, with_values

MAX_POINTS = 100_000


@dataclass(frozen=True)
class Axis:
    path: str
    values: tuple[Any, ...]


def _value(text: str) -> Any:
    t = text.strip()
    if t.lower() in ("true", "false"):
        return t.lower() == "true"
    try:
        v = float(t.replace("_", ""))
    except ValueError:
        return t
    if not math.isfinite(v):
        raise ConfigError(f"--grid value {text!r}: not a finite number")
    return int(v) if v.is_integer() and "." not in t and "e" not in t.lower() else v


def parse_axis(spec: str) -> Axis:
    """``PATH=V1,V2`` or ``PATH=START:STOP:STEP``."""
    path, sep, rest = spec.partition("=")
    path = path.strip()
    if not sep or not path or not rest.strip():
        raise ConfigError(f"--grid {spec!r}: write PATH=V1,V2,... or PATH=START:STOP:STEP, e.g. "
                          "plans.claude_max_20x.limits.weekly.cap=40e6:80e6:10e6")
    if path.split(".")[0] not in ("plans", "cost", "behaviour"):
        raise ConfigError(f"--grid {spec!r}: PATH starts with plans., cost. or behaviour.")
    if rest.count(":") == 2 and "," not in rest:
        try:
            lo, hi, step = (float(x.replace("_", "")) for x in rest.split(":"))
        except ValueError:
            raise ConfigError(f"--grid {spec!r}: START:STOP:STEP must be numbers") from None
        if step <= 0 or hi < lo:
            raise ConfigError(f"--grid {spec!r}: STEP must be more than zero and STOP at least "
                              "START")
        n = math.floor((hi - lo) / step + 1e-9) + 1
        if n > MAX_POINTS:
            raise ConfigError(f"--grid {spec!r}: {n:,} values; use a larger STEP")
        vals: tuple[Any, ...] = tuple(round(lo + i * step, 10) for i in range(n))
    else:
        vals = tuple(_value(v) for v in rest.split(",") if v.strip())
    return Axis(path, vals)


def grid_points(axes: Sequence[Axis]) -> list[dict[str, Any]]:
    total = math.prod(len(a.values) for a in axes)
    if total > MAX_POINTS:
        raise ConfigError(f"--grid: {total:,} points; at most {MAX_POINTS:,}")
    return [dict(zip([a.path for a in axes], combo, strict=True))
            for combo in itertools.product(*[a.values for a in axes])]


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


def resolve_metric(name: str, m: Mapping[str, float]) -> float:
    if name not in m:
        if ":" in name:  # a plan or limit with no users under this design reads as zero
            return 0.0
        raise ConfigError(f"metric {name!r}: unknown; use e.g. margin_usd, revenue_usd, "
                          "users_affected_share, margin_usd:PLAN, profitable_share:PLAN, "
                          "median_margin_usd:PLAN, hit_share:PLAN.LIMIT")
    return m[name]


def frontier(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indexes of points not dominated in (objective: higher, affected: lower)."""
    order = sorted(range(len(points)), key=lambda i: (points[i][1], -points[i][0], i))
    out: list[int] = []
    best = -math.inf
    for i in order:
        obj = points[i][0]
        if obj > best:
            out.append(i)
            best = obj
    return sorted(out)


SWEEP_METRICS = (
    ("revenue_usd", "usd", "revenue"),
    ("margin_usd", "usd", "margin"),
    ("unprofitable_user_months", "float", "unprofitable"),
    ("blocked_api_value_usd", "usd", "blocked"),
    ("users_hit_share", "share", "hit"),
)


def sweep(ev: Evaluator, scenarios: Sequence[Scenario], points: Sequence[Mapping[str, Any]],
          objective: str = "margin_usd", affected: str = "users_affected_share"
          ) -> tuple[list[Outcome], list[Table]]:
    base = metrics(ev.baseline)
    outs = [ev.run(s) for s in scenarios]
    mets = [metrics(o) for o in outs]
    objs = [resolve_metric(objective, m) for m in mets]
    affs = [resolve_metric(affected, m) for m in mets]
    front = set(frontier(list(zip(objs, affs, strict=True))))
    paths = list(points[0]) if points else []
    cols = [Col("point", "int"), *[axis_col(p, [pt[p] for pt in points]) for p in paths],
            *[Col(k, kind, label) for k, kind, label in SWEEP_METRICS],  # type: ignore[arg-type]
            Col("objective", "float", objective),
            Col("objective_delta", "float", "change"),
            Col("affected", "share", affected),
            Col("on_frontier", "bool", "frontier")]
    rows = []
    for i, (pt, m) in enumerate(zip(points, mets, strict=True)):
        rows.append((i + 1, *[pt[p] for p in paths], *[m.get(k, 0.0) for k, _, _ in
                                                       SWEEP_METRICS],
                     objs[i], objs[i] - resolve_metric(objective, base), affs[i], i in front))
    table = Table("sweep_points", f"Sweep: {len(points)} designs on the same history", cols,
                  rows, [f"baseline: {objective} = {resolve_metric(objective, base):,.2f}, "
                         f"{affected} = {resolve_metric(affected, base):.4f}",
                         "affected: users whose bill or blocked usage differs from the "
                         "baseline's (by more than one cent) unless --affected names another "
                         "metric"])
    ftable = Table("sweep_frontier", f"Frontier: best {objective} for each share of users "
                   "affected", cols, sorted((r for r in rows if r[-1]),
                                            key=lambda r: (r[-2], -r[-4])))
    return outs, [table, ftable]
