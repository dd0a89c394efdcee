"""Checks on option and argument values, shared by the CLI (which names its --flags) and the
library (which names its parameters and fields): one message for one mistake, wherever it is
made."""

from __future__ import annotations

from collections.abc import Sequence

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
