"""Invariants of the report, on priced_events built by hand (independent of the cost models)."""

from __future__ import annotations

import copy
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planalyzer.analysis import compute
from planalyzer.plans import assign_plans, parse_plan_catalog
from planalyzer.report_tables import plan_summary
from planalyzer.store import Store

CATALOG: dict[str, Any] = {
    "meter": {
        "req": {"unit": "requests", "weight": [{"models": "*", "request": 1}]},
        "usd": {"unit": "USD", "weight": [{"models": "*", "api_value_usd": 1}]},
    },
    "plan": {
        "blocky": {"name": "Blocky", "price_usd": 5.0, "source": "t", "as_of": "2026-11-22",
                   "limit": [{"name": "s", "meter": "req", "window": "rolling", "hours": 5,
                              "cap": 3},
                             {"name": "m", "meter": "usd", "window": "calendar_month",
                              "cap": 4.0}]},
        "payg": {"name": "Payg", "price_usd": 2.0, "source": "t", "as_of": "2026-11-22",
                 "limit": [{"name": "w", "meter": "req", "window": "rolling", "days": 7,
                            "cap": 5}],
                 "overage": {"policy": "payg", "meter": "usd", "rate_usd": 1.5,
                             "monthly_limit_usd": 3.0}},
        "api": {"name": "API", "price_usd": 0.0, "source": "t", "as_of": "2026-11-22",
                "usage": {"meter": "usd", "rate_usd": 1.0}},
    },
}


def _no_limits(cat: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(cat)
    for p in out["plan"].values():
        p.pop("limit", None)
        p.pop("overage", None)
    return out


events = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 60 * 24 * 70),
                            st.integers(0, 3), st.sampled_from(["blocky", "payg", "api"])),
                  min_size=1, max_size=60)


def _store(evs: list[tuple[int, int, int, str]]) -> Store:
    s = Store()
    for i, (u, minute, value, plan) in enumerate(evs):
        s.con.execute(
            "INSERT INTO events VALUES (NULL, TIMESTAMPTZ '2026-09-20 00:00:00+00' + "
            "to_minutes($m), $u, $plan, 'm', 0, 0, 0, 0, 0, 1, NULL, 'fx', $i)",
            {"m": minute, "u": f"u{u}", "plan": plan if u % 2 else None, "i": i})
        _ = value
    vals = ", ".join(f"({i}, {v}.0)" for i, (_, _, v, _) in enumerate(evs))
    s.con.execute(f"CREATE TEMP TABLE v AS SELECT * FROM (VALUES {vals}) t(i, val)")
    s.con.execute("CREATE TEMP TABLE priced_events AS SELECT e.*, v.val * 0.5 AS gpu_cost_usd, "
                  "v.val * 0.8 AS loaded_cost_usd, v.val AS api_value_usd, FALSE AS cost_assumed "
                  "FROM events e JOIN v ON v.i = e.source_row")
    return s


def _run(s: Store, cat_dict: dict[str, Any], assign_all: str) -> pl.DataFrame:
    cat = parse_plan_catalog(cat_dict, "test")
    users = [(str(u), None) for (u,) in s.con.execute(
        "SELECT DISTINCT user_id FROM events ORDER BY 1").fetchall()]
    plan_of = {u: assign_all for u, _ in users}
    a = assign_plans(users, cat, (), plan_of)
    data = compute(s.con, cat, a, plan_fit=False)
    return data.user_months, data  # type: ignore[return-value]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events, st.sampled_from(["blocky", "payg", "api"]))
def test_invariants(evs: list[tuple[int, int, int, str]], plan: str) -> None:
    s = _store(evs)
    total_cost = sum(v for _, _, v, _ in evs) * 0.5
    um, data = _run(s, CATALOG, plan)  # type: ignore[misc]
    um_free, _ = _run(s, _no_limits(CATALOG), plan)  # type: ignore[misc]
    # revenue = subscriptions + overage + usage charges + credits
    for r in um.iter_rows(named=True):
        assert abs(r["revenue_usd"] - (r["subscription_usd"] + r["overage_usd"] + r["usage_usd"]
                                       + r["credits_usd"])) < 1e-9
    # blocking never increases cost, per user-month
    joined = um.join(um_free, on=["user_id", "month_key"], suffix="_free")
    assert (joined["gpu_cost_usd"] <= joined["gpu_cost_usd_free"] + 1e-9).all()
    # with no limits the report equals the unlimited sums
    assert abs(float(um_free["gpu_cost_usd"].sum()) - total_cost) < 1e-9
    assert int(um_free["blocked_requests"].sum()) == 0
    # totals per plan equal the sum over users
    plans = plan_summary(data)[0]
    for row in plans.as_dicts():
        g = um.filter((pl.col("plan") == row["plan"]) & (pl.col("month") == row["month"]))
        assert abs(row["revenue_usd"] - float(g["revenue_usd"].sum())) < 1e-6
        assert abs(row["gpu_cost_usd"] - float(g["gpu_cost_usd"].sum())) < 1e-6
        assert row["subscribers"] == g["user_id"].n_unique()
    s.close()


# requests bunched into a few hours of a few days (crossing month ends), so caps bind
dense = st.lists(st.tuples(st.integers(0, 3),
                           st.builds(lambda d, m: d * 1440 + m, st.integers(0, 45),
                                     st.integers(0, 400)),
                           st.integers(0, 3), st.sampled_from(["blocky", "payg", "api"])),
                 min_size=1, max_size=80)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dense)
def test_plan_fit_equals_the_report_under_each_plan(evs: list[tuple[int, int, int, str]]) -> None:
    # Plan fit replays everyone under every plan in one pass (window starts found once for all
    # users, then cut per plan); the report under each plan for everyone is a separate route.
    # Both must give the same blocked requests and charges per user-month.
    s = _store(evs)
    cat = parse_plan_catalog(CATALOG, "test")
    users = [(str(u), None) for (u,) in s.con.execute(
        "SELECT DISTINCT user_id FROM events ORDER BY 1").fetchall()]
    fit = compute(s.con, cat, assign_plans(users, cat, (), {u: "api" for u, _ in users}),
                  plan_fit=True).fit
    assert fit is not None
    for plan in cat.plans:
        um, _ = _run(s, CATALOG, plan)  # type: ignore[misc]
        got = fit.filter(pl.col("plan") == plan).join(
            um, on=["user_id", "month_key"], how="full", coalesce=True)
        assert got["blocked"].null_count() == 0 and got["blocked_requests"].null_count() == 0
        assert (got["blocked"] == got["blocked_requests"]).all(), plan
        charges = got["overage_usd"] + got["usage_usd"]
        assert ((got["charges"] - charges).abs() < 1e-9).all(), plan
        assert (got["feasible"] == (got["blocked_requests"] == 0)).all(), plan
    s.close()
