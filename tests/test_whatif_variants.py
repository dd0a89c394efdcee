"""Cost variants (routing, cache hits, another cost catalog): one more pass over the events as
the scenario changes them, compared with pricing those events directly."""

from __future__ import annotations

import pytest
from whatif_helpers import FIXTURE

from planalyzer.store import LoadOptions, Store
from planalyzer.whatif import metrics, parse_scenario, prepare

KEYS = ("revenue_usd", "gpu_cost_usd", "loaded_cost_usd", "margin_usd",
        "blocked_api_value_usd", "blocked_requests", "users_hit")


def _store() -> Store:
    store = Store(None)
    store.load([str(FIXTURE)], LoadOptions())
    return store


def test_routing_everything_equals_pricing_the_routed_events() -> None:
    store = _store()
    ev, _ = prepare(store.con)
    scen = parse_scenario({"cost": {"route": [{"models": "*opus*", "share": 1.0,
                                               "to": "claude-sonnet-4-5"}]}}, "route.toml")
    got = metrics(ev.run(scen))
    assert ev.run(scen).notes[0].startswith("cost: 100% of requests (model *opus*) routed")
    direct = _store()
    direct.con.execute("UPDATE events SET model = 'claude-sonnet-4-5' "
                       "WHERE model GLOB '*opus*'").fetchall()
    want = metrics(prepare(direct.con)[0].baseline)
    for k in KEYS:
        assert got[k] == pytest.approx(want[k], rel=1e-12, abs=1e-9), k
    base = metrics(ev.baseline)
    assert got["gpu_cost_usd"] != pytest.approx(base["gpu_cost_usd"])
    # the connection's priced_events is the real events' again
    assert metrics(prepare(store.con)[0].baseline)["gpu_cost_usd"] == pytest.approx(
        base["gpu_cost_usd"])


def test_a_variant_that_changes_nothing_gives_zero_deltas() -> None:
    store = _store()
    ev, _ = prepare(store.con)
    scen = parse_scenario({"cost": {"route": [{"share": 0.0, "to": "claude-haiku-4-5"}],
                                    "cache": {"hit_gain": 0.0}}}, "noop.toml")
    got, base = metrics(ev.run(scen)), metrics(ev.baseline)
    for k, v in base.items():
        assert got[k] == pytest.approx(v, abs=1e-9), k


def test_cache_gain_keeps_prompt_tokens_and_lowers_cost() -> None:
    store = _store()
    ev, _ = prepare(store.con)
    scen = parse_scenario({"cost": {"cache": {"hit_gain": 0.5}}}, "cache.toml")
    got, base = metrics(ev.run(scen)), metrics(ev.baseline)
    assert got["gpu_cost_usd"] + got["blocked_gpu_cost_usd"] < (
        base["gpu_cost_usd"] + base["blocked_gpu_cost_usd"])
    from planalyzer.whatif.variants import variant_events
    q = ("SELECT sum(input_tokens + cache_write_tokens + cache_write_1h_tokens "
         "+ cache_read_tokens) FROM events")
    before = store.con.execute(q).fetchall()
    with variant_events(store.con, scen.variant):
        during = store.con.execute(q).fetchall()
        moved = store.con.execute("SELECT sum(input_tokens) FROM events").fetchall()
    assert during == before
    assert moved < store.con.execute("SELECT sum(input_tokens) FROM events").fetchall()
