"""whatif's behaviour.best_fit and models with no API list price (qa14B #2): their requests
count $0 of API value, so a plan that charges or caps by API value would bill that usage $0,
and a plan that blocks it would block $0 of value. The report's plan fit leaves such plans
out for those users; best_fit does too, and judges blocking by blocked requests as well."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import write_csv

from planalyzer.store import LoadOptions, Store
from planalyzer.whatif import Evaluator, Outcome, metrics, parse_scenario, prepare

HEADER = ["event_id", "ts", "user_id", "plan", "model", "input_tokens", "output_tokens"]
START = datetime(2026, 10, 1, tzinfo=UTC)
# u1 uses a model the shipped price catalog lacks (claude-sonnet-4-5-preview), u2 the same
# usage on a priced one: 400 requests of 20k in / 2k out, 45 minutes apart (about 84,000 Sonnet
# credits per 5 hours: the free tier's 50,000-credit cap blocks both)
ROWS = [[f"{u}-{i}", (START + timedelta(minutes=45 * i)).isoformat(), u, "claude_pro", model,
         20000, 2000]
        for u, model in (("u1", "claude-sonnet-4-5-preview"), ("u2", "claude-sonnet-4-5"))
        for i in range(400)]


@pytest.fixture(scope="module")
def ev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Evaluator]:
    src = write_csv(tmp_path_factory.mktemp("unpriced") / "usage.csv", HEADER, ROWS)
    store = Store(None)
    store.load([str(src)], LoadOptions())
    evaluator, _ = prepare(store.con)
    yield evaluator
    store.close()


def _run(ev: Evaluator, behaviour: dict[str, Any]) -> Outcome:
    return ev.run(parse_scenario({"behaviour": behaviour}, "fit.toml"))


def _plans(ev: Evaluator, out: Outcome) -> dict[str, str]:
    return {ev.h.user_ids[u]: p for u, p in out.frame.select("user", "plan").iter_rows()}


def test_unpriced_usage_keeps_a_user_off_api_value_plans_and_free(ev: Evaluator) -> None:
    assert ev.unpriced_users == frozenset({"u1"})
    out = _run(ev, {"best_fit": True})
    plans = _plans(ev, out)
    # before: u1 went to an API tier billing its usage $0 (or to free, blocking $0 of value)
    assert plans["u1"] == "claude_pro"
    assert metrics(out)["revenue_usd"] == pytest.approx(40.0)
    note = next(n for n in out.notes if "no API list price" in n and n.startswith("best_fit"))
    assert note.startswith("best_fit: 1 user(s) with requests of models that have no API list "
                           "price (claude-sonnet-4-5-preview) are not moved to plans that charge "
                           "or cap by API value (")
    assert "api_tier_1" in note and "claude_pro" not in note


def test_best_fit_only_among_api_value_plans_leaves_the_user_on_their_plan(
        ev: Evaluator) -> None:
    out = _run(ev, {"best_fit": True, "best_fit_plans": ["api_tier_1", "api_tier_2"]})
    plans = _plans(ev, out)
    assert plans["u1"] == "claude_pro"
    assert plans["u2"] in ("api_tier_1", "api_tier_2")  # its usage has a list price


# qa15C #5: where no plan serves a user fully, best_fit takes the one that blocks least; a
# user with unpriced requests (which block $0 of API value) is judged by requests blocked
BLOCK_PLANS = """
[meter.requests]
unit = "requests"
[[meter.requests.weight]]
models = "*"
request = 1.0

[meter.tokens]
unit = "tokens"
[[meter.tokens.weight]]
models = "*"
input = 1.0
output = 1.0
""" + "".join(f"""
[plan.{key}]
name = "{key}"
source = "test"
as_of = "2026-11-22"
price_usd = {price}
[[plan.{key}.limit]]
name = "cap"
meter = "{meter}"
window = "{window}"
{hours}cap = {cap}
""" for key, price, meter, window, hours, cap in (
    ("p_small", 10.0, "requests", "calendar_month", "", 100),
    ("p_big", 30.0, "requests", "calendar_month", "", 1000),
    ("p_tok", 5.0, "tokens", "rolling", "hours = 5\n", 150000)))


def test_no_plan_serves_fully_a_user_with_unpriced_requests_goes_by_requests_blocked(
        tmp_path: Path) -> None:
    # three priced 120k-token requests a minute apart (p_tok's 150k-token 5-hour cap blocks
    # the third: $0.375 of value), then 1,999 small requests of a model with no list price
    # (p_big's 1,000 a month blocks 1,002 requests, $0 of value; p_small blocks more)
    rows = [[f"p{i}", (START + timedelta(minutes=i)).isoformat(), "u9", "p_small",
             "gpt-4o-2024-08-06", 110000, 10000] for i in range(3)]
    rows += [[f"x{i}", (START + timedelta(hours=6, minutes=7 * i)).isoformat(), "u9",
              "p_small", "mystery-model-x", 1000, 100] for i in range(1999)]
    src = write_csv(tmp_path / "usage.csv", HEADER, rows)
    plans = tmp_path / "plans.toml"
    plans.write_text(BLOCK_PLANS, encoding="utf-8")
    store = Store(None)
    store.load([str(src)], LoadOptions())
    ev, _ = prepare(store.con, plans=plans)
    assert ev.unpriced_users == frozenset({"u9"})
    out = _run(ev, {"best_fit": True})
    assert _plans(ev, out)["u9"] == "p_tok"
    store.close()
