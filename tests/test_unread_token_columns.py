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
