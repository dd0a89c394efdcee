"""Vendor exports as real exports come: users per row, rows that are not model calls, cost
units, bucket widths, grouping dimensions, and detection of pages that start empty."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, cli_error, cli_json, write_csv

from planalyzer.errors import InputError, StrictModeError
from planalyzer.sources.mapping import MappingSpec
from planalyzer.sources.registry import detect
from planalyzer.store import LoadOptions, Store


def _load(paths: list[Path], sql: str, opts: LoadOptions | None = None
          ) -> tuple[list[tuple[Any, ...]], Any]:
    with Store() as store:
        report = store.load([str(p) for p in paths], opts or LoadOptions())
        return store.con.execute(sql).fetchall(), report


def _openai_page(start: int, width: int, tokens: int, empty_before: int = 0) -> dict[str, Any]:
    buckets: list[dict[str, Any]] = [
        {"object": "bucket", "start_time": start - (empty_before - i) * width,
         "end_time": start - (empty_before - i - 1) * width, "results": []}
        for i in range(empty_before)]
    buckets.append({"object": "bucket", "start_time": start, "end_time": start + width,
                    "results": [{"object": "organization.usage.completions.result",
                                 "input_tokens": tokens, "output_tokens": 10,
                                 "input_cached_tokens": 0, "num_model_requests": 1,
                                 "user_id": "u1", "project_id": None, "api_key_id": None,
                                 "model": "gpt-4o", "batch": None}]})
    return {"object": "page", "data": buckets, "has_more": False, "next_page": None}


def _write_json(path: Path, doc: Any, indent: int | None = None) -> Path:
    path.write_text(json.dumps(doc, indent=indent), encoding="utf-8")
    return path


# -- LiteLLM ------------------------------------------------------------------------------


def test_litellm_daily_prompt_tokens_include_cache_reads() -> None:
    rows, _ = _load([FIXTURES / "litellm" / "daily_user_spend.csv"],
                    "SELECT user_id, input_tokens, cache_read_tokens FROM events ORDER BY 1")
    # carol: prompt 120,000 of which 80,000 cache reads; dave: 425,000 with 400,000
    assert rows == [("carol", 40000, 80000), ("dave", 25000, 400000)]


DAILY_HEADER = ["id", "date", "api_key", "model", "prompt_tokens", "completion_tokens",
                "cache_read_input_tokens", "cache_creation_input_tokens", "spend",
                "api_requests"]


@pytest.mark.parametrize(("id_column", "users"), [
    ("end_user_id", ["api_key:k2", "customer-42"]),
    ("team_id", ["api_key:k2", "team:team-a"]),
    ("organization_id", ["api_key:k2", "org:team-a"]),
    ("agent_id", ["agent:team-a", "api_key:k2"]),
    ("user_id", ["api_key:k2", "team-a"]),
])
def test_litellm_daily_tables_read_the_user_from_their_id_column(
        tmp_path: Path, id_column: str, users: list[str]) -> None:
    # the daily tables of schema.prisma share every column but the id (nullable: a service
    # key with no owning user writes a row without one, read as its key)
    f = write_csv(tmp_path / "daily.csv", [id_column, *DAILY_HEADER], [
        ["team-a" if id_column != "end_user_id" else "customer-42", "d1", "2026-10-03", "k1",
         "gpt-4o", 1000, 100, 0, 0, 0.01, 3],
        ["", "d2", "2026-10-03", "k2", "gpt-4o", 1000, 100, 0, 0, 0.01, 3]])
    assert detect(f).name == "litellm-daily"
    rows, report = _load([f], "SELECT user_id, requests FROM events ORDER BY 1")
    assert rows == [(u, 3) for u in users]
    assert report.files[0].rows_rejected == 0


def test_litellm_daily_row_without_its_id_falls_back_to_the_key() -> None:
    rows, _ = _load([FIXTURES / "litellm" / "daily_team_spend.csv"],
                    "SELECT user_id, input_tokens, requests FROM events ORDER BY 1")
    assert rows == [("api_key:77aa", 25000, 17), ("team:team-a", 40000, 42)]


def test_litellm_daily_tag_table_says_a_request_counts_once_per_tag() -> None:
    rows, report = _load([FIXTURES / "litellm" / "daily_tag_spend.csv"],
                         "SELECT user_id, requests FROM events ORDER BY 1")
    # one request (chatcmpl-9a1) with two tags: two rows of its whole usage
    assert rows == [("tag:prod", 1), ("tag:team-search", 1)]
    (note,) = [n for n in report.notes if "DailyTagSpend" in n]
    assert "counted twice" in note and "daily_tag_spend.csv" in note


def test_litellm_daily_columns_not_detected_name_the_source(tmp_path: Path) -> None:
    # a few of a daily table's columns: no source detects them; the error names it
    f = write_csv(tmp_path / "teams.csv", ["team_id", "date", "model", "prompt_tokens",
                                           "completion_tokens"],
                  [["team-a", "2026-10-03", "gpt-4o", 100, 10]])
    msg = cli_error(["load", str(f)])
    assert "no usable columns for user_id and ts" in msg
    assert "load it with --source litellm-daily" in msg
    rows, _ = _load([f], "SELECT user_id FROM events", LoadOptions(source="litellm-daily"))
    assert rows == [("team:team-a",)]



@pytest.mark.parametrize("other", ["daily_team_spend.csv", "daily_tag_spend.csv",
                                   "daily_end_user_spend.csv"])
def test_litellm_daily_tables_of_two_kinds_for_one_date_are_refused(other: str) -> None:
    # each daily table holds every request (the tag table once per tag): the user table and
    # another kind of the same date count carol's 42 requests twice
    with pytest.raises(InputError) as err:
        _load([FIXTURES / "litellm" / "daily_user_spend.csv", FIXTURES / "litellm" / other],
              "SELECT 1")
    msg = str(err.value)
    assert "count the same requests twice" in msg and "load one kind of daily table" in msg
    assert "daily_user_spend.csv" in msg and other in msg and "user table" in msg


def test_litellm_daily_tables_of_two_kinds_refused_across_db_runs(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load([str(FIXTURES / "litellm" / "daily_user_spend.csv")])
    msg = cli_error(["load", str(FIXTURES / "litellm" / "daily_team_spend.csv"),
                     "--db", str(db)])
    assert "team table" in msg and "user table" in msg and "2026-10-03" in msg
    with Store(db) as store:  # refused: the store keeps the user table alone
        assert store.con.execute("SELECT count(*) FROM events").fetchone() == (2,)


def test_litellm_daily_tables_of_two_kinds_for_other_dates_load(tmp_path: Path) -> None:
    team = write_csv(tmp_path / "team.csv", ["team_id", *DAILY_HEADER], [
        ["team-a", "t9", "2026-10-05", "k1", "gpt-4o", 1000, 100, 0, 0, 0.01, 3]])
    rows, _ = _load([FIXTURES / "litellm" / "daily_user_spend.csv", team],
                    "SELECT user_id FROM events ORDER BY 1")
    assert rows == [("carol",), ("dave",), ("team:team-a",)]


@pytest.mark.parametrize("header", [
    ["timestamp", "date", "user_id", "model", "prompt_tokens", "completion_tokens", "spend",
     "api_key"],
    ["ts", "date", "user_id", "model", "prompt_tokens", "completion_tokens",
     "cache_read_input_tokens", "spend", "api_key"],
])
def test_generic_csv_with_api_key_and_spend_is_no_litellm_daily_table(
        tmp_path: Path, header: list[str]) -> None:
    # api_key and spend are any per-request export's names: only LiteLLM's own api_requests
    # tells a daily table; the request keeps its time and its prompt count
    row = {"timestamp": "2026-10-03T09:00:00Z", "ts": "2026-10-03T09:00:00Z",
           "date": "2026-10-03", "user_id": "alice", "model": "gpt-4o", "prompt_tokens": 1200,
           "completion_tokens": 300, "cache_read_input_tokens": 800, "spend": 0.01,
           "api_key": "k1"}
    f = write_csv(tmp_path / "req.csv", header, [[row[c] for c in header]])
    assert detect(f).name != "litellm-daily"
    rows, _ = _load([f], "SELECT strftime(ts, '%H:%M'), input_tokens, requests FROM events")
    assert rows == [("09:00", 1200, 1)]


def test_generic_csv_with_date_and_spend_gets_no_litellm_daily_hint(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "g.csv", ["date", "user_id", "model", "prompt_tokens",
                                       "completion_tokens", "spend"],
                  [["2026-10-03", "alice", "gpt-4o", 100, 10, 0.01]])
    msg = cli_error(["load", str(f)])
    assert "no usable columns for ts" in msg and "litellm-daily" not in msg


LITELLM_HEADER = ["request_id", "startTime", "spend", "prompt_tokens", "completion_tokens",
                  "model", "end_user", "user", "team_id", "api_key", "cache_hit", "status"]


def _spend_logs(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "spend.csv", LITELLM_HEADER, [
        ["r1", "2026-10-03 09:00:00", 0.01, 1000, 100, "gpt-4o", "cust-1", "alice", "t1", "k1",
         "False", "success"],
        ["r2", "2026-10-03 09:01:00", 0.01, 1000, 100, "gpt-4o", "", "alice", "t1", "k1",
         "False", "success"],
        ["r3", "2026-10-03 09:02:00", 0.01, 1000, 100, "gpt-4o", "", "", "t1", "k1",
         "False", "success"],
        ["r4", "2026-10-03 09:03:00", 0.01, 1000, 100, "gpt-4o", "", "", "", "k2",
         "False", "success"],
        ["r5", "2026-10-03 09:04:00", 0.0, 1000, 100, "gpt-4o", "", "alice", "t1", "k1",
         "True", "success"],
        ["r6", "2026-10-03 09:05:00", 0.0, 0, 0, "gpt-4o", "", "alice", "t1", "k1",
         "False", "failure"],
    ])


def test_litellm_user_is_read_per_row(tmp_path: Path) -> None:
    rows, report = _load([_spend_logs(tmp_path)],
                         "SELECT event_id, user_id FROM events ORDER BY 1")
    assert rows == [("r1", "cust-1"), ("r2", "alice"), ("r3", "team:t1"), ("r4", "api_key:k2")]
    assert "first non-empty of end_user, else user" in report.files[0].mapping


def test_litellm_cache_hits_and_failures_are_not_model_calls(tmp_path: Path) -> None:
    _, report = _load([_spend_logs(tmp_path)], "SELECT 1")
    (fl,) = report.files
    assert (fl.rows_read, fl.rows_loaded, fl.rows_rejected) == (4, 4, 0)
    assert fl.skipped_by_kind == {"cache hit (served by LiteLLM, no provider call)": 1,
                                  "failed request (no tokens)": 1}


def test_litellm_map_says_where_users_came_from(tmp_path: Path) -> None:
    doc = cli_json(["map", str(_spend_logs(tmp_path))])
    notes = " ".join(doc["column_mapping"]["notes"])
    assert "rows by the column their user came from: user 3, api_key 1, end_user 1, team_id 1" \
        in notes
    assert "columns not used" not in notes  # the fallbacks, cache_hit and status are read


def test_litellm_explicit_user_column_has_no_fallback(tmp_path: Path) -> None:
    rows, _ = _load([_spend_logs(tmp_path)], "SELECT count(*) FROM events",
                    LoadOptions(mapping=MappingSpec(explicit={"user_id": "end_user"})))
    assert rows == [(1,)]  # only r1 has an end_user; the others are rejected as asked


def _quoted_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    """A CSV whose cells may hold commas and quotes (a JSON column), quoted as CSV does."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_litellm_spend_logs_cache_counts_come_from_metadata(tmp_path: Path) -> None:
    def meta(usage: dict[str, Any], key: str = "usage_object") -> str:
        return json.dumps({"user_api_key_user_id": "bob", key: usage})

    f = _quoted_csv(tmp_path / "spend.csv", ["request_id", "startTime", "spend",
                                             "prompt_tokens", "completion_tokens", "model",
                                             "user", "metadata"], [
        # Anthropic via LiteLLM: prompt 100,000 = 95,000 read + 1,000 written + 4,000 fresh,
        # 600 of the writes with a 1-hour lifetime
        ["a", "2026-10-03 09:00:00", 0.06, 100000, 1000, "claude-sonnet-4-5", "bob",
         meta({"prompt_tokens": 100000, "cache_read_input_tokens": 95000,
               "cache_creation_input_tokens": 1000, "prompt_tokens_details": {
                   "cached_tokens": 95000, "cache_creation_token_details": {
                       "ephemeral_5m_input_tokens": 400, "ephemeral_1h_input_tokens": 600}}})],
        # OpenAI: cached tokens only in prompt_tokens_details
        ["b", "2026-10-03 09:01:00", 0.01, 1200, 300, "gpt-4o", "bob",
         meta({"prompt_tokens_details": {"cached_tokens": 1024}})],
        # an older LiteLLM: additional_usage_values; writes not inside prompt_tokens
        ["c", "2026-10-03 09:02:00", 0.01, 5000, 10, "claude-sonnet-4-5", "bob",
         meta({"cache_read_input_tokens": 4000, "cache_creation_input_tokens": 3000},
              "additional_usage_values")],
        # prompt_tokens without any cache tokens (prompt < reads): all fresh input
        ["d", "2026-10-03 09:03:00", 0.01, 500, 10, "claude-sonnet-4-5", "bob",
         meta({"cache_read_input_tokens": 4000})],
        # no metadata, empty metadata, metadata that is not JSON: as before
        ["e", "2026-10-03 09:04:00", 0.01, 700, 10, "gpt-4o", "bob", ""],
        ["f", "2026-10-03 09:05:00", 0.01, 700, 10, "gpt-4o", "bob", "{}"],
        ["g", "2026-10-03 09:06:00", 0.01, 700, 10, "gpt-4o", "bob", "{not json"],
    ])
    rows, report = _load([f], "SELECT event_id, input_tokens, cache_read_tokens, "
                              "cache_write_tokens, cache_write_1h_tokens FROM events ORDER BY 1")
    assert rows == [("a", 4000, 95000, 400, 600), ("b", 176, 1024, 0, 0),
                    ("c", 1000, 4000, 3000, 0), ("d", 500, 4000, 0, 0), ("e", 700, 0, 0, 0),
                    ("f", 700, 0, 0, 0), ("g", 700, 0, 0, 0)]
    assert "read per row from metadata" in report.files[0].mapping


