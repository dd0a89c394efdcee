"""A Codex load parses BATCH_FILES rollouts at a time and stages their rows in DuckDB, deciding
which copies of an event to keep over the whole batch: loaded in chunks of one file, a home
with forks, an archived copy of an active session, resumes and rejected rows gives the same
store as one chunk (qa18B #5)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES

from planalyzer.sources import codex
from planalyzer.store import LoadOptions, Store

_ALL = "SELECT CAST(COLUMNS(*) AS VARCHAR) FROM "  # every column, timestamps as text
_TABLES = {
    "events": _ALL + "events",
    "rejected": _ALL + "rejected_rows",
    "limits": _ALL + "rate_limit_snapshots",
    "links": _ALL + "duplicate_links",
    "manifest": "SELECT source, format, rows_read, rows_loaded, rows_rejected, "
                "duplicates_dropped FROM load_manifest",
}


def _home(tmp: Path) -> Path:
    home = tmp / ".codex"
    shutil.copytree(FIXTURES / "codex" / "home", home)  # an active and an archived copy
    for sub in ("forks", "limits/resume", "limits/no_model", "limits/weekly",
                "limits/upgrade", "limits/spark"):
        shutil.copytree(FIXTURES / "codex" / sub / "sessions", home / "sessions",
                        dirs_exist_ok=True)
    return home


def _store(home: Path) -> tuple[dict[str, list[tuple[Any, ...]]], list[Any]]:
    with Store() as s:
        report = s.load([str(home)], LoadOptions())
        tables = {k: sorted(s.con.execute(q).fetchall(), key=repr) for k, q in _TABLES.items()}
        return tables, sorted(repr(f) for f in report.files)


def test_a_load_in_chunks_equals_one_chunk(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    home = _home(tmp_path)
    whole = _store(home)
    files = len(whole[0]["manifest"])
    assert files >= 9 and whole[0]["links"] and whole[0]["rejected"] and whole[0]["limits"]
    assert any(r[5] for r in whole[0]["manifest"])  # copies dropped across files
    for size in (1, 2, files - 1):
        monkeypatch.setattr(codex, "BATCH_FILES", size)
        assert _store(home) == whole
