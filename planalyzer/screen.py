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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import duckdb
import polars as pl
import pyarrow as pa

from planalyzer import sqlfiles
from planalyzer.exact_sums import ordered_sum
from planalyzer.plans import TOKEN_CLASSES, Plan, PlanCatalog, Window
from planalyzer.sqlfiles import quote_ident

DAY_US = 86_400_000_000
# (user, latest logged plan) for every user, and the users whose logged plan changed between
# billing months (``plan_changes``) -> the users and their plans' indexes
PlanChanges = dict[str, list[tuple[int, str]]]
# (user, month_key) of the user-months whose first and last logged plans differ (a change
# within the month: billed under the month's latest plan, said in a note)
MixedMonths = list[tuple[str, int]]
Resolve = Callable[[list[tuple[str, str | None]], PlanChanges, MixedMonths],
                   tuple[Sequence[str], Sequence[int]]]
# Longest calendar windows (a DST day is 25 h; allow 2 h): day, week, month in hours.
_CALENDAR_HOURS = {"calendar_day": 26.0, "calendar_week": 7 * 24 + 2.0,
                   "calendar_month": 31 * 24 + 2.0}
# A user whose bound is within this share of a cap goes to the exact engine (float rounding).
CAP_TOLERANCE = 1e-6
# The report's 24/7 flag (docs/report.md): active in at least this many distinct hours on an
# average active day, and on at least this share of the month's days in the log.
ROUND_THE_CLOCK_HOURS = 18
ROUND_THE_CLOCK_DAYS = 0.9
# Slot sums (``month_bounds``) bound windows of at most this many days: with the local clock
# up to 25 hours off elapsed time (DST, date-line moves) such a window covers at most 9 local
# days, so at most 3 consecutive slots of a month.
SLOT_MAX_SPAN = 6
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


def _weights(catalog: PlanCatalog, meters: Sequence[str], models: Sequence[str],
             exact_int: str = "HUGEINT") -> tuple[pa.Table, str]:
    """The per-model weight table and the SQL that sums each meter's units (u0, u1, ...;
    ``exact_int``: as ``exact_sum``)."""
    table, exprs = _weight_exprs(catalog, meters, models)
    sums = [f"{exact_sum(expr, exact_int)} AS {quote_ident(f'u{k}')}"
            for k, expr in enumerate(exprs)]
    if not sums:
        sums.append(f"0.0 AS {quote_ident('u_none')}")
    return table, ", ".join(sums)


def exact_sum(expr: str, exact_int: str = "HUGEINT") -> str:
    """SQL summing a DOUBLE ``expr`` in whole nano-units (each row rounded to 1e-9 of a meter
    unit, then an integer sum): the same bits in every run and with any number of threads,
    where sum or fsum of a DOUBLE differ in the last bits with the order DuckDB's threads meet
    the rows (usage charges come from meter units). An integer sum, not DECIMAL(38, 18): that
    cast cost +35% of the month pass. ``exact_int``, each row's integer type: BIGINT holds
    9.2e9 units, HUGEINT 1.7e29, more than any event can weigh under the plan catalog's bounds
    (``planalyzer.plans.MAX_WEIGHT``), but costs the month pass +12% CPU: the report's passes
    run with BIGINT and again with HUGEINT only where an event is too large for it
    (``wide_on_overflow``)."""
    return f"CAST(sum(CAST(({expr}) * 1e9 AS {exact_int})) AS DOUBLE) / 1e9"


T = TypeVar("T")


def wide_on_overflow(run: Callable[[str], T]) -> T:
    """``run(exact_int)`` with the exact sums' per-event integers (``exact_sum``; whole
    pico-dollars in sql/report_user_days.sql and sql/report_user_months_direct.sql) as
    BIGINT, the fast type; where an event is too large for it (a usage bucket of many
    requests: 2e10 credits, $9.2M, past 9.2e18 nano-units or pico-dollars), DuckDB's cast
    refuses the event, and ``run`` goes again with HUGEINT: the same sums either way (each
    event rounded alike), the second pass only where the data needs it."""
    try:
        return run("BIGINT")
    except (duckdb.ConversionException, duckdb.OutOfRangeException) as exc:
        if "INT64" not in str(exc):
            raise
        return run("HUGEINT")


