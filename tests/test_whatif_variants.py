"""Cost variants (routing, cache hits, another cost catalog): one more pass over the events as
the scenario changes them, compared with pricing those events directly."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from conftest import write_csv, write_parquet
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner
from whatif_helpers import FIXTURE

from planalyzer.cli import app
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


def test_gpu_price_factor_equals_a_catalog_with_dearer_gpus(tmp_path: Path) -> None:
    """gpu_price_factor 1.2 and a cost catalog with every GPU's $/hour x 1.2 give the same
    GPU and fully loaded cost: overhead is a share of GPU cost in both, training stays per
    token (docs/costs.md; qa12A: the factor held overhead in dollars, $1.51 apart)."""
    import tomllib

    hardware = Path(__file__).parent.parent / "planalyzer" / "data" / "hardware.toml"
    gpus = tomllib.loads(hardware.read_text())["hardware"]
    dearer = tmp_path / "gpu120.toml"
    dearer.write_text("".join(
        f"[hardware.{k}]\nusd_per_gpu_hour = {v['usd_per_gpu_hour'] * 1.2!r}\n"
        for k, v in gpus.items()))
    store = _store()
    ev, _ = prepare(store.con)
    cap = {"plans": {"claude_pro": {"limits": {"session_5h": {"cap": 200_000}}}},
           "behaviour": {"return_share": 0.5}}  # blocked usage's cost comes back too
    factor = metrics(ev.run(parse_scenario({**cap, "cost": {"gpu_price_factor": 1.2}},
                                           str(tmp_path / "f.toml"))))
    catalog = metrics(ev.run(parse_scenario({**cap, "cost": {"catalog": dearer.name}},
                                            str(tmp_path / "c.toml"))))
    for k in ("gpu_cost_usd", "loaded_cost_usd", "loaded_margin_usd", "blocked_gpu_cost_usd",
              "margin_usd"):
        assert factor[k] == pytest.approx(catalog[k], rel=1e-12, abs=1e-9), k
    # against the same scenario at today's prices: the loaded cost moves by the GPU change
    # plus its overhead (0.3 of GPU cost on the profiles that serve these models)
    same = metrics(ev.run(parse_scenario(cap, str(tmp_path / "s.toml"))))
    gpu_up = factor["gpu_cost_usd"] - same["gpu_cost_usd"]
    assert gpu_up > 0
    assert factor["loaded_cost_usd"] - same["loaded_cost_usd"] == pytest.approx(1.3 * gpu_up)


ROUTE_UNKNOWN = "[[cost.route]]\nmodels = '*opus*'\nshare = 0.5\nto = 'nosuch-model'\n"
FALLBACK = "1 model(s) not in the cost catalog, priced by fallback profile"
ENV = {"COLUMNS": "120", "TZ": "UTC", "LC_ALL": "C", "NO_COLOR": "1", "TERM": "dumb"}


def _cli(*args: str) -> tuple[int, dict[str, Any], str]:
    res = CliRunner().invoke(app, [*args, "--format", "json"], env=ENV)
    return res.exit_code, json.loads(res.stdout) if res.exit_code == 0 else {}, res.stderr


def test_routing_to_an_unknown_model_warns_as_the_report_does(tmp_path: Path) -> None:
    """The routed-to model is priced by the fallback profile: the report's warning, in the
    notes of every command's main table, for the scenario, point or design that routes."""
    scen = tmp_path / "route.toml"
    scen.write_text(ROUTE_UNKNOWN, encoding="utf-8")
    code, doc, err = _cli("whatif", str(FIXTURE), "--scenario", str(scen))
    assert code == 0, err
    notes = doc["whatif_money"]["notes"]
    assert any(n.startswith(f"scenario 1 (route): {FALLBACK}") and "nosuch-model (" in n
               for n in notes), notes
    code, doc, err = _cli("sweep", str(FIXTURE), "--scenario", str(scen),
                          "--grid", "plans.claude_pro.price_usd=20,25")
    assert code == 0, err
    assert any(n.startswith(f"point 1, point 2: {FALLBACK}")
               for n in doc["sweep_points"]["notes"])
    code, doc, err = _cli("optimize", str(FIXTURE), "--scenario", str(scen),
                          "--grid", "plans.claude_pro.price_usd=20,25")
    assert code == 0, err
    assert any(n.startswith(f"rank 1, rank 2: {FALLBACK}")
               for n in doc["optimize_best"]["notes"])


