"""The '#<n>' of OpenAI dashboard CSV rows that repeat a bucket and grouping in one file: the
load numbers only the rows whose ids repeat (sql/number_repeated_event_ids.sql, over the
staged checked rows; a parquet file read in place by a window over its rows), grouped by
the id itself (not its hash: ids DuckDB hashes alike are no repeats). The ids are pinned
(--db stores hold them: a store loaded then takes the same rows again as duplicates, adding
none)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import write_csv, write_parquet

from planalyzer.store import Store

DAY = 1790812800  # 2026-10-01 00:00 UTC
HEADER = ["start_time", "end_time", "project_id", "num_model_requests", "user_id", "model",
          "batch", "service_tier", "input_tokens", "input_cached_tokens", "output_tokens"]
BUCKET = f"openai-csv:{DAY}/86400:user-a:proj_1::gpt-4o:false:default"
IDS = "SELECT event_id, input_tokens, cache_read_tokens, output_tokens, requests FROM events"


def _row(start: int = DAY, end: Any = DAY + 86400, user: str = "user-a", requests: int = 2,
         inp: Any = 1000, cached: int = 0, out: int = 10) -> list[Any]:
    return [start, end, "proj_1", requests, user, "gpt-4o", "false", "default", inp, cached,
            out]


# one bucket and grouping five times: each token count in turn breaks the tie of the ones
# before it (input is input_tokens less the cached tokens: 1000 in each), the rejected row's
# empty count last; two rows with no bucket end (no id); one bucket once
ROWS = [
    _row(),                               # 1000, 0, 10, 2 requests  -> #4
    _row(inp=1100, cached=100),           # 1000 uncached, 100 cached -> the bare id
    _row(out=20),                         # output 20                -> #2
    _row(requests=3),                     # 3 requests               -> #3
    _row(inp="12.5"),                     # rejected (non-integer)   -> #5, not loaded
    _row(end=""), _row(end="", out=30),   # no id
    _row(user="user-b"),                  # its bucket once          -> the bare id
]
EXPECTED = sorted([
    (BUCKET + "#4", 1000, 0, 10, 2), (BUCKET, 1000, 100, 10, 2),
    (BUCKET + "#2", 1000, 0, 20, 2), (BUCKET + "#3", 1000, 0, 10, 3),
    (None, 1000, 0, 10, 2), (None, 1000, 0, 30, 2),
    (BUCKET.replace("user-a", "user-b"), 1000, 0, 10, 2)], key=repr)


def _ids(store: Store) -> list[tuple[Any, ...]]:
    return sorted(store.con.execute(IDS).fetchall(), key=repr)


def test_repeats_are_numbered_by_tokens_the_rest_keep_bare_ids(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "dashboard.csv", HEADER, ROWS)
    with Store() as store:
        report = store.load([str(f)])
        assert _ids(store) == EXPECTED
    assert (report.rows_loaded, report.rows_rejected) == (7, 1)


def test_a_parquet_copy_gets_the_same_ids(tmp_path: Path) -> None:
    # read in place (not staged): numbered by the projection's window, as the CSV's table
    pq = write_parquet(tmp_path / "dashboard.parquet", [
        {k: (None if v == "" else str(v)) for k, v in zip(HEADER, r, strict=True)}
        for r in reversed(ROWS)])
    with Store() as store:
        store.load([str(pq)])
        assert _ids(store) == EXPECTED


def test_a_store_takes_the_same_rows_again_as_duplicates(tmp_path: Path) -> None:
    # another export of the same rows, in another order: every id matches the stored one
    db = tmp_path / "s.duckdb"
    first = write_csv(tmp_path / "first.csv", HEADER, ROWS)
    again = write_csv(tmp_path / "again.csv", HEADER, [*reversed(ROWS[:5]), ROWS[7]])
    with Store(db) as store:
        store.load([str(first)])
    with Store(db) as store:
        report = store.load([str(again)])
        assert _ids(store) == EXPECTED
    assert (report.rows_loaded, report.duplicates_dropped) == (0, 5)


def test_ids_sharing_a_hash_are_no_repeats(tmp_path: Path) -> None:
    # two buckets 300,000 s apart whose ids DuckDB hashes alike, each once: both keep bare
    # ids, so an export holding only one of them gives it the same id (grouped by hash, the
    # one with fewer tokens got '#2' in the first file and none in the second: counted twice)
    header = ["start_time", "end_time", "project_id", "num_model_requests", "user_id",
              "api_key_id", "model", "batch", "input_tokens", "output_tokens"]
    a, b = DAY + 247140, DAY + 547140  # 1791059940, 1791359940
    rows = [[a, a + 60, "proj_A", 1, "user-18", "", "gpt-4o", "False", 500, 10],
            [b, b + 60, "proj_A", 1, "user-11", "", "gpt-4o", "False", 900, 10]]
    both = write_csv(tmp_path / "both.csv", header, rows)
    first = write_csv(tmp_path / "first_only.csv", header, rows[:1])
    ids = [f"openai-csv:{a}/60:user-18:proj_A::gpt-4o:false:",
           f"openai-csv:{b}/60:user-11:proj_A::gpt-4o:false:"]
    with Store() as store:
        assert store.con.execute("SELECT hash($a) = hash($b)",
                                 {"a": ids[0], "b": ids[1]}).fetchall() == [(True,)]
        report = store.load([str(both), str(first)])
        assert store.con.execute("SELECT event_id FROM events ORDER BY input_tokens"
                                 ).fetchall() == [(ids[0],), (ids[1],)]
    assert report.duplicates_dropped == 1
