"""Hive ``key=value`` folders of a file's path (``user_id=alice/``): one rule for every format.

DuckDB's readers would add such folders as columns, and for CSV and JSON lines let them
override the file's own column of that name (a row of alice under ``user_id=mallory/`` read as
mallory; ``input_tokens=999999/`` replacing every row's count), while parquet ignored them.
planalyzer reads every file with ``hive_partitioning = false`` and applies the rule here:

- a folder naming user_id, plan or model (or a spelling of them the mapping recognises:
  ``user=alice``) fills that column where the file has no column for it;
- where the file has the column, the file's value wins, and the mapping notes the folder's
  value was not used;
- a folder naming any other column (token counts, the timestamp, a cost) is never used, with a
  note; other folders (``month=2026-10``) are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from planalyzer.sources.mapping import SYNONYMS, normalise

FILLED = ("user_id", "plan", "model")  # the columns a folder's value may fill


@dataclass(frozen=True)
class PathValues:
    """The columns a file's folders fill (canonical -> (folder key, value)) and the notes."""

    fill: dict[str, tuple[str, str]]
    notes: tuple[str, ...]


def folder_values(key: str) -> list[tuple[str, str]]:
    """(key, value) of each ``key=value`` folder of the path, the innermost last."""
    out = []
    for part in PurePath(key).parent.parts:
        name, sep, value = part.partition("=")
        if sep and name:
            out.append((name, value))
    return out


def _canonical(name: str) -> str | None:
    norm = normalise(name)
    for canon, spellings in SYNONYMS.items():
        if norm == canon or norm in spellings:
            return canon
    return None


def chosen_folders(key: str) -> dict[str, tuple[str, str]]:
    """The folder of each canonical column the path names (canonical -> (folder key,
    value)); the innermost folder of a canonical wins. Folders naming no column (``month=``)
    are left out."""
    chosen: dict[str, tuple[str, str]] = {}
    for name, value in folder_values(key):
        canon = _canonical(name)
        if canon is not None:
            chosen[canon] = (name, value)
    return chosen


def path_values(key: str, mapped: dict[str, str], file_columns: set[str]) -> PathValues:
    """What the folders of ``key`` fill, given the file's mapped columns (canonical -> its
    column) and its column names."""
    chosen = chosen_folders(key)
    fill: dict[str, tuple[str, str]] = {}
    notes: list[str] = []
    for canon, (name, value) in chosen.items():
        if canon not in FILLED:  # first: the file's column winning suggests it would fill
            notes.append(f"folder {name}={value} not used: a folder fills only "
                         f"{', '.join(FILLED)}")
        elif canon in mapped:
            notes.append(f"folder {name}={value} not used: the file's {mapped[canon]} column "
                         "wins")
        elif name in file_columns:
            notes.append(f"folder {name}={value} not used: the file has a column {name}")
        else:
            fill[canon] = (name, value)
    return PathValues(fill, tuple(notes))


def sql_literal(value: str) -> str:
    """A SQL string literal of ``value`` (quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"