def test_routing_to_an_unknown_model_with_strict_exits_2(tmp_path: Path) -> None:
    scen = tmp_path / "route.toml"
    scen.write_text(ROUTE_UNKNOWN, encoding="utf-8")
    res = CliRunner().invoke(app, ["whatif", str(FIXTURE), "--scenario", str(scen),
                                   "--strict"], env=ENV)
    assert res.exit_code == 2
    assert FALLBACK in res.stderr and "nosuch-model" in res.stderr
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    # qa12D #13: the error names the scenario key the model comes from, and a near name
    assert f"{scen}: cost.route[0].to = 'nosuch-model': {FALLBACK}" in res.stderr, res.stderr
    scen.write_text(ROUTE_UNKNOWN.replace("nosuch-model", "claude-sonet-4-5"), encoding="utf-8")
    res = CliRunner().invoke(app, ["whatif", str(FIXTURE), "--scenario", str(scen),
                                   "--strict"], env=ENV)
    assert res.exit_code == 2
    assert f"{scen}: cost.route[0].to = 'claude-sonet-4-5' (did you mean " \
           f"'claude-sonnet-4-5'?): {FALLBACK}" in res.stderr, res.stderr
    code, doc, err = _cli("whatif", str(FIXTURE), "--scenario", str(scen))
    assert code == 0, err
    assert any(f"{scen}: cost.route[0].to = 'claude-sonet-4-5' (did you mean "
               "'claude-sonnet-4-5'?): a model the scenario routes to, not a logged one" in n
               for n in doc["whatif_money"]["notes"])


@pytest.mark.parametrize("key", ["share", "heaviest_users_share"])
def test_a_route_of_nobody_says_it_routes_nothing(tmp_path: Path, key: str) -> None:
    # qa12D #14: as a route whose glob matches no logged model does
    scen = tmp_path / "zero.toml"
    scen.write_text("[[cost.route]]\nshare = 0.5\nto = 'claude-sonnet-4-5'\n"
                    f"{key} = 0\n".replace("share = 0.5\n", "" if key == "share" else
                                            "share = 0.5\n"), encoding="utf-8")
    code, doc, err = _cli("whatif", str(FIXTURE), "--scenario", str(scen))
    assert code == 0, err
    assert any(f"cost: the route of model * to claude-sonnet-4-5 has {key} = 0: it routes "
               "nothing" in n for n in doc["whatif_money"]["notes"]), doc["whatif_money"]


def test_an_unknown_logged_model_gets_the_report_warning(tmp_path: Path) -> None:
    logs = write_csv(tmp_path / "unk.csv", ["ts", "user_id", "plan", "model", "input_tokens",
                                            "output_tokens"],
                     [["2026-10-01T00:00:00Z", "u1", "claude_pro", "acme-unknown", 10, 5]])
    code, report, err = _cli("report", str(logs))
    assert code == 0, err
    warning = next(n for n in report["plans"]["notes"] if n.startswith(FALLBACK))
    code, doc, err = _cli("whatif", str(logs), "--scenario", "pro_price_25_elastic")
    assert code == 0, err
    assert warning in doc["whatif_money"]["notes"]
    code, doc, err = _cli("sweep", str(logs), "--grid", "plans.claude_pro.price_usd=20,25")
    assert code == 0, err
    assert warning in doc["sweep_points"]["notes"]


def test_a_route_matches_logged_names_as_prices_do() -> None:
    """``claude-opus*`` routes requests logged as ``anthropic/claude-opus-4.5`` (an OpenRouter
    name) as it routes ``claude-opus-4-5``: the same requests under either spelling give the
    same what-if."""
    def run(rename: bool) -> dict[str, float]:
        store = _store()
        if rename:
            store.con.execute("UPDATE events SET model = 'anthropic/claude-opus-4.5' "
                              "WHERE model = 'claude-opus-4-5'").fetchall()
        ev, _ = prepare(store.con)
        scen = parse_scenario({"cost": {"route": [{"models": "claude-opus*", "share": 1.0,
                                                   "to": "claude-haiku-4-5"}]}}, "r.toml")
        return metrics(ev.run(scen))
    plain, prefixed = run(False), run(True)
    for k in KEYS:
        assert prefixed[k] == pytest.approx(plain[k], rel=1e-12, abs=1e-9), k


def test_a_route_naming_a_model_takes_its_dated_snapshots() -> None:
    """``claude-opus-4-5`` routes ``claude-opus-4-5-20251101`` (as Claude Code logs it), as
    the price catalog matches it; a route matching no logged model says so."""
    def run(models: str, dated: bool) -> tuple[dict[str, float], list[str]]:
        store = _store()
        if dated:
            store.con.execute("UPDATE events SET model = 'claude-opus-4-5-20251101' "
                              "WHERE model = 'claude-opus-4-5'").fetchall()
        ev, _ = prepare(store.con)
        scen = parse_scenario({"cost": {"route": [{"models": models, "share": 1.0,
                                                   "to": "claude-haiku-4-5"}]}}, "r.toml")
        out = ev.run(scen)
        return metrics(out), [*out.notes, *out.warnings]
    plain, _ = run("claude-opus-4-5", False)
    dated, notes = run("claude-opus-4-5", True)
    for k in KEYS:
        assert dated[k] == pytest.approx(plain[k], rel=1e-12, abs=1e-9), k
    assert not any("matches no logged model" in n for n in notes)
    _, notes = run("claude-opus-9*", False)
    assert any("the route of model claude-opus-9* to claude-haiku-4-5 matches no logged model"
               in n for n in notes), notes


