"""A user whose logged plan changes is billed and capped under each billing month's own logged
plan (docs/report.md, "Plan of a user"): a change starts the new plan's limits fresh; a month
that logged no plan takes the nearest earlier month's, else the next one's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import EVENT_HEADER, cli_json, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HEADER = EVENT_HEADER
# two plans capped by requests per rolling 5 hours: counted by hand below
CATALOG = """
[meter.requests]
unit = "requests"
[[meter.requests.weight]]
models = "*"
request = 1.0

[plan.big]
name = "Big"
price_usd = 200.0
source = "test"
as_of = "2026-11-01"
[[plan.big.limit]]
name = "five_h"
meter = "requests"
window = "rolling"
hours = 5
cap = 4

[plan.small]
name = "Small"
price_usd = 20.0
source = "test"
as_of = "2026-11-01"
[[plan.small.limit]]
name = "five_h"
meter = "requests"
window = "rolling"
hours = 5
cap = 2
"""


def _row(eid: str, ts: str, user: str, plan: str | None) -> list[Any]:
    return [eid, ts, user, plan, "claude-haiku-4-5", 100, 0, 0, 0, 10, 1]


def _catalog(tmp_path: Path) -> Path:
    path = tmp_path / "plans.toml"
    path.write_text(CATALOG, encoding="utf-8")
    return path


def _users(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["user_id"], r["month"]): r for r in doc["users"]["rows"]}


@pytest.mark.parametrize("fit", [["--no-fit"], []])
def test_downgrade_each_month_under_its_plan(tmp_path: Path, fit: list[str]) -> None:
    """Big in October, Small from November 1: three requests late on October 31 all served
    under Big (cap 4); November's first three at 00:00, 00:30, 01:00 start a fresh Small
    window (cap 2): two served, one blocked. Under the latest plan (the old rule) October
    would be Small, $20, one blocked, and November's window would still hold October's two,
    so all three blocked."""
    csv = write_csv(tmp_path / "down.csv", HEADER, [
        _row("a1", "2026-10-31T21:00:00Z", "d", "big"),
        _row("a2", "2026-10-31T21:30:00Z", "d", "big"),
        _row("a3", "2026-10-31T22:00:00Z", "d", "big"),
        _row("b1", "2026-11-01T00:00:00Z", "d", "small"),
        _row("b2", "2026-11-01T00:30:00Z", "d", "small"),
        _row("b3", "2026-11-01T01:00:00Z", "d", "small"),
    ])
    doc = cli_json(["report", str(csv), "--plans", str(_catalog(tmp_path)), "--by", "user",
                    *fit])
    rows = _users(doc)
    octo, nov = rows[("d", "2026-10")], rows[("d", "2026-11")]
    assert (octo["plan"], octo["revenue_usd"], octo["requests"], octo["blocked_requests"]) \
        == ("big", 200.0, 3, 0)
    assert (nov["plan"], nov["revenue_usd"], nov["requests"], nov["blocked_requests"]) \
        == ("small", 20.0, 2, 1)
    # every request is priced alike: November's served GPU cost is 2/3 of October's
    assert nov["gpu_cost_usd"] == pytest.approx(octo["gpu_cost_usd"] * 2 / 3, abs=1e-6)
    assert nov["margin_usd"] == pytest.approx(20.0 - nov["gpu_cost_usd"], abs=1e-6)
    assert "five_h" in nov["limits_bound"] and not octo["limits_bound"]
    notes = [n for t in doc.values() if isinstance(t, dict) for n in t.get("notes", [])]
    hit = [n for n in notes if "different plan in different billing months" in n]
    assert hit and "d (2026-10 big, 2026-11 small)" in hit[0]
    assert "billed and capped under the plan logged in it" in hit[0]


@pytest.mark.parametrize("fit", [["--no-fit"], []])
def test_a_change_within_a_month_is_said(tmp_path: Path, fit: list[str]) -> None:
    """A month that logged two plans (Big until the 20th, Small from the 31st) is billed under
    its latest (Small), as documented, and a note names it in both passes (verification 8E,
    NEW-1: no note said so); a month of one plan gets no such note."""
    csv = write_csv(tmp_path / "mid.csv", HEADER, [
        _row("a1", "2026-10-02T10:00:00Z", "m", "big"),
        _row("a2", "2026-10-20T10:00:00Z", "m", "big"),
        _row("a3", "2026-10-31T23:00:00Z", "m", "small"),
        _row("b1", "2026-11-10T10:00:00Z", "m", "small"),
        _row("c1", "2026-10-05T10:00:00Z", "one", "big"),
    ])
    doc = cli_json(["report", str(csv), "--plans", str(_catalog(tmp_path)), "--by", "user",
                    *fit])
    rows = _users(doc)
    assert rows[("m", "2026-10")]["plan"] == "small"
    notes = [n for t in doc.values() if isinstance(t, dict) for n in t.get("notes", [])]
    within = [n for n in notes if "logged more than one plan" in n]
    assert len(set(within)) == 1, notes
    assert within[0].startswith("1 user-month(s) logged more than one plan (a change within "
                                "the month): m 2026-10; each is billed and capped for the "
                                "whole month under the plan of its latest logged event")


@pytest.mark.parametrize("fit", [["--no-fit"], []])
def test_a_period_split_at_a_change_bills_each_part_under_its_plan(tmp_path: Path,
                                                                   fit: list[str]) -> None:
    """qa16A #2: --since/--until that cut a month at a change within it bill each part under
    the plan logged within the period (docs/report.md, "Plan of a user"), capped under it: m
    logged Big until the 30th (three requests in an hour on the 20th: all served under Big's
    cap of 4, one blocked under Small's 2) and Small from the 31st. --until the 30th bills
    October as Big ($200, nothing blocked), --since the 31st as Small ($20); neither says the
    month logged more than one plan. A month the period does not cut keeps its own plan
    (November, Small), and the what-if baseline bills the same plans as the report."""
    csv = write_csv(tmp_path / "split.csv", HEADER, [
        _row("a1", "2026-10-02T10:00:00Z", "m", "big"),
        _row("a2", "2026-10-20T10:00:00Z", "m", "big"),
        _row("a3", "2026-10-20T10:20:00Z", "m", "big"),
        _row("a4", "2026-10-20T10:40:00Z", "m", "big"),
        _row("a5", "2026-10-31T23:00:00Z", "m", "small"),
        _row("b1", "2026-11-10T10:00:00Z", "m", "small"),
        _row("c1", "2026-10-05T10:00:00Z", "one", "big"),
    ])
    cat = str(_catalog(tmp_path))
    scen = tmp_path / "noop.toml"
    scen.write_text('[scenario]\nname = "noop"\n[plans.small]\nprice_usd = 20.0\n',
                    encoding="utf-8")
    cases = {("--until", "2026-10-30"): ("big", 200.0, 4, 0),
             ("--since", "2026-10-31"): ("small", 20.0, 1, 0),
             ("--since", "2026-10-01", "--until", "2026-10-31"): ("small", 20.0, 4, 1)}
    for period, expected in cases.items():
        doc = cli_json(["report", str(csv), "--plans", cat, "--by", "user", *fit, *period])
        octo = _users(doc)[("m", "2026-10")]
        assert (octo["plan"], octo["revenue_usd"], octo["requests"],
                octo["blocked_requests"]) == expected, period
        if period[0] == "--since" and len(period) == 2:
            assert _users(doc)[("m", "2026-11")]["plan"] == "small"
        notes = [n for t in doc.values() if isinstance(t, dict) for n in t.get("notes", [])]
        within = [n for n in notes if "logged more than one plan" in n]
        assert bool(within) == (len(period) == 4), (period, notes)
        whatif = cli_json(["whatif", str(csv), "--plans", cat, "--scenario", str(scen),
                           *period])
        plans = {r["plan"]: r for r in whatif["whatif_plans"]["rows"]
                 if r["scenario"] == 0 and r["subscribers"]}
        by_plan: dict[str, set[str]] = {}
        for (user, _), row in _users(doc).items():
            by_plan.setdefault(row["plan"], set()).add(user)
        assert {p: r["subscribers"] for p, r in plans.items()} == {
            p: len(u) for p, u in by_plan.items()}, period
        if len(period) == 2 and period[0] == "--until":
            assert plans["big"]["revenue_usd"] == 400.0


@pytest.mark.parametrize("fit", [["--no-fit"], []])
@pytest.mark.parametrize("how", ["assign", "plan-file"])
def test_a_change_within_a_month_not_said_for_assigned_users(tmp_path: Path, fit: list[str],
                                                              how: str) -> None:
    """qa14B #5: a user whose plan is set by --assign or --plan-file is billed under it for
    the whole month, whatever the logs say: no note on the month's logged change for them;
    a user on logged plans still gets it."""
    csv = write_csv(tmp_path / "mid.csv", HEADER, [
        _row("a1", "2026-10-02T10:00:00Z", "m", "big"),
        _row("a3", "2026-10-31T23:00:00Z", "m", "small"),
        _row("k1", "2026-10-03T10:00:00Z", "k", "big"),
        _row("k2", "2026-10-30T10:00:00Z", "k", "small"),
    ])
    given = (["--assign", "m=big"] if how == "assign" else
             ["--plan-file", str(write_csv(tmp_path / "pf.csv", ["user_id", "plan"],
                                           [["m", "big"]]))])
    doc = cli_json(["report", str(csv), "--plans", str(_catalog(tmp_path)), "--by", "user",
                    *fit, *given])
    rows = _users(doc)
    assert (rows[("m", "2026-10")]["plan"], rows[("k", "2026-10")]["plan"]) == ("big", "small")
    notes = [n for t in doc.values() if isinstance(t, dict) for n in t.get("notes", [])]
    within = [n for n in notes if "logged more than one plan" in n]
    assert within and all(n.startswith("1 user-month(s) logged more than one plan (a change "
                                       "within the month): k 2026-10;") for n in within), notes


def test_months_without_a_logged_plan(tmp_path: Path) -> None:
    """A month that logged no plan takes the nearest earlier month's (November: Big), else
    the next one's (September, before any logged month: Big)."""
    csv = write_csv(tmp_path / "gap.csv", HEADER, [
        _row("s", "2026-09-10T10:00:00Z", "g", None),
        _row("o", "2026-10-10T10:00:00Z", "g", "big"),
        _row("n", "2026-11-10T10:00:00Z", "g", None),
        _row("d", "2026-12-10T10:00:00Z", "g", "small"),
    ])
    doc = cli_json(["report", str(csv), "--plans", str(_catalog(tmp_path)), "--by", "user",
                    "--no-fit"])
    assert {m: r["plan"] for (_, m), r in _users(doc).items()} == {
        "2026-09": "big", "2026-10": "big", "2026-11": "big", "2026-12": "small"}


def test_assign_keeps_one_plan(tmp_path: Path) -> None:
    csv = write_csv(tmp_path / "a.csv", HEADER, [
        _row("a1", "2026-10-31T21:00:00Z", "d", "big"),
        _row("b1", "2026-11-01T00:00:00Z", "d", "small"),
    ])
    doc = cli_json(["report", str(csv), "--plans", str(_catalog(tmp_path)), "--by", "user",
                    "--no-fit", "--assign", "d=big"])
    assert {r["plan"] for r in doc["users"]["rows"]} == {"big"}


def test_projection_restarts_windows_at_a_plan_change(tmp_path: Path) -> None:
    """--project at zero growth equals today's report: recap breaks windows at the stint."""
    csv = write_csv(tmp_path / "p.csv", HEADER, [
        _row("a1", "2026-10-31T21:00:00Z", "d", "big"),
        _row("a2", "2026-10-31T21:30:00Z", "d", "big"),
        _row("a3", "2026-10-31T22:00:00Z", "d", "big"),
        _row("b1", "2026-11-01T00:00:00Z", "d", "small"),
        _row("b2", "2026-11-01T00:30:00Z", "d", "small"),
        _row("b3", "2026-11-01T01:00:00Z", "d", "small"),
    ])
    doc = cli_json(["report", str(csv), "--plans", str(_catalog(tmp_path)), "--no-fit",
                    "--project", "1", "--usage-growth", "0", "--cost-decline", "0"])
    rows = doc["margin_projection"]["rows"]
    ahead = {r["plan"]: r for r in rows if r["month_ahead"] == 1}  # re-capped by recap
    today = {r["plan"]: r for r in rows if r["month_ahead"] == 0}
    # Small served 2 of its 3 requests (all priced alike); under a window carried over from
    # October it would serve none
    assert ahead["small"]["served_share"] == pytest.approx(2 / 3, abs=1e-6)
    assert ahead["big"]["served_share"] == pytest.approx(1.0)
    for plan in ("big", "small"):
        assert ahead[plan]["gpu_cost_usd"] == pytest.approx(today[plan]["gpu_cost_usd"])


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["big", "small", None]), min_size=3, max_size=3),
       st.lists(st.tuples(st.integers(0, 2), st.integers(0, 27 * 24 * 2)),
                min_size=1, max_size=40))
