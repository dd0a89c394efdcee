"""A --db reload of a changed file says which stored rows its new version no longer holds
(planalyzer.reload_losses, qa17C #4): a usage export a nightly job overwrites in place with
"the last 3 days" keeps only the last window, and the load names the file, the events,
requests, tokens and days removed, and what to do to keep the history."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from conftest import assert_balanced

from planalyzer.store import LoadOptions, LoadReport, Store

DAY = 1790812800  # 2026-10-01 00:00 UTC
TOTALS = "SELECT count(*), sum(input_tokens) FROM events"


def _page(path: Path, days: range) -> Path:
    """An OpenAI Usage API page: one daily bucket of 1,000 input, 100 output per day."""
    path.write_text(json.dumps({"object": "page", "has_more": False, "next_page": None,
                                "data": [{"object": "bucket", "start_time": DAY + i * 86400,
                                          "end_time": DAY + (i + 1) * 86400, "results": [{
                                              "object": "organization.usage.completions.result",
                                              "input_tokens": 1000, "output_tokens": 100,
                                              "input_cached_tokens": 0,
                                              "num_model_requests": 1, "project_id": None,
                                              "user_id": "u1", "api_key_id": None,
                                              "model": "gpt-4o-2024-08-06", "batch": None}]}
                                         for i in days]}), encoding="utf-8")
    st = path.stat()  # a new mtime each write (the same second on a fast machine)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + days.start * 1_000_000_000))
    return path


def _load(path: Path, db: Path) -> tuple[LoadReport, list[Any]]:
    with Store(db) as store:
        report = store.load([str(path)], LoadOptions())
        assert_balanced(store.con)
        return report, store.con.execute(TOTALS).fetchall()


def _said(report: LoadReport) -> list[str]:
    return [n for n in report.notes if "no longer holds" in n]


def test_an_export_overwritten_with_a_later_window_says_what_it_removed(
        tmp_path: Path) -> None:
    db, path = tmp_path / "s.duckdb", tmp_path / "usage.json"
    report, totals = _load(_page(path, range(0, 3)), db)
    assert totals == [(3, 3_000)] and not _said(report)
    report, totals = _load(_page(path, range(2, 5)), db)
    assert totals == [(3, 3_000)]  # the reload replaces the file's rows
    said = _said(report)
    assert len(said) == 1
    assert ("usage.json: 2 event(s), 2 request(s), 2,200 tokens on 2 day(s), "
            "2026-10-01 .. 2026-10-02 UTC") in said[0]
    assert "save each fetch under a new name" in said[0]


def test_a_grown_export_removes_nothing(tmp_path: Path) -> None:
    db, path = tmp_path / "s.duckdb", tmp_path / "usage.json"
    _load(_page(path, range(0, 3)), db)
    report, totals = _load(_page(path, range(0, 5)), db)
    assert totals == [(5, 5_000)]
    assert not _said(report)


def test_saved_under_new_names_the_history_stays(tmp_path: Path) -> None:
    """The remedy the note gives: one file per fetch keeps every day, no note."""
    db = tmp_path / "s.duckdb"
    _load(_page(tmp_path / "usage_1.json", range(0, 3)), db)
    report, totals = _load(_page(tmp_path / "usage_2.json", range(2, 5)), db)
    assert totals == [(5, 5_000)]
    assert not _said(report)