def _weight_exprs(catalog: PlanCatalog, meters: Sequence[str], models: Sequence[str]
                  ) -> tuple[pa.Table, list[str]]:
    """The per-model weight table and each meter's units per event as SQL (``meters`` order)."""
    cols: dict[str, pa.Array] = {"model": pa.array(list(models), pa.string())}
    exprs = []
    for k, key in enumerate(meters):
        chosen = [catalog.meters[key].weight_for(m) for m in models]
        terms = []
        for attr, col in _FIELDS:
            ws = [float(getattr(w, attr)) if w else 0.0 for w in chosen]
            if any(ws):
                name = f"w{k}_{attr}"
                cols[name] = pa.array(ws, pa.float64())
                terms.append(f"coalesce(w.{quote_ident(name)}, 0.0) * e.{quote_ident(col)}")
        exprs.append(" + ".join(terms) if terms else "0.0")
    return pa.table(cols), exprs


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


def user_days(con: duckdb.DuckDBPyConnection, catalog: PlanCatalog, meters: Sequence[str],
              tz: str) -> pl.DataFrame:
    """``sql/report_user_days.sql``: one DuckDB hash aggregate over ``priced_events`` per user,
    local day and UTC day; meter units as u0, u1, ... (``meters`` order)."""
    models = [str(r[0]) for r in sqlfiles.run(con, "distinct_models").fetchall()]
    weights, _ = _weights(catalog, meters, models)

    def run(exact_int: str) -> pa.Table:
        return sqlfiles.relation(con, "report_user_days", {"tz": tz}, {
            "meter_sums": _weights(catalog, meters, models, exact_int)[1],
            "exact_int": exact_int}).to_arrow_table()

    con.register("report_meter_weights", weights)
    try:
        df = pl.from_arrow(wide_on_overflow(run))
    finally:
        con.unregister("report_meter_weights")
    assert isinstance(df, pl.DataFrame)
    k = pl.col("days_key")
    ints = ["requests", *(f"{c}_tokens" for c in TOKEN_CLASSES)]
    return df.with_columns(
        (k // 4).alias("day_key"), (k // 4 + k % 4 - 1).alias("utc_day"),
        *[pl.col(c).cast(pl.Int64) for c in ints]).drop("days_key")


def window_bounds(days: pl.DataFrame, pairs: Sequence[Pair], *, one_row_per_day: bool = False
                  ) -> pl.DataFrame:
    """Per user: for each pair, the most units in any ``span + 1`` consecutive UTC days (s0,
    s1, ...), and the user's event rows (``user_events``). Rolling sums per user, so a user's
    bound does not depend on anyone else's usage. ``one_row_per_day``: ``days`` has one row
    per user and UTC day already (the report's time zone is UTC)."""
    meters = sorted({p.meter for p in pairs})
    by_day = days if one_row_per_day else days.group_by("user_id", "utc_day").agg(
        pl.col("events").sum(), *[pl.col(f"u{m}").sum() for m in meters])
    by_day = by_day.with_columns(
        pl.col(f"u{p.meter}").rolling_sum_by("utc_day", window_size=f"{p.span + 1}i")
        .over("user_id").alias(f"s{i}") for i, p in enumerate(pairs))
    return by_day.group_by("user_id").agg(
        pl.col("events").sum().cast(pl.Int64).alias("user_events"),
        *[pl.col(f"s{i}").max() for i in range(len(pairs))])


def user_month_sums(days: pl.DataFrame, meters: Sequence[str], months: Sequence[int],
                    since: date | None, until: date | None, *, one_row_per_day: bool = False
                    ) -> pl.DataFrame:
    """Per user and billing month (local) in the period, every request served: requests,
    tokens, costs, API value, cost_assumed, active hours and days, first and last local day,
    meter units u0, u1, ..."""
    epoch = date(1970, 1, 1)
    keep = pl.lit(True)
    if since:
        keep = keep & (pl.col("day_key") >= (since - epoch).days)
    if until:
        keep = keep & (pl.col("day_key") <= (until - epoch).days)
    sums = ["requests", *(f"{c}_tokens" for c in TOKEN_CLASSES), "gpu_cost_usd",
            "loaded_cost_usd", "api_value_usd", *(f"u{k}" for k in range(len(meters)))]
    local = days.filter(keep)
    if not one_row_per_day:
        local = local.group_by("user_id", "day_key").agg(
            *[ordered_sum(c) for c in sums], pl.col("cost_assumed").any(),
            pl.col("hours_mask").bitwise_or())
    date_ = pl.col("day_key").cast(pl.Int32).cast(pl.Date)
    local = local.with_columns(
        (date_.dt.year().cast(pl.Int64) * 12 + date_.dt.month().cast(pl.Int64) - 1)
        .alias("month_key"))
    if months:
        local = local.filter(pl.col("month_key").is_in(list(months)))
    return local.group_by("user_id", "month_key").agg(
        *[ordered_sum(c) for c in sums], pl.col("cost_assumed").any(),
        pl.col("hours_mask").bitwise_count_ones().sum().cast(pl.Int64).alias("active_hours"),
        pl.len().cast(pl.Int64).alias("active_days"),
        pl.col("day_key").min().alias("first_day"), pl.col("day_key").max().alias("last_day"))


def user_month_rows(con: duckdb.DuckDBPyConnection, catalog: PlanCatalog,
                    meters: Sequence[str], pairs: Sequence[Pair], tz: str,
                    users: Sequence[str], plan_order: Sequence[int], months: Sequence[int],
                    since: date | None, until: date | None, *, month_first: bool = False,
                    resolve: Resolve | None = None) -> pl.DataFrame:
    """One pass over ``priced_events``, then small frames: per user and billing month in the
    period, everything summed with every request served, the user's plan (``plan_order``),
    meter units u0, u1, ... (``meters`` order), the user's window bounds s0, s1, ...
    (``pairs`` order) and event rows (``user_events``).

    ``month_first`` (used when no ``since``/``until`` cuts a month): the pass is per user and
    month (``user_month_rows_direct``), and only users whose monthly totals come near a cap of
    their plan (``plan_order``, an index into ``catalog.plans``) get a per-day pass; the others'
    bounds are their monthly ones (looser, still below every cap of their plan).

    ``resolve`` (month-first only; ``users`` and ``plan_order`` are then ignored): the pass
    also reads each user's latest logged plan, and ``resolve`` turns every (user, latest
    plan) into the users and their plans."""
    if month_first and since is None and until is None:
        return user_month_rows_direct(con, catalog, meters, pairs, tz, users, plan_order,
                                      months, resolve=resolve)
    if resolve is not None:
        raise ValueError("resolve needs the month-first pass (no since/until)")
    days = user_days(con, catalog, meters, tz)
    # group by a dictionary code, not the string (several times faster in polars)
    days = days.with_columns(pl.col("user_id").cast(pl.Categorical))
    utc = tz == "UTC"  # then a local day is its UTC day: one row per user and day
    bounds = window_bounds(days, pairs, one_row_per_day=utc)
    sums = user_month_sums(days, meters, months, since, until, one_row_per_day=utc)
    del days
    sums = sums.with_columns(pl.col("user_id").cast(pl.String))
    bounds = bounds.with_columns(pl.col("user_id").cast(pl.String))
    plans = pl.DataFrame({"user_id": list(users), "plan_order": list(plan_order)},
                         schema={"user_id": pl.String, "plan_order": pl.Int32})
    return sums.join(plans, on="user_id", how="inner").join(bounds, on="user_id", how="left")


def months_spanned(window: Window, tz: str | None = None) -> int:
    """Most billing months (in any time zone, or in ``tz``) one window can touch. A calendar
    month, whatever its time zone and reset time, is a month shifted by under 50 hours: it
    touches at most two; in the billing months' own time zone, reset at midnight, it is one.
    Any other window covers at most ``ceil(span * 24 / 23) + 1`` local days (a DST day is 23 h;
    one more for safety), and every month after the first takes at least 28 of them."""
    if window.kind == "calendar_month":
        return 1 if window.timezone == tz and window.reset_offset_minutes == 0 else 2
    local_days = math.ceil(span_days(window) * 24 / 23) + 2
    return 1 + math.ceil((local_days - 1) / 28)


def pair_months(plans: Sequence[Plan], meters: Sequence[str], pairs: Sequence[Pair],
                tz: str | None = None) -> list[int]:
    """For each pair, the most billing months (local in ``tz``) any window of these plans'
    limits on that pair can touch (``months_spanned``); 1 for a pair no limit uses."""
    out = [1] * len(pairs)
    for plan in plans:
        for lim in plan.limits:
            i = pairs.index(Pair(meters.index(lim.meter), span_days(lim.window)))
            out[i] = max(out[i], months_spanned(lim.window, tz))
    return out


SLOTS = 6  # slots per billing month: local days 1-5, 6-10, ..., 26-end (3 to 6 days)


def slot_meters(pairs: Sequence[Pair]) -> list[int]:
    """The meters (indexes) with a pair of at most ``SLOT_MAX_SPAN`` days: the month pass sums
    their units per slot of the month (``slot_sums``) for ``month_bounds``."""
    return sorted({p.meter for p in pairs if p.span <= SLOT_MAX_SPAN})


def slot_sums(exprs: Sequence[str], meters: Sequence[int]) -> str:
    """The ``{{slot_sums}}`` slot of ``report_user_months_direct``: each meter's units per slot
    of the month, a{k}_{j} for meter k and slot j (e.slot: local day of month // 5, at most 5)."""
    return "".join(f", sum({exprs[k]}) FILTER (WHERE e.slot = {j}) AS {quote_ident(f'a{k}_{j}')}"
                   for k in meters for j in range(SLOTS))


def month_bounds(months: pl.DataFrame, pairs: Sequence[Pair], spans: Sequence[int],
                 slotted: Sequence[int] = ()) -> pl.DataFrame:
    """Per user: for each pair, the most units in any ``spans[i]`` consecutive billing months
    (s0, s1, ...), an upper bound on any of its windows, and the user's event rows
    (``user_events``). ``months``: one row per user and month (``month_key``).

    For a pair of at most ``SLOT_MAX_SPAN`` days whose meter is in ``slotted`` (``months`` has
    its slot sums a{k}_{j}), the bound is also at most the most units in ``slot_run(span)``
    consecutive slots (across month ends too): 2 for a day, 3 up to 6 days. Such a window
    covers at most 9 local days (its length plus up to 25 hours of clock shifts: DST,
    date-line moves); touching 4 slots would take two whole slots in between, at least 8 days
    (slots 0-4 hold 5 days, slot 5 at least 3 and is followed by a slot 0), so 10 days in
    all."""
    by_month = months.sort("user_id", "month_key")
    same_next = ((pl.col("user_id").shift(-1) == pl.col("user_id"))
                 & (pl.col("month_key").shift(-1) == pl.col("month_key") + 1)).fill_null(False)
    slot_bound: dict[tuple[int, int], pl.Expr] = {}  # (meter, run) -> most in `run` slots
    for k in slotted:
        a = [pl.col(f"a{k}_{j}").fill_null(0.0) for j in range(SLOTS)]
        nxt = [pl.when(same_next).then(x.shift(-1)).otherwise(0.0) for x in a[:2]]
        seq = [*a, *nxt]  # this month's slots, then the next month's first two
        for run in (2, 3):
            slot_bound[k, run] = pl.max_horizontal(*[sum(seq[j + 1:j + run], seq[j])
                                                     for j in range(SLOTS)])

    def months_sum(i: int, p: Pair) -> pl.Expr:
        u = pl.col(f"u{p.meter}")
        if spans[i] == 1:
            return u
        if spans[i] == 2:  # this month and the one before (rows sorted): no per-user window
            return u + pl.when(same_next.shift(1).fill_null(False)).then(u.shift(1)
                                                                        ).otherwise(0.0)
        return u.rolling_sum_by("month_key", window_size=f"{spans[i]}i").over("user_id")

    cols = [months_sum(i, p).alias(f"s{i}") for i, p in enumerate(pairs)]
    cols += [b.alias(f"slot{k}_{run}") for (k, run), b in slot_bound.items()]
    # a run of slots starting in this month is on this row (it may end in the next month)
    out = by_month.with_columns(cols).group_by("user_id").agg(
        pl.col("events").sum().cast(pl.Int64).alias("user_events"),
        *[pl.col(f"s{i}").max() for i in range(len(pairs))],
        *[pl.col(f"slot{k}_{run}").max() for k, run in slot_bound])
    return out.with_columns(
        pl.min_horizontal(f"s{i}", f"slot{p.meter}_{slot_run(p.span)}").alias(f"s{i}")
        for i, p in enumerate(pairs) if p.meter in slotted and p.span <= SLOT_MAX_SPAN
    ).drop(*[f"slot{k}_{run}" for k, run in slot_bound])


def slot_run(span: int) -> int:
    """Consecutive slots that hold any window of at most ``span`` days (``month_bounds``): it
    covers at most ``(24 * span + 25) // 24 + 2`` local days, and touching ``n + 2`` slots takes
    ``n`` whole ones in between (at least 3 days for the first, 5 for each next) plus a day at
    each end."""
    days = (24 * span + 25) // 24 + 2
    if days < 2 + 3:  # too few to touch 3 slots
        return 2
    if days < 2 + 3 + 5:  # too few to touch 4 (span <= SLOT_MAX_SPAN)
        return 3
    raise ValueError(f"no slot bound for windows of {span} days")


def day_meter_bounds(con: duckdb.DuckDBPyConnection, catalog: PlanCatalog,
                     meters: Sequence[str], pairs: Sequence[Pair], users: Sequence[str]
                     ) -> pl.DataFrame:
    """``window_bounds`` for some users only, from ``sql/report_user_day_meters.sql`` (meter
    units per user and UTC day, nothing else)."""
    models = [str(r[0]) for r in sqlfiles.run(con, "distinct_models").fetchall()]
    weights, _ = _weights(catalog, meters, models)

    def run(exact_int: str) -> pa.Table:
        return sqlfiles.relation(con, "report_user_day_meters", {}, {
            "meter_sums": _weights(catalog, meters, models, exact_int)[1]}).to_arrow_table()

    con.register("report_meter_weights", weights)
    con.register("report_day_users", pa.table({"user_id": pa.array(list(users), pa.string())}))
    try:
        df = pl.from_arrow(wide_on_overflow(run))
    finally:
        con.unregister("report_day_users")
        con.unregister("report_meter_weights")
    assert isinstance(df, pl.DataFrame)
    return window_bounds(df, pairs, one_row_per_day=True)


_MONTH_INTS = ("events", "requests", *(f"{c}_tokens" for c in TOKEN_CLASSES), "active_days",
               "first_day", "last_day", "month_key")


# the user-month's latest logged plan and its time; whether it logged more than one plan (two
# 64-bit hashes of the names differ: as cheap as the arg_min it replaces, where min <> max of the
# names cost a quarter of this pass). arg_max picks any of the plans logged at the latest time
# when several are: those months (plans_differ) are read again exactly (``_tied_plans_read``).
LOGGED_PLAN = (", arg_max(e.plan, e.ts_us) FILTER (WHERE e.plan IS NOT NULL) AS logged_plan"
               ", max(e.ts_us) FILTER (WHERE e.plan IS NOT NULL) AS logged_us"
               ", coalesce(min(hash(e.plan)) FILTER (WHERE e.plan IS NOT NULL)"
               " <> max(hash(e.plan)) FILTER (WHERE e.plan IS NOT NULL), false) AS plans_differ")


def month_rows(con: duckdb.DuckDBPyConnection, catalog: PlanCatalog, meters: Sequence[str],
               slotted: Sequence[int], tz: str, *, logged: bool = False) -> pl.DataFrame:
    """``sql/report_user_months_direct.sql``: per user and billing month, every sum, meter
    units u0, u1, ... and the slot sums a{k}_{j} of the meters in ``slotted``; with ``logged``
    also the user-month's latest logged plan (logged_plan, logged_us)."""
    models = [str(r[0]) for r in sqlfiles.run(con, "distinct_models").fetchall()]
    weights, exprs = _weight_exprs(catalog, meters, models)

    def run(exact_int: str) -> pa.Table:
        return sqlfiles.relation(con, "report_user_months_direct", {"tz": tz}, {
            "meter_sums": _weights(catalog, meters, models, exact_int)[1],
            "exact_int": exact_int, "slot_sums": slot_sums(exprs, slotted),
            "logged_plan": LOGGED_PLAN if logged else ""}).to_arrow_table()

    con.register("report_meter_weights", weights)
    try:
        df = pl.from_arrow(wide_on_overflow(run))
    finally:
        con.unregister("report_meter_weights")
    assert isinstance(df, pl.DataFrame)
    return df.with_columns(*[pl.col(c).cast(pl.Int64) for c in _MONTH_INTS])


def latest_plans(months: pl.DataFrame) -> list[tuple[str, str | None]]:
    """Every user (sorted) and their latest logged plan, from ``month_rows(logged=True)``: the
    plan of the user-month with the latest event that logged one (None if none did); the same
    as ``sql/user_logged_plans.sql``."""
    latest = months.group_by("user_id").agg(
        pl.col("logged_plan").sort_by("logged_us", descending=True, nulls_last=True).first()
    ).sort("user_id")
    return list(latest.select("user_id", "logged_plan").iter_rows())


def plan_changes(months: pl.DataFrame) -> PlanChanges:
    """The users whose billing months logged different plans: user -> (month_key, the plan of
    the user's latest logged event in that month) for each month that logged one, in month
    order. ``months``: user_id, month_key, logged_plan (NULL where the month logged none)."""
    logged = months.filter(pl.col("logged_plan").is_not_null())
    users = logged.group_by("user_id").agg(pl.col("logged_plan").n_unique().alias("n")
                                           ).filter(pl.col("n") > 1)["user_id"]
    out: PlanChanges = {}
    rows = logged.filter(pl.col("user_id").is_in(users.implode())).sort("user_id", "month_key")
    for user, month, plan in rows.select("user_id", "month_key", "logged_plan").iter_rows():
        out.setdefault(str(user), []).append((int(month), str(plan)))
    return out


def mixed_months(months: pl.DataFrame) -> MixedMonths:
    """The user-months whose first and last logged plans differ (a change within the month;
    ``logged_first`` against ``logged_plan``), sorted."""
    rows = months.filter(pl.col("logged_first") != pl.col("logged_plan")).select(
        "user_id", "month_key")
    return sorted((str(u), int(m)) for u, m in rows.iter_rows())


def round_the_clock_candidates(months: pl.DataFrame) -> pl.DataFrame:
    """The user-months (user_id, month_key) that might be 24/7: active hours are at most the
    events, so a user-month with fewer than ``ROUND_THE_CLOCK_HOURS`` events per active day is
    not; nor is one active on too few of the month's days in the log (less one day, for
    safety). ``months``: the month pass's rows, every user."""
    span = months.group_by("month_key").agg(
        (pl.col("last_day").max() - pl.col("first_day").min() + 1).alias("days_in_log"))
    return months.join(span, on="month_key").filter(
        (pl.col("events") >= ROUND_THE_CLOCK_HOURS * pl.col("active_days"))
        & (pl.col("active_days") + 1 >= ROUND_THE_CLOCK_DAYS * pl.col("days_in_log"))
    ).select("user_id", "month_key")


def for_users(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, object],
              view: str, users: Sequence[str]) -> pl.DataFrame:
    """The SQL file ``name`` run with ``users`` registered as the one-column table ``view``
    (user_id), as a polars frame: a query over the few users a screen picked."""
    con.register(view, pa.table({"user_id": pa.array(list(users), pa.string())}))
    try:
        found = pl.from_arrow(sqlfiles.relation(con, name, params).to_arrow_table())
    finally:
        con.unregister(view)
    assert isinstance(found, pl.DataFrame)
    return found


