"""Flat vendor exports (CSV, parquet, JSON lines) read by the generic tabular projection with
a preset column mapping: the vendor's documented column names, in order of preference. A
user's ``--map`` or mapping file still wins over the preset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import duckdb

from planalyzer.sources.base import Source, first_line
from planalyzer.sources.files import SourceFile
from planalyzer.sources.mapping import MappingSpec, normalise
from planalyzer.sources.tabular import Projection, build_projection, file_columns

if TYPE_CHECKING:
    from planalyzer.store import LoadOptions


def header_names(head: bytes) -> set[str]:
    """Column names from a file's first line: a CSV header, or a JSON object's keys."""
    line = first_line(head)
    if line.startswith(b"{"):
        try:
            doc = json.loads(line)
        except ValueError:
            return set()
        return {normalise(str(k)) for k in doc} if isinstance(doc, dict) else set()
    text = line.decode("utf-8", "replace").lstrip("\ufeff")
    return {normalise(c.strip().strip('"')) for c in text.split(",")}


class PresetSource(Source):
    """A flat export whose columns are known: ``columns`` maps canonical names to the vendor's
    candidates; ``signature`` are the columns whose presence identifies the export."""

    columns: ClassVar[dict[str, tuple[str, ...]]] = {}
    signature: tuple[str, ...] = ()
    input_includes_cache_read: bool = False
    cost_divisor: float = 1.0
    tabular_readers = True

    def sniff(self, path: Path, head: bytes) -> bool:
        names = header_names(head)
        return bool(self.signature) and all(normalise(s) in names for s in self.signature)

    def projection(
        self, con: duckdb.DuckDBPyConnection, src: SourceFile, opts: LoadOptions
    ) -> Projection:
        present = {normalise(c): c for c, _ in file_columns(con, src)}
        explicit: dict[str, str] = {}
        for canon, candidates in self.columns.items():
            for cand in candidates:
                if normalise(cand) in present:
                    explicit[canon] = present[normalise(cand)]
                    break
        explicit.update(opts.mapping.explicit)
        inclusive = opts.mapping.input_includes_cache_read
        spec = MappingSpec(explicit=explicit, input_includes_cache_read=(
            self.input_includes_cache_read if inclusive is None else inclusive))
        return build_projection(con, src, spec, self.cost_divisor)
