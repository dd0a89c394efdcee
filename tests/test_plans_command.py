"""`planalyzer plans`: the plan catalog as tables, in every format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import check_golden, cli_error
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.plan_catalog_tables import catalog_tables
from planalyzer.plans import load_plan_catalog

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_plans_golden(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the catalog path is shown relative to the working directory
    res = runner.invoke(app, ["plans", "--format", fmt])
    assert res.exit_code == 0, res.output
    check_golden(f"plans.{fmt}", res.output)


def test_every_plan_and_limit_is_listed() -> None:
    catalog = load_plan_catalog()
    plans, limits, _meters = catalog_tables(catalog)
    assert plans.column("plan") == list(catalog.plans)
    assert len(limits.rows) == sum(len(p.limits) for p in catalog.plans.values())
    pro = plans.as_dicts()[plans.column("plan").index("claude_pro")]
    assert pro["annual_per_month_usd"] == pytest.approx(200.0 / 12)
    assert pro["annual_discount"] == pytest.approx(1 - 200.0 / 12 / 20.0)
    estimated = {p.key for p in catalog.plans.values() if p.estimated}
    assert {r["plan"] for r in plans.as_dicts() if r["estimate"]} == estimated


def test_plans_json_names_sources() -> None:
    res = runner.invoke(app, ["plans", "-f", "json"])
    doc = json.loads(res.output)
    assert any(n.startswith("claude_max_20x: facts.md") for n in doc["plan_catalog"]["notes"])


def test_plans_missing_catalog(tmp_path: Path) -> None:
    res = runner.invoke(app, ["plans", "--plans", str(tmp_path / "nope.toml")])
    assert res.exit_code == 2
    assert "nope.toml" in res.output and "Traceback" not in res.output


def test_meters_show_their_weights() -> None:
    # qa8E #9: only meter names were shown; the copilot x10 Opus multiplier could not be seen
    meters = catalog_tables(load_plan_catalog())[2].as_dicts()
    opus = [r for r in meters if r["meter"] == "copilot_premium" and r["models"] == "*opus*"]
    assert opus and opus[0]["request"] == 10
    assert any(r["meter"] == "claude_credits" and r["output"] > 0 for r in meters)


def test_copilot_pro_plus_overage_budget_is_an_estimate() -> None:
    plans = catalog_tables(load_plan_catalog())[0].as_dicts()
    row = next(r for r in plans if r["plan"] == "copilot_pro_plus")
    assert row["estimate"] and "(estimate)" in row["overage"]


_PLAN = """[plan.team]
name = "Team"
price_usd = 30.0
source = "x"
as_of = "2026-11-01"
"""
_LIMIT = """[[plan.team.limit]]
name = "weekly"
meter = "api_usd"
window = "rolling"
days = 7
cap = 50.0
"""
_METER = """[meter.api_usd]
unit = "USD"
[[meter.api_usd.weight]]
models = "*"
api_value_usd = 1.0
"""


def test_catalog_without_meters_says_so(tmp_path: Path) -> None:
    # qa8E #6: "catalog.meter: missing" named no key the user wrote
    f = tmp_path / "p1.toml"
    f.write_text(_PLAN + _LIMIT)
    msg = cli_error(["plans", "--plans", str(f)])
    assert "no [meter.NAME] tables" in msg and "(api_usd)" in msg and "plans.toml" in msg


def test_annual_price_above_twelve_months_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "p2.toml"
    f.write_text(_PLAN + "annual_price_usd = 400.0\n" + _LIMIT + _METER)
    msg = cli_error(["plans", "--plans", str(f)])
    assert "plan.team.annual_price_usd: 400 is above 12 x price_usd (360)" in msg


def test_plan_without_limits_shows_no_overage(tmp_path: Path) -> None:
    f = tmp_path / "p3.toml"
    f.write_text(_PLAN + _METER)
    from planalyzer.plans import load_plan_catalog as load

    plans = catalog_tables(load(f))[0].as_dicts()
    assert plans[0]["overage"] == "-"
