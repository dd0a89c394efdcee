"""A token count written in any form means in every JSON reader what it means in a CSV or
JSON-lines cell (fix18a): 10.0 or 1e3 is 10 or 1000, "" an empty cell, 10.5 'non-integer
token count', 2^63 (or 9007199254740993.0, a float above 2^53) 'token count out of range',
never rounded, wrapped or read as 0. Each reader loads one folder of files, one file per
written form (tests/test_claude_code_counts.py: Claude Code's transcripts)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from planalyzer.sources.tabular import (
    NEGATIVE,
    NO_TOKEN_COUNTS,
    NON_INTEGER,
    OUT_OF_RANGE,
    REQUESTS_OUT_OF_RANGE,
    THOUSANDS_SEPARATOR,
)
from planalyzer.store import LoadOptions, Store

SONNET = "claude-sonnet-4-5-20250929"
BAD_REQUESTS = "bad request count"
# a count as written in the file -> what the tabular reader makes of it in a token column
TOKENS: dict[str, object] = {
    "10.0": 10, "1e3": 1000, "10": 10, '"12"': 12, '""': 0, "-0.0": 0, "10.5": NON_INTEGER,
    '"x"': NON_INTEGER, "-1": NEGATIVE, "9223372036854775808": OUT_OF_RANGE,
    "-9223372036854775809": OUT_OF_RANGE, "9007199254740993.0": OUT_OF_RANGE,
    "1e20": OUT_OF_RANGE, '"1,200"': THOUSANDS_SEPARATOR,
}
# ... in a request count column ("": estimated from the prompt, 1 for these small ones)
REQUESTS: dict[str, object] = {
    "10.0": 10, "1e3": 1000, '"12"': 12, '""': 1, "10.5": BAD_REQUESTS, "-1": BAD_REQUESTS,
    "0": BAD_REQUESTS, "9223372036854775808": REQUESTS_OUT_OF_RANGE,
    "9007199254740993.0": REQUESTS_OUT_OF_RANGE, '"1,200"': BAD_REQUESTS,
}
TS = "2026-10-05T09:00:03Z"
# a reader's file with the count written ``w`` (JSON text), its i-th: (file, text)
Maker = Callable[[int, str], tuple[str, str]]


def _sub(doc: object, w: str) -> str:
    return json.dumps(doc).replace('"W"', w)


def tabular(column: str) -> Maker:
    def make(i: int, w: str) -> tuple[str, str]:
        row = {"ts": TS, "user_id": f"u{i}", "model": "m", "input_tokens": 5,
               "output_tokens": 20, column: "W"}
        return f"t{i}.jsonl", _sub(row, w) + "\n"
    return make


def codex(where: str) -> Maker:
    """A rollout whose event logs the count in its last_token_usage (the totals valid), or
    in its total_token_usage alone (the turn's usage is then the totals)."""
    def make(i: int, w: str) -> tuple[str, str]:
        sid = f"0199a0b1-7c2d-7e3f-8a9b-{i:012d}"
        usage = {"input_tokens": 1000, "cached_input_tokens": 800, "output_tokens": "W",
                 "total_tokens": 1100}
        info = ({"total_token_usage": usage} if where == "total" else
                {"total_token_usage": dict(usage, output_tokens=100), "last_token_usage": usage})
        lines = [{"timestamp": TS, "type": "session_meta", "payload": {"id": sid}},
                 {"timestamp": TS, "type": "turn_context", "payload": {"model": "gpt-5-codex"}},
                 {"timestamp": TS, "type": "event_msg",
                  "payload": {"type": "token_count", "info": info}}]
        return (f"sessions/2026/10/05/rollout-2026-10-05T09-00-00-{sid}.jsonl",
                "\n".join(_sub(x, w) for x in lines) + "\n")
    return make


def openai(field: str) -> Maker:
    def make(i: int, w: str) -> tuple[str, str]:
        result = {"object": "organization.usage.completions.result", "input_tokens": 1000,
                  "output_tokens": 20, "input_cached_tokens": 0, "num_model_requests": 3,
                  "user_id": f"u{i}", "model": "gpt-4o", field: "W"}
        page = {"object": "page", "data": [{"object": "bucket", "start_time": 1790812800,
                                            "end_time": 1790899200, "results": [result]}]}
        return f"o{i}.json", _sub(page, w)
    return make


def anthropic_messages(i: int, w: str) -> tuple[str, str]:
    result = {"uncached_input_tokens": "W", "cache_creation": {
        "ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
        "cache_read_input_tokens": 0, "output_tokens": 30, "account_id": f"u{i}",
        "model": SONNET}
    page = {"data": [{"starting_at": "2026-10-01T00:00:00Z",
                      "ending_at": "2026-10-02T00:00:00Z", "results": [result]}],
            "has_more": False, "next_page": None}
    return f"m{i}.json", _sub(page, w)


def anthropic_claude_code(i: int, w: str) -> tuple[str, str]:
    record = {"date": "2026-10-01T00:00:00Z",
              "actor": {"type": "user_actor", "email_address": f"u{i}@example.com"},
              "customer_type": "subscription", "subscription_type": "enterprise",
              "model_breakdown": [{"model": SONNET, "tokens": {
                  "input": "W", "output": 30, "cache_read": 0, "cache_creation": 0},
                  "estimated_cost": {"currency": "USD", "amount": 1}}]}
    return f"c{i}.json", _sub({"data": [record], "has_more": False, "next_page": None}, w)


def anthropic_analytics(field: str) -> Maker:
    def make(i: int, w: str) -> tuple[str, str]:
        usage = {"uncached_input_tokens": 1500, "cache_creation": {
            "ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
            "cache_read_input_tokens": 0, "output_tokens": 30, "requests": 7, field: "W"}
        row = {"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-10-02T00:00:00Z",
               "group": {"actor": {"type": "user_actor", "user_id": f"user_{i}",
                                   "email_address": f"u{i}@example.com"},
                         "model": SONNET, "context_window": "0-200k"},
               "usage": usage}
        return f"a{i}.json", _sub({"data": [row], "has_more": False, "next_page": None}, w)
    return make


def langfuse(i: int, w: str) -> tuple[str, str]:
    obs = {"traceId": "t", "type": "GENERATION", "id": f"obs-{i}", "name": "x",
           "startTime": "2026-10-07T09:00:00.000Z", "model": SONNET, "userId": "ivy",
           "usageDetails": {"input": 500, "output": 400, "cache_read_input_tokens": "W",
                            "total": 900},
           "promptTokens": 500, "completionTokens": 400, "totalTokens": 900}
    return f"l{i}.jsonl", _sub(obs, w) + "\n"


def litellm(i: int, w: str) -> tuple[str, str]:
    meta = _sub({"usage_object": {"prompt_tokens": 1200, "completion_tokens": 300,
                                  "cache_read_input_tokens": "W"}}, w)
    cell = '"' + meta.replace('"', '""') + '"'
    return f"spend_logs_{i}.csv", (
        "request_id,call_type,api_key,spend,total_tokens,prompt_tokens,completion_tokens,"
        "startTime,endTime,model,user,metadata,cache_hit,status\n"
        f"c{i},acompletion,k,0.01,1500,1200,300,2026-10-03 09:00:00.000,"
        f"2026-10-03 09:00:04.000,gpt-4o,carol,{cell},False,success\n")


# reader -> (--source, the file maker, the events column the count lands in, the expected)
READERS: dict[str, tuple[str | None, Maker, str, dict[str, object]]] = {
    "tabular-jsonl": (None, tabular("input_tokens"), "input_tokens", TOKENS),
    "tabular-jsonl-requests": (None, tabular("requests"), "requests", REQUESTS),
    "codex-last_token_usage": ("codex", codex("last"), "output_tokens", TOKENS),
    "codex-total_token_usage": ("codex", codex("total"), "output_tokens", TOKENS),
    "openai-usage-input_tokens": ("openai-usage", openai("input_tokens"), "input_tokens",
                                  TOKENS),
    "openai-usage-num_model_requests": ("openai-usage", openai("num_model_requests"),
                                        "requests", REQUESTS),
    "anthropic-messages": ("anthropic-usage", anthropic_messages, "input_tokens", TOKENS),
    "anthropic-claude_code": ("anthropic-usage", anthropic_claude_code, "input_tokens",
                              TOKENS),
    "anthropic-analytics-input": ("anthropic-usage",
                                  anthropic_analytics("uncached_input_tokens"),
                                  "input_tokens", TOKENS),
    "anthropic-analytics-requests": ("anthropic-usage", anthropic_analytics("requests"),
                                     "requests", REQUESTS),
    "langfuse-usageDetails": ("langfuse", langfuse, "cache_read_tokens", TOKENS),
    "litellm-metadata": ("litellm", litellm, "cache_read_tokens", TOKENS),
}
CASES = [(r, w) for r, spec in READERS.items() for w in spec[3]]


@cache
def outcomes(reader: str, folder: Path) -> dict[str, object]:
    """Load the reader's folder (one file per written form) once: written form -> the count
    loaded, or the reason its row was rejected."""
    source, make, column, expected = READERS[reader]
    files = {}
    for i, w in enumerate(expected):
        name, text = make(i, w)
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        files[str(path.resolve())] = w
    with Store() as store:
        store.load([folder], LoadOptions(source=source) if source else LoadOptions())
        got: dict[str, object] = {files[s]: int(n) for s, n in store.con.execute(
            f"SELECT source, {column} FROM events").fetchall()}
        got |= {files[s]: why for s, why in store.con.execute(
            "SELECT source, reason FROM rejected_rows").fetchall()}
    return got


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("json_reader_counts")


@pytest.mark.parametrize(("reader", "written"), CASES, ids=[f"{r}-{w}" for r, w in CASES])
def test_a_count_means_what_it_means_in_a_csv_cell(base: Path, reader: str,
                                                    written: str) -> None:
    assert outcomes(reader, base / reader).get(written) == READERS[reader][3][written]


def test_a_count_above_2_53_in_digits_is_read_exactly(tmp_path: Path) -> None:
    """Digits are read as a BIGINT, not through a float: 9007199254740993 stays itself (a
    float holds 9007199254740992), in a bucket export and in a rollout alike."""
    big = 9007199254740993
    name, text = openai("input_tokens")(0, str(big))
    (tmp_path / name).write_text(text, encoding="utf-8")
    name, text = codex("last")(1, str(big))
    (tmp_path / name).parent.mkdir(parents=True)
    (tmp_path / name).write_text(text, encoding="utf-8")
    with Store() as store:  # (a bound above them: 9e15 tokens pass the default)
        store.load([tmp_path / "o0.json"], LoadOptions(max_tokens=2 ** 62))
        store.load([tmp_path / "sessions"], LoadOptions(source="codex", max_tokens=2 ** 62))
        got = store.con.execute("SELECT input_tokens, output_tokens FROM events "
                                "ORDER BY source").fetchall()
    assert got == [(big, 20), (200, big)]  # codex: 1000 input less 800 cached


def test_codex_bad_last_count_is_not_replaced_by_the_totals(tmp_path: Path) -> None:
    """A last_token_usage count that cannot be used rejected nothing: the turn was loaded
    with the difference of the totals instead, in silence."""
    name, text = codex("last")(0, "10.5")
    (tmp_path / name).parent.mkdir(parents=True)
    (tmp_path / name).write_text(text, encoding="utf-8")
    with Store() as store:
        report = store.load([tmp_path], LoadOptions(source="codex"))
    assert (report.rows_loaded, report.files[0].rejected_by_reason) == (0, {NON_INTEGER: 1})


def test_codex_usage_without_usage_objects_is_no_token_counts(tmp_path: Path) -> None:
    """An info object holding neither usage object was 'non-integer token count'."""
    name, text = codex("last")(0, "1")
    info = json.loads(text.splitlines()[2])["payload"]["info"]
    text = text.replace(json.dumps(info), json.dumps({"model_context_window": 272000}))
    (tmp_path / name).parent.mkdir(parents=True)
    (tmp_path / name).write_text(text, encoding="utf-8")
    with Store() as store:
        report = store.load([tmp_path], LoadOptions(source="codex"))
    assert report.files[0].rejected_by_reason == {NO_TOKEN_COUNTS: 1}


@pytest.mark.parametrize("empty", ['""', '"  "'])
def test_usage_json_empty_string_counts_are_empty_cells(tmp_path: Path, empty: str) -> None:
    """"" is an empty cell: beside other counts read as 0 and said; all of them empty, the
    result holds no count."""
    results = [
        {"object": "organization.usage.completions.result", "num_model_requests": 3,
         "user_id": u, "model": "gpt-4o", "input_tokens": "W", "input_cached_tokens": "W",
         "output_tokens": out} for u, out in (("u1", "W"), ("u2", 7))]
    results[1]["input_tokens"] = 5000
    page = {"object": "page", "data": [{"object": "bucket", "start_time": 1790812800,
                                        "end_time": 1790899200, "results": results}]}
    path = tmp_path / "oai.json"
    path.write_text(_sub(page, empty), encoding="utf-8")
    with Store() as store:
        report = store.load([path])
    fl = report.files[0]
    assert fl.rejected_by_reason == {NO_TOKEN_COUNTS: 1}
    assert fl.empty_read_as_zero == {"input_cached_tokens": 1}


def test_counts_that_together_pass_a_bigint_are_out_of_range(tmp_path: Path) -> None:
    """Each count below 2^63 but their sum above it (a bucket of 10^12 requests) loaded, and
    the dedupe's total of the row's classes stopped the load with a DuckDB overflow
    traceback: the row is rejected as out of range, in a CSV and a usage-API JSON alike."""
    nine = 9 * 10 ** 18
    csv = tmp_path / "e.csv"
    csv.write_text("event_id,ts,user_id,model,input_tokens,output_tokens,requests\n"
                   f"e1,{TS},u1,gpt-4o,{nine},{nine},{10 ** 12}\n"
                   f"e2,{TS},u1,gpt-4o,5,{nine},{10 ** 12}\n", encoding="utf-8")
    name, text = openai("output_tokens")(0, str(nine))
    (tmp_path / name).write_text(text.replace("1000", str(nine)).replace(
        '"num_model_requests": 3', f'"num_model_requests": {10 ** 12}'), encoding="utf-8")
    with Store() as store:
        report = store.load([csv, tmp_path / name])
        loaded = store.con.execute("SELECT output_tokens FROM events").fetchall()
    assert [fl.rejected_by_reason for fl in report.files] == [{OUT_OF_RANGE: 1}] * 2
    assert loaded == [(nine,)]
