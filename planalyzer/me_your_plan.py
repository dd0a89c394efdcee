"""Which plan ``planalyzer me`` marks as yours.

``--plan`` names a plan of the catalog by key or name, or by the plan type Codex logs with its
rate-limit readings (``plus`` -> chatgpt_plus, as ``source_checks.CODEX_PLAN_TYPES``). Set
against the plan types your Codex client logged: a note where they disagree with ``--plan``;
without ``--plan``, the one plan they name is marked as yours, said in a note (several, or one
the catalog lacks: named, with a note to give ``--plan``).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from planalyzer import sqlfiles
from planalyzer.errors import ConfigError
from planalyzer.plans import Plan, PlanCatalog
from planalyzer.source_checks import CODEX_PLAN_TYPES, plan_of_type


def find_your_plan(catalog: PlanCatalog, name: str) -> tuple[Plan, str | None]:
    """The plan ``--plan name`` names, and a note where it was taken as a Codex plan type; a
    ConfigError naming the catalog's keys where it names none."""
    found = catalog.find(name)
    if found is not None:
        return found, None
    typed = plan_of_type(name.strip(), catalog) if name.strip() else None
    if typed is not None:
        return typed, (f"--plan {name}: taken as {typed.key}, the catalog plan of Codex's plan "
                       f"type {name.strip().lower()}")
    raise ConfigError(f"--plan {name!r}: not in the plan catalog {catalog.path}; use one of "
                      + ", ".join(catalog.plans) + " (or a plan type Codex logs: "
                      + ", ".join(CODEX_PLAN_TYPES) + ")")


@dataclass(frozen=True)
class LoggedPlan:
    plan_type: str
    plan: Plan | None  # the catalog's plan of that type, if any
    first_day: str
    last_day: str

    def describe(self) -> str:
        days = (self.first_day if self.first_day == self.last_day
                else f"{self.first_day} to {self.last_day}")
        of = self.plan.key if self.plan is not None else "no plan in the catalog"
        return f"{self.plan_type} ({of}; {days})"


def logged_plans(con: duckdb.DuckDBPyConnection, catalog: PlanCatalog,
                 tz: str) -> list[LoggedPlan]:
    """The plan types your Codex client logged with its readings of the plan's own limit, in
    the order it first logged them."""
    return [LoggedPlan(str(t), plan_of_type(str(t), catalog), str(a), str(b))
            for t, a, b, _n in sqlfiles.run(con, "logged_codex_plan_types",
                                            {"tz": tz}).fetchall()]


def mark_your_plan(con: duckdb.DuckDBPyConnection, catalog: PlanCatalog, tz: str,
                   your_plan: str | None) -> tuple[str | None, list[str]]:
    """The key of the plan to mark as yours (``your_plan``: a catalog key, from
    ``find_your_plan``; None: none given) and notes on how it agrees with the plan types your
    Codex client logged."""
    logged = logged_plans(con, catalog, tz)
    if not logged:
        return your_plan, []
    said = ", ".join(p.describe() for p in logged)
    several = "plan types" if len(logged) > 1 else "plan type"
    if your_plan is None:
        only = logged[0].plan if len(logged) == 1 else None
        if only is not None:
            return only.key, [f"--plan not given: {only.key} is marked as your plan, from the "
                              f"plan type your Codex client logged, {said}; give --plan to "
                              "mark another"]
        return None, [f"your Codex client logged {several} {said}: give --plan KEY to mark "
                      "yours"]
    logged_keys = {p.plan.key for p in logged if p.plan is not None}
    codex_keys = logged_keys | {p.key for p in catalog.plans.values() if p.tool == "codex"} | {
        p.key for t in CODEX_PLAN_TYPES if (p := plan_of_type(t, catalog)) is not None}
    if your_plan in codex_keys and your_plan not in logged_keys:
        return your_plan, [f"--plan {your_plan}: your Codex client logged {several} {said}, "
                           f"not {your_plan}; the rows marked as yours are {your_plan}'s as "
                           "you asked: check --plan"]
    return your_plan, []
