"""With --month/--since/--until a route's figures, its note and its heaviest users are the
period's (qa17B #1): the note on a routing that raises GPU cost counted the routed requests of
the whole log under a table of one month, and heaviest_users_share ranked users by the whole
log's tokens, so "route this month's heaviest users" took last month's."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_json, write_csv

from planalyzer.analysis import Period
from planalyzer.store import LoadOptions, Store
from planalyzer.whatif import metrics, parse_scenario, prepare

PLANS = """[meter.requests]
unit = "requests"
[[meter.requests.weight]]
models = "*"
request = 1.0

[plan.flat]
name = "flat, no limits"
price_usd = 20.0
source = "test"
as_of = "2026-11-01"
"""

# a: the heaviest over the log (October), light in November; b: light in October, the
# heaviest in November (one bucket row of 3 requests); z: no plan
ROWS = [["a", "flat", "2026-10-02T10:00:00Z", "claude-opus-4-5", 400_000, 1000, 1],
        ["a", "flat", "2026-10-03T10:00:00Z", "claude-opus-4-5", 400_000, 1000, 1],
        ["a", "flat", "2026-11-02T10:00:00Z", "claude-opus-4-5", 10_000, 1000, 1],
        ["b", "flat", "2026-10-02T10:00:00Z", "claude-opus-4-5", 10_000, 1000, 1],
        ["b", "flat", "2026-11-03T10:00:00Z", "claude-opus-4-5", 300_000, 3000, 3],
        ["z", None, "2026-11-04T10:00:00Z", "claude-opus-4-5", 1000, 100, 1]]
HEADER = ["user_id", "plan", "ts", "model", "input_tokens", "output_tokens", "requests"]
ROUTE = {"models": "*opus*", "share": 1.0, "to": "claude-sonnet-4-5"}
NOVEMBER = Period(months=("2026-11",))


@pytest.fixture
def files(tmp_path: Path) -> Path:
    write_csv(tmp_path / "ev.csv", HEADER, ROWS)
    (tmp_path / "plans.toml").write_text(PLANS, encoding="utf-8")
    for name, extra in (("route", ""), ("heavy", "heaviest_users_share = 0.3\n")):
        (tmp_path / f"{name}.toml").write_text(
            f'[scenario]\nname = "{name}"\n[[cost.route]]\nmodels = "*opus*"\nshare = 1.0\n'
            f'to = "claude-sonnet-4-5"\n{extra}', encoding="utf-8")
    return tmp_path


def _whatif(files: Path, scenario: str, *period: str) -> dict[str, Any]:
    return cli_json(["whatif", str(files / "ev.csv"), "--plans", str(files / "plans.toml"),
                     "--scenario", str(files / f"{scenario}.toml"), *period])


def _routing_note(notes: list[str]) -> tuple[int, str, str]:
    [note] = [n for n in notes if "routing" in n and "raises their marginal GPU cost" in n]
    m = re.search(r"routing ([\d,]+) request\(s\) from claude-opus-4-5 to claude-sonnet-4-5 "
                  r"raises their marginal GPU cost from (\$[\d.,]+) to (\$[\d.,]+)", note)
    assert m, note
    return int(m[1].replace(",", "")), m[2], m[3]


@pytest.mark.parametrize(("period", "requests"), [
    ((), 7),  # a's 3 and b's 1 + 3 (a bucket row counts its requests); z has no plan
    (("--month", "2026-11"), 4),  # November's: a's 1, b's 3
    (("--since", "2026-11-03", "--until", "2026-11-30"), 3),  # b's bucket row
])
def test_the_routing_note_counts_the_periods_requests(files: Path, period: tuple[str, ...],
                                                      requests: int) -> None:
    doc = _whatif(files, "route", *period)
    gpu = {r["key"]: r for r in doc["whatif_money"]["rows"]}["gpu_cost_usd"]
    # every request of the users on a plan is routed and none is blocked: the note's costs
    # are the table's GPU cost, baseline and scenario
    assert _routing_note(doc["whatif_money"]["notes"]) == (
        requests, f"${gpu['baseline']:,.2f}", f"${gpu['scenario_1']:,.2f}")


def _metrics(path: Path, period: Period, route: dict[str, Any] | None = None,
             replaced: str | None = None) -> dict[str, float]:
    store = Store(None)
    store.load([str(path / "ev.csv")], LoadOptions())
    if replaced is not None:  # the route's figures, loaded: that user's Opus rows as Sonnet
        store.con.execute("UPDATE events SET model = 'claude-sonnet-4-5' WHERE user_id = ?",
                          [replaced]).fetchall()
    ev, _ = prepare(store.con, plans=path / "plans.toml", period=period)
    if route is None:
        return metrics(ev.baseline)
    return metrics(ev.run(parse_scenario({"cost": {"route": [route]}}, "heavy.toml")))


@pytest.mark.parametrize(("period", "heaviest"), [(Period(), "a"), (NOVEMBER, "b")])
def test_heaviest_users_are_the_periods(files: Path, period: Period, heaviest: str) -> None:
    """ceil(0.3 x 3 users with requests in the period) = 1: a over the log, b in November
    (z, with no plan, is ranked too: the route takes requests, not plan holders)."""
    got = _metrics(files, period, {**ROUTE, "heaviest_users_share": 0.3})
    want = _metrics(files, period, replaced=heaviest)
    for k in ("revenue_usd", "gpu_cost_usd", "loaded_cost_usd", "margin_usd",
              "blocked_api_value_usd", "users_hit"):
        assert got[k] == pytest.approx(want[k], rel=1e-12, abs=1e-12), k
    assert got["gpu_cost_usd"] != pytest.approx(_metrics(files, period)["gpu_cost_usd"])


def test_heaviest_users_note_and_sweep_are_the_periods(files: Path) -> None:
    nov = ("--month", "2026-11")
    doc = _whatif(files, "heavy", *nov)
    # b's bucket row of 3 requests, not a's 3 over the log
    assert _routing_note(doc["whatif_money"]["notes"])[0] == 3
    margin = {r["key"]: r for r in doc["whatif_money"]["rows"]}["margin_usd"]["scenario_1"]
    sweep = cli_json(["sweep", str(files / "ev.csv"), "--plans", str(files / "plans.toml"),
                      "--scenario", str(files / "heavy.toml"), "--grid",
                      "cost.route[0].share=1", *nov])
    [point] = sweep["sweep_points"]["rows"]
    assert point["margin_usd"] == margin
    assert any(n.startswith("point 1: routing 3 request(s)")
               for n in sweep["sweep_points"]["notes"])
