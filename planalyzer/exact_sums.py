"""Sums of money (floats) that give the same bits in every run.

Float addition is not associative, so a sum's last bits depend on the order of the amounts:
polars sums a group_by's floats in whatever order its threads meet the rows (the same frame's
group sums differ with the thread count, and from run to run), and a frame's row order can
differ where an unstable sort or a join put it. Three ways out:

* ``money_sum``: within a ``group_by``, each amount to 1e-18 (DECIMAL(38, 18)), then an exact
  integer sum: independent of row order and threads, and cheap (about 3x a float sum, where
  sorting each group first costs 15x); cheaper still where the same amounts are summed
  again and again: cast them to ``MONEY`` once. For the sums over requests and segments.
  In DuckDB, sql/economics_cost_by_plan.sql sums whole atto-dollars (HUGEINT), the same.
* ``ordered_sum``: within a ``group_by``, the float amounts added in ascending order. The
  report's own passes (``planalyzer.analysis``, ``planalyzer.screen``) sum this way.
* ``fsum``: a whole column's exact sum, correctly rounded once (``math.fsum``): independent of
  row order and of how the frame is cut in chunks. For totals over user-months and the like
  (thousands of rows, not millions); ``fsum_each``: the same per list of a list column (a
  ``group_by``'s amounts gathered with ``pl.col(...)``), as a user's total over their months.

No typer or rich here.
"""

from __future__ import annotations

import math

import polars as pl

# to 1e-18 of a dollar (or of a meter unit), up to 1e20 (38 digits): exact integer sums
MONEY = pl.Decimal(38, 18)


def money_sum(col: str | pl.Expr, keep: pl.Expr | None = None) -> pl.Expr:
    """The sum of a float column or expression (its rows where ``keep``) within a group, each
    amount rounded to 1e-18 and added exactly (``MONEY``), as a float: the same bits whatever
    order the rows arrive in and however many threads add them; 0.0 for no rows. A NaN or an
    amount of 1e20 or more is an error (no money is)."""
    e = pl.col(col) if isinstance(col, str) else col
    return (e if keep is None else e.filter(keep)).cast(MONEY).sum().cast(pl.Float64)


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


def fsum_each(lists: pl.Series) -> pl.Series:
    """The exact sum of each list of a list column (nulls left out; 0.0 for an empty or null
    list), rounded once to a float, as ``fsum``: a user's total over their user-months is
    then the same bits as a plan's total (a plain float sum of two amounts is their exact sum
    rounded once, as is fsum of them), where ``money_sum``'s cast of each amount to
    ``MONEY`` keeps its shortest decimal (0.2144347 + 0.2941018 = 0.5085365, which rounds to
    the double below the exact sum of the two floats; qa17B #2)."""
    return pl.Series(lists.name, [math.fsum(x for x in v if x is not None) if v else 0.0
                                  for v in lists.to_list()], dtype=pl.Float64)
