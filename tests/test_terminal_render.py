"""Terminal tables never cut a figure short: a table wider than the terminal is printed in
blocks of columns, each repeating the key columns. Amounts never print in exponent form, and
names from the logs never as rich markup."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import write_csv
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.render.formats import human, render_text, to_csv, to_json
from planalyzer.render.terminal import print_tables
from planalyzer.tables import Col, Table


def render(t: Table, width: int) -> str:
    out = io.StringIO()
    print_tables(Console(file=out, width=width, color_system=None, force_terminal=False), [t])
    return out.getvalue()


def wide_table(n_cols: int, values: list[float]) -> Table:
    cols = [Col("plan"), Col("month")] + [Col(f"m{i}_usd", "usd", f"measure number {i}")
                                          for i in range(n_cols)]
    rows = [(f"plan_{j}", "2026-10", *[v * (i + 1) for i in range(n_cols)])
            for j, v in enumerate(values)]
    return Table("wide", "A wide table", cols, rows)


@settings(max_examples=40, deadline=None)
@given(n_cols=st.integers(1, 14), width=st.integers(40, 140),
       values=st.lists(st.floats(-1e7, 1e7, allow_nan=False), min_size=1, max_size=4))
def test_every_figure_printed_whole(n_cols: int, width: int, values: list[float]) -> None:
    t = wide_table(n_cols, values)
    text = render(t, width)
    assert "…" not in text
    for row in t.rows:
        for c, v in zip(t.columns, row, strict=True):
            assert human(v, c) in text
    blocks = text.count("A wide table")
    for j in range(len(values)):  # the key column is repeated in every block
        assert text.count(f"plan_{j} ") == blocks


def test_narrow_terminal_splits_into_continued_blocks() -> None:
    text = render(wide_table(12, [1234.5, -0.5]), 80)
    assert "(continued, 2/" in text
    assert all(len(line) <= 80 for line in text.splitlines() if "━" in line)


def test_unit_prices_keep_three_significant_figures() -> None:
    rate = Col("x_usd_per_mtok", "usd_rate")
    assert [human(v, rate) for v in (25.149, 0.012345, 4.84e-05, 0.0, -0.5, 1234.6, 0.025,
                                     0.0025, 0.1, 0.999)] == [
        "$25.15", "$0.0123", "$0.0000484", "$0.00", "-$0.50", "$1,235", "$0.025", "$0.0025",
        "$0.10", "$0.999"]



def test_amounts_below_a_dollar_keep_three_significant_figures() -> None:
    usd = Col("x_usd", "usd")
    assert [human(v, usd) for v in (0.012345, 0.0054, 7e-06, 4.5e-05, 4.547e-13, -4.547e-13,
                                    0.5, 0.104, 1.5, 99.994, 1234.5, -0.0, -12.345)] == [
        "$0.0123", "$0.0054", "$0.000007", "$0.000045", "$0.00", "$0.00", "$0.50", "$0.104",
        "$1.50", "$99.99", "$1,234", "$0.00", "-$12.35"]
    assert human(99.997, usd) == "$100" and human(-99.996, usd) == "-$100"
    assert human(-1e-6, Col("x_share", "share")) == "0.0%"


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_amounts_never_in_exponent_form(v: float) -> None:
    text = human(v, Col("x_usd", "usd"))
    assert "e" not in text and text.count("$") == 1
    assert float(text.replace("$", "").replace(",", "")) == pytest.approx(v, rel=0.005,
                                                                          abs=0.005)


def test_negative_zero_is_written_as_zero() -> None:
    t = Table("t", "T", [Col("loss_usd", "usd")], [(-0.0,)])
    assert to_csv([t]) == "loss_usd\n0.0\n"
    assert json.loads(to_json([t]))["t"]["rows"] == [{"loss_usd": 0.0}]
    assert '"loss_usd": 0.0' in to_json([t])


def test_names_from_the_logs_are_not_read_as_markup(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A model or user named like a rich tag prints as it is (it crashed the report)."""
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "u.csv", ["user_id", "ts", "model", "input_tokens", "output_tokens"],
              [["bob[/i]", "2026-10-01T00:00:00Z", "acme[/bold]", 10, 5],
               ["[red]eve", "2026-10-01T00:01:00Z", "[red]acme", 10, 5]])
    report = CliRunner().invoke(app, ["report", "u.csv", "--assign", "*=claude_pro", "--no-fit",
                                      "--by", "user"])
    costs = CliRunner().invoke(app, ["costs", "u.csv"])
    for result in (report, costs):
        assert result.exit_code == 0, result.output
        assert "acme[/bold]" in result.output and "[red]acme" in result.output
    assert "bob[/i]" in report.output and "[red]eve" in report.output
    assert "Add a [[route]] or [model.NAME]" in report.output


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=1e-9, max_value=999.0, allow_nan=False))
def test_unit_price_is_within_half_a_percent_of_its_value(v: float) -> None:
    shown = float(human(v, Col("p", "usd_rate")).removeprefix("$").replace(",", ""))
    assert abs(shown - v) <= 0.005 * v + 0.005 * (v >= 1)


def test_row_levels_indent_the_first_cell_on_a_terminal_only() -> None:
    t = Table("money", "Money", [Col("metric"), Col("usd", "usd")],
              [("revenue", 3.0), ("subscriptions", 2.0), ("usage charges", 1.0)],
              levels=(0, 1, 1))
    lines = render(t, 80).splitlines()
    assert any(line.startswith("  revenue ") for line in lines)
    assert any(line.startswith("    subscriptions ") for line in lines)
    assert any(line.startswith("    usage charges ") for line in lines)
    for fmt in ("json", "csv", "markdown"):
        text = render_text([t], fmt)
        assert "  subscriptions" not in text and "subscriptions" in text, fmt


def test_csv_writes_each_tables_notes_as_comment_lines() -> None:
    """A table's notes follow its ``# name`` line (one table: they come first), one line each."""
    a = Table("a", "A", [Col("x")], [(1,)], notes=["first\nsecond", "bell \x07"])
    b = Table("b", "B", [Col("y")], [(2,)])
    assert to_csv([a, b]) == ("# a\n# note: first second\n# note: bell \\x07\nx\n1\n"
                              "\n# b\ny\n2\n")
    assert to_csv([a]).startswith("# note: first second\n")
