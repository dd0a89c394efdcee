"""Caps too large to bind (qa12D #3): a cap of about 9.2e9 units or more overflowed the
engine's Int64 nano-units with a traceback, in `report --plans` and in the what-if commands.
Such a cap now works and reads as no cap; inf is refused as every TOML number is."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import cli_error, cli_json
from whatif_helpers import FIXTURE

PLANS = Path(__file__).resolve().parent.parent / "planalyzer" / "data" / "plans.toml"
WEEKLY = 'name = "weekly"\nmeter = "claude_credits"\nwindow = "rolling"\ndays = 7\n'


def _catalog(tmp_path: Path, cap: str | None) -> Path:
    """The shipped catalog with claude_pro's weekly cap set to ``cap`` (None: no weekly)."""
    text = PLANS.read_text(encoding="utf-8")
    old = f'[[plan.claude_pro.limit]]\n{WEEKLY}cap = 5000000\nestimate = true\n'
    assert old in text
    new = "" if cap is None else f'[[plan.claude_pro.limit]]\n{WEEKLY}cap = {cap}\n'
    out = tmp_path / f"plans_{cap}.toml"
    out.write_text(text.replace(old, new), encoding="utf-8")
    return out


def _plans(doc: dict) -> dict:  # type: ignore[type-arg]
    return {r["plan"]: r for r in doc["plans"]["rows"]}


@pytest.mark.parametrize("cap", ["1e10", "1e12", "1e300"])
def test_report_with_a_huge_catalog_cap_equals_no_cap(tmp_path: Path, cap: str) -> None:
    got = _plans(cli_json(["report", str(FIXTURE), "--plans", str(_catalog(tmp_path, cap))]))
    want = _plans(cli_json(["report", str(FIXTURE), "--plans", str(_catalog(tmp_path, None))]))
    assert got["claude_pro"] == want["claude_pro"]


@pytest.mark.parametrize("cap", ["1e10", "1e300"])
def test_whatif_and_sweep_with_a_huge_scenario_cap(tmp_path: Path, cap: str) -> None:
    scen = tmp_path / "big.toml"
    scen.write_text(f"[plans.claude_pro.limits.weekly]\ncap = {cap}\n", encoding="utf-8")
    gone = tmp_path / "gone.toml"
    gone.write_text("[plans.claude_pro.limits.weekly]\nremove = true\n", encoding="utf-8")
    doc = cli_json(["whatif", str(FIXTURE), "--scenario", str(scen), "--scenario", str(gone)])
    for row in doc["whatif_money"]["rows"]:
        assert row["scenario_1"] == pytest.approx(row["scenario_2"], abs=1e-9), row["key"]
    doc = cli_json(["sweep", str(FIXTURE), "--grid",
                    f"plans.claude_pro.limits.weekly.cap=5e6,{cap}"])
    assert len(doc["sweep_points"]["rows"]) == 2


def test_an_infinite_cap_is_refused_everywhere(tmp_path: Path) -> None:
    scen = tmp_path / "inf.toml"
    scen.write_text("[plans.claude_pro.limits.weekly]\ncap = inf\n", encoding="utf-8")
    assert "plans.claude_pro.limits.weekly.cap" in cli_error(
        ["whatif", str(FIXTURE), "--scenario", str(scen)])
    assert "not a finite number" in cli_error(
        ["sweep", str(FIXTURE), "--grid", "plans.claude_pro.limits.weekly.cap=5e6,inf"])
    assert "cap" in cli_error(["report", str(FIXTURE), "--plans",
                               str(_catalog(tmp_path, "inf"))])
