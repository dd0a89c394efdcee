"""Audit 15 (qa15A) #6, #7, #8, #10, #11: LiteLLM entries no logged model uses, a user's
LiteLLM alias key pricing its dated snapshots, did-you-mean on --costs entry names, a
cache-read model without its rate, and provenance labels of overridden prices."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import cli_error, cli_json

from planalyzer.costs import load_cost_catalog, load_price_catalog
from planalyzer.errors import ConfigError

PRICES = load_price_catalog(None)


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


# ------------------------------------------------ finding 11: provenance of overridden prices


def test_hardware_table_names_the_file_that_overrode_the_gpu_price(tmp_path: Path) -> None:
    from planalyzer.costs.report import costs_tables

    path = _write(tmp_path, "[hardware.H100]\nusd_per_gpu_hour = 2.35\n")
    tables = costs_tables(load_cost_catalog(path), PRICES, ["llama-3.3-70b", "deepseek-v3"])
    hardware = {r["hardware"]: r for t in tables if t.name == "cost_hardware"
                for r in t.as_dicts()}
    assert hardware["H100"]["price_source"] == f"overridden in {path}"
    assert hardware["H100"]["usd_per_gpu_hour"] == 2.35
    assert "SemiAnalysis" in hardware["H200"]["price_source"]  # not overridden: shipped


def test_overriding_price_keeps_the_files_own_price_source(tmp_path: Path) -> None:
    from planalyzer.costs.report import costs_tables

    path = _write(tmp_path, '[hardware.H100]\nusd_per_gpu_hour = 2.35\n'
                            'price_source = "our Lambda invoice"\n')
    tables = costs_tables(load_cost_catalog(path), PRICES, ["llama-3.3-70b"])
    sources = {r["price_source"] for t in tables if t.name in ("cost_hardware", "cost_assumptions")
               for r in t.as_dicts()}
    assert sources == {f"overridden in {path}: our Lambda invoice"}


def _training_from(path: Path | None, model: str) -> str:
    from planalyzer.costs.report import costs_tables

    tables = costs_tables(load_cost_catalog(path), PRICES, [model])
    row = next(r for t in tables if t.name == "cost_models" for r in t.as_dicts())
    return str(row["training_from"])


def test_route_with_only_a_training_cost_names_the_profile_behind_the_lifetime(
        tmp_path: Path) -> None:
    path = _write(tmp_path, '[[route]]\npattern = "claude-sonnet-*"\nmodel = "deepseek-v3"\n'
                            'note = "x"\ntraining_cost_usd = 1e9\n')
    assert _training_from(path, "claude-sonnet-4-5") == (
        "route claude-sonnet-* (cost), profile deepseek-v3 (lifetime)")
    assert _training_from(None, "claude-sonnet-4-5") == "route claude-sonnet-*"
    assert _training_from(None, "llama-3.3-70b") == "profile llama-3.3-70b"


def test_rate_card_route_without_training_says_none(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[route]]\npattern = "claude-sonnet-*"\nmodel = "deepseek-v3"\n'
                            'serving = "resell-sonnet-batch"\nnote = "x"\n')
    assert _training_from(path, "claude-sonnet-4-5") == "none (rate card)"


# ------------------------------------------------ finding 8: names of shipped entries


@pytest.mark.parametrize(("text", "says"), [
    ("[hardware.h100]\nusd_per_gpu_hour = 2.35\n",
     "hardware.h100: not a shipped hardware entry (did you mean 'H100'? to change it, name it "
     "exactly: [hardware.H100]); a new hardware entry would also need name, bf16_tflops"),
    ("[serving.llama-70b-h100x5]\nutilization = 0.45\n",
     "serving.llama-70b-h100x5: not a shipped serving profile (did you mean 'llama-70b-h100x4'? "
     "to change it, name it exactly: [serving.llama-70b-h100x4]); a new serving profile would "
     "also need mode (roofline, measured, rate_card)"),
    ('[model."Llama-3.3-70b"]\nlayers = 80\n',
     "model.Llama-3.3-70b: not a shipped model profile (did you mean 'llama-3.3-70b'? to change "
     'it, name it exactly: [model."llama-3.3-70b"])'),
])
def test_misspelt_shipped_name_gets_a_did_you_mean(tmp_path: Path, text: str, says: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_cost_catalog(path)
    assert str(err.value).startswith(f"{path}: {says}"), err.value


@pytest.mark.parametrize(("hardware", "hint"), [
    ("h100", "; did you mean 'H100'? (hardware names are case-sensitive)"),
    ("h100-sxm", "; did you mean 'H100'?"),
    ("TPU-v5", ""),
])
def test_serving_hardware_near_a_catalog_name_gets_a_did_you_mean(
        tmp_path: Path, hardware: str, hint: str) -> None:
    """A serving profile's hardware not in the catalog got the catalog list only."""
    path = _write(tmp_path, f'[serving.llama-8b-h100x1]\nhardware = "{hardware}"\n')
    with pytest.raises(ConfigError) as err:
        load_cost_catalog(path)
    assert str(err.value) == (
        f"{path}: serving.llama-8b-h100x1.hardware: {hardware!r} is not in the hardware catalog "
        f"(A100, B200, H100, H200, MI300X){hint}")