def test_litellm_metadata_count_that_cannot_be_used_rejects_the_row(tmp_path: Path) -> None:
    # a count read through a float at 9e15 or more may be inexact: it was read as 0 (NULL),
    # so all of prompt_tokens priced as fresh input; now the row is rejected, as a count
    # column's cell would be
    def row(rid: str, usage: dict[str, Any], prompt: int | str = 9_000_000_000_100_000,
            ) -> list[Any]:
        return [rid, "2026-10-03 09:00:00", 0.01, prompt, 1, "claude-sonnet-4-5", "ann",
                json.dumps({"usage_object": usage})]

    f = _quoted_csv(tmp_path / "spend.csv", ["request_id", "startTime", "spend",
                                             "prompt_tokens", "completion_tokens", "model",
                                             "user", "metadata"], [
        row("big", {"cache_read_input_tokens": 9e15}),
        # digits are read exactly, as in a CSV cell (fix18a; they were read through a float):
        # 1.2e16 is a count, above --max-tokens
        row("big2", {"prompt_tokens_details": {"cached_tokens": 12_000_000_000_000_000}}),
        row("neg", {"cache_creation_input_tokens": -5}, 100),
        row("frac", {"cache_read_input_tokens": 1.5}, 100),
        row("text", {"cache_read_input_tokens": "many"}, 100),
        # a fallback count is read only where the cell is empty: unused, no problem
        row("ok", {"prompt_tokens": 1e17, "cache_read_input_tokens": 90}, 100),
        row("fb", {"prompt_tokens": 1e17}, ""),
        row("null", {"cache_read_input_tokens": None}, 100),
    ])
    store = Store()
    store.load([str(f)], LoadOptions(max_tokens=9_999_999_999_999_999))
    assert store.con.execute("SELECT event_id, input_tokens, cache_read_tokens FROM events "
                             "ORDER BY 1").fetchall() == [("null", 100, 0), ("ok", 10, 90)]
    assert dict(store.con.execute(
        "SELECT source_row, reason FROM rejected_rows ORDER BY 1").fetchall()) == {
        1: "token count out of range", 2: "token count over bound",
        3: "negative token count", 4: "non-integer token count", 5: "non-integer token count",
        7: "token count out of range"}


