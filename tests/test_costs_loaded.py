"""`planalyzer costs`: the fully loaded $ per million tokens, its own table beside the
marginal one (marginal x (1 + overhead share) + amortized training, per token class)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import cli_json

from planalyzer.costs import load_cost_catalog

CLASSES = ("input", "cache_write", "cache_write_1h", "cache_read", "output_1k", "output_128k")


def test_loaded_table_is_marginal_times_overhead_plus_training() -> None:
    doc = cli_json(["costs"])
    marginal = {r["model"]: r for r in doc["cost_per_mtok"]["rows"]}
    loaded = doc["cost_loaded_per_mtok"]["rows"]
    assert [r["model"] for r in loaded] == list(marginal)
    catalog = load_cost_catalog(None)
    modes = set()
    for row in loaded:
        res = catalog.resolve(row["model"])
        modes.add(res.serving.mode)
        share, training = res.serving.overhead_share, res.training_usd_per_token * 1e6
        assert row["overhead_share"] == share
        assert row["training_usd_per_mtok"] == pytest.approx(training, rel=1e-12)
        for c in CLASSES:
            m = marginal[row["model"]][f"{c}_usd_per_mtok"]
            assert row[f"{c}_usd_per_mtok"] == pytest.approx(m * (1 + share) + training,
                                                             rel=1e-12)
            assert row[f"{c}_usd_per_mtok"] > m  # loaded never below marginal
    assert modes >= {"roofline"}


def test_loaded_table_of_a_rate_card_model_has_no_training(tmp_path: Path) -> None:
    costs = tmp_path / "costs.toml"
    costs.write_text('[[route]]\npattern = "acme-resell-*"\nmodel = "deepseek-v3"\n'
                     'serving = "resell-sonnet-batch"\nnote = "resold"\n', encoding="utf-8")
    logs = tmp_path / "u.csv"
    logs.write_text("user_id,ts,model,input_tokens,output_tokens\n"
                    "u1,2026-10-01T00:00:00Z,acme-resell-1,10,5\n", encoding="utf-8")
    doc = cli_json(["costs", str(logs), "--costs", str(costs)])
    (row,) = doc["cost_loaded_per_mtok"]["rows"]
    (marg,) = doc["cost_per_mtok"]["rows"]
    assert row["training_usd_per_mtok"] == 0.0
    share = row["overhead_share"]
    assert row["output_1k_usd_per_mtok"] == pytest.approx(
        marg["output_1k_usd_per_mtok"] * (1 + share), rel=1e-12)