def _with_active_hours(con: duckdb.DuckDBPyConnection, months: pl.DataFrame, tz: str
                       ) -> pl.DataFrame:
    """``months`` with active_hours: exact (``sql/report_user_month_hours.sql``) for the users
    with a user-month that might be 24/7 (``round_the_clock_candidates``), null for the rest
    (none of their user-months is 24/7, whatever its hours)."""
    users = round_the_clock_candidates(months)["user_id"].unique()
    if not len(users):
        return months.with_columns(pl.lit(None, dtype=pl.Int64).alias("active_hours"))
    hours = for_users(con, "report_user_month_hours", {"tz": tz}, "report_hour_users",
                      users.to_list())
    hours = hours.with_columns(pl.col("month_key").cast(pl.Int64),
                               pl.col("active_hours").cast(pl.Int64))
    return months.join(hours, on=["user_id", "month_key"], how="left")


def _months_logged_plans(con: duckdb.DuckDBPyConnection, months: pl.DataFrame, tz: str
                         ) -> pl.DataFrame:
    """user_id, month_key, logged_plan, logged_us and logged_first of the month pass's rows:
    a month that logged one plan has it first and last; the months of users with a month
    that logged several are read again (``sql/user_month_logged_plans.sql``, the scan the
    report makes without the month pass: the same plan where several share the latest or
    the first time)."""
    out = months.select("user_id", "month_key", "logged_plan", "logged_us",
                        pl.col("logged_plan").alias("logged_first"))
    several = months.filter(pl.col("plans_differ"))["user_id"].unique().sort().to_list()
    if not several:
        return out
    exact = for_users(con, "user_month_logged_plans",
                      {"tz": tz, "since_day": -(2 ** 40), "until_day": 2 ** 40},
                      "plan_change_users", several).with_columns(
                          pl.col("month_key").cast(out.schema["month_key"]))
    return out.update(exact.select("user_id", "month_key", "logged_plan", "logged_first"),
                      on=["user_id", "month_key"], how="left")


