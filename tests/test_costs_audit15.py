"""Audit 15 (qa15A): exact threshold edges of aggregated rows, long-context rate cards, the
KV-memory lever in the sensitivity table, long prices without a threshold."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from planalyzer import sqlfiles
from planalyzer.costs import (
    Tokens,
    coefficient_cost,
    coefficients_for,
    load_cost_catalog,
    load_price_catalog,
    price_events,
)

PRICES = load_price_catalog(None)

MEASURED = """[serving.my-measured]
mode = "measured"
usd_per_hour = 12.0
utilization = 0.5
cache_read_tokens_per_s = 200000.0
buckets = [
  {max_context = 8000, prefill_tokens_per_s = 20000, decode_tokens_per_s = 1000},
  {max_context = 64000, prefill_tokens_per_s = 10000, decode_tokens_per_s = 500},
]
source = "test"
as_of = "2026-11"

[[route]]
pattern = "acme-*"
model = "llama-3.3-70b"
serving = "my-measured"
assumed = false
note = "test"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "costs.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _priced(cost_file: Path | None, rows: list[tuple[str, Tokens, int]]
            ) -> list[tuple[float, float | None]]:
    """(gpu_cost_usd, api_value_usd) of each events row (model, tokens, requests)."""
    con = duckdb.connect()
    sqlfiles.run(con, "create_events")
    for i, (model, t, req) in enumerate(rows):
        con.execute(
            "INSERT INTO events VALUES ($id, TIMESTAMPTZ '2026-01-01 00:00:00+00', 'u', NULL, "
            "$m, $i, $w, $h, $r, $o, $q, NULL, 'test', 1)",
            {"id": f"e{i:03d}", "m": model, "i": t.input, "w": t.cache_write,
             "h": t.cache_write_1h, "r": t.cache_read, "o": t.output, "q": req})
    price_events(con, load_cost_catalog(cost_file), prices=PRICES)
    return [(r[0], r[1]) for r in con.execute(
        "SELECT gpu_cost_usd, api_value_usd FROM priced_events ORDER BY event_id").fetchall()]


# ------------------------------------------------ finding 2: a mean exactly at an edge

# requests for which 200000 * r * (1 / r) rounds above 200000 in binary floating point
_ROUNDS_UP = [r for r in range(2, 200) if 200_000 * r * (1.0 / r) > 200_000]


def test_reciprocal_rounding_is_real_for_these_counts() -> None:
    assert 91 in _ROUNDS_UP


@pytest.mark.parametrize("req", [90, *_ROUNDS_UP[:4]])
def test_aggregated_mean_exactly_at_long_context_threshold_is_standard(req: int) -> None:
    mean_at = Tokens(200_000 * req, 0, 0, 0, 0)
    over = Tokens(200_000 * req + 1, 0, 0, 0, 0)
    (_, at), (_, above) = _priced(None, [("claude-sonnet-4-5", mean_at, req),
                                         ("claude-sonnet-4-5", over, req)])
    # $3/M standard, $6/M above 200k prompt tokens (facts.md section 3)
    assert at == pytest.approx(200_000 * req * 3 / 1e6, rel=1e-12)
    assert above == pytest.approx((200_000 * req + 1) * 6 / 1e6, rel=1e-12)
    pure = coefficient_cost(coefficients_for(load_cost_catalog(None).resolve(
        "claude-sonnet-4-5"), PRICES.lookup("claude-sonnet-4-5")), mean_at, req)
    assert pure.api_value_usd == pytest.approx(at, rel=1e-12)


def test_qa_repro_ev_b_totals_108_6() -> None:
    got = _priced(None, [("claude-sonnet-4-5", Tokens(18_200_000, 0, 0, 0, 0), 91),
                         ("claude-sonnet-4-5", Tokens(18_000_000, 0, 0, 0, 0), 90)])
    assert sum(v for _, v in got if v is not None) == pytest.approx(108.6, rel=1e-12)


@pytest.mark.parametrize("req", [75, 77, 91, 93, 2, 1])
def test_aggregated_mean_exactly_at_bucket_edge_takes_lower_bucket(tmp_path: Path,
                                                                    req: int) -> None:
    cost_file = _write(tmp_path, MEASURED)
    (gpu, _), = _priced(cost_file, [("acme-coder", Tokens(8_000 * req, 0, 0, 0, 0), req)])
    # bucket 1: $12/h / 0.5 utilization / 20,000 prefill tokens/s
    assert gpu == pytest.approx(8_000 * req * 12.0 / 3600 / 0.5 / 20_000, rel=1e-12)
    (over, _), = _priced(cost_file, [("acme-coder", Tokens(8_000 * req + 1, 0, 0, 0, 0), req)])
    assert over == pytest.approx((8_000 * req + 1) * 12.0 / 3600 / 0.5 / 10_000, rel=1e-12)
    res = load_cost_catalog(cost_file).resolve("acme-coder")
    pure = coefficient_cost(coefficients_for(res, None), Tokens(8_000 * req, 0, 0, 0, 0), req)
    assert pure.gpu_cost_usd == pytest.approx(gpu, rel=1e-12)


def test_qa_repro_ev_mb_totals_0_202667(tmp_path: Path) -> None:
    got = _priced(_write(tmp_path, MEASURED),
                  [("acme-coder", Tokens(600_000, 0, 0, 0, 0), 75),
                   ("acme-coder", Tokens(8_000, 0, 0, 0, 0), 1)])
    assert sum(g for g, _ in got) == pytest.approx(608_000 / 3_000_000, rel=1e-12)
