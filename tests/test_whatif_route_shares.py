"""Several [[cost.route]] tables on the same requests (qa18A #6): each takes its share of the
requests it matches, the routes taking disjoint slices of the one draw in order (route i's slice
starts at the shares of the routes before it that match the request). Every route compared
the draw with its share from 0, so a second route on the same models with a share no larger
than the first's routed nothing, while the assumptions said "50% ... routed". Shares of one
request summing above 1 are refused; routes on other requests route as they did."""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from conftest import cli_error, write_csv
from hypothesis import given, settings
from hypothesis import strategies as st

from planalyzer.errors import ConfigError
from planalyzer.store import LoadOptions, Store
from planalyzer.whatif import metrics, parse_scenario, prepare
from planalyzer.whatif.variants import Route, Variant, route_matches, variant_events

OPUS = "claude-opus-4-1-20250805"
SONNET, HAIKU = "claude-sonnet-4-5", "claude-haiku-4-5"


def _qa_log(tmp_path: Path) -> Path:
    """As qa18A's wi/log.csv: 400 Opus requests of 4 users on claude_max_20x."""
    rows = [[f"2026-10-{i % 28 + 1:02d}T{i % 24:02d}:{i % 60:02d}:00Z", f"u{i % 4}",
             "claude_max_20x", OPUS, 1000 + 37 * i % 8000, 20000 + 613 * i % 70000,
             400 + 29 * i % 1600] for i in range(400)]
    return write_csv(tmp_path / "log.csv", ["ts", "user_id", "plan", "model", "input_tokens",
                                            "cache_read_tokens", "output_tokens"], rows)


def _route(to: str, share: float = 0.5, models: str = "*opus*") -> dict[str, Any]:
    return {"models": models, "share": share, "to": to}


def _routed(con: duckdb.DuckDBPyConnection, routes: list[dict[str, Any]]) -> dict[str, set[Any]]:
    """The requests (by source row) the variant's routes send to each model (those left:
    under their own)."""
    variant = parse_scenario({"cost": {"route": routes}}, "r.toml").variant
    with variant_events(con, variant):
        rows = con.execute("SELECT model, source_row FROM events").fetchall()
    out: dict[str, set[Any]] = {}
    for model, row in rows:
        out.setdefault(model, set()).add(row)
    return out


def test_two_routes_on_the_same_models_each_take_their_share(tmp_path: Path) -> None:
    """qa18A's r0 (Opus half to Sonnet), r01 (that and Opus half to Haiku), r1 (Opus half to
    Haiku): r01 routed what r0 did (its GPU cost the same); now it routes every request,
    Sonnet the same ones as r0, Haiku the others."""
    store = Store(None)
    store.load([str(_qa_log(tmp_path))], LoadOptions())
    r0 = _routed(store.con, [_route(SONNET)])
    r01 = _routed(store.con, [_route(SONNET), _route(HAIKU)])
    r1 = _routed(store.con, [_route(HAIKU)])
    assert {m: len(e) for m, e in r0.items()} == {SONNET: 213, OPUS: 187}
    assert {m: len(e) for m, e in r01.items()} == {SONNET: 213, HAIKU: 187}
    assert {m: len(e) for m, e in r1.items()} == {HAIKU: 213, OPUS: 187}
    assert r01[SONNET] == r0[SONNET] and r01[HAIKU] == r0[OPUS]  # the draw's next half
    assert r1[HAIKU] == r0[SONNET]  # a route alone: its slice from 0, as before
    main, _ = prepare(store.con)
    gpu = {name: metrics(main.run(parse_scenario({"cost": {"route": routes}}, "r.toml"))
                         )["gpu_cost_usd"]
           for name, routes in (("r0", [_route(SONNET)]),
                                ("r01", [_route(SONNET), _route(HAIKU)]),
                                ("r1", [_route(HAIKU)]))}
    base = metrics(main.baseline)["gpu_cost_usd"]
    assert gpu["r01"] != pytest.approx(gpu["r0"])
    # r01 moves r0's requests to Sonnet and the others to Haiku: its delta is r0's plus that
    # of routing every request to Haiku less r1's (r1's requests are r0's)
    all_haiku = metrics(main.run(parse_scenario(
        {"cost": {"route": [_route(HAIKU, 1.0)]}}, "h.toml")))["gpu_cost_usd"]
    assert gpu["r01"] - base == pytest.approx(
        (gpu["r0"] - base) + (all_haiku - base) - (gpu["r1"] - base), rel=1e-9)
    store.close()


