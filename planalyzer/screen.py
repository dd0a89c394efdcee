"""Who can reach a cap: the report's SQL fast path, so the caps engine sees only those users.

The caps engine (``planalyzer.caps``) needs every request of a user sorted by time. Most users
never come near their plan's caps; for them the report is a plain sum. This module makes that
split exactly:

* ``build_user_days`` prices every event once (the ``priced_events`` view) in one DuckDB hash
  aggregate per user and day: requests, tokens, costs, API value, active hours, and the units of
  each meter a plan uses (``report_user_days``). Nothing is sorted.
* ``window_bounds`` bounds, per user, the units any window can hold: a window of at most
  ``span`` days (rolling length, or the longest calendar day/week/month) lies inside ``span + 1``
  consecutive UTC days, so the largest such run of days is an upper bound.
* ``may_reach`` flags the users whose bound reaches a cap of a plan (less a small tolerance, so
  a user within rounding of a cap goes to the engine). The others are served in full under that
  plan: no request blocked, no overage, no limit binds (the engine would find the same: it scans
  only users whose usage before a window's last request reaches the cap).
* ``user_month_sums`` sums the day rows per user and billing month, for the users the engine
  does not need.

Meters are linear, so a meter's units per day are a sum of per-event weighted tokens; the weights
per model come from the catalog (the first glob that matches, as ``Meter.weight_for``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl
import pyarrow as pa

from planalyzer import sqlfiles
from planalyzer.plans import TOKEN_CLASSES, Plan, PlanCatalog, Window
from planalyzer.sqlfiles import quote_ident

DAY_US = 86_400_000_000
# Longest calendar windows (a DST day is 25 h; allow 2 h): day, week, month in hours.
_CALENDAR_HOURS = {"calendar_day": 26.0, "calendar_week": 7 * 24 + 2.0,
                   "calendar_month": 31 * 24 + 2.0}
# A user whose bound is within this share of a cap goes to the exact engine (float rounding).
CAP_TOLERANCE = 1e-6
_FIELDS: tuple[tuple[str, str], ...] = (
    ("request", "requests"), ("api_value_usd", "api_value_usd"),
    *((c, f"{c}_tokens") for c in TOKEN_CLASSES))


def meters_for(plans: Sequence[Plan]) -> list[str]:
    """The meters these plans count (limits, overage, usage charges), in a stable order."""
    return list(dict.fromkeys(m for p in plans for m in p.meters_used()))


def span_days(window: Window) -> int:
    """Whole days that bound the window's length (rolling: its hours; calendar: the longest)."""
    hours = window.hours if window.kind == "rolling" else _CALENDAR_HOURS[window.kind]
    return max(1, math.ceil(hours * 3_600_000_000 / DAY_US))


def _weights(catalog: PlanCatalog, meters: Sequence[str], models: Sequence[str]
             ) -> tuple[pa.Table, str]:
    """The per-model weight table and the SQL that sums each meter's units (u0, u1, ...)."""
    cols: dict[str, pa.Array] = {"model": pa.array(list(models), pa.string())}
    sums = []
    for k, key in enumerate(meters):
        chosen = [catalog.meters[key].weight_for(m) for m in models]
        terms = []
        for attr, col in _FIELDS:
            ws = [float(getattr(w, attr)) if w else 0.0 for w in chosen]
            if any(ws):
                name = f"w{k}_{attr}"
                cols[name] = pa.array(ws, pa.float64())
                terms.append(f"coalesce(w.{quote_ident(name)}, 0.0) * e.{quote_ident(col)}")
        expr = " + ".join(terms) if terms else "0.0"
        sums.append(f"sum({expr}) AS {quote_ident(f'u{k}')}")
    if not sums:
        sums.append(f"0.0 AS {quote_ident('u_none')}")
    return pa.table(cols), ", ".join(sums)


@dataclass(frozen=True)
class Pair:
    """A meter and a span in days: one column of ``window_bounds``."""

    meter: int  # index into the meter list
    span: int


def pairs_for(plans: Sequence[Plan], meters: Sequence[str]) -> list[Pair]:
    return list(dict.fromkeys(Pair(meters.index(lim.meter), span_days(lim.window))
                              for p in plans for lim in p.limits))


def may_reach(bounds: pl.DataFrame, plan: Plan, pairs: Sequence[Pair],
              meters: Sequence[str]) -> pl.Series:
    """user_id of the users in ``bounds`` who might reach one of ``plan``'s caps."""
    cond = pl.lit(False)
    for lim in plan.limits:
        i = pairs.index(Pair(meters.index(lim.meter), span_days(lim.window)))
        cond = cond | (pl.col(f"s{i}") >= lim.cap - CAP_TOLERANCE * max(1.0, lim.cap))
    return bounds.filter(cond)["user_id"]


def user_month_rows(con: duckdb.DuckDBPyConnection, catalog: PlanCatalog,
                    meters: Sequence[str], pairs: Sequence[Pair], tz: str,
                    users: Sequence[str], plan_order: Sequence[int], months: Sequence[int],
                    since: date | None, until: date | None) -> pl.DataFrame:
    """One pass over ``priced_events`` (``sql/report_user_months.sql``): per user and billing
    month in the period, everything summed with every request served (plan from
    ``plan_order``), meter units u0, u1, ... (``meters`` order), the user's window bounds s0,
    s1, ... (``pairs`` order) and event rows (``user_events``)."""
    models = [str(r[0]) for r in sqlfiles.run(con, "distinct_models").fetchall()]
    weights, meter_sums = _weights(catalog, meters, models)
    names = [f"u{k}" for k in range(len(meters))] or ["u_none"]
    day_sums = ", ".join(f"sum({quote_ident(n)}) AS {quote_ident(n)}" for n in names)
    totals = ", ".join(f"sum(d.{quote_ident(n)}) AS {quote_ident(n)}" for n in names)
    window_sums = ", ".join(
        f"sum({quote_ident(f'u{p.meter}')}) OVER (PARTITION BY user_id ORDER BY utc_day "
        f"RANGE BETWEEN $span_{i} PRECEDING AND CURRENT ROW) AS {quote_ident(f's{i}')}"
        for i, p in enumerate(pairs)) or f"0.0 AS {quote_ident('s_none')}"
    maxima = ", ".join(f"max({quote_ident(f's{i}')}) AS {quote_ident(f's{i}')}"
                       for i in range(len(pairs))) or f"0.0 AS {quote_ident('s_none')}"
    epoch = date(1970, 1, 1)
    params: dict[str, object] = {
        "tz": tz, "months": [int(m) for m in months],
        "since": (since - epoch).days if since else None,
        "until": (until - epoch).days if until else None,
        **{f"span_{i}": p.span for i, p in enumerate(pairs)}}
    con.register("report_meter_weights", weights)
    con.register("plan_assignment", pa.table({
        "user_id": pa.array(list(users), pa.string()),
        "plan_order": pa.array(list(plan_order), pa.int32())}))
    try:
        return sqlfiles.relation(con, "report_user_months", params, {
            "meter_sums": meter_sums, "meter_totals": totals, "day_sums": day_sums,
            "window_sums": window_sums, "window_maxima": maxima}).pl()
    finally:
        con.unregister("report_meter_weights")
        con.unregister("plan_assignment")