def test_litellm_spend_logs_explicit_cache_column_wins(tmp_path: Path) -> None:
    f = _quoted_csv(tmp_path / "spend.csv", ["request_id", "startTime", "spend",
                                             "prompt_tokens", "completion_tokens", "model",
                                             "user", "metadata", "cached"], [
        ["a", "2026-10-03 09:00:00", 0.06, 100, 10, "gpt-4o", "bob",
         json.dumps({"usage_object": {"cache_read_input_tokens": 90}}), 50]])
    rows, _ = _load([f], "SELECT input_tokens, cache_read_tokens FROM events",
                    LoadOptions(mapping=MappingSpec(explicit={"cache_read_tokens": "cached"},
                                                    input_includes_cache_read=True)))
    assert rows == [(50, 50)]


def test_litellm_daily_negative_rows_say_how_to_load_them(tmp_path: Path) -> None:
    header = ["id", "user_id", "date", "model", "prompt_tokens", "completion_tokens",
              "cache_read_input_tokens", "cache_creation_input_tokens", "spend", "api_requests"]
    f = write_csv(tmp_path / "daily.csv", header, [
        ["d1", "dave", "2026-10-03", "claude-sonnet-4-5", 5000, 2000, 400000, 0, 0.5, 10]])
    rows, report = _load([f], "SELECT count(*) FROM events")
    reason = "cache reads above the input count that includes them"
    assert rows == [(0,)] and report.files[0].rejected_by_reason == {reason: 1}
    (note,) = [n for n in report.notes if reason in n]
    assert "seem to exclude the cache tokens" in note
    assert "input_includes_cache_read = false" in note
    rows, _ = _load([f], "SELECT input_tokens, cache_read_tokens FROM events",
                    LoadOptions(mapping=MappingSpec(input_includes_cache_read=False)))
    assert rows == [(5000, 400000)]


