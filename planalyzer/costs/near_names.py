"""A did-you-mean for a logged model the cost catalog prices only by its fallback profile, or
that has no API list price: the nearest name the catalogs (or the other logged models) know
that is priced, so a misspelt name in the logs ('claude-sonet-4-5') is easy to see."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from planalyzer.checks import nearest
from planalyzer.costs.catalog import CostCatalog, snapshot_free
from planalyzer.costs.prices import PriceCatalog

# model names share long prefixes (claude-opus-4-1, claude-opus-4-5): only a near miss is
# named, not the nearest of unrelated models (checks.nearest: difflib's default cutoff is 0.6)
CUTOFF = 0.8


def _plain(patterns: Iterable[str]) -> list[str]:
    """The patterns that are names, not globs ('claude-opus-4-5', not 'claude-opus-*')."""
    return [p for p in patterns if not any(c in p for c in "*?[{")]


def named_models(costs: CostCatalog, prices: PriceCatalog) -> list[str]:
    """Every model name the catalogs write out: profile keys, plain match patterns, and the
    price catalog's plain patterns and exact (LiteLLM) names."""
    names = [*costs.models, *(p for m in costs.models.values() for p in _plain(m.match)),
             *(p for e in prices.entries for p in _plain(e.match)), *prices.exact]
    return list(dict.fromkeys(names))


def near_model(name: str, known: Sequence[str], usable: Callable[[str], bool]) -> str | None:
    """The name in ``known`` nearest ``name`` (lower-cased, without a dated snapshot suffix)
    for which ``usable`` holds (the cost catalog prices it by a profile, or it has a list
    price); None if none is near."""
    want = snapshot_free(name)
    by_low: dict[str, str] = {}
    for k in known:
        low = snapshot_free(k)
        if low != want and low not in by_low:
            by_low[low] = k
    near = nearest(want, by_low, CUTOFF, usable=lambda low: usable(by_low[low]), among=3)
    return None if near is None else by_low[near]
