"""A user's plan per billing month when the logs' plan column changes (docs/report.md, "Plan of
a user").

A month's plan is the plan of the user's latest logged event in that month (an event with a
plan; within the report period where --since/--until cut the month:
sql/user_month_logged_plans.sql); a month that logged none takes the nearest earlier month's,
else the next one's. A *stint* is a run of
consecutive billing months on one plan: a plan change starts the new plan's limits fresh at
its first month (windows of the old plan never carry into the new one), so the caps engine
breaks a user's requests at a change of stint as it does at a change of user.

Stints are month ranges: stint ``i`` covers ``[lo, hi]`` (month keys, year * 12 + month - 1),
the first from ``MONTH_MIN`` and the last to ``MONTH_MAX``, so every month of the user's
events, logged or not, falls in exactly one. A user on one plan throughout has one stint over
every month. No typer or rich here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa

from planalyzer.plans import NO_PLAN, Assignment, PlanCatalog, PlanSources

MONTH_MIN = -(2 ** 40)
MONTH_MAX = 2 ** 40


@dataclass(frozen=True)
class Stint:
    lo: int  # first month key (MONTH_MIN for a user's first stint)
    hi: int  # last month key (MONTH_MAX for the last)
    plan: str  # plan key or NO_PLAN


def logged_runs(months: Sequence[tuple[int, str]]) -> list[tuple[int, str]]:
    """(first month, logged plan) of each run of consecutive logged months on one plan;
    ``months``: (month key, plan logged in that month) in month order."""
    out: list[tuple[int, str]] = []
    for month, plan in months:
        if not out or out[-1][1] != plan:
            out.append((month, plan))
    return out


def user_stints(changes: Mapping[str, Sequence[tuple[int, str]]], sources: PlanSources,
                catalog: PlanCatalog, assignment: Assignment, *, count_unknown: bool = True
                ) -> dict[str, list[Stint]]:
    """The stints of the users whose plan comes from the logs (``sources.from_logs``) and
    whose billing months logged plans that resolve to different plans of the catalog
    (``changes``: ``screen.plan_changes``). A logged plan not in the catalog is NO_PLAN for
    its months, as for a user's latest plan; with ``count_unknown`` such names are added to
    ``assignment.unknown_logged`` (users) when the latest plan did not count them already, and
    names read loosely (``PlanCatalog.find_logged``) to ``assignment.read_as``."""
    out: dict[str, list[Stint]] = {}
    for user, months in changes.items():
        if user not in assignment.plan_of or not sources.from_logs(user):
            continue
        runs: list[tuple[int, str, str | None]] = []  # first month, plan key, unknown name
        for month, name in logged_runs(months):
            found = catalog.find_logged(name)  # 'claude-pro' is claude_pro (a note says so)
            if (found is not None and count_unknown and name not in assignment.read_as
                    and catalog.find(name) is None):
                assignment.read_as[name] = found.key
            key = found.key if found is not None else NO_PLAN
            if not runs or runs[-1][1] != key:
                runs.append((month, key, None if found is not None else name))
        if len(runs) < 2:
            continue
        out[user] = [Stint(MONTH_MIN if i == 0 else m,
                           MONTH_MAX if i == len(runs) - 1 else runs[i + 1][0] - 1, key)
                     for i, (m, key, _) in enumerate(runs)]
        if not count_unknown:
            continue
        latest = months[-1][1]
        for name in dict.fromkeys(n for _, _, n in runs if n is not None and n != latest):
            assignment.unknown_logged[name] = assignment.unknown_logged.get(name, 0) + 1
    return out


def plan_table(users: Sequence[str], assignment: Assignment, stints: Mapping[str, list[Stint]],
               order: Sequence[str]) -> pa.Table:
    """The ``plan_assignment`` table of sql/report_requests.sql: user_id, stint (0, 1, ...
    per user), month range m_lo..m_hi and plan_order (index into ``order``); one row over
    every month for a user with one plan."""
    uid: list[str] = []
    stint: list[int] = []
    lo: list[int] = []
    hi: list[int] = []
    plan: list[int] = []
    for u in users:
        for i, s in enumerate(stints.get(u) or [Stint(MONTH_MIN, MONTH_MAX,
                                                      assignment.plan_of[u])]):
            uid.append(u)
            stint.append(i)
            lo.append(s.lo)
            hi.append(s.hi)
            plan.append(order.index(s.plan))
    return pa.table({
        "user_id": pa.array(uid, pa.string()),
        "stint": pa.array(stint, pa.int32()),
        "m_lo": pa.array(lo, pa.int64()),
        "m_hi": pa.array(hi, pa.int64()),
        "plan_order": pa.array(plan, pa.int32()),
    })

