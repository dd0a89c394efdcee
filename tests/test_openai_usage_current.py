"""OpenAI usage exports as the current API and its users write them (qa12B #1, #3, #5, #7, #10,
#11): buckets saved without their page, api_source groupings, cache writes inside input_tokens,
audio counts beside text-only ones, cost reports taken for usage, and the shared check that a
usage-report file never loads silently as 0 rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, cli_error, write_csv

from planalyzer.accounting import accounting_tables
from planalyzer.costs.prices import api_value_usd, load_price_catalog
from planalyzer.costs.roofline import Tokens
from planalyzer.errors import InputError
from planalyzer.sources.mapping import MappingSpec
from planalyzer.sources.unmapped import note
from planalyzer.store import LoadOptions, Store

OAI = FIXTURES / "openai_usage"
_EVENTS = ("SELECT event_id, user_id, model, input_tokens, cache_write_tokens, "
           "cache_write_1h_tokens, cache_read_tokens, output_tokens, requests FROM events "
           "ORDER BY ALL")


def _load(paths: list[Path], opts: LoadOptions | None = None
          ) -> tuple[list[tuple[Any, ...]], Any]:
    with Store() as store:
        report = store.load([str(p) for p in paths], opts or LoadOptions())
        return store.con.execute(_EVENTS).fetchall(), report


def _write(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _bucket(start: int, width: int, **result: Any) -> dict[str, Any]:
    row = {"object": "organization.usage.completions.result", "input_tokens": 1000,
           "output_tokens": 10, "input_cached_tokens": 0, "num_model_requests": 1,
           "user_id": "u1", "project_id": None, "api_key_id": None, "model": "gpt-4o",
           "batch": None, "service_tier": None, **result}
    return {"object": "bucket", "start_time": start, "end_time": start + width,
            "results": [row]}


def _page(*buckets: dict[str, Any]) -> dict[str, Any]:
    return {"object": "page", "data": list(buckets), "has_more": False, "next_page": None}


# -- #1: buckets saved without their page -------------------------------------------------


def test_a_list_of_buckets_loads_its_results() -> None:
    rows, report = _load([OAI / "buckets_list.json"])
    assert (report.rows_read, report.rows_loaded) == (3, 3)
    assert ("openai:1790899200/86400:user-abc:proj_A::gpt-4o-2024-08-06:false:", "user-abc",
            "gpt-4o-2024-08-06", 40000, 0, 0, 60000, 20000, 40) in rows
    # no user: the project it was grouped by (before its key)
    assert [r[1] for r in rows if r[2] == "gpt-4.1-2025-04-14"] == ["project:proj_A"]


def test_buckets_one_a_line_load_as_the_list_does(tmp_path: Path) -> None:
    buckets = json.loads((OAI / "buckets_list.json").read_text())
    lines = tmp_path / "buckets.jsonl"
    lines.write_text("".join(json.dumps(b) + "\n" for b in buckets), encoding="utf-8")
    pages = _write(tmp_path / "pages.json", [_page(*buckets[:2]), _page(buckets[2])])
    got = {p.name: _load([p])[0] for p in (OAI / "buckets_list.json", lines, pages)}
    assert got["buckets.jsonl"] == got["buckets_list.json"] == got["pages.json"]
    assert len(got["pages.json"]) == 3


# -- the shared check: a usage-report file that loads no row says why -----------------------


def _flat_items(tmp_path: Path) -> Path:
    # buckets whose usage is not in a `results` list (a shape of another report): recognised
    # by their "object": "bucket" entries, yet they hold no result to read
    items = [{"object": "bucket", "start_time": 1790812800, "end_time": 1790899200,
              "usage": {"input_tokens": 100, "output_tokens": 5}, "model": "gpt-4o"}]
    return _write(tmp_path / "flat.json", _page(*items))


def test_usage_file_without_results_is_an_error(tmp_path: Path) -> None:
    f = _flat_items(tmp_path)
    with pytest.raises(InputError) as err:
        Store().load([str(f)])
    msg = str(err.value)
    assert "flat.json: read as openai-usage JSON, but it holds 1 data item(s) without a " \
           "`results` list (keys: end_time, model, object, start_time, usage)" in msg
    assert "nothing was loaded from it" in msg and "usage/completions" in msg


def test_usage_file_without_results_beside_others_is_a_note(tmp_path: Path) -> None:
    f = _flat_items(tmp_path)
    rows, report = _load([f, OAI / "completions_by_user_model.json"])
    assert len(rows) == 3
    assert any(n.startswith(f"{f}: read as openai-usage JSON, but it holds 1 data item(s)")
               for n in report.notes), report.notes


def test_usage_file_without_results_is_a_cli_error(tmp_path: Path) -> None:
    msg = cli_error(["load", str(_flat_items(tmp_path))])
    assert "read as openai-usage JSON, but it holds 1 data item(s)" in msg


@pytest.mark.parametrize("doc", [
    _page(),  # no bucket in the window
    _page({"object": "bucket", "start_time": 1790812800, "end_time": 1790816400,
           "results": []}),  # an hour with no usage
    [],  # a saved list of buckets that is empty
])
def test_an_empty_page_loads_nothing_quietly(tmp_path: Path, doc: Any) -> None:
    f = _write(tmp_path / "empty.json", doc)
    if doc == []:
        f.write_text('[{"object": "bucket", "start_time": 1790812800, "end_time": 1790816400, '
                     '"results": []}]', encoding="utf-8")
    rows, report = _load([f], LoadOptions(source="openai-usage"))
    assert rows == [] and report.rows_read == 0
    assert not any("read as" in n for n in report.notes)


def test_anthropic_cost_report_is_said_to_be_one(tmp_path: Path) -> None:
    # Anthropic's cost_report page (Admin API): the shared check says what it is (the
    # anthropic-usage source reads it as a messages report, which loads none of its rows)
    page = {"data": [{"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-10-02T00:00:00Z",
                      "results": [{"currency": "USD", "amount": "123.45",
                                   "workspace_id": None, "description": "Claude Sonnet 4.5",
                                   "cost_type": "tokens", "context_window": "0-200k",
                                   "model": "claude-sonnet-4-5-20250929",
                                   "service_tier": "standard",
                                   "token_type": "uncached_input_tokens"}]}],
            "has_more": False, "next_page": None}
    f = _write(tmp_path / "cost_report.json", page)
    with pytest.raises(InputError) as err:
        Store().load([str(f)])
    msg = str(err.value)
    assert "cost_report.json: read as anthropic-usage JSON, but it is an Anthropic cost " \
        "report (1 cost_report result(s)" in msg
    assert "analytics/usage" in msg and "usage_report/messages" in msg


def test_claude_code_report_with_empty_breakdowns_is_no_problem(tmp_path: Path) -> None:
    # its rows are in `model_breakdown`, not `results`: a day without usage loads 0 rows quietly
    day = {"date": "2026-10-01T00:00:00Z", "actor": {"type": "user_actor",
                                                     "email_address": "ann@example.com"},
           "organization_id": "org", "customer_type": "api", "terminal_type": "vscode",
           "core_metrics": {}, "tool_actions": {}, "model_breakdown": []}
    f = _write(tmp_path / "cc.json", {"data": [day], "has_more": False, "next_page": None})
    rows, report = _load([f])
    assert rows == [] and report.files[0].holds_instead == ""


# -- #11: OpenAI cost pages ------------------------------------------------------------------


def test_openai_cost_page_is_a_cost_report() -> None:
    msg = cli_error(["load", str(OAI / "costs_page.json")])
    assert msg.endswith("costs_page.json: read as openai-usage JSON, but it is a cost report "
                        "(2 organization.costs.result result(s): amounts, not token counts), "
                        "not a usage report: export usage/completions "
                        "(GET /v1/organization/usage/completions) and load that")


def test_openai_cost_page_beside_usage_is_a_note() -> None:
    rows, report = _load([OAI / "costs_page.json", OAI / "completions_by_user_model.json"])
    assert len(rows) == 3
    costs = next(f for f in report.files if f.source.endswith("costs_page.json"))
    assert (costs.rows_read, costs.rows_rejected) == (2, 2)  # kept in rejected_rows
    assert sum("it is a cost report" in n for n in report.notes) == 1


# -- #3: api_source is a grouping dimension --------------------------------------------------


def test_results_differing_only_in_api_source_are_both_kept() -> None:
    rows, report = _load([OAI / "completions_current_api.json"])
    assert (report.rows_loaded, report.duplicates_dropped) == (2, 0)
    ids = [r[0] for r in rows]
    assert ids == ["openai:1790812800/86400:user-abc:::gpt-5-2025-08-07:::api_source=agents_api",
                   "openai:1790812800/86400:user-abc:::gpt-5-2025-08-07:::api_source=unlabeled"]
    assert sum(r[8] for r in rows) == 15


def test_ids_without_api_source_are_unchanged() -> None:
    # the ids earlier versions gave: a --db store's events still match the same export
    rows, _ = _load([OAI / "completions_by_user_model.json"])
    assert rows[-1][0] == "openai:1790899200/86400:user-abc:::gpt-4o-2024-08-06::"


def test_api_source_groupings_of_other_widths_are_compared(tmp_path: Path) -> None:
    day = _write(tmp_path / "day.json", _page(_bucket(1790812800, 86400,
                                                      api_source="agents_api")))
    same = _write(tmp_path / "hour.json", _page(_bucket(1790812800, 3600)))
    with pytest.raises(InputError, match="buckets of 1 day and 1 hour cover the same time"):
        Store().load([str(day), str(same)])
    other = _write(tmp_path / "hour2.json", _page(_bucket(1790812800, 3600,
                                                         api_source="unlabeled")))
    rows, _ = _load([day, other])  # agents_api by day, unlabeled by hour: apart
    assert len(rows) == 2


# -- #5: cache writes inside input_tokens ----------------------------------------------------


def test_json_cache_writes_come_out_of_input() -> None:
    rows, _ = _load([OAI / "completions_current_api.json"])
    # input 100,000 = 60,000 cached + 25,000 30-minute writes + 5,000 12-hour writes + 10,000
    assert rows[0][3:8] == (10000, 25000, 5000, 60000, 4000)
    assert rows[1][3:8] == (50000, 0, 0, 0, 1000)


def test_dashboard_csv_cache_writes_come_out_of_input() -> None:
    with Store() as store:
        report = store.load([str(OAI / "dashboard_current.csv")])
        rows = store.con.execute(
            "SELECT input_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens, "
            "output_tokens FROM events ORDER BY input_tokens").fetchall()
    assert rows == [(10000, 25000, 5000, 60000, 4000), (50000, 0, 0, 0, 1000)]
    assert "cache_write_tokens=input_cache_write_tokens" in report.files[0].mapping
    assert "cache_write_1h_tokens=input_cache_write_12h_tokens" in report.files[0].mapping
    assert "OpenAI's 30-minute retention" in report.files[0].mapping
    # every token column is used or a detail: no note, and never a --map that counts twice
    assert not any("read as 0" in n or "--map" in n for n in report.notes), report.notes


def test_a_given_cache_write_map_does_not_count_twice(tmp_path: Path) -> None:
    # qa12B #5's dash_cw.csv, with the --map the old note suggested
    f = write_csv(tmp_path / "dash_cw.csv",
                  ["start_time_iso", "num_model_requests", "user_id", "model", "input_tokens",
                   "output_tokens", "input_cached_tokens", "input_uncached_tokens",
                   "input_cache_write_tokens"],
                  [["2026-10-01T00:00:00+00:00", 10, "user-abc", "gpt-4o-2024-08-06", 100000,
                    2000, 60000, 10000, 30000]])
    for explicit in ({}, {"cache_write_tokens": "input_cache_write_tokens"}):
        rows, report = _load([f], LoadOptions(mapping=MappingSpec(explicit=explicit)))
        assert rows[0][3:7] == (10000, 30000, 0, 60000)
        assert not any("input_uncached_tokens" in n for n in report.notes), report.notes


def test_cache_reads_and_writes_above_input_are_rejected(tmp_path: Path) -> None:
    f = _write(tmp_path / "over.json", _page(_bucket(
        1790812800, 86400, input_tokens=1000, input_cached_tokens=600,
        input_cache_write_tokens=500, input_cache_write_12h_tokens=0)))
    rows, report = _load([f])
    assert rows == []
    assert report.files[0].rejected_by_reason == {
        "cache reads and writes above the input count that includes them": 1}
    csv = write_csv(tmp_path / "over.csv",
                    ["start_time", "num_model_requests", "user_id", "model", "input_tokens",
                     "output_tokens", "input_cached_tokens", "input_cache_write_tokens"],
                    [[1790812800, 1, "u1", "gpt-4o", 1000, 10, 600, 500]])
    _, report = _load([csv])
    assert report.files[0].rejected_by_reason == {
        "cache reads and writes above the input count that includes them": 1}


def test_unplaced_column_is_never_suggested_as_a_cache_class() -> None:
    text = note(["cache_write_tokens", "cache_write_1h_tokens"],
                ["input_cache_write_tokens", "tokens_x"])
    assert text is not None
    assert "--map cache_write_tokens=input_cache_write_tokens" in text
    assert "cache_write_tokens=tokens_x" not in text and "cache_write_1h_tokens=tokens_x" \
        not in text
    assert "tokens_x: of no class plainly (no --map suggested" in text


def test_openai_catalog_prices_cache_writes_at_input() -> None:
    catalog = load_price_catalog(None)
    for model in ("gpt-5", "gpt-5-mini", "gpt-5.2", "gpt-4.1", "o3", "gpt-4o"):
        price = catalog.lookup(model)
        assert price is not None
        assert price.base.cache_write == price.base.cache_write_1h == price.base.input > 0
        writes = Tokens(cache_write=1_000_000, cache_write_1h=1_000_000)
        assert api_value_usd(price, writes) == pytest.approx(2 * price.base.input)


# -- #7: audio tokens --------------------------------------------------------------------------


def test_audio_beside_text_only_counts_is_named_with_totals() -> None:
    rows, report = _load([OAI / "completions_audio_text_only.json"])
    # text input as logged (less cached), audio not in it
    assert sorted((r[2], r[3]) for r in rows) == [("gpt-4o-2024-08-06", 2000),
                                                   ("gpt-4o-realtime-preview-2024-12-17", 1000)]
    notes = [n for n in report.notes if "no token class counts" in n]
    assert len(notes) == 1
    assert ("completions_audio_text_only.json: 1 row(s) hold tokens that no token class "
            "counts, neither loaded nor priced: input_audio_tokens 50,000, output_audio_tokens "
            "20,000; this export's input_tokens and output_tokens count text only" in notes[0])


@pytest.mark.parametrize("fixture", ["completions_current_api.json", "dashboard_current.csv",
                                     "dashboard_export.csv", "completions_by_user_model.json"])
def test_audio_inside_the_counts_gives_no_note(fixture: str) -> None:
    _, report = _load([OAI / fixture])
    assert not any("no token class counts" in n for n in report.notes), report.notes


def test_dashboard_audio_above_its_count_is_named(tmp_path: Path) -> None:
    # qa12B #7's dash_new.csv row: audio columns beside counts that cannot hold them
    f = write_csv(tmp_path / "dash.csv",
                  ["start_time", "num_model_requests", "user_id", "model", "input_tokens",
                   "output_tokens", "input_cached_tokens", "input_uncached_tokens",
                   "input_text_tokens", "input_audio_tokens", "output_text_tokens",
                   "output_audio_tokens"],
                  [[1790812800, 5, "u1", "gpt-4o-realtime-preview", 1000, 500, 0, 1000, 1000,
                    30000, 500, 15000],
                   [1790812800, 5, "u2", "gpt-4o", 1000, 500, 0, 1000, 800, 200, 500, 0]])
    _, report = _load([f])
    assert any("dash.csv: 1 row(s) hold tokens that no token class counts, neither loaded nor "
               "priced: input_audio_tokens 30,000, output_audio_tokens 15,000" in n
               for n in report.notes), report.notes


# -- #10: a .json page's format is JSON ----------------------------------------------------


def test_load_table_names_json_pages_json(tmp_path: Path) -> None:
    buckets = json.loads((OAI / "buckets_list.json").read_text())
    lines = tmp_path / "buckets.jsonl"
    lines.write_text("".join(json.dumps(b) + "\n" for b in buckets), encoding="utf-8")
    _, report = _load([OAI / "buckets_list.json", lines])
    shown = {Path(str(r[0])).name: r[1] for r in accounting_tables(report)[0].rows}
    assert (shown["buckets_list.json"], shown["buckets.jsonl"]) == ("openai-usage JSON",
                                                                    "openai-usage jsonl")
    # the format as the manifest records it (a --db reload reads it back) is unchanged
    assert {f.format for f in report.files} == {"openai-usage jsonl"}


@pytest.mark.parametrize("beside", [False, True])
def test_an_empty_usage_page_loads_no_row(tmp_path: Path, beside: bool) -> None:
    # an idle day's page (a script saving one page per day): 0 rows, not a file of unknown
    # columns that fails the whole folder
    empty = tmp_path / "empty_page.json"
    empty.write_text(json.dumps({"object": "page", "data": [], "has_more": False,
                                 "next_page": None}))
    paths = [empty, OAI / "completions_by_user_model.json"] if beside else [empty]
    with Store() as store:
        report = store.load([str(p) for p in paths])
        n = store.con.execute("SELECT count(*) FROM events").fetchone()
    by_file = {Path(fl.source).name: fl for fl in report.files}
    assert by_file["empty_page.json"].rows_read == 0
    assert n is not None and (n[0] > 0) == beside


def test_the_projection_runs_once_and_keeps_each_result_in_file_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows read are the rows staged: the projection is not run again to count them
    (qa18B #1, #2: the count alone ran out of the default 2 GB on 200k results). A null
    among a bucket's results is a row of its own, rejected, and the rows keep the file's
    order across pages (source_row numbered per bucket)."""
    from planalyzer import sqlfiles
    ran: list[str] = []
    real = sqlfiles.run
    monkeypatch.setattr(sqlfiles, "run", lambda con, name, *a, **k: (
        ran.append(name), real(con, name, *a, **k))[1])
    res = {"object": "organization.usage.completions.result", "input_tokens": 10,
           "output_tokens": 5, "num_model_requests": 1, "model": "gpt-4o"}
    pages = [{"object": "page", "data": [
        {"object": "bucket", "start_time": 1790812800 + 3600 * (2 * p + b),
         "end_time": 1790812800 + 3600 * (2 * p + b + 1),
         "results": [{**res, "user_id": f"u{p}{b}{i}"} for i in range(b + 1)]
         + ([None] if (p, b) == (0, 1) else [])}
        for b in range(2)]} for p in range(2)]
    path = tmp_path / "usage.jsonl"
    path.write_text("\n".join(json.dumps(p) for p in pages) + "\n", encoding="utf-8")
    with Store() as store:
        report = store.load([str(path)], LoadOptions())
        users = store.con.execute("SELECT user_id FROM events ORDER BY source_row").fetchall()
        rejected = store.con.execute("SELECT source_row, reason, raw_json FROM rejected_rows"
                                     ).fetchall()
    assert ran.count("stage_checked_rows") == 1 and "count_source_rows" not in ran
    (fl,) = report.files
    assert (fl.rows_read, fl.rows_loaded, fl.rows_rejected) == (7, 6, 1)
    assert [u for (u,) in users] == ["u000", "u010", "u011", "u100", "u110", "u111"]
    assert rejected == [(4, "missing model", "null")]
