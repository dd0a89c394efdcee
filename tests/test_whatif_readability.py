"""What-if, sweep and optimize output a finance reader can take at its word (QA round 7):
losses are positive amounts (so 'unprofitable_loss_usd <= X' means at most $X lost), the
side-by-side rows carry a stable key, a new tier nobody is on says so, sweep/optimize columns
are defined and an axis left at the baseline is not shown as a change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import cli_json
from whatif_helpers import FIXTURE

GRID = ["--grid", "plans.claude_max_20x.limits.weekly.cap=1e6,5e6,83.3e6"]


def _money(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["key"]: r for r in doc["whatif_money"]["rows"]}


def test_loss_is_positive_and_matches_the_report() -> None:
    doc = cli_json(["whatif", str(FIXTURE), "-s", "max20x_weekly_cap_overage"])
    loss = _money(doc)["unprofitable_loss_usd"]
    assert loss["metric"] == "loss on unprofitable user-months"
    report = cli_json(["report", str(FIXTURE), "--no-fit"])
    total = next(r for r in report["cross_subsidy"]["rows"] if r["plan"] == "(all plans)")
    assert total["loss_usd"] > 0 and "unprofitable_user_months" in total
    assert loss["baseline"] == pytest.approx(total["loss_usd"], rel=0.02)
    for r in doc["whatif_plans"]["rows"]:
        assert r["unprofitable_loss_usd"] >= 0


def test_loss_constraint_reads_as_written() -> None:
    """'unprofitable_loss_usd <= 0.01' holds only for designs losing at most a cent: with
    the old negative sign every design met it."""
    doc = cli_json(["optimize", str(FIXTURE), *GRID, "--constraint",
                    "unprofitable_loss_usd <= 0.01", "--top", "3"])
    rows = doc["optimize_best"]["rows"]
    assert rows
    for r in rows:
        assert r["feasible"] == (r["constraint_1_usd"] <= 0.01)
        assert r["constraint_1_usd"] >= 0
    assert not all(r["feasible"] for r in rows)
    assert any("constraint_1_usd = unprofitable_loss_usd <= 0.01" in n
               for n in doc["optimize_best"]["notes"])


def test_side_by_side_rows_have_stable_keys() -> None:
    doc = cli_json(["whatif", str(FIXTURE), "-s", "pro_price_25_elastic"])
    keys = {t: [r["key"] for r in doc[t]["rows"]]
            for t in ("whatif_money", "whatif_people", "whatif_shares")}
    assert keys["whatif_money"][:2] == ["revenue_usd", "subscription_usd"]
    assert "unprofitable_user_months" in keys["whatif_people"]
    assert keys["whatif_shares"] == ["users_hit_share", "users_affected_share"]


def test_a_new_tier_nobody_is_on_says_so(tmp_path: Path) -> None:
    sc = tmp_path / "new.toml"
    sc.write_text('[scenario]\nname = "add Max 50x"\n[plans.max_50x]\nname = "Max 50x"\n'
                  'price_usd = 500.0\n')
    doc = cli_json(["whatif", str(FIXTURE), "-s", str(sc)])
    notes = doc["whatif_money"]["notes"]
    assert any("nobody is on max_50x" in n and "move_to" in n for n in notes), notes
    # a tier users are moved onto says nothing of the kind
    sc.write_text('[scenario]\nname = "fold pro"\n[plans.max_50x]\nname = "Max 50x"\n'
                  'price_usd = 500.0\n[plans.claude_pro]\nremove = true\n'
                  'move_to = "max_50x"\n')
    doc = cli_json(["whatif", str(FIXTURE), "-s", str(sc)])
    assert not any("nobody is on" in n for n in doc["whatif_money"]["notes"])


def test_sweep_defines_its_columns_and_optimize_hides_unchanged_axes() -> None:
    doc = cli_json(["sweep", str(FIXTURE), *GRID])
    notes = " ".join(doc["sweep_points"]["notes"])
    assert "unprofitable: user-months" in notes and "hit: share of" in notes
    doc = cli_json(["optimize", str(FIXTURE), *GRID,
                    "--grid", "plans.claude_max_20x.price_usd=200,250", "--top", "6"])
    for r in doc["optimize_changes"]["rows"]:
        assert "200 -> 200" not in r["change"]


@pytest.mark.parametrize(("source", "target", "said"), [
    ("claude-opus-4-5", "claude-haiku-4-5", True),  # Haiku's proxy is dearer per token
    ("claude-haiku-4-5", "claude-opus-4-5", False),
])
def test_routing_that_raises_gpu_cost_says_why(tmp_path: Path, source: str, target: str,
                                               said: bool) -> None:
    from conftest import write_csv
    write_csv(tmp_path / "ev.csv", ["user_id", "ts", "model", "input_tokens", "output_tokens",
                                    "cache_read_tokens", "plan"],
              [[f"u{i % 3}", f"2026-10-{1 + i % 28:02d}T10:00:00Z", source, 20_000, 800,
                50_000, "claude_pro"] for i in range(30)])
    sc = tmp_path / "route.toml"
    sc.write_text(f'[scenario]\nname = "route"\n[[cost.route]]\nmodels = "{source}"\n'
                  f'share = 1.0\nto = "{target}"\n')
    doc = cli_json(["whatif", str(tmp_path / "ev.csv"), "-s", str(sc)])
    money = _money(doc)
    raised = money["gpu_cost_usd"]["delta_1"] > 0
    notes = [n for n in doc["whatif_money"]["notes"] if "raises their marginal GPU cost" in n]
    assert raised == said
    assert bool(notes) == said
    if said:
        assert f"30 request(s) from {source} to {target}" in notes[0]
        assert "docs/costs.md" in notes[0]
