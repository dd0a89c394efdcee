"""One rule for a token count in every reader: ``json_count`` (the Codex reader's, over JSON
parsed in Python) gives what the SQL macros over count text give (Claude Code's transcripts,
the usage-API reports; planalyzer.sources.tabular.create_count_macros), which are the tabular
reader's count of a VARCHAR cell (fix18a)."""

from __future__ import annotations

import json

import duckdb
import pytest

from planalyzer.sources.json_counts import json_count
from planalyzer.sources.tabular import NON_INTEGER, create_count_macros

# count text as a JSON string holds it
TEXTS = ["12", "+5", "-3", "007", " 12 ", "", "   ", "\t", "\t12", "12\n", "10.0", "1e3",
         "1E3", "+1e+3", ".5", "5.", "1.e3", "-0.0", "10.5", "1e-3", "x", "1 2", "inf", "nan",
         "Infinity", "0x1A", "1_000", "1e1_0", "1__0", "_1", "1,200", "12,345,678", "1,20",
         "-1,200", "9007199254740992", "9007199254740993", "9007199254740993.0", "8999999999999999",
         "9e15", "8.999999999999999e15", "9223372036854775807", "9223372036854775808",
         "-9223372036854775808", "-9223372036854775809", "99999999999999999999", "1e20",
         "-1e20", "\u0661\u0662", "1e400"]
# JSON values as a file holds them
NUMBERS = ["10", "10.0", "1e3", "1E3", "-0", "-0.0", "-1", "-1.0", "10.5", "1e-3", "0.1e1",
           "9007199254740992", "9007199254740993", "9007199254740993.0", "9e15", "-9e15",
           "9223372036854775807", "9223372036854775808", "-9223372036854775808",
           "-9223372036854775809", "99999999999999999999", "1e20", "null", "true", "false",
           '""', '" "', '"12"', '"10.0"', '"1,200"', "[1]", "{}"]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    create_count_macros(c)
    return c


def sql_count(con: duckdb.DuckDBPyConnection, text: str | None) -> tuple[object, object]:
    """(the count, the reason) the SQL macros give for count text (None: no text)."""
    value, problem, bad = con.execute(
        "SELECT pa_count($t), pa_count_problem($t), pa_count_bad($t)", {"t": text}).fetchone()
    reason = problem or (NON_INTEGER if bad else None)
    return (None if reason else value), reason


@pytest.mark.parametrize("text", TEXTS, ids=[json.dumps(t) for t in TEXTS])
def test_count_text_reads_as_in_sql(con: duckdb.DuckDBPyConnection, text: str) -> None:
    assert json_count(text) == sql_count(con, text)


@pytest.mark.parametrize("written", NUMBERS)
def test_a_json_value_reads_as_its_text_in_sql(con: duckdb.DuckDBPyConnection,
                                               written: str) -> None:
    """A JSON value parsed by json.loads reads as the text json_extract_string gives of it
    (what the SQL readers read): 9007199254740993.0 is the float 9007199254740992.0 in both,
    whole and above 2^53, so out of range, never another integer."""
    text = con.execute("SELECT json_extract_string($j, '$.a')",
                       {"j": f'{{"a": {written}}}'}).fetchone()[0]
    assert json_count(json.loads(written)) == sql_count(con, text)
