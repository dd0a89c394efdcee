"""Strict TOML catalogs: one test per bad-config case (harlequin style), plus overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planalyzer.costs import load_cost_catalog, load_price_catalog
from planalyzer.errors import ConfigError


def write(tmp_path: Path, text: str, name: str = "costs.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def fails(tmp_path: Path, text: str, *needles: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_cost_catalog(path)
    msg = str(err.value)
    assert str(path) in msg, msg
    for n in needles:
        assert n in msg, msg


def test_shipped_catalogs_load() -> None:
    cat = load_cost_catalog(None)
    assert {"A100", "H100", "H200", "B200", "MI300X"} <= set(cat.hardware)
    assert {"llama-3-8b", "llama-3-70b", "llama-3.3-70b", "deepseek-v3", "kimi-k2"} <= set(
        cat.models)
    assert any(k.startswith("qwen") for k in cat.models)
    for entry in [*cat.hardware.values(), *cat.models.values(), *cat.serving.values()]:
        assert entry.source and entry.as_of
    prices = load_price_catalog(None)
    assert all(p.source and p.as_of for p in prices.entries)


def test_unknown_key(tmp_path: Path) -> None:
    fails(tmp_path, "[hardware.H100]\nbandwith_tbps = 3.0\n", "hardware.H100.bandwith_tbps",
          "unknown key")


def test_wrong_type_string_for_number(tmp_path: Path) -> None:
    fails(tmp_path, '[hardware.H100]\nusd_per_gpu_hour = "2.10"\n',
          "hardware.H100.usd_per_gpu_hour", "expected a number")


def test_wrong_type_bool_for_number(tmp_path: Path) -> None:
    fails(tmp_path, "[serving.llama-70b-h100x4]\ngpus = true\n", "serving.llama-70b-h100x4.gpus")


def test_wrong_type_float_for_integer(tmp_path: Path) -> None:
    fails(tmp_path, '[model.llama-3-8b]\nlayers = 32.5\n', "model.llama-3-8b.layers",
          "an integer")


def test_list_item_type(tmp_path: Path) -> None:
    fails(tmp_path, "[model.llama-3-8b]\nmatch = [1]\n", "model.llama-3-8b.match[0]")


def test_new_entry_missing_keys(tmp_path: Path) -> None:
    fails(tmp_path, '[hardware.TPU]\nname = "x"\n', "hardware.TPU.", "missing")


def test_new_entry_needs_source(tmp_path: Path) -> None:
    text = """[hardware.X1]
name = "x"
bf16_tflops = 100.0
hbm_gb = 10.0
bandwidth_tbps = 1.0
usd_per_gpu_hour = 1.0
price_source = "mine"
as_of = "2026-11"
"""
    fails(tmp_path, text, "hardware.X1.source", "missing")


def test_unknown_section(tmp_path: Path) -> None:
    fails(tmp_path, "[gpu.H100]\nname = 'x'\n", "gpu", "unknown section")


def test_route_must_be_array(tmp_path: Path) -> None:
    fails(tmp_path, "[route]\npattern = 'x'\n", "route", "array of tables")


def test_unknown_mode(tmp_path: Path) -> None:
    fails(tmp_path, "[serving.llama-70b-h100x4]\nmode = 'magic'\n",
          "serving.llama-70b-h100x4.mode", "roofline")


def test_key_of_another_mode(tmp_path: Path) -> None:
    fails(tmp_path, "[serving.llama-70b-h100x4]\nusd_per_hour = 3.0\n",
          "serving.llama-70b-h100x4.usd_per_hour", "mode 'roofline'")


def test_efficiency_out_of_range(tmp_path: Path) -> None:
    fails(tmp_path, "[serving.llama-70b-h100x4]\nmfu = 1.5\n", "serving.llama-70b-h100x4.mfu")


def test_unknown_hardware_reference(tmp_path: Path) -> None:
    fails(tmp_path, "[serving.llama-70b-h100x4]\nhardware = 'H900'\n", "H900", "hardware")


def test_fp8_on_a100(tmp_path: Path) -> None:
    fails(tmp_path, "[serving.llama-70b-h100x4]\nhardware = 'A100'\nprecision = 'fp8'\n",
          "precision", "FP8")


def test_unknown_serving_reference(tmp_path: Path) -> None:
    fails(tmp_path, "[model.llama-3-8b]\nserving = 'nope'\n", "model.llama-3-8b.serving")


def test_route_to_unknown_model(tmp_path: Path) -> None:
    fails(tmp_path, "[[route]]\npattern = 'x*'\nmodel = 'gpt-9'\nnote = 'n'\n",
          "route[0].model", "gpt-9")


def test_fallback_unknown(tmp_path: Path) -> None:
    fails(tmp_path, "[defaults]\nfallback_model = 'nope'\n", "defaults.fallback_model")


def test_bad_measured_bucket(tmp_path: Path) -> None:
    text = """[serving.llama-70b-vllm-measured]
buckets = [{max_context = 1000.0, prefill_tokens_per_s = 1.0, decode_tps = 2.0}]
"""
    fails(tmp_path, text, "buckets[0].decode_tps", "unknown key")


def test_not_toml(tmp_path: Path) -> None:
    fails(tmp_path, "[hardware.H100\n", "not valid TOML")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_cost_catalog(tmp_path / "absent.toml")


def test_override_one_field_and_add_route(tmp_path: Path) -> None:
    path = write(tmp_path, """[hardware.H100]
usd_per_gpu_hour = 2.10

[[route]]
pattern = "my-llama*"
model = "llama-3.3-70b"
serving = "llama-70b-vllm-measured"
assumed = false
note = "our fine-tune of Llama 3.3 70B, served as measured"
""")
    cat = load_cost_catalog(path)
    assert cat.hardware["H100"].usd_per_gpu_hour == 2.10
    assert cat.hardware["H100"].bf16_tflops == 989.0  # the rest of the entry is kept
    res = cat.resolve("my-llama-v2")
    assert res.serving.mode == "measured" and not res.assumed
    assert cat.resolve("claude-opus-4-6").assumed  # shipped routes still apply


# ---- API price files


def test_price_unknown_key(tmp_path: Path) -> None:
    path = write(tmp_path, "[price.claude-sonnet-4]\ncache_reads = 0.3\n", "p.toml")
    with pytest.raises(ConfigError, match=r"price\.claude-sonnet-4\.cache_reads"):
        load_price_catalog(path)


def test_price_long_tier_needs_prices(tmp_path: Path) -> None:
    path = write(tmp_path, """[price.mine]
match = ["mine*"]
input = 1.0
cache_read = 0.1
output = 2.0
long_context_threshold = 100000
source = "s"
as_of = "2026-11"
""", "p.toml")
    with pytest.raises(ConfigError, match=r"price\.mine\.long_input"):
        load_price_catalog(path)


def test_litellm_wrong_type(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"m": {"input_cost_per_token": "cheap",
                                      "output_cost_per_token": 1e-6}}))
    with pytest.raises(ConfigError, match=r"m\.input_cost_per_token"):
        load_price_catalog(path)


def test_litellm_not_json(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text("{nope")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_price_catalog(path)
