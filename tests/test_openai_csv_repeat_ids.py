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


# one bucket and grouping eight times, numbered by their tokens: the total of the token
# classes first (the dedupe's measure), then input, cache reads ..., output, requests, each
# breaking a tie of the ones before it (input is input_tokens less the cached tokens), the
# rejected row's empty count last; two rows with no bucket end (no id); one bucket once
ROWS = [
    _row(),                               # 1000 in, 10 out: 1010, 2 requests -> #7
    _row(inp=1100, cached=100),           # 1000 uncached, 100 cached: 1110 -> #2
    _row(out=20),                         # 1020                       -> #3
    _row(requests=3),                     # 1010, 3 requests           -> #6
    _row(inp=900, out=300),               # the least input, the most tokens: 1200 -> bare id
    _row(inp=1010, out=0),                # 1010, more input           -> #4
    _row(inp=1010, cached=10, out=0),     # 1010, 1000 in, 10 cached   -> #5
    _row(inp="12.5"),                     # rejected (non-integer)     -> #8, not loaded
    _row(end=""), _row(end="", out=30),   # no id
    _row(user="user-b"),                  # its bucket once            -> the bare id
]
KEYED = ROWS[:8]  # the rows of the repeated bucket
EXPECTED = sorted([
    (BUCKET + "#7", 1000, 0, 10, 2), (BUCKET + "#2", 1000, 100, 10, 2),
    (BUCKET + "#3", 1000, 0, 20, 2), (BUCKET + "#6", 1000, 0, 10, 3),
    (BUCKET, 900, 0, 300, 2), (BUCKET + "#4", 1010, 0, 0, 2), (BUCKET + "#5", 1000, 10, 0, 2),
    (None, 1000, 0, 10, 2), (None, 1000, 0, 30, 2),
    (BUCKET.replace("user-a", "user-b"), 1000, 0, 10, 2)], key=repr)


def _ids(store: Store) -> list[tuple[Any, ...]]:
    return sorted(store.con.execute(IDS).fetchall(), key=repr)


def test_repeats_are_numbered_by_tokens_the_rest_keep_bare_ids(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "dashboard.csv", HEADER, ROWS)
    with Store() as store:
        report = store.load([str(f)])
        assert _ids(store) == EXPECTED
    assert (report.rows_loaded, report.rows_rejected) == (10, 1)


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
    again = write_csv(tmp_path / "again.csv", HEADER, [*reversed(KEYED), ROWS[-1]])
    with Store(db) as store:
        store.load([str(first)])
    with Store(db) as store:
        report = store.load([str(again)])
        assert _ids(store) == EXPECTED
    assert (report.rows_loaded, report.duplicates_dropped) == (0, 8)


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


# a mid-day export and the final one of a bucket that two rows share (qa14A #2): X did not
# change, Y grew from 50 to 70 input (and 10 output), so Y passed X in input while X holds
# more tokens; numbered input-first, X took the bare id in one export and '#2' in the other,
# and the dedupe kept X twice and lost Y
MIDDAY = [_row(requests=3, inp=60, out=1000), _row(requests=2, inp=50, out=0)]
FINAL = [_row(requests=3, inp=60, out=1000), _row(requests=3, inp=70, out=10)]
TOTALS = "SELECT sum(requests), sum(input_tokens), sum(output_tokens) FROM events"


def test_a_midday_and_the_final_export_keep_the_final_rows(tmp_path: Path) -> None:
    midday = write_csv(tmp_path / "export_1400.csv", HEADER, MIDDAY)
    final = write_csv(tmp_path / "export_final.csv", HEADER, FINAL)
    for order in ([midday, final], [final, midday]):
        with Store() as store:
            report = store.load([str(p) for p in order])
            assert store.con.execute(TOTALS).fetchall() == [(6, 130, 1010)]
        assert (report.rows_loaded, report.duplicates_dropped) == (2, 2)
        db = tmp_path / f"{order[0].stem}.duckdb"
        for path in order:  # one --db load each
            with Store(db) as store:
                store.load([str(path)])
        with Store(db) as store:
            assert store.con.execute(TOTALS).fetchall() == [(6, 130, 1010)]
