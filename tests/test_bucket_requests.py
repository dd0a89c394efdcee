"""Usage buckets that log no request count (Anthropic's usage reports): their counts are
estimated from their prompt tokens (QA round 9 E, finding 1); usage JSON error reasons and
messages (findings 4 and 5)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_error, cli_json, write_csv

from planalyzer.errors import InputError, UsageError
from planalyzer.pricing_step import price
from planalyzer.source_checks import aggregated_note
from planalyzer.sources.report_json import (
    DEFAULT_BUCKET_PROMPT_TOKENS,
    max_object_size,
    too_large_message,
)
from planalyzer.store import LoadOptions, Store

SONNET = "claude-sonnet-4-5-20250929"
# QA's repro: one heavy Claude Code day of one user (Anthropic's own estimate: $44.10)
DAY = {"input": 200_000, "output": 1_000_000, "cache_read": 50_000_000,
       "cache_creation": 2_000_000}
PROMPT = DAY["input"] + DAY["cache_read"] + DAY["cache_creation"]


def _claude_code_day(path: Path, tokens: dict[str, int] = DAY) -> Path:
    doc = {"data": [{
        "date": "2026-10-01T00:00:00Z",
        "actor": {"type": "user_actor", "email_address": "ann@example.com"},
        "organization_id": "org-1", "customer_type": "subscription",
        "subscription_type": "enterprise", "core_metrics": {"num_sessions": 6},
        "model_breakdown": [{"model": SONNET, "tokens": tokens,
                             "estimated_cost": {"currency": "USD", "amount": 4410}}]}],
        "has_more": False, "next_page": None}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _same_as_requests(path: Path, requests: int) -> Path:
    """The same tokens as a tabular row of ``requests`` explicit requests."""
    return write_csv(path, ["user_id", "timestamp", "model", "input_tokens",
                            "cache_creation_input_tokens", "cache_read_input_tokens",
                            "output_tokens", "requests"],
                     [["ann@example.com", "2026-10-01T00:00:00Z", SONNET, DAY["input"],
                       DAY["cache_creation"], DAY["cache_read"], DAY["output"], requests]])


def _priced(path: Path, opts: LoadOptions | None = None) -> tuple[int, float, float]:
    """(requests, GPU cost, API value) of one file's events."""
    with Store() as store:
        store.load([str(path)], opts or LoadOptions(max_tokens=100_000_000))
        price(store.con)
        requests, gpu, api = store.con.sql(
            "SELECT sum(requests), sum(gpu_cost_usd), sum(api_value_usd) FROM priced_events"
        ).fetchall()[0]
    return int(requests), float(gpu), float(api)


