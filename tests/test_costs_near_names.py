"""A misspelt logged model (qa13B #3: claude-sonet-4-5) gets a did-you-mean in the fallback and
no-list-price warnings, naming the nearest name the catalogs price; an unrelated name gets
none."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_csv

from planalyzer.costs import load_cost_catalog, load_price_catalog
from planalyzer.costs.near_names import named_models, near_model
from planalyzer.errors import StrictModeError
from planalyzer.pricing_step import price
from planalyzer.store import LoadOptions, Store

HEADER = ["user_id", "ts", "model", "input_tokens", "output_tokens"]


def _warnings(tmp_path: Path, models: list[str], strict: bool = False) -> list[str]:
    rows = [["u1", "2026-10-05T10:00:00Z", m, 10, 5] for m in models]
    logs = write_csv(tmp_path / "logs.csv", HEADER, rows)
    with Store(None) as store:
        store.load([str(logs)], LoadOptions())
        return price(store.con, strict=strict)


def test_near_model() -> None:
    costs, prices = load_cost_catalog(), load_price_catalog()
    known = named_models(costs, prices)
    assert near_model("claude-sonet-4-5", known, costs.is_known) == "claude-sonnet-4-5"
    # a dated snapshot of the misspelt name: compared without its date
    assert near_model("claude-sonet-4-5-20250929", known, costs.is_known) == "claude-sonnet-4-5"
    assert near_model("my-own-model", known, costs.is_known) is None
    assert near_model("claude-sonnet-4-5", known, costs.is_known) != "claude-sonnet-4-5"


def test_fallback_and_unpriced_warnings_ask_did_you_mean(tmp_path: Path) -> None:
    warnings = _warnings(tmp_path, ["claude-sonet-4-5", "claude-sonet-4-5", "my-own-model"])
    fallback = next(w for w in warnings if "not in the cost catalog" in w)
    assert ("claude-sonet-4-5 (2 requests, 30 tokens, 10 output; did you mean "
            "'claude-sonnet-4-5'?); my-own-model (1 request, 15 tokens, 5 output)") in fallback
    unpriced = next(w for w in warnings if "no API list price" in w)
    assert "did you mean 'claude-sonnet-4-5'?" in unpriced
    with pytest.raises(StrictModeError, match="did you mean 'claude-sonnet-4-5'"):
        _warnings(tmp_path, ["claude-sonet-4-5"], strict=True)


def test_a_logged_sibling_is_a_near_name(tmp_path: Path) -> None:
    """The hint may name another logged model the catalogs price."""
    warnings = _warnings(tmp_path, ["claude-sonnet-4-5", "claude-sonnet-4-5x"])
    assert any("claude-sonnet-4-5x (1 request, 15 tokens, 5 output; did you mean" in w
               for w in warnings)
