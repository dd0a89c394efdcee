"""Report tables as plain data: what every command prints, in every format.

Library functions return ``Table`` objects; ``planalyzer.render`` turns them into a terminal
table (rich), JSON, CSV or markdown. Column names are the stable JSON/CSV keys: money is USD with
``_usd`` in the name, tokens end in ``_tokens``, shares end in ``_share`` (0..1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["str", "int", "tokens", "usd", "usd_rate", "share", "float", "number", "bool"]
"""``usd``: an amount (cents; whole dollars from $100); ``usd_rate``: a unit price or the cost
of one request ($ per million tokens, $ per request), shown to three significant figures so
small rates keep their precision; ``float``: a measure, shown to three significant figures;
``number``: a value as someone gave it (a swept price or cap: 19.99, 110,000,000), shown
whole, never rounded to three figures; a text value in such a column is shown as it is."""


@dataclass(frozen=True)
class Col:
    """One column: its stable key, how to show it, and a header for humans."""

    key: str
    kind: Kind = "str"
    label: str = ""

    @property
    def header(self) -> str:
        return self.label or self.key


@dataclass
class Table:
    """A titled table of rows; ``notes`` say which assumptions its numbers rest on."""

    name: str
    title: str
    columns: Sequence[Col]
    rows: list[tuple[Any, ...]]
    notes: list[str] = field(default_factory=list)
    record: bool = False  # one row best shown vertically (measure: value) on a terminal
    # per row, how far a terminal indents its first cell (1: a part of the row above it);
    # empty: none. Presentation only: JSON, CSV and markdown write the values as they are.
    levels: Sequence[int] = ()
    # the columns that say what a row is (month, tool, plan ...): a terminal too narrow for
    # the table repeats them in each block of columns. Empty: its leading id columns (plan,
    # user_id, model, month ...), or else its first column. Presentation only.
    keys: Sequence[str] = ()

    def as_dicts(self) -> list[dict[str, Any]]:
        """The rows as dicts keyed by column key (the JSON output's keys)."""
        keys = [c.key for c in self.columns]
        return [dict(zip(keys, row, strict=True)) for row in self.rows]

    def column(self, key: str) -> list[Any]:
        idx = [c.key for c in self.columns].index(key)
        return [row[idx] for row in self.rows]


def some_of(items: Sequence[str], most: int = 20, sep: str = ", ") -> str:
    """``items`` joined, at most ``most`` of them, then how many more ('a, b and 9,998
    more'): a note about ten thousand models stays a line."""
    if len(items) <= most:
        return sep.join(items)
    return f"{sep.join(items[:most])}{sep}and {len(items) - most:,} more"
