"""Audit 15 (qa15A): exact threshold edges of aggregated rows, long-context rate cards, the
KV-memory lever in the sensitivity table, long prices without a threshold."""

from __future__ import annotations

import math
import subprocess
import sys
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
from planalyzer.errors import ConfigError

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


def test_every_request_count_up_to_400_keeps_an_exact_mean_at_the_threshold() -> None:
    counts = range(2, 401)
    got = _priced(None, [("claude-sonnet-4-5", Tokens(200_000 * r, 0, 0, 0, 0), r)
                         for r in counts])
    assert [v for _, v in got] == pytest.approx([200_000 * r * 3 / 1e6 for r in counts],
                                                rel=1e-12)


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


# ------------------------------------------------ finding 1: a rate card's long-context tier

RESELL = """[[route]]
pattern = "claude-sonnet-*"
model = "deepseek-v3"
serving = "resell-sonnet-batch"
assumed = false
note = "we resell sonnet via batch"
"""

CARD = """[serving.card]
mode = "rate_card"
usd_per_mtok_input = 2.0
usd_per_mtok_cache_write = 2.5
usd_per_mtok_cache_write_1h = 4.0
usd_per_mtok_cache_read = 0.2
usd_per_mtok_output = 10.0
discount = 0.25
source = "test"
as_of = "2026-11"
{extra}
[[route]]
pattern = "acme-*"
model = "llama-3.3-70b"
serving = "card"
assumed = false
note = "test"
"""


def test_resold_sonnet_above_200k_is_billed_whole_at_long_prices(tmp_path: Path) -> None:
    cost_file = _write(tmp_path, RESELL)
    long = Tokens(15_000, 0, 0, 285_000, 1_000)
    at = Tokens(15_000, 0, 0, 185_000, 1_000)  # exactly 200,000 prompt tokens
    (gpu_long, api_long), (gpu_at, _) = _priced(cost_file, [("claude-sonnet-4-5", long, 1),
                                                            ("claude-sonnet-4-5", at, 1)])
    assert gpu_long == pytest.approx((15_000 * 6 + 285_000 * 0.6 + 1_000 * 22.5) / 1e6 * 0.5,
                                     rel=1e-12)
    assert gpu_long == pytest.approx(0.14175, rel=1e-12)
    assert api_long == pytest.approx(0.2835, rel=1e-12)  # the list value: twice the batch bill
    assert gpu_at == pytest.approx((15_000 * 3 + 185_000 * 0.3 + 1_000 * 15) / 1e6 * 0.5,
                                   rel=1e-12)
    res = load_cost_catalog(cost_file).resolve("claude-sonnet-4-5")
    pure = coefficient_cost(coefficients_for(res, None), long)
    assert pure.gpu_cost_usd == pytest.approx(gpu_long, rel=1e-12)


def test_aggregated_rate_card_row_at_the_threshold_mean_is_standard(tmp_path: Path) -> None:
    cost_file = _write(tmp_path, RESELL)
    (gpu, _), = _priced(cost_file, [("claude-sonnet-4-5", Tokens(200_000 * 91, 0, 0, 0, 0), 91)])
    assert gpu == pytest.approx(200_000 * 91 * 3 / 1e6 * 0.5, rel=1e-12)


def test_rate_card_long_cache_prices_default_to_the_long_input_ratio(tmp_path: Path) -> None:
    extra = ("long_context_threshold = 1000\nusd_per_mtok_long_input = 3.0\n"
             "usd_per_mtok_long_output = 12.0\n")
    cost_file = _write(tmp_path, CARD.format(extra=extra))
    t = Tokens(100, 200, 300, 1_000, 50)  # prompt 1,600 > 1,000
    (gpu, _), = _priced(cost_file, [("acme-coder", t, 1)])
    # ratio 3 / 2 = 1.5 on each cache price; x (1 - 0.25)
    expect = (100 * 3.0 + 200 * 3.75 + 300 * 6.0 + 1_000 * 0.3 + 50 * 12.0) / 1e6 * 0.75
    assert gpu == pytest.approx(expect, rel=1e-12)
    (short, _), = _priced(cost_file, [("acme-coder", Tokens(100, 0, 0, 900, 50), 1)])
    assert short == pytest.approx((100 * 2.0 + 900 * 0.2 + 50 * 10.0) / 1e6 * 0.75, rel=1e-12)


