"""`sweep` and `optimize` say, as `whatif` does, how many users with no plan they leave out of
every figure (their baseline excluded those users' GPU cost without a word)."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

from planalyzer.cli import app

SMALL = str(FIXTURES / "report_small.csv")  # one of its users logged no plan
GRID = ["--grid", "plans.claude_pro.price_usd=20,25"]


def _doc(*args: str) -> dict[str, dict[str, list[str]]]:
    res = CliRunner().invoke(app, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    doc: dict[str, dict[str, list[str]]] = json.loads(res.stdout)
    return doc


def _whatif_note() -> str:
    """qa14B #7: whatif says so in its money table's notes (where a reader compares the
    baseline's GPU cost with the report's), as sweep and optimize do; it is no assumption of
    the scenario, so not in the Scenarios table."""
    doc = _doc("whatif", SMALL, "--scenario", "pro_price_25_elastic")
    notes = [n for n in doc["whatif_money"]["notes"] if "with no plan" in n]
    assert notes == ["1 user(s) with no plan left out"]
    assumptions = doc["whatif_scenarios"]["rows"][0]["assumptions"]  # type: ignore[index]
    assert "no plan" not in str(assumptions)
    assert not [n for t in doc.values() for n in t.get("notes", []) if "no plan" in n
                and t is not doc["whatif_money"]]
    return notes[0]


def test_whatif_says_who_has_no_plan_in_its_money_notes() -> None:
    assert _whatif_note()


@pytest.mark.parametrize(("command", "table"), [("sweep", "sweep_points"),
                                                ("optimize", "optimize_best")])
def test_sweep_and_optimize_say_who_has_no_plan(command: str, table: str) -> None:
    notes = _doc(command, SMALL, *GRID)[table]["notes"]
    assert notes.count(_whatif_note()) == 1


def test_no_note_when_every_user_has_a_plan() -> None:
    notes = _doc("sweep", SMALL, *GRID, "--assign", "*=claude_pro")["sweep_points"]["notes"]
    assert not [n for n in notes if "no plan" in n]
