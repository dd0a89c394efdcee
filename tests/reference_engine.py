"""A plain per-request reference for caps.apply_plan: obviously sequential, slow, for tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from planalyzer.plans import Plan


@dataclass
class Ref:
    served: list[bool]
    overage_usd: list[float]
    binds: dict[str, int]
    bind_at: dict[str, list[int]]  # limit name -> index of each request where it bound


def reference(plan: Plan, t_us: Sequence[int], month: Sequence[int],
              units: Mapping[str, Sequence[float]],
              calendar: Mapping[str, Sequence[int]] | None = None) -> Ref:
    """One user's requests in time order. ``calendar``: limit name -> bucket per request."""
    served, charges = [], []
    open_at: dict[str, int | None] = {lim.name: None for lim in plan.limits}
    bucket: dict[str, int | None] = {lim.name: None for lim in plan.limits}
    used: dict[str, float] = {lim.name: 0.0 for lim in plan.limits}
    binds = {lim.name: 0 for lim in plan.limits}
    bind_at: dict[str, list[int]] = {lim.name: [] for lim in plan.limits}
    spend, cur_month = 0.0, None
    for i, t in enumerate(t_us):
        for lim in plan.limits:  # windows open on every arriving request
            if lim.window.kind == "rolling":
                o = open_at[lim.name]
                if o is None or t >= o + lim.window.length_us:
                    open_at[lim.name] = t
                    used[lim.name] = 0.0
            else:
                assert calendar is not None
                bk = calendar[lim.name][i]
                cur = bucket[lim.name]
                if cur is None or bk > cur:  # a reset happens once: buckets never go back
                    bucket[lim.name] = bk
                    used[lim.name] = 0.0
        if month[i] != cur_month:
            cur_month, spend = month[i], 0.0
        over = [lim for lim in plan.limits if used[lim.name] >= lim.cap]
        ok, charge = True, 0.0
        if over:
            pol = plan.overage
            if pol.policy == "block":
                ok = False
            else:
                lim_usd = pol.spend_limit
                if lim_usd is not None and spend >= lim_usd:
                    ok = False
                else:
                    charge = pol.rate_usd * units[pol.meter][i]
                    spend += charge
        if ok:
            for lim in plan.limits:
                used[lim.name] += units[lim.meter][i]
        # a limit "binds" at the first request that arrives with it reached in its window,
        # once per window in each billing month
        for lim in over:
            key = (lim.name, open_at[lim.name], bucket[lim.name], month[i])
            if key not in _seen:
                _seen.add(key)
                binds[lim.name] += 1
                bind_at[lim.name].append(i)
        served.append(ok)
        charges.append(charge)
    _seen.clear()
    return Ref(served, charges, binds, bind_at)


_seen: set[tuple[str, int | None, int | None, int]] = set()


def requests_catalog(weekly_cap: int) -> str:
    """A plan catalog TOML: plan ``small`` ($20) counting requests, capped at 3 a rolling 5 h
    and ``weekly_cap`` a rolling 168 h (the binds tests' plan)."""
    return f"""[meter.requests]
unit = "requests"
[[meter.requests.weight]]
models = "*"
request = 1.0

[plan.small]
name = "Small"
price_usd = 20.0
source = "test"
as_of = "2026-10-01"
[[plan.small.limit]]
name = "five_h"
meter = "requests"
window = "rolling"
hours = 5
cap = 3
[[plan.small.limit]]
name = "weekly"
meter = "requests"
window = "rolling"
hours = 168
cap = {weekly_cap}
"""


def requests_files(folder: Path, catalog: str, events: Mapping[str, Sequence[datetime]]
                   ) -> tuple[Path, Path]:
    """The binds tests' files in ``folder``: logs.csv, one Haiku request of plan ``small`` at
    each of a user's ``events`` times, and plans.toml holding ``catalog``."""
    from conftest import EVENT_HEADER, write_csv

    plans = folder / "plans.toml"
    plans.write_text(catalog, encoding="utf-8")
    rows = [[f"{u}-{i}", t.strftime("%Y-%m-%dT%H:%M:%SZ"), u, "small", "claude-haiku-4-5",
             100, 0, 0, 0, 10, 1]
            for u, times in events.items() for i, t in enumerate(times)]
    return write_csv(folder / "logs.csv", EVENT_HEADER, rows), plans
