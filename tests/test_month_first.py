"""The report's month-first pass (planalyzer.screen.user_month_rows_direct) gives the same
report as the per-day pass: same user-months, same limit binds, in any time zone."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from planalyzer import screen
from planalyzer.analysis import Period, ReportData, compute
from planalyzer.plans import Window, assign_plans, parse_plan_catalog
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
    assert_frame_equal(day.user_months, month.user_months, check_exact=False)
    key = ["user_id", "month_key", "limit"]
    assert_frame_equal(day.binds.sort(key), month.binds.sort(key))
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
