"""JSON/CSV column keys follow the README's naming rule (money ends in _usd, shares in
_share): a meter's weight per API dollar is no amount (api_value_weight), the sweep's affected
share ends in _share, and a column holding the value of a metric the user names (objective,
constraints) takes that metric's suffix (qa13B #7)."""

from __future__ import annotations

from conftest import cli_json
from whatif_helpers import FIXTURE

GRID = ["--grid", "plans.claude_pro.price_usd=20,25"]


def test_plan_meters_weight_is_not_money() -> None:
    doc = cli_json(["plans"])
    cols = doc["plan_meters"]["columns"]
    assert "api_value_weight" in cols and "api_value_usd" not in cols
    weights = {r["api_value_weight"] for r in doc["plan_meters"]["rows"]}
    assert weights <= {0.0, 1.0} and 1.0 in weights  # units per API dollar


def test_sweep_columns_carry_the_unit_of_the_metric() -> None:
    for objective, suffix in (("margin_usd", "_usd"), ("profitable_share:claude_pro", "_share"),
                              ("unprofitable_user_months", "")):
        doc = cli_json(["sweep", str(FIXTURE), *GRID, "--objective", objective])
        cols = doc["sweep_points"]["columns"]
        assert cols[-4:] == [f"objective{suffix}", f"objective_delta{suffix}",
                             "affected_share", "on_frontier"], objective
        assert doc["sweep_frontier"]["columns"] == cols
    row = doc["sweep_points"]["rows"][1]  # claude_pro at $25 affects its 3 users of 8
    assert row["affected_share"] == 0.375


def test_optimize_constraint_columns_carry_the_unit_of_their_metric() -> None:
    doc = cli_json(["optimize", str(FIXTURE), *GRID, "--constraint", "revenue_usd >= baseline",
                    "--constraint", "hit_share:claude_pro.session_5h <= 0.5",
                    "--constraint", "unprofitable_user_months <= 5"])
    best = doc["optimize_best"]
    assert best["columns"][2:9] == ["objective_usd", "objective_delta_usd", "feasible",
                                    "constraint_1_usd", "constraint_2_share", "constraint_3",
                                    "revenue_usd"]
    top = best["rows"][0]
    assert top["constraint_1_usd"] == top["revenue_usd"]
    assert any("constraint_1_usd = revenue_usd >= baseline; constraint_2_share = "
               "hit_share:claude_pro.session_5h <= 0.5; constraint_3 = "
               "unprofitable_user_months <= 5" in n for n in best["notes"])


def test_cost_tables_write_fractions_as_shares() -> None:
    """qa14: the serving profile's fractions (mfu, mbu, utilization, memory_fraction,
    cache_read_prefill_fraction, discount) end in _share in cost_assumptions, as every
    fraction-valued column of the costs tables does; the header stays a person's."""
    from planalyzer.costs import load_cost_catalog, load_price_catalog
    from planalyzer.costs.report import costs_tables, sensitivity_tables

    costs, prices = load_cost_catalog(), load_price_catalog()
    tables = [*costs_tables(costs, prices), *sensitivity_tables(costs, prices)]
    shares = [c.key for t in tables for c in t.columns if c.kind == "share"]
    assert shares and all(k.endswith("_share") for k in shares), shares
    doc = cli_json(["costs"])
    cols = doc["cost_assumptions"]["columns"]
    for key in ("mfu_share", "mbu_share", "utilization_share", "memory_share",
                "cache_read_prefill_share", "discount_share"):
        assert key in cols and key.removesuffix("_share") not in cols
    rows = {r["serving"]: r for r in doc["cost_assumptions"]["rows"]}
    assert 0 < rows["llama-70b-h100x4"]["mfu_share"] < 1
