"""A text cell with a ``#`` is quoted in CSV, so readers that skip ``#`` comment lines (pandas
``comment='#'``, polars ``comment_prefix='#'``, as the README suggests) read it whole."""

from __future__ import annotations

import csv
import io

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planalyzer.render.formats import to_csv
from planalyzer.tables import Col, Table

IDS = ["team#42", "#ops", "bob #2", "# users", "alice", 'say "#1", twice']


def _table() -> Table:
    return Table("users", "Users", [Col("user_id"), Col("margin_usd", "usd")],
                 [(u, -1.5 - i) for i, u in enumerate(IDS)], notes=["a note"])


def test_hash_cells_are_quoted() -> None:
    text = to_csv([_table()])
    assert '"team#42",-1.5' in text and '"#ops",-2.5' in text
    assert "\n#ops" not in text


def test_polars_comment_prefix_reads_hash_ids_whole() -> None:
    df = pl.read_csv(io.StringIO(to_csv([_table()])), comment_prefix="#")
    assert df["user_id"].to_list() == IDS
    assert df["margin_usd"].to_list() == [-1.5 - i for i in range(len(IDS))]


def test_pandas_comment_reads_hash_ids_whole() -> None:
    pd = pytest.importorskip("pandas")
    df = pd.read_csv(io.StringIO(to_csv([_table()])), comment="#")
    assert df["user_id"].tolist() == IDS
    assert df["margin_usd"].tolist() == [-1.5 - i for i in range(len(IDS))]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=6).filter(lambda s: "#" not in s), min_size=2,
                         max_size=2), min_size=1, max_size=4))
def test_cells_without_hash_are_written_as_csv_writes_them(rows: list[list[str]]) -> None:
    rows = [[c if c[:1] not in "=+-@\t\r" else "x" + c for c in r] for r in rows]
    t = Table("t", "T", [Col("a"), Col("b")], [tuple(r) for r in rows])
    ref = io.StringIO()
    w = csv.writer(ref, lineterminator="\n")
    w.writerow(["a", "b"])
    w.writerows(rows)
    if not any("\r" in c for r in rows for c in r):  # csv leaves a lone \r bare; we quote it
        assert to_csv([t]) == ref.getvalue()
    assert [list(r) for r in csv.reader(io.StringIO(to_csv([t])))][1:] == rows
