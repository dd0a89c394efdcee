"""Saved API responses as they come (Langfuse's Observations API v2 page, Helicone's request
API response), pretty-printed JSON given as JSON lines, and --map where the values are nested:
read, or an error that says what the file is and what to do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, cli_error, cli_json

from planalyzer.sources.mapping import MappingSpec
from planalyzer.sources.registry import detect
from planalyzer.store import LoadOptions, Store

V2_PAGE = FIXTURES / "langfuse" / "observations_v2_page.json"
HELICONE_RESPONSE = FIXTURES / "helicone" / "request_api_response.json"
CLASSES = ("SELECT event_id, input_tokens, cache_read_tokens, cache_write_tokens, "
           "output_tokens, logged_cost_usd FROM events ORDER BY event_id")


def _load(paths: list[Path], sql: str, opts: LoadOptions | None = None
          ) -> tuple[list[tuple[Any, ...]], Any]:
    with Store() as store:
        report = store.load([str(p) for p in paths], opts or LoadOptions())
        return store.con.execute(sql).fetchall(), report


def _write_json(path: Path, doc: Any, indent: int | None = None) -> Path:
    path.write_text(json.dumps(doc, indent=indent) + "\n", encoding="utf-8")
    return path


def _v2_page(drop: tuple[str, ...] = (), **changes: Any) -> dict[str, Any]:
    """The fixture page, its observations without the fields ``drop`` and with ``changes``."""
    page = json.loads(V2_PAGE.read_text())
    page["data"] = [{**{k: v for k, v in o.items() if k not in drop}, **changes}
                    for o in page["data"]]
    return page


# -- Langfuse ------------------------------------------------------------------------------


def test_langfuse_v2_page_reads_every_class_from_usage_details() -> None:
    rows, report = _load([V2_PAGE], "SELECT event_id, user_id, model, input_tokens, "
                         "cache_read_tokens, cache_write_tokens, output_tokens, "
                         "logged_cost_usd FROM events ORDER BY event_id")
    assert rows == [  # providedModelName, userId, totalCost; reasoning back into output
        ("obs-v2-2", "alice", "o4-mini", 1200, 3000, 0, 250 + 900, 0.007205),
        ("obs-v2-3", "bob", "claude-sonnet-4-5-20250929", 40, 52000, 2100, 610, 0.032745)]
    (f,) = report.files
    assert "input_tokens=usageDetails.input" in f.mapping
    assert "model=providedModelName" in f.mapping
    assert f.skipped_by_kind == {"AGENT observation (not a model call)": 1}


def test_langfuse_v2_page_on_one_line_and_forced_source(tmp_path: Path) -> None:
    f = _write_json(tmp_path / "page.json", json.loads(V2_PAGE.read_text()))
    assert detect(f).name == "langfuse"
    for opts in (LoadOptions(), LoadOptions(source="langfuse")):
        rows, _ = _load([f], "SELECT event_id, input_tokens FROM events ORDER BY 1", opts)
        assert rows == [("obs-v2-2", 1200), ("obs-v2-3", 40)]


def test_langfuse_prompt_tokens_summing_cache_reads_are_not_read(tmp_path: Path) -> None:
    # a v1 page of a current Langfuse: promptTokens and completionTokens are its sums of the
    # input... and output... usage types (cache reads and reasoning in them)
    usage = {"input": 1200, "input_cached_tokens": 3000, "output": 250,
             "output_reasoning_tokens": 900, "total": 5350}
    obs = {"id": "obs-1", "traceId": "t-1", "type": "GENERATION", "userId": "alice",
           "startTime": "2026-10-08T09:00:01.000Z", "model": "o4-mini",
           "usageDetails": usage, "promptTokens": 4200, "completionTokens": 1150,
           "totalTokens": 5350, "calculatedTotalCost": 0.007205}
    f = _write_json(tmp_path / "v1.json", {"data": [obs], "meta": {"page": 1}}, indent=2)
    rows, report = _load([f], CLASSES)
    assert rows == [("obs-1", 1200, 3000, 0, 1150, 0.007205)]  # was 4200 + 3000, 2050
    assert not [n for n in report.notes if "in no class" in n]


def test_langfuse_row_without_usage_details_reads_prompt_tokens(tmp_path: Path) -> None:
    base = {"traceId": "t-1", "type": "GENERATION", "userId": "gina", "model": "gpt-4o",
            "startTime": "2026-10-06T14:00:00.000Z"}
    f = tmp_path / "obs.jsonl"
    f.write_text("\n".join(json.dumps(o) for o in [
        {**base, "id": "a", "usageDetails": {"input": 100, "output": 10},
         "promptTokens": 100, "completionTokens": 10},
        {**base, "id": "b", "usageDetails": None, "promptTokens": 900, "completionTokens": 120},
        {**base, "id": "c", "usageDetails": {}, "promptTokens": 7, "completionTokens": 3},
        # a type the row lacks is 0 of it, not promptTokens (Langfuse's sum: the cache read)
        {**base, "id": "d", "usageDetails": {"input_cached_tokens": 50, "output": 5},
         "promptTokens": 50, "completionTokens": 5}]) + "\n")
    rows, report = _load([f], "SELECT event_id, input_tokens, cache_read_tokens, output_tokens "
                         "FROM events ORDER BY 1")
    assert rows == [("a", 100, 0, 10), ("b", 900, 0, 120), ("c", 7, 0, 3), ("d", 0, 50, 5)]
    assert report.files[0].rows_rejected == 0


def test_langfuse_v2_cost_from_cost_details_without_total_cost(tmp_path: Path) -> None:
    f = _write_json(tmp_path / "page.json", _v2_page(drop=("totalCost",)))
    rows, report = _load([f], "SELECT event_id, logged_cost_usd FROM events ORDER BY 1")
    assert rows == [("obs-v2-2", 0.007205), ("obs-v2-3", 0.032745)]
    assert "logged_cost_usd=costDetails.total" in report.files[0].mapping


def test_langfuse_v2_usage_above_the_classes_is_said(tmp_path: Path) -> None:
    page = _v2_page()
    page["data"][1]["usageDetails"] = {"input": 1000, "output": 200,
                                       "input_audio_tokens": 50000, "total": 51200}
    f = _write_json(tmp_path / "page.json", page)
    _, report = _load([f], "SELECT 1")
    (note,) = [n for n in report.notes if "in no class" in n]
    assert "1 model-call row(s) log a usageDetails.total above the token classes" in note
    assert "50,000 tokens in no class" in note
    assert "(usageDetails keys not read: input_audio_tokens)" in note


def test_langfuse_usage_details_input_can_be_mapped(tmp_path: Path) -> None:
    f = _write_json(tmp_path / "page.json", json.loads(V2_PAGE.read_text()))
    out = cli_json(["map", str(f), "--map", "input_tokens=usageDetails.input"])
    rows = {r["canonical"]: r for r in out["column_mapping"]["rows"]}
    assert rows["input_tokens"]["column"] == "usageDetails.input"
    assert rows["input_tokens"]["how"] == "given"
    assert rows["output_tokens"]["type"] == "VARCHAR"  # the page's rows, with their types
    assert not [n for n in out["column_mapping"]["notes"] if "usageDetails.total" in n]


def test_langfuse_v2_page_without_model_and_usage_groups_says_so(tmp_path: Path) -> None:
    # GET /api/public/v2/observations without fields=...: core and basic only
    f = _write_json(tmp_path / "page.json", _v2_page(drop=(
        "providedModelName", "internalModelId", "modelParameters", "usageDetails",
        "costDetails", "totalCost", "providedUsageDetails", "providedCostDetails")))
    for cmd in (["load", str(f)], ["load", str(f), "--source", "langfuse"], ["map", str(f)]):
        msg = cli_error(cmd)
        assert "Langfuse observations without model" in msg, cmd
        assert "or token counts" in msg
        assert "fields=core,basic,model,usage" in msg


def test_langfuse_v2_page_without_the_user_names_the_basic_group(tmp_path: Path) -> None:
    f = _write_json(tmp_path / "page.json", _v2_page(drop=("userId",)))
    msg = cli_error(["load", str(f)])
    assert "keeps the user on the trace" in msg
    assert "its basic field group holds userId" in msg


# -- Helicone ------------------------------------------------------------------------------


@pytest.mark.parametrize("indent", [2, None])
def test_helicone_request_api_response_is_read(tmp_path: Path, indent: int | None) -> None:
    f = _write_json(tmp_path / "response.json", json.loads(HELICONE_RESPONSE.read_text()),
                    indent)
    array = _write_json(tmp_path / "records.json",
                        json.loads(HELICONE_RESPONSE.read_text())["data"])
    assert detect(f).name == "helicone"
    want, _ = _load([array], CLASSES)
    for opts in (LoadOptions(), LoadOptions(source="helicone")):
        rows, report = _load([f], CLASSES, opts)
        assert rows == want
        assert rows[0][1:] == (120, 18000, 1500, 700, 0.021885)
        assert report.files[0].rows_read == 2


@pytest.mark.parametrize("source", [None, "helicone"])
def test_helicone_response_holding_an_error_names_it(tmp_path: Path,
                                                     source: str | None) -> None:
    f = _write_json(tmp_path / "response.json", {"data": None, "error": "Invalid API key"})
    msg = cli_error(["load", str(f), *(["--source", source] if source else [])])
    assert "a Helicone API response that reports an error, not requests" in msg
    assert "error: 'Invalid API key'" in msg
    assert "fetch the requests again" in msg


def test_helicone_response_without_requests_says_so(tmp_path: Path) -> None:
    f = _write_json(tmp_path / "response.json", {"data": [], "error": None})
    assert "a Helicone API response with no requests" in cli_error(["load", str(f)])


# -- pretty-printed JSON given as JSON lines -------------------------------------------------


def _record(user: str) -> dict[str, Any]:
    return {"user_id": user, "ts": "2026-10-01T10:00:00Z", "model": "gpt-4o",
            "input_tokens": 100, "output_tokens": 10}


@pytest.mark.parametrize("name", ["response.json", "response.jsonl"])
def test_one_pretty_printed_object_says_so(tmp_path: Path, name: str) -> None:
    f = _write_json(tmp_path / name, {"results": [_record("a"), _record("b")],
                                      "has_more": False}, indent=2)
    for cmd in (["load", str(f)], ["map", str(f)]):
        msg = cli_error(cmd)
        assert "it is one JSON object written over 19 lines (pretty-printed), not JSON " \
               "lines" in msg, cmd
        assert f"jq -c '.results[]' {f} > rows.jsonl" in msg
        assert "line 1 is not a JSON object" not in msg


def test_pretty_printed_object_of_a_detected_source_says_so(tmp_path: Path) -> None:
    # one Langfuse observation, pretty-printed: detected by its keys, read by the source's
    # own projection (its reader given explicitly)
    obs = {"id": "obs-1", "traceId": "t-1", "type": "GENERATION", "userId": "gina",
           "startTime": "2026-10-06T14:00:00.000Z", "model": "gpt-4o", "promptTokens": 5,
           "completionTokens": 1}
    f = _write_json(tmp_path / "obs.json", obs, indent=2)
    assert detect(f).name == "langfuse"
    for cmd in (["load", str(f)], ["map", str(f)]):
        assert "it is one JSON object written over 10 lines (pretty-printed)" in cli_error(cmd)


def test_pretty_printed_objects_one_after_another_say_so(tmp_path: Path) -> None:
    f = tmp_path / "rows.jsonl"  # as `jq . rows.jsonl` writes them
    f.write_text("".join(json.dumps(_record(u), indent=2) + "\n" for u in "abc"))
    msg = cli_error(["load", str(f)])
    assert "it holds 3 JSON objects each written over several lines (pretty-printed" in msg
    assert f"jq -c . {f} > rows.jsonl" in msg


# -- --map and nested values ------------------------------------------------------------------


def test_unmapped_nested_columns_say_map_cannot_name_their_fields(tmp_path: Path) -> None:
    f = tmp_path / "usage.jsonl"
    f.write_text(json.dumps({"user": "a", "ts": "2026-10-01T10:00:00Z", "model": "gpt-4o",
                             "usage": {"input_tokens": 5, "output_tokens": 3}}) + "\n")
    msg = cli_error(["load", str(f)])
    assert "no token columns" in msg
    assert "--map names a top-level column, not a field inside the nested usage" in msg
    page = _write_json(tmp_path / "page.json", {"items": [_record("a")], "next": None})
    msg = cli_error(["load", str(page)])
    assert "where the rows are the list in items, which --map cannot name" in msg
    assert f"jq -c '.items[]' {page} > rows.jsonl" in msg


def test_map_of_a_field_inside_a_column_says_so(tmp_path: Path) -> None:
    f = tmp_path / "usage.jsonl"
    f.write_text(json.dumps({"user": "a", "ts": "2026-10-01T10:00:00Z", "model": "gpt-4o",
                             "usage": {"input_tokens": 5}}) + "\n")
    msg = cli_error(["load", str(f), "--map", "input_tokens=usage.input_tokens"])
    assert "the data file has no column 'usage.input_tokens'" in msg
    assert "--map names a top-level column, not a field inside usage" in msg
    # flattened as the message says (pandas.json_normalize's names): --map names it
    flat = tmp_path / "flat.jsonl"
    flat.write_text(json.dumps({"user": "a", "ts": "2026-10-01T10:00:00Z", "model": "gpt-4o",
                                "usage.input_tokens": 5}) + "\n")
    rows, _ = _load([flat], "SELECT input_tokens FROM events", LoadOptions(
        mapping=MappingSpec(explicit={"input_tokens": "usage.input_tokens"})))
    assert rows == [(5,)]
