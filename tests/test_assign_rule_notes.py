"""An --assign rule that sets no user's plan (a typo, the wrong case, a rule shadowed by an
earlier catch-all) is said, in the report and the what-if commands, where it was silently
ignored (qa10C #3)."""

from __future__ import annotations

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.plans import AssignRule, assign_plans, assign_rule_notes, load_plan_catalog

SMALL = str(FIXTURES / "report_small.csv")  # users alice, bob, carol ... zed
CASE = ("--assign 'A*=claude_pro' matched no user, so it sets no plan (user ids are "
        "case-sensitive: it would match alice in another case)")
TYPO = ("--assign 'x*=claude_pro' matched no user, so it sets no plan (check the pattern; "
        "user ids look like alice)")
SHADOWED = ("--assign 'bob=claude_max_20x' sets no plan: the 1 user(s) it matches are matched "
            "first by the earlier --assign '*=free' (the first rule that matches a user wins: "
            "give the narrower rule first)")


def test_rules_that_set_no_plan_are_named() -> None:
    catalog = load_plan_catalog(None)
    rules = [AssignRule("A*", "claude_pro"), AssignRule("x*", "claude_pro"),
             AssignRule("*", "free"), AssignRule("bob", "claude_max_20x")]
    users = [("alice", None), ("bob", None), ("carol", None)]
    notes = assign_rule_notes(rules, assign_plans(users, catalog, rules))
    assert notes == [CASE, TYPO, SHADOWED]


def test_rules_that_match_give_no_note() -> None:
    catalog = load_plan_catalog(None)
    rules = [AssignRule("bob", "claude_max_20x"), AssignRule("*", "free")]
    a = assign_plans([("alice", None), ("bob", None)], catalog, rules)
    assert assign_rule_notes(rules, a) == []
    assert [(m.users, m.won) for m in a.rule_matches] == [(1, 1), (2, 1)]


_RULES = ["--assign", "A*=claude_pro", "--assign", "x*=claude_pro", "--assign", "*=free",
          "--assign", "bob=claude_max_20x"]


@pytest.mark.parametrize("command", [
    ["report", SMALL, "--no-fit"],
    ["whatif", SMALL, "-s", "pro_price_25_elastic"],
    ["sweep", SMALL, "--grid", "plans.claude_pro.price_usd=20,25"],
])
def test_commands_say_so(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, *_RULES])
    assert result.exit_code == 0, result.output
    text = " ".join((result.stdout + result.stderr).split())
    for note in (CASE, TYPO, SHADOWED):
        assert note in text
