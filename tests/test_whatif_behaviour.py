"""Behaviour assumptions: each one's stated arithmetic, on the report fixture with everyone put
on Claude Pro (so limits bind)."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pytest
from whatif_helpers import FIXTURE, HAND

from planalyzer.store import LoadOptions, Store
from planalyzer.whatif import Evaluator, metrics, parse_scenario, prepare


@pytest.fixture(scope="module")
def ev() -> Iterator[Evaluator]:
    store = Store(None)
    store.load([str(FIXTURE)], LoadOptions())
    evaluator, _ = prepare(store.con, assign=["*=claude_pro"])
    yield evaluator
    store.close()


def run(ev: Evaluator, **behaviour: object) -> dict[str, float]:
    return metrics(ev.run(parse_scenario({"behaviour": behaviour}, "b.toml")))


def test_limits_bind_in_this_fixture(ev: Evaluator) -> None:
    base = metrics(ev.baseline)
    assert base["blocked_api_value_usd"] > 0 and base["users_hit"] >= 1


def test_elasticity_scales_subscribers_by_the_price_change(ev: Evaluator) -> None:
    base = metrics(ev.baseline)
    out = ev.run(parse_scenario({"plans": {"claude_pro": {"price_usd": 30.0}},
                                 "behaviour": {"elasticity": -0.1}}, "e.toml"))
    m = metrics(out)
    assert m["subscribers"] == pytest.approx(base["subscribers"] * (1 - 0.1 * 0.5))
    assert m["subscription_usd"] == pytest.approx(base["user_months"] * 0.95 * 30.0)
    assert m["gpu_cost_usd"] == pytest.approx(base["gpu_cost_usd"] * 0.95)


def test_return_share_serves_that_share_of_blocked_usage_at_its_cost(ev: Evaluator) -> None:
    base = metrics(ev.baseline)
    m = run(ev, return_share=0.4)
    assert m["gpu_cost_usd"] == pytest.approx(base["gpu_cost_usd"]
                                              + 0.4 * base["blocked_gpu_cost_usd"])
    assert m["blocked_api_value_usd"] == pytest.approx(0.6 * base["blocked_api_value_usd"])
    assert m["revenue_usd"] == pytest.approx(base["revenue_usd"])


def test_buy_overage_share_bills_blocked_usage_at_list_price(ev: Evaluator) -> None:
    base = metrics(ev.baseline)
    m = run(ev, buy_overage_share=1.0)
    assert m["overage_usd"] == pytest.approx(base["overage_usd"]
                                             + base["blocked_api_value_usd"])
    assert m["blocked_api_value_usd"] == pytest.approx(0.0, abs=1e-9)
    assert m["gpu_cost_usd"] == pytest.approx(base["gpu_cost_usd"]
                                              + base["blocked_gpu_cost_usd"])


def test_upgrade_share_mixes_hit_user_months_with_the_next_tier(ev: Evaluator) -> None:
    ladder = ["claude_pro", "claude_max_5x", "claude_max_20x"]
    base = ev.baseline.frame
    hit_rows = base.filter(pl.col("hit")).height
    assert hit_rows > 0
    full = ev.run(parse_scenario({"behaviour": {"upgrade_share": 1.0, "ladder": ladder}},
                                 "u.toml")).frame
    half = ev.run(parse_scenario({"behaviour": {"upgrade_share": 0.5, "ladder": ladder}},
                                 "u.toml")).frame
    # a hit user-month pays the next tier's price (share 1) or halfway (share 0.5): its two
    # rows (old plan, next tier) count by their ``mix``
    def total(f: pl.DataFrame, c: str) -> float:
        return float((f[c] * f["mix"]).sum())
    assert total(full, "subscription_usd") == pytest.approx(
        base["subscription_usd"].sum() + hit_rows * 80.0)
    assert total(half, "subscription_usd") == pytest.approx(
        base["subscription_usd"].sum() + hit_rows * 40.0)
    assert half.height == base.height + hit_rows and full.height == base.height
    assert total(full, "blocked_api_value_usd") < base["blocked_api_value_usd"].sum()


def test_best_fit_never_costs_a_fully_served_user_more(ev: Evaluator) -> None:
    choices = ["claude_pro", "claude_max_5x", "claude_max_20x"]
    out = ev.run(parse_scenario({"behaviour": {"best_fit": True,
                                               "best_fit_plans": choices}}, "f.toml"))
    assert set(out.frame["plan"].unique().to_list()) <= set(choices)

    def per_user(f: pl.DataFrame) -> pl.DataFrame:
        return f.group_by("user").agg(
            (pl.col("subscription_usd") + pl.col("overage_usd")).sum().alias("bill"),
            pl.col("blocked_api_value_usd").sum().alias("blocked"))

    j = per_user(ev.baseline.frame).join(per_user(out.frame), on="user", suffix="_fit")
    served = j.filter(pl.col("blocked") == 0)
    assert (served["bill_fit"] <= served["bill"] + 1e-9).all()
    assert (j["blocked_fit"] <= j["blocked"] + 1e-9).all()
    assert any("best_fit" in n for n in out.notes)


def test_removed_tier_moves_its_users_and_a_new_tier_can_be_chosen() -> None:
    store = Store(None)
    store.load([str(FIXTURE)], LoadOptions())
    ev, _ = prepare(store.con)
    out = ev.run(parse_scenario({"plans": {"cursor_pro": {"remove": True,
                                                          "move_to": "claude_pro"}}}, "r.toml"))
    assert "cursor_pro" not in out.frame["plan"].to_list()
    assert out.frame.filter(pl.col("plan") == "claude_pro")["user"].n_unique() == \
        ev.baseline.frame.filter(pl.col("plan").is_in(["claude_pro", "cursor_pro"]))[
            "user"].n_unique()
    assert "users of removed plan cursor_pro moved to claude_pro" in out.notes
    new = {"plans": {"max_lite": {"name": "Max Lite", "price_usd": 1.0}},
           "behaviour": {"best_fit": True, "best_fit_plans": ["max_lite", "claude_pro"]}}
    out = ev.run(parse_scenario(new, "n.toml"))
    assert set(out.frame["plan"].unique().to_list()) == {"max_lite"}  # cheapest, no limits
    assert metrics(out)["subscription_usd"] == pytest.approx(out.frame.height * 1.0)
    store.close()


def test_upgrade_share_counts_losses_and_hits_on_the_mix_not_the_average() -> None:
    """qa8A #2, the hand example: with GPU x 1500, u1 loses $1.125 on basic and makes money
    on pro; half of its hit user-month upgrading is 0.5 unprofitable user-months and half the
    loss, not a profitable averaged month; u1 counts half as hit (pro's cap is not reached)."""
    store = Store(None)
    store.load([str(HAND / "ev.csv")], LoadOptions())
    hev, _ = prepare(store.con, plans=HAND / "plans.toml")
    gpu = {"cost": {"gpu_price_factor": 1500.0}}
    before = metrics(hev.run(parse_scenario(gpu, "u_base.toml")))
    after = metrics(hev.run(parse_scenario(
        {**gpu, "behaviour": {"upgrade_share": 0.5, "ladder": ["basic", "pro"]}}, "u.toml")))
    assert before["unprofitable_user_months:basic"] == 1.0
    assert before["unprofitable_loss_usd:basic"] == pytest.approx(1.1253369759836769)
    assert after["unprofitable_user_months:basic"] == pytest.approx(0.5)
    assert after["unprofitable_loss_usd:basic"] == pytest.approx(1.1253369759836769 / 2)
    assert after["unprofitable_loss_usd"] == pytest.approx(
        before["unprofitable_loss_usd"] - 1.1253369759836769 / 2)
    assert after["users_hit:basic"] == pytest.approx(0.5)
    assert after["hit_users:basic.session_5h"] == pytest.approx(0.5)
    assert after["users_hit"] == pytest.approx(before["users_hit"] - 0.5)
    assert after["blocked_requests"] == pytest.approx(before["blocked_requests"] - 2.0)
    assert after["subscribers"] == before["subscribers"] == 6.0
    assert after["user_months"] == pytest.approx(before["user_months"])
    store.close()