# -- heaviest_users_share: the heaviest ceil(share x n) users (qa8A #1) -------------------------

def _heavy_con(tokens: list[int]) -> Any:
    import duckdb
    con = duckdb.connect()
    con.execute("CREATE TABLE events (event_id VARCHAR, ts TIMESTAMPTZ, user_id VARCHAR, "
                "plan VARCHAR, model VARCHAR, input_tokens BIGINT, cache_write_tokens BIGINT, "
                "cache_write_1h_tokens BIGINT, cache_read_tokens BIGINT, output_tokens BIGINT, "
                "requests BIGINT, logged_cost_usd DOUBLE, source VARCHAR, source_row BIGINT)")
    con.executemany("INSERT INTO events VALUES (?, TIMESTAMPTZ '2026-10-01 10:00:00+00', ?, "
                    "'p', 'claude-opus-4-5', ?, 0, 0, 0, 0, 1, NULL, 's', ?)",
                    [[f"e{i}", f"u{i:03d}", t, i] for i, t in enumerate(tokens)])
    return con


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=12),
       st.sampled_from([0.0, 0.1, 0.25, 1 / 3, 0.5, 0.6, 0.99, 1.0]))
def test_heaviest_users_share_routes_the_heaviest_ceil_share_n_users(
        tokens: list[int], share: float) -> None:
    from planalyzer.whatif.variants import Route, Variant, heaviest_count, variant_events
    con = _heavy_con(tokens)
    n = len(tokens)
    variant = Variant((Route("claude-haiku-4-5", 1.0, "*", heaviest_users_share=share),))
    with variant_events(con, variant):
        routed = {r[0] for r in con.execute(
            "SELECT user_id FROM events WHERE model = 'claude-haiku-4-5'").fetchall()}
    assert len(routed) == heaviest_count(share, n) == math.ceil(round(share * n, 9))
    if share == 1.0:
        assert len(routed) == n
    heaviest = sorted(range(n), key=lambda i: (-tokens[i], i))[:len(routed)]
    assert routed == {f"u{i:03d}" for i in heaviest}


def test_heaviest_share_on_three_users(tmp_path: Path) -> None:
    """a, b, c with 3, 2 and 1 requests: 1.0 routes all three (as no filter), 0.5 two."""
    rows = [[u, "claude_pro", f"2026-10-0{d}T10:00:00Z", "claude-opus-4-5", 10000, 2000]
            for u, n in (("a", 3), ("b", 2), ("c", 1)) for d in range(1, n + 1)]
    ev = write_csv(tmp_path / "ev.csv", ["user_id", "plan", "ts", "model", "input_tokens",
                                         "output_tokens"], rows)
    store = Store(None)
    store.load([str(ev)], LoadOptions())
    main, _ = prepare(store.con)

    def gpu(heavy: float | None) -> float:
        route: dict[str, Any] = {"models": "*opus*", "share": 1.0, "to": "claude-haiku-4-5"}
        if heavy is not None:
            route["heaviest_users_share"] = heavy
        return metrics(main.run(parse_scenario({"cost": {"route": [route]}}, "h.toml"))
                       )["gpu_cost_usd"]

    assert gpu(1.0) == pytest.approx(gpu(None), rel=1e-12)
    base = metrics(main.baseline)["gpu_cost_usd"]
    whole = gpu(1.0) - base  # every request routed: 6; 0.5 takes a and b (5), 0.1 a (3)
    assert whole != 0
    assert (gpu(0.5) - base) / whole == pytest.approx(5 / 6, rel=1e-9)
    assert (gpu(0.1) - base) / whole == pytest.approx(3 / 6, rel=1e-9)


