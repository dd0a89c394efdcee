"""Every SQL file: a header naming its parameters and slots, matching what it uses; it parses."""

from __future__ import annotations

import duckdb
import pytest

from planalyzer import sqlfiles

FILES = sqlfiles.all_files()


def test_there_are_sql_files() -> None:
    assert len(FILES) >= 10


@pytest.mark.parametrize("sql", FILES, ids=[f.name for f in FILES])
def test_header_declares_what_the_file_uses(sql: sqlfiles.SqlFile) -> None:
    first = sql.text.splitlines()[0]
    assert first.startswith(f"-- {sql.name}:"), "first line names the file and what it makes"
    header = [ln for ln in sql.text.splitlines() if ln.startswith("-- ")]
    for key in ("inputs:", "outputs:", "params:", "slots:"):
        assert any(ln[3:].startswith(key) for ln in header), f"header lacks '{key}'"
    assert sql.used_params() == sql.declared_params
    assert sql.used_slots() == sql.declared_slots


@pytest.mark.parametrize("sql", FILES, ids=[f.name for f in FILES])
def test_each_file_is_one_statement_that_parses(sql: sqlfiles.SqlFile) -> None:
    con = duckdb.connect()
    errors = []
    # A slot stands for a subquery, an expression or a column list: try a stand-in of each kind.
    for stand_in in ("(SELECT 1 AS x)", "x", "x AS y"):
        text = sql.render({s: stand_in for s in sql.declared_slots})
        try:
            statements = con.extract_statements(text)
        except duckdb.ParserException as exc:
            errors.append(str(exc))
            continue
        assert len(statements) == 1
        return
    raise AssertionError(errors[0])


def test_values_are_never_formatted_into_sql() -> None:
    with pytest.raises(ValueError, match="needs parameters"):
        sqlfiles.run(duckdb.connect(), "check_timezone", {})


def test_quote_ident_escapes_quotes() -> None:
    assert sqlfiles.quote_ident('we"ird col') == '"we""ird col"'
