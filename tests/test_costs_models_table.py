"""`costs` shows the model shape and the training figures behind each GPU cost, and the prompt
length behind its per-class $/M (QA round 10 C, finding 4b)."""

from __future__ import annotations

from conftest import cli_json

from planalyzer.costs import costs_tables, load_cost_catalog, load_price_catalog
from planalyzer.costs.roofline import Roofline

CATALOG = load_cost_catalog()
PRICES = load_price_catalog()


def test_cost_models_rows_are_the_profiles_the_costs_use() -> None:
    tables = {t.name: t for t in costs_tables(CATALOG, PRICES, ["claude-sonnet-4-5"])}
    shapes = tables["cost_models"]
    row = dict(zip([c.key for c in shapes.columns], shapes.rows[0], strict=True))
    res = CATALOG.resolve("claude-sonnet-4-5")
    m = res.model
    assert row["profile"] == m.key and row["resolved_by"] == res.how
    assert (row["params_total_b"], row["params_active_b"], row["layers"], row["kv_heads"],
            row["head_dim"], row["weight_bytes"], row["kv_bytes"]) == (
        m.params_total_b, m.params_active_b, m.layers, m.kv_heads, m.head_dim,
        m.weight_bytes, m.kv_bytes)
    assert row["kv_bytes_per_token"] == Roofline.from_resolution(res).kv_bytes_per_token
    # the route's training figures (not the proxy profile's) are behind training $/M
    assert (row["training_cost_usd"], row["lifetime_tokens"]) == (
        res.training_cost_usd, res.lifetime_tokens)
    assert row["training_from"].startswith("route claude-sonnet")
    per_class = tables["cost_per_mtok"]
    training = per_class.rows[0][[c.key for c in per_class.columns].index(
        "training_usd_per_mtok")]
    assert row["training_usd_per_mtok"] == training


def test_per_class_note_says_the_prompt_length() -> None:
    doc = cli_json(["costs"])
    assert "a fresh 1,000-token prompt" in doc["cost_per_mtok"]["notes"][0]
    assert {r["resolved_by"] for r in doc["cost_models"]["rows"]} >= {"profile", "route"}
