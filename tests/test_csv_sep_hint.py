"""A CSV whose first line is Excel's delimiter hint (``sep=;``, ``sep=,``, ``sep=<tab>``):
the rest is read with that delimiter and the next line as the header (it was read as one
column 'sep='), on the load, the column listing (``planalyzer map``) and source detection."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from conftest import FIXTURES

from planalyzer.sources.inspect import mapping_tables
from planalyzer.store import LoadOptions, Store

HEADER = ["ts", "user_id", "model", "input_tokens", "output_tokens"]
ROWS = [["2026-10-01T00:00:00Z", "a", "gpt-5", "5", "10"],
        ["2026-10-02T00:00:00Z", "b", "gpt-5", "5", "10", "9"],  # a field too many
        ["2026-10-03T00:00:00Z", "c", "gpt-5", "-5", "10"]]


def _text(sep: str, end: str = "\n") -> str:
    return end.join([f"sep={sep}", *(sep.join(r) for r in [HEADER, *ROWS])]) + end


@pytest.mark.parametrize(("sep", "end"), [(";", "\n"), (",", "\r\n"), ("\t", "\n"), ("|", "\n")])
def test_the_hint_line_names_the_delimiter_and_the_header_follows(
        tmp_path: Path, sep: str, end: str) -> None:
    f = tmp_path / "usage.csv"
    f.write_bytes(_text(sep, end).encode())
    store = Store()
    report = store.load([f])
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (3, 1, 2)
    assert store.con.execute("SELECT source_row, user_id, input_tokens FROM events").fetchall() \
        == [(1, "a", 5)]
    # data rows are numbered after the header; the bad line keeps its line in the file
    rejected = store.con.execute("SELECT source_row, reason, raw_json FROM rejected_rows "
                                 "ORDER BY source_row").fetchall()
    assert [(r, why) for r, why, _ in rejected] == [
        (2, "wrong number of fields (too many)"), (3, "negative token count")]
    assert rejected[0][2].startswith('{"line": 4,')


def test_compressed_with_a_byte_order_mark_and_a_trailing_delimiter(tmp_path: Path) -> None:
    # Excel's hint after a BOM, a header ending in the delimiter (rows one field short)
    text = "\ufeffSEP=;\n" + "\n".join([";".join(HEADER) + ";", *(";".join(ROWS[0]),)]) + "\n"
    f = tmp_path / "usage.csv.gz"
    f.write_bytes(gzip.compress(text.encode()))
    report = Store().load([f])
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (1, 1, 0)


def test_map_lists_the_header_after_the_hint(tmp_path: Path) -> None:
    f = tmp_path / "usage.csv"
    f.write_text(_text(";"))
    (table,) = mapping_tables([str(f)], LoadOptions())
    rows = {r[1]: r[2] for r in table.rows}
    assert (rows["ts"], rows["user_id"], rows["input_tokens"]) == ("ts", "user_id",
                                                                    "input_tokens")


def test_a_vendor_export_saved_with_the_hint_is_still_that_vendors(tmp_path: Path) -> None:
    export = (FIXTURES / "openrouter" / "activity.csv").read_bytes()
    f = tmp_path / "activity.csv"
    f.write_bytes(b"sep=,\r\n" + export)
    plain, hinted = Store().load([FIXTURES / "openrouter" / "activity.csv"]), Store().load([f])
    assert hinted.files[0].format == plain.files[0].format == "openrouter csv"
    assert (hinted.rows_read, hinted.rows_loaded, hinted.rows_rejected) == (
        plain.rows_read, plain.rows_loaded, plain.rows_rejected)
    assert hinted.files[0].mapping == plain.files[0].mapping
