"""The one place the report gets ``priced_events``: every event + gpu_cost_usd,
training_cost_usd, overhead_cost_usd, loaded_cost_usd, api_value_usd and cost_assumed, from the
cost models in ``planalyzer.costs`` (roofline, measured or rate card, per model)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from planalyzer.costs import PricingResult, load_cost_catalog, load_price_catalog, price_events


def price_result(con: duckdb.DuckDBPyConnection, costs: str | Path | None = None, *,
                 prices: str | Path | None = None, strict: bool = False) -> PricingResult:
    """Create ``priced_events`` over ``events``; returns how each model was priced (the
    models with no API list price among them) and warnings about assumptions."""
    return price_events(con, load_cost_catalog(costs), prices=load_price_catalog(prices),
                        strict=strict)


def price(con: duckdb.DuckDBPyConnection, costs: str | Path | None = None, *,
          prices: str | Path | None = None, strict: bool = False) -> list[str]:
    """Create ``priced_events`` over ``events``; returns warnings about assumptions."""
    return list(price_result(con, costs, prices=prices, strict=strict).warnings)
