"""Exactness: what-if evaluation on the one-pass aggregates against replaying the events
themselves through the real caps engine (caps.apply_plan), and against hand-computed cases."""

from __future__ import annotations

from pathlib import Path

import pytest
from whatif_helpers import FIXTURE, aggregate, history_for, replay, requests_frame, with_calendar

from planalyzer.plans import (
    Limit,
    Meter,
    Overage,
    Plan,
    PlanCatalog,
    Weight,
    Window,
    load_plan_catalog,
)
from planalyzer.report import assignment_for
from planalyzer.store import LoadOptions, Store
from planalyzer.whatif.history import catalog_windows, read_requests

H = 3_600_000_000
DAY = 24 * H
UNITS = Meter("units", "units", (Weight("*", api_value_usd=1.0),))


def catalog(*plans: Plan) -> PlanCatalog:
    return PlanCatalog("test", {"units": UNITS}, {p.key: p for p in plans})


def lim(name: str, cap: float, hours: float = 5, kind: str = "rolling") -> Limit:
    w = Window("rolling", hours=hours) if kind == "rolling" else Window(kind)  # type: ignore[arg-type]
    return Limit(name, "units", w, cap)


def check(rows: list[tuple[str, int, float]], plan: Plan, k: int = 16) -> dict[str, float]:
    cat = catalog(plan)
    windows = catalog_windows([cat])
    df = with_calendar(requests_frame(rows), windows)
    users = sorted({r[0] for r in rows})
    h = history_for(df, cat, dict.fromkeys(users, plan.key), windows, k)
    got = aggregate(h, cat, plan, users)
    want = replay(df, cat, plan, users, windows)
    for key in want:
        assert got[key] == pytest.approx(want[key], abs=1e-9), key
    return got


def test_hand_session_cap() -> None:
    # cap 10: 4 + 4 served (8 < 10), the third (4) crosses and is served in full (12), the
    # fourth arrives at 12 >= 10: blocked. A new window 5 h after the first request.
    rows = [("u", 0, 4.0), ("u", 1, 4.0), ("u", 2, 4.0), ("u", 3, 4.0), ("u", 5 * H, 4.0)]
    got = check(rows, Plan("p", "p", 20.0, (lim("s", 10),)))
    assert got["blocked"] == 4.0 and got["gpu"] == 16.0 and got["hits"] == 1


def test_hand_nested_day_inside_week() -> None:
    # daily cap 5, weekly cap 8 (calendar, nested): Mon 3+3 (6 >= 5 after 2nd), 3rd blocked;
    # Tue: week has 6 served: 3 served (9 >= 8), then everything else in the week blocked.
    mon = 4 * DAY + 9 * H  # 1970-01-05 was a Monday
    rows = [("u", mon, 3.0), ("u", mon + 1, 3.0), ("u", mon + 2, 3.0),
            ("u", mon + DAY, 3.0), ("u", mon + DAY + 1, 3.0), ("u", mon + 2 * DAY, 1.0)]
    plan = Plan("p", "p", 20.0, (lim("day", 5, kind="calendar_day"),
                                 lim("week", 8, kind="calendar_week")))
    got = check(rows, plan)
    assert got["blocked"] == 3.0 + 3.0 + 1.0
    assert got["gpu"] == 9.0


def test_hand_payg_overage_and_spend_limit() -> None:
    rows = [("u", i, 2.0) for i in range(10)]  # 20 units in one window, cap 5
    # served normally until the meter reaches 5 (2, 2, 2 -> 6): 7 requests = 14 units overage
    got = check(rows, Plan("p", "p", 20.0, (lim("s", 5),), Overage("payg", "units", 0.5)))
    assert got["overage_usd"] == 7.0 and got["blocked"] == 0.0
    # a spend limit of $3: overage 1, 1, 1 -> $3 reached, the rest (4 requests) blocked
    got = check(rows, Plan("p", "p", 20.0, (lim("s", 5),),
                           Overage("payg", "units", 0.5, monthly_limit_usd=3.0)))
    assert got["overage_usd"] == 3.0 and got["blocked"] == 8.0


