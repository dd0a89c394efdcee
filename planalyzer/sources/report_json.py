"""Vendor usage reports in JSON (API pages of time buckets): a projection kept in sql/."""

from __future__ import annotations

import duckdb

from planalyzer import sqlfiles
from planalyzer.sources.mapping import ColumnMapping
from planalyzer.sources.tabular import Projection


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    for name in ("create_int_macro", "create_bad_int_macro"):
        sqlfiles.run(con, name).fetchall()


def json_projection(sql_name: str, fields: dict[str, str], inclusive: bool = False) -> Projection:
    """The projection in ``sql/<sql_name>.sql`` (it reads ``$path``); ``fields`` documents
    which report field feeds each canonical column (shown in the load's mapping table)."""
    sql = sqlfiles.load(sql_name).render()
    mapping = ColumnMapping(columns=fields, how=dict.fromkeys(fields, "preset"),
                            input_includes_cache_read=inclusive)
    return Projection(sql=sql, reader=f"({sql}) AS p", mapping=mapping, type_problem=None)


