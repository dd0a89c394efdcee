"""Fix round 8 (audit of the report's money lines): plan changes, unpriced projections,
--plan-file subscribers without events, me's calendar months, what-if no-ops, DST notes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import EVENT_HEADER, cli_json, write_csv

HEADER = EVENT_HEADER


def _row(eid: str, ts: str, user: str, plan: str, model: str = "claude-haiku-4-5"
         ) -> list[Any]:
    return [eid, ts, user, plan, model, 100, 0, 0, 0, 10, 1]


def _notes(doc: dict[str, Any]) -> list[str]:
    return [n for t in doc.values() if isinstance(t, dict) for n in t.get("notes", [])]


def _upgrade(tmp_path: Path) -> Path:
    """The auditor's upgrade case: Pro in October, Max 5x in November."""
    return write_csv(tmp_path / "upgrade.csv", HEADER, [
        _row("u1", "2026-10-05T10:00:00Z", "up", "claude_pro"),
        _row("u2", "2026-10-25T10:00:00Z", "up", "claude_pro"),
        _row("u3", "2026-11-05T10:00:00Z", "up", "claude_max_5x"),
        _row("u4", "2026-11-25T10:00:00Z", "up", "claude_max_5x"),
        _row("s1", "2026-10-05T10:00:00Z", "same", "claude_pro"),
        _row("s2", "2026-11-05T10:00:00Z", "same", "claude_pro"),
    ])


@pytest.mark.parametrize("fit", [["--no-fit"], []])
def test_logged_plan_change_is_noted(tmp_path: Path, fit: list[str]) -> None:
    """A user whose months logged different plans is billed under each month's own logged
    plan (docs/report.md, "Plan of a user"): October on Pro ($20), November on Max 5x ($100);
    a note names the user and each month's logged plan, on both the month-first pass
    (--no-fit) and the separate scan (plan fit)."""
    doc = cli_json(["report", str(_upgrade(tmp_path)), *fit])
    rows = doc["plans"]["rows"]
    assert {(r["plan"], r["month"]): (r["subscribers"], r["revenue_usd"]) for r in rows} == {
        ("claude_max_5x", "2026-11"): (1, 100.0),
        ("claude_pro", "2026-10"): (2, 40.0), ("claude_pro", "2026-11"): (1, 20.0)}
    hits = [n for n in _notes(doc) if "different plan in different billing months" in n]
    assert hits and hits[0].startswith("1 user(s)")
    assert "up (2026-10 claude_pro, 2026-11 claude_max_5x)" in hits[0]
    assert "billed and capped under the plan logged in it" in hits[0]


def test_plan_change_note_not_for_assigned_users(tmp_path: Path) -> None:
    doc = cli_json(["report", str(_upgrade(tmp_path)), "--no-fit",
                    "--assign", "up=claude_pro"])
    assert not [n for n in _notes(doc) if "different plan" in n]


def test_projection_served_share_unknown_with_unpriced_models(tmp_path: Path) -> None:
    """The auditor's case: one Pro user, 28 days of 3 Sonnet + 20 llama-3.3-70b requests (no
    API list price), most of them blocked: usage served is unknown, not 100 %."""
    rows = []
    for d in range(28):
        for k in range(23):
            sonnet = k < 3
            rows.append([f"e{d}-{k}", f"2026-10-{d + 1:02d}T{8 if sonnet else 9:02d}:{k:02d}:00Z",
                         "lo", "claude_pro", "claude-sonnet-4-5" if sonnet else "llama-3.3-70b",
                         1000 if sonnet else 200_000, 0, 0, 0, 500 if sonnet else 2000, 1])
    path = write_csv(tmp_path / "unpriced.csv", HEADER, rows)
    doc = cli_json(["report", str(path), "--no-fit", "--project", "1"])
    assert sum(r["blocked_requests"] for r in doc["plan_users"]["rows"]) > 0
    proj = doc["margin_projection"]
    assert proj["rows"] and all(r["served_share"] is None for r in proj["rows"])
    assert any("llama-3.3-70b" in n and "usage served is empty" in n for n in proj["notes"])
    priced = write_csv(tmp_path / "priced.csv", HEADER,
                       [r for r in rows if r[4] == "claude-sonnet-4-5"])
    doc = cli_json(["report", str(priced), "--no-fit", "--project", "1"])
    assert all(r["served_share"] is not None for r in doc["margin_projection"]["rows"])