def test_hand_spend_limit_reached_exactly_in_cent_rates() -> None:
    # $0.04 a unit over a cap of 2, $50 a month: 1,250 overage units cost exactly $50, the
    # rest is blocked, as the caps engine (which counts the limit in units) decides. k covers
    # every request with a breakpoint, so the cut is exact rather than interpolated.
    rows = [("u", i, 1.0) for i in range(1_260)]
    got = check(rows, Plan("p", "p", 20.0, (lim("s", 2, hours=24 * 31),),
                           Overage("payg", "units", 0.04, monthly_limit_usd=50.0)), k=2_048)
    assert got["blocked"] == 8.0
    assert got["overage_usd"] == pytest.approx(50.0, abs=1e-9)


def test_long_segments_interpolate_close() -> None:
    rows = [("u", i * 1_000_000, 1.0 + (i % 7)) for i in range(400)]
    plan = Plan("p", "p", 20.0, (lim("s", 300.0),))
    cat = catalog(plan)
    windows = catalog_windows([cat])
    df = with_calendar(requests_frame(rows), windows)
    h = history_for(df, cat, {"u": "p"}, windows, k=8)
    got = aggregate(h, cat, plan, ["u"])
    want = replay(df, cat, plan, ["u"], windows)
    assert got["blocked"] == pytest.approx(want["blocked"], rel=0.01)


@pytest.fixture(scope="module")
def fixture_store() -> Store:
    store = Store(None)
    store.load([str(FIXTURE)], LoadOptions())
    from planalyzer.pricing_step import price
    price(store.con)
    return store


@pytest.mark.parametrize("k", [1_000_000, 16])
def test_fixture_every_plan_matches_caps_engine(fixture_store: Store, k: int) -> None:
    """The report fixture (block, pay as you go, spend-limited overage, usage charges,
    calendar and rolling windows) through both paths, plan by plan."""
    cat = load_plan_catalog()
    asg = assignment_for(fixture_store.con, cat)
    windows = catalog_windows([cat])
    df = read_requests(fixture_store.con, windows, "UTC")
    h = history_for(df, cat, asg.plan_of, windows, k)
    for key, plan in cat.plans.items():
        users = [u for u, p in asg.plan_of.items() if p == key]
        if not users:
            continue
        got = aggregate(h, cat, plan, users)
        want = replay(df, cat, plan, users, windows)
        for q in want:
            tol = 1e-6 if k > 1000 else 0.01 * max(abs(want[q]), 1.0)
            assert got[q] == pytest.approx(want[q], abs=tol), (key, q)


def test_sample_population_within_one_percent() -> None:
    """The shipped synthetic population (299 users, 3.5M requests): blocked usage per plan on
    the aggregates (16 breakpoints per long segment) within 1% of the caps engine's."""
    from planalyzer.samples import demo_sources

    store = Store(None)
    store.load(demo_sources(), LoadOptions())
    from planalyzer.pricing_step import price
    price(store.con)
    cat = load_plan_catalog()
    asg = assignment_for(store.con, cat)
    windows = catalog_windows([cat])
    df = read_requests(store.con, windows, "UTC")
    h = history_for(df, cat, asg.plan_of, windows)
    total_got = total_want = 0.0
    for key, plan in cat.plans.items():
        users = [u for u, p in asg.plan_of.items() if p == key]
        if not users:
            continue
        got = aggregate(h, cat, plan, users)
        want = replay(df, cat, plan, users, windows)
        total_got += got["blocked"]
        total_want += want["blocked"]
        assert got["blocked"] == pytest.approx(want["blocked"], rel=0.01, abs=1.0), key
    assert total_got == pytest.approx(total_want, rel=0.01)
    store.close()


# -- the baseline is the report's, whatever else runs (qa8A #5) ------------------------------

LONG_PLANS = (Path(__file__).parent / "fixtures" / "whatif_hand" / "plans.toml").read_text(
    encoding="utf-8").split("[plan.basic]")[0] + """
[plan.small]
source = "test"
as_of = "2026-11-22"
name = "Small"
price_usd = 0.5
[[plan.small.limit]]
name = "monthly"
meter = "api_usd"
window = "calendar_month"
cap = 0.9
"""


