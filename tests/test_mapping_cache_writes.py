"""Anthropic's cache_creation_input_tokens is the total of cache writes (5-minute + 1-hour):
with a 1-hour column beside it, cache_write_tokens holds the 5-minute writes only (as the
Claude Code source reads message.usage). Also: OpenAI Responses usage flattened, and files
whose input column is not recognised (qa8E #1, #5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_csv

from planalyzer.sources.mapping import MappingSpec, detect
from planalyzer.store import LoadOptions, Store

_HEAD = ["user_id", "ts", "model", "input_tokens"]
_ROW = ["alice", "2026-10-01T10:00:00Z", "claude-sonnet-4-5", 100]
_WRITES = "SELECT cache_write_tokens, cache_write_1h_tokens FROM events"


@pytest.mark.parametrize(("extra", "values", "shown"), [
    # the auditor's m/anth2.csv: total, 1-hour and 5-minute columns
    (["cache_creation_input_tokens", "ephemeral_1h_input_tokens", "ephemeral_5m_input_tokens"],
     [500, 300, 200], "cache_write_tokens=ephemeral_5m_input_tokens"),
    # m/anth.csv: pandas json_normalize spellings
    (["cache_creation_input_tokens", "cache_creation.ephemeral_1h_input_tokens",
      "cache_creation.ephemeral_5m_input_tokens"],
     [500, 300, 200], "cache_write_tokens=cache_creation.ephemeral_5m_input_tokens"),
    # m/anth3.csv: the total and the 1-hour part only: subtracted
    (["cache_creation_input_tokens", "cache_creation_ephemeral_1h_input_tokens"], [500, 300],
     "cache_write_tokens = cache_creation_input_tokens - "
     "cache_creation_ephemeral_1h_input_tokens"),
])
def test_total_cache_writes_are_not_counted_twice(
    tmp_path: Path, extra: list[str], values: list[int], shown: str
) -> None:
    f = write_csv(tmp_path / "anth.csv", [*_HEAD, *extra, "output_tokens"],
                  [[*_ROW, *values, 20]])
    store = Store()
    report = store.load([str(f)])
    assert shown in report.files[0].mapping
    assert store.con.execute(_WRITES).fetchall() == [(200, 300)]


def test_given_total_with_a_1h_column_is_subtracted(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "a.csv", [*_HEAD, "writes", "cache_creation_input_tokens", "h1"],
                  [[*_ROW, 0, 500, 300]])
    store = Store()
    store.load([str(f)], LoadOptions(mapping=MappingSpec(explicit={
        "cache_write_1h_tokens": "h1", "cache_write_tokens": "cache_creation_input_tokens"})))
    assert store.con.execute(_WRITES).fetchall() == [(200, 300)]


def test_a_part_above_its_total_is_said(tmp_path: Path) -> None:
    """1-hour writes above the total that includes them, and cached tokens above the input
    that includes them, are rejected with that reason, not as a negative count
    (verification 8E, NEW-4)."""
    f = write_csv(tmp_path / "anth.csv", [*_HEAD, "cache_creation_input_tokens",
                                          "cache_creation_ephemeral_1h_input_tokens",
                                          "output_tokens"],
                  [[*_ROW, 500, 300, 20], [*_ROW, 200, 300, 20]])
    report = Store().load([str(f)])
    assert report.files[0].rejected_by_reason == {
        "1-hour cache writes above the cache writes that include them": 1}
    g = write_csv(tmp_path / "resp.csv", ["user_id", "ts", "model", "input_tokens",
                                          "input_tokens_details.cached_tokens",
                                          "output_tokens"],
                  [["a", "2026-10-01T10:00:00Z", "gpt-5", 100, 300, 5]])
    report = Store().load([str(g)])
    assert report.files[0].rejected_by_reason == {
        "cache reads above the input count that includes them": 1}


def test_total_alone_is_all_5_minute_writes() -> None:
    m = detect([*_HEAD, "cache_creation_input_tokens"], MappingSpec(), "f")
    assert m.columns["cache_write_tokens"] == "cache_creation_input_tokens"
    assert not m.cache_write_includes_1h and not m.notes


def test_openai_responses_flattened_cached_tokens_come_out_of_input(tmp_path: Path) -> None:
    # the auditor's m/dotted.csv
    f = write_csv(tmp_path / "d.csv", ["user_id", "ts", "model", "input_tokens",
                                       "output_tokens", "output_tokens_details.reasoning_tokens",
                                       "input_tokens_details.cached_tokens"],
                  [["alice", "2026-10-01T10:00:00Z", "gpt-5", 1000, 200, 150, 300]])
    store = Store()
    report = store.load([str(f)])
    assert "input_tokens = input - cache_read" in report.files[0].mapping
    rows = store.con.execute("SELECT input_tokens, cache_read_tokens FROM events").fetchall()
    assert rows == [(700, 300)]


@pytest.mark.parametrize(("columns", "suggested"), [
    (["input_tokens_cached", "input_tokens_uncached"], "--map input_tokens=input_tokens_uncached"),
    (["total_input_tokens"], "--map input_tokens=total_input_tokens"),
])
def test_unrecognised_input_column_is_named(
    tmp_path: Path, columns: list[str], suggested: str
) -> None:
    f = write_csv(tmp_path / "i.csv", ["user_id", "ts", "model", *columns, "output_tokens"],
                  [["alice", "2026-10-01T10:00:00Z", "gpt-5", *[400] * len(columns), 20]])
    report = Store().load([str(f)])
    mapping = report.files[0].mapping
    assert "input_tokens" in mapping and "no column, read as 0" in mapping
    note = "\n".join(report.notes)
    assert "i.csv: input_tokens" in note and suggested in note
    assert all(c in note for c in columns)
