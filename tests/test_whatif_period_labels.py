"""What-if money and counts are totals over the period: every table that shows them names the
months it covers (title and notes, so CSV's `# note:` lines carry it too), JSON meta says so
(`period.figures`), and the count columns say whether they count users or user-months (qa13B
#5: a $200 plan read as a bill of $400 over two months)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import polars as pl
import pytest
from conftest import cli_json
from whatif_helpers import FIXTURE

from planalyzer.whatif.run import Evaluator, period_span

SPAN = "2 months: 2026-09..2026-10"  # the fixture's months


def _ev(*months: str) -> Evaluator:
    keys = [int(m[:4]) * 12 + int(m[5:]) - 1 for m in months]
    h = SimpleNamespace(user_months=pl.DataFrame({"month_key": pl.Series(keys,
                                                                        dtype=pl.Int64)}))
    ev: Any = SimpleNamespace(h=h)
    return ev  # type: ignore[no-any-return]


@pytest.mark.parametrize(("months", "text"), [
    (("2026-10",), "1 month: 2026-10"),
    (("2026-10", "2026-09", "2026-10"), "2 months: 2026-09..2026-10"),
    (("2026-11", "2026-12", "2027-01"), "3 months: 2026-11..2027-01"),
    (("2026-09", "2026-11"), "2 months: 2026-09, 2026-11"),
])
def test_period_span(months: tuple[str, ...], text: str) -> None:
    assert period_span(_ev(*months)) == text


def test_whatif_tables_name_the_period() -> None:
    doc = cli_json(["whatif", str(FIXTURE), "--scenario", "pro_price_25_elastic"])
    assert doc["meta"]["period"]["covered"] == ["2026-09", "2026-10"]
    assert doc["meta"]["period"]["figures"] == "period_total"
    assert doc["whatif_money"]["title"].endswith(f"(USD, period total, {SPAN})")
    assert doc["whatif_people"]["title"].endswith(f"(over the period, {SPAN})")
    assert doc["whatif_plans"]["title"] == f"Per plan (# 0 = baseline; money: period total, {SPAN})"
    assert doc["whatif_users"]["title"].endswith(f"; period total, {SPAN})")
    # the per-user bill is the period's: $20 a month over two months
    alice = next(r for r in doc["whatif_users"]["rows"] if r["user_id"] == "alice")
    assert alice["bill_before_usd"] == 40.0
    assert f"the user's totals over the period ({SPAN}), not per month" in \
        doc["whatif_users"]["notes"][-1]
    # the unit of each count: users or user-months
    plans_note = doc["whatif_plans"]["notes"][0]
    assert f"totals over the period ({SPAN}), not per month" in plans_note
    assert "subs: subscribers, in users" in plans_note
    assert "unprof: unprofitable user-months, not users" in plans_note
    people = " ".join(doc["whatif_people"]["notes"])
    assert "count users, each once over the period" in people
    assert "user-months count one per user and billing month" in people
    pro = [r for r in doc["whatif_plans"]["rows"] if r["plan"] == "claude_pro"]
    assert pro[0]["subscribers"] == 3.0 and pro[0]["revenue_usd"] == 120.0  # 3 x $20 x 2


def test_one_month_reads_one_month() -> None:
    doc = cli_json(["whatif", str(FIXTURE), "--scenario", "pro_price_25_elastic",
                    "--month", "2026-10"])
    assert doc["whatif_money"]["title"].endswith("(USD, period total, 1 month: 2026-10)")


def test_sweep_and_optimize_name_the_period() -> None:
    grid = ["--grid", "plans.claude_pro.price_usd=20,25"]
    doc = cli_json(["sweep", str(FIXTURE), *grid])
    assert doc["meta"]["period"]["figures"] == "period_total"
    for name in ("sweep_points", "sweep_frontier"):
        assert doc[name]["title"].endswith(f"(money: period total, {SPAN})")
    assert any(f"USD over the period ({SPAN}), not per month" in n
               for n in doc["sweep_points"]["notes"])
    doc = cli_json(["optimize", str(FIXTURE), *grid])
    assert doc["optimize_best"]["title"] == f"Best designs by margin_usd (money: period " \
        f"total, {SPAN})"
    assert doc["optimize_changes"]["title"].endswith(f"; money: period total, {SPAN})")
    doc = cli_json(["optimize", str(FIXTURE), *grid, "--objective", "min:gpu_cost_usd"])
    assert doc["optimize_best"]["title"] == f"Best designs by gpu_cost_usd (lowest first; " \
        f"money: period total, {SPAN})"
