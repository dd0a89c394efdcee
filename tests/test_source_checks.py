"""Checks of the logs against planalyzer's assumptions: aggregated buckets, logged cost, and
the rate limits Codex logged against the plan catalog's caps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, event_row, write_parquet
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.plans import load_plan_catalog
from planalyzer.pricing_step import price
from planalyzer.source_checks import (
    aggregated_note,
    logged_cost_table,
    rate_limit_check_table,
    source_checks,
)
from planalyzer.sources.mapping import MappingSpec
from planalyzer.store import LoadOptions, Store


def test_aggregated_buckets_are_named() -> None:
    with Store() as store:
        store.load([str(FIXTURES / "openai_usage" / "completions_by_user_model.json")],
                   LoadOptions())
        buckets, requests = store.con.sql(
            "SELECT count(*), sum(requests) FROM events WHERE requests > 1").fetchall()[0]
        note = aggregated_note(store.con)
    assert buckets > 0
    assert note is not None and note.startswith(f"{buckets:,} of ")
    assert f"({requests:,} requests" in note


def test_buckets_without_a_request_count_are_named() -> None:
    """Anthropic's usage report logs no request count: every row is a day's bucket with an
    estimated count (prompt tokens / 80,000, at least 1), said like any other aggregated
    source's, and said to be an estimate."""
    with Store() as store:
        store.load([str(FIXTURES / "anthropic_usage" / "claude_code_report.json")],
                   LoadOptions())
        events = store.events_count()
        assert store.con.sql("SELECT max(requests) FROM events").fetchall()[0][0] == 12
        note = aggregated_note(store.con)
    assert note is not None and note.startswith(f"{events:,} of {events:,} events")
    assert f"{events:,} of them come from exports that log no request count" in note


def test_single_requests_need_no_note(tmp_path: Path) -> None:
    with Store() as store:
        store.load([str(write_parquet(tmp_path / "e.parquet", [event_row()]))], LoadOptions())
        assert aggregated_note(store.con) is None
        price(store.con)
        assert logged_cost_table(store.con) is None
        assert rate_limit_check_table(store.con, load_plan_catalog()) is None


def test_logged_cost_beside_computed() -> None:
    with Store() as store:
        store.load([str(FIXTURES / "openrouter" / "activity.csv")], LoadOptions())
        price(store.con)
        table = logged_cost_table(store.con)
        expect = dict(store.con.sql(
            "SELECT model, sum(logged_cost_usd) FROM priced_events "
            "WHERE logged_cost_usd IS NOT NULL GROUP BY model").fetchall())
    assert table is not None
    rows = table.as_dicts()
    assert {r["model"]: r["logged_cost_usd"] for r in rows} == pytest.approx(expect)
    for r in rows:
        if r["model"] == "deepseek/deepseek-r1":  # no list price: unknown, never a guess
            assert r["api_value_usd"] is None
            continue
        # OpenRouter's version-first Claude names are priced like the vendor's spelling
        assert r["api_value_usd"] > 0
        assert r["disagrees"] == (abs(r["difference_share"]) > 0.05)


BYOK_EXPORT = (
    "generation_id,created_at,cost_total,byok_usage_inference,tokens_prompt,tokens_completion,"
    "tokens_reasoning,tokens_cached,model_permaslug,provider_name,user,api_key_name\n"
    # the same gpt-5 request (10,000 in, 1,000 out: $0.0225 at list) three times: with the
    # user's own OpenAI key (OpenRouter's 5% BYOK fee in cost_total, the inference in
    # byok_usage_inference), on OpenRouter's credits, and with an unreadable BYOK cell
    "gen-1,2026-10-01 10:00:00,0.001125,0.0225,10000,1000,0,0,openai/gpt-5-2025-08-07,OpenAI,"
    "ann,k\n"
    "gen-2,2026-10-01 10:01:00,0.0225,0,10000,1000,0,0,openai/gpt-5-2025-08-07,OpenAI,ann,k\n"
    "gen-3,2026-10-01 10:02:00,0.001125,n/a,10000,1000,0,0,openai/gpt-5-2025-08-07,OpenAI,"
    "ann,k\n")


