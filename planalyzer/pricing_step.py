"""The one place the report gets ``priced_events``: every event + gpu_cost_usd,
loaded_cost_usd, api_value_usd and cost_assumed.

The cost models live in ``planalyzer.costs`` (branch ``costs``). Until it is merged this module
prices with a small interim rate card: API list prices from facts.md section 3 and a marginal
GPU cost assumed to be a fixed share of API value, every row flagged ``cost_assumed``. After the
merge, ``price()`` becomes one call:

    return price_events(con, load_cost_catalog(costs), prices=load_price_catalog(None),
                        strict=strict).warnings
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

import duckdb
import pyarrow as pa

from planalyzer import sqlfiles
from planalyzer.errors import StrictModeError

# USD per million tokens: input, cache write 5 min, cache write 1 h, cache read, output
# (facts.md section 3, [O] vendor pages, 2025-2026). First matching glob wins.
INTERIM_API_PRICES: tuple[tuple[str, tuple[float, float, float, float, float]], ...] = (
    ("*opus-4-5*", (5.0, 6.25, 10.0, 0.50, 25.0)),
    ("*opus-4-6*", (5.0, 6.25, 10.0, 0.50, 25.0)),
    ("*opus*", (15.0, 18.75, 30.0, 1.50, 75.0)),
    ("*sonnet*", (3.0, 3.75, 6.0, 0.30, 15.0)),
    ("*haiku*", (1.0, 1.25, 2.0, 0.10, 5.0)),
    ("gpt-5-mini*", (0.25, 0.25, 0.25, 0.025, 2.0)),
    ("gpt-5*", (1.25, 1.25, 1.25, 0.125, 10.0)),
    ("gpt-4.1*", (2.0, 2.0, 2.0, 0.50, 8.0)),
    ("o3*", (2.0, 2.0, 2.0, 0.50, 8.0)),
    ("gpt-4o*", (2.5, 2.5, 2.5, 1.25, 10.0)),
    ("gemini-2.5-pro*", (1.25, 1.25, 1.25, 0.31, 10.0)),
    ("gemini-2.5-flash*", (0.30, 0.30, 0.30, 0.075, 2.5)),
)
FALLBACK = "*sonnet*"
GPU_SHARE_OF_API = 0.25  # interim assumption: marginal GPU cost = 25% of API list value
LOADED_FACTOR = 1.6  # interim assumption: fully loaded = 1.6 x marginal (training, overhead)


def price(con: duckdb.DuckDBPyConnection, costs: Path | None = None, *,
          strict: bool = False) -> list[str]:
    """Create ``priced_events`` over ``events``; returns warnings about assumptions."""
    if costs is not None:
        raise StrictModeError(f"--costs {costs}: cost catalogs arrive with the cost models "
                              "(planalyzer.costs); this build prices with the interim rate card")
    models = [str(r[0]) for r in con.execute("SELECT DISTINCT model FROM events").fetchall()]
    names = ("model", "p_in", "p_cw", "p_cw1h", "p_cr", "p_out", "gpu_share", "loaded_factor")
    rows: dict[str, list[object]] = {k: [] for k in names}
    unknown = []
    for m in sorted(models):
        rate = next((r for g, r in INTERIM_API_PRICES if fnmatch.fnmatchcase(m.lower(), g)), None)
        if rate is None:
            unknown.append(m)
            rate = dict(INTERIM_API_PRICES)[FALLBACK]
        rows["model"].append(m)
        for k, v in zip(("p_in", "p_cw", "p_cw1h", "p_cr", "p_out"), rate, strict=True):
            rows[k].append(v / 1e6)
        rows["gpu_share"].append(GPU_SHARE_OF_API)
        rows["loaded_factor"].append(LOADED_FACTOR)
    if unknown and strict:
        raise StrictModeError(f"--strict: no price for model(s) {', '.join(unknown)}")
    con.register("interim_rates_in", pa.table(rows, schema=pa.schema(
        [("model", pa.string())] + [(k, pa.float64()) for k in list(rows)[1:]])))
    try:
        sqlfiles.run(con, "create_interim_rates")
    finally:
        con.unregister("interim_rates_in")
    sqlfiles.run(con, "interim_price_events")
    notes = [f"interim cost model: GPU cost = {GPU_SHARE_OF_API:.0%} of API list value, fully "
             f"loaded = {LOADED_FACTOR}x marginal (an assumption until the cost models land)"]
    if unknown:
        notes.append(f"model(s) with no list price, priced as Sonnet: {', '.join(unknown)}")
    return notes
