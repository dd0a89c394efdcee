"""Vendor and proxy exports: detection from content, documented fields, golden loads."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, check_golden_json

from planalyzer.errors import InputError
from planalyzer.sources.registry import identify, resolve
from planalyzer.store import LoadOptions, Store
from tests.load_helpers import describe

CASES = {
    "openrouter/activity.csv": "openrouter",
    "litellm/spend_logs.csv": "litellm",
    "litellm/daily_user_spend.csv": "litellm-daily",
    "litellm/daily_end_user_spend.csv": "litellm-daily",
    "litellm/daily_team_spend.csv": "litellm-daily",
    "litellm/daily_tag_spend.csv": "litellm-daily",
    "helicone/requests.csv": "helicone",
    "helicone/requests.jsonl": "helicone",
    "helicone/export_tool.csv": "helicone",
    "helicone/request_api_response.json": "helicone",
    "langfuse/observations.jsonl": "langfuse",
    "langfuse/observations.csv": "langfuse",
    "langfuse/observations_usage_details.jsonl": "langfuse",
    "langfuse/observations_v2_page.json": "langfuse",
    "openai_usage/completions_by_user_model.json": "openai-usage",
    "openai_usage/dashboard_export.csv": "openai-usage",
    "openai_usage/buckets_list.json": "openai-usage",
    "openai_usage/completions_current_api.json": "openai-usage",
    "openai_usage/dashboard_current.csv": "openai-usage",
    "anthropic_usage/messages_by_account.json": "anthropic-usage",
    "anthropic_usage/claude_code_report.json": "anthropic-usage",
    "anthropic_usage/messages_buckets_list.json": "anthropic-usage",
    "anthropic_usage/analytics_usage_by_actor.json": "anthropic-usage",
}


@pytest.mark.parametrize("fixture", sorted(CASES))
def test_detected_from_content(fixture: str) -> None:
    (src,) = resolve([str(FIXTURES / fixture)])
    assert identify(src)[1].name == CASES[fixture]


@pytest.mark.parametrize("fixture", sorted(CASES))
def test_golden_load(fixture: str) -> None:
    with Store() as store:
        report = store.load([str(FIXTURES / fixture)])
        got = describe(store, report)
    assert all(f["rows_read"] == f["rows_loaded"] + f["rows_rejected"]  # type: ignore[index]
               + f["duplicates_dropped"] for f in got["files"])  # type: ignore[union-attr]
    check_golden_json(f"sources/{fixture.replace('/', '__')}.json", got)


def _events(fixture: str, sql: str) -> list[tuple[object, ...]]:
    with Store() as store:
        store.load([str(FIXTURES / fixture)])
        return store.con.execute(sql).fetchall()


def test_helicone_cost_is_divided_by_1e9() -> None:
    rows = _events("helicone/requests.csv", "SELECT logged_cost_usd FROM events ORDER BY ts")
    assert rows == [(9.543,), (0.000279,)]


def test_openai_cached_tokens_come_out_of_input() -> None:
    rows = _events("openai_usage/completions_by_user_model.json",
                   "SELECT user_id, input_tokens, cache_read_tokens, requests FROM events "
                   "ORDER BY ts, user_id")
    assert rows[0] == ("organization", 5000, 0, 3)
    assert rows[1] == ("user-abc", 40000, 60000, 40)


def test_openrouter_reasoning_is_inside_completion() -> None:
    rows = _events("openrouter/activity.csv",
                   "SELECT event_id, input_tokens, cache_read_tokens, output_tokens, "
                   "logged_cost_usd FROM events ORDER BY ts")
    assert rows[0] == ("gen-1759312800-aaa1", 200, 1000, 300, 0.0123)


def test_claude_code_report_plan_and_cost_in_cents() -> None:
    rows = _events("anthropic_usage/claude_code_report.json",
                   "SELECT user_id, plan, model, logged_cost_usd FROM events ORDER BY ALL")
    assert rows[0] == ("ann@example.com", "enterprise", "claude-haiku-4-5-20251001", 0.01)
    assert rows[1] == ("ann@example.com", "enterprise", "claude-sonnet-4-5-20250929", 10.25)
    assert rows[2][0] == "api_key:ci-bot"


def test_anthropic_messages_split_cache_writes() -> None:
    rows = _events("anthropic_usage/messages_by_account.json",
                   "SELECT user_id, input_tokens, cache_write_tokens, cache_write_1h_tokens, "
                   "cache_read_tokens FROM events ORDER BY ALL")
    assert ("user_01Abc", 1500, 500, 1000, 20000) in rows


def test_aggregated_sources_say_windows_are_approximate() -> None:
    with Store() as store:
        report = store.load([str(FIXTURES / "litellm" / "daily_user_spend.csv")])
    assert any("approximate" in n for n in report.notes)
    with Store() as store:
        report = store.load([str(FIXTURES / "litellm" / "spend_logs.csv")])
    assert report.notes == []


def test_forced_source_without_its_columns(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="no usable columns for user_id and ts"):
        Store().load([str(f)], LoadOptions(source="openrouter"))


def test_truncated_json_report(tmp_path: Path) -> None:
    f = tmp_path / "usage.json"
    text = (FIXTURES / "openai_usage" / "completions_by_user_model.json").read_text()
    f.write_text(text[:400])
    with pytest.raises(InputError, match="cannot be read as openai-usage"):
        Store().load([str(f)])
