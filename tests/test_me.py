"""`planalyzer me`: one subscriber's months, windows, rate limits and plan fit."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from conftest import FIXTURES, check_golden_json, cli_error
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.errors import ConfigError, InputError
from planalyzer.me import load_my_usage, me_tables, my_sources, rolling_windows, window_ids
from planalyzer.plans import Limit, load_plan_catalog
from planalyzer.plans import Window as PlanWindow
from planalyzer.store import Store

CC = FIXTURES / "claude_code" / "single"
CODEX = FIXTURES / "codex" / "home"
PLANS = FIXTURES / "me" / "plans.toml"


def test_rolling_windows_open_at_first_request() -> None:
    t = [0, 100, 5 * 3600, 5 * 3600 + 1, 20 * 3600]
    ws = rolling_windows(t, ["m"] * 5, {"tokens": [1, 2, 3, 4, 5]}, 5 * 3600)
    assert [(w.start_epoch, w.meters["tokens"]) for w in ws] == [
        (0, 3.0), (5 * 3600, 7.0), (20 * 3600, 5.0)]


def test_me_tables_golden() -> None:
    with Store() as store:
        load_my_usage(store, [str(CC), str(CODEX)])
        tables = me_tables(store.con, load_plan_catalog(PLANS), "UTC", your_plan="small")
        per_request = [int(r[0]) for r in store.con.sql(
            "SELECT input_tokens + cache_write_tokens + cache_write_1h_tokens + output_tokens "
            "FROM events ORDER BY ts, source, source_row").fetchall()]
    got = {t.name: {"rows": t.as_dicts(), "notes": t.notes} for t in tables}
    check_golden_json("me/tables.json", got)
    month = next(r for r in got["me_monthly"]["rows"] if r["usage"] == "both tools")
    tokens = (month["input_tokens"] + month["cache_write_tokens"]
              + month["cache_write_1h_tokens"] + month["output_tokens"])
    pool = [r for r in got["me_limits"]["rows"] if r["plan"] == "pool"]
    assert [(r["windows"], r["peak"]) for r in pool] == [(1, tokens)]  # one calendar month
    cost = {r["plan"]: r for r in got["me_plan_cost"]["rows"]}
    # payg past the pool: a request is billed once the month's total before it reached 2,000
    before = [sum(per_request[:i]) for i in range(len(per_request))]
    overage = sum(t for t, b in zip(per_request, before, strict=True) if b >= 2000)
    assert 0 < overage < tokens - 2000
    assert cost["pool"]["your_cost_usd"] == pytest.approx(10.0 + 0.001 * overage)
    assert not cost["small"]["serves_all"] and cost["small"]["blocked_requests"] > 0
    assert cost["large"]["serves_all"] and cost["small"]["yours"]
    assert got["me_plan_cost"]["notes"][0].startswith(
        "2026-10: on small you paid $20.00 for the usage of both tools")
    assert got["me_plan_cost"]["notes"][1] == (
        f"2026-10: best fit for the usage of both tools: pool at "
        f"${cost['pool']['your_cost_usd']:,.2f} (the cheapest of these plans that would have "
        "served every request)")
    assert month["api_value_usd"] > month["gpu_cost_usd"] > 0


def test_window_ids_follow_the_caps_engine_rules() -> None:
    t = [0, 100, 5 * 3600 * 10**6, 5 * 3600 * 10**6 + 1, 20 * 3600 * 10**6]
    df = pl.DataFrame({"t_us": t})
    lim = Limit("s", "tokens", PlanWindow("rolling", hours=5), 10.0)
    assert window_ids(df, lim).to_list() == [1, 1, 2, 2, 3]
    week = Limit("w", "tokens", PlanWindow("calendar_week", timezone="America/New_York",
                                           reset_weekday="monday", reset_time="00:00"), 1.0)
    # 2026-11-02 04:59 UTC is Sunday 23:59 in New York; 05:00 UTC is Monday 00:00 there.
    sun = 1793595540 * 10**6
    assert window_ids(pl.DataFrame({"t_us": [sun, sun + 60 * 10**6]}), week).to_list() == [1, 2]


def test_me_unknown_plan() -> None:
    with Store() as store:
        load_my_usage(store, [str(CC)])
        with pytest.raises(ConfigError, match="--plan 'nope': not in the plan catalog"):
            me_tables(store.con, load_plan_catalog(PLANS), your_plan="nope")


def test_me_cli_json() -> None:
    res = CliRunner().invoke(app, ["me", str(CC), "--codex-dir", str(CODEX), "-f", "json",
                                   "--plans", str(PLANS)])
    assert res.exit_code == 0, res.output
    assert '"me_monthly"' in res.output and '"me_rate_limits"' in res.output


def test_me_finds_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "nope"))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "nope2"))
    with pytest.raises(InputError, match="no Claude Code or Codex logs found"):
        my_sources([], None, None)
    res = CliRunner().invoke(app, ["me"])
    assert res.exit_code == 2
    assert "no Claude Code or Codex logs found" in res.output


def test_me_missing_dir(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such folder"):
        my_sources([], tmp_path / "missing", None)


@pytest.mark.parametrize(("option", "folder", "message"), [
    ("--claude-dir", "codex/home", "not a Claude Code folder (no projects/"),
    ("--codex-dir", "claude_code/single", "not a Codex folder (no sessions/"),
])
def test_me_dir_of_the_other_tool(option: str, folder: str, message: str) -> None:
    """A folder given as the other tool's is an error, not loaded as whatever it holds."""
    res = CliRunner().invoke(app, ["me", option, str(FIXTURES / folder)])
    assert res.exit_code == 2
    assert message in res.output and "Traceback" not in res.output


