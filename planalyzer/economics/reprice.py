"""Re-price the served requests under changed cost assumptions, exactly.

Which requests a plan serves depends on its meters (requests, API-list dollars, tokens), never
on the GPU cost model, so the served set stays fixed while the cost assumptions move: only the
marginal (and fully loaded) cost of the served requests changes, and revenue stays. The
re-pricing runs the report's own pricing statement (``sql/price_events.sql``) over the served
requests, in a private DuckDB connection where they stand in for ``events``, with coefficients
built from the changed catalog entries (``planalyzer.costs.coefficients``): the same formula
the report priced them with, not a linear approximation.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from planalyzer import duck, sqlfiles
from planalyzer.analysis import TOKENS, ReportData
from planalyzer.costs.catalog import CostCatalog, Resolution
from planalyzer.costs.coefficients import Coefficients, coefficients_for
from planalyzer.costs.prices import PriceCatalog
from planalyzer.costs.pricing import coefficient_table
from planalyzer.errors import PlanalyzerError

SERVED_COLUMNS = ("plan_order", "model", *TOKENS, "requests")


def served_requests(data: ReportData) -> pl.DataFrame:
    """The requests the report served in its period: plan, model, tokens, request count."""
    if data.replay is None:
        raise PlanalyzerError("economics tables need the per-request frame: build the report "
                              "with keep_requests=True")
    r = data.replay
    df = r.requests
    if not len(df):
        return pl.DataFrame(schema={c: (pl.String if c == "model" else pl.Int64)
                                    for c in SERVED_COLUMNS})
    return df.filter(r.keep & df["served"]).select(SERVED_COLUMNS)


class Repricer:
    """Prices a fixed set of served requests under any variant of the cost catalog."""

    def __init__(self, served: pl.DataFrame, catalog: CostCatalog, prices: PriceCatalog):
        self.con = duck.connect()
        self.con.execute("SET enable_progress_bar = false").fetchall()
        self.con.register("events", served.to_arrow())
        self.models = sorted(set(served["model"].unique().to_list()))
        pairs = served.select("plan_order", "model").unique()
        self.models_of: dict[int, set[str]] = {}
        for order, model in pairs.iter_rows():
            self.models_of.setdefault(int(order), set()).add(str(model))
        self.base: dict[str, Resolution] = {m: catalog.resolve(m) for m in self.models}
        self.prices = {m: prices.lookup(m) for m in self.models}

    def close(self) -> None:
        self.con.close()

    def cost_by_plan(self, resolutions: Mapping[str, Resolution] | None = None
                     ) -> dict[int, tuple[float, float]]:
        """Per plan order: (marginal GPU cost, fully loaded cost) of the served requests."""
        res = resolutions or self.base
        rows: list[Coefficients] = []
        for m in self.models:
            rows.extend(coefficients_for(res[m], self.prices[m]))
        self.con.register("planalyzer_cost_coefficients_in", coefficient_table(rows))
        try:
            sqlfiles.run(self.con, "create_cost_coefficients").fetchall()
        finally:
            self.con.unregister("planalyzer_cost_coefficients_in")
        sqlfiles.run(self.con, "price_events",
                     slots={"event_columns": "q.plan_order"}).fetchall()
        out = sqlfiles.run(self.con, "economics_cost_by_plan").fetchall()
        return {int(p): (float(g or 0.0), float(c or 0.0)) for p, g, c in out}
