"""A saved report says which sources and rows its figures rest on: JSON meta.sources (QA round
10 C, finding 4a)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import EVENT_HEADER, SMALL, cli_json, write_csv

from planalyzer.accounting import FileLoad
from planalyzer.run_meta import SOURCES_LISTED, sources_meta

ROW = ["", "2026-10-01T12:00:00Z", "u1", "claude_pro", "claude-sonnet-4-5", 10, 0, 0, 100, 5, 1]


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    write_csv(folder / "a.csv", EVENT_HEADER, [ROW, [*ROW[:2], "", *ROW[3:]]])  # 1 rejected
    write_csv(folder / "b.csv", EVENT_HEADER, [[*ROW[:2], "u2", *ROW[3:]]] * 2)
    write_csv(tmp_path / "c.csv", EVENT_HEADER, [[*ROW[:2], "u3", *ROW[3:]]])
    return tmp_path


def _given(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return list(doc["meta"]["sources"]["given"])


def test_report_names_each_source_given_with_its_rows(logs: Path) -> None:
    doc = cli_json(["report", str(logs / "exports"), str(logs / "c.csv"), "--no-fit", "-q"])
    src = doc["meta"]["sources"]
    folder, single = src["given"]
    assert folder["source"].endswith("exports") and single["source"].endswith("c.csv")
    assert (folder["files"], folder["rows_read"], folder["rows_loaded"],
            folder["rows_rejected"]) == (2, 4, 3, 1)
    assert folder["rejected_by_reason"] == {"missing user_id": 1}
    assert (single["files"], single["rows_loaded"]) == (1, 1)
    assert src["read"]["rows_read"] == 5 and src["read"]["files"] == 3
    assert src["db"] is None
    assert src["mappings"][0]["files"] == 3


def test_a_glob_is_one_source(logs: Path) -> None:
    doc = cli_json(["report", str(logs / "exports" / "*.csv"), "--no-fit", "-q"])
    (glob,) = _given(doc)
    assert glob["source"].endswith("*.csv") and glob["files"] == 2


def test_whatif_and_costs_say_their_sources(logs: Path) -> None:
    doc = cli_json(["whatif", str(logs / "c.csv"), "-s", "pro_price_25_elastic", "-q"])
    assert _given(doc)[0]["rows_loaded"] == 1
    doc = cli_json(["costs", str(logs / "c.csv"), "-q"])
    assert _given(doc)[0]["rows_loaded"] == 1


def test_db_store_says_what_it_holds(logs: Path, db: Path) -> None:
    """The store (``db``) holds report_small.csv already: the figures cover it too."""
    cli_json(["load", str(logs / "exports"), "--db", str(db)])
    # the same folder again: its files are unchanged (nothing read), their rows are in the store
    doc = cli_json(["report", str(logs / "exports"), "--db", str(db), "--no-fit", "-q"])
    src = doc["meta"]["sources"]
    assert src["read"]["rows_read"] == 0
    assert src["given"][0]["rows_loaded"] == 3
    assert src["db"]["path"] == str(db) and src["db"]["files"] == 3
    assert src["db"]["rows_loaded"] == 3 + 5690
    doc = cli_json(["report", "--db", str(db), "--no-fit", "-q"])
    assert doc["meta"]["sources"]["given"] == []
    assert doc["meta"]["sources"]["db"]["rows_rejected"] == 1


def test_the_list_is_capped() -> None:
    files = [FileLoad(f"/x/f{i}.csv", "csv", "loaded", 2, 2, mapping="ts, user_id")
             for i in range(SOURCES_LISTED + 5)]
    meta = sources_meta([f.source for f in files], files)
    assert len(meta["given"]) == SOURCES_LISTED and meta["given_not_listed"] == 5
    assert meta["read"]["rows_loaded"] == 2 * (SOURCES_LISTED + 5)
    assert meta["mappings"] == [{"mapping": "ts, user_id", "files": SOURCES_LISTED + 5}]


def test_small_fixture_report_meta() -> None:
    doc = cli_json(["report", str(SMALL), "--no-fit", "-q"])
    assert _given(doc)[0]["rows_loaded"] == doc["meta"]["sources"]["read"]["rows_loaded"] > 0