def test_baseline_equals_the_report_and_ignores_other_scenarios(tmp_path: Path) -> None:
    """120 requests of varied size in one month: one long segment that the cap cuts in the
    middle. With 16 interpolated breakpoints the baseline was not the report's, and a scenario
    adding a tier nobody is on with a calendar-day limit (new segment cuts) moved it."""
    from conftest import cli_json, write_csv

    from planalyzer.whatif import metrics, parse_scenario, prepare
    rows = [["h", "small", f"2026-10-{1 + i // 24:02d}T{i % 24:02d}:00:00Z", "claude-sonnet-4-5",
             1000 + (i * 7919) % 5000, 100 + (i * 104729) % 900] for i in range(120)]
    ev_csv = write_csv(tmp_path / "ev.csv", ["user_id", "plan", "ts", "model", "input_tokens",
                                             "output_tokens"], rows)
    plans = tmp_path / "plans.toml"
    plans.write_text(LONG_PLANS, encoding="utf-8")
    ghost = parse_scenario({"plans": {"ghost": {"name": "Ghost", "price_usd": 1.0, "limits": {
        "daily": {"meter": "requests", "window": "calendar_day", "cap": 1}}}}}, "ghost.toml")
    store = Store(None)
    store.load([str(ev_csv)], LoadOptions())
    alone = metrics(prepare(store.con, plans=plans)[0].baseline)
    with_ghost = metrics(prepare(store.con, [ghost], plans=plans)[0].baseline)
    store.close()
    assert alone == with_ghost
    report = cli_json(["report", str(ev_csv), "--plans", str(plans), "--no-fit"])
    pu = report["plan_users"]["rows"][0]
    pl_ = report["plans"]["rows"][0]
    assert alone["blocked_requests"] == pu["blocked_requests"] > 0
    assert alone["blocked_api_value_usd"] == pytest.approx(pu["blocked_api_value_usd"],
                                                           abs=1e-6)
    assert alone["gpu_cost_usd"] == pytest.approx(pl_["gpu_cost_usd"], abs=1e-6)


def test_raising_an_inner_cap_can_block_more_under_an_outer_one(tmp_path: Path) -> None:
    """qa8A #10 (docs): "raising a cap never increases blocked usage" holds for a single limit.
    Five small requests, then five large ones six hours later, under a weekly cap of 6
    requests: a session cap of 3 leaves weekly room for three large requests; a session cap of
    5 spends the week on small ones, so more API value is blocked. The engine agrees with the
    report's replay either way."""
    from conftest import cli_json, write_csv

    from planalyzer.whatif import metrics, parse_scenario, prepare
    rows = [["u", "two", f"2026-10-05T{h:02d}:{m:02d}:00Z", "claude-sonnet-4-5", size, 100]
            for h, size in ((1, 1000), (7, 100000)) for m in range(5)]
    ev_csv = write_csv(tmp_path / "ev.csv", ["user_id", "plan", "ts", "model", "input_tokens",
                                             "output_tokens"], rows)
    plans = tmp_path / "plans.toml"
    plans.write_text(LONG_PLANS.replace("plan.small", "plan.unused") + """
[plan.two]
source = "test"
as_of = "2026-11-22"
name = "Two"
price_usd = 1.0
[[plan.two.limit]]
name = "session"
meter = "requests"
window = "rolling"
hours = 5
cap = 3
[[plan.two.limit]]
name = "weekly"
meter = "requests"
window = "rolling"
days = 7
cap = 6
""", encoding="utf-8")
    store = Store(None)
    store.load([str(ev_csv)], LoadOptions())
    ev, _ = prepare(store.con, plans=plans)
    tight = metrics(ev.baseline)
    loose = metrics(ev.run(parse_scenario(
        {"plans": {"two": {"limits": {"session": {"cap": 5}}}}}, "s.toml")))
    store.close()
    assert tight["blocked_requests"] == loose["blocked_requests"] == 4
    assert loose["blocked_api_value_usd"] > tight["blocked_api_value_usd"]
    report = cli_json(["report", str(ev_csv), "--plans", str(plans), "--no-fit"])
    assert tight["blocked_api_value_usd"] == pytest.approx(
        report["plan_users"]["rows"][0]["blocked_api_value_usd"], abs=1e-6)


