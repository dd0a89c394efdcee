"""whatif's behaviour.best_fit follows the report's plan fit rule (planalyzer.fit_oversize): a
plan that blocks past its limits, with a cap that a single request of the user's exceeds on
its own, is never their best fit; ties between plans are broken the same way in every run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest
from conftest import write_csv
from hypothesis import given, settings
from hypothesis import strategies as st

from planalyzer.fit_oversize import largest_rows, nano_units, oversize_rows
from planalyzer.plans import Limit, Overage, Plan, Window
from planalyzer.store import LoadOptions, Store
from planalyzer.whatif import Evaluator, Outcome, parse_scenario, prepare

HEADER = ["user_id", "ts", "model", "input_tokens", "output_tokens", "requests", "plan"]
# as tests/test_fit_oversize.py: u1's first request is 122,000 Sonnet credits, over the free
# tier's 50,000-credit 5-hour cap on its own (shipped catalog); the rest are small
ROWS = [
    ["u1", "2026-10-03T10:00:00Z", "claude-sonnet-4-5", 300000, 1000, 1, "claude_pro"],
    ["u1", "2026-10-10T10:00:00Z", "claude-sonnet-4-5", 1000, 100, 1, "claude_pro"],
    ["u2", "2026-10-04T10:00:00Z", "claude-sonnet-4-5", 1000, 100, 1, "claude_pro"],
]


@pytest.fixture(scope="module")
def ev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Evaluator]:
    src = write_csv(tmp_path_factory.mktemp("fit") / "usage.csv", HEADER, ROWS)
    store = Store(None)
    store.load([str(src)], LoadOptions())
    evaluator, _ = prepare(store.con)
    yield evaluator
    store.close()


def _run(ev: Evaluator, behaviour: dict[str, Any], **plans: Any) -> Outcome:
    return ev.run(parse_scenario({"behaviour": behaviour, "plans": plans}, "fit.toml"))


def _plans(ev: Evaluator, out: Outcome) -> dict[str, str]:
    return {ev.h.user_ids[u]: p for u, p in out.frame.select("user", "plan").iter_rows()}


def test_a_user_with_one_oversize_request_is_not_put_on_that_plan(ev: Evaluator) -> None:
    out = _run(ev, {"best_fit": True})
    plans = _plans(ev, out)
    assert plans["u2"] == "free"  # small requests: the free tier serves them all, for $0
    # without the rule u1 would go to free too: the engine serves the big request (its window
    # is empty when it comes), so nothing is blocked and the bill is $0
    assert plans["u1"] != "free"
    note = next(n for n in out.notes if n.startswith("best_fit: a plan with a cap"))
    assert "free session_5h (claude_credits), cap 50,000 credits (estimated)" in note
    assert "u1's at 2026-10-03 10:00 UTC, 122,000 credits (estimated)" in note
    assert "(1 user-month and plan pair(s))" in note


def test_the_engine_alone_would_have_picked_that_plan(ev: Evaluator) -> None:
    """The rule, not the bill, keeps u1 off free: under free nothing of u1's is blocked."""
    out = _run(ev, {}, claude_pro={"remove": True, "move_to": "free"})
    f = out.frame
    assert set(f["plan"].to_list()) == {"free"}
    assert float(f["blocked_api_value_usd"].sum()) == 0.0


def test_a_user_no_compared_plan_fits_stays_on_their_plan(ev: Evaluator) -> None:
    out = _run(ev, {"best_fit": True, "best_fit_plans": ["free"]})
    assert _plans(ev, out) == {"u1": "claude_pro", "u2": "free"}
    assert ("best_fit: 1 user(s) stay on their plan: every plan it compares blocks past a cap "
            "that one of their requests exceeds on its own") in out.notes


def test_a_scenario_cap_above_the_request_makes_the_plan_a_fit_again(ev: Evaluator) -> None:
    out = _run(ev, {"best_fit": True, "best_fit_plans": ["free", "claude_pro"]},
               free={"limits": {"session_5h": {"cap": 200000.0}}})
    assert _plans(ev, out) == {"u1": "free", "u2": "free"}
    assert not any("on its own" in n for n in out.notes)


def test_equal_bills_keep_the_users_plan_then_go_by_plan_key(ev: Evaluator) -> None:
    # two plans with no limits at claude_pro's price: every bill ties, so everyone stays on
    # claude_pro; without it among the choices, the first key of the two
    same = {"name": "Same", "price_usd": 20.0}
    out = _run(ev, {"best_fit": True, "best_fit_plans": ["zz_same", "claude_pro", "aa_same"]},
               aa_same=same, zz_same=same)
    assert _plans(ev, out) == {"u1": "claude_pro", "u2": "claude_pro"}
    out = _run(ev, {"best_fit": True, "best_fit_plans": ["zz_same", "aa_same"]},
               aa_same=same, zz_same=same)
    assert _plans(ev, out) == {"u1": "aa_same", "u2": "aa_same"}


def _plan(cap: float) -> Plan:
    return Plan("p", "P", 10.0, (Limit("pool", "t", Window("rolling", hours=5), cap),),
                Overage())


def _found(rows: pl.DataFrame) -> dict[tuple[str, int], float]:
    """Per user-month: the largest mean request over the cap."""
    out: dict[tuple[str, int], float] = {}
    for u, m, units, n in rows.select("user_id", "month_key", "units", "requests").iter_rows():
        out[u, m] = max(out.get((u, m), 0.0), units / max(n, 1))
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.integers(0, 1),
                          st.integers(0, 3), st.floats(0, 500, allow_nan=False),
                          st.booleans()), max_size=30),
       st.floats(0.5, 300))
def test_largest_rows_find_what_all_rows_find(rows: list[tuple[str, int, int, float, bool]],
                                              cap: float) -> None:
    """``oversize_rows`` on ``largest_rows`` (what whatif keeps) finds the same user-months,
    each with the same largest request, as on every row (what the report's plan fit sees)."""
    plan = _plan(cap)
    # as given (users and months interleaved), and sorted by user and month as whatif reads
    for order in (rows, sorted(rows, key=lambda r: (r[0], r[1]))):
        df = pl.DataFrame({"user_id": [r[0] for r in order],
                           "month_key": [r[1] for r in order],
                           "t_us": list(range(len(order))), "requests": [r[2] for r in order]},
                          schema={"user_id": pl.String, "month_key": pl.Int64,
                                  "t_us": pl.Int64, "requests": pl.Int64})
        units = {"t": pl.Series([r[3] for r in order], dtype=pl.Float64)}
        nano = nano_units(units)
        keep = pl.Series([r[4] for r in order], dtype=pl.Boolean)
        every = oversize_rows(df, plan, units, nano, keep)
        big = largest_rows(df, nano, keep)
        some = oversize_rows(df[big], plan, {"t": units["t"].gather(big)},
                             {"t": nano["t"].gather(big)}, keep.gather(big))
        assert _found(some) == _found(every)
    # sorted: at most two rows a user-month (its largest single request, its largest bucket)
    assert len(big) <= 2 * df.filter(keep).select("user_id", "month_key").n_unique()
