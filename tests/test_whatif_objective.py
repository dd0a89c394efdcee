"""``--objective min:METRIC`` minimises (qa7F N3): with losses positive, maximising
``unprofitable_loss_usd`` ranked the design that loses most first."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner
from whatif_helpers import FIXTURE

from planalyzer.cli import app
from planalyzer.errors import ConfigError
from planalyzer.whatif import metrics
from planalyzer.whatif.optimize import optimize
from planalyzer.whatif.sweep import grid_points, parse_axis, parse_objective, point_scenarios, sweep

AXIS = "plans.claude_pro.limits.session_5h.cap=1e5,2e5,5.5e5,1e6,1e7"


def test_parse_objective() -> None:
    assert parse_objective("margin_usd") == parse_objective("max:margin_usd")
    assert not parse_objective("margin_usd:claude_pro").minimise
    obj = parse_objective("min:margin_usd:claude_pro")
    assert obj.metric == "margin_usd:claude_pro" and obj.minimise
    with pytest.raises(ConfigError, match="give a metric after min:"):
        parse_objective("min:")


def test_optimize_min_ranks_the_least_loss_first(evaluator) -> None:  # type: ignore[no-untyped-def]
    axes = [parse_axis(AXIS)]
    low = optimize(evaluator, None, axes, "min:unprofitable_loss_usd", [], top=5)
    high = optimize(evaluator, None, axes, "unprofitable_loss_usd", [], top=5)
    losses = [e.objective for e in low.best]
    assert len(set(losses)) > 1  # the axis moves the loss
    assert losses == sorted(losses)
    assert [e.objective for e in high.best] == sorted(losses, reverse=True)


def test_sweep_frontier_minimises(evaluator) -> None:  # type: ignore[no-untyped-def]
    points = grid_points([parse_axis(AXIS)])
    scen = point_scenarios(None, points)
    outs, (table, front) = sweep(evaluator, scen, points, "min:unprofitable_loss_usd")
    vals = [(metrics(o)["unprofitable_loss_usd"], metrics(o)["users_affected_share"])
            for o in outs]
    expect = {v for v in vals
              if not any(lo <= v[0] and a <= v[1] and (lo, a) != v for lo, a in vals)}
    assert {vals[r[0] - 1] for r in front.rows} == expect, vals
    assert (0.0, 0.125) in expect  # the design with no loss, which maximising drops
    assert any("minimised" in n for n in table.notes)


def test_cli_says_the_direction() -> None:
    env = {"COLUMNS": "120", "TZ": "UTC", "LC_ALL": "C", "NO_COLOR": "1"}
    args = ["optimize", str(FIXTURE), "--grid", AXIS, "--format", "json"]
    res = CliRunner().invoke(app, [*args, "--objective", "min:unprofitable_loss_usd"], env=env)
    assert res.exit_code == 0, res.output
    best = json.loads(res.stdout)["optimize_best"]
    assert "lowest first" in best["title"]
    assert any("minimised" in n for n in best["notes"])
    losses = [r["objective_usd"] for r in best["rows"]]
    assert losses == sorted(losses)
    res = CliRunner().invoke(app, [*args, "--objective", "unprofitable_loss_usd"], env=env)
    assert res.exit_code == 0, res.output
    notes = json.loads(res.stdout)["optimize_best"]["notes"]
    assert any("min:unprofitable_loss_usd" in n for n in notes)


def test_an_explicit_max_gets_no_min_hint() -> None:
    """``max:unprofitable_loss_usd`` is asked for on purpose: no "write min:" hint, and the
    label keeps the ``max:``."""
    obj = parse_objective("max:unprofitable_loss_usd")
    assert obj.label == "max:unprofitable_loss_usd"
    assert "min:" not in obj.note() and "maximised (max:)" in obj.note()
    assert "min:unprofitable_loss_usd" in parse_objective("unprofitable_loss_usd").note()


def test_sweep_frontier_keeps_designs_tied_on_both() -> None:
    """qa8A #9: the frontier is the designs no other design beats on both; designs tied on
    objective and affected share are all on it (only the first was)."""
    from planalyzer.whatif.sweep import frontier
    assert frontier([(5.0, 0.0), (5.0, 0.0), (5.0, 0.0), (5.0, 0.0)]) == [0, 1, 2, 3]
    assert frontier([(5.0, 0.1), (5.0, 0.0), (6.0, 0.2), (6.0, 0.2), (4.0, 0.0)]) == [1, 2, 3]
    assert frontier([(1.0, 0.5), (2.0, 0.5), (2.0, 0.5), (3.0, 0.9)]) == [1, 2, 3]
