"""Messages and reasons the fuzzing audit found misleading (qa16B #11): each says what is
wrong with the user's own input, where it is, and what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import FIXTURES, cli_error, write_csv

from planalyzer.errors import InputError, shorten
from planalyzer.store import Store

HAND = FIXTURES / "whatif_hand"
ROW = {"ts": "2026-10-01T10:00:00Z", "user_id": "a", "model": "m", "input_tokens": 1}


def reasons(store: Store) -> dict[str, int]:
    return {str(r): int(n) for r, n in store.con.execute(
        "SELECT reason, count(*) FROM rejected_rows GROUP BY reason").fetchall()}


def test_costs_error_names_the_users_hardware_key(tmp_path: Path) -> None:
    # the user's file took the FP8 peak of a GPU a shipped fp8 serving profile runs on
    costs = tmp_path / "costs.toml"
    costs.write_text("[hardware.B200]\nfp8_tflops = 0\n")
    err = cli_error(["costs", "--costs", str(costs), "-q"])
    assert err.startswith(f"error: {costs}: hardware.B200.fp8_tflops: 0 leaves B200 no FP8 "
                          "throughput, which the shipped serving.")
    assert "serving.toml" not in err


def test_litellm_prices_with_a_bom_are_read(tmp_path: Path) -> None:
    prices = tmp_path / "prices.json"
    doc = {"claude-sonnet-4-5": {"input_cost_per_token": 3e-6, "output_cost_per_token": 1.5e-5,
                                 "litellm_provider": "anthropic", "mode": "chat"}}
    prices.write_bytes(b"\xef\xbb\xbf" + json.dumps(doc).encode())
    from planalyzer.costs.prices import load_price_catalog

    price = load_price_catalog(prices).lookup("claude-sonnet-4-5")
    assert price is not None and price.source == f"LiteLLM prices file {prices}"
    assert price.base.input == pytest.approx(3.0)


def test_empty_json_array_says_so(tmp_path: Path) -> None:
    f = tmp_path / "export.json"
    f.write_text("[]")
    with pytest.raises(InputError, match=r"export\.json: an empty JSON array \(no rows\); "
                                         "remove it from the sources"):
        Store().load([f])


def test_json_array_holding_no_object_names_the_element(tmp_path: Path) -> None:
    f = tmp_path / "export.json"
    f.write_text(json.dumps([ROW, None, 5]))
    with pytest.raises(InputError, match=r"element 3 is a number, not an object"):
        Store().load([f])


def test_null_element_of_a_json_array_is_rejected_as_no_object(tmp_path: Path) -> None:
    f = tmp_path / "export.json"
    f.write_text(json.dumps([ROW, None, {**ROW, "user_id": "b"}]))
    store = Store()
    report = store.load([f])
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (3, 2, 1)
    assert reasons(store) == {"JSON array element is not an object": 1}
    assert store.con.execute("SELECT source_row FROM rejected_rows").fetchall() == [(2,)]


def test_json_line_nested_too_deep_is_named(tmp_path: Path) -> None:
    deep: object = 1
    for _ in range(200):
        deep = [deep]
    f = tmp_path / "deep.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in (ROW, {**ROW, "x": deep}, ROW)) + "\n")
    with pytest.raises(InputError, match=r"deep\.jsonl: cannot be read as jsonl \(line 2 nests "
                                         r"objects or arrays 128 levels deep or more"):
        Store().load([f])


def test_parquet_float_user_ids_read_as_a_csv_holds_them(tmp_path: Path) -> None:
    # pandas writes an int id column with a gap as float64: 1.0 is user "1", NaN no user
    f = tmp_path / "ids.parquet"
    pq.write_table(pa.table({
        "user_id": pa.array([1.0, 2.0, None, float("nan"), 1.5], pa.float64()),
        "ts": ["2026-10-01T10:00:00Z"] * 5, "model": ["m"] * 5, "input_tokens": [1] * 5}), f)
    store = Store()
    store.load([f])
    users = [r[0] for r in store.con.execute(
        "SELECT user_id FROM events ORDER BY source_row").fetchall()]
    assert users == ["1", "2", "1.5"]
    assert reasons(store) == {"missing user_id": 2}


def test_long_user_id_is_cut_in_an_event_id_conflict(tmp_path: Path) -> None:
    long_id = "u" * 100_000
    f = write_csv(tmp_path / "a.csv", ["id", "timestamp", "user", "model", "input_tokens"], [
        [1, "2026-10-01T09:00:00Z", "bob", "m", 1],
        [1, "2026-10-01T09:00:00Z", long_id, "m", 1]])
    with pytest.raises(InputError) as err:
        Store().load([f])
    text = str(err.value)
    assert len(text) < 2000
    assert f"user_id bob / {'u' * 60}... (100,000 characters)" in text


def test_shorten() -> None:
    assert shorten("abc") == "abc"
    assert shorten("x" * 61, 60) == "x" * 60 + "... (61 characters)"
