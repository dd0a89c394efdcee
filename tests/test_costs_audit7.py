"""Cost-model fixes from QA round 7: batch elasticity, reseller training, provenance."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

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
