"""What-ifs run unchanged on every real-log source (issue 6's "done when"): a price change on
each fixture moves subscription revenue by exactly the price delta per user-month and leaves
cost alone, and the baseline's cost equals the report's on the same file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES
from test_source_checks import REPORT_SOURCES
from typer.testing import CliRunner

from planalyzer.cli import app


@pytest.mark.parametrize("fixture", REPORT_SOURCES)
def test_whatif_runs_unchanged_on_every_source(fixture: str, tmp_path: Path) -> None:
    scenario = tmp_path / "max5x_80.toml"
    scenario.write_text('[scenario]\nname = "Max 5x at $80"\n\n'
                        "[plans.claude_max_5x]\nprice_usd = 80\n")
    common = [str(FIXTURES / fixture), "-f", "json", "--assign", "*=claude_max_5x"]
    runner = CliRunner()
    res = runner.invoke(app, ["whatif", *common, "--scenario", str(scenario)])
    assert res.exit_code == 0, res.output
    plans = json.loads(res.stdout)["whatif_plans"]["rows"]
    base = [r for r in plans if r["scenario"] == 0 and r["plan"] == "claude_max_5x"]
    scen = [r for r in plans if r["scenario"] == 1 and r["plan"] == "claude_max_5x"]
    assert len(base) == len(scen) == 1
    b, s = base[0], scen[0]
    assert b["subscribers"] > 0
    money = {r["metric"].strip(): r for r in json.loads(res.stdout)["whatif_money"]["rows"]}
    subs = money["subscriptions"]
    assert subs["baseline"] > 0 and subs["baseline"] % 100 == 0  # $100 per user-month
    assert subs["delta_1"] == pytest.approx(-0.2 * subs["baseline"])
    assert s["revenue_usd"] - b["revenue_usd"] == pytest.approx(subs["delta_1"])
    assert s["gpu_cost_usd"] == pytest.approx(b["gpu_cost_usd"], rel=1e-12)

    report = runner.invoke(app, ["report", *common])
    assert report.exit_code == 0, report.output
    rows = json.loads(report.stdout)["plans"]["rows"]
    # the report's tables carry dollars to the micro-dollar (6 decimals)
    assert sum(r["gpu_cost_usd"] for r in rows) == pytest.approx(b["gpu_cost_usd"], abs=1e-6)
