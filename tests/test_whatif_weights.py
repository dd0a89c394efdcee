"""Price elasticity weighs every what-if figure alike: a plan's median margin, profitable share
and limit hit shares count each user-month by the share of the user that stays, as its
subscribers, revenue and cost do (they ignored the weight: a plan nobody stayed on showed a
positive median margin and a limit affecting half its users)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import write_csv
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.whatif.run import _weighted_median

SHIPPED = Path(__file__).parent.parent / "planalyzer" / "data" / "plans.toml"
PLANS = """
[plan.small]
name = "Small"
price_usd = 10.0
source = "test"
as_of = "2026-11"
[[plan.small.limit]]
name = "s"
meter = "requests"
window = "rolling"
hours = 5
cap = 2
"""


def _whatif(tmp_path: Path, elasticity: float, price: float) -> dict[str, Any]:
    cat = SHIPPED.read_text(encoding="utf-8")
    (tmp_path / "plans.toml").write_text(cat[:cat.index("[plan.")] + PLANS, encoding="utf-8")
    rows = [["uA", f"2026-10-05T0{h}:00:00Z", "claude-sonnet-4-5", 100000, 1000, "small"]
            for h in range(5)]
    rows += [["uB", f"2026-10-05T0{h}:00:00Z", "claude-sonnet-4-5", 100000, 1000, "small"]
             for h in range(2)]
    write_csv(tmp_path / "u.csv", ["user_id", "ts", "model", "input_tokens", "output_tokens",
                                   "plan"], rows)
    (tmp_path / "s.toml").write_text(f'[scenario]\nname = "x"\n[plans.small]\nprice_usd = '
                                     f'{price}\n[behaviour]\nelasticity = {elasticity}\n',
                                     encoding="utf-8")
    res = CliRunner().invoke(app, ["whatif", str(tmp_path / "u.csv"), "--plans",
                                   str(tmp_path / "plans.toml"), "--scenario",
                                   str(tmp_path / "s.toml"), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc: dict[str, Any] = json.loads(res.stdout)
    return doc


def test_a_plan_nobody_stays_on_reads_zero(tmp_path: Path) -> None:
    doc = _whatif(tmp_path, -0.5, 40.0)  # weight max(0, 1 - 0.5 x 3) = 0
    plans = {r["scenario"]: r for r in doc["whatif_plans"]["rows"]}
    assert plans[1]["subscribers"] == 0.0 and plans[1]["revenue_usd"] == 0.0
    assert plans[1]["median_margin_usd"] == 0.0 and plans[1]["users_hit_share"] == 0.0
    limits = {r["scenario"]: r for r in doc["whatif_limits"]["rows"]}
    assert limits[1]["users_hit"] == 0.0 and limits[1]["affects_share"] == 0.0
    assert limits[0]["users_hit"] == 1.0 and limits[0]["affects_share"] == 0.5
    assert "if the user stays" in doc["whatif_users"]["notes"][0]


def test_equal_weights_keep_the_shares_and_the_median(tmp_path: Path) -> None:
    doc = _whatif(tmp_path, -0.5, 15.0)  # weight 0.75 for both users
    plans = {r["scenario"]: r for r in doc["whatif_plans"]["rows"]}
    assert plans[1]["subscribers"] == pytest.approx(1.5)
    limits = {r["scenario"]: r for r in doc["whatif_limits"]["rows"]}
    assert limits[1]["users_hit"] == pytest.approx(0.75)
    assert limits[1]["affects_share"] == pytest.approx(0.5)
    # both user-months' margins rise by $5 (the price), so the median does too
    assert plans[1]["median_margin_usd"] == pytest.approx(plans[0]["median_margin_usd"] + 5.0)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=30),
       st.floats(0.01, 5.0))
def test_weighted_median_with_equal_weights_is_the_median(values: list[float],
                                                           w: float) -> None:
    s = pl.Series(values, dtype=pl.Float64)
    got = _weighted_median(s, pl.Series([w] * len(values), dtype=pl.Float64))
    assert got == pytest.approx(s.median(), rel=1e-9, abs=1e-9)


# -- one rule for the weight (qa8A #3), on the hand data: basic $10 (u1, u2, u6), pro $50 (u3,
# u4), api $0 (u5) --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hand() -> Any:
    from whatif_helpers import HAND

    from planalyzer.store import LoadOptions, Store
    from planalyzer.whatif import prepare
    store = Store(None)
    store.load([str(HAND / "ev.csv")], LoadOptions())
    ev, _ = prepare(store.con, plans=HAND / "plans.toml")
    yield ev
    store.close()


def _weights(ev: Any, data: dict[str, Any]) -> tuple[dict[str, float], Any]:
    from planalyzer.whatif import parse_scenario
    out = ev.run(parse_scenario(data, "e.toml"))
    f = out.frame.group_by("user").agg(pl.col("weight").max())
    return {ev.h.user_ids[u]: w for u, w in zip(f["user"], f["weight"], strict=True)}, out


def test_elasticity_from_a_zero_price_keeps_weight_one_and_says_so(hand: Any) -> None:
    w, out = _weights(hand, {"plans": {"api": {"price_usd": 5.0}},
                             "behaviour": {"elasticity": -0.5}})
    assert w["u5"] == 1.0
    assert any("1 user(s) on a $0 plan in the baseline now pay" in n for n in out.notes)


def test_elasticity_never_gives_a_moved_user_more_than_one(hand: Any) -> None:
    w, _ = _weights(hand, {"plans": {"pro": {"price_usd": 100.0}},
                           "behaviour": {"elasticity": -0.5, "best_fit": True}})
    assert max(w.values()) <= 1.0
    assert w["u2"] == w["u6"] == w["u4"] == 1.0  # to api ($0): cheaper, no extra users
    assert w["u5"] == 1.0  # from api ($0): no relative change
    assert w["u1"] == 0.0  # basic $10 -> pro $100: 1 - 0.5 x 9 < 0, clamped at 0
    # a user who stays on a plan whose price is cut still counts more than 1 (as before)
    stay, _ = _weights(hand, {"plans": {"pro": {"price_usd": 25.0}},
                              "behaviour": {"elasticity": -0.5}})
    assert stay["u3"] == stay["u4"] == pytest.approx(1.25)


def test_elasticity_large_rise_leaves_nobody_and_move_to_counts_the_new_price(
        hand: Any) -> None:
    w, _ = _weights(hand, {"plans": {"basic": {"price_usd": 40.0}},
                           "behaviour": {"elasticity": -0.5}})
    assert w["u1"] == w["u2"] == w["u6"] == 0.0  # +300%: 1 - 1.5 < 0
    w, _ = _weights(hand, {"plans": {"basic": {"remove": True, "move_to": "pro"}},
                           "behaviour": {"elasticity": -0.1}})
    assert w["u1"] == pytest.approx(1 - 0.1 * 4)  # $10 -> $50