def _events(rows: list[tuple[str, str, int]]) -> duckdb.DuckDBPyConnection:
    """An events table of (user, model, prompt tokens) rows, one request each, its event id
    and source row its place in ``rows``."""
    con = duckdb.connect()
    frame = pl.DataFrame(rows, schema=["user_id", "model", "input_tokens"], orient="row")
    con.register("frame", frame)
    con.execute("CREATE TABLE events AS SELECT 'e' || (row_number() OVER () - 1) AS event_id, "
                "TIMESTAMPTZ '2026-10-01 10:00:00+00' AS ts, user_id, 'p' AS plan, model, "
                "CAST(input_tokens AS BIGINT) AS input_tokens, 0::BIGINT AS cache_write_tokens, "
                "0::BIGINT AS cache_write_1h_tokens, 0::BIGINT AS cache_read_tokens, "
                "10::BIGINT AS output_tokens, 1::BIGINT AS requests, "
                "CAST(NULL AS DOUBLE) AS logged_cost_usd, 's' AS source, "
                "CAST(row_number() OVER () - 1 AS BIGINT) AS source_row FROM frame")
    con.unregister("frame")
    return con


MODELS = ("claude-opus-4-5", "claude-sonnet-4-5", "gpt-5")
PROMPTS = range(0, 10_000, 2)  # every prompt limit below is one of them


@functools.cache
def _grid() -> duckdb.DuckDBPyConnection:
    """5,000 requests of each model, prompts 0 to 9,998 tokens."""
    return _events([(f"u{p % 7}", m, p) for m in MODELS for p in PROMPTS])


GLOBS = ("*", "*opus*", "claude-*", "gpt-5", "*sonnet*")
RANGES = ((0, None), (0, 5000), (2500, 7500), (5000, None))
SIZES = (0, 2500, 2502, 5000, 5002, 7500, 7502)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(GLOBS), st.integers(1, 20), st.sampled_from(RANGES)),
                min_size=1, max_size=4))
def test_each_route_takes_its_share_of_the_requests_it_matches(
        spec: list[tuple[str, int, tuple[int, int | None]]]) -> None:
    """Any routes (globs, shares in 5% steps, prompt ranges): where the shares of the routes
    matching any one request sum to at most 1, each route sends its share of the requests
    it matches (within 5 standard deviations of a binomial draw); else the scenario is refused."""
    routes = tuple(Route(f"to-{i}", n / 20, glob, lo, None if hi is None else float(hi))
                   for i, (glob, n, (lo, hi)) in enumerate(spec))

    def takes(r: Route, model: str, prompt: int) -> bool:
        return route_matches(model, r.models) and r.min_prompt_tokens <= prompt and (
            r.max_prompt_tokens is None or prompt <= r.max_prompt_tokens)

    # which routes take a prompt changes only at the limits: one prompt at and one past each
    most = max(sum(r.share for r in routes if takes(r, m, p)) for m in MODELS for p in SIZES)
    con = _grid()
    if most > 1 + 1e-9:
        with pytest.raises(ConfigError, match="above 1: routes take their shares"), \
                variant_events(con, Variant(routes, source="s.toml")):
            pass
        return
    with variant_events(con, Variant(routes)):
        got = dict(con.execute("SELECT model, count(*) FROM events GROUP BY model").fetchall())
    for r in routes:
        hi = 9_999 if r.max_prompt_tokens is None else int(r.max_prompt_tokens)
        n = sum(route_matches(m, r.models) for m in MODELS) * len(
            range(int(r.min_prompt_tokens), hi + 1, 2))
        sd = math.sqrt(r.share * (1 - r.share) / n) if n else 0.0
        assert abs(got.get(r.to, 0) / max(n, 1) - r.share) <= 5 * sd + 1e-9, (r, n, got)


