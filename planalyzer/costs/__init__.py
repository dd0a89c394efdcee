"""Cost models: what a request costs to serve (marginal GPU cost, fully loaded cost) and what
it is worth at API list prices. No typer or rich here."""

from planalyzer.costs.catalog import CostCatalog, Resolution, load_cost_catalog
from planalyzer.costs.coefficients import Coefficients, coefficient_cost, coefficients_for
from planalyzer.costs.prices import ApiPrice, PriceCatalog, api_value_usd, load_price_catalog
from planalyzer.costs.pricing import (
    PRICED_COLUMNS,
    ModelUsage,
    PricingResult,
    check_models,
    logged_models,
    price_events,
)
from planalyzer.costs.report import costs_tables, sensitivity_tables
from planalyzer.costs.roofline import Breakdown, Roofline, Tokens

__all__ = [
    "PRICED_COLUMNS",
    "ApiPrice",
    "Breakdown",
    "Coefficients",
    "CostCatalog",
    "ModelUsage",
    "PriceCatalog",
    "PricingResult",
    "Resolution",
    "Roofline",
    "Tokens",
    "api_value_usd",
    "check_models",
    "coefficient_cost",
    "coefficients_for",
    "costs_tables",
    "load_cost_catalog",
    "load_price_catalog",
    "logged_models",
    "price_events",
    "sensitivity_tables",
]
