"""A LiteLLM model_prices_and_context_window.json as --prices: any long-context tier, cache
prices it lacks filled from the shipped entry of the same model (with a warning), never a
long-context tier it lacks, prefixed keys, a half-given tier."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_error, cli_json

from planalyzer.costs import load_price_catalog
from planalyzer.costs.prices import api_value_usd
from planalyzer.costs.roofline import Tokens
from planalyzer.errors import ConfigError


def litellm(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "model_prices_and_context_window.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_tier_above_128k(tmp_path: Path) -> None:
    cat = load_price_catalog(litellm(tmp_path, {"grok-4": {
        "input_cost_per_token": 3e-6, "output_cost_per_token": 1.5e-5,
        "cache_read_input_token_cost": 7.5e-7,
        "input_cost_per_token_above_128k_tokens": 6e-6,
        "output_cost_per_token_above_128k_tokens": 3e-5}}))
    price = cat.lookup("grok-4")
    assert price is not None and price.long_context_threshold == 128_000
    t = Tokens(input=150_000, output=1000)
    assert api_value_usd(price, t) == pytest.approx(150_000 * 6e-6 + 1000 * 3e-5, rel=1e-12)
    assert api_value_usd(price, Tokens(input=128_000)) == pytest.approx(128_000 * 3e-6)


def test_two_tiers_use_the_lowest_and_warn(tmp_path: Path) -> None:
    cat = load_price_catalog(litellm(tmp_path, {"m": {
        "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6,
        "input_cost_per_token_above_128k_tokens": 2e-6,
        "output_cost_per_token_above_128k_tokens": 4e-6,
        "input_cost_per_token_above_272k_tokens": 3e-6,
        "output_cost_per_token_above_272k_tokens": 6e-6}}))
    price = cat.lookup("m")
    assert price is not None and price.long_context_threshold == 128_000
    assert any("272k" in w for w in price.warnings)


def test_missing_fields_come_from_the_shipped_entry(tmp_path: Path) -> None:
    cat = load_price_catalog(litellm(tmp_path, {
        "claude-opus-4-1": {"input_cost_per_token": 1.5e-5, "output_cost_per_token": 7.5e-5,
                            "cache_read_input_token_cost": 1.5e-6,
                            "cache_creation_input_token_cost": 1.875e-5},
        "anthropic/claude-haiku-4-5": {"input_cost_per_token": 1e-6,
                                       "output_cost_per_token": 5e-6}}))
    opus = cat.lookup("claude-opus-4-1")
    assert opus is not None and opus.base.cache_write_1h == 30.0
    assert any("cache_write_1h" in w and "claude-opus-4" in w for w in opus.warnings)
    haiku = cat.lookup("anthropic/claude-haiku-4-5")
    assert haiku is not None and haiku.base.cache_read == 0.10
    t = Tokens(input=1000, cache_read=1_000_000, output=1000)
    assert api_value_usd(haiku, t) == pytest.approx(0.106, rel=1e-12)
    assert any("cache_read" in w for w in haiku.warnings)


def test_missing_fields_without_shipped_entry_default_and_warn(tmp_path: Path) -> None:
    cat = load_price_catalog(litellm(tmp_path, {"acme-1": {
        "input_cost_per_token": 2e-6, "output_cost_per_token": 4e-6}}))
    price = cat.lookup("acme-1")
    assert price is not None
    assert (price.base.cache_read, price.base.cache_write, price.base.cache_write_1h) == (
        2.0, 2.0, 2.0)
    assert any("documented defaults" in w and "cache_read" in w for w in price.warnings)


def test_prefixed_key_prices_the_bare_name_when_unambiguous(tmp_path: Path) -> None:
    one = {"input_cost_per_token": 9e-6, "output_cost_per_token": 9e-5,
           "cache_read_input_token_cost": 9e-7}
    cat = load_price_catalog(litellm(tmp_path, {"gemini/gemini-2.5-pro": one}))
    price = cat.lookup("gemini-2.5-pro")
    assert price is not None and price.base.input == pytest.approx(9.0)
    other = {**one, "input_cost_per_token": 8e-6}
    cat = load_price_catalog(litellm(tmp_path, {"gemini/gemini-2.5-pro": one,
                                                "vertex_ai/gemini-2.5-pro": other}))
    price = cat.lookup("gemini-2.5-pro")  # two prices: the shipped entry
    assert price is not None and price.base.input == 1.25


@pytest.mark.parametrize("bad", [-3.75e-6, math.inf, math.nan])
def test_negative_or_non_finite_litellm_price(tmp_path: Path, bad: float) -> None:
    path = litellm(tmp_path, {"m": {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6,
                                    "cache_creation_input_token_cost": bad}})
    cat = load_price_catalog(path)  # an error only where a model is priced by it (qa15A #6)
    with pytest.raises(ConfigError) as err:
        cat.price_for("m", "the logged model m")
    assert str(path) in str(err.value) and "m.cache_creation_input_token_cost" in str(err.value)


def test_no_tier_in_the_entry_means_base_prices_at_every_length(tmp_path: Path) -> None:
    """qa7F N2: the shipped Gemini/Sonnet tier above 200k is not mixed into the user's prices
    (a 201k request was valued 3.6x lower than a 199k one at $9/$90 per M)."""
    cat = load_price_catalog(litellm(tmp_path, {
        "gemini-2.5-pro": {"input_cost_per_token": 9e-6, "output_cost_per_token": 9e-5,
                           "cache_read_input_token_cost": 9e-7},
        "claude-sonnet-4-5": {"input_cost_per_token": 2.4e-6, "output_cost_per_token": 1.2e-5,
                              "cache_read_input_token_cost": 2.4e-7,
                              "cache_creation_input_token_cost": 3e-6}}))
    for model, (inp, out) in {"gemini-2.5-pro": (9e-6, 9e-5),
                              "claude-sonnet-4-5": (2.4e-6, 1.2e-5)}.items():
        price = cat.lookup(model)
        assert price is not None and price.long is None and price.long_context_threshold == 0
        assert not any("long-context" in w for w in price.warnings)
        for n in (199_000, 201_000, 900_000):
            assert api_value_usd(price, Tokens(input=n, output=1000)) == pytest.approx(
                n * inp + 1000 * out, rel=1e-12)
    sonnet = cat.lookup("claude-sonnet-4-5")
    assert sonnet is not None and sonnet.base.cache_write_1h == 6.0  # cache: still filled


def _half_tier(tmp_path: Path) -> Path:
    return litellm(tmp_path, {
        "gpt-5": {"input_cost_per_token": 1.25e-6, "output_cost_per_token": 1e-5,
                  "cache_read_input_token_cost": 1.25e-7,
                  "input_cost_per_token_above_272k_tokens": 2.5e-6},
        "grok-4": {"input_cost_per_token": 3e-6, "output_cost_per_token": 1.5e-5,
                   "cache_read_input_token_cost": 7.5e-7}})


def test_half_given_tier_is_an_error_only_for_a_logged_model(tmp_path: Path) -> None:
    """qa7F N4: one odd entry of a LiteLLM dump does not stop a run that does not use it."""
    prices = _half_tier(tmp_path)
    events = tmp_path / "ev.csv"
    events.write_text("ts,user_id,model,input_tokens,output_tokens\n"
                      "2026-10-01T10:00:00Z,u1,grok-4,1000,100\n", encoding="utf-8")
    doc = cli_json(["costs", str(events), "--prices", str(prices)])
    assert doc
    events.write_text("ts,user_id,model,input_tokens,output_tokens\n"
                      "2026-10-01T10:00:00Z,u1,gpt-5,300000,100\n", encoding="utf-8")
    msg = cli_error(["costs", str(events), "--prices", str(prices)])
    assert str(prices) in msg and "gpt-5" in msg
    assert "output_cost_per_token_above_272k_tokens" in msg