# -- OpenAI -------------------------------------------------------------------------------


def test_openai_dashboard_csv_falls_back_to_project(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "usage.csv", [
        "start_time", "end_time", "project_id", "num_model_requests", "user_id", "api_key_id",
        "model", "input_tokens", "output_tokens", "input_cached_tokens"], [
        [1790812800, 1790899200, "proj_A", 4, "", "", "gpt-4o", 1000, 10, 0],
        [1790812800, 1790899200, "", 4, "", "key_B", "gpt-4o", 1000, 10, 0],
        [1790812800, 1790899200, "", 4, "u1", "", "gpt-4o", 1000, 10, 0],
        [1790812800, 1790899200, "", 4, "", "", "gpt-4o", 1000, 10, 0]])
    rows, _ = _load([f], "SELECT user_id FROM events ORDER BY 1")
    assert rows == [("api_key:key_B",), ("organization",), ("project:proj_A",), ("u1",)]


def test_daily_and_hourly_exports_of_one_day_are_refused(tmp_path: Path) -> None:
    day = _write_json(tmp_path / "daily.json", _openai_page(1790812800, 86400, 3000))
    hour = _write_json(tmp_path / "hourly.json", _openai_page(1790812800, 3600, 1000))
    with pytest.raises(InputError, match="buckets of 1 day and 1 hour cover the same time"):
        _load([day, hour], "SELECT 1")
    # the same export twice is one bucket: deduplicated, not refused
    rows, report = _load([day, _write_json(tmp_path / "again.json", json.loads(day.read_text()))],
                         "SELECT sum(input_tokens) FROM events")
    assert rows == [(3000,)] and report.duplicates_dropped == 1
    # hours of another day do not overlap the daily bucket
    later = _write_json(tmp_path / "later.json", _openai_page(1790812800 + 86400, 3600, 1000))
    rows, _ = _load([day, later], "SELECT sum(input_tokens) FROM events")
    assert rows == [(4000,)]


