"""What-if changes on large accounts (qa17A #2): a change of the figures is float noise only
below half a micro-dollar, not below 1e-9 of the figures (a +$10 price change on an $823B
account read "change $0.00", sweep's objective change 0.0, and optimize took a design $10 short
of the baseline's revenue for one meeting 'revenue_usd >= baseline')."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import cli_json

from planalyzer.whatif.tables import REVENUE_PARTS, delta

# qa17A's repro: two org-hour buckets of 9e15 tokens each class, on a $20 plan
ROWS = ("ts,user_id,plan,model,input_tokens,cache_read_tokens,output_tokens,requests\n"
        + "".join(f"2026-10-01T0{h}:00:00Z,org-1,cursor_pro,claude-opus-4-1,"
                  "9000000000000000,9000000000000000,9000000000000000,3000000000\n"
                  for h in (0, 1)))


@pytest.fixture
def huge(tmp_path: Path) -> Path:
    f = tmp_path / "huge.csv"
    f.write_text(ROWS, encoding="utf-8")
    return f


def _rows(doc: dict[str, Any], table: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = doc[table]["rows"]
    return rows


def test_a_change_is_shown_however_large_the_figures() -> None:
    assert delta(823_500_000_030.0, 823_500_000_020.0) == 10.0  # was 0.0
    assert delta(-1_216_481_394_427.983, -1_216_481_394_437.983) == 10.0
    assert delta(1e9 + 0.01, 1e9) == 0.01  # a cent of $1B (was 0.0 below $1)
    assert delta(1e7 + 1e-6, 1e7) == 1e-6  # a micro-dollar of $10M
    # float rounding alone is still no change
    assert delta(1.0 + 1e-13, 1.0) == 0.0 and delta(1e6 + 2.3e-10, 1e6) == 0.0
    assert delta(4e-7, 0.0) == 0.0 and delta(6e-7, 0.0) == 6e-7
    # a share (0..1): one user in ten million is a change
    assert delta(1e-7, 0.0, "share") == 1e-7 and delta(0.5 + 1e-16, 0.5, "share") == 0.0


def test_whatif_money_changes_add_up(tmp_path: Path, huge: Path) -> None:
    sc = tmp_path / "sc.toml"
    sc.write_text("[plans.cursor_pro]\nprice_usd = 30.0\n", encoding="utf-8")
    doc = cli_json(["whatif", str(huge), "-s", str(sc), "-q"])
    money = {r["key"]: r for r in _rows(doc, "whatif_money")}
    assert money["revenue_usd"]["baseline"] == 823_500_000_020.0
    assert {k: money[k]["delta_1"] for k in ("revenue_usd", "subscription_usd", "margin_usd",
                                             "loaded_margin_usd", "unprofitable_loss_usd",
                                             "gpu_cost_usd")} == {
        "revenue_usd": 10.0, "subscription_usd": 10.0, "margin_usd": 10.0,
        "loaded_margin_usd": 10.0, "unprofitable_loss_usd": -10.0, "gpu_cost_usd": 0.0}
    # revenue is the sum of its parts: so are their changes
    assert sum(money[k]["delta_1"] for k in REVENUE_PARTS) == money["revenue_usd"]["delta_1"]
    (plan,) = [r for r in _rows(doc, "whatif_plans") if r["scenario"] == 1]
    assert plan["margin_delta_usd"] == 10.0


def test_sweep_objective_change(huge: Path) -> None:
    doc = cli_json(["sweep", str(huge), "--grid", "plans.cursor_pro.price_usd=20,30", "-q"])
    assert [r["objective_delta_usd"] for r in _rows(doc, "sweep_points")] == [0.0, 10.0]


def test_optimize_constraint_and_changes(huge: Path) -> None:
    doc = cli_json(["optimize", str(huge), "--grid", "plans.cursor_pro.price_usd=10,20",
                    "--objective", "min:revenue_usd", "--constraint",
                    "revenue_usd >= baseline", "-q"])
    best = {r["plans.cursor_pro.price_usd"]: r for r in _rows(doc, "optimize_best")}
    # $10 short of the baseline's revenue: the constraint is not met (it was, within $823)
    assert (best[10.0]["feasible"], best[10.0]["objective_delta_usd"]) == (False, -10.0)
    assert (best[20.0]["feasible"], best[20.0]["objective_delta_usd"]) == (True, 0.0)
    (change,) = _rows(doc, "optimize_changes")
    assert (change["revenue_delta_usd"], change["margin_delta_usd"]) == (-10.0, -10.0)