def test_new_entry_far_from_any_shipped_name_keeps_the_missing_key_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"hardware\.TPU\.bf16_tflops: missing; add it"):
        load_cost_catalog(_write(tmp_path, '[hardware.TPU]\nname = "x"\n'))


def test_whole_new_entry_near_a_shipped_name_is_taken(tmp_path: Path) -> None:
    text = ('[hardware.H300]\nname = "x"\nbf16_tflops = 100.0\nhbm_gb = 10.0\n'
            'bandwidth_tbps = 1.0\nusd_per_gpu_hour = 1.0\nprice_source = "p"\nsource = "s"\n'
            'as_of = "a"\n')
    assert load_cost_catalog(_write(tmp_path, text)).hardware["H300"].bf16_tflops == 100.0


def test_unquoted_dotted_name_says_to_quote_it(tmp_path: Path) -> None:
    path = _write(tmp_path, "[model.llama-3.3-70b]\nlayers = 80\n")
    with pytest.raises(ConfigError) as err:
        load_cost_catalog(path)
    assert str(err.value) == (
        f"{path}: [model.llama-3.3-70b]: TOML reads an unquoted name with a dot as nested "
        'tables (model > llama-3 > 3-70b); quote the name: [model."llama-3.3-70b"]')


def test_unquoted_dotted_price_name_says_to_quote_it(tmp_path: Path) -> None:
    path = _write(tmp_path, "[price.gpt-4.1]\ninput = 2.0\n", "p.toml")
    with pytest.raises(ConfigError, match=r'\[price\.gpt-4\.1\]: TOML reads .* quote the name: '
                                          r'\[price\."gpt-4\.1"\]'):
        load_price_catalog(path)


def test_cli_misspelt_shipped_name_exits_2(tmp_path: Path) -> None:
    path = _write(tmp_path, "[hardware.h100]\nusd_per_gpu_hour = 2.35\n")
    assert "did you mean 'H100'?" in cli_error(["costs", "--costs", str(path)])


# ------------------------------------------------ finding 6: unusable LiteLLM entries


def _events(tmp_path: Path, model: str) -> Path:
    events = tmp_path / "e.csv"
    events.write_text("event_id,ts,user_id,model,input_tokens,output_tokens\n"
                      f"e1,2026-10-01 00:00:00+00,u1,{model},7000,2000\n", encoding="utf-8")
    return events


def _litellm(tmp_path: Path, doc: dict[str, object]) -> Path:
    path = tmp_path / "ll.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize("bad", ["1e-6", -1e-6, math.nan, math.inf, True])
def test_unusable_price_in_an_unused_entry_does_not_stop_the_run(tmp_path: Path,
                                                                 bad: object) -> None:
    prices = _litellm(tmp_path, {
        "acme-coder": {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6},
        "odd-model": {"input_cost_per_token": bad, "output_cost_per_token": 2e-6}})
    doc = cli_json(["costs", str(_events(tmp_path, "acme-coder")), "--prices", str(prices)])
    rows = {r["model"]: r for r in doc["cost_by_model"]["rows"]}
    assert rows["acme-coder"]["api_value_usd"] == pytest.approx((7000 * 1 + 2000 * 2) / 1e6)


@pytest.mark.parametrize(("bad", "says"), [
    ("1e-6", "expected a number (USD per token), got '1e-6'"),
    (-1e-6, "-1e-06 must be a finite price of 0 or more (USD per token)"),
])
def test_unusable_price_of_a_logged_model_exits_2_naming_file_entry_and_key(
        tmp_path: Path, bad: object, says: str) -> None:
    prices = _litellm(tmp_path, {"acme-coder": {"input_cost_per_token": bad,
                                                "output_cost_per_token": 2e-6}})
    msg = cli_error(["costs", str(_events(tmp_path, "acme-coder")), "--prices", str(prices)])
    assert msg == (f"error: {prices}: acme-coder.input_cost_per_token: {says} (it prices the "
                   f"logged model acme-coder)")


