"""What a scenario's keys mean against the catalog (qa12D): a limit's window keys the scenario
leaves out keep the catalog's values, and keys that would be dropped or read wrongly are
refused with the key named."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import cli_error, cli_json
from whatif_helpers import FIXTURE

from planalyzer.errors import ConfigError
from planalyzer.plans import PlanCatalog, Window, load_plan_catalog
from planalyzer.whatif.scenario import apply_scenario, parse_scenario, with_values

PLANS = Path(__file__).resolve().parent.parent / "planalyzer" / "data" / "plans.toml"
ROLLING = 'window = "rolling"\ndays = 7\ncap = 5000000\n'


def _calendar_catalog(tmp_path: Path, reset_time: str = "09:00") -> Path:
    """The shipped catalog with claude_pro's weekly limit a calendar week from Friday
    ``reset_time`` in New York, its cap low enough to bind on the fixture."""
    text = PLANS.read_text(encoding="utf-8")
    start = text.index('[[plan.claude_pro.limit]]\nname = "weekly"')
    old = text[start:].split(ROLLING, 1)[0] + ROLLING
    new = old.replace(ROLLING, 'window = "calendar_week"\ntimezone = "America/New_York"\n'
                      f'reset_weekday = "friday"\nreset_time = "{reset_time}"\ncap = 2000000\n')
    out = tmp_path / f"plans_cw_{reset_time.replace(':', '')}.toml"
    out.write_text(text.replace(old, new), encoding="utf-8")
    return out


def _weekly(catalog: PlanCatalog, change: dict, grid: dict | None = None) -> Window:  # type: ignore[type-arg]
    scen = parse_scenario({"plans": {"claude_pro": {"limits": {"weekly": change}}}}, "s.toml")
    if grid:
        scen = with_values(scen, grid, "point")
    plan = apply_scenario(catalog, scen)[0].plans["claude_pro"]
    return next(lim.window for lim in plan.limits if lim.name == "weekly")


def test_one_window_key_keeps_the_others(tmp_path: Path) -> None:
    cat = load_plan_catalog(_calendar_catalog(tmp_path))
    ny = "America/New_York"
    assert _weekly(cat, {"reset_time": "10:00"}) == Window("calendar_week", 0.0, ny, "friday",
                                                           "10:00")
    assert _weekly(cat, {"reset_weekday": "monday"}) == Window("calendar_week", 0.0, ny,
                                                               "monday", "09:00")
    assert _weekly(cat, {}, {"plans.claude_pro.limits.weekly.timezone": "Asia/Tokyo"}) == \
        Window("calendar_week", 0.0, "Asia/Tokyo", "friday", "09:00")
    # another calendar kind keeps the time zone and reset time (a month has no weekday)
    assert _weekly(cat, {"window": "calendar_month"}) == Window("calendar_month", 0.0, ny,
                                                                "monday", "09:00")
    # to rolling: nothing of the calendar window carries over
    assert _weekly(cat, {"window": "rolling", "hours": 36}) == Window("rolling", 36.0)
    # a rolling window keeps its length when only the cap changes, or gets the new one
    shipped = load_plan_catalog(PLANS)
    assert _weekly(shipped, {"cap": 1.0}) == Window("rolling", 168.0)
    assert _weekly(shipped, {"days": 5}) == Window("rolling", 120.0)


def test_a_time_zone_on_a_rolling_limit_says_it_is_rolling() -> None:
    # qa12D #12: was "a rolling window needs hours or days (one)" for a limit with days = 7
    with pytest.raises(ConfigError, match=r"s.toml: plans.claude_pro.limits.weekly.timezone: "
                       r"only calendar windows reset at a time, and this limit's window is "
                       r"rolling 7 d; to make it a calendar window, set window = "):
        _weekly(load_plan_catalog(PLANS), {"timezone": "Europe/Paris"})


def test_changing_the_reset_time_equals_the_catalog_replay(tmp_path: Path) -> None:
    """qa12D #1: the what-if of reset_time = 10:00 is `report --plans` with 10:00 in the
    catalog (the weekday and time zone kept), plan by plan."""
    scen = tmp_path / "s.toml"
    scen.write_text('[plans.claude_pro.limits.weekly]\nreset_time = "10:00"\n',
                    encoding="utf-8")
    doc = cli_json(["whatif", str(FIXTURE), "--plans", str(_calendar_catalog(tmp_path)),
                    "--scenario", str(scen)])
    lim = [r for r in doc["whatif_limits"]["rows"] if r["limit"] == "weekly"
           and r["plan"] == "claude_pro"]
    assert {r["window"] for r in lim} == {
        "calendar week from Fri 09:00 (America/New_York)",
        "calendar week from Fri 10:00 (America/New_York)"}
    got = {r["plan"]: r for r in doc["whatif_plans"]["rows"] if r["scenario"] == 1}
    rep = cli_json(["report", str(FIXTURE), "--plans",
                    str(_calendar_catalog(tmp_path, "10:00"))])
    rows = [r for r in rep["plans"]["rows"] if r["plan"] == "claude_pro"]  # one a month
    for key in ("revenue_usd", "gpu_cost_usd", "margin_usd"):
        want = sum(r[key] for r in rows)
        assert got["claude_pro"][key] == pytest.approx(want, abs=1e-5), key
    base = {r["plan"]: r for r in doc["whatif_plans"]["rows"] if r["scenario"] == 0}
    assert base["claude_pro"]["gpu_cost_usd"] != got["claude_pro"]["gpu_cost_usd"]


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


ROUTE = "[[cost.route]]\nmodels = '*opus*'\nshare = 0.5\nto = 'claude-sonnet-4-5'\n"


@pytest.mark.parametrize(("grid", "message"), [
    # qa12D #7: the grid's fault, said as --grid PATH=VALUE, not as the base file's
    ("plans.claude_pro.pricee=1,2", "--grid plans.claude_pro.pricee=1: "
     "plans.claude_pro.pricee: unknown key"),
    ("plans.claude_pro.limits.weekly.cap=-1,2", "--grid plans.claude_pro.limits.weekly.cap=-1: "
     "plans.claude_pro.limits.weekly.cap: must be zero or more, got -1"),
    ("cost.route[0].share=0.2,1.5", "--grid cost.route[0].share=1.5: cost.route[0].share: "
     "must be between 0 and 1, got 1.5"),
    # qa12D #9: a route is named by its index
    ("cost.route.share=0.2", "--grid cost.route.share=0.2: cost.route is an array of tables "
     "([[cost.route]]): a grid varies the keys of the routes the base scenario defines"),
    ("cost.route[1].share=0.2", "--grid cost.route[1].share=0.2: cost.route[1]: no such "
     "route; the base scenario has cost.route[0]: "),
    ("cost.route[0]=0.2", "--grid cost.route[0]=0.2: name a key of cost.route[0], e.g. "
     "cost.route[0].share"),
])
def test_grid_errors_name_the_grid(tmp_path: Path, grid: str, message: str) -> None:
    base = _file(tmp_path, "base.toml", ROUTE)
    err = cli_error(["sweep", str(FIXTURE), "--scenario", str(base), "--grid", grid])
    assert message in err and "base.toml" not in err, err


def test_a_base_files_own_error_still_names_the_file(tmp_path: Path) -> None:
    base = _file(tmp_path, "base.toml", "[plans.claude_pro.overage]\npolicy = 'payg'\n"
                 "meter = 'api_usd'\n")
    err = cli_error(["sweep", str(FIXTURE), "--scenario", str(base), "--grid",
                     "plans.claude_pro.price_usd=20,25"])
    assert f"{base}: plans.claude_pro.overage.rate_usd: missing" in err, err


def test_a_route_without_a_base_says_where_routes_come_from() -> None:
    err = cli_error(["sweep", str(FIXTURE), "--grid", "cost.route[0].share=0.2,0.5"])
    assert "--grid cost.route[0].share=0.2: cost.route: the base scenario has no " \
           "[[cost.route]]" in err, err


def test_a_grid_cost_catalog_is_relative_to_the_working_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """qa12D #7: with a base in another folder, a --grid cost.catalog path was taken relative
    to the base file's folder; the base's own catalog still is."""
    def costs(usd: float) -> str:
        return "".join(f"[hardware.{hw}]\nusd_per_gpu_hour = {usd}\n"
                       for hw in ("A100", "H100", "H200", "B200", "MI300X"))

    _file(tmp_path, "work/c.toml", costs(4.0))
    _file(tmp_path, "work/sub/own.toml", costs(3.0))
    base = _file(tmp_path, "work/sub/base.toml", "[cost]\ncatalog = 'own.toml'\n")
    monkeypatch.chdir(tmp_path / "work")
    doc = cli_json(["sweep", str(FIXTURE), "--scenario", "sub/base.toml", "--grid",
                    "cost.catalog=c.toml,sub/own.toml"])
    rows = doc["sweep_points"]["rows"]
    assert [r["cost.catalog"] for r in rows] == ["c.toml", "sub/own.toml"]
    own = cli_json(["whatif", str(FIXTURE), "--scenario", str(base)])
    margin = next(r for r in own["whatif_money"]["rows"] if r["key"] == "margin_usd")
    assert rows[1]["margin_usd"] == pytest.approx(margin["scenario_1"], abs=1e-6)
    assert rows[0]["margin_usd"] != pytest.approx(rows[1]["margin_usd"])
    # the base's own catalog is found next to it when a grid varies something else
    cli_json(["sweep", str(FIXTURE), "--scenario", "sub/base.toml", "--grid",
              "plans.claude_pro.price_usd=20,25"])


def test_the_same_axis_twice_is_refused() -> None:
    # qa12D #6: the later --grid silently replaced the earlier's values in every point
    for cmd in ("sweep", "optimize"):
        err = cli_error([cmd, str(FIXTURE), "--grid", "plans.claude_pro.price_usd=20,25",
                         "--grid", "plans.claude_pro.price_usd=30"])
        assert "--grid plans.claude_pro.price_usd: given twice; list all its values in one " \
               "--grid (--grid plans.claude_pro.price_usd=20,25,30)" in err, err
    err = cli_error(["sweep", str(FIXTURE), "--grid", "cost.route[0].share=0.2",
                     "--grid", "cost.route.0.share=0.5"])
    assert "--grid cost.route[0].share: given twice" in err, err


def test_a_route_share_sweeps(tmp_path: Path) -> None:
    """qa12D #9: each point is the what-if of the base with that share."""
    base = _file(tmp_path, "base.toml", ROUTE)
    doc = cli_json(["sweep", str(FIXTURE), "--scenario", str(base), "--grid",
                    "cost.route.0.share=0.5,1"])
    rows = doc["sweep_points"]["rows"]
    assert [r["cost.route[0].share"] for r in rows] == [0.5, 1]
    one = cli_json(["whatif", str(FIXTURE), "--scenario", str(base)])
    margin = next(r for r in one["whatif_money"]["rows"] if r["key"] == "margin_usd")
    assert rows[0]["margin_usd"] == pytest.approx(margin["scenario_1"], abs=1e-6)
    assert rows[1]["margin_usd"] != pytest.approx(rows[0]["margin_usd"])


def test_a_remove_axis_may_sit_beside_the_keys_it_drops(tmp_path: Path) -> None:
    """qa12D #8: a scenario file refuses move_to without remove = true, but a sweep over
    remove = true, false with move_to is a fair question: the point that keeps the tier leaves
    move_to unused (its figures are the baseline's)."""
    doc = cli_json(["sweep", str(FIXTURE), "--grid", "plans.cursor_pro.remove=true,false",
                    "--grid", "plans.cursor_pro.move_to=cursor_ultra"])
    rows = doc["sweep_points"]["rows"]
    deltas = [r["objective_delta_usd"] for r in rows]
    assert deltas[1] == 0.0 and deltas[0] != 0
    base = _file(tmp_path, "b.toml", "[plans.claude_pro.limits.weekly]\ncap = 5\n")
    cli_json(["sweep", str(FIXTURE), "--scenario", str(base), "--grid",
              "plans.claude_pro.limits.weekly.remove=true,false"])
    err = cli_error(["sweep", str(FIXTURE), "--grid", "plans.free.move_to=claude_pro"])
    assert "--grid plans.free.move_to=claude_pro: plans.free.move_to: only with remove = " \
           "true" in err, err
