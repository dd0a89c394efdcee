"""`report --prices`, `--strict` on report and costs, and models with no API list price: their
API value is unknown (NULL), never $0, and plan fit does not call a metered plan free for them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import cli_error, cli_json, write_csv
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.report import build_report
from planalyzer.store import Store

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
    write_csv(tmp_path / "mixed.csv", HEADER,
              [["u1", "2026-10-01T00:00:00Z", "acme-unknown-model", 10, 5],
               ["u1", "2026-10-01T01:00:00Z", "claude-sonnet-4-5", 1000, 100],
               ["u2", "2026-10-02T00:00:00Z", "claude-sonnet-4-5", 1000, 100]])
    write_csv(tmp_path / "known.csv", HEADER,
              [["u1", "2026-10-01T00:00:00Z", "claude-sonnet-4-5", 1000, 100]])
    (tmp_path / "prices.toml").write_text(PRICES_TOML, encoding="utf-8")
    (tmp_path / "prices.json").write_text(json.dumps({"llama-3.3-70b": {
        "input_cost_per_token": 6e-7, "output_cost_per_token": 8e-7}}), encoding="utf-8")
    return tmp_path






# -- report --prices ---------------------------------------------------------------------------

def test_report_strict_fails_on_a_model_with_no_list_price(logs: Path) -> None:
    err = cli_error(["report", "llama.csv", "--assign", "*=claude_pro", "--strict"])
    assert "llama-3.3-70b" in err and "no API list price" in err and "--prices FILE" in err


@pytest.mark.parametrize("prices", ["prices.toml", "prices.json"])
def test_report_prices_file_prices_the_model(logs: Path, prices: str) -> None:
    doc = cli_json(["report", "llama.csv", "--assign", "*=claude_pro", "--strict",
                 "--prices", prices, "--by", "user"])
    (user,) = doc["users"]["rows"]
    assert user["api_value_usd"] == pytest.approx(1_000_000 * 0.6e-6 + 500_000 * 0.8e-6)
    (plan,) = doc["plans"]["rows"]
    assert plan["api_value_usd"] == user["api_value_usd"]
    assert not any("no API list price" in n for n in doc["plans"]["notes"])


def test_report_bad_prices_file_is_ancli_error(logs: Path) -> None:
    (logs / "bad.toml").write_text("[price.x]\nmatch = 1\n", encoding="utf-8")
    err = cli_error(["report", "known.csv", "--prices", "bad.toml"])
    assert "bad.toml" in err


def test_report_prices_reach_the_economics_tables(logs: Path) -> None:
    doc = cli_json(["report", "llama.csv", "--assign", "*=claude_pro", "--prices", "prices.toml",
                 "--sensitivity"])
    assert doc["margin_sensitivity"]["rows"]


# -- costs --strict ----------------------------------------------------------------------------

def test_costs_strict_fails_on_an_unknown_model(logs: Path) -> None:
    err = cli_error(["costs", "unk.csv", "--strict"])
    assert "acme-unknown-model" in err and "not in the cost catalog" in err


def test_costs_strict_fails_on_a_model_with_no_list_price(logs: Path) -> None:
    err = cli_error(["costs", "llama.csv", "--strict"])
    assert "llama-3.3-70b" in err and "no API list price" in err


def test_costs_strict_passes_when_every_model_is_known(logs: Path) -> None:
    assert runner.invoke(app, ["costs", "known.csv", "--strict"]).exit_code == 0
    assert runner.invoke(app, ["costs", "llama.csv", "--strict", "--prices",
                               "prices.toml"]).exit_code == 0
    assert runner.invoke(app, ["costs", "unk.csv"]).exit_code == 0  # not strict: a warning


# -- no API list price: NULL, never zero ----------------------------------------------------------

def test_unpriced_usage_has_unknown_api_value(logs: Path) -> None:
    doc = cli_json(["report", "unk.csv", "--assign", "*=claude_pro", "--by", "user"])
    (user,) = doc["users"]["rows"]
    assert user["api_value_usd"] is None
    (plan,) = doc["plans"]["rows"]
    assert plan["api_value_usd"] is None
    assert any("no API list price" in n and "unknown, not zero" in n
               for n in doc["plans"]["notes"])


def test_plan_fit_does_not_recommend_a_metered_plan_for_unpriced_usage(logs: Path) -> None:
    doc = cli_json(["report", "unk.csv", "--assign", "*=claude_pro", "--by", "user"])
    (user,) = doc["users"]["rows"]
    metered = {"api_tier_1", "api_tier_2", "api_tier_3", "api_tier_4", "chatgpt_plus",
               "chatgpt_pro", "cursor_pro", "cursor_pro_plus", "cursor_ultra"}
    assert user["cheapest_plan"] not in metered and user["cheapest_plan"] is not None
    assert user["profitable_plan"] not in metered
    (note,) = [n for n in doc["plan_fit"]["notes"] if n.startswith("cannot price")]
    assert "api_tier_1" in note and "acme-unknown-model" in note and "1 user-month" in note
    assert any(n.startswith("cannot price") for n in doc["users"]["notes"])


def test_only_the_user_months_with_unpriced_usage_are_unknown(logs: Path) -> None:
    doc = cli_json(["report", "mixed.csv", "--assign", "*=claude_pro", "--by", "user"])
    by_user = {r["user_id"]: r for r in doc["users"]["rows"]}
    assert by_user["u1"]["api_value_usd"] is None  # one known, one unknown request: unknown
    assert by_user["u2"]["api_value_usd"] == pytest.approx(1000 * 3e-6 + 100 * 15e-6)
    (plan,) = doc["plans"]["rows"]
    assert plan["api_value_usd"] is None  # a total including an unknown is unknown
    # plan fit: the metered plans are left out for u1's month only
    with Store() as store:
        store.load([str(logs / "mixed.csv")])
        data = build_report(store.con, assign=["*=claude_pro"])
    assert data.fit is not None
    priced = {(u, p): ok for u, p, ok in data.fit.select("user_id", "plan", "priced").rows()}
    assert priced["u1", "api_tier_1"] is False and priced["u1", "cursor_pro"] is False
    assert priced["u2", "api_tier_1"] is True and priced["u1", "claude_max_5x"] is True
    um = data.user_months.sort("user_id")
    assert um["unpriced_requests"].to_list() == [1, 0]


def test_unpriced_usage_on_a_metered_plan_is_said(logs: Path) -> None:
    doc = cli_json(["report", "unk.csv", "--assign", "*=api_tier_1"])
    assert any("on plans that charge or cap by API value (api_tier_1)" in n
               for n in doc["plans"]["notes"])


def test_unpriced_usage_outside_the_period_is_not_counted(logs: Path) -> None:
    write_csv(logs / "two.csv", HEADER,
              [["u1", "2026-09-30T00:00:00Z", "acme-unknown-model", 10, 5],
               ["u1", "2026-10-01T00:00:00Z", "claude-sonnet-4-5", 1000, 100]])
    for args in (["--month", "2026-10"], ["--since", "2026-10-01"]):
        doc = cli_json(["report", "two.csv", "--assign", "*=claude_pro", "--by", "user", *args])
        (user,) = doc["users"]["rows"]
        assert user["api_value_usd"] == pytest.approx(1000 * 3e-6 + 100 * 15e-6), args
    doc = cli_json(["report", "two.csv", "--assign", "*=claude_pro", "--by", "user",
                 "--month", "2026-09"])
    assert doc["users"]["rows"][0]["api_value_usd"] is None
