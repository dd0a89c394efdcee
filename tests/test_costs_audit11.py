"""Cost catalogs the session-11 audit found mishandled: a mixture of experts with every expert
active, a route's training figures resolved to a zero lifetime, a measured profile's top-level
rates beside context buckets, and the inputs `costs` did not show (memory share, cache-read
rates, GPU specs)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import FIXTURES, check_golden

from planalyzer import sqlfiles
from planalyzer.costs import (
    Tokens,
    load_cost_catalog,
    load_price_catalog,
    price_events,
)
from planalyzer.costs.report import costs_tables
from planalyzer.errors import ConfigError

PRICES = load_price_catalog(None)

SHAPE = """params_total_b = 50.0
params_active_b = 50.0
layers = 32
heads = 32
kv_heads = 8
head_dim = 128
weight_bytes = 2.0
kv_bytes = 2.0
serving = "llama-70b-h100x4"
source = "test"
as_of = "2026-11"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "costs.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _sql_costs(cost_file: Path, requests: list[tuple[str, Tokens]]) -> list[float]:
    """gpu_cost_usd of each request as the priced_events view prices it."""
    con = duckdb.connect()
    sqlfiles.run(con, "create_events")
    for i, (model, t) in enumerate(requests):
        con.execute(
            "INSERT INTO events VALUES ($id, TIMESTAMPTZ '2026-01-01 00:00:00+00', 'u', NULL, "
            "$m, $i, $w, $h, $r, $o, 1, NULL, 'test', 1)",
            {"id": f"e{i}", "m": model, "i": t.input, "w": t.cache_write,
             "h": t.cache_write_1h, "r": t.cache_read, "o": t.output})
    price_events(con, load_cost_catalog(cost_file), prices=PRICES)
    return [r[0] for r in con.execute(
        "SELECT gpu_cost_usd FROM priced_events ORDER BY event_id").fetchall()]


def test_moe_with_every_expert_active_prices_as_reading_every_weight(tmp_path: Path) -> None:
    """E = k: each decode step reads every routed weight (1 - (1 - k/E)^B = 1); it priced
    nothing and crashed (log of 0) before. Same cost as the dense model of the same shape."""
    path = _write(tmp_path, f"""[model.allexp]
{SHAPE}params_routed_b = 45.0
experts = 8
experts_active = 8
match = ["allexp*"]

[model.dense]
{SHAPE}match = ["dense*"]
""")
    tokens = [Tokens(input=500, cache_read=60_000, output=800), Tokens(input=3000, output=50),
              Tokens(input=10, cache_read=190_000, output=4000)]
    moe = _sql_costs(path, [("allexp-1", t) for t in tokens])
    dense = _sql_costs(path, [("dense-1", t) for t in tokens])
    assert all(c > 0 for c in moe)
    assert moe == pytest.approx(dense, rel=1e-12)
    by_context = costs_tables(load_cost_catalog(path), PRICES, ["allexp-1", "dense-1"])[2]
    rows = by_context.as_dicts()
    assert [r["gpu_cost_usd"] for r in rows if r["model"] == "allexp-1"] == pytest.approx(
        [r["gpu_cost_usd"] for r in rows if r["model"] == "dense-1"], rel=1e-12)


def _route(tmp_path: Path, pattern: str, *fields: str) -> Path:
    """A --costs file of one route to llama-3.3-70b with the given extra ``key = value``
    lines."""
    return _write(tmp_path, "\n".join(["[[route]]", f'pattern = "{pattern}"',
                                        'model = "llama-3.3-70b"', 'note = "n"', *fields, ""]))


def test_rate_card_route_with_training_but_no_lifetime_is_refused(tmp_path: Path) -> None:
    """A rate card drops the profile's training and lifetime: a route that sets a training
    cost must set the lifetime too (it priced no training, silently, before)."""
    path = _route(tmp_path, "resold*", 'serving = "resell-sonnet-batch"',
                  "training_cost_usd = 1.0e8")
    with pytest.raises(ConfigError, match=r"route\[0\]\.lifetime_tokens: 0 must be above 0"):
        load_cost_catalog(path)


def test_route_lifetime_zero_against_the_profiles_training_is_refused(tmp_path: Path) -> None:
    path = _route(tmp_path, "house*", "lifetime_tokens = 0.0")
    with pytest.raises(ConfigError, match=r"route\[0\]\.lifetime_tokens: 0 must be above 0 "
                                          r"with training_cost_usd 1\.3e\+07"):
        load_cost_catalog(path)


def test_rate_card_route_with_training_and_lifetime_amortizes(tmp_path: Path) -> None:
    path = _route(tmp_path, "resold*", 'serving = "resell-sonnet-batch"',
                  "training_cost_usd = 1.0e8", "lifetime_tokens = 1.0e15")
    res = load_cost_catalog(path).resolve("resold-1")
    assert (res.training_cost_usd, res.lifetime_tokens) == (1.0e8, 1.0e15)