def test_routes_on_other_models_route_as_each_alone() -> None:
    """Routes on disjoint models (or disjoint prompt ranges of one model) take the same
    requests as each does alone: the draw from 0 for each, as before routes composed."""
    con = _grid()
    opus = {"models": "*opus*", "share": 0.3, "to": "to-0"}
    gpt = {"models": "gpt-5", "share": 0.8, "to": "to-1"}
    short = {"models": "*sonnet*", "share": 0.6, "to": "to-2", "max_prompt_tokens": 4999}
    long = {"models": "*sonnet*", "share": 0.6, "to": "to-3", "min_prompt_tokens": 5000}
    together = _routed(con, [opus, gpt, short, long])
    for i, route in enumerate((opus, gpt, short, long)):
        assert together[f"to-{i}"] == _routed(con, [route])[f"to-{i}"], route
        assert len(together[f"to-{i}"]) > 0


def test_a_heaviest_users_route_and_an_open_one_split_the_heavy_users_requests() -> None:
    """Route 0 takes half of the heaviest users' Opus requests, route 1 half of all Opus
    requests: the heavy users' are split in two halves between them, the others' routed by
    route 1 as alone (its slice from 0 where route 0 does not match)."""
    con = _events([("heavy" if i % 2 else f"u{i % 50}", "claude-opus-4-5", 100)
                   for i in range(4000)])
    heavy = {"models": "*opus*", "share": 0.5, "heaviest_users_share": 0.01, "to": "to-0"}
    anyone = {"models": "*opus*", "share": 0.5, "to": "to-1"}
    both, alone = _routed(con, [heavy, anyone]), _routed(con, [anyone])
    heavy_ids = {i for i in range(4000) if i % 2}  # their source rows
    assert both["to-0"] == _routed(con, [heavy])["to-0"] and both["to-0"] <= heavy_ids
    assert both["to-1"] - heavy_ids == alone["to-1"] - heavy_ids
    assert both["to-1"] & heavy_ids == heavy_ids - both["to-0"]  # the other half
    assert len(both["to-0"]) / len(heavy_ids) == pytest.approx(0.5, abs=0.05)


@pytest.mark.parametrize(("routes", "said"), [
    ("[[cost.route]]\nmodels = '*opus*'\nshare = 0.6\nto = 'claude-sonnet-4-5'\n"
     "[[cost.route]]\nmodels = '*'\nshare = 0.5\nto = 'claude-haiku-4-5'\n"
     "max_prompt_tokens = 50_000\n",
     "cost.route[0] (models '*opus*', share 0.6) and cost.route[1] (models '*', share 0.5) "
     f"both take requests of {OPUS} with a prompt of at most 50,000 tokens, and their shares "
     "sum to 1.1, above 1"),
    ("[[cost.route]]\nshare = 0.5\nto = 'claude-sonnet-4-5'\nheaviest_users_share = 0.1\n"
     "[[cost.route]]\nshare = 0.25\nto = 'claude-haiku-4-5'\nmin_prompt_tokens = 1000\n"
     "[[cost.route]]\nmodels = 'claude-opus-4-1'\nshare = 0.3\nto = 'gpt-5'\n",
     "cost.route[0] (models '*', share 0.5), cost.route[1] (models '*', share 0.25) and "
     "cost.route[2] (models 'claude-opus-4-1', share 0.3) all take requests of "
     f"{OPUS} with a prompt of 1,000 or more tokens of the heaviest 10% of users, and their "
     "shares sum to 1.05, above 1"),
], ids=["two", "three"])
def test_shares_of_one_request_above_1_are_refused(tmp_path: Path, routes: str,
                                                   said: str) -> None:
    scenario = tmp_path / "over.toml"
    scenario.write_text(routes, encoding="utf-8")
    err = cli_error(["whatif", str(_qa_log(tmp_path)), "--scenario", str(scenario), "-q"])
    assert err.startswith(f"error: {scenario}: {said}: routes take their shares of a request "
                          "one after another"), err
    assert err.endswith('lower them (docs/whatif.md, "Several routes")')


def test_routes_whose_prompt_ranges_do_not_meet_may_sum_above_1() -> None:
    """0.6 of the short prompts and 0.6 of the long ones: no request is matched by both."""
    variant = parse_scenario({"cost": {"route": [
        {"models": "*opus*", "share": 0.6, "to": "to-0", "max_prompt_tokens": 4999},
        {"models": "*opus*", "share": 0.6, "to": "to-1", "min_prompt_tokens": 5000}]}},
        "r.toml").variant
    from planalyzer.whatif.variants import overlapping_shares
    assert overlapping_shares(variant, ["claude-opus-4-5"]) is None
    assert overlapping_shares(variant, ["gpt-5"]) is None
