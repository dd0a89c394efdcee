"""Content detection reads a vendor export saved in another dialect as the same export, with
the answer ``--source NAME`` gives: a CSV with ';' or tab delimiters (Excel in a European
locale) or a comment line first, a UTF-8 byte-order mark (a Windows tool), a JSON array (one
element per record, pretty-printed or not), a JSON-lines file whose first line is null or {}.
Read by the generic reader instead, such a file lost its event ids (overlapping exports were
counted twice), had every row rejected, or failed with an error listing the very columns it
said were missing (qa16B #4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, cli_error

from planalyzer.sources import registry
from planalyzer.sources.base import UTF8_BOM
from planalyzer.sources.preset import header_names
from planalyzer.store import LoadOptions, Store

DASHBOARD = ("start_time,end_time,start_time_iso,end_time_iso,project_id,num_model_requests,"
             "user_id,api_key_id,model,batch,input_tokens,output_tokens,input_cached_tokens\n")
DAY1 = ("1790812800,1790899200,2026-10-01T00:00:00+00:00,2026-10-02T00:00:00+00:00,proj_A,40,"
        "user-abc,,gpt-4o-2024-08-06,False,100000,20000,60000\n")
DAY2 = ("1790899200,1790985600,2026-10-02T00:00:00+00:00,2026-10-03T00:00:00+00:00,proj_A,12,"
        "user-abc,,gpt-4o-2024-08-06,False,42000,9000,40000\n")


def _formats_and_counts(*paths: Path) -> tuple[list[str], tuple[int, int, int]]:
    with Store() as store:
        report = store.load([str(p) for p in paths], LoadOptions())
        loaded = sum(f.rows_loaded for f in report.files)
        rejected = sum(f.rows_rejected for f in report.files)
        requests = store.con.execute("SELECT coalesce(sum(requests), 0) FROM events").fetchone()
    assert requests is not None
    return [f.format for f in report.files], (loaded, rejected, int(requests[0]))


def _semicolons(text: str) -> str:
    return text.replace(",", ";")


def test_header_names_follow_the_delimiter_the_rows_agree_with() -> None:
    assert header_names(b"a;b;c\n1,5;2;3\n") == {"a", "b", "c"}  # decimal commas in the rows
    assert header_names(b"a\tb\tc\n1\t2\t3\n") == {"a", "b", "c"}
    assert header_names(b"# exported 2026-10-01\na,b\n1,2\n") == {"a", "b"}
    assert header_names(UTF8_BOM + b'"a x";b\n1;2\n') == {"a_x", "b"}
    assert header_names(b"a,b,c\r1,2,3\r") == {"a", "b", "c"}  # lines ending in CR alone


def test_header_names_of_json_arrays_and_odd_first_lines() -> None:
    assert header_names(b'[\n  {\n    "traceId": "t",\n    "startTime": "s"\n  }\n]') == {
        "traceid", "starttime"}
    assert header_names(b'null\n{}\n{"a": 1, "b": 2}\n') == {"a", "b"}
    assert header_names(UTF8_BOM + b'{"a": 1}\n') == {"a"}
    assert header_names(b"not json {\n{\"a\": 1}\n") == {"a"}


def test_semicolon_openai_dashboard_csv_keeps_its_event_ids(tmp_path: Path) -> None:
    # two exports sharing day 2: with ids from their buckets the repeated row is dropped
    (tmp_path / "a.csv").write_text(_semicolons(DASHBOARD + DAY1 + DAY2), encoding="utf-8")
    (tmp_path / "b.csv").write_text(_semicolons(DASHBOARD + DAY2), encoding="utf-8")
    formats, (loaded, _, requests) = _formats_and_counts(tmp_path / "a.csv", tmp_path / "b.csv")
    assert formats == ["openai-usage csv", "openai-usage csv"]
    assert (loaded, requests) == (2, 52)  # not 3 events, 64 requests (day 2 counted twice)


@pytest.mark.parametrize("dialect", ["semicolon", "tab", "comment", "bom"])
def test_litellm_spend_log_dialects_load_as_litellm(tmp_path: Path, dialect: str) -> None:
    text = (FIXTURES / "litellm" / "spend_logs.csv").read_text(encoding="utf-8")
    plain = _formats_and_counts(FIXTURES / "litellm" / "spend_logs.csv")
    path = tmp_path / "spend.csv"
    if dialect in ("semicolon", "tab"):
        import csv
        import io

        out = io.StringIO()
        csv.writer(out, delimiter=";" if dialect == "semicolon" else "\t",
                   lineterminator="\n").writerows(csv.reader(io.StringIO(text)))
        path.write_text(out.getvalue(), encoding="utf-8")
    elif dialect == "comment":
        path.write_text("# LiteLLM spend logs export\n" + text, encoding="utf-8")
    else:
        path.write_bytes(UTF8_BOM + text.encode())
    assert _formats_and_counts(path) == plain  # not every row rejected "missing user_id"


@pytest.mark.parametrize("layout", ["array", "pretty array", "bom"])
def test_langfuse_json_array_and_bom_load_as_langfuse(tmp_path: Path, layout: str) -> None:
    source = FIXTURES / "langfuse" / "observations.jsonl"
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    if layout == "bom":
        path = tmp_path / "obs.jsonl"
        path.write_bytes(UTF8_BOM + source.read_bytes())
    else:
        path = tmp_path / "obs.json"
        path.write_text(json.dumps(rows, indent=2 if layout == "pretty array" else None),
                        encoding="utf-8")
    formats, counts = _formats_and_counts(path)
    assert formats[0].startswith("langfuse")
    assert counts == _formats_and_counts(source)[1]


@pytest.mark.parametrize("first", ["bom", "null", "{}"])
def test_helicone_jsonl_with_an_odd_first_line_loads_as_helicone(tmp_path: Path,
                                                               first: str) -> None:
    source = FIXTURES / "helicone" / "requests.jsonl"
    path = tmp_path / "requests.jsonl"
    if first == "bom":
        path.write_bytes(UTF8_BOM + source.read_bytes())
    else:
        path.write_bytes(first.encode() + b"\n" + source.read_bytes())
    formats, (loaded, rejected, _) = _formats_and_counts(path)
    plain = _formats_and_counts(source)[1]
    assert formats == ["helicone jsonl"]
    # the extra line is one rejected row (not an object, or an empty record)
    assert (loaded, rejected) == (plain[0], plain[1] + (first != "bom"))


def test_transcripts_with_a_byte_order_mark_are_recognised(tmp_path: Path) -> None:
    cc = next((FIXTURES / "claude_code" / "loose").glob("*.jsonl"))
    codex = next((FIXTURES / "codex" / "home" / "sessions").rglob("rollout-*.jsonl"))
    for source, name in ((cc, "claude-code"), (codex, "codex")):
        path = tmp_path / source.name
        path.write_bytes(UTF8_BOM + source.read_bytes())
        assert registry.detect(path).name == name
        assert _formats_and_counts(path) == _formats_and_counts(source)


def test_unmapped_langfuse_and_litellm_columns_name_their_source(tmp_path: Path) -> None:
    # files detection cannot place (no startTime; no prompt_tokens), read as generic columns
    (tmp_path / "lf.csv").write_text("id,traceId,userId,timestamp,model,promptTokens\n"
                                     "o1,t1,u1,2026-10-01T00:00:00Z,gpt-4o,10\n",
                                     encoding="utf-8")
    err = cli_error(["load", str(tmp_path / "lf.csv")])
    assert err.endswith("load it with --source langfuse")
    (tmp_path / "ll.csv").write_text("request_id,startTime,api_key,model,spend\n"
                                     "r1,2026-10-01T00:00:00Z,k1,gpt-4o,0.1\n", encoding="utf-8")
    err = cli_error(["load", str(tmp_path / "ll.csv")])
    assert err.endswith("load it with --source litellm")


def test_detection_is_the_same_for_a_compressed_copy(tmp_path: Path) -> None:
    import gzip

    text = _semicolons(DASHBOARD + DAY1)
    (tmp_path / "a.csv.gz").write_bytes(gzip.compress(UTF8_BOM + text.encode()))
    assert registry.detect(tmp_path / "a.csv.gz").name == "openai-usage"