def _regroup(page: dict[str, Any], **dims: Any) -> dict[str, Any]:
    for bucket in page["data"]:
        for r in bucket["results"]:
            r.update(dims)
    return page


def test_overlapping_widths_of_other_groupings_load(tmp_path: Path) -> None:
    day = _write_json(tmp_path / "daily.json", _openai_page(1790812800, 86400, 3000))
    # another user's, or another model's, hourly export of the same day counts nothing twice
    for name, dims in (("u2", {"user_id": "u2"}), ("mini", {"model": "gpt-4o-mini"})):
        hour = _write_json(tmp_path / f"hourly_{name}.json",
                           _regroup(_openai_page(1790812800, 3600, 1000), **dims))
        rows, _ = _load([day, hour], "SELECT sum(input_tokens) FROM events")
        assert rows == [(4000,)]
    # an hourly export not grouped by user holds user u1's requests too: refused
    hour = _write_json(tmp_path / "hourly_all.json",
                       _regroup(_openai_page(1790812800, 3600, 1000), user_id=None))
    with pytest.raises(InputError, match="buckets of 1 day and 1 hour cover the same time"):
        _load([day, hour], "SELECT 1")


def test_fine_tuned_model_names_are_compared_as_one_dimension(tmp_path: Path) -> None:
    """A model name with ':' (ft:gpt-4o:org:id) split into more parts than the other export's
    grouping: a daily export of an unrelated user was refused as overlapping."""
    ft = "ft:gpt-4o-2024-08-06:acme:custom:abc123"
    hour = _write_json(tmp_path / "hourly_ft.json",
                       _regroup(_openai_page(1790812800, 3600, 1000), model=ft))
    other = _write_json(tmp_path / "daily_other.json",
                        _regroup(_openai_page(1790812800, 86400, 3000), user_id="user-zzz"))
    rows, _ = _load([hour, other], "SELECT sum(input_tokens) FROM events")
    assert rows == [(4000,)]
    # the same user and fine-tuned model, daily and hourly: still refused
    same = _write_json(tmp_path / "daily_ft.json",
                       _regroup(_openai_page(1790812800, 86400, 3000), model=ft))
    with pytest.raises(InputError, match="buckets of 1 day and 1 hour cover the same time"):
        _load([hour, same], "SELECT 1")


def test_overlapping_widths_are_a_cli_error(tmp_path: Path) -> None:
    day = _write_json(tmp_path / "daily.json", _openai_page(1790812800, 86400, 3000))
    hour = _write_json(tmp_path / "hourly.json", _openai_page(1790812800, 3600, 1000))
    assert "count the same requests twice" in cli_error(["load", str(day), str(hour)])


