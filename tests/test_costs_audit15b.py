"""Audit 15 (qa15A) #6, #7, #8, #10, #11: LiteLLM entries no logged model uses, a user's
LiteLLM alias key pricing its dated snapshots, did-you-mean on --costs entry names, a
cache-read model without its rate, and provenance labels of overridden prices."""

from __future__ import annotations

from pathlib import Path

import pytest

from planalyzer.costs import load_cost_catalog
from planalyzer.errors import ConfigError


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
