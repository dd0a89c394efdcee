"""``planalyzer costs LOGS``: the logged requests' tokens, API list value and cost per model,
priced as the report prices them, so the $/M tables can be reconciled with the report."""

from __future__ import annotations

import math
from collections.abc import Sequence

import duckdb

from planalyzer import sqlfiles
from planalyzer.tables import Col, Table, some_of

ALL = "(all)"
BY_MODEL_COLUMNS = [
    Col("model", "str"), Col("requests", "int"),
    Col("input_tokens", "tokens", "input"),
    Col("cache_write_tokens", "tokens", "cache write"),
    Col("cache_write_1h_tokens", "tokens", "cache write 1h"),
    Col("cache_read_tokens", "tokens", "cache read"),
    Col("output_tokens", "tokens", "output"),
    Col("api_value_usd", "usd", "API value"),
    Col("gpu_cost_usd", "usd", "GPU cost"),
    Col("loaded_cost_usd", "usd", "loaded cost"),
    Col("cost_assumed", "bool", "assumed"),
]


def _total(rows: Sequence[tuple[object, ...]]) -> tuple[object, ...]:
    """The (all) row: counts summed exactly; money by math.fsum; the API value unknown (None)
    when any model's is."""
    def col(i: int) -> list[object]:
        return [r[i] for r in rows]

    counts = [sum(int(v) for v in col(i) if isinstance(v, int)) for i in range(1, 7)]
    api = col(7)
    money = [math.fsum(float(v) for v in col(i) if isinstance(v, float)) for i in (8, 9)]
    return (ALL, *counts,
            None if any(v is None for v in api) else math.fsum(float(v) for v in api
                                                               if isinstance(v, float)),
            *money, any(bool(v) for v in col(10)))


def by_model_table(con: duckdb.DuckDBPyConnection) -> Table:
    """Per logged model (and an (all) row), over ``priced_events`` (pricing.price_events)."""
    rows: list[tuple[object, ...]] = [
        (str(r[0]), *(int(v or 0) for v in r[1:7]),
         None if r[7] is None else float(r[7]), float(r[8] or 0.0), float(r[9] or 0.0),
         bool(r[10]))
        for r in sqlfiles.run(con, "costs_by_model").fetchall()]
    unpriced = [str(r[0]) for r in rows if r[7] is None]
    notes = [
        "Every logged request, before any plan limit, priced as the report prices it: the "
        f"{ALL} row equals the report's requests + blocked_requests and api_value_usd + "
        "blocked_api_value_usd over every plan (the (no plan) row included), and its "
        "gpu_cost_usd the report's plus what-if's blocked_gpu_cost_usd (the report's money "
        "counts served requests only; where no limit blocks, the two agree).",
        "API value uses each model's list prices per class (the API columns of "
        "cost_per_mtok, cache writes included), the whole request at the long-context "
        "prices above the threshold. The $/M tables price one short request; these totals "
        "price each logged request at its own context.",
    ]
    if unpriced:
        notes.append("no API list price (API value unknown, so the (all) row's too): "
                     + some_of(unpriced))
    return Table("cost_by_model", "Logged requests, value and cost, per model",
                 BY_MODEL_COLUMNS, [*rows, _total(rows)] if rows else [], notes=notes)
