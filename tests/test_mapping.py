"""Column mapping: common spellings recognised, explicit maps win, mapping files are strict."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_csv

from planalyzer.errors import ConfigError
from planalyzer.sources.mapping import (
    MappingSpec,
    detect,
    merge_specs,
    parse_map_options,
    read_mapping_file,
)
from planalyzer.store import LoadOptions, Store


@pytest.mark.parametrize(("theirs", "canon"), [
    ("user", "user_id"), ("account_id", "user_id"), ("Account ID", "user_id"),
    ("created_at", "ts"), ("timestamp", "ts"), ("startTime", "ts"),
    ("prompt_tokens", "input_tokens"), ("completion_tokens", "output_tokens"),
    ("cached_tokens", "cache_read_tokens"), ("cache_creation_input_tokens", "cache_write_tokens"),
    ("cache_read_input_tokens", "cache_read_tokens"), ("model_permaslug", "model"),
    ("request_id", "event_id"), ("spend", "logged_cost_usd"),
])
def test_common_spellings_are_recognised(theirs: str, canon: str) -> None:
    m = detect([theirs], MappingSpec(), "f")
    assert m.columns == {canon: theirs}
    assert m.how[canon] == "recognised"


def test_explicit_map_wins_over_recognition() -> None:
    m = detect(["user", "acct"], MappingSpec(explicit={"user_id": "acct"}), "f")
    assert m.columns["user_id"] == "acct" and m.how["user_id"] == "given"


def test_openai_style_cached_tokens_are_inside_prompt_tokens(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "x.csv",
                  ["user", "created_at", "model", "prompt_tokens", "cached_tokens",
                   "completion_tokens"],
                  [["u", "2026-10-01T00:00:00Z", "gpt-5", 1000, 800, 10]])
    store = Store()
    report = store.load([str(f)])
    assert "input_tokens = input - cache_read" in report.files[0].mapping
    row = store.con.execute("SELECT input_tokens, cache_read_tokens FROM events").fetchone()
    assert row == (200, 800)


def test_anthropic_style_cache_reads_are_apart(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "x.csv",
                  ["user", "created_at", "model", "input_tokens", "cache_read_input_tokens"],
                  [["u", "2026-10-01T00:00:00Z", "claude", 1000, 800]])
    store = Store()
    store.load([str(f)])
    row = store.con.execute("SELECT input_tokens, cache_read_tokens FROM events").fetchone()
    assert row == (1000, 800)


def test_map_options_parse() -> None:
    assert parse_map_options(["user_id=acct", " ts = when "]) == {"user_id": "acct", "ts": "when"}


@pytest.mark.parametrize(("opt", "msg"), [
    ("user_id", "write it as canonical=their_column"),
    ("=acct", "write it as canonical=their_column"),
    ("who=acct", "'who' is not a canonical column"),
])
def test_bad_map_options(opt: str, msg: str) -> None:
    with pytest.raises(ConfigError, match=msg):
        parse_map_options([opt])


def test_mapping_file(tmp_path: Path) -> None:
    f = tmp_path / "m.toml"
    f.write_text('input_includes_cache_read = false\n[columns]\nuser_id = "acct"\n')
    spec = merge_specs(read_mapping_file(f), {"ts": "when"})
    assert spec.explicit == {"user_id": "acct", "ts": "when"}
    assert spec.input_includes_cache_read is False


@pytest.mark.parametrize(("text", "msg"), [
    ('[colums]\nuser_id = "a"\n', "unknown key 'colums'"),
    ('[columns]\nwho = "a"\n', "columns.who is not a canonical column"),
    ("[columns]\nuser_id = 3\n", "columns.user_id must be a string"),
    ('columns = "x"\n', "'columns' must be a table"),
    ('input_includes_cache_read = "yes"\n', "input_includes_cache_read must be true or false"),
    ("[columns\n", "not valid TOML"),
])
def test_bad_mapping_files(tmp_path: Path, text: str, msg: str) -> None:
    f = tmp_path / "m.toml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=msg) as info:
        read_mapping_file(f)
    assert str(f) in str(info.value)


def test_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="mapping file not found"):
        read_mapping_file(tmp_path / "none.toml")


def test_load_with_explicit_mapping(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "x.csv", ["who", "when", "engine", "gen"],
                  [["u", "2026-10-01T00:00:00Z", "m", 5]])
    store = Store()
    spec = MappingSpec(explicit={"user_id": "who", "ts": "when", "output_tokens": "gen"})
    report = store.load([str(f)], LoadOptions(mapping=spec))
    assert report.rows_loaded == 1
    assert "user_id=who" in report.files[0].mapping and "model=engine" in report.files[0].mapping


def test_mapping_file_entries_are_named_as_the_file_gives_them(tmp_path: Path) -> None:
    """qa16C #10a: an entry of a --mapping file was reported as a --map option."""
    m = tmp_path / "m.toml"
    m.write_text('[columns]\nuser_id = "nope"\nevent_id = ""\n')
    spec = read_mapping_file(m)
    with pytest.raises(ConfigError) as info:
        detect(["user_id", "ts", "id"], spec, "u.csv")
    assert str(info.value).startswith(
        f'u.csv: user_id = "nope" in mapping file {m}: the data file has no column \'nope\'; '
        "its columns are: user_id, ts, id")
    # a --map option over the file's entry is named as the option
    with pytest.raises(ConfigError, match=r"u\.csv: --map user_id=who: the data file has no"):
        detect(["user_id", "ts"], merge_specs(spec, {"user_id": "who"}), "u.csv")
    mapping = detect(["user_id", "ts", "id"], merge_specs(spec, {"user_id": "user_id"}), "u.csv")
    assert mapping.notes == (f'no event_id (event_id = "" in mapping file {m}): no row is a '
                             "duplicate by id",)
    mapping = detect(["user_id", "ts"], MappingSpec({"event_id": ""}), "u.csv")
    assert mapping.notes == ("no event_id (--map event_id=): no row is a duplicate by id",)
