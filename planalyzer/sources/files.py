"""Resolve what the user named (files, folders, globs, hive-partitioned folders) into files."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from planalyzer.errors import InputError

# Extension -> reader format. Compressed CSV and JSON lines are read by DuckDB directly.
_FORMATS: dict[str, str] = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".tsv": "csv",
    ".csv.gz": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".jsonl.gz": "jsonl",
}


@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute, resolved
    format: str  # parquet | csv | jsonl
    source: str | None = None  # source module (planalyzer.sources.registry); None: detect
    user_id: str | None = None  # user the file belongs to, when its folder says (batch sources)

    @property
    def key(self) -> str:
        """The file's identity in events.source and the manifest: its absolute path."""
        return str(self.path)


def format_of(path: Path) -> str | None:
    name = path.name.lower()
    for ext in sorted(_FORMATS, key=len, reverse=True):
        if name.endswith(ext):
            return _FORMATS[ext]
    return None


def _files_under(folder: Path) -> list[Path]:
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in sorted(files):
            p = Path(root) / f
            if not f.startswith(".") and format_of(p) is not None:
                found.append(p)
    return found


def resolve(specs: list[str], fmt: str | None = None) -> list[SourceFile]:
    """Expand paths, folders and globs into a sorted list of distinct log files.

    ``fmt`` forces a format (parquet, csv, jsonl) for files whose extension does not say.
    Raises InputError naming the spec when it matches nothing usable.
    """
    if not specs:
        raise InputError("no sources given: name log files, folders or globs "
                         "(for example: planalyzer load 'exports/*.parquet')")
    seen: dict[Path, SourceFile] = {}
    for spec in specs:
        if glob.has_magic(spec):
            matches = [Path(m) for m in sorted(glob.glob(spec, recursive=True))]
            if not matches:
                raise InputError(f"{spec}: the glob matches no files; check the pattern")
        else:
            p = Path(spec)
            if not p.exists():
                raise InputError(f"{spec}: no such file or folder; check the path")
            matches = [p]
        paths: list[Path] = []
        for m in matches:
            paths.extend(_files_under(m) if m.is_dir() else [m])
        usable = 0
        for p in paths:
            f = fmt or format_of(p)
            if f is None:
                continue
            usable += 1
            rp = p.resolve()
            seen.setdefault(rp, SourceFile(rp, f))
        if usable == 0:
            kinds = ", ".join(sorted(_FORMATS))
            raise InputError(f"{spec}: no log files found (looked for {kinds}); "
                             "point at the export folder or name --input-format")
    return sorted(seen.values(), key=lambda s: s.key)
