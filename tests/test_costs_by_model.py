"""`planalyzer costs LOGS` reconciles with the report: the per-model totals table (every logged
request, priced as the report prices it) sums to the report's totals for the same logs, and
the per-model tokens x the API $/M columns (cache writes included) give its API value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import check_golden, cli_json

FIXTURE = Path(__file__).parent / "fixtures" / "report_small.csv"
CLASSES = ("input", "cache_write", "cache_write_1h", "cache_read", "output")
FLAT = """
[meter.requests]
unit = "requests"
[[meter.requests.weight]]
models = "*"
request = 1.0

[plan.flat]
name = "Flat"
price_usd = 20.0
source = "test"
as_of = "2026-10-01"
"""


def _sum(rows: list[dict[str, Any]], key: str) -> float:
    return sum(r[key] or 0 for r in rows)


def _all(doc: dict[str, Any]) -> dict[str, Any]:
    rows = doc["cost_by_model"]["rows"]
    assert rows[-1]["model"] == "(all)"
    for key in ("requests", *(f"{c}_tokens" for c in CLASSES)):
        assert rows[-1][key] == sum(r[key] for r in rows[:-1])
    for key in ("api_value_usd", "gpu_cost_usd", "loaded_cost_usd"):
        # JSON rounds each amount to 6 decimals: the parts' sum may differ by half a
        # micro-dollar per part
        assert rows[-1][key] == pytest.approx(_sum(rows[:-1], key), abs=1e-6 * len(rows))
    total: dict[str, Any] = rows[-1]
    return total


def test_totals_equal_the_report_with_limits_binding(tmp_path: Path) -> None:
    """The fixture's plans block requests: requests and API value equal served + blocked,
    the GPU cost the report's plus what-if's blocked GPU cost."""
    total = _all(cli_json(["costs", str(FIXTURE)]))
    users = cli_json(["report", str(FIXTURE), "--no-fit", "--by", "user"])["users"]["rows"]
    plans = cli_json(["report", str(FIXTURE), "--no-fit"])["plan_users"]["rows"]
    assert _sum(users, "blocked_requests") > 0  # limits bind in this fixture
    tol = 1e-6 * len(users)  # the report's JSON rounds each user-month to 6 decimals
    assert total["requests"] == _sum(users, "requests") + _sum(users, "blocked_requests")
    assert total["api_value_usd"] == pytest.approx(
        _sum(users, "api_value_usd") + _sum(plans, "blocked_api_value_usd"), abs=tol)
    scen = tmp_path / "s.toml"
    scen.write_text('[scenario]\nname = "same"\n[plans.claude_pro]\nprice_usd = 20.0\n',
                    encoding="utf-8")
    money = {r["key"]: r["baseline"] for r in cli_json(
        ["whatif", str(FIXTURE), "--scenario", str(scen)])["whatif_money"]["rows"]}
    no_plan = [u for u in users if u["plan"] == "(no plan)"]  # what-if leaves them out
    assert total["gpu_cost_usd"] == pytest.approx(
        _sum(users, "gpu_cost_usd") + money["blocked_gpu_cost_usd"], abs=tol)
    assert money["gpu_cost_usd"] == pytest.approx(
        _sum(users, "gpu_cost_usd") - _sum(no_plan, "gpu_cost_usd"), abs=tol)


def test_totals_equal_the_report_where_nothing_blocks(tmp_path: Path) -> None:
    """Under a plan with no limits every request is served: every column equals the
    report's, tokens and loaded cost included."""
    plans = tmp_path / "plans.toml"
    plans.write_text(FLAT, encoding="utf-8")
    total = _all(cli_json(["costs", str(FIXTURE)]))
    report = cli_json(["report", str(FIXTURE), "--no-fit", "--by", "user", "--plans",
                       str(plans), "--assign", "*=flat"])
    users, tokens = report["users"]["rows"], report["user_tokens"]["rows"]
    assert _sum(users, "blocked_requests") == 0
    assert total["requests"] == _sum(users, "requests")
    for c in CLASSES:
        assert total[f"{c}_tokens"] == _sum(tokens, f"{c}_tokens")
    for key in ("api_value_usd", "gpu_cost_usd", "loaded_cost_usd"):
        assert total[key] == pytest.approx(_sum(users, key), abs=1e-6 * len(users)), key


def test_tokens_times_the_api_prices_give_the_api_value() -> None:
    """The API $/M columns cover every token class (the 5-minute and 1-hour cache writes
    were missing: a third of the sample logs' API value); no request here passes a
    long-context threshold, so each model's tokens x its list prices is its API value."""
    doc = cli_json(["costs", str(FIXTURE)])
    prices = {r["model"]: r for r in doc["cost_per_mtok"]["rows"]}
    rows = doc["cost_by_model"]["rows"][:-1]
    assert any(r["cache_write_tokens"] for r in rows)
    for row in rows:
        p = prices[row["model"]]
        value = sum(row[f"{c}_tokens"] * p[f"api_{c}_usd_per_mtok"] for c in CLASSES) / 1e6
        assert row["api_value_usd"] == pytest.approx(value, rel=1e-12), row["model"]


def test_without_logs_no_totals_table() -> None:
    doc = cli_json(["costs"])
    assert "cost_by_model" not in doc
    row = next(r for r in doc["cost_per_mtok"]["rows"] if r["model"] == "claude-sonnet-4-5")
    assert row["api_cache_write_usd_per_mtok"] == 3.75
    assert row["api_cache_write_1h_usd_per_mtok"] == 6.0


def _section(text: str, start: str, end: str) -> str:
    tail = text[text.index(start):]
    return tail[:tail.index(end)] if end in tail else tail


@pytest.mark.parametrize(("fmt", "start", "end"), [("csv", "# cost_by_model\n", "\n\n"),
                                                   ("markdown", "### Logged requests", "\n###")])
def test_by_model_table_in_csv_and_markdown(fmt: str, start: str, end: str) -> None:
    """The same rows in every format (JSON: the tests above); goldens of the two text ones."""
    from typer.testing import CliRunner

    from planalyzer.cli import app

    res = CliRunner().invoke(app, ["costs", str(FIXTURE), "--format", fmt])
    assert res.exit_code == 0, res.output
    part = _section(res.stdout, start, end).rstrip("\n") + "\n"
    check_golden(f"costs_by_model.{'md' if fmt == 'markdown' else fmt}", part)
    if fmt == "csv":
        rows = [line.split(",") for line in part.splitlines() if not line.startswith("#")]
        json_rows = cli_json(["costs", str(FIXTURE)])["cost_by_model"]["rows"]
        assert rows[0] == list(json_rows[0])
        assert [dict(zip(rows[0], r, strict=True))["requests"] for r in rows[1:]] == [
            str(r["requests"]) for r in json_rows]
