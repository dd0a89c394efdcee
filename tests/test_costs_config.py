"""Strict TOML catalogs: one test per bad-config case (harlequin style), plus overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import cli_error

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


def test_repeated_bucket_edge(tmp_path: Path) -> None:
    """Two buckets with one max_context: the second silently became the catch-all above it
    (qa15A #9)."""
    text = """[serving.llama-70b-vllm-measured]
buckets = [{max_context = 8000.0, prefill_tokens_per_s = 1.0, decode_tokens_per_s = 1.0},
           {max_context = 8000.0, prefill_tokens_per_s = 2.0, decode_tokens_per_s = 2.0}]
"""
    fails(tmp_path, text, "serving.llama-70b-vllm-measured.buckets[1].max_context: 8000 "
          "repeats buckets[0]'s; each bucket needs its own upper bound")


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
    cat = load_price_catalog(path)  # an error only where a model is priced by it (qa15A #6)
    with pytest.raises(ConfigError, match=r"m\.input_cost_per_token: expected a number"):
        cat.price_for("m", "the logged model m")


def test_litellm_not_json(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text("{nope")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_price_catalog(path)


# ---- values that would make a cost NaN, negative or silently zero (QA round 7)


@pytest.mark.parametrize(("text", "key", "says"), [
    ("[hardware.H100]\nusd_per_gpu_hour = nan\n", "hardware.H100.usd_per_gpu_hour", "finite"),
    ("[hardware.H100]\nusd_per_gpu_hour = inf\n", "hardware.H100.usd_per_gpu_hour", "finite"),
    ("[hardware.H100]\nfp8_tflops = -1.0\n", "hardware.H100.fp8_tflops", "0 or more"),
    ("[serving.moe-h200x8-fp8]\nutilization = nan\n", "serving.moe-h200x8-fp8.utilization",
     "nan"),
    ("[serving.resell-sonnet-batch]\nusd_per_mtok_output = -15.0\n",
     "serving.resell-sonnet-batch.usd_per_mtok_output", "0 or more"),
    ("[serving.llama-70b-h100x4]\noverhead_share = -0.3\n",
     "serving.llama-70b-h100x4.overhead_share", "0 or more"),
    ("[serving.llama-70b-h100x4]\noverhead_share = 1.5\n",
     "serving.llama-70b-h100x4.overhead_share", "[0, 1]"),
    ("[serving.llama-70b-h100x4]\ncache_read_prefill_fraction = 2.5\n",
     "serving.llama-70b-h100x4.cache_read_prefill_fraction", "[0, 1]"),
    ("[serving.llama-70b-vllm-measured]\ncache_read_tokens_per_s = -5.0\n",
     "serving.llama-70b-vllm-measured.cache_read_tokens_per_s", "0 or more"),
    ('[model."llama-3.3-70b"]\ntraining_cost_usd = -5.0\n',
     "model.llama-3.3-70b.training_cost_usd", "0 or more"),
    ('[model."llama-3.3-70b"]\nlifetime_tokens = 0.0\n', "model.llama-3.3-70b.lifetime_tokens",
     "above 0"),
    ('[[route]]\npattern = "x*"\nmodel = "llama-3-8b"\nnote = "n"\ntraining_cost_usd = 1e6\n'
     'lifetime_tokens = 0.0\n', "route[0].lifetime_tokens", "above 0"),
    ('[[route]]\npattern = "x*"\nmodel = "llama-3-8b"\nnote = "n"\ntraining_cost_usd = nan\n',
     "route[0].training_cost_usd", "finite"),
])
def test_invalid_cost_values(tmp_path: Path, text: str, key: str, says: str) -> None:
    fails(tmp_path, text, key, says)


@pytest.mark.parametrize(("text", "key", "says"), [
    ("[serving.llama-70b-h100x4]\nmfu = -0.3\n", "serving.llama-70b-h100x4.mfu", "in (0, 1]"),
    ("[hardware.H100]\nusd_per_gpu_hour = -2.0\n", "hardware.H100.usd_per_gpu_hour",
     "above 0"),
    ('[model."llama-3.3-70b"]\nparams_active_b = -70.0\n',
     "model.llama-3.3-70b.params_active_b", "above 0"),
])
def test_a_negative_value_that_must_be_above_0_says_so(tmp_path: Path, text: str, key: str,
                                                       says: str) -> None:
    """qa7F polish: not "0 or more", since 0 is refused too."""
    fails(tmp_path, text, key, says)


def test_mode_switch_of_a_shipped_profile(tmp_path: Path) -> None:
    fails(tmp_path, '[serving.moe-h200x8-fp8]\nmode = "measured"\n',
          "serving.moe-h200x8-fp8.mode", "a roofline profile", "new [serving.NEW-NAME]")


def test_weights_that_do_not_fit_name_the_file(tmp_path: Path) -> None:
    fails(tmp_path, "[serving.llama-70b-h100x4]\ngpus = 1\n", "serving.llama-70b-h100x4",
          "do not fit")


@pytest.mark.parametrize(("field", "value"), [
    ("cache_write", "-3.75"), ("long_output", "-22.5"), ("long_context_threshold", "-5"),
    ("input", "nan"), ("output", "inf"),
])
def test_invalid_price_values(tmp_path: Path, field: str, value: str) -> None:
    path = write(tmp_path, f"[price.claude-sonnet-4]\n{field} = {value}\n", "p.toml")
    with pytest.raises(ConfigError) as err:
        load_price_catalog(path)
    assert str(path) in str(err.value) and f"price.claude-sonnet-4.{field}" in str(err.value)


def test_cli_nan_utilization_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, "[serving.moe-h200x8-fp8]\nutilization = nan\n")
    line = cli_error(["costs", "--costs", str(path)])
    assert str(path) in line and "serving.moe-h200x8-fp8.utilization" in line
