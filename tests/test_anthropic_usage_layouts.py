"""Anthropic usage JSON as scripts save it: buckets (records) saved without their page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import FIXTURES

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
