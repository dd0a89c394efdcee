"""Empty token cells: a row with every token count empty is rejected ('no token counts'), never
a 0-token request; one with some empty loads them as 0 and the load says how many per column;
LiteLLM first reads an empty prompt_tokens / completion_tokens from metadata usage_object."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
from conftest import write_csv, write_parquet

from planalyzer.store import Store

NOTE = "had an empty {col}: read as 0"


def _reasons(store: Store) -> dict[str, int]:
    return dict(store.con.execute(
        "SELECT reason, count(*) FROM rejected_rows GROUP BY ALL").fetchall())


def _events(store: Store) -> list[tuple[object, ...]]:
    return store.con.execute(
        "SELECT user_id, input_tokens, cache_read_tokens, output_tokens, requests FROM events "
        "ORDER BY user_id").fetchall()


def test_csv_all_empty_is_rejected_some_empty_is_counted(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "u.csv", ["user_id", "ts", "model", "input_tokens",
                                       "output_tokens"],
                  [["a", "2026-10-01T10:00:00Z", "m", None, None],
                   ["b", "2026-10-01T10:00:00Z", "m", 10, None],
                   ["c", "2026-10-01T10:00:00Z", "m", 0, 0],  # a failed request: 0 logged
                   ["d", "2026-10-01T10:00:00Z", "m", " ", 7],
                   ["e", "2026-10-01T10:00:00Z", "m", 3, 4]])
    store = Store()
    report = store.load([f])
    fl = report.files[0]
    assert (fl.rows_read, fl.rows_loaded, fl.rows_rejected) == (5, 4, 1)
    assert _reasons(store) == {"no token counts": 1}
    assert store.con.execute("SELECT source_row FROM rejected_rows").fetchall() == [(1,)]
    assert _events(store) == [("b", 10, 0, 0, 1), ("c", 0, 0, 0, 1), ("d", 0, 0, 7, 1),
                              ("e", 3, 0, 4, 1)]
    assert fl.empty_read_as_zero == {"input_tokens": 1, "output_tokens": 1}
    for col in ("input_tokens", "output_tokens"):
        assert any("1 row(s) " + NOTE.format(col=col) in n for n in report.notes), report.notes


def test_jsonl_nulls_and_empty_strings(tmp_path: Path) -> None:
    # Helicone-style nulls and Langfuse-style "" both count as empty
    f = tmp_path / "u.jsonl"
    rows = [{"user_id": "a", "ts": "2026-10-01T10:00:00Z", "model": "m",
             "input_tokens": None, "output_tokens": None},
            {"user_id": "b", "ts": "2026-10-01T10:00:00Z", "model": "m",
             "input_tokens": "", "output_tokens": ""},
            {"user_id": "c", "ts": "2026-10-01T10:00:00Z", "model": "m",
             "input_tokens": "", "output_tokens": 5},
            {"user_id": "d", "ts": "2026-10-01T10:00:00Z", "model": "m",
             "input_tokens": 2, "output_tokens": None}]
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    store = Store()
    report = store.load([f])
    assert (report.rows_loaded, report.rows_rejected) == (2, 2)
    assert _reasons(store) == {"no token counts": 2}
    assert _events(store) == [("c", 0, 0, 5, 1), ("d", 2, 0, 0, 1)]
    assert report.files[0].empty_read_as_zero == {"input_tokens": 1, "output_tokens": 1}


def test_parquet_integer_nulls(tmp_path: Path) -> None:
    schema = pa.schema([("user_id", pa.string()), ("ts", pa.timestamp("s", tz="UTC")),
                        ("model", pa.string()), ("input_tokens", pa.int64()),
                        ("output_tokens", pa.int64())])
    t = datetime(2026, 10, 1, tzinfo=UTC)
    f = write_parquet(tmp_path / "u.parquet", [
        {"user_id": "a", "ts": t, "model": "m", "input_tokens": None, "output_tokens": None},
        {"user_id": "b", "ts": t, "model": "m", "input_tokens": 4, "output_tokens": None}],
        schema)
    store = Store()
    report = store.load([f])
    assert (report.rows_loaded, report.rows_rejected) == (1, 1)
    assert _reasons(store) == {"no token counts": 1}
    assert report.files[0].empty_read_as_zero == {"output_tokens": 1}


_LITELLM = ["request_id", "startTime", "model", "prompt_tokens", "completion_tokens", "spend",
            "end_user", "metadata", "status"]


def _meta(**usage: object) -> str:
    return '"' + json.dumps({"usage_object": usage}).replace('"', '""') + '"'


def test_litellm_empty_counts_fall_back_to_metadata_usage(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "spend_logs.csv", _LITELLM, [
        # empty columns, the usage in metadata: read from there (cache reads taken out)
        ["r1", "2026-10-01 10:00:00", "gpt-4o", None, None, "0.05", "a",
         _meta(prompt_tokens=18452, completion_tokens=1156,
               prompt_tokens_details={"cached_tokens": 452}),
         "success"],
        # no usage anywhere: no count to load
        ["r2", "2026-10-01 10:00:00", "gpt-4o", None, None, "0.05", "b", "{}", "success"],
        # only completion_tokens empty and absent from metadata: read as 0, counted
        ["r3", "2026-10-01 10:00:00", "gpt-4o", 100, None, "0.05", "c",
         _meta(prompt_tokens=100), "success"],
        # a failed request with no tokens: skipped as such, not rejected
        ["r4", "2026-10-01 10:00:00", "gpt-4o", None, None, "0", "d", "{}", "failure"],
        # the columns win over the metadata where they hold a count
        ["r5", "2026-10-01 10:00:00", "gpt-4o", 50, 60, "0.01", "e",
         _meta(prompt_tokens=1, completion_tokens=2), "success"]])
    store = Store()
    report = store.load([f])
    fl = report.files[0]
    assert fl.format.startswith("litellm")
    assert (fl.rows_loaded, fl.rows_rejected) == (3, 1)
    assert fl.skipped_by_kind == {"failed request (no tokens)": 1}
    assert _reasons(store) == {"no token counts": 1}
    assert _events(store) == [("a", 18000, 452, 1156, 1), ("c", 100, 0, 0, 1),
                              ("e", 50, 0, 60, 1)]
    assert fl.empty_read_as_zero == {"completion_tokens": 1}
