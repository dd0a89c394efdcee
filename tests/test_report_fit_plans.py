"""report --fit-plans: plan fit recommends only the plans named (keys or globs), so a
catalog that mixes vendors need not recommend a competitor's plan (QA round 7, finding 7)."""

from __future__ import annotations

from conftest import FIXTURES, cli_error, cli_json

SMALL = str(FIXTURES / "report_small.csv")


def _recommended(doc: dict) -> set[str]:  # type: ignore[type-arg]
    out = {r[k] for r in doc["users"]["rows"] for k in ("cheapest_plan", "profitable_plan")}
    out |= {r["buyer_best_plan"] for r in doc["plan_fit"]["rows"]}
    return out - {None}


def test_fit_plans_keeps_plan_fit_to_the_plans_named() -> None:
    every = cli_json(["report", SMALL, "--by", "user"])
    assert any(not p.startswith("claude_") for p in _recommended(every))
    mine = cli_json(["report", SMALL, "--by", "user", "--fit-plans", "claude_*,free"])
    assert _recommended(mine)
    assert all(p.startswith("claude_") or p == "free" for p in _recommended(mine))
    assert any("plan fit compares only" in n for n in mine["plan_fit"]["notes"])


def test_fit_plans_matching_nothing_is_an_error() -> None:
    err = cli_error(["report", SMALL, "--fit-plans", "claude_proo"])
    assert "--fit-plans 'claude_proo': matches no plan" in err and "claude_pro" in err