def test_each_stint_is_a_report_of_its_own(tmp_path: Path, month_plans: list[str | None],
                                           events: list[tuple[int, int]]) -> None:
    """The user's figures per month equal a report, with --assign to the stint's plan, of
    the events of that stint's months alone (limits start fresh at a change). With one plan
    throughout (or one plan and months logging none) this is the whole log under that plan:
    today's figures."""
    with_events = {m for m, _ in events}
    logged = [(m, p) for m, p in enumerate(month_plans) if p is not None and m in with_events]
    if not logged:
        return
    # the plan of each month: its own, else the nearest earlier, else the next
    plan_of = []
    for m in range(3):
        earlier = [p for k, p in logged if k <= m]
        plan_of.append(earlier[-1] if earlier else logged[0][1])
    rows: list[list[Any]] = []
    by_month: dict[int, list[list[Any]]] = {0: [], 1: [], 2: []}
    for i, (m, half_hours) in enumerate(sorted(events)):
        start = datetime(2026, 9 + m, 1, tzinfo=UTC)
        ts = (start + timedelta(minutes=30 * half_hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
        row = _row(f"e{i}", ts, "u", month_plans[m])
        rows.append(row)
        by_month[m].append(row)
    cat = _catalog(tmp_path)
    whole = _users(cli_json(["report", str(write_csv(tmp_path / "all.csv", HEADER, rows)),
                             "--plans", str(cat), "--by", "user", "--no-fit"]))
    # stints: runs of consecutive months on one plan
    stints: list[list[int]] = []
    for m in range(3):
        if stints and plan_of[stints[-1][-1]] == plan_of[m]:
            stints[-1].append(m)
        else:
            stints.append([m])
    expected: dict[tuple[str, str], dict[str, Any]] = {}
    for k, months in enumerate(stints):
        part = [r for m in months for r in by_month[m]]
        if not part:
            continue
        path = write_csv(tmp_path / f"s{k}.csv", HEADER, part)
        expected.update(_users(cli_json(["report", str(path), "--plans", str(cat), "--by",
                                         "user", "--no-fit", "--assign",
                                         f"u={plan_of[months[0]]}"])))
    assert whole.keys() == expected.keys()
    for key, row in whole.items():
        exp = expected[key]
        for col in ("plan", "revenue_usd", "requests", "blocked_requests", "limits_bound"):
            assert row[col] == exp[col], (key, col)
        assert row["gpu_cost_usd"] == pytest.approx(exp["gpu_cost_usd"], abs=1e-6)


def test_whatif_says_it_keeps_the_latest_plan(tmp_path: Path) -> None:
    """The what-if replay keeps one plan per user (over the whole log, the latest logged): a
    note says so for the users whose plan changed, and only for those from the logs."""
    csv = write_csv(tmp_path / "w.csv", HEADER, [
        _row("a1", "2026-10-31T21:00:00Z", "d", "big"),
        _row("b1", "2026-11-01T00:00:00Z", "d", "small"),
        _row("c1", "2026-11-01T00:00:00Z", "e", "small"),
    ])
    cat = str(_catalog(tmp_path))
    scen = tmp_path / "s.toml"
    scen.write_text('[scenario]\nname = "s"\n[plans.small.limits.five_h]\ncap = 3\n',
                    encoding="utf-8")
    doc = cli_json(["whatif", str(csv), "--plans", cat, "--scenario", str(scen)])
    notes = [n for t in doc.values() if isinstance(t, dict) for n in t.get("notes", [])]
    hit = [n for n in notes if "different plan in different billing months" in n]
    assert hit and hit[0].startswith("1 user(s)") and "d (2026-10 big, 2026-11 small)" in hit[0]
    assert "keeps one plan per user in every month of the period, the plan of their latest " \
        "month in it" in hit[0]
    # the baseline note does not claim the report's figures for them (verification 8E, NEW-3)
    base = [n for n in doc["whatif_money"]["notes"] if n.startswith("baseline:")]
    assert base and "(except for the users whose logged plan changed in the period, below)" \
        in base[0]
    doc = cli_json(["whatif", str(csv), "--plans", cat, "--scenario", str(scen),
                    "--assign", "d=big"])
    notes = [n for t in doc.values() if isinstance(t, dict) for n in t.get("notes", [])]
    assert not [n for n in notes if "different plan" in n]
    base = [n for n in doc["whatif_money"]["notes"] if n.startswith("baseline:")]
    assert base and "except" not in base[0]


@pytest.mark.parametrize("period", [["--month", "2026-10"], ["--month", "2026-11"],
                                    ["--since", "2026-11-01", "--until", "2026-11-20"],
                                    ["--month", "2026-09", "--month", "2026-10"]])
def test_whatif_for_a_period_bills_the_reports_plan(tmp_path: Path, period: list[str]) -> None:
    """qa14B #6: for a period, the what-if replay bills a user whose logged plan changed under
    the report's plan for their latest month in the period (d: Big in October, Small in
    November; g logged none in September and November: Big, the next and the nearest earlier
    month's), not the latest plan logged over the whole log (Small for both), and starts
    that plan's limits fresh at the change as the report does (d's November window does not
    hold October's three requests: two of three served, not none). The baseline then equals
    the report for the period, and no note says otherwise."""
    csv = write_csv(tmp_path / "p.csv", HEADER, [
        _row("a1", "2026-10-31T21:00:00Z", "d", "big"),
        _row("a2", "2026-10-31T21:30:00Z", "d", "big"),
        _row("a3", "2026-10-31T22:00:00Z", "d", "big"),
        _row("b1", "2026-11-01T00:00:00Z", "d", "small"),
        _row("b2", "2026-11-01T00:30:00Z", "d", "small"),
        _row("b3", "2026-11-01T01:00:00Z", "d", "small"),
        _row("g0", "2026-09-10T10:00:00Z", "g", None),
        _row("g1", "2026-10-10T10:00:00Z", "g", "big"),
        _row("g2", "2026-11-10T10:00:00Z", "g", None),
        _row("g3", "2026-12-10T10:00:00Z", "g", "small"),
    ])
    cat = str(_catalog(tmp_path))
    scen = tmp_path / "noop.toml"
    scen.write_text('[scenario]\nname = "noop"\n[plans.small]\nprice_usd = 20.0\n',
                    encoding="utf-8")
    report = cli_json(["report", str(csv), "--plans", cat, "--by", "user", "--no-fit", *period])
    rows = report["users"]["rows"]
    whatif = cli_json(["whatif", str(csv), "--plans", cat, "--scenario", str(scen), *period])
    money = {r["key"]: r["baseline"] for r in whatif["whatif_money"]["rows"]}
    people = {r["key"]: r["baseline"] for r in whatif["whatif_people"]["rows"]}
    assert money["revenue_usd"] == pytest.approx(sum(r["revenue_usd"] for r in rows))
    # each row is rounded to 6 decimals
    assert money["gpu_cost_usd"] == pytest.approx(sum(r["gpu_cost_usd"] for r in rows),
                                                  abs=1e-6 * len(rows))
    assert people["blocked_requests"] == sum(r["blocked_requests"] for r in rows)
    by_plan = {}
    for r in rows:
        by_plan.setdefault(r["plan"], set()).add(r["user_id"])
    assert {r["plan"]: r["subscribers"] for r in whatif["whatif_plans"]["rows"]
            if r["scenario"] == 0 and r["subscribers"]} == {p: len(u) for p, u in by_plan.items()}
    if period[1] == "2026-11":
        assert {(r["user_id"], r["plan"], r["blocked_requests"]) for r in rows} == {
            ("d", "small", 1), ("g", "big", 0)}
    notes = [n for t in whatif.values() if isinstance(t, dict) for n in t.get("notes", [])]
    assert not [n for n in notes if "different plan" in n], notes
