"""`planalyzer me`: one subscriber's months, windows, rate limits and plan fit."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.errors import ConfigError, InputError
from planalyzer.me import (
    PlanLimits,
    load_my_usage,
    me_tables,
    my_sources,
    read_plans,
    rolling_windows,
)
from planalyzer.store import Store
from tests.conftest import FIXTURES, check_golden

CC = FIXTURES / "claude_code" / "single"
CODEX = FIXTURES / "codex" / "home"
PLANS = FIXTURES / "me" / "plans.toml"


def fixture_pricer(con: duckdb.DuckDBPyConnection) -> list[str]:
    """A stand-in for planalyzer.costs: $1 per million input/cache-write tokens, $0.1 per
    million cache reads, $5 per million output; GPU cost a tenth of that."""
    con.execute("""
        CREATE OR REPLACE TEMP VIEW priced_events AS
        SELECT e.*, v.api_value_usd, v.api_value_usd / 10 AS gpu_cost_usd
        FROM events AS e, LATERAL (SELECT (e.input_tokens + e.cache_write_tokens
              + e.cache_write_1h_tokens + 0.1 * e.cache_read_tokens + 5 * e.output_tokens)
              / 1e6 AS api_value_usd) AS v""").fetchall()
    return ["priced by the test fixture"]


def test_rolling_windows_open_at_first_request() -> None:
    t = [0, 100, 5 * 3600, 5 * 3600 + 1, 20 * 3600]
    ws = rolling_windows(t, ["m"] * 5, {"tokens": [1, 2, 3, 4, 5]}, 5 * 3600)
    assert [(w.start_epoch, w.meters["tokens"]) for w in ws] == [
        (0, 3.0), (5 * 3600, 7.0), (20 * 3600, 5.0)]


def test_me_tables_golden() -> None:
    with Store() as store:
        load_my_usage(store, [str(CC), str(CODEX)])
        tables = me_tables(store.con, "UTC", fixture_pricer, read_plans(PLANS))
    got = {t.name: {"rows": t.as_dicts(), "notes": t.notes} for t in tables}
    check_golden("me/tables.json", got)
    fit = {r["plan"]: r for r in got["me_plan_fit"]["rows"]}
    assert fit["large"]["fits"] and not fit["small"]["fits"]
    assert got["me_plan_fit"]["notes"][0].startswith("best fit: tokens")


def test_me_without_pricing_says_so() -> None:
    with Store() as store:
        load_my_usage(store, [str(CC)])
        tables = me_tables(store.con, "UTC", None, [PlanLimits("p", 20.0)])
    assert "need planalyzer.costs" in tables[0].notes[0]
    assert tables[0].column("api_value_usd") == [None]


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


def test_plans_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "p.toml"
    bad.write_text("[plan.x]\nprice_usd = 1\nlimit_day = 3\n")
    with pytest.raises(ConfigError, match=r"plan\.x\.limit_day is not a known key"):
        read_plans(bad)
    bad.write_text("[plan.x]\nprice_usd = \"a\"\n")
    with pytest.raises(ConfigError, match="wrong type"):
        read_plans(bad)
    bad.write_text("[plan.x]\nprice_usd = 1\nmeter = \"vibes\"\n")
    with pytest.raises(ConfigError, match="meter 'vibes'"):
        read_plans(bad)
