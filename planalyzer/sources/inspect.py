"""Show how files' columns map onto the events schema, without loading them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import duckdb

from planalyzer.accounting import display_path
from planalyzer.sources.files import resolve
from planalyzer.sources.mapping import MAPPABLE
from planalyzer.sources.tabular import build_projection, file_columns
from planalyzer.tables import Col, Table

if TYPE_CHECKING:
    from planalyzer.store import LoadOptions


def mapping_tables(specs: Sequence[str], opts: LoadOptions) -> list[Table]:
    """One row per file and canonical column: which column feeds it, and how it was chosen."""
    con = duckdb.connect()
    rows: list[tuple[object, ...]] = []
    notes: list[str] = []
    for src in resolve(list(specs), opts.input_format):
        types = dict(file_columns(con, src))
        proj = build_projection(con, src, opts.mapping)
        m = proj.mapping
        for canon in MAPPABLE:
            col = m.columns.get(canon)
            rows.append((display_path(src.key), canon, col or "-",
                         types.get(col, "-") if col else "-",
                         m.how.get(canon, "default" if col is None else "")))
        unused = sorted(set(types) - set(m.columns.values()))
        if unused:
            notes.append(f"{display_path(src.key)}: columns not used: {', '.join(unused)}")
        if m.input_includes_cache_read:
            notes.append(f"{display_path(src.key)}: input_tokens = input - cache_read "
                         "(the source counts cached tokens inside its input count)")
        if proj.type_problem:
            notes.append(f"{display_path(src.key)}: {proj.type_problem} (its rows are rejected)")
    con.close()
    return [Table("column_mapping", "Column mapping",
                  [Col("source"), Col("canonical"), Col("column"), Col("type"), Col("how")],
                  rows, notes)]
