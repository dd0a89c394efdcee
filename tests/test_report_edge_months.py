"""Billing months the logs cover only in part (a log starting on the 20th, ending on the 9th,
or a month made by --timezone out of a few hours) are billed a full month's price: the
report, what-if and the economics base say so (QA round 7, finding 1)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import cli_json, write_csv

from planalyzer.analysis import Period

HEADER = ["user_id", "ts", "model", "input_tokens", "output_tokens"]


@pytest.fixture
def partial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "p.csv", HEADER,
              [["u1", "2026-10-20T12:00:00Z", "claude-sonnet-4-5", 10, 5],
               ["u2", "2026-10-31T00:00:00Z", "claude-sonnet-4-5", 20, 7],
               ["u1", "2026-11-09T03:00:00Z", "claude-sonnet-4-5", 30, 9]])
    return "p.csv"


def _note(notes: list[str]) -> str:
    found = [n for n in notes if "covers part of a billing month" in n]
    assert len(found) == 1, notes
    return found[0]


def test_edge_months_of_the_logs_are_said(partial: str) -> None:
    doc = cli_json(["report", partial, "--no-fit", "--assign", "*=claude_pro"])
    note = _note(doc["plans"]["notes"])
    assert "(2026-10 from day 20, 2026-11 to day 9; the logs cover 2026-10-20 to 2026-11-09)" \
        in note and "full price" in note


def test_a_month_made_by_the_timezone_is_said(partial: str) -> None:
    """2026-10-20 12:00 UTC is not the first of a month, but 2026-10-31 00:00 UTC is
    2026-10-30 in Los Angeles; the month 2026-11 there holds only the 8th-9th."""
    doc = cli_json(["report", partial, "--no-fit", "--assign", "*=claude_pro",
                    "--timezone", "America/Los_Angeles"])
    assert "2026-11 to day 8" in _note(doc["plans"]["notes"])


def test_whole_months_say_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "w.csv", HEADER,
              [["u1", "2026-10-01T00:00:00Z", "claude-sonnet-4-5", 10, 5],
               ["u1", "2026-10-31T23:00:00Z", "claude-sonnet-4-5", 10, 5]])
    doc = cli_json(["report", "w.csv", "--no-fit", "--assign", "*=claude_pro"])
    assert not [n for n in doc["plans"]["notes"] if "part of a billing month" in n]


def test_month_option_leaves_out_the_partial_edge(partial: str) -> None:
    """--month 2026-10 reports only October: the note names October, never November."""
    doc = cli_json(["report", partial, "--no-fit", "--assign", "*=claude_pro",
                    "--month", "2026-10"])
    note = _note(doc["plans"]["notes"])
    assert "2026-10 from day 20" in note and "2026-11" not in note.split(";")[0]


def test_whatif_and_economics_say_it(partial: str) -> None:
    doc = cli_json(["whatif", partial, "--assign", "*=claude_pro", "-s",
                    "pro_price_25_elastic"])
    assert "2026-10 from day 20" in _note(doc["whatif_money"]["notes"])
    doc = cli_json(["report", partial, "--no-fit", "--assign", "*=claude_pro",
                    "--fixed-cost", "1000"])
    notes = [n for t in doc.values() if isinstance(t, dict) for n in t.get("notes", [])]
    assert any("base: the average of 2 billing months" in n and "covered only in part" in n
               for n in notes), notes


@pytest.mark.parametrize(("span", "months", "said"), [
    ((date(2026, 10, 1), date(2026, 11, 30)), None, []),
    ((date(2026, 9, 30), date(2026, 11, 30)), None, [("2026-09", 30, 30)]),
    ((date(2026, 10, 5), date(2026, 10, 25)), None, [("2026-10", 5, 25)]),
    ((date(2026, 10, 5), date(2026, 11, 25)), ["2026-11"], [("2026-11", 1, 25)]),
])
def test_partial_months(span: tuple[date, date], months: list[str] | None,
                        said: list[tuple[str, int, int]]) -> None:
    got = Period().partial_months(span, months)
    assert [(m, a.day, b.day) for m, a, b in got] == said


def test_projection_month_zero_is_labelled_as_the_average(partial: str) -> None:
    """Month +0 is the base (the average of the period's months), not the last month."""
    doc = cli_json(["report", partial, "--no-fit", "--assign", "*=claude_pro",
                    "--project", "1"])
    rows = doc["margin_projection"]["rows"]
    assert {r["month"] for r in rows if r["month_ahead"] == 0} == {
        "average 2026-10 to 2026-11"}
    assert {r["month"] for r in rows if r["month_ahead"] == 1} == {"2026-12"}


def test_csv_keeps_the_warning_as_a_comment_line(partial: str) -> None:
    """--format csv wrote no note at all: a redirected report lost the partial-month warning
    (QA round 8 B, finding 1). Notes follow their table's ``# name`` line as ``# note:``."""
    import io

    import polars as pl
    from typer.testing import CliRunner

    from planalyzer.cli import app

    res = CliRunner().invoke(app, ["report", partial, "--no-fit", "--assign", "*=claude_pro",
                                   "-f", "csv"])
    assert res.exit_code == 0, res.output
    blocks = res.stdout.split("\n\n")
    plans = next(b for b in blocks if b.startswith("# plans\n"))
    lines = plans.splitlines()
    notes = [ln for ln in lines if ln.startswith("# note: ")]
    assert any("covers part of a billing month" in n for n in notes)
    assert lines[1 + len(notes)].startswith("plan,month,")  # notes sit between name and header
    frame = pl.read_csv(io.StringIO(plans), comment_prefix="#")
    assert frame.columns[:2] == ["plan", "month"] and frame.height >= 1


def test_a_user_starting_mid_month_pays_the_full_price(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/report.md: no proration per user. In a month the logs cover in full, a user whose
    first request is on the 17th (a signup, or days without use: the logs cannot tell) pays
    the full price, as does one active all month; nothing calls the month partial."""
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "u.csv", HEADER,
              [["u1", "2026-10-01T00:00:00Z", "claude-sonnet-4-5", 10, 5],
               ["u1", "2026-10-31T23:00:00Z", "claude-sonnet-4-5", 10, 5],
               ["late", "2026-10-17T09:00:00Z", "claude-sonnet-4-5", 10, 5],
               ["late", "2026-11-03T09:00:00Z", "claude-sonnet-4-5", 10, 5]])
    doc = cli_json(["report", "u.csv", "--no-fit", "--assign", "*=claude_pro", "--by", "user",
                    "--month", "2026-10"])
    revenue = {r["user_id"]: r["revenue_usd"] for r in doc["users"]["rows"]}
    assert revenue == {"u1": 20.0, "late": 20.0}
    assert not [n for n in doc["plans"]["notes"] if "part of a billing month" in n]
