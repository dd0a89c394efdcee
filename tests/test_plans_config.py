"""The plan catalog is strict: one test per bad-config case; the shipped catalog loads."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from planalyzer.errors import ConfigError
from planalyzer.plans import (
    NO_PLAN,
    assign_plans,
    load_plan_catalog,
    parse_assign,
)

GOOD = """
[meter.req]
unit = "requests"
[[meter.req.weight]]
models = "*"
request = 1

[plan.p]
name = "P"
price_usd = 10
source = "test"
as_of = "2026-11-22"
[[plan.p.limit]]
name = "s"
meter = "req"
window = "rolling"
hours = 5
cap = 10
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "plans.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_default_catalog_loads_with_sources_and_dates() -> None:
    cat = load_plan_catalog()
    assert {"claude_pro", "claude_max_5x", "claude_max_20x", "copilot_pro", "free",
            "api_tier_1", "cursor_pro", "chatgpt_plus"} <= set(cat.plans)
    for p in cat.plans.values():
        assert p.source and p.as_of
    assert cat.plans["claude_pro"].estimated
    assert cat.plans["copilot_pro"].overage.rate_usd == 0.04


def test_good_catalog(tmp_path: Path) -> None:
    cat = load_plan_catalog(write(tmp_path, GOOD))
    assert cat.plans["p"].limits[0].window.length_us == 5 * 3_600_000_000


@pytest.mark.parametrize(("old", "new", "message"), [
    ('price_usd = 10', 'price_usd = 10\nprise = 1', "plan.p.prise: unknown key"),
    ('price_usd = 10', 'price_usd = "ten"', "plan.p.price_usd: expected number"),
    ('cap = 10', 'cap = -1', "plan.p.limit[0].cap: must be zero or more"),
    ('cap = 10', '', "plan.p.limit[0].cap: missing"),
    ('meter = "req"\nwindow', 'meter = "tokens"\nwindow', "meter 'tokens' is not defined"),
    ('window = "rolling"', 'window = "fortnight"', "is not one of rolling"),
    ('hours = 5', '', "a rolling window needs hours or days"),
    ('hours = 5', 'hours = 5\nreset_time = "25:00"', "only calendar windows reset"),
    ('request = 1', 'request = 1\ncolour = 2', "meter.req.weight[0].colour: unknown key"),
    ('request = 1', 'request = true', "meter.req.weight[0].request: expected number"),
    ('as_of = "2026-11-22"', '', "plan.p.as_of: missing"),
    ('cap = 10', 'cap = 10\n[plan.p.overage]\npolicy = "refund"', "is not block, payg"),
    ('cap = 10', 'cap = 10\n[plan.p.overage]\npolicy = "payg"', "overage.meter: missing"),
    ('cap = 10', 'cap = 10\n[plan.p.overage]\npolicy = "credits"\nmeter = "req"\n'
     'rate_usd = 1', "credits_usd: missing"),
    ('[plan.p]', '[other]\nx = 1\n[plan.p]', "catalog.other: unknown key"),
    ('name = "P"', 'name = "P"\noverage = 3', "plan.p.overage: expected table"),
])
def test_bad_config_names_key_and_file(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ConfigError) as exc:
        load_plan_catalog(path)
    assert message in str(exc.value)
    assert str(path) in str(exc.value)


def test_calendar_window_with_bad_reset(tmp_path: Path) -> None:
    text = GOOD.replace('window = "rolling"\nhours = 5',
                        'window = "calendar_week"\nreset_weekday = "funday"')
    with pytest.raises(ConfigError, match="reset_weekday"):
        load_plan_catalog(write(tmp_path, text))


def test_not_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_plan_catalog(write(tmp_path, "[plan\n"))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_plan_catalog(tmp_path / "nope.toml")


def test_assignment_order_rules_file_logs() -> None:
    cat = load_plan_catalog()
    rules = parse_assign(["team-*=claude_max_5x"], cat)
    a = assign_plans([("team-1", "Claude Pro"), ("u2", "Claude Pro"), ("u3", None),
                      ("u4", "mystery"), ("u5", None)], cat, rules, {"u3": "cursor_pro"})
    assert a.plan_of == {"team-1": "claude_max_5x", "u2": "claude_pro", "u3": "cursor_pro",
                         "u4": NO_PLAN, "u5": NO_PLAN}
    assert a.unknown_logged == {"mystery": 1}
    with pytest.raises(ConfigError, match="unknown plan"):
        parse_assign(["*=nope"], cat)
    with pytest.raises(ConfigError, match="USER_GLOB=PLAN"):
        parse_assign(["claude_pro"], cat)


def test_library_does_not_import_ui() -> None:
    import subprocess

    code = ("import sys, planalyzer.plans, planalyzer.caps, planalyzer.analysis, "
            "planalyzer.report, planalyzer.report_tables, planalyzer.pricing_step; "
            "assert 'typer' not in sys.modules and 'rich' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


def test_calendar_window_label_says_when_it_resets() -> None:
    """qa7F polish: a week resetting Wednesday 09:00 was labelled only "calendar week (TZ)"."""
    from planalyzer.plans import Window

    week = Window("calendar_week", timezone="America/New_York", reset_weekday="wednesday",
                  reset_time="09:00")
    assert week.describe() == "calendar week from Wed 09:00 (America/New_York)"
    assert Window("calendar_week").describe() == "calendar week from Mon 00:00 (UTC)"
    assert Window("calendar_day", reset_time="06:30").describe() == "calendar day from 06:30 (UTC)"
    assert Window("calendar_month").describe() == "calendar month (UTC)"
