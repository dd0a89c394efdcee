"""Vendor usage reports in JSON (API pages of time buckets): a projection kept in sql/."""

from __future__ import annotations

import duckdb

from planalyzer import sqlfiles
from planalyzer.sources.mapping import ColumnMapping
from planalyzer.sources.tabular import Projection


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    for name in ("create_int_macro", "create_bad_int_macro"):
        sqlfiles.run(con, name).fetchall()


# A report with no request count: each bucket row (a day, an hour) says requests = 1, so the
# per-request token bound is scaled to this many requests (sql/checked_rows.sql).
UNCOUNTED_BUCKET_REQUESTS = 100_000


def json_projection(sql_name: str, fields: dict[str, str], inclusive: bool = False,
                    counts_requests: bool = True) -> Projection:
    """The projection in ``sql/<sql_name>.sql`` (it reads ``$path``); ``fields`` documents
    which report field feeds each canonical column (shown in the load's mapping table).
    ``counts_requests`` False: the report logs no request count (its rows are buckets)."""
    sql = sqlfiles.load(sql_name).render()
    mapping = ColumnMapping(columns=fields, how=dict.fromkeys(fields, "preset"),
                            input_includes_cache_read=inclusive)
    params = {} if counts_requests else {"bucket_requests": UNCOUNTED_BUCKET_REQUESTS}
    return Projection(sql=sql, reader=f"({sql}) AS p", mapping=mapping, type_problem=None,
                      params=params)