def test_rate_card_long_tier_is_shown_in_the_assumptions(tmp_path: Path) -> None:
    from planalyzer.costs.report import _rate_card

    res = load_cost_catalog(_write(tmp_path, RESELL)).resolve("claude-sonnet-4-5")
    text = _rate_card(res.serving)
    assert text is not None and "above 200,000 prompt tokens" in text and "output 22.5" in text


@pytest.mark.parametrize(("extra", "key"), [
    ("long_context_threshold = 1000\nusd_per_mtok_long_input = 3.0\n", "usd_per_mtok_long_output"),
    ("long_context_threshold = 1000\nusd_per_mtok_long_output = 3.0\n", "usd_per_mtok_long_input"),
    ("usd_per_mtok_long_input = 3.0\n", "usd_per_mtok_long_input"),
    ("usd_per_mtok_long_cache_read = 3.0\n", "usd_per_mtok_long_cache_read"),
    ("long_context_threshold = -5\nusd_per_mtok_long_input = 3.0\nusd_per_mtok_long_output = 1.0\n",
     "long_context_threshold"),
    ("long_context_threshold = 1000\nusd_per_mtok_long_input = -3.0\n"
     "usd_per_mtok_long_output = 1.0\n", "usd_per_mtok_long_input"),
])
def test_rate_card_half_given_long_tier_is_refused(tmp_path: Path, extra: str, key: str) -> None:
    with pytest.raises(ConfigError, match=rf"costs\.toml: serving\.card\.{key}"):
        load_cost_catalog(_write(tmp_path, CARD.format(extra=extra)))


def test_rate_card_long_tier_without_threshold_exits_2(tmp_path: Path) -> None:
    path = _write(tmp_path, CARD.format(extra="usd_per_mtok_long_input = 3.0\n"))
    events = tmp_path / "e.csv"
    events.write_text("event_id,ts,user_id,model,input_tokens,output_tokens\n"
                      "e1,2026-10-01 00:00:00+00,u1,acme-coder,10,1\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "planalyzer", "costs", str(events), "--costs",
                           str(path), "-q"], capture_output=True, text=True, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "serving.card.usd_per_mtok_long_input" in proc.stderr
    assert "long_context_threshold" in proc.stderr and "Traceback" not in proc.stderr


# ------------------------------------------------ finding 3: the KV-memory lever


def _mf_cost(tmp_path: Path, name: str, profile: str, mf: float, context: int) -> float:
    from planalyzer.costs.report import typical_request

    path = tmp_path / f"mf_{mf}.toml"
    path.write_text(f'[serving.{profile}]\nmemory_fraction = {mf}\n', encoding="utf-8")
    res = load_cost_catalog(path).resolve(name)
    return coefficient_cost(coefficients_for(res, None), typical_request(context)).gpu_cost_usd


@pytest.mark.parametrize(("name", "profile", "context", "qa"), [
    ("llama-3.3-70b", "llama-70b-h100x4", 32_000, -0.76),
    ("llama-3.3-70b", "llama-70b-h100x4", 128_000, -0.65),
    ("deepseek-v3", "moe-h200x8-fp8", 128_000, -0.32),
    ("llama-3.3-70b", "llama-70b-h100x4", 1_000, 0.0),  # the target batch limits it: none
])
def test_memory_fraction_elasticity_equals_rerun_with_costs_files(
        tmp_path: Path, name: str, profile: str, context: int, qa: float) -> None:
    from planalyzer.costs.report import elasticity, typical_request

    res = load_cost_catalog(None).resolve(name)
    assert res.serving.memory_fraction == 0.9
    hi = _mf_cost(tmp_path, name, profile, 0.909, context)
    lo = _mf_cost(tmp_path, name, profile, 0.891, context)
    rerun = (math.log(hi) - math.log(lo)) / (math.log(1.01) - math.log(0.99))
    e = elasticity(res, "memory_fraction", typical_request(context))
    assert e == pytest.approx(rerun, rel=1e-9, abs=1e-12)
    assert e == pytest.approx(qa, abs=0.005)


