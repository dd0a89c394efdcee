"""The cost side of what-if: margin sensitivity to the cost assumptions (a tornado), break-even
against a fixed cost, and margins projected under usage growth and falling cost per token.

Library use::

    data = build_report(con, keep_requests=True)
    tables = economics_tables(data, EconomicsOptions(sensitivity=True, fixed_cost_usd=5e6,
                                                     project_months=12, usage_growth=0.05,
                                                     cost_decline=0.03))

No typer or rich here. docs/economics.md explains every number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from planalyzer.analysis import ReportData
from planalyzer.costs import load_cost_catalog, load_price_catalog
from planalyzer.economics.base import ALL, PlanBase, plan_bases
from planalyzer.economics.breakeven import BreakEven, break_even, check_fixed
from planalyzer.economics.knobs import DEFAULT_KNOBS, Knob, Setting, parse_ranges
from planalyzer.economics.projection import ProjectedMonth, check_rates, project, recap
from planalyzer.economics.reprice import Repricer, served_requests
from planalyzer.economics.tables import break_even_table, projection_table, tornado_table
from planalyzer.economics.tornado import TornadoRow, tornado
from planalyzer.tables import Table


@dataclass(frozen=True)
class EconomicsOptions:
    """What to add to the report; rates are monthly fractions (0.05 = 5% a month)."""

    sensitivity: bool = False
    ranges: tuple[str, ...] = field(default_factory=tuple)  # NAME=LOW:HIGH overrides
    fixed_cost_usd: float | None = None
    payback_months: float = 12.0
    project_months: int | None = None
    usage_growth: float = 0.0
    cost_decline: float = 0.0

    @property
    def any(self) -> bool:
        return (self.sensitivity or bool(self.ranges) or self.fixed_cost_usd is not None
                or self.project_months is not None)

    def check(self) -> tuple[Knob, ...]:
        """Validate before the heavy work; returns the knobs the tornado moves."""
        knobs = parse_ranges(self.ranges)
        if self.project_months is not None:
            check_rates(self.project_months, self.usage_growth, self.cost_decline)
        if self.fixed_cost_usd is not None:
            check_fixed(self.fixed_cost_usd, self.payback_months)
        return knobs


def economics_tables(data: ReportData, options: EconomicsOptions, *,
                     costs: str | Path | None = None, prices: str | Path | None = None
                     ) -> list[Table]:
    """The tables ``options`` asks for. ``data`` must come from a report built with
    ``keep_requests=True``; ``costs``/``prices`` are the catalogs the report priced with."""
    knobs = options.check()
    bases = plan_bases(data)
    tables: list[Table] = []
    if options.sensitivity or options.ranges:
        repricer = Repricer(served_requests(data), load_cost_catalog(costs),
                            load_price_catalog(prices))
        try:
            tables.append(tornado_table(data, tornado(bases, repricer, knobs), knobs))
        finally:
            repricer.close()
    if options.fixed_cost_usd is not None:
        tables.append(break_even_table(data, break_even(bases, options.fixed_cost_usd,
                                                        options.payback_months)))
    if options.project_months is not None:
        tables.append(projection_table(data, project(
            data, bases, options.project_months, options.usage_growth, options.cost_decline),
            options.usage_growth, options.cost_decline))
    return tables


__all__ = [
    "ALL",
    "DEFAULT_KNOBS",
    "BreakEven",
    "EconomicsOptions",
    "Knob",
    "PlanBase",
    "ProjectedMonth",
    "Repricer",
    "Setting",
    "TornadoRow",
    "break_even",
    "economics_tables",
    "plan_bases",
    "project",
    "recap",
    "served_requests",
    "tornado",
]
