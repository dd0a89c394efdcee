"""Report periods: an inverted range or a period with no events is an error (exit 2) saying
what the logs cover, never an empty report with exit 0."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import cli_error, write_csv
from typer.testing import CliRunner

from planalyzer.analysis import Period
from planalyzer.cli import app
from planalyzer.errors import ConfigError

runner = CliRunner()


@pytest.fixture
def good(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "good.csv", ["user_id", "ts", "model", "input_tokens", "output_tokens"],
              [["u1", "2026-10-01T00:00:00Z", "claude-sonnet-4-5", 10, 5],
               ["u2", "2026-10-02T00:00:00Z", "claude-sonnet-4-5", 20, 7],
               ["u3", "2026-11-03T00:00:00Z", "claude-sonnet-4-5", 30, 9]])
    return "good.csv"




def test_inverted_range_is_ancli_error(good: str) -> None:
    err = cli_error(["report", good, "--since", "2026-10-05", "--until", "2026-10-01"])
    assert err == ("error: --since 2026-10-05 is after --until 2026-10-01: the period is empty; "
                   "give a first day on or before the last")


def test_inverted_range_is_an_error_in_the_library() -> None:
    with pytest.raises(ConfigError, match="--since 2026-10-05 is after --until 2026-10-01"):
        Period(since=date(2026, 10, 5), until=date(2026, 10, 1))


def test_month_with_no_events_says_what_the_logs_cover(good: str) -> None:
    err = cli_error(["report", good, "--month", "2025-01"])
    assert err == ("error: no events in the report period (2025-01): the logs cover 2026-10-01 "
                   "to 2026-11-03 (2026-10 to 2026-11, in UTC); give --month or --since/--until "
                   "for days with events")


def test_range_with_no_events_says_what_the_logs_cover(good: str) -> None:
    err = cli_error(["report", good, "--since", "2027-01-01", "--timezone", "Asia/Tokyo"])
    assert "no events in the report period (2027-01-01 to ...)" in err
    assert "the logs cover 2026-10-01 to 2026-11-03 (2026-10 to 2026-11, in Asia/Tokyo)" in err


def test_requested_month_without_events_is_a_note(good: str) -> None:
    result = runner.invoke(app, ["report", good, "--month", "2025-01", "--month", "2026-10",
                                 "--format", "json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {r["month"] for r in doc["plans"]["rows"]} == {"2026-10"}
    assert ("no events in billing month(s) 2025-01: the logs cover 2026-10-01 to 2026-11-03 "
            "(2026-10 to 2026-11, in UTC)") in doc["plans"]["notes"]


@pytest.mark.parametrize(("since", "until", "said"), [
    (date(2026, 10, 1), date(2026, 10, 3), "(2026-10 to day 3)"),
    (date(2026, 10, 2), None, "(2026-10 from day 2)"),
    (date(2026, 9, 15), date(2026, 10, 20), "(2026-09 from day 15, 2026-10 to day 20)"),
    (date(2026, 9, 1), date(2026, 10, 31), None),
    (None, date(2026, 2, 28), None),
    (None, None, None),
])
def test_part_of_a_billing_month_is_said(since: date | None, until: date | None,
                                         said: str | None) -> None:
    """Revenue is by the month: a period that cuts one says its margins read high."""
    note = Period(since=since, until=until).partial_note()
    if said is None:
        assert note is None
    else:
        assert note is not None and said in note and "full price" in note


def test_report_and_whatif_say_a_partial_month(good: str) -> None:
    for args in (["report", good, "--no-fit"], ["whatif", good, "-s", "pro_price_25_elastic"]):
        result = runner.invoke(app, [*args, "--assign", "*=claude_pro", "--since", "2026-10-01",
                                     "--until", "2026-10-03", "-f", "json"])
        assert result.exit_code == 0, result.output
        assert "covers part of a billing month (2026-10 to day 3)" in result.stdout


@pytest.mark.parametrize(("day", "why"), [
    ("2026-02-30", "that day does not exist (2026-02 has 28 days)"),
    ("2028-02-30", "that day does not exist (2028-02 has 29 days)"),
    ("2026-04-31", "that day does not exist (2026-04 has 30 days)"),
    ("2026-13-01", "there is no month 13 (01-12)"),
    ("2026/02/01", "write a date as YYYY-MM-DD")])
def test_a_day_that_does_not_exist_is_said(good: str, day: str, why: str) -> None:
    assert cli_error(["report", good, "--since", day]) == f"error: --since {day!r}: {why}"


@pytest.mark.parametrize(("month", "said"), [
    ("2026-10,2026-11", "write YYYY-MM, e.g. 2026-10; one month per --month, repeated: "
                        "--month 2026-10 --month 2026-11"),
    ("2026-10 2026-11 2026-12 2027-01", "write YYYY-MM, e.g. 2026-10; one month per --month, "
                                        "repeated: --month 2026-10 --month 2026-11 "
                                        "--month 2026-12 ..."),
    ("2026-13", "write YYYY-MM, e.g. 2026-10")])
def test_several_months_in_one_month_option_say_to_repeat_it(good: str, month: str,
                                                             said: str) -> None:
    assert cli_error(["report", good, "--month", month]) == f"error: --month {month!r}: {said}"
    with pytest.raises(ConfigError) as err:
        Period(months=(month,))
    assert str(err.value).endswith("write YYYY-MM, e.g. 2026-10")  # no option to repeat
