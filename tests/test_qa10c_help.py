"""Help that can be followed, units and defaults said, usage errors in one line (QA round 10 C,
finding 6)."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from planalyzer.cli import app, main
from planalyzer.whatif.sweep import parse_axis

ROOT = Path(__file__).resolve().parent.parent
COMMANDS: Any = typer.main.get_command(app)


def test_help_examples_name_paths_that_exist() -> None:
    for name, cmd in COMMANDS.commands.items():
        example = (cmd.help or "").split("Example", 1)[-1]
        assert "exports/" not in example, name
        for path in re.findall(r"\bsample_logs/[\w/.]+", example):
            assert (ROOT / path).exists(), (name, path)


def test_top_level_help_summaries_are_whole_sentences() -> None:
    res = CliRunner().invoke(app, ["--help"], terminal_width=100)
    assert res.exit_code == 0
    commands = res.output.split("Commands:", 1)[1]
    assert "..." not in commands, commands
    assert "planalyzer demo" in res.output


def test_period_options_say_their_default() -> None:
    for command in ("report", "whatif", "sweep", "optimize"):
        params = {p.name: p for p in COMMANDS.commands[command].params}
        assert "default: every month" in params["month"].help, command
        assert "default" in params["since"].help and "default" in params["until"].help


def test_grid_says_the_cap_unit_and_takes_suffixes() -> None:
    params = {p.name: p for p in COMMANDS.commands["sweep"].params}
    assert "meter units" in params["grid"].help and "40M" in params["grid"].help
    assert parse_axis("plans.x.limits.weekly.cap=40M:60M:10M").values == (40e6, 50e6, 60e6)
    assert parse_axis("plans.x.limits.weekly.cap=1.5k,2M,3e6,free").values == (
        1500, 2_000_000, 3e6, "free")


def test_demo_and_generate_quiet_say_nothing_of_rejected_rows() -> None:
    for command in ("demo", "generate"):
        params = {p.name: p for p in COMMANDS.commands[command].params}
        assert "rejected" not in params["quiet"].help


def _main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
          *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["planalyzer", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    return int(exit_.value.code or 0), capsys.readouterr().err


@pytest.mark.parametrize("args, said", [
    (("report", "x.csv", "--fixed-cost", "$100,000"), "'--fixed-cost': '$100,000': write the "
     "amount without thousands separators (a comma may be a decimal comma): 100000, 100_000, "
     "1e5 or 100k"),
    (("report", "x.csv", "--fixed-cost", "lots"), "'lots': not an amount in USD; write 100000"),
    (("report", "x.csv", "--project", "3", "--usage-growth", "ten%"),
     "'--usage-growth': 'ten%': not a percentage; write 10 or 10% for 10% a month"),
    (("report", "--month"), "'--month' requires an argument"),
    (("whatif", "x.csv"), "max20x_weekly_cap_overage"),
    (("report", "--no-such-option"), "--no-such-option"),
])
def test_usage_errors_are_one_line_exit_2(monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str],
                                          args: tuple[str, ...], said: str) -> None:
    code, err = _main(monkeypatch, capsys, *args)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
    assert said in err and "--help" in err


def test_main_still_exits_0_on_success_and_help(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert _main(monkeypatch, capsys, "plans", "-f", "csv")[0] == 0
    assert _main(monkeypatch, capsys, "report", "--help")[0] == 0
    code, err = _main(monkeypatch, capsys, "report", "no/such/file.csv")
    assert code == 2 and "no such file" in err
