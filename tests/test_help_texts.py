"""Help texts say what the option does on that command, and agree between commands
(QA round 8 B, findings 6, 7 and 10)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from planalyzer.cli import app

ROOT = Path(__file__).resolve().parent.parent
COMMANDS: Any = typer.main.get_command(app)


def _option(command: str, name: str) -> Any:
    cmd = COMMANDS.commands[command]
    return next(p for p in cmd.params if name in getattr(p, "opts", ()) or p.name == name)


def _help(command: str, name: str) -> str:
    return getattr(_option(command, name), "help", "") or ""


def test_load_timezone_says_reports_take_their_own() -> None:
    text = _help("load", "--timezone")
    assert "reports take their own --timezone" in text
    assert "day/month boundaries in reports" not in text
    assert "day/month boundaries in reports" in _help("report", "--timezone")


def test_assign_says_what_it_overrides_everywhere() -> None:
    for command in ("report", "whatif", "sweep", "optimize"):
        assert "overrides the plan file and the logs' plan column" in _help(command, "--assign")


def test_whatif_scenario_is_a_list_of_str_like_the_other_repeatable_options() -> None:
    res = CliRunner().invoke(app, ["whatif", "--help"], terminal_width=200)
    assert res.exit_code == 0 and "--scenario <list[str]>" in res.output, res.output
    assert "shipped scenario" in _help("whatif", "--scenario")


def test_me_db_and_default_folders() -> None:
    db = _help("me", "--db")
    assert "report, costs and the what-if commands" not in db and "still read" in db
    paths = _help("me", "paths")
    for where in ("$CLAUDE_CONFIG_DIR", "~/.config/claude", "$CODEX_HOME", "~/.codex"):
        assert where in paths


def test_optimize_help_example_is_the_readme_s_feasible_one() -> None:
    doc = COMMANDS.commands["optimize"].help or ""
    example = " ".join(doc.split("Example:", 1)[1].split())
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").replace("\\\n", " ").split())
    assert example.startswith("planalyzer optimize sample_logs/parquet --grid")
    assert example in readme


def test_report_doc_synopsis_names_every_option() -> None:
    """docs/report.md's synopsis lacked --fit-plans and the load options (QA round 8 B)."""
    doc = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
    synopsis = doc.split("`planalyzer report SOURCES...", 1)[1].split("`\n", 1)[0]
    for p in COMMANDS.commands["report"].params:
        long = [o for o in getattr(p, "opts", ()) if o.startswith("--")]
        if long:
            assert re.search(re.escape(long[0]) + r"[ \]]", synopsis), long[0]
