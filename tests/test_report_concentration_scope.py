"""The concentration table measures GPU cost across every user with events, the users with no
plan included (docs/report.md), unlike the plans' totals: a note says so, and its total is the
plans' (all) GPU cost plus the (no plan) row's."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, cli_json

from planalyzer.plans import NO_PLAN

SMALL = str(FIXTURES / "report_small.csv")  # one of its users logged no plan


def test_concentration_includes_users_with_no_plan_and_says_so() -> None:
    doc = cli_json(["report", SMALL, "--no-fit", "--by", "month"])
    conc = doc["concentration"]
    plans = {(r["month"], r["plan"]): r for r in doc["plans"]["rows"]}
    months = {m for m, _ in plans}
    planned = sum(plans[m, "(all)"]["gpu_cost_usd"] for m in months)
    none = sum(plans[m, NO_PLAN]["gpu_cost_usd"] for m in months if (m, NO_PLAN) in plans)
    assert none > 0
    assert conc["rows"][0]["gpu_cost_usd"] == pytest.approx(planned + none, abs=1e-5)
    assert "includes the 1 user(s) with no plan: gpu_cost_usd is the plans' total plus the " \
           "(no plan) row's" in conc["notes"]


def test_no_note_when_every_user_has_a_plan() -> None:
    doc = cli_json(["report", SMALL, "--no-fit", "--assign", "*=claude_pro"])
    assert not [n for n in doc["concentration"]["notes"] if "no plan" in n]
