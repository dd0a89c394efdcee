"""Amounts below a cent show three significant figures of the figure itself on a terminal and
in markdown, not of its 6-decimal rounding ($0.0000663, not $0.000066), while JSON and CSV
write 6 decimals; the source checks' difference_share is written to 6 decimals too (qa12A
finding 4)."""

from __future__ import annotations

from pathlib import Path

from conftest import cli_json, write_csv
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.pricing_step import price
from planalyzer.render.formats import human
from planalyzer.store import LoadOptions, Store
from planalyzer.tables import Col

HEADER = ["event_id", "ts", "user_id", "model", "input_tokens", "output_tokens", "requests",
          "logged_cost_usd"]


def _events(tmp_path: Path) -> Path:
    # one small Sonnet request (its GPU cost well under a hundredth of a cent), and two
    # requests of two each whose logged cost is a little under their list value
    return write_csv(tmp_path / "ev.csv", HEADER, [
        ["t1", "2026-11-03T09:00:00Z", "tiny", "claude-sonnet-4-5", 300, 20, 1, ""],
        ["b1", "2026-11-04T09:00:00Z", "bulk", "claude-sonnet-4-5", 100_001, 10_000, 2, 0.5],
        ["b2", "2026-11-05T09:00:00Z", "bulk", "claude-sonnet-4-5", 100_003, 10_000, 2, 1.0]])


def test_a_tiny_amount_shows_three_significant_figures(tmp_path: Path) -> None:
    ev = _events(tmp_path)
    with Store() as store:
        store.load([str(ev)], LoadOptions())
        price(store.con)
        ((gpu,),) = store.con.execute("SELECT gpu_cost_usd FROM priced_events "
                                      "WHERE user_id = 'tiny'").fetchall()
    assert gpu is not None and 0 < gpu < 1e-4  # below 1e-4, 6 decimals keep two figures
    usd = Col("gpu_cost_usd", "usd")
    shown = human(gpu, usd)
    assert shown != human(round(gpu, 6), usd)
    assert len(shown.removeprefix("$0.").lstrip("0")) == 3
    args = ["report", str(ev), "--assign", "*=claude_pro", "--by", "user"]
    md = CliRunner().invoke(app, [*args, "--format", "markdown"])
    assert md.exit_code == 0, md.output
    tiny_row = next(line for line in md.stdout.splitlines() if line.startswith("| tiny |"))
    assert f"| {shown} |" in tiny_row
    doc = cli_json(args)
    row = next(r for r in doc["users"]["rows"] if r["user_id"] == "tiny")
    assert row["gpu_cost_usd"] == round(gpu, 6)  # JSON: 6 decimals, as documented


def test_difference_share_is_written_to_6_decimals(tmp_path: Path) -> None:
    doc = cli_json(["report", str(_events(tmp_path)), "--assign", "*=claude_pro"])
    (row,) = doc["logged_cost_check"]["rows"]
    share = (row["logged_cost_usd"] - row["api_value_usd"]) / row["api_value_usd"]
    assert row["difference_share"] == round(share, 6) != share