def test_route_to_a_model_with_no_list_price_says_its_value_is_unknown() -> None:
    """qa8A #4: routing everything to a model with no API list price counted it $0 with no
    note, so the api plan's spend cap and usage charge silently stopped binding."""
    from whatif_helpers import HAND
    store = Store(None)
    store.load([str(HAND / "ev.csv")], LoadOptions())
    ev, _ = prepare(store.con, plans=HAND / "plans.toml")
    out = ev.run(parse_scenario({"cost": {"route": [{"models": "*sonnet*", "share": 1.0,
                                                     "to": "gpt-9-ultra"}]}}, "r.toml"))
    note = [w for w in out.warnings if w.startswith("cost: routed to gpt-9-ultra")]
    assert len(note) == 1, out.warnings
    assert "count $0 of API value (unknown, not free" in note[0]
    assert "on plans that cap or charge by API value (api)" in note[0]
    assert not any("routed to" in w for w in ev.baseline.warnings)
    # only the api plan's user is affected (their usage charge changes); users whose blocked
    # API value merely became unknown keep their bill and access (verification 8A, NEW-3)
    assert metrics(out)["users_affected"] == 1
    store.close()


BUCKETS = [  # e1: ten Opus requests of 10k prompt each, in one row (a usage bucket)
    ["e1", "2026-10-02T10:00:00Z", "alice", "claude_pro", "claude-opus-4-5", 100000, 20000, 10],
    ["e2", "2026-10-03T10:00:00Z", "alice", "claude_pro", "claude-opus-4-5", 5000, 1000, 1],
    ["e3", "2026-10-04T10:00:00Z", "bob", "claude_pro", "claude-opus-4-5", 300000, 30000, 1]]
BUCKET_HEADER = ["event_id", "ts", "user_id", "plan", "model", "input_tokens", "output_tokens",
                 "requests"]


@pytest.mark.parametrize(("limits", "routed"), [
    ({"max_prompt_tokens": 50_000}, {"e1", "e2"}),  # e1's requests are 10k each, not 100k
    ({"min_prompt_tokens": 20_000}, {"e3"}),
])
def test_a_route_sizes_a_bucket_row_per_request(tmp_path: Path, limits: dict[str, int],
                                                routed: set[str]) -> None:
    """qa12D #2: a route's prompt limits are per request; a row of n requests is sized by its
    mean prompt (prompt / n), as pricing sizes it, and routes whole."""
    def store(rows: list[list[Any]], name: str) -> Store:
        s = Store(None)
        s.load([str(write_csv(tmp_path / name, BUCKET_HEADER, rows))], LoadOptions())
        return s

    ev, _ = prepare(store(BUCKETS, "events.csv").con)
    scen = parse_scenario({"cost": {"route": [{"models": "*opus*", "share": 1.0,
                                               "to": "claude-sonnet-4-5", **limits}]}},
                          "route.toml")
    got = metrics(ev.run(scen))
    moved = [[*r[:4], "claude-sonnet-4-5" if r[0] in routed else r[4], *r[5:]] for r in BUCKETS]
    want = metrics(prepare(store(moved, "moved.csv").con)[0].baseline)
    for k in ("gpu_cost_usd", "loaded_cost_usd", "revenue_usd"):
        assert got[k] == pytest.approx(want[k], rel=1e-12, abs=1e-9), k
    assert got["gpu_cost_usd"] != pytest.approx(metrics(ev.baseline)["gpu_cost_usd"])


def test_a_route_share_picks_the_same_requests_wherever_the_logs_lie(tmp_path: Path) -> None:
    """The draw hashed the file path and row: the same logs in another folder, or read as
    parquet rather than CSV, routed other requests (another GPU cost for the same scenario)."""
    rows = [[f"u{i % 5}", "claude_pro", f"2026-10-{i % 28 + 1:02d}T{i % 24:02d}:00:00Z",
             "claude-opus-4-5", 1000 + 37 * i, 100 + i] for i in range(400)]
    head = ["user_id", "plan", "ts", "model", "input_tokens", "output_tokens"]
    here = write_csv(tmp_path / "a" / "ev.csv", head, rows)
    moved = write_csv(tmp_path / "b" / "c" / "usage.csv", head, rows)
    parquet = write_parquet(tmp_path / "ev.parquet", [
        {"user_id": u, "plan": p, "ts": t, "model": m, "input_tokens": i, "output_tokens": o}
        for u, p, t, m, i, o in rows])
    route = {"cost": {"route": [{"models": "*opus*", "share": 0.3, "to": "claude-haiku-4-5"}]}}
    costs = []
    for path in (here, moved, parquet):
        store = Store(None)
        store.load([str(path)], LoadOptions())
        main, _ = prepare(store.con)
        base = metrics(main.baseline)["gpu_cost_usd"]
        costs.append((metrics(main.run(parse_scenario(route, "r.toml")))["gpu_cost_usd"], base))
        store.close()
    whole = costs[0][1]
    assert costs[0][0] != pytest.approx(whole)  # a share routed: the cost moved
    assert costs[1] == costs[0] and costs[2] == costs[0]
