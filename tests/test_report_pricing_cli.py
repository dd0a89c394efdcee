"""`report --prices`, and `--strict` on report and costs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import write_csv
from typer.testing import CliRunner

from planalyzer.cli import app

runner = CliRunner()
HEADER = ["user_id", "ts", "model", "input_tokens", "output_tokens"]
PRICES_TOML = """\
[price.llama]
match = ["llama-3.3-70b*"]
input = 0.6
cache_read = 0.06
output = 0.8
source = "our contract"
as_of = "2026-11-01"
"""


@pytest.fixture
def logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    # llama-3.3-70b: a cost profile but no API list price; acme-unknown-model: neither
    write_csv(tmp_path / "llama.csv", HEADER,
              [["u1", "2026-10-01T00:00:00Z", "llama-3.3-70b", 1_000_000, 500_000]])
    write_csv(tmp_path / "unk.csv", HEADER,
              [["u1", "2026-10-01T00:00:00Z", "acme-unknown-model", 10, 5]])
    write_csv(tmp_path / "known.csv", HEADER,
              [["u1", "2026-10-01T00:00:00Z", "claude-sonnet-4-5", 1000, 100]])
    (tmp_path / "prices.toml").write_text(PRICES_TOML, encoding="utf-8")
    (tmp_path / "prices.json").write_text(json.dumps({"llama-3.3-70b": {
        "input_cost_per_token": 6e-7, "output_cost_per_token": 8e-7}}), encoding="utf-8")
    return tmp_path


def _json(args: list[str]) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def _error(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    return result.stderr


# -- report --prices ---------------------------------------------------------------------------

def test_report_strict_fails_on_a_model_with_no_list_price(logs: Path) -> None:
    err = _error(["report", "llama.csv", "--assign", "*=claude_pro", "--strict"])
    assert "llama-3.3-70b" in err and "no API list price" in err and "--prices FILE" in err


@pytest.mark.parametrize("prices", ["prices.toml", "prices.json"])
def test_report_prices_file_prices_the_model(logs: Path, prices: str) -> None:
    doc = _json(["report", "llama.csv", "--assign", "*=claude_pro", "--strict",
                 "--prices", prices, "--by", "user"])
    (user,) = doc["users"]["rows"]
    assert user["api_value_usd"] == pytest.approx(1_000_000 * 0.6e-6 + 500_000 * 0.8e-6)
    (plan,) = doc["plans"]["rows"]
    assert plan["api_value_usd"] == user["api_value_usd"]
    assert not any("no API list price" in n for n in doc["plans"]["notes"])


def test_report_bad_prices_file_is_an_error(logs: Path) -> None:
    (logs / "bad.toml").write_text("[price.x]\nmatch = 1\n", encoding="utf-8")
    err = _error(["report", "known.csv", "--prices", "bad.toml"])
    assert "bad.toml" in err


def test_report_prices_reach_the_economics_tables(logs: Path) -> None:
    doc = _json(["report", "llama.csv", "--assign", "*=claude_pro", "--prices", "prices.toml",
                 "--sensitivity"])
    assert doc["margin_sensitivity"]["rows"]


# -- costs --strict ----------------------------------------------------------------------------

def test_costs_strict_fails_on_an_unknown_model(logs: Path) -> None:
    err = _error(["costs", "unk.csv", "--strict"])
    assert "acme-unknown-model" in err and "not in the cost catalog" in err


def test_costs_strict_fails_on_a_model_with_no_list_price(logs: Path) -> None:
    err = _error(["costs", "llama.csv", "--strict"])
    assert "llama-3.3-70b" in err and "no API list price" in err


def test_costs_strict_passes_when_every_model_is_known(logs: Path) -> None:
    assert runner.invoke(app, ["costs", "known.csv", "--strict"]).exit_code == 0
    assert runner.invoke(app, ["costs", "llama.csv", "--strict", "--prices",
                               "prices.toml"]).exit_code == 0
    assert runner.invoke(app, ["costs", "unk.csv"]).exit_code == 0  # not strict: a warning
