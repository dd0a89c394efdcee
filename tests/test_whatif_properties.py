"""Property tests of what-if evaluation (hypothesis): agreement with the caps engine on random
streams, monotone caps, identity scenarios, the revenue identity."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from whatif_helpers import FIXTURE, aggregate, history_for, replay, requests_frame, with_calendar

from planalyzer.plans import Limit, Meter, Overage, Plan, PlanCatalog, Weight, Window
from planalyzer.store import LoadOptions, Store
from planalyzer.whatif import metrics, parse_scenario, prepare
from planalyzer.whatif.history import catalog_windows

MIN = 60_000_000
UNITS = Meter("units", "units", (Weight("*", api_value_usd=1.0),))

streams = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 20 * 24 * 60),
              st.integers(0, 12)),
    min_size=1, max_size=40)


def _rows(raw: list[tuple[str, int, int]]) -> list[tuple[str, int, float]]:
    seen = set()
    out = []
    for u, m, v in raw:
        if (u, m) not in seen:  # distinct times per user keep the order unambiguous
            seen.add((u, m))
            out.append((u, m * MIN, float(v)))
    return out


def _eval(rows: list[tuple[str, int, float]], plan: Plan, k: int = 1_000_000
          ) -> tuple[dict[str, float], dict[str, float]]:
    cat = PlanCatalog("t", {"units": UNITS}, {plan.key: plan})
    windows = catalog_windows([cat])
    df = with_calendar(requests_frame(rows), windows)
    users = sorted({r[0] for r in rows})
    h = history_for(df, cat, dict.fromkeys(users, plan.key), windows, k)
    return aggregate(h, cat, plan, users), replay(df, cat, plan, users, windows)


policies = st.one_of(
    st.just(Overage()),
    st.builds(lambda r: Overage("payg", "units", r), st.sampled_from([0.5, 1.0])),
    st.builds(lambda r, m: Overage("payg", "units", r, monthly_limit_usd=m),
              st.sampled_from([0.5, 1.0]), st.integers(0, 20).map(float)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams, st.integers(0, 40), st.sampled_from([1.0, 5.0, 30.0]), policies)
def test_single_limit_equals_caps_engine(raw: list[tuple[str, int, int]], cap: int,
                                         hours: float, overage: Overage) -> None:
    plan = Plan("p", "p", 10.0, (Limit("s", "units", Window("rolling", hours=hours),
                                       float(cap)),), overage)
    got, want = _eval(_rows(raw), plan)
    for key in want:
        assert got[key] == pytest.approx(want[key], abs=1e-6), key


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams, st.integers(0, 30), st.integers(0, 80), policies)
# found by hypothesis: a request blocked by a $0 spend limit must not count in the week
@example([("a", 0, 1), ("a", 1, 1), ("a", 1440, 1)], 1, 2,
         Overage("payg", "units", 0.5, monthly_limit_usd=0.0))
def test_nested_calendar_limits_equal_caps_engine(raw: list[tuple[str, int, int]], day: int,
                                                  week: int, overage: Overage) -> None:
    plan = Plan("p", "p", 10.0, (Limit("day", "units", Window("calendar_day"), float(day)),
                                 Limit("week", "units", Window("calendar_week"), float(week))),
                overage)
    got, want = _eval(_rows(raw), plan)
    for key in want:
        assert got[key] == pytest.approx(want[key], abs=1e-6), key


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams, st.integers(0, 30), st.integers(0, 80), policies, st.sampled_from([1.0, 5.0]))
def test_session_inside_rolling_week_equals_caps_engine(raw: list[tuple[str, int, int]],
                                                        short: int, week: int,
                                                        overage: Overage, hours: float) -> None:
    plan = Plan("p", "p", 10.0, (Limit("s", "units", Window("rolling", hours=hours), float(short)),
                                 Limit("w", "units", Window("rolling", hours=168.0), float(week))),
                overage)
    got, want = _eval(_rows(raw), plan)
    for key in want:
        assert got[key] == pytest.approx(want[key], abs=1e-6), key


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams, st.integers(0, 40), st.integers(1, 20), st.sampled_from([1, 4, 1_000_000]))
def test_raising_a_cap_never_increases_blocked_usage(raw: list[tuple[str, int, int]], cap: int,
                                                     more: int, k: int) -> None:
    rows = _rows(raw)

    def blocked(c: float) -> float:
        plan = Plan("p", "p", 10.0, (Limit("s", "units", Window("rolling", hours=5.0), c),))
        return _eval(rows, plan, k)[0]["blocked"]

    assert blocked(float(cap + more)) <= blocked(float(cap)) + 1e-9


@pytest.fixture(scope="module")
def evaluator():  # type: ignore[no-untyped-def]
    store = Store(None)
    store.load([str(FIXTURE)], LoadOptions())
    ev, _ = prepare(store.con)
    yield ev
    store.close()


@settings(max_examples=15, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["claude_pro", "claude_max_20x", "cursor_pro", "copilot_pro"]))
def test_scenario_identical_to_baseline_gives_zero_deltas(evaluator, plan: str) -> None:  # type: ignore[no-untyped-def]
    p = evaluator.baseline_catalog.plans[plan]
    data = {"plans": {plan: {"price_usd": p.price_usd,
                             "limits": {lim.name: {"cap": lim.cap} for lim in p.limits}}}}
    m = metrics(evaluator.run(parse_scenario(data, "same.toml")))
    base = metrics(evaluator.baseline)
    assert m.keys() == base.keys()
    for k, v in base.items():
        assert m[k] == pytest.approx(v, abs=1e-9), k
    assert m["users_affected"] == 0


@settings(max_examples=20, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["claude_pro", "claude_max_20x"]), st.integers(0, 400),
       st.sampled_from([0.5, 1.0, 2.0]), st.integers(1, 200).map(lambda x: x * 1e5))
def test_mechanical_revenue_is_subscriptions_plus_overage(evaluator, plan: str, price: int,  # type: ignore[no-untyped-def]
                                                          rate: float, cap: float) -> None:
    data = {"plans": {plan: {"price_usd": price, "limits": {"session_5h": {"cap": cap}},
                             "overage": {"policy": "payg", "meter": "api_usd",
                                         "rate_usd": rate}}}}
    out = evaluator.run(parse_scenario(data, "s.toml"))
    f = out.frame
    assert f["revenue_usd"].sum() == pytest.approx(
        (f["subscription_usd"] + f["credits_usd"] + f["overage_usd"] + f["usage_usd"]).sum())
    sub = f.filter(f["plan"] == plan)
    assert sub["subscription_usd"].sum() == pytest.approx(price * len(sub))
    # pay as you go serves everything: nothing is blocked on this plan
    assert sub["blocked_api_value_usd"].sum() == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams, st.integers(0, 30), st.integers(0, 80), st.sampled_from([1.0, 3.0, 5.0]),
       st.sampled_from([24.0, 48.0, 168.0]))
def test_nested_rolling_limits_equal_caps_engine(raw: list[tuple[str, int, int]], short: int,
                                                 long: int, short_h: float, long_h: float
                                                 ) -> None:
    """A short rolling window can straddle a long one's reset: the re-cut passes make the
    block policy exact there too."""
    plan = Plan("p", "p", 10.0, (Limit("s", "units", Window("rolling", hours=short_h),
                                       float(short)),
                                 Limit("w", "units", Window("rolling", hours=long_h),
                                       float(long))))
    got, want = _eval(_rows(raw), plan)
    for key in want:
        assert got[key] == pytest.approx(want[key], abs=1e-6), key