def test_plan_file_users_without_events_are_noted(tmp_path: Path) -> None:
    """--plan-file users with no events in the period are not subscribers (active
    user-months only): a note counts them and the monthly subscriptions left out."""
    logs = write_csv(tmp_path / "logs.csv", HEADER, [
        _row("a1", "2026-11-05T10:00:00Z", "alice", "claude_pro"),
        _row("b1", "2026-10-05T10:00:00Z", "bob", "claude_pro")])
    pf = write_csv(tmp_path / "pf.csv", ["user_id", "plan"], [
        ["alice", "claude_pro"], ["bob", "claude_max_5x"], ["zed", "claude_max_20x"],
        ["yan", "claude_pro"]])
    doc = cli_json(["report", str(logs), "--no-fit", "--plan-file", str(pf),
                    "--month", "2026-11"])
    assert sum(r["subscribers"] for r in doc["plans"]["rows"]) == 1
    hits = [n for n in _notes(doc) if "in --plan-file have no events" in n]
    # bob (Max 5x, $100) is idle in November, yan ($20) and zed ($200) throughout
    assert hits and hits[0].startswith("3 user(s)") and "$320.00 a month" in hits[0]
    assert "bob (claude_max_5x), yan (claude_pro), zed (claude_max_20x)" in hits[0]
    doc = cli_json(["report", str(logs), "--no-fit", "--plan-file", str(pf),
                    "--month", "2026-10"])
    assert "alice (claude_pro)" in next(n for n in _notes(doc) if "--plan-file" in n)


ME_TZ = Path(__file__).parent / "fixtures" / "me_tz"


def test_me_calendar_month_limit_in_its_own_month() -> None:
    """The auditor's transcript (requests at 2026-10-31T23:30Z, 2026-11-01T00:30Z, ...,
    2026-11-30T23:59:59Z, 2026-12-01T00:00Z) under --tz America/New_York: a UTC calendar-month
    pool is shown in its own month, not in the New York month it opens in (the November pool
    opens at 20:00 on October 31 there)."""
    doc = cli_json(["me", str(ME_TZ), "--plan", "claude_pro", "--tz", "America/New_York"])
    value = {r["month"]: r["api_value_usd"] for r in doc["me_monthly"]["rows"]}
    assert set(value) == {"2026-10", "2026-11"}
    pool = {r["month"]: r["peak"] for r in doc["me_limits"]["rows"]
            if r["plan"] == "cursor_pro" and r["limit"] == "monthly_pool"}
    assert set(pool) == {"2026-10", "2026-11", "2026-12"}
    # the UTC months: October holds the first request only, December the last; November
    # holds the rest: New York's October less that first request, and New York's November
    # less the last one
    assert pool["2026-10"] < value["2026-10"]
    assert pool["2026-11"] == pytest.approx(
        value["2026-10"] - pool["2026-10"] + value["2026-11"] - pool["2026-12"], rel=1e-5)
    assert pool["2026-12"] == pytest.approx(0.003, rel=1e-3)


SMALL = Path(__file__).parent / "fixtures" / "report_small.csv"


def test_change_to_a_plan_nobody_is_on_says_so(tmp_path: Path) -> None:
    """Nobody in report_small.csv is on cursor_pro_plus: a what-if or sweep change to it does
    nothing, and a note says so (as for a new tier)."""
    sc = tmp_path / "idle.toml"
    sc.write_text('[scenario]\nname = "plus price"\n[plans.cursor_pro_plus]\nprice_usd = 80\n')
    doc = cli_json(["whatif", str(SMALL), "-s", str(sc)])
    notes = doc["whatif_money"]["notes"]
    assert any("nobody is on cursor_pro_plus: the scenario's changes to it have no effect" in n
               for n in notes), notes
    doc = cli_json(["sweep", str(SMALL), "--grid", "plans.cursor_pro_plus.price_usd=60,80"])
    assert any("nobody is on cursor_pro_plus" in n for n in doc["sweep_points"]["notes"])
    # a change to a plan users are on says nothing of the kind
    sc.write_text('[scenario]\nname = "pro price"\n[plans.cursor_pro]\nprice_usd = 25\n')
    doc = cli_json(["whatif", str(SMALL), "-s", str(sc)])
    assert not any("nobody is on" in n for n in doc["whatif_money"]["notes"])


