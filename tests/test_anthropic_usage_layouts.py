"""Anthropic usage JSON as scripts save it and as the analytics API returns it: buckets saved
without their page, the analytics/usage rows (their logged request counts and actors), and
cost reports given as usage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, cli_error

from planalyzer.errors import InputError
from planalyzer.me_scope import estimated_note
from planalyzer.source_checks import aggregated_note
from planalyzer.sources.mapping import MappingSpec
from planalyzer.sources.registry import detect
from planalyzer.store import LoadOptions, Store

ANT = FIXTURES / "anthropic_usage"
EVENTS = ("SELECT event_id, CAST(ts AS VARCHAR), user_id, model, input_tokens, cache_write_tokens, "
          "cache_write_1h_tokens, cache_read_tokens, output_tokens, requests FROM events "
          "ORDER BY ALL")


def _load(*paths: Path) -> tuple[list[tuple[object, ...]], Any]:
    with Store() as store:
        report = store.load([str(p) for p in paths], LoadOptions())
        return store.con.execute(EVENTS).fetchall(), report


def _page(fixture: str) -> dict[str, Any]:
    page: dict[str, Any] = json.loads((ANT / fixture).read_text())
    return page


def _write(path: Path, doc: Any) -> Path:
    """One JSON document (a page, or a list), pretty-printed."""
    path.write_text(json.dumps(doc, indent=2))
    return path


def _lines(path: Path, docs: list[Any]) -> Path:
    """One JSON document per line."""
    path.write_text("".join(json.dumps(d) + "\n" for d in docs))
    return path


# --- buckets saved without their page ----------------------------------------------------


def test_a_list_of_messages_buckets_reads_as_their_pages(tmp_path: Path) -> None:
    listed, report = _load(ANT / "messages_buckets_list.json")
    buckets = json.loads((ANT / "messages_buckets_list.json").read_text())
    pages = [{"data": buckets[:2], "has_more": True, "next_page": "page_x"},
             {"data": buckets[2:], "has_more": False, "next_page": None}]
    paged, _ = _load(_write(tmp_path / "p1.json", pages[0]),
                     _write(tmp_path / "p2.json", pages[1]))
    (fl,) = report.files
    assert (fl.rows_read, fl.rows_loaded) == (2, 2)
    assert listed == paged
    assert ("api_key:apikey_01Xyz", 90) in [(r[2], r[4]) for r in listed]


def test_messages_buckets_one_per_line(tmp_path: Path) -> None:
    buckets = json.loads((ANT / "messages_buckets_list.json").read_text())
    per_line, _ = _load(_lines(tmp_path / "buckets.jsonl", buckets))
    listed, _ = _load(ANT / "messages_buckets_list.json")
    assert per_line == listed and len(per_line) == 2


def test_claude_code_records_saved_without_their_page(tmp_path: Path) -> None:
    records = _page("claude_code_report.json")["data"]
    paged, _ = _load(ANT / "claude_code_report.json")
    listed, _ = _load(_write(tmp_path / "records.json", records))
    per_line, _ = _load(_lines(tmp_path / "records.jsonl", records))
    assert listed == paged == per_line and paged


# --- analytics/usage ----------------------------------------------------------------------


def test_analytics_rows_load_with_their_logged_request_counts() -> None:
    rows, report = _load(ANT / "analytics_usage_by_actor.json")
    (fl,) = report.files
    assert (fl.rows_read, fl.rows_loaded, fl.rows_rejected) == (4, 3, 1)
    assert fl.rejected_by_reason == {"missing model": 1}  # a code-execution row
    assert fl.estimated_requests == 1  # the row whose requests is null
    got = {(r[2], r[3], r[9]) for r in rows}
    assert got == {("ann@example.com", "claude-sonnet-4-5-20250929", 7),
                   ("ann@example.com", "claude-sonnet-4-5-20250929", 2),
                   ("api_key:apikey_01Xyz", "claude-haiku-4-5-20251001", 1)}
    ann = next(r for r in rows if r[9] == 7)
    assert ann[4:9] == (1500, 500, 1000, 20000, 3000)  # 5-minute and 1-hour writes apart


def test_analytics_rows_are_not_said_to_be_estimates() -> None:
    with Store() as store:
        report = store.load([str(ANT / "analytics_usage_by_actor.json")], LoadOptions())
        note = aggregated_note(store.con)
    assert note is not None and "log no request count" not in note
    assert any("1 bucket row(s)" in n for n in report.notes)  # the null one, per file
    with Store() as store:
        store.load([str(ANT / "analytics_usage_by_actor.json"),
                    str(ANT / "claude_code_report.json")], LoadOptions())
        note = aggregated_note(store.con)
        claude_code = store.con.sql(
            "SELECT count(*) FROM events WHERE event_id LIKE 'claude_code:%'").fetchall()[0][0]
    assert note is not None
    assert f"{claude_code:,} of them come from exports that log no request count" in note


def test_me_counts_analytics_rows_as_logged(tmp_path: Path) -> None:
    with Store() as store:
        store.load([str(ANT / "analytics_usage_by_actor.json")], LoadOptions())
        store.con.execute("CREATE TEMP TABLE me_files AS SELECT DISTINCT source FROM events")
        assert estimated_note(store.con) is None


@pytest.mark.parametrize("layout", ["pages", "list_of_pages", "page_per_line", "rows",
                                    "row_per_line", "flat_rows"])
def test_analytics_layouts_read_alike(tmp_path: Path, layout: str) -> None:
    page = _page("analytics_usage_by_actor.json")
    rows = page["data"]
    first = {"data": rows[:2], "has_more": True, "next_page": "page_2"}
    second = {"data": rows[2:], "has_more": False, "next_page": None}
    flat = [{"starting_at": r["starting_at"], "ending_at": r["ending_at"], **r["group"],
             **r["usage"]} for r in rows]
    files = {
        "pages": lambda: [_write(tmp_path / "p1.json", first),
                          _write(tmp_path / "p2.json", second)],
        "list_of_pages": lambda: [_write(tmp_path / "all.json", [first, second])],
        "page_per_line": lambda: [_lines(tmp_path / "all.jsonl", [first, second])],
        "rows": lambda: [_write(tmp_path / "rows.json", rows)],
        "row_per_line": lambda: [_lines(tmp_path / "rows.jsonl", rows)],
        "flat_rows": lambda: [_write(tmp_path / "flat.json", {"data": flat})],
    }[layout]()
    got, _ = _load(*files)
    want, _ = _load(ANT / "analytics_usage_by_actor.json")
    assert got == want


def _analytics_row(group: dict[str, Any], requests: int | None = 1,
                   start: str | None = "2026-10-01T00:00:00Z",
                   end: str | None = "2026-10-02T00:00:00Z") -> dict[str, Any]:
    return {"starting_at": start, "ending_at": end,
            "group": {"model": "claude-sonnet-4-5-20250929", **group},
            "usage": {"uncached_input_tokens": 100, "cache_creation": {
                "ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
                "cache_read_input_tokens": 0, "output_tokens": 10, "requests": requests}}


@pytest.mark.parametrize(("actor", "user"), [
    ({"type": "user_actor", "user_id": "user_01A", "email_address": "bo@example.com",
      "name": "Bo", "deleted": False}, "bo@example.com"),
    ({"type": "user_actor", "user_id": "user_01B", "email_address": None,
      "name": "Deleted User", "deleted": True}, "user_01B"),
    ("user_01C", "user_01C"),
    ("svac_01D", "service_account:svac_01D"),
    ("apikey_01E", "api_key:apikey_01E"),
    ({"type": "service_account_actor", "service_account_id": "svac_01F", "name": "ci"},
     "service_account:svac_01F"),
    ({"type": "api_key_actor", "api_key_id": "apikey_01G", "name": "prod"},
     "api_key:apikey_01G"),
    (None, "workspace:wrkspc_9"),
])
def test_analytics_users_come_from_the_actor(tmp_path: Path, actor: object,
                                             user: str) -> None:
    f = _write(tmp_path / "a.json", {"data": [
        _analytics_row({"actor": actor, "workspace_id": "wrkspc_9"})]})
    rows, _ = _load(f)
    assert [r[2] for r in rows] == [user]


def test_every_group_dimension_keeps_rows_apart(tmp_path: Path) -> None:
    # rows differing only in product, or in a dimension this planalyzer does not name
    rows = [_analytics_row({"product": "claude_code"}), _analytics_row({"product": "chat"}),
            _analytics_row({"future_dim": "a:1"}), _analytics_row({"future_dim": "a:2"})]
    got, report = _load(_write(tmp_path / "a.json", {"data": rows}))
    (fl,) = report.files
    assert (fl.rows_loaded, fl.duplicates_dropped) == (4, 0)
    assert any(r[0].endswith(":future_dim=a%3A1") for r in got)


def test_an_analytics_row_without_a_time_bucket_is_rejected(tmp_path: Path) -> None:
    f = _write(tmp_path / "a.json", {"data": [_analytics_row({}, start=None, end=None)]})
    _, report = _load(f)
    (fl,) = report.files
    (reason,) = fl.rejected_by_reason
    assert reason.startswith("no time bucket") and "time_bucket_width" in reason


def test_analytics_and_messages_of_one_day_are_refused() -> None:
    with pytest.raises(InputError, match=r"analytics/usage rows and usage_report/messages "
                       r"buckets of 1 day cover the same time.*one of the two Anthropic"):
        Store().load([str(ANT / "analytics_usage_by_actor.json"),
                      str(ANT / "messages_by_account.json")])


def test_daily_and_hourly_analytics_exports_are_refused(tmp_path: Path) -> None:
    hourly = _write(tmp_path / "hourly.json", {"data": [_analytics_row(
        {"workspace_id": "wrkspc_01"}, start="2026-10-01T05:00:00Z",
        end="2026-10-01T06:00:00Z")]})
    with pytest.raises(InputError, match="buckets of 1 day and 1 hour cover the same time"):
        Store().load([str(ANT / "analytics_usage_by_actor.json"), str(hourly)])


def test_the_same_analytics_page_twice_is_a_duplicate(tmp_path: Path) -> None:
    copy = tmp_path / "again.json"
    page = _page("analytics_usage_by_actor.json")
    page["has_more"] = True  # not the same bytes: the rows' ids match
    copy.write_text(json.dumps(page))
    _, report = _load(ANT / "analytics_usage_by_actor.json", copy)
    assert sum(fl.duplicates_dropped for fl in report.files) == 3


# --- cost reports --------------------------------------------------------------------------


_COST_SAID = ("an Anthropic cost report ({}: amounts in USD, no token counts), not a usage "
              "report: export usage instead (GET /v1/organizations/analytics/usage, or the "
              "legacy usage_report/messages) and load that, or leave this file out (a file "
              "that is not Anthropic's: load it with --source tabular)")


def _analytics_cost_page(tmp_path: Path) -> Path:
    return _write(tmp_path / "cost.json", {"data": [
        {"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-10-02T00:00:00Z",
         "amount": "1234.5", "list_amount": "1500.0", "currency": "USD",
         "model": "claude-sonnet-4-5-20250929", "requests": 12}],
        "has_more": False, "next_page": None})


def test_a_cost_report_is_recognised_and_refused() -> None:
    # the shared check of a usage report that loaded no row says it (the one place that does)
    assert detect(ANT / "cost_report.json").name == "anthropic-usage"
    with pytest.raises(InputError) as err:
        Store().load([str(ANT / "cost_report.json")])
    assert str(err.value).endswith(
        "anthropic_usage/cost_report.json: read as anthropic-usage JSON, but it is "
        + _COST_SAID.format("1 cost_report result(s)"))


def test_a_cost_report_is_a_cli_error() -> None:
    msg = cli_error(["load", str(ANT / "cost_report.json")])
    assert msg.endswith("cost_report.json: read as anthropic-usage JSON, but it is "
                        + _COST_SAID.format("1 cost_report result(s)"))


def test_a_cost_report_beside_usage_is_a_note() -> None:
    # as an OpenAI cost page beside usage (tests/test_openai_usage_current.py): the usage
    # loads, the cost report is named (it was a refusal of the whole load here alone)
    rows, report = _load(ANT / "cost_report.json", ANT / "messages_by_account.json")
    assert len(rows) == 2
    cost = next(f for f in report.files if f.source.endswith("cost_report.json"))
    assert (cost.rows_read, cost.rows_loaded, cost.rows_rejected) == (1, 0, 1)
    said = [n for n in report.notes if "cost report" in n]
    assert len(said) == 1 and said[0].endswith(
        "anthropic_usage/cost_report.json: read as anthropic-usage JSON, but it is "
        + _COST_SAID.format("1 cost_report result(s)"))


def test_a_cost_report_read_as_openai_usage_names_anthropics_export() -> None:
    # the cost rows' own fields say whose report it is, not the reader
    msg = cli_error(["load", str(ANT / "cost_report.json"), "--source", "openai-usage"])
    assert msg.endswith("read as openai-usage JSON, but it is "
                        + _COST_SAID.format("1 cost_report result(s)"))


def test_an_analytics_cost_page_is_refused(tmp_path: Path) -> None:
    f = _analytics_cost_page(tmp_path)
    assert detect(f).name == "anthropic-usage"
    with pytest.raises(InputError) as err:
        Store().load([str(f)])
    assert str(err.value).endswith(_COST_SAID.format("1 analytics/cost row(s)"))


def test_an_analytics_cost_page_beside_usage_is_a_note(tmp_path: Path) -> None:
    rows, report = _load(_analytics_cost_page(tmp_path), ANT / "analytics_usage_by_actor.json")
    assert rows
    assert sum(_COST_SAID.format("1 analytics/cost row(s)") in n for n in report.notes) == 1


# --- generic files with some of Anthropic's names ------------------------------------------


def test_generic_rows_with_an_amount_and_currency_are_no_cost_report(tmp_path: Path) -> None:
    # per-request rows that carry their cost: no results/cost_type, token counts as keys
    f = tmp_path / "req.jsonl"
    f.write_text("\n".join(json.dumps(
        {"starting_at": f"2026-10-01T1{i}:00:00Z", "ending_at": f"2026-10-01T1{i}:00:03Z",
         "user_id": u, "model": "claude-sonnet-4-5", "prompt_tokens": 1200,
         "completion_tokens": 300, "amount": 0.0081, "currency": "USD"})
        for i, u in enumerate(["alice", "bob"])) + "\n")
    assert detect(f).name != "anthropic-usage"
    with Store() as store:
        store.load([str(f)], LoadOptions(mapping=MappingSpec({"ts": "starting_at"})))
        rows = store.con.execute("SELECT user_id, input_tokens FROM events ORDER BY 1").fetchall()
    assert rows == [("alice", 1200), ("bob", 1200)]


def test_generic_rows_with_anthropic_token_names_are_read_as_generic(tmp_path: Path) -> None:
    # per-request lines using uncached_input_tokens, with no starting_at/ending_at and no
    # group/usage objects: not analytics/usage rows (which were all rejected "no time bucket")
    f = tmp_path / "req.jsonl"
    f.write_text("\n".join(json.dumps(
        {"ts": f"2026-10-01T1{i}:00:00Z", "user_id": u, "model": "claude-sonnet-4-5",
         "uncached_input_tokens": 1000, "cache_read_input_tokens": 5000,
         "output_tokens": 200}) for i, u in enumerate(["alice", "bob"])) + "\n")
    assert detect(f).name != "anthropic-usage"
    rows, report = _load(f)
    assert [(r[2], r[4], r[7]) for r in rows] == [("alice", 1000, 5000), ("bob", 1000, 5000)]
    assert report.files[0].rows_rejected == 0