def test_me_usage_of_a_model_with_no_list_price(tmp_path: Path) -> None:
    """Its API value is unknown (never $0), and a plan that charges or caps by API value is
    neither priced nor the best fit for it."""
    src = next((CC / "projects").rglob("*0002.jsonl"))
    dest = tmp_path / "projects" / "p" / "s.jsonl"
    dest.parent.mkdir(parents=True)
    text = src.read_text(encoding="utf-8")
    dest.write_text(text.replace('"model":"claude-', '"model":"acme-claude-'), encoding="utf-8")
    with Store() as store:
        load_my_usage(store, [str(tmp_path)])
        tables = {t.name: t for t in me_tables(store.con, load_plan_catalog(), "UTC",
                                               your_plan="claude_pro")}
    (month,) = tables["me_monthly"].as_dicts()
    assert month["api_value_usd"] is None and month["gpu_cost_usd"] > 0
    cost = {r["plan"]: r for r in tables["me_plan_cost"].as_dicts()}
    assert cost["api_tier_1"]["your_cost_usd"] is None
    assert cost["claude_pro"]["your_cost_usd"] == 20.0
    notes = tables["me_plan_cost"].notes
    assert "of unknown API list value" in notes[0]
    assert notes[1].startswith("2026-10: best fit free at $0.00")
    assert any(n.startswith("empty = cannot be priced: ") for n in notes)


def test_me_says_rejected_rows_on_stderr() -> None:
    """Rows that could not be used are said, with their reasons, as report says them."""
    res = CliRunner().invoke(app, ["me", str(FIXTURES / "claude_code" / "quirks"), "-f", "json"])
    assert res.exit_code == 0, res.output
    assert res.stderr.startswith("rejected: negative token count x1, non-integer token count "
                                 "x1, unparseable timestamp x1")
    json.loads(res.stdout)  # stdout stays one JSON document
    quiet = CliRunner().invoke(app, ["me", str(FIXTURES / "claude_code" / "quirks"), "-q"])
    assert quiet.exit_code == 0 and quiet.stderr.startswith("rejected: negative token count")


def test_me_on_an_empty_projects_folder_says_what_it_looked_for(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh install (projects/ with no transcripts yet): the message names the Claude Code
    and Codex folders it looked in and why each gave nothing, and --db is not a source."""
    (tmp_path / ".claude" / "projects").mkdir(parents=True)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / ".claude"))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / ".codex"))
    msg = cli_error(["me"])
    assert "projects/ holds no .jsonl transcripts" in msg and ".codex: not there" in msg
    assert "looked for .csv" not in msg
    msg = cli_error(["me", "--db", str(tmp_path / "me.duckdb")])
    assert "--db" in msg and "report --db" in msg


def test_me_on_a_folder_without_transcripts(tmp_path: Path) -> None:
    (tmp_path / "stuff").mkdir()
    msg = cli_error(["me", str(tmp_path / "stuff")])
    assert "no Claude Code transcripts" in msg and "looked for .csv" not in msg


def test_me_monthly_keeps_the_cache_write_lifetimes_apart() -> None:
    """me_monthly.cache_write_tokens summed 5-minute and 1-hour writes while every other table
    (and the events schema) means 5-minute writes by it (QA round 8 B, finding 2)."""
    from conftest import cli_json

    load = cli_json(["load", str(CC), "-q"])["usage_summary"]["rows"][0]
    month = cli_json(["me", "--claude-dir", str(CC), "-q"])["me_monthly"]["rows"][0]
    assert load["cache_write_1h_tokens"] > 0  # the fixture has both lifetimes
    for key in ("cache_write_tokens", "cache_write_1h_tokens"):
        assert month[key] == load[key]
