"""Flat vendor exports (CSV, parquet, JSON lines) read by the generic tabular projection with
a preset column mapping: the vendor's documented column names, in order of preference. A
user's ``--map`` or mapping file still wins over the preset.

The user is read per row: the first of the preset's user columns that is not empty in that
row (an empty ``end_user``, say, falls back to ``user``, then ``team:<team_id>``), so one
export whose rows are attributed differently loads every row; ``--map user_id=...`` names one
column instead.
"""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import duckdb

from planalyzer.sources.base import UTF8_BOM, Source
from planalyzer.sources.files import SourceFile
from planalyzer.sources.mapping import MappingSpec, normalise
from planalyzer.sources.tabular import (
    Preset,
    Projection,
    build_projection,
    csv_sep_hint,
    file_columns,
)

if TYPE_CHECKING:
    from planalyzer.store import LoadOptions


def header_names(head: bytes) -> set[str]:
    """Column names from a file's first bytes, as its reader will see them: a CSV header (its
    delimiter ',', ';', tab or '|', as DuckDB's sniffer chooses, or as a first line ``sep=;``
    names it; after any '#' comment lines),
    the keys of the first JSON-lines object, or of a JSON array's first element. A UTF-8
    byte-order mark is passed over."""
    return set(_header_names(head))


@lru_cache(maxsize=8)  # each preset source asks of the same head while a file is detected
def _header_names(head: bytes) -> frozenset[str]:
    text = head.removeprefix(UTF8_BOM)
    start = text.lstrip()
    if start.startswith(b"["):
        return _json_keys(start.decode("utf-8", "replace"), 1)
    if start.startswith(b"{") or any(
            line.lstrip().startswith(b'{"') for line in text.split(b"\n")[1:_SNIFF_LINES]):
        return _jsonl_keys(text)  # JSON lines, the first perhaps null or malformed
    sep = csv_sep_hint(text)
    if sep is not None:  # Excel's delimiter hint: the header is the next line
        return _csv_names(text.partition(b"\n")[2], sep.decode())
    return _csv_names(text)


def _jsonl_keys(text: bytes) -> frozenset[str]:
    """The keys of the first line that is a JSON object with keys (a blank, malformed, null or
    ``{}`` line before it is one DuckDB rejects or reads as no columns); else of the first
    object read across lines (pretty-printed)."""
    for line in text.split(b"\n")[:_SNIFF_LINES]:
        if not line.strip():
            continue
        try:  # a byte that is not UTF-8 (a Latin-1 name) must not hide the keys: the row
            # holding it is rejected for its encoding when the file is read
            doc = json.loads(line.decode("utf-8", "replace"))
        except (ValueError, RecursionError):  # nested beyond Python's depth: no header
            continue
        if isinstance(doc, dict) and doc:
            return frozenset(normalise(str(k)) for k in doc)
    return _json_keys(text.decode("utf-8", "replace"), 0)


def _json_keys(text: str, at: int) -> frozenset[str]:
    """The keys of the JSON object starting at ``text[at]`` (after any blanks)."""
    while at < len(text) and text[at].isspace():
        at += 1
    try:
        doc, _ = json.JSONDecoder().raw_decode(text, at)
    except (ValueError, RecursionError):
        return frozenset()
    return frozenset(normalise(str(k)) for k in doc) if isinstance(doc, dict) else frozenset()


_DELIMITERS = (",", ";", "\t", "|")  # DuckDB's sniffer's candidates, ',' first on a tie
_SNIFF_LINES = 12  # lines of a head looked at (a header and the rows that agree with it)


def _csv_names(text: bytes, given: str | None = None) -> frozenset[str]:
    """A CSV header's names: split by the delimiter whose fields the next rows agree with
    (most rows of the header's field count, then most fields), or by the ``given`` one."""
    lines = [line.decode("utf-8", "replace")
             for line in text.splitlines()[:_SNIFF_LINES] if line.strip()]
    while lines and lines[0].lstrip().startswith("#"):  # a comment DuckDB's sniffer skips
        lines.pop(0)
    if not lines:
        return frozenset()
    header, rows = lines[0], lines[1:-1] if len(lines) > 2 else lines[1:]  # the last: cut?

    def fields(line: str, sep: str) -> list[str]:
        return next(csv.reader([line], delimiter=sep), [])

    def score(sep: str) -> tuple[int, int]:
        n = len(fields(header, sep))
        return (sum(len(fields(r, sep)) == n for r in rows) if n > 1 else 0), n

    sep = given or max(_DELIMITERS, key=score)
    return frozenset(normalise(c) for c in fields(header, sep))


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
            self.input_includes_cache_read if inclusive is None else inclusive),
            mapping_file=opts.mapping.mapping_file, from_file=opts.mapping.from_file)
        preset = preset if preset is not None else self.preset(present, opts)
        # a bucket row with an empty (an aggregated source's: or absent) request count: an
        # estimate
        preset = replace(preset, bucket_prompt_tokens=opts.bucket_prompt_tokens,
                         estimate_only_empty_cells=not self.aggregated)
        return build_projection(
            con, src, spec, self.cost_divisor if cost_divisor is None else cost_divisor,
            preset, reader)