def _round_the_clock(seed: int, days: int, rate_min: float) -> list[tuple[str, int, float]]:
    """One request a unit, every ``rate_min`` minutes on average round the clock (qa10B's
    fz/gen.py): a long chain of rolling windows straddling each other's resets."""
    import random
    rnd = random.Random(seed)
    t, rows = rnd.randint(0, 3000) * 60_000_000, []
    while t < days * DAY:
        t += int(60 * rnd.expovariate(1 / rate_min)) * 1_000_000 + 1_000_000
        rows.append(("u", t, 1.0))
    return rows


NESTED = (lim("h5", 4), lim("week", 30, hours=168), lim("month", 110, kind="calendar_month"))


@pytest.mark.parametrize("overage", [
    None,
    Overage("payg", "units", 0.5, monthly_limit_usd=10.0),
    Overage("credits", "units", 0.5, credits_usd=10.0),
])
def test_sustained_use_under_three_nested_limits_equals_caps_engine(overage: Overage | None
                                                                    ) -> None:
    # qa10B: the re-cut passes stopped after 20 unconverged (baseline revenue -$552 with a
    # spend limit: overage starting after the served prefix ended). Now run to the fixed point.
    rows = _round_the_clock(2, 240, 70.0)
    plan = Plan("p", "p", 10.0, NESTED, overage or Overage())
    got = check(rows, plan, k=None)  # type: ignore[arg-type]
    if overage is not None and overage.policy == "payg":
        assert got["overage_usd"] == pytest.approx(8 * 10.0, abs=1e-9)  # $10 each month
        assert got["overage_usd"] >= 0


def test_sustained_use_two_limits_week_and_month_equals_caps_engine() -> None:
    rows = _round_the_clock(3, 200, 40.0)
    for pol in (Overage(), Overage("payg", "units", 0.5, monthly_limit_usd=10.0)):
        check(rows, Plan("p", "p", 10.0, NESTED[1:], pol), k=None)  # type: ignore[arg-type]


TIE_PLANS = """
[meter.api]
unit = "USD"
[[meter.api.weight]]
models = "*"
api_value_usd = 1.0

[plan.apicap]
name = "API capped"
price_usd = 0.0
source = "test"
as_of = "2026-11-24"
[plan.apicap.usage]
meter = "api"
rate_usd = 1.0
[[plan.apicap.limit]]
name = "spend"
meter = "api"
window = "calendar_month"
cap = 0.009
"""


@pytest.mark.parametrize("others", [0, 3])
def test_tie_at_a_fractional_cap_report_and_whatif_agree_whoever_else_is_there(
        tmp_path: Path, others: int) -> None:
    """qa10B: five $0.003 Sonnet requests under a $0.009 monthly cap: the third brings the
    meter to exactly the cap, so the fourth and fifth arrive with it reached (3 served). A user
    h with three Opus requests sorted ahead flipped it to 4 served in report and what-if alike
    (one float running sum over every user)."""
    from conftest import cli_json, write_csv

    rows = [["h", "apicap", f"2026-10-0{1 + i}T0{i}:0{i}:00Z", "claude-opus-4-5", 77777, i]
            for i in range(others)]
    rows += [["y", "apicap", f"2026-10-05T1{i}:00:00Z", "claude-sonnet-4-5", 1000, 0]
             for i in range(5)]
    ev = write_csv(tmp_path / "ev.csv", ["user_id", "plan", "ts", "model", "input_tokens",
                                         "output_tokens"], rows)
    plans = tmp_path / "plans.toml"
    plans.write_text(TIE_PLANS, encoding="utf-8")
    scen = tmp_path / "noop.toml"
    scen.write_text('[scenario]\nname = "noop"\n[plans.apicap]\nprice_usd = 0.0\n',
                    encoding="utf-8")
    report = cli_json(["report", str(ev), "--plans", str(plans), "--by", "user", "--no-fit"])
    y = next(r for r in report["users"]["rows"] if r["user_id"] == "y")
    assert (y["requests"], y["blocked_requests"]) == (3, 2)
    assert y["revenue_usd"] == pytest.approx(0.009, abs=1e-9)
    wi = cli_json(["whatif", str(ev), "--plans", str(plans), "--scenario", str(scen)])
    blocked = next(r for r in wi["whatif_people"]["rows"] if r["key"] == "blocked_requests")
    assert blocked["baseline"] == 2 + max(others - 1, 0)  # h: the first crosses the cap