def test_db_with_old_bucket_ids_refuses_usage_api_loads(tmp_path: Path) -> None:
    page = _openai_page(1790812800, 86400, 3000)
    old = _write_json(tmp_path / "old.json", page)
    again = _write_json(tmp_path / "reexport.json", page, indent=2)
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load(old)
        # the ids an older planalyzer wrote: 'openai:<start>:...', without '/<width>'
        store.con.execute("UPDATE events SET event_id = regexp_replace(event_id, "
                          "'^openai:([0-9]+)/[0-9]+:', 'openai:\\1:')")
        assert store.con.execute("SELECT event_id FROM events").fetchall()[0][0] \
            .startswith("openai:1790812800:u1:")
    with Store(db) as store:
        assert store.load(old).files[0].status == "unchanged"  # nothing read: no check
        with pytest.raises(InputError, match="lack the bucket width"):
            store.load(again)  # would be 6,000 input tokens: the bucket twice
        assert store.con.execute("SELECT sum(input_tokens) FROM events").fetchall() == [(3000,)]
    assert f"--db {db}: holds 1 usage-API event(s) an older planalyzer loaded" \
        in cli_error(["load", str(again), "--db", str(db)])
    # a new --db file loads both (the same buckets, counted once)
    rows, _ = _load([old, again], "SELECT sum(input_tokens) FROM events")
    assert rows == [(3000,)]


def test_page_of_empty_buckets_is_detected(tmp_path: Path) -> None:
    f = _write_json(tmp_path / "hourly.json",
                    _openai_page(1790812800, 3600, 1000, empty_before=300), indent=2)
    assert f.stat().st_size > 16_384
    assert detect(f).name == "openai-usage"
    rows, _ = _load([f], "SELECT sum(input_tokens) FROM events")
    assert rows == [(1000,)]


# -- Anthropic ----------------------------------------------------------------------------


def _anthropic_result(**dims: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "uncached_input_tokens": 100, "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        "output_tokens": 10, "account_id": None, "api_key_id": None, "workspace_id": None,
        "model": "claude-sonnet-4-5-20250929", "service_tier": None, "context_window": None}
    base.update(dims)
    return base


def _anthropic_page(results: list[dict[str, Any]], start: str = "2026-10-01T00:00:00Z",
                    end: str = "2026-10-02T00:00:00Z", empty_before: int = 0
                    ) -> dict[str, Any]:
    empty = [{"starting_at": f"2026-09-{i % 28 + 1:02d}T00:00:00Z",
              "ending_at": f"2026-09-{i % 28 + 1:02d}T01:00:00Z", "results": []}
             for i in range(empty_before)]
    return {"data": [*empty, {"starting_at": start, "ending_at": end, "results": results}],
            "has_more": False, "next_page": None}


def test_anthropic_every_grouping_dimension_tells_results_apart(tmp_path: Path) -> None:
    f = _write_json(tmp_path / "m.json", _anthropic_page([
        _anthropic_result(account_id="a1", inference_geo="global"),
        _anthropic_result(account_id="a1", inference_geo="us"),
        _anthropic_result(account_id="a1", inference_geo="global", speed="fast"),
        _anthropic_result(service_account_id="svc_1"),
        _anthropic_result(service_account_id="svc_2"),
    ]))
    rows, report = _load([f], "SELECT user_id, sum(input_tokens) FROM events GROUP BY 1 "
                              "ORDER BY 1")
    assert report.duplicates_dropped == 0
    assert rows == [("a1", 300), ("service_account:svc_1", 100),
                    ("service_account:svc_2", 100)]


def test_anthropic_hourly_page_of_empty_buckets_is_detected(tmp_path: Path) -> None:
    f = _write_json(tmp_path / "h.json", _anthropic_page(
        [_anthropic_result(account_id="a1")], "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z",
        empty_before=300), indent=2)
    assert f.stat().st_size > 16_384
    assert detect(f).name == "anthropic-usage"


# -- Helicone -----------------------------------------------------------------------------


def test_helicone_request_api_costs_are_usd(tmp_path: Path) -> None:
    row = {"request_id": "r1", "request_created_at": "2026-10-04T12:00:00.000Z",
           "request_user_id": "erin", "model": "gpt-4o", "prompt_tokens": 1500,
           "completion_tokens": 90, "prompt_cache_read_tokens": 0,
           "prompt_cache_write_tokens": 0, "cost": 0.000279}
    with_usd = tmp_path / "api.jsonl"
    with_usd.write_text(json.dumps({**row, "costUSD": 0.000279}) + "\n")
    plain = tmp_path / "plain.jsonl"
    plain.write_text(json.dumps(row) + "\n")
    for f in (with_usd, plain):
        rows, report = _load([f], "SELECT logged_cost_usd FROM events")
        assert rows == [(0.000279,)], f
        assert "in USD" in report.files[0].mapping


