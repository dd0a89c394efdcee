"""The real CLI: `whatif` golden outputs in every format, `sweep` and `optimize` goldens, the
optimizer against an exhaustive grid, and one test per bad-input path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import check_golden
from typer.testing import CliRunner
from whatif_helpers import FIXTURE

from planalyzer.cli import app
from planalyzer.errors import ConfigError
from planalyzer.store import LoadOptions, Store
from planalyzer.whatif import metrics, parse_scenario, prepare
from planalyzer.whatif.optimize import optimize, parse_constraint
from planalyzer.whatif.sweep import (
    grid_points,
    metric_names,
    parse_axis,
    plan_limits,
    point_scenarios,
    sweep,
)
from planalyzer.whatif.tables import delta, whatif_tables

ENV = {"COLUMNS": "120", "LINES": "50", "TZ": "UTC", "LC_ALL": "C", "NO_COLOR": "1",
       "TERM": "dumb"}
SUFFIX = {"table": "txt", "json": "json", "csv": "csv", "markdown": "md"}


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """JSON meta.sources names a source relative to the working folder: the golden files hold
    tests/fixtures/..., wherever pytest is started."""
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
SCENARIOS = ["--scenario", "max20x_weekly_cap_overage", "--scenario", "pro_price_25_elastic"]


def run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, list(args), env=ENV)
    return res.exit_code, res.stdout, res.stderr


@pytest.mark.parametrize("fmt", list(SUFFIX))
def test_whatif_golden(fmt: str) -> None:
    code, out, err = run("whatif", str(FIXTURE), *SCENARIOS, "--top", "3", "--format", fmt)
    assert code == 0, err
    check_golden(f"whatif.{SUFFIX[fmt]}", out)


def test_whatif_json_deltas_add_up() -> None:
    code, out, _ = run("whatif", str(FIXTURE), *SCENARIOS, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    for row in doc["whatif_money"]["rows"]:
        assert row["delta_1"] == pytest.approx(row["scenario_1"] - row["baseline"])
    names = [r["name"] for r in doc["whatif_scenarios"]["rows"]]
    assert names == ["Max 20x weekly 40M + overage at list", "Pro at $25, elasticity -0.05"]


def test_sweep_golden() -> None:
    code, out, err = run("sweep", str(FIXTURE),
                         "--grid", "plans.claude_max_20x.price_usd=150,200,250",
                         "--grid", "plans.claude_max_20x.limits.weekly.cap=1e6,5e6,83.3e6")
    assert code == 0, err
    check_golden("sweep.txt", out)


def test_optimize_golden() -> None:
    code, out, err = run("optimize", str(FIXTURE), "--format", "markdown",
                         "--grid", "plans.claude_pro.price_usd=15:30:5",
                         "--grid", "plans.claude_pro.limits.session_5h.cap=2e5,5.5e5,1e6",
                         "--constraint", "revenue_usd >= baseline",
                         "--constraint", "hit_share:claude_pro.session_5h <= 0.5",
                         "--top", "3")
    assert code == 0, err
    check_golden("optimize.md", out)


def test_coordinate_search_finds_the_exhaustive_best() -> None:
    store = Store(None)
    store.load([str(FIXTURE)], LoadOptions())
    ev, _ = prepare(store.con)
    axes = [parse_axis("plans.claude_max_20x.price_usd=100:300:50"),
            parse_axis("plans.claude_max_20x.limits.weekly.cap=1e6,3e6,1e7,3e7,83.3e6"),
            parse_axis("plans.claude_pro.price_usd=10,20,30")]
    cons = [parse_constraint("users_affected_share <= 0.6"),
            parse_constraint("median_margin_usd:* >= 0")]
    full = optimize(ev, None, axes, "margin_usd", cons, search="exhaustive")
    fast = optimize(ev, None, axes, "margin_usd", cons, search="coordinate")
    assert full.evaluated == 75 and fast.evaluated < 75
    assert fast.best[0].values == full.best[0].values
    assert fast.best[0].objective == full.best[0].objective
    assert full.best[0].feasible
    store.close()


@pytest.mark.parametrize(("body", "message"), [
    ("[plans.claude_pro]\nprice = 25\n", "plans.claude_pro.price: unknown key"),
    ("[plans.claude_pro]\nprice_usd = '25'\n", "plans.claude_pro.price_usd: expected number"),
    ("[plans.claude_pro.limits.nightly]\ncap = 5\n", "a new limit needs meter, window and cap"),
    ("[plans.claude_pro]\nremove = true\n", "plans.claude_pro.move_to: say which plan"),
    ("[plans.claude_pro.limits.weekly]\nmeter = 'tokens'\n", "meter 'tokens' is not in"),
    ("[behaviour]\nelasticity = 0.5\n", "behaviour.elasticity: zero or negative"),
    ("[behaviour]\nreturn_share = 2\n", "behaviour.return_share: a share between 0 and 1"),
    ("[cost]\ngpu_price_factor = 0\n", "cost.gpu_price_factor: must be more than zero"),
    ("[plans.new_tier]\nname = 'New'\n", "A new tier needs name and price_usd (price_usd "
     "missing)"),
    ("[plans.claude_proo]\nprice_usd = 25\n", "plans.claude_proo: not in the catalog (did you "
     "mean 'claude_pro'?); known plans: free, claude_pro,"),
    ("[plans.max_50x]\nprice_usd = 500\n", "A new tier needs name and price_usd (name "
     "missing)"),
    ("not toml [", "not valid TOML"),
    ("[[cost.route]]\nshare = 0.5\n", "needs to (a model name) and share"),
    ("[[cost.route]]\nto = 'x'\nshare = 0.5\nmodel = '*'\n", "cost.route[0].model: unknown"),
    ("[cost.cache]\nhit_gain = 2\n", "cost.cache.hit_gain: must be between 0 and 1"),
    ("[cost]\ncatalog = 'nowhere.toml'\n", "cost.catalog:"),
    # qa8A #6, #7, #8: contradictions and silent no-ops refused, messages that list the fix
    ("[behaviour]\nreturn_share = 0.8\nbuy_overage_share = 0.8\n",
     "behaviour: return_share (0.8) + buy_overage_share (0.8) is more than 1"),
    ("[plans.claude_pro.overage]\npolicy = 'credits'\nmeter = 'api_usd'\nrate_usd = 1\n",
     "plans.claude_pro.overage.credits_usd: missing; credits needs it"),
    ("[plans.claude_pro.overage]\npolicy = 'credits'\nmeter = 'api_usd'\nrate_usd = 1\n"
     "credits_usd = 5\nmonthly_limit_usd = 1\n",
     "plans.claude_pro.overage.monthly_limit_usd: credits have no monthly spend limit"),
    ("[plans.cursor_pro.overage]\nno_monthly_limit = true\nmonthly_limit_usd = 1\n",
     "plans.cursor_pro.overage: no_monthly_limit = true and monthly_limit_usd contradict"),
    ("[[cost.route]]\nto = 'claude-haiku-4-5'\nshare = 0.5\nmin_prompt_tokens = 1000\n"
     "max_prompt_tokens = 10\n", "cost.route[0].max_prompt_tokens: 10 is below "
     "min_prompt_tokens (1000)"),
    ("plans = 5\n", "bad.toml: plans: expected table, got an integer (5)"),
    ("[behaviour]\nupgrade_share = 0.5\nladder = ['claude_max_5x', 'claude_pro']\n",
     "behaviour.ladder: 'claude_pro' ($20 in the plan catalog) comes after 'claude_max_5x' "
     "($100): list the ladder cheapest first by the catalog's prices"),
    ("[plans.claude_pro.overage]\npolicy = 'payg'\n", "plans.claude_pro.overage.meter: "
     "missing; payg needs it (set plans.claude_pro.overage.meter and "
     "plans.claude_pro.overage.rate_usd in the scenario; in a sweep, add e.g. --grid "
     "plans.claude_pro.overage.meter="),
    ("[plans.claude_pro.overage]\npolicy = 'payg'\nmeter = 'api_usd'\n",
     "plans.claude_pro.overage.rate_usd: missing; payg needs it"),
    ("[behaviour]\nelasticty = -0.1\n", "behaviour.elasticty: unknown key; allowed keys are "
     "best_fit, best_fit_plans, buy_overage_share, elasticity, ladder, return_share, "
     "upgrade_share"),
    ("[scenari]\nname = 'x'\n", ": scenari: unknown key (top level) (did you mean "
     "'scenario'?); allowed tables are behaviour, cost, plans, scenario"),
    ("[plans.claude_pro.limits.weekly]\nwindow = 'calendar_week'\nreset_weekday = 2\n",
     "reset_weekday: a weekday name (monday, tuesday, wednesday, thursday, friday, saturday, "
     "sunday), got 2"),
    ("[plans.claude_pro.limits.weekly]\nwindow = 'calendar_week'\nreset_weekday = 'wed'\n",
     "'wed' is not a weekday name; use one of monday, tuesday, wednesday,"),
    ("[plans.claude_pro]\nremove = true\nmove_to = 'claude_max_5x'\n"
     "[plans.claude_max_5x]\nremove = true\nmove_to = 'claude_max_20x'\n",
     "plans.claude_pro.move_to: 'claude_max_5x' is removed in this scenario"),
    # qa12D #8: move_to without remove = true, and keys beside remove = true, changed nothing
    ("[plans.free]\nmove_to = 'claude_pro'\n", "bad.toml: plans.free.move_to: only with "
     "remove = true: the plan stays, so its users do not move"),
    ("[plans.free]\nremove = false\nmove_to = 'claude_pro'\n",
     "plans.free.move_to: only with remove = true"),
    ("[plans.free]\nremove = true\nmove_to = 'claude_pro'\nprice_usd = 5\n",
     "bad.toml: plans.free.price_usd: plans.free is removed (remove = true), so price_usd "
     "changes nothing; drop it, or drop remove = true"),
    ("[plans.claude_pro.limits.weekly]\nremove = true\ncap = 5\n",
     "plans.claude_pro.limits.weekly.cap: plans.claude_pro.limits.weekly is removed"),
    ("[plans.api_tier_1.usage]\nremove = true\nrate_usd = 5\n",
     "plans.api_tier_1.usage.rate_usd: plans.api_tier_1.usage is removed"),
    # qa12D #4: a usage charge is checked as the plan catalog checks one
    ("[plans.claude_pro.usage]\nmeter = 'api_usd'\nrate_usd = -1.0\n",
     "bad.toml: plans.claude_pro.usage.rate_usd: must be zero or more, got -1.0"),
    ("[plans.claude_pro.usage]\nmeter = 'api_usd'\n", "bad.toml: plans.claude_pro.usage."
     "rate_usd: missing; the plan has no usage charge, so a new one needs meter and rate_usd"),
    ("[plans.claude_pro.usage]\nrate_usd = 1.0\n", "plans.claude_pro.usage.meter: missing"),
    ("[plans.api_tier_1.usage]\nrate_usd = -0.5\n",
     "plans.api_tier_1.usage.rate_usd: must be zero or more, got -0.5"),
    ("[plans.cursor_pro.overage]\nrate_usd = -2\n",
     "plans.cursor_pro.overage.rate_usd: must be zero or more, got -2.0"),
])
def test_bad_scenario_exits_2_with_one_line(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    code, _, err = run("whatif", str(FIXTURE), "--scenario", str(path))
    assert code == 2
    assert message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(("args", "message"), [
    (["whatif", str(FIXTURE), "--scenario", "missing.toml"], "file not found"),
    (["whatif", str(FIXTURE), "--scenario", "nonexist"], "nonexist: file not found; give a "
     "scenario TOML's path or the name of a shipped scenario: max20x_weekly_cap_overage, "
     "pro_price_25_elastic"),
    (["sweep", str(FIXTURE), "--scenario", "nonexist", "--grid",
      "plans.claude_pro.price_usd=10,20"], "shipped scenario: max20x_weekly_cap_overage"),
    (["optimize", str(FIXTURE), "--grid", "plans.claude_pro.price_usd=10,20", "--objective",
      "min:"], "--objective 'min:': give a metric after min:"),
    (["sweep", str(FIXTURE)], "--grid: give at least one"),
    (["sweep", str(FIXTURE), "--grid", "price=1,2"], "PATH starts with plans."),
    (["sweep", str(FIXTURE), "--grid", "plans.claude_pro.price_usd"], "write PATH=V1,V2"),
    (["sweep", str(FIXTURE), "--grid", "plans.claude_pro.price_usd=30:10:5"], "STOP at least"),
    (["sweep", str(FIXTURE), "--grid", "plans.nosuch.price_usd=1,2"], "--grid plans.nosuch."
     "price_usd=1: plans.nosuch: not in the catalog; known plans: free,"),
    (["sweep", str(FIXTURE), "--grid", "plans.claude_pro.price_usd=1,2", "--objective",
      "profit"], "metric 'profit': unknown"),
    (["optimize", str(FIXTURE), "--grid", "plans.claude_pro.price_usd=1,2", "--constraint",
      "margin_usd = 5"], "write METRIC OP VALUE"),
    (["optimize", str(FIXTURE), "--grid", "plans.claude_pro.price_usd=1,2", "--search",
      "random"], "--search 'random'"),
    (["optimize", str(FIXTURE), "--grid", "plans.claude_pro.price_usd=10,20", "-c",
      "median_margin_usd:nosuch >= 0"], "--constraint 'median_margin_usd:nosuch >= 0': metric "
     "'median_margin_usd:nosuch': plan 'nosuch' is not in the plan catalog or added by a "
     "scenario; known plans: api_tier_1,"),
    (["optimize", str(FIXTURE), "--grid", "plans.claude_pro.price_usd=10,20", "-c",
      "hit_share:claude_pro.nosuch < 0.1"], "plan 'claude_pro' has no limit 'nosuch'; its "
     "limits are session_5h, weekly"),
    (["optimize", str(FIXTURE), "--grid", "plans.claude_pro.price_usd=10,20", "-c",
      "hit_share:*.nosuch < 0.1"], "no plan has a limit 'nosuch'; the limits are "),
    (["optimize", str(FIXTURE), "--grid", "plans.claude_pro.price_usd=10,20", "-c",
      "hit_share:claude_*.nosuch < 0.1"], "no plan matching 'claude_*' has a limit 'nosuch'"),
    (["optimize", str(FIXTURE), "--grid", "plans.claude_pro.price_usd=10,20", "-c",
      "hit_share:claude_pro < 0.1"], "hit_share is per limit: write hit_share:PLAN.LIMIT"),
    (["optimize", str(FIXTURE), "--grid", "plans.claude_pro.price_usd=10,20", "-c",
      "margin_usd:claude_pro.weekly >= 0"], "margin_usd is per plan: write margin_usd:PLAN"),
    (["optimize", str(FIXTURE), "--grid", "plans.claude_pro.price_usd=10,20", "--objective",
      "margin_usd:nosuch"], "--objective: metric 'margin_usd:nosuch': plan 'nosuch' is not"),
    (["whatif", str(FIXTURE), *SCENARIOS, "--top", "-1"], "--top -1: must be at least 0 "
     "(users to list per scenario; 0 lists none)"),
    (["optimize", str(FIXTURE), "--grid", "plans.claude_pro.price_usd=10,20", "--top", "-1"],
     "--top -1: must be at least 1 (designs to report)"),
    (["optimize", str(FIXTURE), "--grid", "plans.claude_pro.price_usd=10,20", "--max-evals",
      "-1"], "--max-evals -1: must be at least 1"),
    (["sweep", str(FIXTURE), "--grid", "plans.claude_pro.limits.weekly.days=-5,5"],
     "plans.claude_pro.limits.weekly.days: must be more than zero, got -5"),
    (["sweep", str(FIXTURE), "--grid", "plans.claude_pro.price_usd=10,20", "--affected",
      "hit_share:nosuch.weekly"], "--affected: metric 'hit_share:nosuch.weekly': plan 'nosuch'"),
    (["sweep", str(FIXTURE), "--grid", "plans.claude_pro.price_usd=10,20", "--affected",
      "margin_usd"], "--affected 'margin_usd': give a share metric"),
    (["sweep", str(FIXTURE), "--grid", "plans.claude_pro.price_usd=10,20", "--affected",
      "profitable_share:claude_pro"], "--affected 'profitable_share:claude_pro': the frontier "
     "minimises --affected, and more profitable users is better"),
    # qa12D #5: `*` only in constraints (an objective or share with one read 0 everywhere)
    (["optimize", str(FIXTURE), "--grid", "plans.claude_pro.price_usd=10,20", "--objective",
      "margin_usd:*"], "--objective 'margin_usd:*': `*` works only in --constraint, where it "
     "means every plan; name one plan here (e.g. margin_usd:api_tier_1)"),
    (["sweep", str(FIXTURE), "--grid", "plans.claude_pro.price_usd=10,20", "--objective",
      "min:median_margin_usd:claude_*"], "--objective 'median_margin_usd:claude_*': `*` works "
     "only in --constraint"),
    (["sweep", str(FIXTURE), "--grid", "plans.claude_pro.price_usd=10,20", "--affected",
      "hit_share:*.weekly"], "--affected 'hit_share:*.weekly': `*` works only in --constraint"),
])
def test_bad_usage_exits_2_with_one_line(args: list[str], message: str) -> None:
    code, _, err = run(*args)
    assert code == 2
    assert message in err, err
    assert err.count("\n") == 1


def test_whatif_money_parts_add_up_to_revenue_and_keys_are_clean() -> None:
    """Revenue is its four labelled parts (the API-tier user's usage charges included), and
    the JSON metric names carry no terminal indentation."""
    code, out, _ = run("whatif", str(FIXTURE), *SCENARIOS, "--format", "json")
    assert code == 0
    rows = {r["metric"]: r for r in json.loads(out)["whatif_money"]["rows"]}
    assert all(m == m.strip() for m in rows)
    parts = ["subscriptions", "prepaid credits", "overage charges", "usage charges"]
    for col in ("baseline", "scenario_1", "scenario_2", "delta_1", "delta_2"):
        assert rows["revenue"][col] == pytest.approx(sum(rows[p][col] for p in parts))
    assert rows["usage charges"]["baseline"] == pytest.approx(1.5189 + 6.0756, abs=1e-3)


def test_optimize_and_sweep_write_grid_values_as_numbers() -> None:
    grid = ["--grid", "plans.claude_pro.price_usd=10,19.99,30",
            "--grid", "plans.claude_pro.overage.policy=block"]
    code, out, err = run("optimize", str(FIXTURE), *grid, "--format", "json")
    assert code == 0, err
    best = json.loads(out)["optimize_best"]["rows"]
    code, out, err = run("sweep", str(FIXTURE), *grid, "--format", "json")
    assert code == 0, err
    points = json.loads(out)["sweep_points"]["rows"]
    for rows in (best, points):
        assert sorted(r["plans.claude_pro.price_usd"] for r in rows) == [10, 19.99, 30]
        assert {r["plans.claude_pro.overage.policy"] for r in rows} == {"block"}
    code, out, _ = run("optimize", str(FIXTURE), *grid, "--format", "markdown")
    assert code == 0 and "| 19.99 |" in out  # shown as given, not rounded to 20


def test_metric_names_are_the_names_metrics_gives(evaluator) -> None:  # type: ignore[no-untyped-def]
    """check_metrics knows exactly the names ``metrics`` writes (plans with users)."""
    m = metrics(evaluator.baseline)
    with_users = {k: v for k, v in plan_limits(evaluator.baseline_catalog).items()
                  if f"users:{k}" in m}
    assert set(m) == metric_names(with_users)


def test_library_sweep_and_optimize_reject_unknown_plans_and_limits(evaluator) -> None:  # type: ignore[no-untyped-def]
    axes = [parse_axis("plans.claude_pro.price_usd=10,20")]
    points = grid_points(axes)
    scen = point_scenarios(None, points)
    with pytest.raises(ConfigError, match=r"--affected: metric 'hit_share:claude_pro\.nosuch'"):
        sweep(evaluator, scen, points, affected="hit_share:claude_pro.nosuch")
    with pytest.raises(ConfigError, match="--objective: metric 'margin_usd:nosuch'"):
        optimize(evaluator, None, axes, "margin_usd:nosuch", [])
    with pytest.raises(ConfigError, match=r"no plan has a limit 'nosuch'"):
        optimize(evaluator, None, axes, "margin_usd",
                 [parse_constraint("hit_share:*.nosuch < 0.1")])


def test_plans_and_limits_of_a_design_or_without_users_are_known(evaluator) -> None:  # type: ignore[no-untyped-def]
    """A tier or limit a scenario adds is a known name; a catalog plan nobody is on reads 0."""
    base = parse_scenario({"plans": {"max_lite": {
        "name": "Max Lite", "price_usd": 50.0, "limits": {"daily": {
            "meter": "claude_credits", "window": "calendar_day", "cap": 1e6}}}}}, "b.toml")
    axes = [parse_axis("plans.max_lite.price_usd=40,60")]
    res = optimize(evaluator, base, axes, "margin_usd:chatgpt_pro",
                   [parse_constraint("hit_share:max_lite.daily <= 0.5"),
                    parse_constraint("hit_share:*.daily <= 0.5")])
    assert res.best[0].objective == 0.0 and res.best[0].feasible


def test_library_rejects_negative_counts(evaluator) -> None:  # type: ignore[no-untyped-def]
    axes = [parse_axis("plans.claude_pro.price_usd=10,20")]
    with pytest.raises(ConfigError, match=r"top \(-1\) and max_evals \(2000\) must be at"):
        optimize(evaluator, None, axes, "margin_usd", [], top=-1)
    with pytest.raises(ConfigError, match=r"top \(5\) and max_evals \(-1\) must be at"):
        optimize(evaluator, None, axes, "margin_usd", [], max_evals=-1)
    with pytest.raises(ConfigError, match=r"top \(-1\) must be zero or more"):
        whatif_tables(evaluator, [], top=-1)


def test_a_change_of_rounding_noise_reads_as_no_change() -> None:
    assert delta(789.35 + 4.5e-13, 789.35) == 0.0
    assert delta(1e-12, 0.0) == 0.0
    assert delta(789.36, 789.35) == pytest.approx(0.01)


def test_a_change_carries_no_float_noise() -> None:
    """qa13B: whatif_people's delta_1 read -0.112499999999997 for 79.8875 - 80 (exact
    -0.1125): a change is rounded to the 15 significant digits of the larger figure, the
    precision JSON writes each figure to."""
    assert 79.8875 - 80.0 != -0.1125
    assert delta(79.8875, 80.0) == -0.1125
    assert delta(159.775, 160.0) == -0.225 and delta(41.9875, 42.0) == -0.0125
    assert delta(789.36, 789.35) == 0.01
    assert delta(0.624628383664528, 0.625) == -0.000371616335472
    assert delta(2.0, 1.0) == 1.0 and delta(-3.0, 0.5) == -3.5
