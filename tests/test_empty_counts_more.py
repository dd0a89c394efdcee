"""Verification round 9 E: empty request counts of tabular files are estimated, null token
counts of usage-API JSON are said, and related notes (fix9i)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import write_csv

from planalyzer.store import LoadOptions, Store

SONNET = "claude-sonnet-4-5-20250929"


def test_tabular_empty_request_cell_is_estimated(tmp_path: Path) -> None:
    """An empty requests cell was read as 1 request: a whole day priced as one request."""
    path = write_csv(tmp_path / "t.csv", ["user_id", "timestamp", "model", "input_tokens",
                                          "output_tokens", "requests"],
                     [["ann", "2026-10-01T00:00:00Z", SONNET, 5_000_000, 100_000, ""],
                      ["bob", "2026-10-01T00:00:00Z", SONNET, 5_000, 100, 3],
                      ["cy", "2026-10-01T00:00:00Z", SONNET, 5_000, 100, 0]])
    with Store() as store:
        report = store.load([str(path)], LoadOptions(bucket_prompt_tokens=50_000))
        got = dict(store.con.sql("SELECT user_id, requests FROM events").fetchall())
    assert got == {"ann": 100, "bob": 3}  # ceil(5M / 50,000); logged
    assert report.files[0].estimated_requests == 1
    assert report.files[0].rejected_by_reason == {"bad request count": 1}
    assert any("1 bucket row(s)" in n and "/ 50,000 rounded up" in n for n in report.notes)


def test_tabular_without_requests_column_is_one_request_a_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", ["user_id", "timestamp", "model", "input_tokens",
                                          "output_tokens"],
                     [["ann", "2026-10-01T00:00:00Z", SONNET, 5_000_000, 100_000]])
    with Store() as store:
        report = store.load([str(path)], LoadOptions(max_tokens=100_000_000))
        got = store.con.sql("SELECT requests FROM events").fetchall()
    assert got == [(1,)]
    assert report.files[0].estimated_requests == 0


def _result(user: str, **counts: int | None) -> dict[str, Any]:
    return {"object": "organization.usage.completions.result", "num_model_requests": 3,
            "user_id": user, "model": "gpt-4o-2024-08-06", **counts}


def test_openai_usage_json_null_counts_are_said(tmp_path: Path) -> None:
    """Null token counts loaded as 0 in silence; all null loaded as a 0-token bucket."""
    page = {"object": "page", "data": [{
        "object": "bucket", "start_time": 1790812800, "end_time": 1790899200, "results": [
            _result("u1", input_tokens=None, input_cached_tokens=None, output_tokens=None),
            _result("u2", input_tokens=5000, input_cached_tokens=None, output_tokens=None),
            _result("u3", input_tokens=5000, input_cached_tokens=0, output_tokens=7)]}],
        "has_more": False}
    path = tmp_path / "oai.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    with Store() as store:
        report = store.load([str(path)])
    fl = report.files[0]
    assert fl.rejected_by_reason == {"no token counts": 1}
    assert fl.empty_read_as_zero == {"input_cached_tokens": 1, "output_tokens": 1}
    assert any("1 row(s) had an empty output_tokens: read as 0" in n for n in report.notes)


def test_anthropic_usage_json_null_counts_are_said(tmp_path: Path) -> None:
    def res(account: str, **counts: int | None) -> dict[str, Any]:
        return {"account_id": account, "model": SONNET, "service_tier": "standard",
                "context_window": "0-200k", **counts}
    full = {"uncached_input_tokens": 1000, "cache_read_input_tokens": 0,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0}}
    page = {"data": [{"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-10-02T00:00:00Z",
                      "results": [
        res("a1", **full, output_tokens=None),
        res("a2", uncached_input_tokens=None, cache_read_input_tokens=None,
            cache_creation={"ephemeral_5m_input_tokens": None,
                            "ephemeral_1h_input_tokens": None}, output_tokens=None),
        res("a3", **full, output_tokens=20)]}], "has_more": False, "next_page": None}
    path = tmp_path / "anth.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    with Store() as store:
        report = store.load([str(path)])
        users = sorted(u for (u,) in store.con.sql("SELECT user_id FROM events").fetchall())
    fl = report.files[0]
    assert fl.format.startswith("anthropic-usage")
    assert users == ["a1", "a3"]
    assert fl.rejected_by_reason == {"no token counts": 1}
    assert fl.empty_read_as_zero == {"output_tokens": 1}


def test_report_note_names_the_bucket_prompt_tokens_loaded_with(tmp_path: Path) -> None:
    """The note said 'default 80,000' whatever value the store was loaded with."""
    from planalyzer.source_checks import aggregated_note

    path = _cc_report(tmp_path / "cc.json")
    with Store(tmp_path / "s.duckdb") as store:
        store.load([str(path)], LoadOptions(bucket_prompt_tokens=20_000))
    with Store(tmp_path / "s.duckdb") as store:
        note = aggregated_note(store.con)
    assert note is not None
    assert "N = 20,000 (--bucket-prompt-tokens as loaded; default 80,000)" in note
    with Store(tmp_path / "s.duckdb") as store:  # a row an older planalyzer wrote
        store.con.execute("UPDATE load_manifest SET read_options = NULL")
        note = aggregated_note(store.con)
    assert note is not None and "not recorded for files an older planalyzer loaded" in note


def test_openai_estimate_note_names_no_context_window(tmp_path: Path) -> None:
    page = {"object": "page", "data": [{
        "object": "bucket", "start_time": 1790812800, "end_time": 1790899200, "results": [
            _result("u1", input_tokens=400_000, input_cached_tokens=0, output_tokens=5)]}],
        "has_more": False}
    page["data"][0]["results"][0]["num_model_requests"] = None
    path = tmp_path / "oai.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    with Store() as store:
        report = store.load([str(path)])
    (note,) = [n for n in report.notes if "log no request count" in n]
    assert "context_window" not in note and "Anthropic" not in note


def _cc_report(path: Path) -> Path:
    doc = {"data": [{
        "date": "2026-10-01T00:00:00Z",
        "actor": {"type": "user_actor", "email_address": "ann@example.com"},
        "organization_id": "org-1", "customer_type": "subscription",
        "subscription_type": "enterprise", "core_metrics": {"num_sessions": 6},
        "model_breakdown": [{"model": SONNET, "tokens": {
            "input": 200_000, "output": 1_000, "cache_read": 800_000, "cache_creation": 0}}]}],
        "has_more": False, "next_page": None}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_me_takes_bucket_prompt_tokens_and_says_counts_are_estimates(tmp_path: Path) -> None:
    """`me` read usage reports but had no --bucket-prompt-tokens (its load note told the user
    to give one), its JSON notes did not say the request counts are estimates, and it said
    the report's user id came from 'an earlier planalyzer load' with no store used."""
    from conftest import cli_error, cli_json

    path = str(_cc_report(tmp_path / "cc.json"))
    doc = cli_json(["me", path, "--bucket-prompt-tokens", "20000", "-f", "json"])
    notes = " ".join(doc["me_monthly"]["notes"])
    assert "1 of your events are buckets of usage reports that log no request count " \
        "(50 requests): their request counts are estimates" in notes  # ceil(1M / 20,000)
    assert "N = 20,000 (--bucket-prompt-tokens as loaded" in notes
    assert "earlier planalyzer load" not in notes
    assert "usage reports that name their own user id(s) (ann@example.com (1 events))" in notes
    assert "--bucket-prompt-tokens 0" in cli_error(["me", path, "--bucket-prompt-tokens", "0"])
