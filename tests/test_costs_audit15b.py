"""Audit 15 (qa15A) #6, #7, #8, #10, #11: LiteLLM entries no logged model uses, a user's
LiteLLM alias key pricing its dated snapshots, did-you-mean on --costs entry names, a
cache-read model without its rate, and provenance labels of overridden prices."""

from __future__ import annotations

from pathlib import Path

import pytest

from planalyzer.costs import load_cost_catalog, load_price_catalog
from planalyzer.errors import ConfigError

PRICES = load_price_catalog(None)


def _write(tmp_path: Path, text: str, name: str = "costs.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------ finding 10: a cache-read model without its rate


def test_prefill_fraction_without_its_fraction_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, '[serving.llama-70b-h100x4]\ncache_read_model = "prefill_fraction"\n')
    with pytest.raises(ConfigError, match=r"costs\.toml: serving\.llama-70b-h100x4\."
                                          r"cache_read_prefill_fraction: missing; "
                                          r"cache_read_model = \"prefill_fraction\" needs it"):
        load_cost_catalog(path)


def test_prefill_fraction_of_0_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, '[serving.llama-70b-h100x4]\ncache_read_model = "prefill_fraction"\n'
                            'cache_read_prefill_fraction = 0.0\n')
    with pytest.raises(ConfigError, match=r"cache_read_prefill_fraction: 0\.0 must be in "
                                          r"\(0, 1\]"):
        load_cost_catalog(path)


def test_prefill_fraction_given_prices_cache_reads(tmp_path: Path) -> None:
    path = _write(tmp_path, '[serving.llama-70b-h100x4]\ncache_read_model = "prefill_fraction"\n'
                            'cache_read_prefill_fraction = 0.1\n')
    serving = load_cost_catalog(path).serving["llama-70b-h100x4"]
    assert (serving.key, serving.cache_read_prefill_fraction) == ("llama-70b-h100x4", 0.1)


def test_kv_transfer_without_its_rate_is_refused(tmp_path: Path) -> None:
    text = """[serving.mine]
mode = "roofline"
hardware = "H100"
gpus = 4
precision = "bf16"
mfu = 0.4
mbu = 0.6
max_batch = 32
utilization = 0.6
cache_read_model = "kv_transfer"
source = "s"
as_of = "a"
"""
    with pytest.raises(ConfigError, match=r"serving\.mine\.cache_read_gb_per_s: missing; "
                                          r"cache_read_model = \"kv_transfer\" needs it"):
        load_cost_catalog(_write(tmp_path, text))


# ------------------------------------------------ finding 11: provenance of overridden prices


def test_hardware_table_names_the_file_that_overrode_the_gpu_price(tmp_path: Path) -> None:
    from planalyzer.costs.report import costs_tables

    path = _write(tmp_path, "[hardware.H100]\nusd_per_gpu_hour = 2.35\n")
    tables = costs_tables(load_cost_catalog(path), PRICES, ["llama-3.3-70b", "deepseek-v3"])
    hardware = {r["hardware"]: r for t in tables if t.name == "cost_hardware"
                for r in t.as_dicts()}
    assert hardware["H100"]["price_source"] == f"overridden in {path}"
    assert hardware["H100"]["usd_per_gpu_hour"] == 2.35
    assert "SemiAnalysis" in hardware["H200"]["price_source"]  # not overridden: shipped


def test_overriding_price_keeps_the_files_own_price_source(tmp_path: Path) -> None:
    from planalyzer.costs.report import costs_tables

    path = _write(tmp_path, '[hardware.H100]\nusd_per_gpu_hour = 2.35\n'
                            'price_source = "our Lambda invoice"\n')
    tables = costs_tables(load_cost_catalog(path), PRICES, ["llama-3.3-70b"])
    sources = {r["price_source"] for t in tables if t.name in ("cost_hardware", "cost_assumptions")
               for r in t.as_dicts()}
    assert sources == {f"overridden in {path}: our Lambda invoice"}


def _training_from(path: Path | None, model: str) -> str:
    from planalyzer.costs.report import costs_tables

    tables = costs_tables(load_cost_catalog(path), PRICES, [model])
    row = next(r for t in tables if t.name == "cost_models" for r in t.as_dicts())
    return str(row["training_from"])


def test_route_with_only_a_training_cost_names_the_profile_behind_the_lifetime(
        tmp_path: Path) -> None:
    path = _write(tmp_path, '[[route]]\npattern = "claude-sonnet-*"\nmodel = "deepseek-v3"\n'
                            'note = "x"\ntraining_cost_usd = 1e9\n')
    assert _training_from(path, "claude-sonnet-4-5") == (
        "route claude-sonnet-* (cost), profile deepseek-v3 (lifetime)")
    assert _training_from(None, "claude-sonnet-4-5") == "route claude-sonnet-*"
    assert _training_from(None, "llama-3.3-70b") == "profile llama-3.3-70b"


def test_rate_card_route_without_training_says_none(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[route]]\npattern = "claude-sonnet-*"\nmodel = "deepseek-v3"\n'
                            'serving = "resell-sonnet-batch"\nnote = "x"\n')
    assert _training_from(path, "claude-sonnet-4-5") == "none (rate card)"