MEASURED = """[serving.meas]
mode = "measured"
usd_per_hour = 12.0
utilization = 0.5
{rates}buckets = [
  {{max_context = 8000.0, prefill_tokens_per_s = 8000.0, decode_tokens_per_s = 400.0}},
  {{max_context = 64000.0, prefill_tokens_per_s = 6000.0, decode_tokens_per_s = 200.0}},
]
source = "our fleet"
as_of = "2026-11"

[[route]]
pattern = "house*"
model = "llama-3.3-70b"
serving = "meas"
note = "measured"
"""


def _assumption(path: Path, serving: str) -> dict[str, object]:
    tables = {t.name: t for t in costs_tables(load_cost_catalog(path), PRICES, ["house-1"])}
    return next(r for r in tables["cost_assumptions"].as_dicts() if r["serving"] == serving)


def test_measured_buckets_need_no_top_level_rates(tmp_path: Path) -> None:
    path = _write(tmp_path, MEASURED.format(rates=""))
    [cost] = _sql_costs(path, [("house-1", Tokens(input=50, output=500))])
    assert cost == pytest.approx((50 / 8000 + 500 / 400) * 12.0 / 3600 / 0.5, rel=1e-12)
    row = _assumption(path, "meas")
    assert row["prefill_tokens_per_s"] is None and row["decode_tokens_per_s"] is None
    assert "<= 8,000: 8,000 / 400" in str(row["buckets"])
    assert "not used" not in str(row["source"])


def test_measured_top_level_rates_beside_buckets_are_said_unused(tmp_path: Path) -> None:
    """They were shown as the profile's rates while the buckets priced every request."""
    path = _write(tmp_path, MEASURED.format(
        rates="prefill_tokens_per_s = 1.0\ndecode_tokens_per_s = 1.0\n"))
    [cost] = _sql_costs(path, [("house-1", Tokens(input=50, output=500))])
    assert cost == pytest.approx((50 / 8000 + 500 / 400) * 12.0 / 3600 / 0.5, rel=1e-12)
    row = _assumption(path, "meas")
    assert row["prefill_tokens_per_s"] is None and row["decode_tokens_per_s"] is None
    assert "top-level prefill/decode tok/s are not used" in str(row["source"])


def test_measured_without_buckets_needs_both_rates(tmp_path: Path) -> None:
    text = MEASURED.format(rates="prefill_tokens_per_s = 8000.0\n")
    text = text[:text.index("buckets")] + text[text.index("source = "):]
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_cost_catalog(path)
    assert str(path) in str(err.value)
    assert "serving.meas.decode_tokens_per_s: missing" in str(err.value)
    assert "or buckets of them by context length" in str(err.value)


def test_costs_show_memory_share_cache_read_rates_and_gpu_specs(tmp_path: Path) -> None:
    path = _write(tmp_path, """[hardware.X1]
name = "Accelerator X1"
bf16_tflops = 1500.0
fp8_tflops = 3000.0
hbm_gb = 192.0
bandwidth_tbps = 6.0
usd_per_gpu_hour = 3.0
price_source = "quote"
source = "vendor sheet"
as_of = "2026-11"

[serving.llama-70b-h100x4]
hardware = "X1"
memory_fraction = 0.6
cache_read_model = "kv_transfer"
cache_read_gb_per_s = 5.0
""")
    tables = {t.name: t for t in costs_tables(load_cost_catalog(path), PRICES,
                                               ["llama-3.3-70b"])}
    row = next(r for r in tables["cost_assumptions"].as_dicts()
               if r["serving"] == "llama-70b-h100x4")
    assert (row["memory_share"], row["cache_read_gb_per_s"],
            row["cache_read_prefill_share"]) == (0.6, 5.0, None)
    [hw] = tables["cost_hardware"].as_dicts()
    assert (hw["hardware"], hw["name"], hw["bf16_tflops"], hw["fp8_tflops"], hw["hbm_gb"],
            hw["bandwidth_tbps"], hw["usd_per_gpu_hour"]) == (
        "X1", "Accelerator X1", 1500.0, 3000.0, 192.0, 6.0, 3.0)
    assert hw["source"] == "vendor sheet (as of 2026-11)"


def test_costs_markdown_golden() -> None:
    """The whole `costs` output for logged models (the tables above, as a user reads them)."""
    from typer.testing import CliRunner

    from planalyzer.cli import app

    res = CliRunner().invoke(app, ["costs", str(FIXTURES / "report_small.csv"), "--format",
                                   "markdown", "-q"])
    assert res.exit_code == 0, res.output
    check_golden("costs.md", res.stdout)