def user_month_rows_direct(con: duckdb.DuckDBPyConnection, catalog: PlanCatalog,
                           meters: Sequence[str], pairs: Sequence[Pair], tz: str,
                           users: Sequence[str], plan_order: Sequence[int],
                           months: Sequence[int], *, resolve: Resolve | None = None
                           ) -> pl.DataFrame:
    """``user_month_rows`` with a first pass per user and month
    (``sql/report_user_months_direct.sql``, no per-day hash table) and a per-day pass only for
    the users whose monthly bound reaches a cap of their plan (``day_meter_bounds``). The sums
    are the same; the others' window bounds are their monthly bounds."""
    have = set(pairs)
    bounded = [p for p in catalog.plans.values()  # plans whose every limit has its pair
               if all(lim.meter in meters
                      and Pair(meters.index(lim.meter), span_days(lim.window)) in have
                      for lim in p.limits)]
    spans = pair_months(bounded, meters, pairs, tz)
    slotted = slot_meters(pairs)
    df = month_rows(con, catalog, meters, slotted, tz, logged=resolve is not None)
    if resolve is not None:
        logged = _months_logged_plans(con, df, tz)
        users, plan_order = resolve(latest_plans(logged), plan_changes(logged),
                                    mixed_months(logged))
        df = df.drop("logged_plan", "logged_us", "plans_differ")
    df = _with_active_hours(con, df, tz)
    plans = pl.DataFrame({"user_id": list(users), "plan_order": list(plan_order)},
                         schema={"user_id": pl.String, "plan_order": pl.Int32})
    bounds = month_bounds(df, pairs, spans, slotted).join(plans, on="user_id", how="left")
    near = [pl.Series("user_id", [], dtype=pl.String)]
    day_meters: set[int] = set()  # the meters the near users' plans limit
    for i, plan in enumerate(catalog.plans.values()):
        mine = bounds.filter(pl.col("plan_order") == i)
        if not len(mine):
            continue
        users_near = (mine["user_id"] if plan not in bounded  # no pairs here: bound per day
                      else may_reach(mine, plan, pairs, meters))
        if len(users_near):
            near.append(users_near)
            day_meters.update(meters.index(lim.meter) for lim in plan.limits)
    cands = pl.concat(near).unique()
    bounds = bounds.drop("plan_order")
    if len(cands) and day_meters:
        # the per-day pass sums only the meters those plans limit (an API-value meter costs
        # the API pricing of every event); the other pairs keep their monthly bounds
        keep = sorted(day_meters)
        sub_pairs = [Pair(keep.index(q.meter), q.span) for q in pairs if q.meter in keep]
        orig = [i for i, q in enumerate(pairs) if q.meter in keep]
        exact = day_meter_bounds(con, catalog, [meters[k] for k in keep], sub_pairs,
                                 cands.to_list()).rename(
            {f"s{j}": f"s{i}" for j, i in enumerate(orig)})
        exact = exact.join(bounds.select("user_id", *(f"s{i}" for i in range(len(pairs))
                                                      if i not in orig)),
                           on="user_id", how="left")
        bounds = pl.concat([bounds.join(exact.select("user_id"), on="user_id", how="anti"),
                            exact.select(bounds.columns)])
    sums = ["requests", *(f"{c}_tokens" for c in TOKEN_CLASSES), "gpu_cost_usd",
            "loaded_cost_usd", "api_value_usd", *(f"u{k}" for k in range(len(meters)))]
    if months:
        df = df.filter(pl.col("month_key").is_in(list(months)))
    df = df.select("user_id", "month_key", *sums, "cost_assumed", "active_hours",
                   "active_days", "first_day", "last_day")
    return df.join(plans, on="user_id", how="inner").join(bounds, on="user_id", how="left")
