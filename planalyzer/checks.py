"""Checks on option and argument values, shared by the CLI (which names its --flags) and the
library (which names its parameters and fields): one message for one mistake, wherever it is
made."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence

from planalyzer.errors import UsageError

_MOST = 2**62  # the largest count an option takes (a BIGINT with room to add)


def check_min(option: str, value: float | None, minimum: float, why: str = "") -> None:
    """A numeric value below the least it takes (a negative count, a zero limit): a UsageError
    naming ``option``, the value and the least it takes."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"{option} {value!r}: must be a number, at least {minimum:g}")
    if value < minimum:
        raise UsageError(f"{option} {value:g}: must be at least {minimum:g}"
                         + (f" ({why})" if why else ""))
    if isinstance(value, int) and value > _MOST:  # polars and DuckDB hold 64-bit counts
        raise UsageError(f"{option} {value}: too large (at most {_MOST:,})")


def check_choice(option: str, value: object, choices: Sequence[str]) -> None:
    """``value`` must be one of ``choices``: else a UsageError naming them."""
    if value not in choices:
        listed = (", ".join(choices[:-1]) + " or " + choices[-1]) if len(choices) > 1 else (
            choices[0])
        raise UsageError(f"{option} {value!r}: use {listed}")


def nearest(name: str, candidates: Iterable[str], cutoff: float = 0.6,
            usable: Callable[[str], bool] | None = None, among: int = 1) -> str | None:
    """The candidate nearest ``name`` (difflib's ratio, at least ``cutoff``: difflib's default
    0.6 unless a caller wants only nearer misses), or None: the did-you-mean of every message
    on a name not known. ``usable``: the nearest of the ``among`` nearest for which it holds."""
    for near in difflib.get_close_matches(name, list(candidates), n=among, cutoff=cutoff):
        if usable is None or usable(near):
            return near
    return None


def did_you_mean(near: str | None) -> str:
    """' (did you mean 'x'?)' after a name not known, '' where nothing is near."""
    return "" if near is None else f" (did you mean {near!r}?)"


# a number may end in k, M or B (thousand, million, billion), as the output writes caps (83.3M)
NUMBER_SUFFIXES = {"k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9}


def parse_number(text: str) -> float:
    """``text`` as a number: 40e6, 40_000_000, 40M, 1.5k (ValueError if it is none): the
    forms ``--grid`` values and ``--fixed-cost`` take."""
    t = text.strip().replace("_", "")
    scale = NUMBER_SUFFIXES.get(t[-1:], 1.0) if len(t) > 1 else 1.0
    if scale != 1.0:
        t = t[:-1]
    v = float(t) * scale
    return float(round(v)) if scale != 1.0 and abs(v - round(v)) < 1e-6 else v
