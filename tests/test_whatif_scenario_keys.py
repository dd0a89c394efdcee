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
