"""whatif_users' bill of a plan's only user is the plan's revenue in whatif_plans (qa17B #2: a
user billed $0.2144347 and $0.2941018 in two months read 0.508536 there, 0.508537 in
whatif_plans: each month cast to DECIMAL kept its shortest decimal, whose exact sum 0.5085365
rounds to the double below the exact sum of the two floats)."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
from conftest import cli_json, write_csv

from planalyzer.exact_sums import fsum_each

PRICES = """[price.sonnet]
match = ["claude-sonnet-4-5"]
input = 0.1
cache_read = 0.01
output = 1.0
source = "test"
as_of = "2026-11-01"
"""

PLANS = """[meter.api_usd]
unit = "USD"
[[meter.api_usd.weight]]
models = "*"
api_value_usd = 1.0

[plan.use]
name = "usage billed"
price_usd = 0.0
source = "test"
as_of = "2026-11-01"
[plan.use.usage]
meter = "api_usd"
rate_usd = 1.0
"""


def test_a_plans_only_user_is_billed_its_revenue(tmp_path: Path) -> None:
    (tmp_path / "prices.toml").write_text(PRICES, encoding="utf-8")
    (tmp_path / "plans.toml").write_text(PLANS, encoding="utf-8")
    (tmp_path / "sc.toml").write_text('[scenario]\nname = "rate 2"\n[plans.use.usage]\n'
                                      "rate_usd = 2.0\n", encoding="utf-8")
    # $0.1 per million input tokens: $0.2144347 in October, $0.2941018 in November
    ev = write_csv(tmp_path / "ev.csv", ["user_id", "ts", "model", "input_tokens",
                                         "output_tokens"],
                   [["s1", "2026-10-05T10:00:00Z", "claude-sonnet-4-5", 2_144_347, 0],
                    ["s1", "2026-11-05T10:00:00Z", "claude-sonnet-4-5", 2_941_018, 0]])
    doc = cli_json(["whatif", str(ev), "--plans", str(tmp_path / "plans.toml"), "--prices",
                    str(tmp_path / "prices.toml"), "--assign", "*=use", "--scenario",
                    str(tmp_path / "sc.toml")])
    revenue = {r["scenario"]: r["revenue_usd"] for r in doc["whatif_plans"]["rows"]}
    [user] = doc["whatif_users"]["rows"]
    assert user["user_id"] == "s1"
    # the exact sum of the two months' floats is 0.5085365000000000(3): 0.508537
    assert user["bill_before_usd"] == revenue[0] == 0.508537
    assert user["bill_after_usd"] == revenue[1]


def test_fsum_each_is_each_lists_exact_sum_rounded_once() -> None:
    lists = pl.Series("x", [[0.2144347, 0.2941018], [0.1] * 10, [], None, [1e16, 1.0, -1e16],
                            [None, 2.5]])
    assert fsum_each(lists).to_list() == [0.2144347 + 0.2941018, 1.0, 0.0, 0.0, 1.0, 2.5]
    assert 0.2144347 + 0.2941018 == math.fsum([0.2144347, 0.2941018]) == 0.5085365000000001
