"""Plan fit breaks a tie in cost by plan name, also when the tied costs differ in their last
bits (float noise from summing in another order): the recommendation never flips run to run."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import polars as pl

from planalyzer.report_tables import _fit_choice


def _choice(costs: dict[str, float]) -> tuple[str, str]:
    fit = pl.DataFrame({
        "user_id": ["u1"] * len(costs), "month_key": [202609] * len(costs),
        "plan": list(costs), "buyer_cost_usd": list(costs.values()),
        "feasible": [True] * len(costs), "priced": [True] * len(costs),
        "profitable": [True] * len(costs)})
    row = _fit_choice(cast(Any, SimpleNamespace(fit=fit))).row(0, named=True)
    return row["cheapest_plan"], row["profitable_plan"]


def test_noise_in_the_last_bits_is_a_tie_broken_by_name() -> None:
    noisy = [5.0493031, 5.0493030999999995, 5.049303100000002]
    for perm in ([0, 1, 2], [2, 0, 1], [1, 2, 0]):
        costs = {"api_tier_2": noisy[perm[0]], "api_tier_1": noisy[perm[1]],
                 "api_tier_3": noisy[perm[2]], "claude_pro": 20.0}
        assert _choice(costs) == ("api_tier_1", "api_tier_1")


def test_a_real_difference_still_wins() -> None:
    assert _choice({"api_tier_1": 5.05, "api_tier_2": 5.04})[0] == "api_tier_2"
