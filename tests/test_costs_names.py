"""Which list price and cost profile a logged name takes: exact names and the vendor's dated
snapshots and aliases of the same model, never a variant's (-lite, -mini, codex-mini)."""

from __future__ import annotations

import pytest

from planalyzer.costs import load_cost_catalog, load_price_catalog


@pytest.mark.parametrize("name", [
    "gemini-2.5-flash-lite", "gpt-5.1-codex-mini", "gpt-5-codex-mini", "gpt-5.2-pro", "gpt-5.1",
    "gpt-5.1-codex", "gpt-5.1-codex-max", "gpt-5.2-codex-mini",
    "gpt-4o-2024-05-13", "gpt-5-nano", "gpt-4o-mini", "gpt-4.1-mini", "o3-mini",
    "claude-opus-4-7", "claude-sonnet-4-6-preview", "gemini-2.5-pro-preview-05-06",
    "claude-opus-4-5-turbo",
])
def test_variants_get_no_list_price(name: str) -> None:
    assert load_price_catalog(None).lookup(name) is None


@pytest.mark.parametrize(("name", "entry"), [
    ("gemini-2.5-flash", "gemini-2-5-flash"),
    ("gpt-5-codex", "gpt-5"),
    ("gpt-5-2025-08-07", "gpt-5"),
    ("gpt-5.2", "gpt-5-2"),
    ("gpt-5.2-2025-12-11", "gpt-5-2"),
    ("gpt-5.2-codex", "gpt-5-2"),
    ("gpt-5.3-codex", "gpt-5-2"),
    ("openai/gpt-5-mini-2025-08-07", "gpt-5-mini"),
    ("gpt-4o-2024-08-06", "gpt-4o"),
    ("claude-sonnet-4-5-20250929", "claude-sonnet-4"),
    ("claude-opus-4-20250514", "claude-opus-4"),
    ("claude-opus-4-0", "claude-opus-4"),
    ("claude-opus-4.6", "claude-opus-4-5"),
    ("claude-4.5-sonnet", "claude-sonnet-4"),
    # Sonnet 4.6: an entry of its own (no long-context tier), never Sonnet 4/4.5's
    ("claude-sonnet-4-6", "claude-sonnet-4-6"),
    ("anthropic/claude-sonnet-4.6", "claude-sonnet-4-6"),
    ("anthropic/claude-haiku-4-5", "claude-haiku-4-5"),
    # Bedrock and Vertex ids of the same models
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4"),
    ("bedrock/anthropic.claude-opus-4-5-20251101-v1:0", "claude-opus-4-5"),
    ("global.anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5"),
    ("vertex_ai/claude-opus-4-1@20250805", "claude-opus-4"),
])
def test_snapshots_and_aliases_take_their_model(name: str, entry: str) -> None:
    price = load_price_catalog(None).lookup(name)
    assert price is not None and price.key == entry


def test_sonnet_4_6_takes_sonnet_4_5s_cost_profile() -> None:
    """qa18C #4: the GPU cost side resolves Sonnet 4.6 as it does Sonnet 4.5 (the Sonnet
    route's proxy shape), as the list price side now has its own entry."""
    cat = load_cost_catalog(None)
    res = cat.resolve("claude-sonnet-4-6")
    assert res.how == "route" and res.model.key == cat.resolve("claude-sonnet-4-5").model.key
    assert cat.route_of("claude-sonnet-4-6") == cat.route_of("claude-sonnet-4-5")


def test_bedrock_id_takes_the_route_of_its_model() -> None:
    cat = load_cost_catalog(None)
    res = cat.resolve("us.anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert res.how == "route" and cat.route_of("claude-sonnet-4-5") == cat.route_of(
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0")


@pytest.mark.parametrize("name", ["gpt-4o-mini", "gpt-4.1-nano", "o3-mini", "o4-mini",
                                  "gpt-5.1-codex-mini", "gpt-5-mini"])
def test_small_openai_models_take_the_small_proxy(name: str) -> None:
    assert load_cost_catalog(None).resolve(name).model.key == "qwen3-30b-a3b"