def test_meter_sums_past_int64_nano_units(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Int128 path (a token meter over billions of tokens), forced: the same answers."""
    from planalyzer import caps
    rows = _round_the_clock(4, 60, 40.0)
    plans = [Plan("p", "p", 10.0, NESTED, pol)
             for pol in (Overage(), Overage("payg", "units", 0.5, monthly_limit_usd=10.0))]
    cat = catalog(plans[0])
    windows = catalog_windows([cat])
    df = with_calendar(requests_frame(rows), windows)
    interpolated = [aggregate(history_for(df, cat, {"u": "p"}, windows, 8), cat, p, ["u"])
                    for p in plans]
    monkeypatch.setattr(caps, "_INT64_TOTAL", 0)
    for p, want in zip(plans, interpolated, strict=True):
        check(rows, p, k=None)  # type: ignore[arg-type]
        got = aggregate(history_for(df, cat, {"u": "p"}, windows, 8), cat, p, ["u"])
        assert got == pytest.approx(want, abs=1e-9)


H3_PLANS = """
[meter.reqs]
unit = "requests"
[[meter.reqs.weight]]
models = "*"
request = 1.0

[plan.mix]
name = "Mix"
price_usd = 5.0
source = "test"
as_of = "2026-11-24"
[[plan.mix.limit]]
name = "h3"
meter = "reqs"
window = "rolling"
hours = 3
cap = 2
[plan.mix.overage]
policy = "payg"
meter = "reqs"
rate_usd = 0.5
"""


def test_a_window_straddling_the_period_start_counts_as_hit_in_report_and_whatif(
        tmp_path: Path) -> None:
    """qa10B: a 3-hour window opened Oct 31 22:00 binds at 23:00 and still charges overage at
    00:10 on Nov 1. With --month 2026-11 the report counted no bind (it lay in October) while
    what-if counted the user hit. Now both: hit once, in the period; and the whole log's
    November counts it too (qa16A #1: a limit binds once per window in each billing month, so
    a month's counts do not depend on the other months reported)."""
    from conftest import cli_json, write_csv

    rows = [["e", "mix", ts, "claude-haiku-4-5", 100, 10] for ts in (
        "2026-10-31T22:00:00Z", "2026-10-31T22:30:00Z", "2026-10-31T23:00:00Z",
        "2026-11-01T00:10:00Z", "2026-11-01T00:20:00Z", "2026-11-03T10:00:00Z")]
    rows += [["f", "mix", f"2026-11-0{d}T10:00:00Z", "claude-haiku-4-5", 100, 10]
             for d in (1, 2)]
    ev = write_csv(tmp_path / "ev.csv", ["user_id", "plan", "ts", "model", "input_tokens",
                                         "output_tokens"], rows)
    plans = tmp_path / "plans.toml"
    plans.write_text(H3_PLANS, encoding="utf-8")
    scen = tmp_path / "noop.toml"
    scen.write_text('[scenario]\nname = "noop"\n[plans.mix]\nprice_usd = 5.0\n',
                    encoding="utf-8")
    nov = ["--month", "2026-11"]
    report = cli_json(["report", str(ev), "--plans", str(plans), "--by", "user", "--no-fit",
                       *nov])
    lim_row = report["limits"]["rows"][0]
    assert (lim_row["users_hit"], lim_row["times_bound"]) == (1, 1)
    bound = {r["user_id"]: r["limits_bound"] for r in report["users"]["rows"]}
    assert bound == {"e": "h3 x1", "f": ""}
    whole = cli_json(["report", str(ev), "--plans", str(plans), "--by", "user", "--no-fit"])
    assert [(r["month"], r["times_bound"]) for r in whole["limits"]["rows"]] == [
        ("2026-10", 1), ("2026-11", 1)]  # once in each month where the window binds
    assert [r for r in whole["limits"]["rows"] if r["month"] == "2026-11"] == \
        report["limits"]["rows"]
    wi = cli_json(["whatif", str(ev), "--plans", str(plans), "--scenario", str(scen), *nov])
    hit = next(r for r in wi["whatif_people"]["rows"] if r["key"] == "users_hit")
    assert hit["baseline"] == lim_row["users_hit"] == 1
    assert wi["whatif_limits"]["rows"][0]["users_hit"] == 1
