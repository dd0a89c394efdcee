"""Saved responses of a vendor's list API whose rows are the list under ``data``: Langfuse's
observations API (v1 ``GET /api/public/observations`` and v2 ``GET /api/public/v2/observations``:
``{"data": [...], "meta": {...}}``) and Helicone's request API (``{"data": [...], "error":
null}``). A file holds one page, a list of pages or a page per line, pretty-printed or not; its
rows are read from every page's ``data``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from planalyzer import sqlfiles
from planalyzer.sources.base import UTF8_BOM
from planalyzer.sources.files import SourceFile
from planalyzer.sources.report_json import max_object_size
from planalyzer.sources.tabular import JSON_TEXT_TIMES

# a page (or a list of pages) whose first key is "data", a list; Helicone's error envelope
# may come first as "error": null
_PAGE = re.compile(rb'^\s*\[?\s*\{\s*("error"\s*:\s*null\s*,\s*)?"data"\s*:\s*\[')


def is_data_page(head: bytes) -> bool:
    """Whether a file's first bytes are those of a saved page of rows under ``data``."""
    return bool(_PAGE.match(head.removeprefix(UTF8_BOM)))


def page_reader(path: Path) -> str:
    """The FROM item (``src``) reading the rows of the pages in the file at ``$path``; a page
    larger than DuckDB's default object size is read whole (report_json.max_object_size)."""
    return ("(SELECT unnest(page.data, max_depth := 2) FROM read_json($path, format = 'auto', "
            f"sample_size = -1, maximum_object_size = {max_object_size(path)}, "
            f"{JSON_TEXT_TIMES}) AS page) AS src")


@dataclass(frozen=True)
class PageContents:
    """What the pages of a file hold: how many pages, rows in their ``data`` lists, pages
    whose ``error`` is set, and the first such error's text."""

    pages: int
    rows: int
    errors: int
    error: str | None


def contents(con: duckdb.DuckDBPyConnection, src: SourceFile) -> PageContents:
    """The pages of ``src`` counted (sql/api_page_contents.sql)."""
    row = sqlfiles.run(con, "api_page_contents", {
        "path": src.key, "max_object_size": max_object_size(src.path)}).fetchone()
    pages, rows, errors, error = row if row is not None else (0, 0, 0, None)
    return PageContents(int(pages or 0), int(rows or 0), int(errors or 0),
                        None if error is None else str(error))