def test_helicone_export_tool_csv_is_read() -> None:
    # @helicone/export --format csv: no request_id; response_id is the event id, cost is the
    # request API's USD, and a request without a user is rejected as such
    rows, report = _load([FIXTURES / "helicone" / "export_tool.csv"],
                         "SELECT event_id, user_id, input_tokens, logged_cost_usd FROM events "
                         "ORDER BY ts")
    assert rows == [("7c1d0a52-0001-4000-8000-00000000000a", "erin", 300, 0.009543),
                    ("7c1d0a52-0002-4000-8000-00000000000b", "erin", 1500, 0.000279)]
    assert report.files[0].rejected_by_reason == {"missing user_id": 1}


def _helicone_records() -> list[dict[str, Any]]:
    return [{"response_id": f"resp-{i}", "response_created_at": "2026-10-04T12:00:04.100Z",
             "response_body": {"helicone_message": "fetching body from signed_url..."},
             "response_status": 200, "request_id": f"req-{i}",
             "request_created_at": f"2026-10-04T12:00:0{i}.000Z", "request_user_id": "erin",
             "model": "gpt-4o-mini", "prompt_tokens": 100, "completion_tokens": 9,
             "prompt_cache_read_tokens": 0, "prompt_cache_write_tokens": 0,
             "cost": 0.0000279} for i in (1, 2)]


def _export_tool_json(path: Path, trailing_comma: bool) -> Path:
    """As @helicone/export --format json writes: '[', each record indented by 2 and followed
    by ',' while fewer than --limit were written (Infinity without one), then ']'."""
    records = _helicone_records()
    with path.open("w", encoding="utf-8") as fh:
        fh.write("[\n")
        for i, r in enumerate(records):
            last = i == len(records) - 1 and not trailing_comma
            fh.write(json.dumps(r, indent=2) + ("\n" if last else ",\n"))
        fh.write("]\n")
    return path


def test_helicone_export_tool_json_array_is_read(tmp_path: Path) -> None:
    f = _export_tool_json(tmp_path / "output.json", trailing_comma=False)  # --limit 2
    assert detect(f).name == "helicone"
    rows, _ = _load([f], "SELECT event_id, logged_cost_usd FROM events ORDER BY 1")
    assert rows == [("req-1", 0.0000279), ("req-2", 0.0000279)]


def test_helicone_columns_not_detected_name_the_source(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "h.csv", ["request_created_at", "request_user_id", "model",
                                       "prompt_tokens"],
                  [["2026-10-04T12:00:00.000Z", "erin", "gpt-4o", 100]])
    assert "load it with --source helicone" in cli_error(["load", str(f)])


def test_json_array_with_a_trailing_comma_says_so(tmp_path: Path) -> None:
    f = _export_tool_json(tmp_path / "output.json", trailing_comma=True)  # no --limit
    for cmd in (["load", str(f)], ["map", str(f)]):
        msg = cli_error(cmd)
        assert "trailing comma before its closing ]" in msg, cmd
        assert "remove that last comma" in msg


# -- Langfuse -----------------------------------------------------------------------------


def _observation(i: int, kind: str, model: str | None, user: str | None = "gina"
                 ) -> dict[str, Any]:
    obs: dict[str, Any] = {"id": f"obs-{i}", "traceId": "trace-1", "type": kind,
                           "startTime": f"2026-10-06T14:00:0{i}.000Z", "model": model,
                           "promptTokens": 100 if model else 0,
                           "completionTokens": 10 if model else 0}
    if user is not None:
        obs["userId"] = user
    return obs


def test_langfuse_spans_and_events_are_counted_apart(tmp_path: Path) -> None:
    f = tmp_path / "obs.jsonl"
    f.write_text("\n".join(json.dumps(o) for o in [
        _observation(1, "SPAN", None), _observation(2, "GENERATION", "gpt-4o"),
        _observation(3, "EVENT", None), _observation(4, "GENERATION", None)]) + "\n")
    _, report = _load([f], "SELECT 1")
    (fl,) = report.files
    assert (fl.rows_read, fl.rows_loaded, fl.rows_rejected) == (2, 1, 1)
    assert fl.rejected_by_reason == {"missing model": 1}  # a generation without a model
    assert fl.skipped_by_kind == {"SPAN observation (not a model call)": 1,
                                  "EVENT observation (not a model call)": 1}
    # --strict fails on the generation without a model only, not on the spans
    with pytest.raises(StrictModeError, match="1 row"):
        _load([f], "SELECT 1", LoadOptions(strict=True))


def test_langfuse_api_page_is_read_row_by_row(tmp_path: Path) -> None:
    f = _write_json(tmp_path / "page.json", {
        "data": [_observation(1, "SPAN", None), _observation(2, "GENERATION", "gpt-4o")],
        "meta": {"page": 1, "limit": 50, "totalItems": 2, "totalPages": 1}}, indent=2)
    assert detect(f).name == "langfuse"
    rows, _ = _load([f], "SELECT event_id, user_id, input_tokens FROM events")
    assert rows == [("obs-2", "gina", 100)]


