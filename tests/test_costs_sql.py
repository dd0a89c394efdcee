"""The one SQL pass equals the pure functions, request by request (hypothesis)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planalyzer import sqlfiles
from planalyzer.costs import (
    PRICED_COLUMNS,
    Roofline,
    Tokens,
    api_value_usd,
    coefficient_cost,
    coefficients_for,
    load_cost_catalog,
    load_price_catalog,
    price_events,
)
from planalyzer.errors import StrictModeError

CATALOG = load_cost_catalog(None)
PRICES = load_price_catalog(None)
MODELS = ["llama-3.3-70b", "llama-3-8b", "deepseek-v3", "kimi-k2", "qwen3-30b-a3b",
          "claude-sonnet-4-5", "claude-opus-4-6", "gpt-5-mini", "gemini-2.5-pro"]

tokens = st.integers(min_value=0, max_value=400_000)
rows = st.lists(
    st.tuples(st.sampled_from(MODELS), st.integers(0, 20_000), st.integers(0, 50_000),
              st.integers(0, 20_000), tokens, st.integers(0, 30_000),
              st.integers(1, 5)),
    min_size=1, max_size=25)


def load(con: duckdb.DuckDBPyConnection, data: list[tuple[str, int, int, int, int, int, int]]
         ) -> None:
    sqlfiles.run(con, "create_events")
    for i, (m, inp, cw, cw1h, cr, out, req) in enumerate(data):
        con.execute("INSERT INTO events VALUES (NULL, TIMESTAMPTZ '2026-01-01 00:00:00+00', "
                    "'u', NULL, $m, $i, $w, $h, $r, $o, $q, NULL, 't', $n)",
                    {"m": m, "i": inp, "w": cw, "h": cw1h, "r": cr, "o": out, "q": req, "n": i})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_sql_equals_pure_functions(data: list[tuple[str, int, int, int, int, int, int]]) -> None:
    con = duckdb.connect()
    load(con, data)
    price_events(con, CATALOG, prices=PRICES)
    got = con.execute("SELECT source_row, gpu_cost_usd, training_cost_usd, overhead_cost_usd, "
                      "loaded_cost_usd, api_value_usd, cost_assumed FROM priced_events "
                      "ORDER BY source_row").fetchall()
    assert len(got) == len(data)
    for (m, inp, cw, cw1h, cr, out, req), row in zip(data, got, strict=True):
        t = Tokens(inp, cw, cw1h, cr, out)
        res = CATALOG.resolve(m)
        pure = coefficient_cost(coefficients_for(res, PRICES.lookup(m)), t, req)
        assert row[1] == pytest.approx(pure.gpu_cost_usd, rel=1e-9, abs=1e-15)
        assert row[2] == pytest.approx(pure.training_cost_usd, rel=1e-9, abs=1e-15)
        assert row[3] == pytest.approx(pure.overhead_cost_usd, rel=1e-9, abs=1e-15)
        assert row[4] == pytest.approx(pure.loaded_cost_usd, rel=1e-9, abs=1e-15)
        assert row[6] == res.assumed
        # and from first principles: a row of `req` requests of its mean size
        mean = Tokens(inp / req, cw / req, cw1h / req, cr / req, out / req)
        physics = Roofline.from_resolution(res).request(mean).cost_usd * req
        assert row[1] == pytest.approx(physics, rel=1e-9, abs=1e-15)
        price = PRICES.lookup(m)
        if price is None:
            assert row[5] is None
        else:
            assert row[5] == pytest.approx(api_value_usd(price, mean) * req, rel=1e-9,
                                           abs=1e-15)


def test_priced_events_keeps_every_events_column() -> None:
    con = duckdb.connect()
    load(con, [("llama-3-8b", 10, 0, 0, 100, 5, 1)])
    price_events(con, CATALOG, prices=PRICES)
    events = list(con.table("events").columns)
    assert list(con.table("priced_events").columns) == [*events, *PRICED_COLUMNS]


def test_unknown_model_warns_then_strict_fails() -> None:
    con = duckdb.connect()
    load(con, [("mystery-9", 1000, 0, 0, 0, 100, 1), ("llama-3-8b", 1, 0, 0, 0, 1, 1)])
    result = price_events(con, CATALOG, prices=PRICES)
    assert [u.model for u in result.unknown_models] == ["mystery-9"]
    assert "mystery-9 (1 request, 1,100 tokens, 100 output)" in result.warnings[0]
    assert CATALOG.fallback_model in result.warnings[0]
    assert con.execute("SELECT cost_assumed, gpu_cost_usd > 0 FROM priced_events "
                       "WHERE model = 'mystery-9'").fetchone() == (True, True)
    with pytest.raises(StrictModeError, match="mystery-9"):
        price_events(con, CATALOG, prices=PRICES, strict=True)


def test_long_context_requests_cost_more_per_output_token() -> None:
    con = duckdb.connect()
    load(con, [("llama-3.3-70b", 0, 0, 0, 1_000, 1000, 1),
               ("llama-3.3-70b", 0, 0, 0, 120_000, 1000, 1)])
    price_events(con, CATALOG, prices=PRICES)
    short, long = (r[0] for r in con.execute(
        "SELECT gpu_cost_usd FROM priced_events ORDER BY cache_read_tokens").fetchall())
    assert long > 3 * short


def test_sql_files_declare_what_they_use() -> None:
    for f in sqlfiles.all_files():
        assert f.used_params() == f.declared_params, f.name
        assert f.used_slots() == f.declared_slots, f.name


def test_costs_library_never_imports_the_ui() -> None:
    root = Path(__file__).resolve().parent.parent
    code = ("import sys; import planalyzer.costs, planalyzer.costs.report; "
            "bad = [m for m in ('typer', 'rich') if m in sys.modules]; "
            "sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0


def test_costs_tables_cover_every_catalog_model_and_context() -> None:
    from planalyzer.costs.report import CONTEXTS, costs_tables, sensitivity_tables

    per_class, _, by_context, assumptions, _, _ = costs_tables(CATALOG, PRICES)
    names = per_class.column("model")
    assert len(set(names)) == len(names)
    # every open model, every API price entry (by a model name it prices, showing its list
    # prices) and every name-to-profile route shows
    assert set(CATALOG.models) <= set(names)
    for entry in PRICES.entries:
        shown = [r for r in per_class.as_dicts() if PRICES.lookup(r["model"]) is entry]
        assert shown and shown[0]["api_input_usd_per_mtok"] == entry.base.input, entry.key
    assert {r.pattern for r in CATALOG.routes} == {CATALOG.route_of(n) for n in names} - {None}
    assert len(by_context.rows) == len(names) * len(CONTEXTS)
    assert set(by_context.column("decode_bound")) <= {"memory", "compute", "measured",
                                                      "rate card"}
    for row in per_class.as_dicts():
        if row["cost_assumed"]:
            assert "assum" in row["assumption"].lower()
    assert assumptions.rows
    (sens,) = sensitivity_tables(CATALOG, PRICES, ["llama-3.3-70b", "claude-opus-4-6"])
    for row in sens.as_dicts():
        assert row["e_gpu_price"] == pytest.approx(1.0)
        assert row["e_utilization"] == pytest.approx(-1.0)
        assert -1.0 <= row["e_mfu"] <= 0 and -1.0 <= row["e_mbu"] <= 0


def test_empty_events_price_to_an_empty_view() -> None:
    from planalyzer.costs import logged_models

    con = duckdb.connect()
    sqlfiles.run(con, "create_events")
    result = price_events(con, CATALOG, prices=PRICES, strict=True)
    assert result.warnings == [] and logged_models(con) == []
    assert con.execute("SELECT count(*) FROM priced_events").fetchone() == (0,)
