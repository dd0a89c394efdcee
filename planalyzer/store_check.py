"""Is a connection one planalyzer's analysis can run on? Library entry points (build_report,
prepare, usage_summary ...) take any DuckDB connection: one without planalyzer's ``events``
table, or a closed one, is a PlanalyzerError saying what to do, not a DuckDB exception from
deep inside the analysis."""

from __future__ import annotations

import duckdb

from planalyzer import sqlfiles
from planalyzer.errors import InputError, UsageError

NOT_A_STORE = ("not a planalyzer store: the DuckDB connection has no events table; load events "
               "with Store.load first and pass its connection (store.con)")


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Does a query on ``con`` find the table or view ``name``? A closed connection is a
    UsageError."""
    try:
        rows = sqlfiles.run(con, "connection_has_table", {"name": name}).fetchall()
    except duckdb.ConnectionException:
        raise UsageError("the DuckDB connection is closed (Store.close, or the end of its "
                         "`with` block); open a Store again and load or reopen the events"
                         ) from None
    return bool(rows and rows[0][0])


def require_events(con: duckdb.DuckDBPyConnection) -> None:
    """An InputError unless ``con`` has planalyzer's ``events`` table (or a view of that
    name)."""
    if not has_table(con, "events"):
        raise InputError(NOT_A_STORE)
