"""Windows and caps: hand-computed edge cases, and the engine against a per-request reference."""

from __future__ import annotations

import itertools

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planalyzer import caps
from planalyzer.caps import Requests, apply_plan, rolling_window_starts
from planalyzer.plans import Limit, Overage, Plan, Window
from tests.reference_engine import reference

H = 3_600_000_000  # one hour in microseconds
SESSION = Window("rolling", hours=5)
WEEK = Window("rolling", hours=168)


@pytest.fixture(autouse=True, params=["lock-step", "one by one"])
def scan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test here runs with both ways the engine scans segments: all users in lock step,
    and each user alone (caps._Tail, which the engine uses once few users have segments
    left)."""
    monkeypatch.setattr(caps, "SCALAR_TAIL_USERS", 0 if request.param == "lock-step" else 10**9)


def i64(v: list[int]) -> pl.Series:
    return pl.Series(v, dtype=pl.Int64)


def one_user(times_h: list[float], month: list[int] | None = None,
             calendar: dict[Window, list[int]] | None = None) -> Requests:
    t = [round(x * H) for x in times_h]
    m = month if month is not None else [0] * len(t)
    cal = {w: i64(v) for w, v in (calendar or {}).items()}
    return Requests(i64([0, len(t)]), i64(t), i64(m), cal)


def plan(*limits: Limit, overage: Overage | None = None) -> Plan:
    return Plan("p", "P", 10.0, tuple(limits), overage or Overage())


def units(*v: float) -> dict[str, pl.Series]:
    return {"m": pl.Series(v, dtype=pl.Float64)}


def test_rolling_window_opens_at_first_request_and_closes_after_length() -> None:
    # 0h opens [0, 5); 4.99h inside; 5h exactly opens the next [5, 10); 9h inside; 12h opens
    req = one_user([0, 4.99, 5, 9, 12])
    assert rolling_window_starts(req, 5 * H).to_list() == [True, False, True, False, True]


def test_windows_are_per_user() -> None:
    req = Requests(i64([0, 2, 4]), i64([0, H, 0, 6 * H]), i64([0] * 4))
    assert rolling_window_starts(req, 5 * H).to_list() == [True, False, True, True]


def test_request_arriving_exactly_at_cap_is_blocked_and_the_crossing_one_is_served() -> None:
    # cap 10: meter before each request: 0, 4, 8 (<10: served, crosses to 12), 12 (blocked)
    out = apply_plan(plan(Limit("s", "m", SESSION, 10)), one_user([0, 1, 2, 3]),
                     units(4, 4, 4, 1))
    assert out.served.to_list() == [True, True, True, False]
    # exactly at the cap before the request: 5 + 5 = 10 -> third request blocked
    out = apply_plan(plan(Limit("s", "m", SESSION, 10)), one_user([0, 1, 2]), units(5, 5, 1))
    assert out.served.to_list() == [True, True, False]
    assert out.bound_at["s"].to_list() == [2]


def test_blocked_requests_consume_nothing_and_next_window_serves_again() -> None:
    lim = Limit("s", "m", SESSION, 10)
    out = apply_plan(plan(lim), one_user([0, 1, 2, 5, 6]), units(10, 3, 3, 3, 3))
    assert out.served.to_list() == [True, False, False, True, True]
    assert out.bound_at["s"].to_list() == [1]


def test_user_with_one_request() -> None:
    out = apply_plan(plan(Limit("s", "m", SESSION, 1)), one_user([7]), units(1000))
    assert out.served.to_list() == [True]
    assert len(out.bound_at["s"]) == 0


def test_window_crossing_midnight_and_month_boundary() -> None:
    # a session opened at 22:00 on the 31st runs to 03:00 on the 1st: one window, two months
    req = one_user([22, 23, 25, 26, 27], month=[0, 0, 1, 1, 1])
    out = apply_plan(plan(Limit("s", "m", SESSION, 10)), req, units(4, 4, 4, 4, 4))
    assert out.served.to_list() == [True, True, True, False, True]  # 27h = 22h + 5h: new window


def test_two_overlapping_limits_nested_block() -> None:
    # session cap 10 per 5 h, weekly cap 15: the weekly binds in the second session, and a
    # request blocked by the session limit does not count toward the weekly meter
    lim_s = Limit("s", "m", SESSION, 10)
    lim_w = Limit("w", "m", WEEK, 15)
    req = one_user([0, 1, 2, 10, 11, 12, 200])
    out = apply_plan(plan(lim_s, lim_w), req, units(6, 6, 6, 2, 2, 2, 1))
    # s-window1: 6 ->12 (served), 3rd blocked (12>=10). weekly=12. s-window2 at 10h: 12<15 served
    # -> 14; 11h: 14<15 served -> 16; 12h: weekly 16>=15 blocked. 200h: new week, served.
    assert out.served.to_list() == [True, True, False, True, True, False, True]
    assert out.bound_at["s"].to_list() == [2]
    assert out.bound_at["w"].to_list() == [5]


def test_payg_overage_with_monthly_spend_limit() -> None:
    pol = Overage("payg", "m", 0.5, monthly_limit_usd=1.0)
    out = apply_plan(plan(Limit("c", "m", Window("calendar_month"), 2), overage=pol),
                     one_user([0, 1, 2, 3, 4, 5], calendar={Window("calendar_month"): [0] * 6}),
                     units(1, 1, 1, 1, 1, 1))
    # meter before: 0,1 served; 2 >= 2: overage $0.5 (spend 0.5), overage $0.5 (spend 1.0),
    # then spend 1.0 >= 1.0: blocked
    assert out.served.to_list() == [True, True, True, True, False, False]
    assert out.overage_usd.to_list() == [0, 0, 0.5, 0.5, 0, 0]


def test_spend_limit_reached_exactly_in_cent_rates_blocks_the_next_request() -> None:
    # Copilot-style: $0.04 per premium request over 2 included, $50 a month: 1,250 overage
    # requests cost exactly $50.00, so the 1,251st overage request is blocked. In float
    # dollars 1,250 x 0.04 is not 50 (it lands a hair below or above); in meter units it is.
    pol = Overage("payg", "m", 0.04, monthly_limit_usd=50.0)
    n = 1_260
    req = one_user([i / 1000 for i in range(n)],
                   calendar={Window("calendar_month"): [0] * n})
    out = apply_plan(plan(Limit("c", "m", Window("calendar_month"), 2), overage=pol), req,
                     units(*([1.0] * n)))
    assert out.served.to_list() == [True] * 1_252 + [False] * 8
    assert out.overage.sum() == 1_250


def test_spend_limit_outcome_does_not_depend_on_who_shares_the_batch() -> None:
    # The same user alone and behind another user whose fractional usage moves the float
    # prefix sums: the request that lands exactly on the spend limit is blocked both times.
    pol = Overage("payg", "m", 0.04, monthly_limit_usd=50.0)
    p = plan(Limit("c", "m", Window("calendar_month"), 2), overage=pol)
    n, lead = 1_260, 997
    alone = apply_plan(p, one_user([i / 1000 for i in range(n)],
                                   calendar={Window("calendar_month"): [0] * n}),
                       units(*([1.0] * n)))
    t = [round(i * H / 1000) for i in range(lead)] + [round(i * H / 1000) for i in range(n)]
    shared = Requests(i64([0, lead, lead + n]), i64(t), i64([0] * (lead + n)),
                      {Window("calendar_month"): i64([0] * (lead + n))})
    out = apply_plan(p, shared, units(*([0.7] * lead), *([1.0] * n)))
    assert out.served.slice(lead).to_list() == alone.served.to_list()
    assert out.overage.slice(lead).to_list() == alone.overage.to_list()


def test_credits_policy_blocks_after_credits() -> None:
    pol = Overage("credits", "m", 1.0, credits_usd=2.5)
    out = apply_plan(plan(Limit("s", "m", SESSION, 1), overage=pol), one_user([0, 1, 2, 3, 4]),
                     units(1, 1, 1, 1, 1))
    assert out.served.to_list() == [True, True, True, True, False]
    assert out.overage_usd.sum() == 3.0


def test_no_limits_serves_everything() -> None:
    out = apply_plan(plan(), one_user([0, 1]), units(1e9, 1e9))
    assert out.served.all() and not out.overage.any()


# -- the engine agrees with the per-request reference ------------------------------------------

_policies = st.sampled_from([
    Overage(),
    Overage("payg", "m", 1.0),
    Overage("payg", "m", 0.25, monthly_limit_usd=3.0),
    Overage("credits", "m", 0.5, credits_usd=2.0),
])


@st.composite
def _users(draw: st.DrawFn) -> list[tuple[list[int], list[int]]]:
    out = []
    for _ in range(draw(st.integers(1, 4))):
        gaps = draw(st.lists(st.integers(0, 4 * 60), min_size=1, max_size=40))  # minutes
        t = [x * 60_000_000 for x in itertools.accumulate(gaps)]
        u = draw(st.lists(st.integers(0, 6), min_size=len(t), max_size=len(t)))
        out.append((t, u))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture])
@given(_users(), st.integers(1, 12), st.integers(1, 40), _policies, st.booleans(),
       st.integers(60, 48 * 60))
def test_engine_matches_reference(users: list[tuple[list[int], list[int]]],
                                  cap_s: int, cap_m: int, pol: Overage, monthly: bool,
                                  month_min: int) -> None:
    month_len = month_min * 60_000_000
    cal_w = Window("calendar_month")
    limits = [Limit("s", "m", Window("rolling", hours=2), cap_s)]
    if monthly:
        limits.append(Limit("w", "m", cal_w, cap_m))
    p = plan(*limits, overage=pol)
    t = [x for ts, _ in users for x in ts]
    u = [float(x) for _, us in users for x in us]
    month = [x // month_len for x in t]
    bounds = list(itertools.accumulate([0] + [len(ts) for ts, _ in users]))
    req = Requests(i64(bounds), i64(t), i64(month), {cal_w: i64(month)})
    out = apply_plan(p, req, {"m": pl.Series(u, dtype=pl.Float64)})
    served, charges = out.served.to_list(), out.overage_usd.to_list()
    for i in range(len(users)):
        a, b = bounds[i], bounds[i + 1]
        ref = reference(p, t[a:b], month[a:b], {"m": u[a:b]}, {"w": month[a:b]})
        assert served[a:b] == ref.served
        assert all(abs(x - y) < 1e-9 for x, y in zip(charges[a:b], ref.overage_usd, strict=True))
        for lim in limits:
            got = sum(1 for j in out.bound_at[lim.name].to_list() if a <= j < b)
            assert got == ref.binds[lim.name], lim.name


@pytest.mark.parametrize("ahead", [[], [0.1, 0.2], [0.388885, 0.38891, 0.388935]])
def test_tie_at_a_fractional_cap_does_not_depend_on_other_users(ahead: list[float]) -> None:
    # qa10B: five $0.003 requests under a $0.009 cap. The third brings the meter to exactly
    # the cap, so the fourth arrives with it reached: 3 served. With one float running sum
    # over the batch, a user sorted ahead (three Opus requests, 1.17) made the window read
    # 0.0089999999999997: 4 served. Meters are now summed in whole nano-units as integers.
    n = len(ahead)
    month = Window("calendar_month")
    req = Requests(i64([0, n, n + 5] if n else [0, 5]), i64([0] * n + [H * i for i in range(5)]),
                   i64([0] * (n + 5)), {month: i64([0] * (n + 5))})
    out = apply_plan(plan(Limit("s", "m", month, 0.009)), req,
                     units(*ahead, *[0.003] * 5))
    assert out.served.slice(n).to_list() == [True, True, True, False, False]


def test_nano_prefix_holds_totals_past_int64() -> None:
    # a token meter over billions of tokens: nano-unit sums past 2**63 are kept as Int128
    p = caps.nano_prefix(pl.Series([6e9, 6e9, 0.5]))
    assert p.dtype == pl.Int128
    assert p.to_list() == [0, 6 * 10**18, 12 * 10**18, 12 * 10**18 + 5 * 10**8]


def test_caps_past_int64_nano_units_are_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    # the Int128 path of the engine (forced: every prefix made as Int128)
    monkeypatch.setattr(caps, "_INT64_TOTAL", 0)
    req = one_user([0, 1, 2, 3, 4])
    out = apply_plan(plan(Limit("s", "m", SESSION, 0.009)), req, units(*[0.003] * 5))
    assert out.served.to_list() == [True, True, True, False, False]
    pay = plan(Limit("s", "m", SESSION, 0.003),
               overage=Overage("payg", "m", 100.0, monthly_limit_usd=0.6))
    out = apply_plan(pay, req, units(*[0.003] * 5))
    assert out.served.to_list() == [True, True, True, False, False]
    assert out.overage.to_list() == [False, True, True, False, False]


@pytest.mark.parametrize("int128", [False, True])
@pytest.mark.parametrize("cap", [9.3e9, 1e12, 1e300, float("inf")])
def test_a_cap_past_int64_nano_units_never_binds(cap: float, int128: bool,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # qa12D #3: a cap of 9.2e9 units or more overflowed Int64 nano-units (OverflowError). A
    # cap no window can reach is held as the largest value that never binds: 2**62 nano-units
    # against Int64 sums (their totals stay under 2**61), 2**120 against Int128 sums
    assert caps.to_nano(cap) == 2**62
    assert caps.to_nano(cap, pl.Int128) == (2**120 if cap > 1e12 else round(cap * 1e9))
    if int128:
        monkeypatch.setattr(caps, "_INT64_TOTAL", 0)
    req = one_user([0, 1, 2, 3, 4])
    out = apply_plan(plan(Limit("s", "m", SESSION, cap)), req, units(*[1e9] * 5))
    assert out.served.all() and not len(out.bound_at["s"])
    pay = plan(Limit("s", "m", SESSION, 0.003),  # a spend limit over a tiny rate: 1e25 units
               overage=Overage("payg", "m", 1e-23, monthly_limit_usd=100.0))
    out = apply_plan(pay, req, units(*[0.003] * 5))
    assert out.served.all() and out.overage.to_list() == [False, True, True, True, True]


def test_a_cap_just_below_the_largest_is_exact() -> None:
    assert caps.to_nano(4e9) == 4 * 10**18  # below 2**62: kept as it is
    assert caps.to_nano(0.3) == 300_000_000
