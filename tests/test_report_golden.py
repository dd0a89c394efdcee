"""Golden output of `planalyzer report` on a small deterministic fixture, in every format.

Time zone, locale and width are pinned. Regenerate after an intended change with
``PLANALYZER_UPDATE_GOLDEN=1 pytest tests/test_report_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planalyzer.cli import app

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "report_small.csv"
ENV = {"COLUMNS": "120", "LINES": "50", "TZ": "UTC", "LC_ALL": "C", "NO_COLOR": "1",
       "TERM": "dumb"}
SUFFIX = {"table": "txt", "json": "json", "csv": "csv", "markdown": "md"}


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """JSON meta.sources names a source relative to the working folder: the golden files hold
    tests/fixtures/..., wherever pytest is started."""
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, ["report", str(FIXTURE), *args], env=ENV)
    return res.exit_code, res.stdout


@pytest.mark.parametrize("fmt", list(SUFFIX))
def test_report_golden(fmt: str) -> None:
    code, out = run("--format", fmt, "--top", "5")
    assert code == 0, out
    path = HERE / "golden" / f"report.{SUFFIX[fmt]}"
    if os.environ.get("PLANALYZER_UPDATE_GOLDEN"):
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8")


def test_fail_if_unprofitable_exits_1() -> None:
    code, _ = run("--format", "json", "--fail-if-unprofitable")
    assert code == 1
    code, _ = run("--format", "json", "--fail-if-unprofitable", "--assign", "*=claude_max_20x")
    assert code == 0


def test_month_filter_and_by_user() -> None:
    code, out = run("--format", "csv", "--month", "2026-09", "--by", "user", "--no-fit")
    assert code == 0
    # the notes name the logs' span; the rows hold no 2026-10
    rows = [line for line in out.splitlines() if not line.startswith("#")]
    assert "2026-10" not in "\n".join(rows)


def test_bad_month_is_usage_error() -> None:
    code, _ = run("--month", "2026-13")
    assert code == 2


def test_users_title_counts_the_rows_it_lists() -> None:
    """The title said "Top 20 unprofitable users" over 11 rows (QA round 8 B, finding 8)."""
    import json

    code, out = run("--format", "json", "--no-fit")
    assert code == 0, out
    assert json.loads(out)["users"]["title"] == "Unprofitable users by loss (1 user-month)"
    code, out = run("--format", "json", "--no-fit", "--assign", "*=free", "--top", "2")
    assert code == 0, out
    users = json.loads(out)["users"]
    losers = len(json.loads(run("--format", "json", "--no-fit", "--assign", "*=free")[1])
                 ["users"]["rows"])
    assert losers > 2 and len(users["rows"]) == 2
    assert users["title"] == f"Unprofitable users by loss (top 2 of {losers} user-months)"
