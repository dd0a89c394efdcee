"""What a JSON document's ``meta`` says about the catalogs and months behind its figures.

Two runs' documents can then be compared knowing what they rest on: which catalog files (or
the shipped ones, with their latest ``as_of`` and the planalyzer version that ships them) and
which billing months the figures actually cover, and which sources (files, folders, a --db
store) and rows they were computed from. No typer or rich here.
"""

from __future__ import annotations

import fnmatch
import os
import tomllib
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from planalyzer import __version__
from planalyzer.accounting import FileLoad, display_path

# the shipped files behind each catalog option (--plans, --costs, --prices)
SHIPPED: dict[str, tuple[str, ...]] = {
    "plans": ("plans.toml",),
    "costs": ("hardware.toml", "models.toml", "serving.toml"),
    "prices": ("api_prices.toml",),
}
# a --plans file replaces the shipped plans; --costs and --prices files extend theirs
_REPLACES = frozenset({"plans"})


def _as_of_values(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "as_of" and isinstance(v, str):
                yield v
            else:
                yield from _as_of_values(v)
    elif isinstance(node, list):
        for v in node:
            yield from _as_of_values(v)


@cache
def shipped_catalog(kind: str) -> dict[str, Any]:
    """The shipped files of a catalog kind, the latest ``as_of`` among their entries (dates
    ``YYYY-MM`` or ``YYYY-MM-DD``, compared as text) and the planalyzer version."""
    dates: list[str] = []
    for name in SHIPPED[kind]:
        text = resources.files("planalyzer.data").joinpath(name).read_text(encoding="utf-8")
        dates.extend(_as_of_values(tomllib.loads(text)))
    return {"files": list(SHIPPED[kind]), "as_of": max(dates, default=None),
            "planalyzer": __version__}


def catalog_meta(**files: str | Path | None) -> dict[str, Any]:
    """Per catalog kind given (``plans=``, ``costs=``, ``prices=``: the option's file or None):
    ``file`` (the option's file, or null) and ``shipped`` (the shipped catalog it rests on,
    ``shipped_catalog``; null where the file replaces it: a --plans file)."""
    out: dict[str, Any] = {}
    for kind, path in files.items():
        if kind not in SHIPPED:
            raise ValueError(f"unknown catalog kind {kind!r}")
        out[kind] = {"file": str(path) if path else None,
                     "shipped": None if path and kind in _REPLACES
                     else {**shipped_catalog(kind), "files": list(SHIPPED[kind])}}
    return out


def covered_months(months: Iterable[str], partial: Iterable[str] | None = None
                   ) -> dict[str, Any]:
    """The billing months (``YYYY-MM``) the figures cover, sorted, and (where known) those
    among them the period or the logs cover only in part."""
    out: dict[str, Any] = {"covered": sorted(set(months))}
    if partial is not None:
        out["partial"] = sorted(set(partial))
    return out


SOURCES_LISTED = 50  # given sources listed one by one; the rest are summed in the totals
MAPPINGS_LISTED = 10  # distinct column mappings listed


def _rows(files: int, f: FileLoad) -> dict[str, Any]:
    return {"files": files, "rows_read": f.rows_read, "rows_loaded": f.rows_loaded,
            "rows_rejected": f.rows_rejected, "duplicates_dropped": f.duplicates_dropped,
            "rejected_by_reason": dict(sorted(f.rejected_by_reason.items()))}


def _summed(files: Sequence[FileLoad]) -> FileLoad:
    total = FileLoad("", "", "")
    for f in files:
        total.rows_read += f.rows_read
        total.rows_loaded += f.rows_loaded
        total.rows_rejected += f.rows_rejected
        total.duplicates_dropped += f.duplicates_dropped
        for reason, n in f.rejected_by_reason.items():
            total.rejected_by_reason[reason] = total.rejected_by_reason.get(reason, 0) + n
    return total


def _holder(given: str) -> Callable[[str], bool]:
    """Whether the source named ``given`` on the command line (a file, a folder, a glob)
    holds a file a load read (an absolute path)."""
    path = Path(given).expanduser()
    if path.exists():
        here = os.path.realpath(path)
        below = here.rstrip(os.sep) + os.sep
        return lambda source: source == here or source.startswith(below)
    pattern = os.path.abspath(os.path.expanduser(given))  # a glob: the file or a folder above it
    return lambda source: any(fnmatch.fnmatchcase(str(p), pattern)
                              for p in (Path(source), *Path(source).parents))


def sources_meta(given: Sequence[str] | None, files: Sequence[FileLoad],
                 db: str | None = None, db_totals: tuple[int, FileLoad] | None = None,
                 stored: Callable[[list[str]], FileLoad] | None = None) -> dict[str, Any]:
    """JSON meta's ``sources``: what the figures rest on. Per source named on the command line
    (a file, folder or glob, as given; at most SOURCES_LISTED, ``given_not_listed`` counts the
    rest): its files and rows read = loaded + rejected + duplicates, rejected by reason; this
    run's totals (``read``); the column mappings used, with their file counts (the most used
    first, at most MAPPINGS_LISTED); and with a --db file, its path and what it holds (every
    file in it: analysis covers them all). ``stored`` (with --db): the store's accounting of
    some files, summed; a named source's rows are then those it holds for its files (a file
    a run finds unchanged reads no rows, but its events are there)."""
    groups: dict[str, list[FileLoad]] = {g: [] for g in given or []}
    holders = [(g, _holder(g)) for g in groups]
    other: list[FileLoad] = []
    for f in files:
        owner = next((g for g, holds in holders if holds(f.source)), None)
        if owner is None:  # reached through a link: its real path
            real = os.path.realpath(f.source)
            owner = next((g for g, holds in holders if holds(real)), None)
        (groups[owner] if owner is not None else other).append(f)
    def rows(fs: list[FileLoad]) -> dict[str, Any]:
        if stored is not None and fs:
            return _rows(len(fs), stored([f.source for f in fs]))
        return _rows(len(fs), _summed(fs))

    listed = [{"source": display_path(g), **rows(fs)} for g, fs in groups.items()]
    if other:  # found by a source none of the names above holds (never expected)
        listed.append({"source": None, **rows(other)})
    mappings: dict[str, int] = {}
    for f in files:
        if f.mapping:
            mappings[f.mapping] = mappings.get(f.mapping, 0) + 1
    out: dict[str, Any] = {
        "given": listed[:SOURCES_LISTED],
        "read": _rows(len(files), _summed(files)),
        "mappings": [{"mapping": m, "files": n} for m, n in sorted(
            mappings.items(), key=lambda kv: (-kv[1], kv[0]))[:MAPPINGS_LISTED]],
        "db": None,
    }
    if len(listed) > SOURCES_LISTED:
        out["given_not_listed"] = len(listed) - SOURCES_LISTED
    if len(mappings) > MAPPINGS_LISTED:
        out["mappings_not_listed"] = len(mappings) - MAPPINGS_LISTED
    if db is not None and db_totals is not None:
        out["db"] = {"path": db, **_rows(*db_totals)}
    return out
