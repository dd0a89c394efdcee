"""The report's month-first pass (planalyzer.screen.user_month_rows_direct) gives the same
report as the per-day pass: same user-months, same limit binds, in any time zone."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from planalyzer import screen
from planalyzer.analysis import Period, ReportData, compute, logged_plans
from planalyzer.plans import PlanSources, Window, assign_plans, parse_assign, parse_plan_catalog
from planalyzer.store import Store

CATALOG: dict[str, Any] = {
    "meter": {
        "req": {"unit": "requests", "weight": [{"models": "*", "request": 1}]},
        "usd": {"unit": "USD", "weight": [{"models": "*", "api_value_usd": 1}]},
    },
    "plan": {
        # caps that some users reach and others stay far below, so both paths are taken
        "session": {"name": "Session", "price_usd": 5.0, "source": "t", "as_of": "2026-11-22",
                    "limit": [{"name": "s", "meter": "req", "window": "rolling", "hours": 5,
                               "cap": 6},
                              {"name": "w", "meter": "usd", "window": "rolling", "days": 7,
                               "cap": 20.0}]},
        "pool": {"name": "Pool", "price_usd": 2.0, "source": "t", "as_of": "2026-11-22",
                 "limit": [{"name": "m", "meter": "usd", "window": "calendar_month",
                            "timezone": "Asia/Tokyo", "cap": 15.0}],
                 "overage": {"policy": "payg", "meter": "usd", "rate_usd": 1.5,
                             "monthly_limit_usd": 3.0}},
        # requests only: its users' per-day pass sums the request meter alone
        "burst": {"name": "Burst", "price_usd": 1.0, "source": "t", "as_of": "2026-11-22",
                  "limit": [{"name": "b", "meter": "req", "window": "rolling", "hours": 5,
                             "cap": 4}]},
    },
}
PLAN_OF = ("pool", "session", "burst")

# (user, minute since 2026-09-27, API value): heavy users u0/u1 come in bursts
events = st.lists(st.tuples(st.integers(0, 7), st.integers(0, 60 * 24 * 70), st.integers(0, 4)),
                  min_size=1, max_size=80)


def _store(evs: list[tuple[int, int, int]]) -> Store:
    s = Store()
    for i, (u, minute, _) in enumerate(evs):
        s.con.execute(
            "INSERT INTO events VALUES (NULL, TIMESTAMPTZ '2026-09-27 00:00:00+00' + "
            "to_minutes($m), $u, NULL, 'm', 0, 0, 0, 0, 0, 1, NULL, 'fx', $i)",
            {"m": minute if u > 1 else minute % 600, "u": f"u{u}", "i": i})
    vals = ", ".join(f"({i}, {v}.0)" for i, (_, _, v) in enumerate(evs))
    s.con.execute(f"CREATE TEMP TABLE v AS SELECT * FROM (VALUES {vals}) t(i, val)")
    s.con.execute("CREATE TEMP TABLE priced_events AS SELECT e.*, v.val * 0.5 AS gpu_cost_usd, "
                  "v.val * 0.8 AS loaded_cost_usd, v.val AS api_value_usd, "
                  "e.user_id = 'u3' AS cost_assumed FROM events e JOIN v ON v.i = e.source_row")
    return s


def _compute(s: Store, tz: str, period: Period, month_first: bool) -> ReportData:
    cat = parse_plan_catalog(CATALOG, "test")
    users = [(str(u), None) for (u,) in s.con.execute(
        "SELECT DISTINCT user_id FROM events ORDER BY 1").fetchall()]
    plan_of = {u: PLAN_OF[int(u[1:]) % 3] for u, _ in users}
    a = assign_plans(users, cat, (), plan_of)
    orig = screen.user_month_rows

    def forced(*args: Any, **kwargs: Any) -> pl.DataFrame:
        kwargs["month_first"] = month_first
        return orig(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(screen, "user_month_rows", forced)
        return compute(s.con, cat, a, timezone=tz, period=period, plan_fit=False)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events, st.sampled_from(["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati"]),
       st.sampled_from([(), ("2026-10",), ("2026-09", "2026-11")]))
def test_month_first_equals_day_pass(evs: list[tuple[int, int, int]], tz: str,
                                     months: tuple[str, ...]) -> None:
    s = _store(evs)
    period = Period(months=months)
    day = _compute(s, tz, period, month_first=False)
    month = _compute(s, tz, period, month_first=True)
    _assert_same_months(day, month)
    key = ["user_id", "month_key", "limit"]
    assert_frame_equal(day.binds.sort(key), month.binds.sort(key))
    s.close()


def _assert_same_months(day: ReportData, month: ReportData) -> None:
    """Same user-months; the month-first route counts active hours only where the user-month
    might be 24/7 (null elsewhere), so those compare where it has them."""
    hours = pl.col("active_hours")
    known = month.user_months.select(hours.is_not_null())["active_hours"]
    assert_frame_equal(day.user_months.with_columns(
        pl.when(known).then(hours).otherwise(None).alias("active_hours")),
        month.user_months, check_exact=False)
    # where the month route skipped the count, the day route's hours do not make it 24/7
    assert not day.user_months.filter(~known)["round_the_clock"].any()


def test_round_the_clock_hours_counted_where_needed() -> None:
    """A user active every hour of three days is 24/7; one with 20 requests a day in two hours
    is a candidate but not; light users are not counted at all. Same as the per-day route
    (u3 and u6 never reach a cap: their hours come from the month-first route, not the engine)."""
    evs = ([(0, 60 * h + 5, 1) for h in range(72)]  # u0: minutes wrap at 600 (10 hours)
           + [(6, 1440 * d + 60 * h + k, 0) for d in range(3) for h in range(24)
              for k in (0, 1)]  # u3, u6: plan "pool" on API value, no usage: never capped
           + [(3, 1440 * d + 3 * k, 0) for d in range(3) for k in range(20)]
           + [(4, 1440 * d, 1) for d in range(3)])
    for tz in ("UTC", "Asia/Kolkata"):
        s = _store(evs)
        day = _compute(s, tz, Period(), month_first=False)
        month = _compute(s, tz, Period(), month_first=True)
        _assert_same_months(day, month)
        um = month.user_months
        assert um.filter(pl.col("user_id") == "u4")["active_hours"].is_null().all()
        assert um.filter(pl.col("user_id") == "u3")["active_hours"].is_not_null().all()
        if tz == "UTC":
            assert um.filter(pl.col("round_the_clock"))["user_id"].unique().to_list() == ["u6"]
        assert month.binds.filter(pl.col("user_id").is_in(["u3", "u6"])).height == 0
        s.close()


def test_some_users_skip_the_day_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Light users are bounded by their monthly totals; only heavy ones get the per-day pass."""
    evs = [(0, m, 1) for m in range(0, 300, 10)] + [(3, 1440 * d, 1) for d in range(5)]
    s = _store(evs)
    seen: list[list[str]] = []
    orig = screen.day_meter_bounds

    def spy(*args: Any) -> pl.DataFrame:
        seen.append(sorted(args[4]))
        return orig(*args)

    monkeypatch.setattr(screen, "day_meter_bounds", spy)
    data = _compute(s, "UTC", Period(), month_first=True)
    assert seen == [["u0"]]  # u0: $30 in a month against a pool of $15; u3: $5
    assert data.binds.filter(pl.col("user_id") == "u0").height > 0
    s.close()