def test_openrouter_byok_logged_cost_holds_the_inference(tmp_path: Path) -> None:
    """qa18C #3: a BYOK request's cost_total is only OpenRouter's fee; its inference, paid to
    the user's own provider key, is byok_usage_inference. The logged cost is their sum, so the
    check sets what the request cost against list value (not the fee: -46%, 'stale catalog')."""
    f = tmp_path / "openrouter-activity.csv"
    f.write_text(BYOK_EXPORT)
    with Store() as store:
        report = store.load([str(f)], LoadOptions())
        costs = store.con.sql("SELECT logged_cost_usd FROM events ORDER BY event_id").fetchall()
        price(store.con)
        table = logged_cost_table(store.con)
    assert costs == [(pytest.approx(0.023625, rel=1e-12),), (0.0225,), (None,)]
    assert report.files[0].kept_without == {"logged cost": 1}  # n/a: kept, cost unknown
    assert "logged_cost_usd = cost_total + byok_usage_inference" in report.files[0].mapping
    assert table is not None
    (row,) = table.as_dicts()
    assert row["logged_cost_usd"] == pytest.approx(0.046125, rel=1e-12)
    assert row["api_value_usd"] == pytest.approx(0.045, rel=1e-12)
    assert row["difference_share"] == pytest.approx(0.025) and row["disagrees"] is False
    assert any(n.startswith("logged cost of 1 OpenRouter export(s) = cost_total + "
                            "byok_usage_inference per request") for n in table.notes)
    # --map naming the logged cost reads that column alone
    with Store() as store:
        store.load([str(f)], LoadOptions(mapping=MappingSpec(
            explicit={"logged_cost_usd": "cost_total"})))
        costs = store.con.sql("SELECT logged_cost_usd FROM events ORDER BY event_id").fetchall()
        price(store.con)
        table = logged_cost_table(store.con)
    assert costs == [(0.001125,), (0.0225,), (0.001125,)]
    assert table is not None and not any("byok" in n for n in table.notes)


def _codex_like(tmp_path: Path) -> tuple[Store, str]:
    rows = [event_row(ts=f"2026-10-10T0{h}:00:00Z", user_id="me", model="gpt-5",
                      input_tokens=100_000, cache_read_tokens=0, output_tokens=10_000)
            for h in range(1, 5)]
    path = str(write_parquet(tmp_path / "rollout.parquet", rows).resolve())
    store = Store()
    store.load([path], LoadOptions())
    price(store.con)
    return store, path


def _reading(store: Store, path: str, ts: str, window: str, minutes: int, pct: float,
             plan_type: str = "plus", limit_id: str | None = None,
             limit_name: str | None = None) -> None:
    store.con.execute(
        "INSERT INTO rate_limit_snapshots BY NAME SELECT $s AS source, "
        "$ts::TIMESTAMPTZ AS ts, 'me' AS user_id, $p AS plan_type, $w AS \"window\", "
        "$m AS window_minutes, $pct AS used_percent, $id AS limit_id, $name AS limit_name",
        {"s": path, "ts": ts, "p": plan_type, "w": window, "m": minutes, "pct": pct,
         "id": limit_id, "name": limit_name}).fetchall()


def test_rate_limits_imply_a_cap(tmp_path: Path) -> None:
    store, path = _codex_like(tmp_path)
    with store:
        # at 03:30 the 5-hour window (from 22:30 the day before) holds the 01:00-03:00 requests
        in_window = store.con.sql(
            "SELECT sum(api_value_usd) FROM priced_events "
            "WHERE ts <= TIMESTAMPTZ '2026-10-10 03:30:00+00'").fetchall()[0][0]
        _reading(store, path, "2026-10-10T03:30:00Z", "primary", 300, 40.0)
        _reading(store, path, "2026-10-10T03:30:00Z", "secondary", 10080, 2.0)  # too coarse
        _reading(store, path, "2026-10-10T04:30:00Z", "primary", 300, 50.0, "team")
        table = rate_limit_check_table(store.con, load_plan_catalog())
    assert table is not None
    (row,) = table.as_dicts()
    assert row["plan"] == "chatgpt_plus" and row["window"] == "5 h"
    assert row["readings"] == 1
    assert row["implied_cap"] == pytest.approx(in_window / 0.40)
    assert row["catalog_cap"] == 5.0
    assert row["implied_to_catalog_share"] == pytest.approx(in_window / 0.40 / 5.0)
    assert "no catalog limit to check for: team 5 h" in table.notes[1]


def test_source_checks_collects_what_applies(tmp_path: Path) -> None:
    store, path = _codex_like(tmp_path)
    with store:
        _reading(store, path, "2026-10-10T03:30:00Z", "primary", 300, 40.0)
        notes, tables = source_checks(store.con, load_plan_catalog())
    assert notes == [] and [t.name for t in tables] == ["rate_limit_check"]


