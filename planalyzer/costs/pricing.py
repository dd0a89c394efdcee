"""Price every event in one SQL pass: ``priced_events`` = events + costs + API value."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import duckdb
import pyarrow as pa

from planalyzer import sqlfiles
from planalyzer.costs.catalog import CostCatalog, Resolution
from planalyzer.costs.coefficients import COLUMNS, Coefficients, coefficients_for
from planalyzer.costs.near_names import named_models, near_model
from planalyzer.costs.prices import PriceCatalog
from planalyzer.errors import StrictModeError
from planalyzer.tables import some_of

PRICED_COLUMNS: tuple[str, ...] = (
    "gpu_cost_usd", "training_cost_usd", "overhead_cost_usd", "loaded_cost_usd",
    "api_value_usd", "cost_assumed",
)
_NULLABLE_API = {c for c in COLUMNS if c.startswith("api_") and c != "api_threshold"}


@dataclass(frozen=True)
class ModelUsage:
    """A logged model's volume: what a warning about it shows."""

    model: str
    requests: int
    input_tokens: int
    cache_write_tokens: int
    cache_write_1h_tokens: int
    cache_read_tokens: int
    output_tokens: int

    @property
    def total_tokens(self) -> int:
        return (self.input_tokens + self.cache_write_tokens + self.cache_write_1h_tokens
                + self.cache_read_tokens + self.output_tokens)

    def describe(self, near: str | None = None) -> str:
        """'model (N requests, T tokens, O output)'; ``near``: a name to ask 'did you
        mean' of (planalyzer.costs.near_names)."""
        noun = "request" if self.requests == 1 else "requests"
        hint = f"; did you mean {near!r}?" if near else ""
        return (f"{self.model} ({self.requests:,} {noun}, {self.total_tokens:,} tokens, "
                f"{self.output_tokens:,} output{hint})")


@dataclass
class PricingResult:
    """What ``price_events`` did: how each model was priced, and what it had to assume."""

    view: str
    models: list[ModelUsage]  # filled only when a warning needs volumes
    resolutions: dict[str, Resolution]
    unknown_models: list[ModelUsage] = field(default_factory=list)   # priced by the fallback
    unpriced_models: list[ModelUsage] = field(default_factory=list)  # no API list price
    warnings: list[str] = field(default_factory=list)


def logged_models(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The distinct model names in ``events`` (what ``costs_tables(models=...)`` takes)."""
    return [str(r[0]) for r in sqlfiles.run(con, "distinct_models").fetchall()]


def model_usage(con: duckdb.DuckDBPyConnection) -> list[ModelUsage]:
    rows = sqlfiles.run(con, "model_usage").fetchall()
    return [ModelUsage(str(r[0]), *(int(v or 0) for v in r[1:])) for r in rows]


def coefficient_table(rows: list[Coefficients]) -> pa.Table:
    """The coefficient rows as Arrow; an unknown API price is NULL, never NaN or zero."""
    data: dict[str, list[object]] = {c: [] for c in COLUMNS}
    for r in rows:
        for k, v in asdict(r).items():
            if k in _NULLABLE_API and isinstance(v, float) and math.isnan(v):
                v = None
            data[k].append(v)
    types = {c: (pa.string() if c == "model" else pa.bool_() if c == "cost_assumed"
                 else pa.float64()) for c in COLUMNS}
    return pa.table({c: pa.array(data[c], type=types[c]) for c in COLUMNS})


def _event_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return list(con.table(table).columns)


def check_models(
    con: duckdb.DuckDBPyConnection,
    catalog: CostCatalog,
    *,
    prices: PriceCatalog,
    strict: bool = False,
) -> tuple[PricingResult, list[Coefficients]]:
    """How every model in ``events`` is priced, and the coefficient rows that price them.

    Unknown models (priced by the catalog's fallback profile, ``cost_assumed`` true) and
    models with no API list price (``api_value_usd`` NULL) are listed in the warnings with
    their volumes; with ``strict`` either raises StrictModeError.
    """
    names = logged_models(con)
    result = PricingResult(view="priced_events", models=[], resolutions={})
    rows: list[Coefficients] = []
    unknown: list[str] = []
    unpriced: list[str] = []
    for name in names:
        res = catalog.resolve(name)
        result.resolutions[name] = res
        if res.how == "fallback":
            unknown.append(name)
        price = prices.price_for(name, f"the logged model {name}")
        if price is None:
            unpriced.append(name)
        else:
            result.warnings.extend(f"{name}: {w}" for w in price.warnings)
        rows.extend(coefficients_for(res, price))
    if unknown or unpriced:  # volumes only when a warning needs them: it costs a full scan
        result.models = model_usage(con)
        by_name = {u.model: u for u in result.models}
        result.unknown_models = [by_name[n] for n in unknown]
        result.unpriced_models = [by_name[n] for n in unpriced]
    # a misspelt logged name gets the nearest priced one (claude-sonet-4-5: claude-sonnet-4-5)
    known = [*names, *named_models(catalog, prices)] if unknown or unpriced else []
    if result.unknown_models:
        listed = _largest(result.unknown_models,
                          lambda n: near_model(n, known, catalog.is_known))
        msg = (f"{len(result.unknown_models)} model(s) not in the cost catalog, priced by "
               f"fallback profile {catalog.fallback_model} (an assumption): {listed}. Add a "
               f"[[route]] or [model.NAME] to a --costs file to price them properly")
        if strict:
            raise StrictModeError(msg)
        result.warnings.append(msg)
    if result.unpriced_models:
        listed = _largest(result.unpriced_models,
                          lambda n: near_model(n, known, lambda k: prices.lookup(k) is not None))
        why = [w for w in (prices.skipped_why(u.model) for u in result.unpriced_models) if w]
        fix = ("Give --prices FILE (TOML or LiteLLM JSON)" if not why else
               "; ".join(dict.fromkeys(why)) + ". Add the missing price to it, "
               "or give the model in a --prices TOML")
        msg = (f"{len(result.unpriced_models)} model(s) have no API list price, so their "
               f"api_value_usd is empty: {listed}. {fix}")
        if strict:
            raise StrictModeError(msg)
        result.warnings.append(msg)
    return result, rows


def _largest(models: list[ModelUsage], near: Callable[[str], str | None]) -> str:
    """The models a warning names, most tokens first, at most 20 of them, each with the
    name ``near`` gives it (a did-you-mean) if any."""
    ranked = sorted(models, key=lambda u: (-u.total_tokens, u.model))
    most = 20
    return some_of([u.describe(near(u.model) if i < most else None)
                    for i, u in enumerate(ranked)], most, sep="; ")


def price_events(
    con: duckdb.DuckDBPyConnection,
    catalog: CostCatalog,
    *,
    prices: PriceCatalog,
    strict: bool = False,
) -> PricingResult:
    """Create the temp view ``priced_events`` over ``events`` and say how models were priced.

    Unknown models are priced by the catalog's fallback profile (``cost_assumed`` true) and
    listed in the warnings with their volumes; with ``strict`` they raise StrictModeError, as
    does a model with no API list price (its ``api_value_usd`` would otherwise be NULL).
    """
    result, rows = check_models(con, catalog, prices=prices, strict=strict)
    con.register("planalyzer_cost_coefficients_in", coefficient_table(rows))
    try:
        sqlfiles.run(con, "create_cost_coefficients")
    finally:
        con.unregister("planalyzer_cost_coefficients_in")
    cols = ", ".join("q." + sqlfiles.quote_ident(c) for c in _event_columns(con, "events"))
    sqlfiles.run(con, "price_events", slots={"event_columns": cols})
    return result
