"""Cost-model fixes from QA round 7: batch elasticity, reseller training, provenance."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import event_row, write_parquet
from typer.testing import CliRunner

from planalyzer.costs import Roofline, load_cost_catalog, load_price_catalog
from planalyzer.costs.report import elasticity, typical_request

CATALOG = load_cost_catalog(None)
PRICES = load_price_catalog(None)


def test_batch_elasticity_is_zero_where_kv_memory_limits_the_batch() -> None:
    res = CATALOG.resolve("kimi-k2")
    t = typical_request(32_000)
    rf = Roofline.from_resolution(res)
    assert rf.batch_at(t.decode_context) < rf.max_batch  # KV-limited at 119
    assert elasticity(res, "max_batch", t) == 0.0


def test_batch_elasticity_is_local_at_the_target_batch() -> None:
    res = CATALOG.resolve("deepseek-v3")
    t = typical_request(32_000)
    rf = Roofline.from_resolution(res)
    assert rf.batch_at(t.decode_context) == rf.max_batch == 128
    one_step = (math.log(rf.request(t, 128).cost_usd / rf.request(t, 127).cost_usd)
                / math.log(128 / 127))
    e = elasticity(res, "max_batch", t)
    assert e is not None and e == pytest.approx(one_step, rel=0.01)
    assert e == pytest.approx(-0.443, abs=0.002)


def test_rate_card_model_gets_no_amortized_training(tmp_path: Path) -> None:
    costs = tmp_path / "costs.toml"
    costs.write_text('[[route]]\npattern = "acme-resell-*"\nmodel = "deepseek-v3"\n'
                     'serving = "resell-sonnet-batch"\nnote = "resold"\n'
                     '[[route]]\npattern = "acme-paid-*"\nmodel = "deepseek-v3"\n'
                     'serving = "resell-sonnet-batch"\nnote = "resold"\n'
                     'training_cost_usd = 1.0e6\nlifetime_tokens = 1.0e12\n', encoding="utf-8")
    cat = load_cost_catalog(costs)
    assert cat.resolve("acme-resell-1").training_usd_per_token == 0.0
    assert cat.resolve("acme-paid-1").training_usd_per_token == pytest.approx(1e-6)
    assert cat.resolve("deepseek-v3").training_usd_per_token > 0  # its own roofline profile


def test_costs_with_logs_warns_about_unknown_models(tmp_path: Path) -> None:
    from planalyzer.cli import app

    logs = write_parquet(tmp_path / "e.parquet", [
        event_row(model="mystery-model-x", input_tokens=25_000, cache_read_tokens=0,
                  output_tokens=700)])
    result = CliRunner().invoke(app, ["costs", str(logs), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "mystery-model-x (1 request, 25,700 tokens, 700 output)" in result.stderr
    quiet = CliRunner().invoke(app, ["costs", str(logs), "--format", "csv", "-q"])
    assert quiet.exit_code == 0 and "mystery-model-x" not in quiet.stderr


def test_prefill_bound_and_unfloored_batch() -> None:
    from planalyzer.costs.report import costs_tables

    _, _, by_context, _, _, _ = costs_tables(CATALOG, PRICES, ["llama-3.3-70b"])
    rows = {r["context_tokens"]: r for r in by_context.as_dicts()}
    # 50 new tokens: 5 ms of compute against 18 ms to stream the weights
    assert rows[1000]["prefill_bound"] == "memory alone; priced as compute (batched)"
    assert rows[200_000]["prefill_bound"] == "compute"
    assert rows[32_000]["batch"] == pytest.approx(13.9, abs=0.05)


def test_assumptions_show_overrides_and_mode_inputs(tmp_path: Path) -> None:
    from planalyzer.costs.report import costs_tables

    costs = tmp_path / "mine.toml"
    costs.write_text('[hardware.H100]\nusd_per_gpu_hour = 2.35\n'
                     '[serving.resell-sonnet-batch]\ndiscount = 0.3\n'
                     '[[route]]\npattern = "resold"\nmodel = "deepseek-v3"\n'
                     'serving = "resell-sonnet-batch"\nnote = "n"\n'
                     '[[route]]\npattern = "house"\nmodel = "llama-3.3-70b"\n'
                     'serving = "llama-70b-vllm-measured"\nnote = "n"\n', encoding="utf-8")
    cat = load_cost_catalog(costs)
    _, _, _, assumptions, _, _ = costs_tables(cat, PRICES, ["llama-3.3-70b", "resold", "house"])
    rows = {r["serving"]: r for r in assumptions.as_dicts()}
    assert rows["llama-70b-h100x4"]["price_source"] == f"overridden in {costs}"
    assert rows["llama-70b-h100x4"]["usd_per_gpu_hour"] == 2.35
    rate = rows["resell-sonnet-batch"]
    assert rate["source"].endswith(f"overridden in {costs}: discount")
    assert rate["discount_share"] == 0.3 and "output 15" in rate["rate_card_usd_per_mtok"]
    measured = rows["llama-70b-vllm-measured"]
    assert (measured["usd_per_hour"], measured["prefill_tokens_per_s"],
            measured["decode_tokens_per_s"]) == (10.0, 10000.0, 964.0)
    assert "overridden" not in measured["source"]
