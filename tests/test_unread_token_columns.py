"""A token class with no column is read as 0: common short spellings (cache_read,
cache_write) are recognised, and where a class still has no column while columns that look like
token counts go unused, the load, `map` and every analysis command say so, naming the file,
the classes, the columns and the --map to give (qa10C #1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import event_row, write_csv, write_parquet
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.sources.mapping import MappingSpec, detect
from planalyzer.sources.unmapped import candidates, note
from planalyzer.store import Store

_ROW = ["alice", "2026-10-01T10:00:00Z", "claude-sonnet-4-5"]


def test_short_cache_spellings_are_recognised(tmp_path: Path) -> None:
    # the auditor's mist/short_names.csv: cache reads and writes loaded as 0 before
    f = write_csv(tmp_path / "short.csv",
                  ["user", "timestamp", "model", "input", "output", "cache_read", "cache_write"],
                  [[*_ROW, 1200, 800, 150000, 9000]])
    store = Store()
    report = store.load([str(f)])
    rows = store.con.execute("SELECT input_tokens, output_tokens, cache_read_tokens, "
                             "cache_write_tokens FROM events").fetchall()
    assert rows == [(1200, 800, 150000, 9000)]
    assert not any("read as 0" in n for n in report.notes)


def test_unknown_cache_columns_in_a_csv_are_named(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "c.csv",
                  ["user", "timestamp", "model", "input", "output", "cache_hits_n", "cw"],
                  [[*_ROW, 1200, 800, 150000, 9000]])
    report = Store().load([str(f)])
    text = "\n".join(report.notes)
    assert "c.csv: cache_write_tokens, cache_write_1h_tokens, cache_read_tokens: no column, " \
           "read as 0" in text
    assert "cache_hits_n" in text and "--map cache_read_tokens=cache_hits_n" in text
    assert "(cache_write_tokens, cache_write_1h_tokens, cache_read_tokens: no column, read " \
           "as 0)" in report.files[0].mapping


def _renamed_parquet(tmp_path: Path) -> Path:
    # the auditor's mist/partial_cols.parquet: input_tokens -> prompt, cache_read -> cached
    row = event_row(input_tokens=300, cache_read_tokens=5000, output_tokens=40)
    row["prompt"] = row.pop("input_tokens")
    row["cached"] = row.pop("cache_read_tokens")
    return write_parquet(tmp_path / "p.parquet", [row])


@pytest.mark.parametrize("quiet", [[], ["-q"]])
@pytest.mark.parametrize("command", [["report", "--assign", "*=claude_pro", "--no-fit"],
                                     ["costs"],
                                     ["whatif", "-s", "route_opus_to_sonnet",
                                      "--assign", "*=claude_pro"]])
def test_analysis_commands_say_so_even_quiet(tmp_path: Path, command: list[str],
                                             quiet: list[str]) -> None:
    f = _renamed_parquet(tmp_path)
    result = CliRunner().invoke(app, [command[0], str(f), *command[1:], *quiet])
    assert result.exit_code == 0, result.output
    assert ("p.parquet: input_tokens, cache_read_tokens: no column, read as 0; columns "
            "not used that look like token counts: prompt, cached; if they are, name them: "
            "--map input_tokens=prompt --map cache_read_tokens=cached") in result.stderr


def test_map_says_so(tmp_path: Path) -> None:
    f = _renamed_parquet(tmp_path)
    result = CliRunner().invoke(app, ["map", str(f)])
    assert result.exit_code == 0, result.output
    assert "--map input_tokens=prompt" in result.stdout.replace("\n", " ")


def test_naming_them_silences_it(tmp_path: Path) -> None:
    f = _renamed_parquet(tmp_path)
    result = CliRunner().invoke(app, ["report", str(f), "--assign", "*=claude_pro", "--no-fit",
                                      "--map", "input_tokens=prompt",
                                      "--map", "cache_read_tokens=cached"])
    assert result.exit_code == 0, result.output
    assert "read as 0" not in result.stderr


@pytest.mark.parametrize("types", [
    # OpenAI usage: reasoning is inside output, total a sum; costs and latencies are no counts
    {"input_tokens": "BIGINT", "output_tokens": "BIGINT", "reasoning_tokens": "BIGINT",
     "total_tokens": "BIGINT", "input_cost": "DOUBLE", "prompt_latency_ms": "BIGINT"},
    # prompt and completion text, as LLM logs keep them
    {"input_tokens": "BIGINT", "output_tokens": "BIGINT", "prompt": "VARCHAR",
     "completion": "VARCHAR"},
])
def test_no_note_without_unused_count_columns(types: dict[str, str]) -> None:
    mapping = detect(["user_id", "ts", "model", *types], MappingSpec(), "f")
    missing, alike = candidates({"user_id": "VARCHAR", **types}, mapping)
    # text columns are checked for numbers by the load: a prompt's text holds none
    assert note(missing, [c for c in alike if types[c] != "VARCHAR"]) is None


def test_text_prompt_column_is_not_named(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "t.csv",
                  ["user_id", "ts", "model", "input_tokens", "output_tokens", "prompt"],
                  [[*_ROW, 10, 5, "hello there"]])
    report = Store().load([str(f)])
    assert not any("read as 0" in n for n in report.notes)


# qa10V #3: request parameters, prompt keys and counts of other things are not token counts
def test_request_log_parameters_give_no_note(tmp_path: Path) -> None:
    # the verifier's fp/litellm_like.csv and fp/tabular.csv
    lite = write_csv(tmp_path / "litellm_like.csv",
                     ["request_id", "startTime", "model", "user", "prompt_tokens",
                      "completion_tokens", "total_tokens", "spend", "max_tokens", "temperature",
                      "latency_ms", "prompt_version", "num_input_images", "cache_hit"],
                     [["r1", "2026-10-01T10:00:00Z", "claude-sonnet-4-5", "alice", 2000, 300,
                       2300, 0.0105, 4096, 0.7, 2000, 3, 0, "False"]])
    tab = write_csv(tmp_path / "tabular.csv",
                    ["user_id", "timestamp", "model", "input_tokens", "output_tokens",
                     "max_tokens", "context_window", "prompt_id", "input_images",
                     "output_chars", "cost_usd", "latency_ms"],
                    [[*_ROW, 2000, 300, 4096, 200000, 17, 1, 1200, 0.0105, 2000]])
    for f in (lite, tab):
        report = Store().load([str(f)])
        assert report.files[0].rows_loaded == 1
        assert not any("read as 0" in n for n in report.notes), report.notes


def test_a_real_unused_count_is_still_named_beside_parameters(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "r.csv",
                  ["user_id", "ts", "model", "input_tokens", "output_tokens", "max_tokens",
                   "prompt_id", "prompt_cache_hit_tokens"],
                  [[*_ROW, 2000, 300, 4096, 17, 1500]])
    text = "\n".join(Store().load([str(f)]).notes)
    assert "columns not used that look like token counts: prompt_cache_hit_tokens; if they " \
           "are, name them: --map cache_read_tokens=prompt_cache_hit_tokens" in text
    assert "max_tokens" not in text and "prompt_id" not in text


def test_every_listed_column_is_in_a_hint(tmp_path: Path) -> None:
    # qa10V #5: other_cols.parquet listed tok_cw without a --map for it
    row = event_row(input_tokens=300, cache_write_tokens=70, cache_read_tokens=5000,
                    output_tokens=40)
    row["tok_in"] = row.pop("input_tokens")
    row["tok_cw"] = row.pop("cache_write_tokens")
    row["tok_cached"] = row.pop("cache_read_tokens")
    f = write_parquet(tmp_path / "o.parquet", [row])
    text = "\n".join(Store().load([str(f)]).notes)
    assert "--map cache_write_tokens=tok_cw" in text
    assert "--map cache_read_tokens=tok_cached" in text and "--map input_tokens=tok_in" in text


def test_a_column_of_no_plain_class_is_said_so() -> None:
    assert note(["input_tokens"], ["tokens_x"]) == (
        "input_tokens: no column, read as 0; columns not used that look like token counts: "
        "tokens_x; if one is, name it: tokens_x: of no class plainly, --map "
        "input_tokens=tokens_x if it counts that")
    # no core class missing and nothing plainly of a missing class: no note, no COLUMN hint
    assert note(["cache_read_tokens"], ["tokens_x"]) is None


@pytest.mark.parametrize("column", ["cached_tokens_total", "cache_tokens_sum"])
def test_a_cache_total_is_named_for_its_class(tmp_path: Path, column: str) -> None:
    # qa10W: a total or sum of cache reads was passed over (input and output mapped)
    f = write_csv(tmp_path / "s.csv",
                  ["user_id", "ts", "model", "input_tokens", "output_tokens", column],
                  [[*_ROW, 2000, 300, 1500]])
    text = "\n".join(Store().load([str(f)]).notes)
    assert f"--map cache_read_tokens={column}" in text


def test_a_consumed_column_is_not_a_sum() -> None:
    # 'sum' as a word, not inside 'consumed': an output-like count is not passed over as a sum
    mapping = detect(["user_id", "ts", "model", "input_tokens", "output_tokens"],
                     MappingSpec(), "f")
    types = {"input_tokens": "BIGINT", "output_tokens": "BIGINT",
             "cache_tokens_consumed": "BIGINT"}
    _missing, alike = candidates(types, mapping)
    assert "cache_tokens_consumed" in alike