def test_sensitivity_table_shows_memory_fraction_where_batch_is_zero() -> None:
    from planalyzer.costs.report import sensitivity_tables

    table = sensitivity_tables(load_cost_catalog(None), PRICES, models=["llama-3.3-70b"])[0]
    keys = [c.key for c in table.columns]
    row = dict(zip(keys, table.rows[1], strict=True))  # 32k: KV memory limits the batch
    assert row["context_tokens"] == 32_000 and row["e_batch"] == 0.0
    assert row["e_memory_fraction"] == pytest.approx(-0.7593, abs=1e-4)
    assert "memory_fraction" in table.notes[0]


def test_memory_fraction_elasticity_is_empty_off_the_roofline(tmp_path: Path) -> None:
    from planalyzer.costs.report import elasticity, typical_request

    res = load_cost_catalog(_write(tmp_path, MEASURED)).resolve("acme-coder")
    assert elasticity(res, "memory_fraction", typical_request(32_000)) is None


# ------------------------------------------------ findings 4 and 5: --prices files


def test_toml_long_prices_without_threshold_are_refused(tmp_path: Path) -> None:
    from conftest import cli_error

    prices = tmp_path / "p.toml"
    prices.write_text('[price.x]\nmatch = ["acme-*"]\ninput = 1.0\ncache_read = 0.1\n'
                      'output = 2.0\nlong_input = 5.0\nlong_output = 6.0\nsource = "s"\n'
                      'as_of = "a"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"p\.toml: price\.x\.long_input: needs "
                                          r"long_context_threshold"):
        load_price_catalog(prices)
    events = tmp_path / "e.csv"
    events.write_text("event_id,ts,user_id,model,input_tokens,output_tokens\n"
                      "e1,2026-10-01 00:00:00+00,u1,claude-sonnet-4-5,10,1\n", encoding="utf-8")
    err = cli_error(["costs", str(events), "--prices", str(prices)])
    assert "price.x.long_input" in err


def test_toml_threshold_zero_still_turns_a_shipped_tier_off(tmp_path: Path) -> None:
    prices = tmp_path / "p.toml"
    prices.write_text("[price.claude-sonnet-4]\nlong_context_threshold = 0\n", encoding="utf-8")
    price = load_price_catalog(prices).lookup("claude-sonnet-4-5")
    assert price is not None and price.long is None


def test_litellm_entry_without_output_price_is_named_in_the_warning(tmp_path: Path) -> None:
    prices = tmp_path / "ll.json"
    prices.write_text('{"acme-coder": {"input_cost_per_token": 1e-6}}', encoding="utf-8")
    catalog = load_price_catalog(prices)
    assert catalog.lookup("acme-coder") is None
    con = duckdb.connect()
    sqlfiles.run(con, "create_events")
    con.execute("INSERT INTO events VALUES ('e1', TIMESTAMPTZ '2026-01-01 00:00:00+00', 'u', "
                "NULL, 'acme-coder', 10, 0, 0, 0, 1, 1, NULL, 'test', 1)")
    result = price_events(con, load_cost_catalog(None), prices=catalog)
    msg = next(w for w in result.warnings if "no API list price" in w)
    assert f"LiteLLM entry acme-coder in {prices} was skipped: it has no output_cost_per_token" \
        in msg
    assert "Give --prices FILE" not in msg


def test_unpriced_model_without_a_skipped_entry_keeps_the_plain_advice(tmp_path: Path) -> None:
    con = duckdb.connect()
    sqlfiles.run(con, "create_events")
    con.execute("INSERT INTO events VALUES ('e1', TIMESTAMPTZ '2026-01-01 00:00:00+00', 'u', "
                "NULL, 'acme-coder', 10, 0, 0, 0, 1, 1, NULL, 'test', 1)")
    result = price_events(con, load_cost_catalog(None), prices=PRICES)
    msg = next(w for w in result.warnings if "no API list price" in w)
    assert msg.endswith("Give --prices FILE (TOML or LiteLLM JSON)")
