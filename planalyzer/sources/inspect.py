"""Show how files' columns map onto the events schema, without loading them.

Files are found and recognised as a load finds them (``planalyzer.sources.registry``): a
vendor export shows its preset mapping, and transcript folders (Claude Code, Codex: batch
sources) show their fixed layout, the fields each canonical column is read from, once per
source rather than once per file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import duckdb

from planalyzer import duck, sqlfiles
from planalyzer.accounting import display_path
from planalyzer.sources import registry
from planalyzer.sources.base import Source, check_not_empty
from planalyzer.sources.files import SourceFile
from planalyzer.sources.mapping import MAPPABLE
from planalyzer.sources.tabular import file_columns, ts_reading
from planalyzer.tables import Col, Table

if TYPE_CHECKING:
    from planalyzer.store import LoadOptions


def mapping_tables(specs: Sequence[str], opts: LoadOptions) -> list[Table]:
    """One row per file and canonical column: which column feeds it, and how it was chosen
    (for a transcript source: one row per canonical column, from its fixed layout)."""
    con = duck.connect()
    rows: list[tuple[object, ...]] = []
    notes: list[str] = []
    batches: dict[str, list[SourceFile]] = {}
    ready: set[str] = set()
    try:
        for found in registry.resolve(list(specs), None, opts.input_format):
            src, module = registry.identify(found)
            if module.batch:
                batches.setdefault(module.name, []).append(src)
                continue
            if module.name not in ready:
                module.setup(con)
                ready.add(module.name)
            _file_rows(con, src, module, opts, rows, notes)
    finally:
        con.close()
    for name, files in batches.items():
        _layout_rows(registry.get(name), files, opts, rows, notes)
    return [Table("column_mapping", "Column mapping",
                  [Col("source"), Col("canonical"), Col("column"), Col("type"), Col("how")],
                  rows, notes, keys=("source", "canonical"))]


def _file_rows(con: duckdb.DuckDBPyConnection, src: SourceFile, module: Source,
               opts: LoadOptions, rows: list[tuple[object, ...]], notes: list[str]) -> None:
    check_not_empty(src)
    proj = module.projection(con, src, opts)
    # a file read by the tabular readers has columns of its own (a saved page's rows, with
    # those a source adds); a nested JSON report's projection (sql/project_*.sql) names
    # fields inside it instead
    types = dict(file_columns(con, src, proj.reader)) if proj.reads_file else {}
    m = proj.mapping
    name = display_path(src.key)
    for canon in MAPPABLE:
        col = m.columns.get(canon)
        how = m.how.get(canon, "default" if col is None else "")
        if how == "given" and canon not in opts.mapping.explicit:
            how = "preset"  # a vendor source's own column list, not the user's --map
        # no column (or no type): null in JSON, empty in CSV, "-" on a terminal
        rows.append((name, canon, col, types.get(col) if col else None, how))
    ts = m.columns.get("ts")
    reading = ts_reading(types[ts]) if ts is not None and ts in types else None
    if ts is not None and reading is not None:  # the type is the file's (a CSV's text: VARCHAR)
        notes.append(f"{name}: ts ({ts}, {types[ts]}): {reading}")
    unused = sorted(set(types) - set(m.columns.values()) - set(proj.extra_columns))
    if unused:
        notes.append(f"{name}: columns not used: {', '.join(unused)}")
    if module.name != registry.GENERIC:
        notes.append(f"{name}: recognised as {module.name} ({module.description})")
    if proj.user_from is not None:
        counts = sqlfiles.run(con, "user_origin_counts", {"path": src.key},
                              {"origin": proj.user_from, "reader": proj.reader}).fetchall()
        notes.append(f"{name}: user_id is read per row from the first non-empty of "
                     f"{m.user_chain()}; rows by the column their user came from: "
                     + ", ".join(f"{c or 'none (rejected: missing user_id)'} {n:,}"
                                 for c, n in counts))
    for note in m.notes:
        notes.append(f"{name}: {note}")
    # a note from the rows as the load checks them: read over the projection
    late = (proj.after_checks(con, proj.sql, {**proj.params, "path": src.key,
                                              "tz": opts.timezone})
            if proj.after_checks is not None else None)
    unread = "; ".join(n for n in (m.unread, late) if n)
    if unread:
        notes.append(f"{name}: {unread}")
    if m.input_includes_cache_read:
        notes.append(f"{name}: input_tokens = input - cache_read "
                     "(the source counts cached tokens inside its input count)")
    if proj.type_problem:
        notes.append(f"{name}: {proj.type_problem} (its rows are rejected)")


def _layout_rows(module: Source, files: list[SourceFile], opts: LoadOptions,
                 rows: list[tuple[object, ...]], notes: list[str]) -> None:
    keys = [f.key for f in files]
    where = display_path(os.path.commonpath(keys)) if len(keys) > 1 else display_path(keys[0])
    label = f"{where} ({len(files):,} {module.name} file(s))"
    fields = dict(module.layout)
    for canon in MAPPABLE:
        rows.append((label, canon, fields.get(canon), None,
                     "fixed layout" if canon in fields else "default"))
    ignored = " (--map and --mapping do not apply to them)" if opts.mapping.explicit else ""
    notes.append(f"{module.name}: transcripts have a fixed layout, not columns to map: each "
                 f"canonical column is read from the field shown{ignored}; rows are the lines "
                 "that carry token usage, the rest is counted by kind when loaded "
                 "(docs/sources.md)")