def test_report_shows_logged_cost() -> None:
    res = CliRunner().invoke(app, ["report", str(FIXTURES / "openrouter" / "activity.csv"),
                                   "--no-fit", "-f", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["logged_cost_check"]["rows"]


REPORT_SOURCES = ["claude_code/users", "codex/home", "openrouter/activity.csv",
                  "litellm/spend_logs.csv", "litellm/daily_user_spend.csv",
                  "helicone/requests.jsonl", "langfuse/observations.csv",
                  "openai_usage/completions_by_user_model.json",
                  "anthropic_usage/messages_by_account.json",
                  "anthropic_usage/claude_code_report.json"]


@pytest.mark.parametrize("fixture", REPORT_SOURCES)
def test_report_runs_unchanged_on_every_source(fixture: str) -> None:
    res = CliRunner().invoke(app, ["report", str(FIXTURES / fixture), "-f", "json",
                                   "--assign", "*=claude_max_5x"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    with Store() as store:
        store.load([str(FIXTURES / fixture)], LoadOptions())
        users = store.con.sql("SELECT count(DISTINCT user_id) FROM events").fetchall()[0][0]
    plans = doc["plans"]["rows"]
    assert sum(r["subscribers"] for r in plans) == users
    assert all(r["plan"] == "claude_max_5x" for r in plans)


def test_logged_cost_of_a_model_with_no_list_price_is_unknown() -> None:
    """Helicone's gpt-4o-mini has no list price in the shipped catalog: its list value and
    the difference are empty and it is not flagged as disagreeing (it was $0, 'yes')."""
    with Store() as store:
        store.load([str(FIXTURES / "helicone" / "requests.csv")], LoadOptions())
        price(store.con)
        table = logged_cost_table(store.con)
    assert table is not None
    rows = {r["model"]: r for r in table.as_dicts()}
    mini = rows["gpt-4o-mini"]
    assert mini["logged_cost_usd"] > 0
    assert mini["api_value_usd"] is None and mini["difference_share"] is None
    assert mini["disagrees"] is None
    assert any(n.startswith("no API list price for: gpt-4o-mini") for n in table.notes)


def _rollout_299(home: Path) -> Path:
    """A Codex rollout as the CLI writes it: windows of 299 and 10079 minutes, resets_at set."""
    import datetime as dt

    folder = home / "sessions" / "2026" / "11" / "02"
    folder.mkdir(parents=True)
    sid = "0199a0b1-7c2d-7e3f-8a9b-00000000000b"
    start = dt.datetime(2026, 11, 2, 6, tzinfo=dt.UTC)
    lines: list[dict[str, object]] = [
        {"timestamp": "2026-11-02T05:59:00.000Z", "type": "session_meta",
         "payload": {"id": sid, "timestamp": "2026-11-02T05:59:00.000Z", "cwd": "/x",
                     "originator": "codex_cli_rs", "cli_version": "0.46.0"}},
        {"timestamp": "2026-11-02T05:59:01.000Z", "type": "turn_context",
         "payload": {"cwd": "/x", "model": "gpt-5"}}]
    for k in range(1, 4):
        last = {"input_tokens": 100_000, "cached_input_tokens": 0, "output_tokens": 10_000,
                "reasoning_output_tokens": 0, "total_tokens": 110_000}
        total = {key: v * k for key, v in last.items()}
        lines.append({
            "timestamp": f"2026-11-02T0{5 + k}:00:00.000Z", "type": "event_msg",
            "payload": {"type": "token_count",
                        "info": {"total_token_usage": total, "last_token_usage": last,
                                 "model_context_window": 272000},
                        "rate_limits": {
                            "primary": {"used_percent": 10.0 * k, "window_minutes": 299,
                                        "resets_at": int(start.timestamp()) + 300 * 60},
                            "secondary": {"used_percent": 10.0 * k, "window_minutes": 10079,
                                          "resets_at": int(start.timestamp()) + 10080 * 60},
                            "plan_type": "plus"}}})
    (folder / f"rollout-2026-11-02T05-59-00-{sid}.jsonl").write_text(
        "\n".join(json.dumps(x) for x in lines) + "\n")
    return home


def test_codex_windows_of_299_and_10079_minutes_match_the_catalog(tmp_path: Path) -> None:
    """Codex logs 299 / 10079 minutes for the 5-hour and weekly windows: they are checked
    against chatgpt_plus's limits, over windows that start at resets_at - 5 h (so the first
    turn, at the window's start, counts): each turn is $0.225 of gpt-5, 10% of the window."""
    from conftest import cli_json

    doc = cli_json(["me", "--codex-dir", str(_rollout_299(tmp_path / "codex")), "-q"])
    rows = {r["window"]: r for r in doc["rate_limit_check"]["rows"]}
    assert set(rows) == {"5 h", "week"}
    assert [(r["plan"], r["readings"]) for r in rows.values()] == [("chatgpt_plus", 3)] * 2
    assert rows["5 h"]["implied_cap"] == pytest.approx(2.25)
    assert rows["5 h"]["implied_p10"] == pytest.approx(2.25)
    assert rows["week"]["implied_cap"] == pytest.approx(2.25)
    assert not any("no catalog limit" in n for n in doc["rate_limit_check"]["notes"])


def test_readings_without_a_plan_type_are_said_or_checked_against_me_plan() -> None:
    from conftest import cli_json

    old = str(FIXTURES / "codex" / "old")
    check = cli_json(["me", "--codex-dir", old, "-q"])["rate_limit_check"]
    assert check["rows"] == []
    assert check["notes"][1] == (
        "readings that log no plan type (older Codex versions), not checked: 5 h, week "
        "(`planalyzer me --plan KEY` checks them against that plan)")
    assert not any("None" in n for n in check["notes"])
    rows = cli_json(["me", "--codex-dir", old, "--plan", "chatgpt_plus", "-q"]
                    )["rate_limit_check"]["rows"]
    assert [(r["plan"], r["window"], r["catalog_cap"]) for r in rows] == [
        ("chatgpt_plus", "5 h", 5.0), ("chatgpt_plus", "week", 40.0)]