def test_local_times_a_zone_has_twice_or_never_are_noted(tmp_path: Path) -> None:
    """Naive times in the DST changes of --timezone: one ambiguous (2026-11-01 01:30 in New
    York: read as EST, 06:30Z), one that does not exist (2026-03-08 02:30: read with EST's
    offset, 07:30Z); the same instants given with an offset, and other naive times, are not
    counted."""
    from planalyzer.store import LoadOptions, Store

    path = write_csv(tmp_path / "naive.csv", HEADER, [
        _row("n1", "2026-10-31 23:59:59", "nn", "claude_pro"),
        _row("n2", "2026-11-01 01:30:00", "nn", "claude_pro"),
        _row("n3", "2026-03-08 02:30:00", "nn", "claude_pro"),
        _row("n4", "2026-11-01T01:30:00-04:00", "nn", "claude_pro"),
        _row("n5", "2026-03-08T07:30:00Z", "nn", "claude_pro")])
    store = Store(None)
    try:
        report = store.load([str(path)], LoadOptions(timezone="America/New_York"))
        ts = [str(r[0]) for r in store.con.execute(
            "SELECT strftime(timezone('UTC', ts), '%Y-%m-%d %H:%M') FROM events "
            "ORDER BY event_id").fetchall()]
    finally:
        store.close()
    assert ts == ["2026-11-01 03:59", "2026-11-01 06:30", "2026-03-08 07:30",
                  "2026-11-01 05:30", "2026-03-08 07:30"]
    notes = [n for n in report.notes if "timestamps without an offset" in n]
    assert len(notes) == 1
    assert "1 at a time America/New_York has twice" in notes[0]
    assert "1 at a time America/New_York skips" in notes[0]
    store = Store(None)
    try:
        report = store.load([str(path)], LoadOptions())
    finally:
        store.close()
    assert not [n for n in report.notes if "timestamps without an offset" in n]


@pytest.mark.parametrize("plan_fit", [False, True])
def test_money_sums_do_not_depend_on_event_order(plan_fit: bool) -> None:
    """A user-month's cost is the same whatever order its events are stored in (a plain float
    sum depends on it: 1 + 1e-16 + ... + 1e-16 is 1, the reverse is not; under DuckDB's
    parallel sums such last bits flip the last printed digit between runs): integer sums of
    whole pico-dollars (a 1e-16 $ request counts 0), on the month pass (no plan fit) and the
    day pass (plan fit) alike."""
    from planalyzer.analysis import compute
    from planalyzer.plans import PlanSources, load_plan_catalog
    from planalyzer.store import Store

    got = []
    for rows in (range(11), reversed(range(11))):
        s = Store()
        for i in rows:
            s.con.execute(
                "INSERT INTO events VALUES (NULL, TIMESTAMPTZ '2026-10-01 00:00:00+00' + "
                "to_minutes($m), 'u', 'claude_pro', 'm', 0, 0, 0, 0, 0, 1, NULL, 'fx', $m)",
                {"m": i})
        s.con.execute("CREATE TEMP TABLE priced_events AS SELECT e.*, CASE WHEN "
                      "e.source_row = 0 THEN 1.0 ELSE 1e-16 END AS gpu_cost_usd, "
                      "0.5 AS loaded_cost_usd, 0.5 AS api_value_usd, false AS cost_assumed "
                      "FROM events e")
        data = compute(s.con, load_plan_catalog(None), PlanSources(), plan_fit=plan_fit)
        got.append(data.user_months["gpu_cost_usd"][0])
        s.close()
    assert got[0] == got[1] == 1.0
