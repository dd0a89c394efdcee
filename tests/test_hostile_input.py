"""Exports planalyzer did not make, with names and shapes that broke it (qa11D): file names
holding glob characters, column names holding '$' or '--', JSON nested past Python's depth,
ten thousand unknown models, a count option past 64 bits."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from conftest import cli_error

from planalyzer.sources.mapping import MappingSpec
from planalyzer.sqlfiles import literal_path
from planalyzer.store import LoadOptions, Store

HEADER = "user_id,ts,model,input_tokens,output_tokens\n"


def _csv(path: Path, user: str, tokens: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f"{user},2026-10-01T10:00:00Z,claude-sonnet-4-5,{tokens},1\n",
                    encoding="utf-8")
    return path


def _users(store: Store) -> list[tuple[object, ...]]:
    return store.con.execute(
        "SELECT user_id, input_tokens FROM events ORDER BY ALL").fetchall()


def test_literal_path_escapes_glob_characters() -> None:
    assert literal_path("/x/a*.csv") == "/x/a[*].csv"
    assert literal_path("/x/data[1]?.csv") == "/x/data[[]1][?].csv"
    assert literal_path("/x/plain.csv") == "/x/plain.csv"


@pytest.mark.parametrize("name", ["a*.csv", "data[1].csv", "x?.csv"])
def test_file_named_with_glob_characters_reads_only_itself(tmp_path: Path, name: str) -> None:
    """DuckDB's reader expanded 'a*.csv' to its neighbours: their rows counted twice, or the
    file's own lost (data[1].csv read data1.csv)."""
    _csv(tmp_path / name, "u1", 100)
    for other, user in (("ab.csv", "u2"), ("data1.csv", "u3"), ("xy.csv", "u4")):
        _csv(tmp_path / other, user, 5000)
    with Store() as s:
        report = s.load([str(tmp_path)])
        assert report.rows_loaded == 4 and _users(s) == [
            ("u1", 100), ("u2", 5000), ("u3", 5000), ("u4", 5000)]


def test_jsonl_and_parquet_named_with_glob_characters(tmp_path: Path) -> None:
    row = {"user_id": "u1", "ts": "2026-10-01T10:00:00Z", "model": "claude-sonnet-4-5",
           "input_tokens": 7, "output_tokens": 1}
    (tmp_path / "x?.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    (tmp_path / "xy.jsonl").write_text(json.dumps({**row, "user_id": "u2"}) + "\n",
                                       encoding="utf-8")
    pl.DataFrame([{**row, "user_id": "u3"}]).write_parquet(tmp_path / "p*.parquet")
    pl.DataFrame([{**row, "user_id": "u4"}]).write_parquet(tmp_path / "pq.parquet")
    with Store() as s:
        s.load([str(tmp_path)])
        assert _users(s) == [("u1", 7), ("u2", 7), ("u3", 7), ("u4", 7)]


def test_existing_name_with_brackets_is_not_a_pattern(tmp_path: Path) -> None:
    path = _csv(tmp_path / "usage [2026-10].csv", "u1", 100)
    with Store() as s:
        assert s.load([str(path)]).rows_loaded == 1


@pytest.mark.parametrize(("column", "mapping"), [
    ("cost_$usd", None),                      # read as the cost column by its name
    ("Request's time", "ts=Request's time"),
    ("t--s", "ts=t--s"),
])
def test_column_names_with_sql_punctuation(tmp_path: Path, column: str,
                                           mapping: str | None) -> None:
    """'$usd' in a quoted column name was taken for a parameter (a traceback), and '--' for a
    comment (an error blaming the file)."""
    header = "user_id,ts,model,input_tokens,output_tokens"
    row = "u1,2026-10-01T10:00:00Z,claude-sonnet-4-5,10,1"
    if column == "cost_$usd":
        header, row = header + ",cost_$usd", row + ",0.5"
    else:
        header, row = header.replace("ts", f'"{column}"', 1), row
    path = tmp_path / "e.csv"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    opts = LoadOptions(timezone="Europe/Berlin",
                       mapping=MappingSpec({"ts": column} if mapping else {}))
    with Store() as s:
        assert s.load([str(path)], opts).rows_loaded == 1


def test_json_nested_past_pythons_depth_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text('{"user_id":"u1","x":' + "[" * 5000 + "]" * 5000 + "}\n",
                    encoding="utf-8")
    message = cli_error(["load", str(path)])
    assert "Traceback" not in message and str(path) in message


def test_ten_thousand_unknown_models_are_one_short_note(tmp_path: Path) -> None:
    lines = [f"u1,2026-10-01T10:00:00Z,mystery-{i},{i + 1},1" for i in range(1000)]
    path = tmp_path / "models.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    from planalyzer.costs import load_cost_catalog, load_price_catalog, price_events

    with Store() as s:
        s.load([str(path)])
        result = price_events(s.con, load_cost_catalog(None), prices=load_price_catalog(None))
    unknown = next(w for w in result.warnings if "not in the cost catalog" in w)
    assert unknown.startswith("1000 model(s) not in the cost catalog")
    assert "mystery-999 (1 request, 1,001 tokens, 1 output); " in unknown  # most tokens first
    assert "and 980 more" in unknown and len(unknown) < 2500


def test_count_option_past_62_bits_is_a_usage_error() -> None:
    message = cli_error(["report", "sample_logs/parquet", "--no-fit",
                         "--top", "99999999999999999999"])
    assert message == ("error: --top 99999999999999999999: too large (at most "
                       "4,611,686,018,427,387,904)")


def test_change_of_a_figure_that_overflowed_is_unknown() -> None:
    """A utilization factor of 1e-320 makes the scenario's GPU cost inf (shown as unknown);
    its change read as $0.00 (inf - x is inf, within any relative tolerance of inf)."""
    import math

    from planalyzer.whatif.tables import delta

    assert math.isnan(delta(math.inf, 0.0059))
    assert math.isnan(delta(0.0, math.inf))
    assert delta(1.0 + 1e-13, 1.0) == 0.0 and delta(2.0, 1.0) == 1.0
