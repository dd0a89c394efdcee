"""Events too large for 64-bit nano-unit and pico-dollar sums (qa16B #3): an aggregated bucket
(an org-day of 50,000 Opus requests: 2e10 credits, $150,000) is summed exactly, in the report,
the caps engine and plan fit; absurd plan-catalog numbers (1e308, 2**63) are refused up
front, naming the file and key."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import cli_error, cli_json

from planalyzer.errors import ConfigError
from planalyzer.plans import load_plan_catalog
from planalyzer.screen import exact_sum

TOKENS_PLAN = """
[meter.tokens]
unit = "tokens"
[[meter.tokens.weight]]
models = "*"
input = 1.0
cache_write = 1.0
cache_write_1h = 1.0
cache_read = 1.0
output = 1.0

[plan.team]
source = "hand"
as_of = "2026-11-22"
name = "Team"
price_usd = 5000.0
[[plan.team.limit]]
name = "monthly_tokens"
meter = "tokens"
window = "calendar_month"
cap = CAP
"""


def test_exact_sum_holds_units_past_64_bits() -> None:
    con = duckdb.connect()
    got = con.execute(f"SELECT {exact_sum('x')} FROM (VALUES (2e10), (0.5), (1e-9)) t(x)"
                      ).fetchone()
    assert got == (20_000_000_000.500000001,)


def test_opus_org_day_bucket_reports(tmp_path: Path) -> None:
    f = tmp_path / "opus_day.csv"
    f.write_text("ts,user_id,model,input_tokens,output_tokens,requests\n"
                 "2026-10-01T00:00:00Z,org-1,claude-opus-4-1,5000000000,1000000000,50000\n")
    doc = cli_json(["report", str(f), "-q"])
    assert [r["api_value_usd"] for r in doc["plans"]["rows"]] == [150000.0]


def test_bucket_worth_more_than_a_bigint_of_pico_dollars(tmp_path: Path) -> None:
    # $15M of API value in one event: past 9.2e18 pico-dollars
    f = tmp_path / "big.csv"
    f.write_text("ts,user_id,model,input_tokens,output_tokens,requests\n"
                 "2026-10-01T00:00:00Z,org-1,claude-opus-4-1,1000000000000,1,100000\n")
    doc = cli_json(["costs", str(f), "-q"])
    (row, _all) = doc["cost_by_model"]["rows"]
    assert row["api_value_usd"] == pytest.approx(15_000_000.000075, abs=1e-9)


@pytest.mark.parametrize(("cap", "blocked"), [("300e9", 0), ("5e9", 1)])  # 5e9: caps engine
def test_token_meter_over_an_org_day_bucket(tmp_path: Path, cap: str, blocked: int) -> None:
    plans = tmp_path / "plans.toml"
    plans.write_text(TOKENS_PLAN.replace("CAP", cap))
    f = tmp_path / "day.csv"
    f.write_text("ts,user_id,plan,model,input_tokens,cache_read_tokens,output_tokens,requests\n"
                 "2026-10-01T00:00:00Z,org,team,claude-sonnet-4-5,100000000,9500000000,"
                 "20000000,120000\n"
                 "2026-10-02T00:00:00Z,org,team,claude-sonnet-4-5,1000,100,100,1\n")
    doc = cli_json(["report", str(f), "--plans", str(plans), "-q"])
    # the 9.6e9-token bucket is past Int64 nano-units; under the small cap the next request
    # is blocked (the caps engine)
    assert [(r["plan"], r["blocked_requests"]) for r in doc["plan_users"]["rows"]] == [
        ("team", blocked)]
    assert [r["users_hit"] for r in doc["limits"]["rows"]] == [blocked]


@pytest.mark.parametrize(("key", "value"), [
    ("request = 1.0", "request = 1e308"),
    ("request = 1.0", "request = 9223372036854775807"),
    ("price_usd = 10.0", "price_usd = 1e308"),
    ("rate_usd = 0.5", "rate_usd = 1e12"),
])
def test_absurd_plan_numbers_are_refused(tmp_path: Path, key: str, value: str) -> None:
    text = (Path(__file__).parent / "fixtures" / "whatif_hand" / "plans.toml").read_text()
    assert key in text
    p = tmp_path / "plans.toml"
    p.write_text(text.replace(key, value, 1))
    with pytest.raises(ConfigError, match=r"plans\.toml: (meter|plan)\..*: .* is above 1e\+09"):
        load_plan_catalog(p)


def test_absurd_plan_number_is_one_line_exit_2(tmp_path: Path) -> None:
    text = (Path(__file__).parent / "fixtures" / "whatif_hand" / "plans.toml").read_text()
    p = tmp_path / "plans.toml"
    p.write_text(text.replace("price_usd = 10.0", "price_usd = 1e308", 1))
    ev = Path(__file__).parent / "fixtures" / "whatif_hand" / "ev.csv"
    err = cli_error(["report", str(ev), "--plans", str(p), "-q"])
    assert "plan.basic.price_usd: 1e+308 is above 1e+09, more than any real amount of USD" in err


def test_huge_cap_still_means_unlimited(tmp_path: Path) -> None:
    p = tmp_path / "plans.toml"
    p.write_text(TOKENS_PLAN.replace("CAP", "1e308"))
    assert load_plan_catalog(p).plans["team"].limits[0].cap == 1e308


def test_scenario_absurd_price_is_refused(tmp_path: Path) -> None:
    sc = tmp_path / "sc.toml"
    sc.write_text('[scenario]\nname = "x"\n[plans.basic]\nprice_usd = 1e308\n')
    fixtures = Path(__file__).parent / "fixtures" / "whatif_hand"
    err = cli_error(["whatif", str(fixtures / "ev.csv"), "--plans", str(fixtures / "plans.toml"),
                     "--scenario", str(sc), "-q"])
    assert "plans.basic.price_usd: 1e+308 is above 1e+09" in err


def test_whatif_replays_an_org_day_bucket(tmp_path: Path) -> None:
    # the replay's per-request nano-units (whatif.history, fit_oversize) past Int64
    plans = tmp_path / "plans.toml"
    plans.write_text(TOKENS_PLAN.replace("CAP", "5e9"))
    sc = tmp_path / "sc.toml"
    sc.write_text('[scenario]\nname = "tight"\n[plans.team.limits.monthly_tokens]\ncap = 4e9\n')
    f = tmp_path / "day.csv"
    f.write_text("ts,user_id,plan,model,input_tokens,cache_read_tokens,output_tokens,requests\n"
                 "2026-10-01T00:00:00Z,org,team,claude-sonnet-4-5,100000000,9500000000,"
                 "20000000,120000\n"
                 "2026-10-02T00:00:00Z,org,team,claude-sonnet-4-5,1000,100,100,1\n")
    doc = cli_json(["whatif", str(f), "--plans", str(plans), "--scenario", str(sc), "-q"])
    assert [(r["cap"], r["users_hit"]) for r in doc["whatif_limits"]["rows"]] == [
        (5e9, 1.0), (4e9, 1.0)]