def test_heavy_claude_code_day_costs_about_what_its_requests_cost(tmp_path: Path) -> None:
    """52M tokens of one day were priced as ONE request (attention over a 52M context, long-
    context list prices): GPU cost $1,377 against $5.56 for the same tokens as 500 requests.
    Now the count is estimated (prompt / 80,000 = 653) and the cost is that of 653 requests."""
    requests, gpu, api = _priced(_claude_code_day(tmp_path / "cc.json"))
    assert requests == -(-PROMPT // DEFAULT_BUCKET_PROMPT_TOKENS) == 653
    same_requests = _priced(_same_as_requests(tmp_path / "653.csv", 653))
    assert (requests, gpu, api) == pytest.approx(same_requests)
    _, gpu_500, api_500 = _priced(_same_as_requests(tmp_path / "500.csv", 500))
    assert gpu == pytest.approx(gpu_500, rel=0.3)  # the old code: 250x
    assert api == pytest.approx(api_500)  # standard list prices, not long-context ones


def test_the_option_sets_the_assumed_mean_prompt(tmp_path: Path) -> None:
    path = _claude_code_day(tmp_path / "cc.json")
    requests, gpu, _ = _priced(path, LoadOptions(max_tokens=100_000_000,
                                                 bucket_prompt_tokens=40_000))
    assert requests == -(-PROMPT // 40_000) == 1305
    assert gpu < _priced(path)[1]  # smaller requests: less attention per token
    assert _priced(_claude_code_day(tmp_path / "small.json", {"input": 10, "output": 5}),
                   LoadOptions(bucket_prompt_tokens=1))[0] == 10
    # no prompt at all: still one request
    assert _priced(_claude_code_day(tmp_path / "none.json", {"output": 5}))[0] == 1


def test_the_option_is_a_read_option() -> None:
    assert LoadOptions(bucket_prompt_tokens=50_000).read_options() == ["--bucket-prompt-tokens"]
    assert LoadOptions().read_options() == []


def test_a_mean_below_one_token_is_refused(tmp_path: Path) -> None:
    path = str(_claude_code_day(tmp_path / "cc.json"))
    msg = cli_error(["load", path, "--bucket-prompt-tokens", "0"])
    assert "--bucket-prompt-tokens 0: must be at least 1" in msg
    # the library names the field, when the options are made (qa9D round 9 #6)
    with pytest.raises(UsageError, match=r"LoadOptions\.bucket_prompt_tokens -5"):
        LoadOptions(bucket_prompt_tokens=-5)


def _messages(path: Path, results: list[dict[str, Any]]) -> Path:
    doc = {"data": [{"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-10-02T00:00:00Z",
                     "results": results}], "has_more": False, "next_page": None}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _result(account: str, window: str, cache_read: int) -> dict[str, Any]:
    return {"uncached_input_tokens": 1_000, "cache_read_input_tokens": cache_read,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
            "output_tokens": 10_000, "account_id": account, "model": SONNET,
            "service_tier": "standard", "context_window": window}


def test_messages_context_window_sets_size_and_long_context_price(tmp_path: Path) -> None:
    """A '200k-1M' result holds requests whose prompts were above 200k: its mean request
    stays above 200k (billed at the long-context price, as Anthropic bills it); a '0-200k'
    result never has a mean above 200k, whatever mean is assumed."""
    unnamed = {k: v for k, v in _result("unnamed", "", 2_999_000).items()
               if k != "context_window"}
    path = _messages(tmp_path / "m.json", [_result("long", "200k-1M", 2_999_000),
                                          _result("short", "0-200k", 2_999_000), unnamed])
    for mean, short_requests in ((DEFAULT_BUCKET_PROMPT_TOKENS, 38), (500_000, 15)):
        with Store() as store:
            report = store.load([str(path)], LoadOptions(bucket_prompt_tokens=mean))
            assert report.files[0].estimated_requests == 3
            price(store.con)
            rows = dict(store.con.sql(
                "SELECT user_id, {'r': requests, 'api': api_value_usd} FROM priced_events"
            ).fetchall())
        assert rows["short"]["r"] == short_requests  # ceil(3M / 80k); ceil(3M / 200k)
        assert rows["unnamed"]["r"] == -(-3_000_000 // mean)  # no window: the mean only
        # floor(3M / 200,001) = 14 requests of 214k: long-context prices ($6 / $22.50 per M)
        long_requests = 14 if mean < 200_001 else 3_000_000 // mean
        assert rows["long"]["r"] == long_requests
        assert rows["long"]["api"] == pytest.approx(6.0 * 1_000 / 1e6 + 0.60 * 2.999
                                                    + 22.5 * 0.01)
        assert rows["short"]["api"] == pytest.approx(3.0 * 1_000 / 1e6 + 0.30 * 2.999
                                                     + 15.0 * 0.01)


def test_the_load_and_the_report_say_counts_are_estimates(tmp_path: Path) -> None:
    path = str(_claude_code_day(tmp_path / "cc.json"))
    doc = cli_json(["load", path, "--max-tokens", "100000000"])
    notes = " ".join(doc["load_accounting"]["notes"])
    assert "1 bucket row(s)" in notes and "/ 80,000 rounded up" in notes
    assert "--bucket-prompt-tokens" in notes
    with Store() as store:
        store.load([path], LoadOptions(max_tokens=100_000_000))
        note = aggregated_note(store.con)
    assert note is not None
    assert "1 of them come from exports that log no request count (anthropic-usage)" in note
    assert "prompt tokens / N" in note and "GPU cost depends on it" in note


def test_other_usage_exports_estimate_an_empty_request_count(tmp_path: Path) -> None:
    """An OpenAI usage result (JSON or CSV) with no num_model_requests was one request."""
    page = {"object": "page", "data": [{
        "object": "bucket", "start_time": 1790812800, "end_time": 1790899200, "results": [
            {"object": "organization.usage.completions.result", "input_tokens": 400_000,
             "input_cached_tokens": 0, "output_tokens": 10, "num_model_requests": None,
             "user_id": "u1", "model": "gpt-4o-2024-08-06"},
            {"object": "organization.usage.completions.result", "input_tokens": 400_000,
             "input_cached_tokens": 0, "output_tokens": 10, "num_model_requests": 2,
             "user_id": "u2", "model": "gpt-4o-2024-08-06"}]}], "has_more": False}
    (tmp_path / "oai.json").write_text(json.dumps(page), encoding="utf-8")
    csv = write_csv(tmp_path / "oai.csv", ["start_time", "end_time", "user_id", "model",
                                           "input_tokens", "input_cached_tokens",
                                           "output_tokens", "num_model_requests"],
                    [[1790812800, 1790899200, "u3", "gpt-4o-2024-08-06", 400_000, 0, 10, ""],
                     [1790812800, 1790899200, "u4", "gpt-4o-2024-08-06", 400_000, 0, 10, 2]])
    for path in (tmp_path / "oai.json", csv):
        with Store() as store:
            report = store.load([str(path)])
            assert report.files[0].format.startswith("openai-usage")
            assert report.files[0].estimated_requests == 1
            got = sorted(store.con.sql("SELECT requests FROM events").fetchall())
        assert got == [(2,), (5,)]  # logged; ceil(400,000 / 80,000)


def test_openai_json_cached_above_input_says_so(tmp_path: Path) -> None:
    """Cached tokens above the input that includes them (or cached tokens with no input)
    were rejected as 'negative token count', unlike the same rows of tabular exports."""
    def result(user: str, inp: int | None, cached: int) -> dict[str, Any]:
        return {"object": "organization.usage.completions.result", "input_tokens": inp,
                "input_cached_tokens": cached, "output_tokens": 20, "num_model_requests": 2,
                "user_id": user, "model": "gpt-4o-2024-08-06"}
    page = {"object": "page", "data": [{
        "object": "bucket", "start_time": 1790812800, "end_time": 1790899200,
        "results": [result("u1", 1000, 1005), result("u2", None, 300),
                    result("u3", -4, 0), result("u4", 500, 100)]}], "has_more": False}
    path = tmp_path / "oai.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    with Store() as store:
        report = store.load([str(path)])
    assert report.files[0].rejected_by_reason == {
        "cache reads above the input count that includes them": 2,
        "negative token count": 1}


def _page(pad: int, start: int = 1790812800) -> dict[str, Any]:
    return {"object": "page", "data": [{
        "object": "bucket", "start_time": start, "end_time": start + 3600, "results": [
            {"object": "organization.usage.completions.result", "input_tokens": 1000,
             "input_cached_tokens": 5, "output_tokens": 20, "num_model_requests": 4,
             "user_id": "u1", "model": "gpt-4o-2024-08-06"}]}],
        "has_more": False, "next_page": "x" * pad}


BIG = 17 * 1024 * 1024  # above DuckDB's 16 MB default maximum_object_size


def test_a_single_usage_page_over_16_mb_is_read(tmp_path: Path) -> None:
    """One pretty-printed page (pages merged with jq) of 17 MB was refused as 'cannot be
    read as openai-usage jsonl ... maximum_object_size ... exceeded'."""
    pretty = tmp_path / "one_page.json"
    pretty.write_text(json.dumps(_page(BIG), indent=2), encoding="utf-8")
    line = tmp_path / "one_line.json"
    line.write_text(json.dumps(_page(BIG)), encoding="utf-8")
    for path in (pretty, line):
        assert max_object_size(path) == path.stat().st_size + 1
        with Store() as store:
            report = store.load([str(path)])
        assert report.rows_loaded == 1
    lines = tmp_path / "pages.jsonl"
    lines.write_text(json.dumps(_page(10)) + "\n" + json.dumps(_page(10, 1790816400)) + "\n",
                     encoding="utf-8")
    assert max_object_size(lines) == 16 * 1024 * 1024  # small: DuckDB's default


def test_a_compressed_usage_page_is_read_as_one_document(tmp_path: Path) -> None:
    """A .json.gz page was not recognised (its head was read compressed): a small
    pretty-printed page failed as 'line 1 is not a JSON object', one over 16 MB as
    'maximum_object_size ... exceeded' (verification 9 E, problem 3)."""
    import gzip

    small = tmp_path / "small.json.gz"
    with gzip.open(small, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps(_page(10), indent=2))
    big = tmp_path / "page.json.gz"
    page = _page(0)
    page["next_page"] = os.urandom(BIG // 2).hex()  # (a run of one letter gzips to NULs)
    text = json.dumps(page, indent=2)
    with gzip.open(big, "wt", encoding="utf-8") as fh:
        fh.write(text)
    assert max_object_size(big) == len(text.encode()) + 1
    for path in (small, big):
        with Store() as store:
            report = store.load([str(path)])
        assert report.files[0].format.startswith("openai-usage")
        assert report.rows_loaded == 1


def test_a_page_too_large_to_read_says_what_to_do() -> None:
    msg = too_large_message("pages.jsonl", "openai-usage jsonl")
    assert msg.startswith("pages.jsonl: cannot be read as openai-usage jsonl:")
    assert "over 16 MB" in msg and "save the pages one per line" in msg
    assert "compressed or not, is read whole" in msg


def test_a_broken_json_file_is_not_called_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "usage.json"
    path.write_text(json.dumps(_page(10))[:-40], encoding="utf-8")  # cut short
    with Store() as store, pytest.raises(InputError) as err:
        store.load([str(path)])
    assert "cannot be read as openai-usage JSON (" in str(err.value)
    assert "jsonl" not in str(err.value)