def test_unusable_prefixed_entry_prices_its_bare_name_by_an_error(tmp_path: Path) -> None:
    prices = _litellm(tmp_path, {"acme/acme-coder": {"input_cost_per_token": 1e-6,
                                                     "output_cost_per_token": "2e-6"}})
    msg = cli_error(["costs", str(_events(tmp_path, "acme-coder")), "--prices", str(prices)])
    assert "acme/acme-coder.output_cost_per_token: expected a number" in msg


def test_unusable_one_of_two_prefixed_entries_is_named_where_the_model_goes_unpriced(
        tmp_path: Path) -> None:
    prices = load_price_catalog(_litellm(tmp_path, {
        "acme/acme-coder": {"input_cost_per_token": 1e-6, "output_cost_per_token": "2e-6"},
        "other/acme-coder": {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}}))
    assert prices.lookup("acme-coder") is None  # two keys, one unusable: neither is taken
    assert prices.skipped_why("acme-coder") == (
        f"LiteLLM entry acme/acme-coder in {tmp_path / 'll.json'} was skipped: "
        "acme/acme-coder.output_cost_per_token: expected a number (USD per token), got '2e-6'")


def test_toml_prices_stay_strict_for_unused_entries(tmp_path: Path) -> None:
    path = _write(tmp_path, '[price.odd]\nmatch = ["odd-*"]\ninput = "1"\ncache_read = 0.1\n'
                            'output = 2.0\nsource = "s"\nas_of = "a"\n', "p.toml")
    with pytest.raises(ConfigError, match=r"p\.toml: price\.odd\.input: expected a number"):
        load_price_catalog(path)


# ------------------------------------------------ finding 7: a LiteLLM alias key, dated snapshots

_ALIAS = {"claude-sonnet-4-5": {
    "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1.25e-05,
    "cache_read_input_token_cost": 2.5e-07, "cache_creation_input_token_cost": 3.125e-06,
    "cache_creation_input_token_cost_above_1hr": 5e-06}}


@pytest.mark.parametrize("logged", [
    "claude-sonnet-4-5-20250929", "anthropic/claude-sonnet-4-5-20250929",
    "claude-sonnet-4-5@20250929", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"])
def test_litellm_alias_key_prices_the_dated_snapshot(tmp_path: Path, logged: str) -> None:
    path = _litellm(tmp_path, _ALIAS)
    price = load_price_catalog(path).lookup(logged)
    assert price is not None and price.base.input == pytest.approx(2.5)  # not the shipped $3
    assert price.source == f"LiteLLM prices file {path} key claude-sonnet-4-5"
    assert price.warnings[-1].startswith(f"priced by the LiteLLM prices file {path} key "
                                         "claude-sonnet-4-5 (the file has no key ")


def test_dated_key_in_the_file_wins_over_its_alias(tmp_path: Path) -> None:
    dated = {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06}
    cat = load_price_catalog(_litellm(tmp_path, {**_ALIAS, "claude-sonnet-4-5-20250929": dated}))
    price = cat.lookup("claude-sonnet-4-5-20250929")
    assert price is not None and price.base.input == pytest.approx(1.0)
    assert not price.source.endswith("key claude-sonnet-4-5")


def test_alias_key_does_not_price_a_snapshot_the_shipped_catalog_keeps_apart(
        tmp_path: Path) -> None:
    gpt4o = {"gpt-4o": {"input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05}}
    cat = load_price_catalog(_litellm(tmp_path, gpt4o))
    assert cat.lookup("gpt-4o-2024-05-13") is None  # billed above gpt-4o: no list price
    listed = cat.lookup("gpt-4o-2024-08-06")  # listed under gpt-4o in the shipped catalog
    assert listed is not None and listed.source.endswith("key gpt-4o")


def test_alias_key_prices_the_whole_model_in_costs(tmp_path: Path) -> None:
    events = tmp_path / "e.csv"
    events.write_text("event_id,ts,user_id,model,input_tokens,output_tokens\n"
                      "d1,2026-10-01 00:00:00+00,u1,claude-sonnet-4-5-20250929,100000,0\n"
                      "d2,2026-10-01 00:00:00+00,u1,claude-sonnet-4-5,100000,0\n",
                      encoding="utf-8")
    doc = cli_json(["costs", str(events), "--prices", str(_litellm(tmp_path, _ALIAS))])
    values = {r["model"]: r["api_value_usd"] for r in doc["cost_by_model"]["rows"]}
    assert values == {"claude-sonnet-4-5-20250929": pytest.approx(0.25),
                      "claude-sonnet-4-5": pytest.approx(0.25), "(all)": pytest.approx(0.5)}