def test_day_pass_sums_only_the_meters_near_users_need(monkeypatch: pytest.MonkeyPatch) -> None:
    evs = [(2, m, 1) for m in range(0, 300, 10)] + [(3, 1440 * d, 1) for d in range(5)]
    s = _store(evs)
    seen: list[list[str]] = []
    orig = screen.day_meter_bounds

    def spy(*args: Any) -> pl.DataFrame:
        seen.append(list(args[2]))
        return orig(*args)

    monkeypatch.setattr(screen, "day_meter_bounds", spy)
    month = _compute(s, "UTC", Period(), month_first=True)
    day = _compute(s, "UTC", Period(), month_first=False)
    assert seen == [["req"]]  # u2 (burst): 30 requests in 5 hours against a cap of 4
    key = ["user_id", "month_key", "limit"]
    assert_frame_equal(day.binds.sort(key), month.binds.sort(key))
    assert month.binds.filter(pl.col("user_id") == "u2").height > 0
    s.close()


def test_months_spanned() -> None:
    assert screen.months_spanned(Window("calendar_month")) == 2
    assert screen.months_spanned(Window("rolling", hours=5)) == 2
    assert screen.months_spanned(Window("rolling", hours=24 * 30)) == 3
    # the billing month itself: in the report's time zone, reset at midnight
    assert screen.months_spanned(Window("calendar_month", timezone="UTC"), "UTC") == 1
    assert screen.months_spanned(Window("calendar_month", timezone="UTC"), "Asia/Tokyo") == 2
    assert screen.months_spanned(Window("calendar_month", timezone="UTC", reset_time="06:00"),
                                 "UTC") == 2


def test_slot_run() -> None:
    assert [screen.slot_run(s) for s in range(1, 7)] == [2, 3, 3, 3, 3, 3]


