"""What a JSON document's ``meta`` says about the catalogs and months behind its figures.

Two runs' documents can then be compared knowing what they rest on: which catalog files (or
the shipped ones, with their latest ``as_of`` and the planalyzer version that ships them) and
which billing months the figures actually cover. No typer or rich here.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from planalyzer import __version__

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
