"""Report periods: an inverted range or a period with no events is an error (exit 2) saying
what the logs cover, never an empty report with exit 0."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import write_csv
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


def _error(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    return result.stderr.strip()


def test_inverted_range_is_an_error(good: str) -> None:
    err = _error(["report", good, "--since", "2026-10-05", "--until", "2026-10-01"])
    assert err == ("error: --since 2026-10-05 is after --until 2026-10-01: the period is empty; "
                   "give a first day on or before the last")


def test_inverted_range_is_an_error_in_the_library() -> None:
    with pytest.raises(ConfigError, match="--since 2026-10-05 is after --until 2026-10-01"):
        Period(since=date(2026, 10, 5), until=date(2026, 10, 1))


def test_month_with_no_events_says_what_the_logs_cover(good: str) -> None:
    err = _error(["report", good, "--month", "2025-01"])
    assert err == ("error: no events in the report period (2025-01): the logs cover 2026-10-01 "
                   "to 2026-11-03 (2026-10 to 2026-11, in UTC); give --month or --since/--until "
                   "inside it")


def test_range_with_no_events_says_what_the_logs_cover(good: str) -> None:
    err = _error(["report", good, "--since", "2027-01-01", "--timezone", "Asia/Tokyo"])
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