# (minute from the start, units): events over several slots and a month's end
edge_events = st.lists(st.tuples(st.integers(0, 60 * 24 * 20), st.integers(0, 9)),
                       min_size=1, max_size=60)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edge_events, st.sampled_from(["UTC", "America/New_York", "Pacific/Kiritimati",
                                     "Pacific/Pago_Pago", "Australia/Lord_Howe"]),
       st.sampled_from([1, 5, 30, 24 * 6, 24 * 7]),
       st.sampled_from(["2026-09-20", "2027-02-18", "2026-10-22"]))
# a 6-day window over a whole slot (Sep 21-25) and the ends of its neighbours: 3 slots
@example([(1380, 9), (5040, 9), (8700, 9)], "UTC", 24 * 6, "2026-09-20")
# a 5-hour window across two slots (Sep 25 22:00 - Sep 26 02:00 in Kiritimati, UTC+14)
@example([(5 * 1440 + 480, 9), (5 * 1440 + 720, 9)], "Pacific/Kiritimati", 5, "2026-09-20")
def test_month_bound_holds_every_rolling_window(evs: list[tuple[int, int]], tz: str,
                                                hours: int, start: str) -> None:
    """The monthly bound with slot sums (month_bounds) is at least what any rolling window
    holds, in any time zone: brute force over every window that starts at an event."""
    s = Store()
    for i, (minute, _) in enumerate(evs):
        s.con.execute(
            f"INSERT INTO events VALUES (NULL, TIMESTAMPTZ '{start} 00:00:00+00' + "
            "to_minutes($m), 'u0', NULL, 'm', 0, 0, 0, 0, 0, 1, NULL, 'fx', $i)",
            {"m": minute, "i": i})
    vals = ", ".join(f"({i}, {v}.0)" for i, (_, v) in enumerate(evs))
    s.con.execute(f"CREATE TEMP TABLE v AS SELECT * FROM (VALUES {vals}) t(i, val)")
    s.con.execute("CREATE TEMP TABLE priced_events AS SELECT e.*, 0.0 AS gpu_cost_usd, "
                  "0.0 AS loaded_cost_usd, v.val AS api_value_usd, false AS cost_assumed "
                  "FROM events e JOIN v ON v.i = e.source_row")
    cat = parse_plan_catalog(CATALOG, "test")
    win = Window("rolling", hours=hours)
    pairs = [screen.Pair(0, screen.span_days(win))]
    spans = [screen.months_spanned(win)]
    slotted = screen.slot_meters(pairs)
    assert slotted == ([0] if hours <= 24 * 6 else [])
    rows = screen.month_rows(s.con, cat, ["usd"], slotted, tz)
    bound = screen.month_bounds(rows, pairs, spans, slotted)["s0"][0]
    ts = sorted(evs)
    best = max(sum(v for m, v in ts if t <= m < t + 60 * hours) for t, _ in ts)
    assert bound >= best - 1e-9
    s.close()


def test_slot_bound_is_tighter_than_months() -> None:
    """One event a day for 20 days: a 5-hour window holds 1, the month 20; the slot bound for
    windows of a day 2 slots' worth (10), of 3 days 3 slots' worth (15)."""
    s = Store()
    for d in range(20):
        s.con.execute(
            "INSERT INTO events VALUES (NULL, TIMESTAMPTZ '2026-09-20 12:00:00+00' + "
            "to_days($d), 'u0', NULL, 'm', 0, 0, 0, 0, 0, 1, NULL, 'fx', $d)", {"d": d})
    s.con.execute("CREATE TEMP TABLE priced_events AS SELECT e.*, 0.0 AS gpu_cost_usd, "
                  "0.0 AS loaded_cost_usd, 1.0 AS api_value_usd, false AS cost_assumed "
                  "FROM events e")
    cat = parse_plan_catalog(CATALOG, "test")
    pairs = [screen.Pair(0, 1)]
    rows = screen.month_rows(s.con, cat, ["usd"], [0], "UTC")
    assert screen.month_bounds(rows, pairs, [2], [])["s0"][0] == 20
    assert screen.month_bounds(rows, pairs, [2], [0])["s0"][0] == 10  # 2 slots for a day
    assert screen.month_bounds(rows, [screen.Pair(0, 3)], [2], [0])["s0"][0] == 15
    s.close()


# (user, minute since 2026-09-27, plan logged): plans change over the months; None: not logged
logged_events = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 60 * 24 * 70),
              st.sampled_from([None, "session", "pool", "burst", "mystery"])),
    min_size=1, max_size=60, unique_by=lambda e: (e[0], e[1]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logged_events, st.sampled_from([(), ("u1=burst",)]), st.booleans(),
       st.sampled_from([(), ("2026-10",)]))
