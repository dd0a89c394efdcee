"""Flat vendor exports (CSV, parquet, JSON lines) read by the generic tabular projection with
a preset column mapping: the vendor's documented column names, in order of preference. A
user's ``--map`` or mapping file still wins over the preset.

The user is read per row: the first of the preset's user columns that is not empty in that
row (an empty ``end_user``, say, falls back to ``user``, then ``team:<team_id>``), so one
export whose rows are attributed differently loads every row; ``--map user_id=...`` names one
column instead.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import duckdb

from planalyzer.sources.base import Source, first_line
from planalyzer.sources.files import SourceFile
from planalyzer.sources.mapping import MappingSpec, normalise
from planalyzer.sources.tabular import Preset, Projection, build_projection, file_columns

if TYPE_CHECKING:
    from planalyzer.store import LoadOptions


def header_names(head: bytes) -> set[str]:
    """Column names from a file's first line: a CSV header, or a JSON object's keys."""
    line = first_line(head)
    if line.startswith(b"{"):
        try:  # a byte that is not UTF-8 (a Latin-1 name) must not hide the keys: the row
            # holding it is rejected for its encoding when the file is read
            doc = json.loads(line.decode("utf-8", "replace"))
        except (ValueError, RecursionError):  # nested beyond Python's depth: no header
            return set()
        return {normalise(str(k)) for k in doc} if isinstance(doc, dict) else set()
    text = line.decode("utf-8", "replace").lstrip("\ufeff")
    return {normalise(c.strip().strip('"')) for c in text.split(",")}


class PresetSource(Source):
    """A flat export whose columns are known: ``columns`` maps canonical names to the vendor's
    candidates; ``signature`` are the columns whose presence identifies the export.

    ``user_prefixes``: the prefix a user candidate's values get (``team_id`` -> ``team:``) so
    a report tells a team or key from a person (the user column's own values too, where it
    is such a column: a team table's); ``user_default``: the user of a row whose
    candidates are all empty (None: such a row is rejected as missing user_id)."""

    columns: ClassVar[dict[str, tuple[str, ...]]] = {}
    user_prefixes: ClassVar[dict[str, str]] = {}
    user_default: str | None = None
    signature: tuple[str, ...] = ()
    input_includes_cache_read: bool = False
    cost_divisor: float = 1.0
    tabular_readers = True

    def sniff(self, path: Path, head: bytes) -> bool:
        names = header_names(head)
        return bool(self.signature) and all(normalise(s) in names for s in self.signature)

    def present_columns(self, con: duckdb.DuckDBPyConnection, src: SourceFile,
                        reader: str | None = None) -> dict[str, str]:
        """The file's columns by normalised name."""
        return {normalise(c): c for c, _ in file_columns(con, src, reader)}

    def preset(self, present: dict[str, str], opts: LoadOptions) -> Preset:
        """The per-row user fallbacks (unless --map names the user column) and anything a
        subclass adds (rows to skip, notes)."""
        if "user_id" in opts.mapping.explicit:
            return Preset()
        found = [present[normalise(c)] for c in self.columns.get("user_id", ())
                 if normalise(c) in present]
        prefix = self.user_prefixes.get(found[0]) if found else None
        return Preset(user_fallbacks=[(c, self.user_prefixes.get(c, "")) for c in found[1:]],
                      user_default=self.user_default,
                      user_prefix=(found[0], prefix) if prefix else None)

    def projection(
        self, con: duckdb.DuckDBPyConnection, src: SourceFile, opts: LoadOptions
    ) -> Projection:
        return self.project(con, src, opts)

    def project(self, con: duckdb.DuckDBPyConnection, src: SourceFile, opts: LoadOptions,
                explicit_extra: dict[str, str] | None = None, cost_divisor: float | None = None,
                reader: str | None = None, preset: Preset | None = None) -> Projection:
        present = self.present_columns(con, src, reader)
        explicit: dict[str, str] = {}
        for canon, candidates in self.columns.items():
            for cand in candidates:
                if normalise(cand) in present:
                    explicit[canon] = present[normalise(cand)]
                    break
        explicit.update(explicit_extra or {})
        explicit.update(opts.mapping.explicit)
        inclusive = opts.mapping.input_includes_cache_read
        spec = MappingSpec(explicit=explicit, input_includes_cache_read=(
            self.input_includes_cache_read if inclusive is None else inclusive))
        preset = preset if preset is not None else self.preset(present, opts)
        # a bucket row with an empty (an aggregated source's: or absent) request count: an
        # estimate
        preset = replace(preset, bucket_prompt_tokens=opts.bucket_prompt_tokens,
                         estimate_only_empty_cells=not self.aggregated)
        return build_projection(
            con, src, spec, self.cost_divisor if cost_divisor is None else cost_divisor,
            preset, reader)
