"""Prepaid credits are revenue once: usage beyond a plan's limits drawn from the credits is not
billed again as overage (report, plan fit and what-if agree). Pay-as-you-go overage is billed."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import cli_json

FIXTURE = Path(__file__).parent / "fixtures" / "report_small.csv"
SHIPPED = Path(__file__).parent.parent / "planalyzer" / "data" / "plans.toml"
POLICY = {
    "credits": 'policy = "credits"\nmeter = "api_usd"\nrate_usd = 1.0\ncredits_usd = 5.0\n',
    "payg": 'policy = "payg"\nmeter = "api_usd"\nrate_usd = 1.0\n',
}


def _catalog(tmp_path: Path, policy: str) -> Path:
    """The shipped catalog with Pro's 5-hour cap lowered (users reach it) and an overage
    policy."""
    cat = SHIPPED.read_text(encoding="utf-8")
    i = cat.index("[[plan.claude_pro.limit]]")
    j = cat.index("cap = ", i)
    k = cat.index("\n", j)
    path = tmp_path / f"plans_{policy}.toml"
    path.write_text(cat[:j] + "cap = 100000" + cat[k:]
                    + f"\n[plan.claude_pro.overage]\n{POLICY[policy]}", encoding="utf-8")
    return path




@pytest.mark.parametrize("policy", ["credits", "payg"])
def test_overage_billed_once(tmp_path: Path, policy: str) -> None:
    plans = _catalog(tmp_path, policy)
    doc = cli_json(["report", str(FIXTURE), "--plans", str(plans), "--by", "plan"])
    pro = [r for r in doc["plans"]["rows"] if r["plan"] == "claude_pro"]
    assert pro
    for r in pro:
        assert r["revenue_usd"] == pytest.approx(r["subscription_usd"] + r["credits_usd"]
                                                 + r["overage_usd"] + r["usage_usd"])
        if policy == "credits":  # the pack is all a user pays beyond the plan
            assert r["overage_usd"] == 0.0
            assert r["revenue_usd"] == pytest.approx(25.0 * r["subscribers"])
        else:
            assert r["credits_usd"] == 0.0
    if policy == "payg":
        assert any(r["overage_usd"] > 0 for r in pro), "the lowered cap is reached"
    users = cli_json(["report", str(FIXTURE), "--plans", str(plans), "--by", "user"])
    for r in users["users"]["rows"]:
        if r["plan"] == "claude_pro" and policy == "credits":
            assert r["revenue_usd"] == pytest.approx(25.0)


def test_whatif_credits_revenue_is_the_pack(tmp_path: Path) -> None:
    scenario = tmp_path / "credits.toml"
    scenario.write_text('[scenario]\nname = "Pro credits"\n'
                        '[plans.claude_pro.limits.session_5h]\ncap = 100000\n'
                        f'[plans.claude_pro.overage]\n{POLICY["credits"]}', encoding="utf-8")
    doc = cli_json(["whatif", str(FIXTURE), "--scenario", str(scenario)])
    plans = {(r["scenario"], r["plan"]): r for r in doc["whatif_plans"]["rows"]}
    # every Pro user-month pays $20 + the $5 pack, whatever it drew from it (0 = baseline)
    assert plans[(1, "claude_pro")]["revenue_usd"] == pytest.approx(
        plans[(0, "claude_pro")]["revenue_usd"] * 25.0 / 20.0)
    money = {r["metric"]: r for r in doc["whatif_money"]["rows"]}
    # the packs add to revenue, no overage: the overage in both is Cursor's payg
    assert money["overage charges"]["scenario_1"] == pytest.approx(
        money["overage charges"]["baseline"])
    assert money["prepaid credits"]["scenario_1"] > money["prepaid credits"]["baseline"]