def test_plans_read_in_the_month_pass(evs: list[tuple[int, int, str | None]],
                                      assign: tuple[str, ...], with_file: bool,
                                      months: tuple[str, ...]) -> None:
    """compute with PlanSources (each month's logged plan read in the month pass) gives the
    same report and assignment as the separate scan (sql/user_logged_plans.sql, plan fit on);
    the users whose plan does not change as with one plan per user (``Assignment``)."""
    s = Store()
    for i, (u, minute, plan) in enumerate(evs):
        s.con.execute(
            "INSERT INTO events VALUES (NULL, TIMESTAMPTZ '2026-09-27 00:00:00+00' + "
            "to_minutes($m), $u, $p, 'm', 0, 0, 0, 0, 0, 1, NULL, 'fx', $i)",
            {"m": minute, "u": f"u{u}", "p": plan, "i": i})
    s.con.execute("CREATE TEMP TABLE priced_events AS SELECT e.*, 0.5 AS gpu_cost_usd, "
                  "0.8 AS loaded_cost_usd, 1.0 AS api_value_usd, false AS cost_assumed "
                  "FROM events e")
    cat = parse_plan_catalog(CATALOG, "test")
    rules = tuple(parse_assign(assign, cat))
    user_file = {"u2": "pool"} if with_file else None
    period = Period(months=months)
    scanned = assign_plans(logged_plans(s.con), cat, rules, user_file)
    old = compute(s.con, cat, scanned, period=period, plan_fit=False)
    new = compute(s.con, cat, PlanSources(rules, user_file), period=period, plan_fit=False)
    scan = compute(s.con, cat, PlanSources(rules, user_file), period=period, plan_fit=True)
    assert new.assignment is not None and scan.assignment is not None
    assert new.assignment.plan_of == scanned.plan_of == scan.assignment.plan_of
    assert new.assignment.unknown_logged == scan.assignment.unknown_logged
    # (plan fit's per-day pass counts active hours that the month pass leaves null)
    assert_frame_equal(scan.user_months.drop("active_hours"),
                       new.user_months.drop("active_hours"))
    key = ["user_id", "month_key", "limit"]
    assert_frame_equal(scan.binds.sort(key), new.binds.sort(key))
    changed = [n for n in new.notes if "different plan in different" in n]
    assert changed == [n for n in scan.notes if "different plan in different" in n]
    # users on one plan throughout: the same figures as with one plan per user
    logged: dict[str, set[str]] = {}
    for u, _, plan in evs:
        logged.setdefault(f"u{u}", set()).update([plan] if plan else [])
    steady = pl.Series([u for u, p in logged.items() if len(p) <= 1]).implode()
    assert_frame_equal(old.user_months.filter(pl.col("user_id").is_in(steady)),
                       new.user_months.filter(pl.col("user_id").is_in(steady)))
    if all(len(p) <= 1 for p in logged.values()):
        assert_frame_equal(old.user_months, new.user_months)
        assert old.notes == new.notes
    s.close()


@pytest.mark.parametrize("order", [("pool", "session"), ("session", "pool")])
def test_plans_logged_at_one_time_are_ordered_by_name(order: tuple[str, str]) -> None:
    """Two plans logged at the same instant (rows of one usage bucket): the name that sorts
    last is the later, whichever row comes first, in the month pass (PlanSources), the
    separate scan (sql/user_logged_plans.sql) and with --since cutting the month; the month
    logged two plans, so its first plan is the other one (a change within the month)."""
    s = Store()
    rows = [("2026-10-05 00:00:00", "u1", order[0]), ("2026-10-05 00:00:00", "u1", order[1]),
            ("2026-10-01 00:00:00", "u2", "pool"), ("2026-10-03 00:00:00", "u2", "session")]
    for i, (ts, user, plan) in enumerate(rows):
        s.con.execute("INSERT INTO events VALUES (NULL, CAST($t AS TIMESTAMPTZ), $u, $p, 'm', "
                      "0, 0, 0, 0, 0, 1, NULL, 'fx', $i)", {"t": ts + "+00", "u": user,
                                                              "p": plan, "i": i})
    s.con.execute("CREATE TEMP TABLE priced_events AS SELECT e.*, 0.5 AS gpu_cost_usd, "
                  "0.8 AS loaded_cost_usd, 1.0 AS api_value_usd, false AS cost_assumed "
                  "FROM events e")
    cat = parse_plan_catalog(CATALOG, "test")
    assert dict(logged_plans(s.con)) == {"u1": "session", "u2": "session"}
    for period in (Period(), Period(since=date(2026, 10, 2))):
        notes = []
        for fit in (False, True):
            got = compute(s.con, cat, PlanSources((), None), period=period, plan_fit=fit)
            assert got.assignment is not None
            assert got.assignment.plan_of == {"u1": "session", "u2": "session"}, (period, fit)
            notes.append([n for n in got.notes if "plan" in n and "month" in n])
        assert notes[0] == notes[1] and any("u1" in n for n in notes[0]), notes
    s.close()
