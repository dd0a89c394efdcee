"""Sums of money (floats) that give the same bits in every run.

Float addition is not associative, so a sum's last bits depend on the order of the amounts:
polars sums a group in whatever order its threads hand the rows over (a ``group_by`` sum of the
same frame differs with the thread count, and from run to run), and a frame's row order can
differ where an unstable sort or a join put it. Two ways out, by size:

* ``ordered_sum``: within a ``group_by``, the sum of a column's values in ascending order. The
  same amounts give the same bits whatever order the rows arrive in; for the per-request sums
  (many rows a group), where a Python pass would cost more than the sort.
* ``fsum``: a whole column's exact sum, correctly rounded once (``math.fsum``): independent of
  row order and of how the frame is cut in chunks. For the report's totals over user-months
  and the like (thousands of rows, not millions).

No typer or rich here.
"""

from __future__ import annotations

import math

import polars as pl


def ordered_sum(col: str | pl.Expr, keep: pl.Expr | None = None) -> pl.Expr:
    """The sum of a float column or expression (its rows where ``keep``) within a group, added
    in ascending order: the same amounts give the same bits whatever order the rows arrive in
    (a multithreaded scan or join reorders them: 3.715934 vs 3.715935)."""
    e = pl.col(col) if isinstance(col, str) else col
    return (e if keep is None else e.filter(keep)).sort().sum()


def fsum(values: pl.Series) -> float:
    """The exact sum of ``values`` (nulls left out; 0.0 when none), rounded once to a float:
    the same bits in any row order."""
    return math.fsum(values.drop_nulls().cast(pl.Float64).to_list())
