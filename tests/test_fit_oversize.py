"""Plan fit and a request larger than a whole cap of a plan on its own: a plan that blocks past
its limits is no fit for that user-month (the caps engine would serve the request only because
it arrived with its window below the cap), a plan that bills overage stays a fit with a note
that its cost reads low; notes name the plan, limit and request (planalyzer.fit_oversize)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from conftest import cli_json, write_csv

from planalyzer.fit_oversize import nano_units, oversize_notes, oversize_rows
from planalyzer.plans import Limit, Overage, Plan, Window, load_plan_catalog

HEADER = ["user_id", "ts", "model", "input_tokens", "output_tokens", "requests", "plan"]

# Sonnet credits (shipped catalog): 0.4 per input token, 2 per output token. u1's first request
# is 300,000 x 0.4 + 1,000 x 2 = 122,000 credits, over the free tier's 50,000-credit 5-hour cap
# on its own; every other request is small.
ROWS = [
    ["u1", "2026-10-03T10:00:00Z", "claude-sonnet-4-5", 300000, 1000, 1, "claude_pro"],
    ["u1", "2026-10-10T10:00:00Z", "claude-sonnet-4-5", 1000, 100, 1, "claude_pro"],
    ["u2", "2026-10-04T10:00:00Z", "claude-sonnet-4-5", 1000, 100, 1, "claude_pro"],
]


def _report(tmp_path: Path, rows: list[list[Any]], *extra: str) -> dict[str, Any]:
    src = write_csv(tmp_path / "usage.csv", HEADER, rows)
    return cli_json(["report", str(src), "--by", "user", *extra])


def _fit(doc: dict[str, Any]) -> dict[str, str | None]:
    return {r["user_id"]: r["cheapest_plan"] for r in doc["users"]["rows"]}


def test_a_plan_whose_cap_one_request_exceeds_is_no_fit(tmp_path: Path) -> None:
    doc = _report(tmp_path, ROWS)
    fit = _fit(doc)
    assert fit["u2"] == "free"  # small requests: the free tier serves them all
    assert fit["u1"] not in (None, "free")
    note = next(n for n in doc["plan_fit"]["notes"] if "on its own is no fit" in n)
    assert "free session_5h (claude_credits), cap 50,000 credits (estimated)" in note
    assert "u1's at 2026-10-03 10:00 UTC, 122,000 credits (estimated)" in note
    assert "(1 user-month and plan pair(s))" in note
    assert note in doc["users"]["notes"]


def test_the_note_names_the_time_in_the_report_time_zone(tmp_path: Path) -> None:
    doc = _report(tmp_path, ROWS, "--timezone", "Asia/Tokyo")
    note = next(n for n in doc["plan_fit"]["notes"] if "on its own is no fit" in n)
    assert "u1's at 2026-10-03 19:00 Asia/Tokyo" in note


def test_without_an_oversize_request_there_is_no_note(tmp_path: Path) -> None:
    doc = _report(tmp_path, ROWS[1:])
    assert _fit(doc) == {"u1": "free", "u2": "free"}
    assert not any("on its own" in n for n in doc["plan_fit"]["notes"])


def test_fit_plans_drops_the_note_on_plans_not_compared(tmp_path: Path) -> None:
    doc = _report(tmp_path, ROWS, "--fit-plans", "claude_*")
    assert not any("on its own" in n for n in doc["plan_fit"]["notes"])
    assert _fit(doc)["u1"] == "claude_pro"


def test_a_bucket_counts_by_its_mean_request(tmp_path: Path) -> None:
    # 10 requests of 122,000 credits in all: a mean of 12,200 a request, under the cap
    small = [["u1", "2026-10-03T10:00:00Z", "claude-sonnet-4-5", 300000, 1000, 10, "claude_pro"]]
    doc = _report(tmp_path, small)
    assert _fit(doc)["u1"] == "free"
    assert not any("on its own" in n for n in doc["plan_fit"]["notes"])
    # 2 requests: a mean of 61,000, over the cap, so one of them is
    big = [["u1", "2026-10-03T10:00:00Z", "claude-sonnet-4-5", 300000, 1000, 2, "claude_pro"]]
    doc = _report(tmp_path, big)
    assert _fit(doc)["u1"] != "free"
    note = next(n for n in doc["plan_fit"]["notes"] if "on its own is no fit" in n)
    assert "a row of 2 requests averaging 61,000 credits (estimated) a request" in note


def _frame(units: list[float], requests: list[int]) -> tuple[pl.DataFrame, pl.Series]:
    n = len(units)
    df = pl.DataFrame({"user_id": ["u"] * n, "month_key": [24321] * n,
                       "t_us": list(range(n)), "requests": requests})
    return df, pl.Series(units, dtype=pl.Float64)


def _plan(policy: str) -> Plan:
    overage = (Overage() if policy == "block" else
               Overage(policy="payg", meter="tokens", rate_usd=0.001))
    return Plan("p", "P", 10.0, (Limit("pool", "tokens", Window("rolling", hours=5), 100.0),),
                overage)


def test_a_request_exactly_at_the_cap_fits() -> None:
    df, u = _frame([100.0, 100.000000001, 99.0, 250.0, 150.0], [1, 1, 1, 2, 1])
    keep = pl.Series([True, True, True, True, False])
    rows = oversize_rows(df, _plan("block"), {"tokens": u}, nano_units({"tokens": u}), keep)
    # at the cap: fits; one nano-unit past it: over; a bucket of 2 averaging 125: over;
    # outside the period (keep false): not counted
    assert rows["t_us"].to_list() == [1, 3]
    assert rows["blocks"].all()


def test_a_plan_that_bills_overage_stays_a_fit_with_a_note() -> None:
    catalog = load_plan_catalog(None)
    plan = catalog.plans["cursor_pro"]
    meter = plan.limits[0].meter
    df, u = _frame([25.0], [1])
    rows = oversize_rows(df, plan, {meter: u}, nano_units({meter: u}), pl.Series([True]))
    assert rows["blocks"].to_list() == [False]
    notes = oversize_notes(rows, catalog, "UTC", "best fit")
    assert len(notes) == 1 and notes[0].startswith(
        "best fit: a plan that bills usage past its limits has a cap")
    assert "reads low" in notes[0] and "cursor_pro" in notes[0] and "$25.00" in notes[0]


def test_a_payg_plan_is_not_dropped_from_the_fit(tmp_path: Path) -> None:
    plans = tmp_path / "plans.toml"
    plans.write_text("""
