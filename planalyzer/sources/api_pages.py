"""Saved responses of a vendor's list API whose rows are the list under ``data``: Langfuse's
observations API (v1 ``GET /api/public/observations`` and v2 ``GET /api/public/v2/observations``:
``{"data": [...], "meta": {...}}``). A file holds one page, a list of pages or a page per line,
pretty-printed or not; its rows are read from every page's ``data``.
"""

from __future__ import annotations

import re
from pathlib import Path

from planalyzer.sources.base import UTF8_BOM
from planalyzer.sources.report_json import max_object_size
from planalyzer.sources.tabular import JSON_TEXT_TIMES

# a page (or a list of pages) whose first key is "data", a list
_PAGE = re.compile(rb'^\s*\[?\s*\{\s*"data"\s*:\s*\[')


def is_data_page(head: bytes) -> bool:
    """Whether a file's first bytes are those of a saved page of rows under ``data``."""
    return bool(_PAGE.match(head.removeprefix(UTF8_BOM)))


def page_reader(path: Path) -> str:
    """The FROM item (``src``) reading the rows of the pages in the file at ``$path``; a page
    larger than DuckDB's default object size is read whole (report_json.max_object_size)."""
    return ("(SELECT unnest(page.data, max_depth := 2) FROM read_json($path, format = 'auto', "
            f"sample_size = -1, maximum_object_size = {max_object_size(path)}, "
            f"{JSON_TEXT_TIMES}) AS page) AS src")
