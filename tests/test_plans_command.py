"""`planalyzer plans`: the plan catalog as tables, in every format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import check_golden
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
    plans, limits = catalog_tables(catalog)
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