[meter.tokens]
unit = "tokens"
[[meter.tokens.weight]]
models = "*"
input = 1.0
output = 1.0

[plan.pool]
name = "Pool"
source = "test"
as_of = "2026-11-23"
price_usd = 10.0
[[plan.pool.limit]]
name = "pool"
meter = "tokens"
window = "calendar_month"
cap = 2000
[plan.pool.overage]
policy = "payg"
meter = "tokens"
rate_usd = 0.001

[plan.capped]
name = "Capped"
source = "test"
as_of = "2026-11-23"
price_usd = 5.0
[[plan.capped.limit]]
name = "session"
meter = "tokens"
window = "rolling"
hours = 5
cap = 2000

[plan.big]
name = "Big"
source = "test"
as_of = "2026-11-23"
price_usd = 50.0
[[plan.big.limit]]
name = "session"
meter = "tokens"
window = "rolling"
hours = 5
cap = 1000000
""", encoding="utf-8")
    rows = [["u1", "2026-10-03T10:00:00Z", "m", 3000, 0, 1, "big"]]
    doc = _report(tmp_path, rows, "--plans", str(plans))
    # capped would serve the lone 3,000-token request by the engine's rule, but holds no
    # window that large: pool (payg) is the cheapest fit, its cost noted as reading low
    assert _fit(doc)["u1"] == "pool"
    notes = [n for n in doc["plan_fit"]["notes"] if "on its own" in n]
    assert len(notes) == 2
    assert "capped session (tokens), cap 2,000 tokens" in notes[0]
    assert "pool pool (tokens), cap 2,000 tokens" in notes[1] and "reads low" in notes[1]