def test_langfuse_without_user_says_it_is_on_the_trace(tmp_path: Path) -> None:
    f = tmp_path / "obs.jsonl"
    f.write_text(json.dumps(_observation(1, "GENERATION", "gpt-4o", user=None)) + "\n")
    assert "keeps the user on the trace" in cli_error(["load", str(f)])


def test_langfuse_cache_tokens_come_from_usage_details() -> None:
    rows, report = _load([FIXTURES / "langfuse" / "observations_usage_details.jsonl"],
                         "SELECT event_id, input_tokens, output_tokens, cache_read_tokens, "
                         "cache_write_tokens, cache_write_1h_tokens FROM events ORDER BY 1")
    assert rows == [
        ("obs-a", 500, 400, 120000, 3000, 0),  # Anthropic's keys
        ("obs-b", 2000, 1500, 5000, 0, 0),  # OpenAI: cached input; reasoning back in output
        ("obs-c", 100, 50, 1000, 200, 300),  # LangChain: 5-minute and 1-hour writes
        ("obs-d", 1000, 200, 0, 0, 0)]  # audio input: no class (the note below)
    (note,) = [n for n in report.notes if "in no class" in n]
    assert "1 model-call row(s) log a totalTokens above the token classes read" in note
    assert "50,000 tokens in no class" in note
    assert "(usageDetails keys not read: input_audio_tokens)" in note


def test_langfuse_csv_usage_details_text_is_read(tmp_path: Path) -> None:
    # a CSV export holds usageDetails as JSON text; totals that match the classes: no note
    obs = {**_observation(1, "GENERATION", "claude-sonnet-4-5"), "totalTokens": 3110,
           "usageDetails": json.dumps({"input": 100, "output": 10,
                                       "cache_read_input_tokens": 3000, "total": 3110})}
    f = _quoted_csv(tmp_path / "obs.csv", list(obs), [list(obs.values())])
    rows, report = _load([f], "SELECT input_tokens, cache_read_tokens FROM events")
    assert rows == [(100, 3000)]
    assert not [n for n in report.notes if "in no class" in n]


def test_langfuse_usage_details_count_that_cannot_be_used_rejects_the_row(
        tmp_path: Path) -> None:
    f = tmp_path / "obs.jsonl"
    f.write_text(json.dumps({**_observation(1, "GENERATION", "gpt-4o"),
                             "usageDetails": {"input": 100, "input_cached_tokens": -5}}) + "\n")
    rows, report = _load([f], "SELECT count(*) FROM events")
    assert rows == [(0,)]
    assert report.files[0].rejected_by_reason == {"negative token count": 1}


# -- a forced source that rejects everything ------------------------------------------------


def test_forced_source_rejecting_every_row_names_the_detected_one(tmp_path: Path) -> None:
    f = _write_json(tmp_path / "daily.json", _openai_page(1790812800, 86400, 3000))
    _, report = _load([f], "SELECT 1", LoadOptions(source="anthropic-usage"))
    assert report.rows_loaded == 0
    assert any("rejected all 1 row(s)" in n and "give --source openai-usage" in n
               for n in report.notes)


def test_langfuse_csv_tokens_in_no_class_note_on_load_and_map(tmp_path: Path) -> None:
    # read from the checked rows (not a second pass over the file): a CSV row above its
    # classes names its unread key; a row without totalTokens reads usageDetails' total
    from planalyzer.sources.inspect import mapping_tables

    above = {**_observation(1, "GENERATION", "gpt-4o"), "totalTokens": 1310,
             "usageDetails": json.dumps({"input": 100, "output": 10, "input_audio_tokens": 1200,
                                         "total": 1310})}
    no_total = {**above, "id": "obs-2", "totalTokens": "",
                "usageDetails": json.dumps({"input": 100, "output": 10, "total": 150})}
    fine = {**above, "id": "obs-3", "usageDetails": json.dumps({"input": 1300, "output": 10})}
    f = _quoted_csv(tmp_path / "obs.csv", list(above),
                    [list(r.values()) for r in (above, no_total, fine)])
    rows, report = _load([f], "SELECT count(*) FROM events")
    assert rows == [(3,)]
    (note,) = [n for n in report.notes if "in no class" in n]
    assert "2 model-call row(s) log a totalTokens above the token classes read" in note
    assert "1,240 tokens in no class" in note
    assert "(usageDetails keys not read: input_audio_tokens)" in note
    (table,) = mapping_tables([str(f)], LoadOptions())
    (shown,) = [n for n in table.notes if "in no class" in n]
    assert "2 model-call row(s)" in shown and "1,240 tokens in no class" in shown
