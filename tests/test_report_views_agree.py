"""Invariant: `--by month` and `--by plan` are two views of the same user-months. Over any
period, the month's `(all)` row equals the sum of that month's per-plan rows (users with a
plan), its `(no plan)` row equals the per-plan view's, and the cross-subsidy net equals the
margins summed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.plans import NO_PLAN

FIXTURE = Path(__file__).parent / "fixtures" / "report_small.csv"
SUMS = ("subscribers", "revenue_usd", "subscription_usd", "overage_usd", "usage_usd",
        "credits_usd", "gpu_cost_usd", "margin_usd", "loaded_cost_usd", "loaded_margin_usd",
        "api_value_usd")
USER_SUMS = ("unprofitable_users", "loss_usd", "blocked_requests", "blocked_api_value_usd")


def _report(*args: str) -> dict[str, Any]:
    res = CliRunner().invoke(app, ["report", str(FIXTURE), "--format", "json", "--no-fit",
                                   *args])
    assert res.exit_code == 0, res.stderr
    doc: dict[str, Any] = json.loads(res.stdout)
    return doc


def _rows(doc: dict[str, Any], table: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["month"], r["plan"]): r for r in doc[table]["rows"]}


@pytest.mark.parametrize("period", [[], ["--month", "2026-10"],
                                    ["--since", "2026-09-29", "--until", "2026-10-03"]])
def test_by_month_totals_equal_by_plan_totals(period: list[str]) -> None:
    by_plan, by_month = _report("--by", "plan", *period), _report("--by", "month", *period)
    plan_rows, month_rows = _rows(by_plan, "plans"), _rows(by_month, "plans")
    plan_users, month_users = _rows(by_plan, "plan_users"), _rows(by_month, "plan_users")
    months = sorted({m for m, _ in plan_rows})
    assert months and sorted({m for m, _ in month_rows}) == months
    assert any(p == NO_PLAN for _, p in plan_rows)  # the fixture has a user with no plan
    for month in months:
        planned = [k for k in plan_rows if k[0] == month and k[1] != NO_PLAN]
        total = month_rows[month, "(all)"]
        for col in SUMS:
            assert total[col] == pytest.approx(sum(plan_rows[k][col] for k in planned),
                                               abs=1e-5), (month, col)
        for col in USER_SUMS:
            assert month_users[month, "(all)"][col] == pytest.approx(
                sum(plan_users[k][col] for k in planned), abs=1e-5), (month, col)
        users = month_users[month, "(all)"]
        assert users["unprofitable_share"] == pytest.approx(
            users["unprofitable_users"] / users["subscribers"])
        # the users with no plan: their own row in both views, the same figures
        assert month_rows[month, NO_PLAN] == plan_rows[month, NO_PLAN]
        assert month_rows[month, NO_PLAN]["margin_usd"] is None
    net = next(r for r in by_plan["cross_subsidy"]["rows"] if r["plan"] == "(all plans)")
    assert net["net_usd"] == pytest.approx(
        sum(month_rows[m, "(all)"]["margin_usd"] for m in months), abs=1e-5)


def test_no_plan_users_are_said_not_folded_in() -> None:
    notes = _report("--by", "month")["plans"]["notes"]
    assert any(n.startswith("(all) = the users with a plan") and "(no plan) = the users with "
               "no plan, on a row of their own" in n for n in notes)
