"""Loading sources into events: accounting, rejects, dedupe, manifest, errors."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from conftest import event_row, write_csv, write_parquet

from planalyzer.errors import ConfigError, InputError, StrictModeError
from planalyzer.sources.mapping import MappingSpec
from planalyzer.store import LoadOptions, Store


def load(specs: list[str], db: Path | None = None, **opts: object) -> tuple[Store, object]:
    store = Store(db)
    report = store.load(specs, LoadOptions(**opts))  # type: ignore[arg-type]
    return store, report


def count(store: Store, sql: str) -> int:
    row = store.con.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def test_parquet_loads_every_row(tmp_path: Path) -> None:
    f = write_parquet(tmp_path / "a.parquet", [event_row(event_id=f"e{i}") for i in range(5)])
    store, report = load([str(f)])
    fl = report.files[0]  # type: ignore[attr-defined]
    assert (fl.rows_read, fl.rows_loaded, fl.rows_rejected, fl.duplicates_dropped) == (5, 5, 0, 0)
    assert count(store, "SELECT count(*) FROM events") == 5
    assert count(store, "SELECT min(source_row) FROM events") == 1


def test_each_reject_reason_is_counted_and_kept(tmp_path: Path) -> None:
    header = ["user", "created_at", "model", "input_tokens", "output_tokens"]
    rows = [
        ["u1", "2026-10-01T10:00:00Z", "m", 1, 1],        # good
        ["", "2026-10-01T10:00:00Z", "m", 1, 1],          # missing user_id
        ["u1", "", "m", 1, 1],                            # missing timestamp
        ["u1", "yesterday-ish", "m", 1, 1],               # unparseable timestamp
        ["u1", "2026-10-01T10:00:00Z", "", 1, 1],         # missing model
        ["u1", "2026-10-01T10:00:00Z", "m", 1.5, 1],      # non-integer
        ["u1", "2026-10-01T10:00:00Z", "m", "lots", 1],   # non-integer
        ["u1", "2026-10-01T10:00:00Z", "m", -3, 1],       # negative
        ["u1", "2026-10-01T10:00:00Z", "m", 1, 99999999],  # over bound
    ]
    f = write_csv(tmp_path / "x.csv", header, rows)
    store, report = load([str(f)])
    fl = report.files[0]  # type: ignore[attr-defined]
    assert fl.rows_read == 9 and fl.rows_loaded == 1 and fl.rows_rejected == 8
    assert fl.rejected_by_reason == {
        "missing user_id": 1, "missing timestamp": 1, "unparseable timestamp": 1,
        "missing model": 1, "non-integer token count": 2, "negative token count": 1,
        "token count over bound": 1,
    }
    kept = store.con.sql(
        "SELECT source_row, reason, raw_json FROM rejected_rows ORDER BY source_row").fetchall()
    assert [r[0] for r in kept] == [2, 3, 4, 5, 6, 7, 8, 9]
    assert '"lots"' in kept[5][2]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_text_files_are_staged_once_and_leave_no_trace(tmp_path: Path, fmt: str) -> None:
    """CSV and JSON lines are read into a temp table once (sql/stage_source.sql): the rows,
    their numbers and the rejected rows' raw JSON are the file's, and the staging is gone."""
    rows = [event_row(event_id=f"e{i}", user_id="" if i == 3 else "u1") for i in range(1, 6)]
    if fmt == "csv":
        f = write_csv(tmp_path / "x.csv", list(rows[0]), [list(r.values()) for r in rows])
    else:
        f = tmp_path / "x.jsonl"
        f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    store, report = load([str(f)])
    fl = report.files[0]  # type: ignore[attr-defined]
    assert (fl.rows_read, fl.rows_loaded, fl.rows_rejected) == (5, 4, 1)
    assert store.con.sql("SELECT event_id, source_row FROM events ORDER BY source_row"
                         ).fetchall() == [("e1", 1), ("e2", 2), ("e4", 4), ("e5", 5)]
    (row, raw), = store.con.sql("SELECT source_row, raw_json FROM rejected_rows").fetchall()
    assert row == 3 and json.loads(raw)["event_id"] == "e3" and "__planalyzer" not in raw
    assert count(store, "SELECT count(*) FROM duckdb_tables() WHERE temporary") == 0


def test_unreadable_text_file_is_a_clear_error(tmp_path: Path) -> None:
    """The staging read (sql/stage_source.sql) names the file and what to do. (A JSON-lines
    file cut short mid-line is no error: that line is rejected, tests/test_load_messy.py.)"""
    f = tmp_path / "cut.csv.gz"
    whole = gzip.compress(("user_id,ts,model,output_tokens\n"
                           + "u1,2026-10-01T10:00:00Z,m,1\n" * 5000).encode())
    f.write_bytes(whole[: len(whole) // 2])  # a download cut short
    with pytest.raises(InputError, match=r"cut\.\S+: cannot be read as "
                       r"csv .*check the file is complete"):
        load([str(f)])


def test_max_tokens_bound_is_configurable(tmp_path: Path) -> None:
    f = write_parquet(tmp_path / "a.parquet", [event_row(output_tokens=5000)])
    _, report = load([str(f)], max_tokens=1000)
    assert report.files[0].rejected_by_reason == {"token count over bound": 1}  # type: ignore[attr-defined]


def test_unknown_column_type_rejects_rows_with_reason(tmp_path: Path) -> None:
    rows = [event_row(output_tokens=True), event_row(output_tokens=False)]
    f = write_parquet(tmp_path / "a.parquet", rows)
    _, report = load([str(f)])
    fl = report.files[0]  # type: ignore[attr-defined]
    assert fl.rows_rejected == 2
    assert list(fl.rejected_by_reason) == [
        "unusable column type: output_tokens is BOOLEAN, expected whole numbers (an integer, "
        "decimal or text column)"]


def test_strict_fails_and_loads_nothing(tmp_path: Path) -> None:
    f = write_parquet(tmp_path / "a.parquet", [event_row(), event_row(user_id=None)])
    db = tmp_path / "s.duckdb"
    with pytest.raises(StrictModeError, match="row 2: missing user_id"):
        load([str(f)], db=db, strict=True)
    store = Store(db)
    assert count(store, "SELECT count(*) FROM events") == 0
    assert count(store, "SELECT count(*) FROM load_manifest") == 0


def test_dedupe_on_event_id_keeps_largest_copy_across_files(tmp_path: Path) -> None:
    a = write_parquet(tmp_path / "a.parquet", [event_row(event_id="x", output_tokens=5),
                                               event_row(event_id="y")])
    b = write_parquet(tmp_path / "b.parquet", [event_row(event_id="x", output_tokens=50),
                                               event_row(event_id="x", output_tokens=7)])
    store, report = load([str(a), str(b)])
    by = {Path(f.source).name: f for f in report.files}  # type: ignore[attr-defined]
    assert by["a.parquet"].duplicates_dropped == 1
    assert by["b.parquet"].duplicates_dropped == 1
    assert count(store, "SELECT output_tokens FROM events WHERE event_id = 'x'") == 50
    assert all(f.balanced for f in report.files)  # type: ignore[attr-defined]


def test_rows_without_event_id_are_never_duplicates(tmp_path: Path) -> None:
    f = write_parquet(tmp_path / "a.parquet", [event_row(), event_row(), event_row()])
    _, report = load([str(f)])
    assert report.rows_loaded == 3 and report.duplicates_dropped == 0  # type: ignore[attr-defined]


def test_dedupe_on_named_columns(tmp_path: Path) -> None:
    f = write_parquet(tmp_path / "a.parquet", [event_row(), event_row(), event_row(user_id="u2")])
    _, report = load([str(f)], dedupe_on=("user_id", "ts"))
    assert report.duplicates_dropped == 1  # type: ignore[attr-defined]


def test_dedupe_on_unknown_column_is_an_error(tmp_path: Path) -> None:
    f = write_parquet(tmp_path / "a.parquet", [event_row()])
    with pytest.raises(ConfigError, match="'when' is not a canonical column"):
        load([str(f)], dedupe_on=("when",))


def test_db_loads_only_new_files_and_reloads_changed_ones(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    a = write_parquet(tmp_path / "logs" / "a.parquet", [event_row(event_id="a1")])
    Store(db).load([str(tmp_path / "logs")])  # first load
    b = write_parquet(tmp_path / "logs" / "b.parquet", [event_row(event_id="b1")])
    report = Store(db).load([str(tmp_path / "logs")])
    assert {Path(f.source).name: f.status for f in report.files} == {
        "a.parquet": "unchanged", "b.parquet": "loaded"}
    write_parquet(a, [event_row(event_id="a1"), event_row(event_id="a2")])
    report = Store(db).load([str(tmp_path / "logs")])
    assert {Path(f.source).name: f.status for f in report.files} == {
        "a.parquet": "reloaded", "b.parquet": "unchanged"}
    store = Store(db)
    assert count(store, "SELECT count(*) FROM events") == 3
    assert b.exists()


def test_touched_but_identical_file_is_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    a = write_parquet(tmp_path / "a.parquet", [event_row()])
    Store(db).load([str(a)])
    copy = tmp_path / "copy.parquet"
    shutil.copy(a, copy)
    copy.replace(a)  # same bytes, new mtime
    report = Store(db).load([str(a)])
    assert report.files[0].status == "unchanged"


def test_failed_load_leaves_db_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    good = write_parquet(tmp_path / "logs" / "a.parquet", [event_row(event_id="a")])
    Store(db).load([str(good)])
    (tmp_path / "logs" / "z.parquet").write_bytes(b"PAR1 this is not parquet")
    write_parquet(tmp_path / "logs" / "b.parquet", [event_row(event_id="b")])
    with pytest.raises(InputError, match=r"z\.parquet: cannot be read as parquet"):
        Store(db).load([str(tmp_path / "logs")])
    store = Store(db)
    assert count(store, "SELECT count(*) FROM events") == 1
    assert count(store, "SELECT count(*) FROM load_manifest") == 1


def test_hive_partitioned_folder(tmp_path: Path) -> None:
    for month in ("2026-10", "2026-11"):
        write_parquet(tmp_path / "exports" / f"month={month}" / "part-0.parquet",
                      [event_row(ts=f"{month}-02T00:00:00Z")])
    _, report = load([str(tmp_path / "exports")])
    assert len(report.files) == 2 and report.rows_loaded == 2  # type: ignore[attr-defined]


def test_glob_sources(tmp_path: Path) -> None:
    write_parquet(tmp_path / "a.parquet", [event_row()])
    write_parquet(tmp_path / "b.parquet", [event_row(user_id="u2")])
    _, report = load([str(tmp_path / "*.parquet")])
    assert report.rows_loaded == 2  # type: ignore[attr-defined]


def test_jsonl_source(tmp_path: Path) -> None:
    f = tmp_path / "x.jsonl"
    f.write_text('{"user_id":"u1","timestamp":1790000000,"model":"m","output_tokens":3}\n'
                 '{"user_id":"u2","timestamp":"2026-10-01","model":"m","output_tokens":"4"}\n')
    store, report = load([str(f)])
    assert report.rows_loaded == 2  # type: ignore[attr-defined]
    assert count(store, "SELECT sum(output_tokens) FROM events") == 7


# -- errors: one test per path --------------------------------------------------------------

def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.parquet: no such file or folder"):
        load([str(tmp_path / "nope.parquet")])


def test_glob_matching_nothing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="the glob matches no files"):
        load([str(tmp_path / "*.parquet")])


def test_directory_with_no_logs(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InputError, match="no log files found"):
        load([str(tmp_path)])


def test_corrupt_parquet(tmp_path: Path) -> None:
    f = tmp_path / "bad.parquet"
    f.write_bytes(b"\x00\x07\x93 damaged bytes")  # text named .parquet: tests/test_file_kinds.py
    with pytest.raises(InputError, match=r"bad\.parquet: cannot be read as parquet"):
        load([str(f)])


def test_csv_with_no_usable_columns(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "x.csv", ["foo", "bar"], [[1, 2]])
    with pytest.raises(InputError, match=r"x\.csv: no usable columns for user_id and ts"):
        load([str(f)])


def test_file_without_token_columns(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "x.csv", ["user", "ts", "model"], [["u", "2026-10-01", "m"]])
    with pytest.raises(InputError, match="no token columns"):
        load([str(f)])


def test_file_without_model_column(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "x.csv", ["user", "ts", "output_tokens"], [["u", "2026-10-01", 1]])
    with pytest.raises(InputError, match="no model column"):
        load([str(f)])


def test_explicit_map_to_missing_column(tmp_path: Path) -> None:
    f = write_parquet(tmp_path / "a.parquet", [event_row()])
    with pytest.raises(ConfigError, match="the data file has no column 'acct'"):
        load([str(f)], mapping=MappingSpec(explicit={"user_id": "acct"}))


def test_unknown_timezone(tmp_path: Path) -> None:
    f = write_parquet(tmp_path / "a.parquet", [event_row()])
    with pytest.raises(ConfigError, match="unknown time zone"):
        load([str(f)], timezone="Mars/Olympus")


def test_db_that_is_not_duckdb(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    db.write_text("hello, I am a text file")
    with pytest.raises(InputError, match="cannot open as a DuckDB database"):
        Store(db)


def test_parquet_with_wide_and_float_types(tmp_path: Path) -> None:
    schema = pa.schema([("user_id", pa.string()), ("ts", pa.timestamp("us")),
                        ("model", pa.string()), ("output_tokens", pa.float64()),
                        ("input_tokens", pa.uint64())])
    from datetime import datetime
    rows = [{"user_id": "u", "ts": datetime(2026, 10, 1, 12), "model": "m",
             "output_tokens": 2.0, "input_tokens": 3},
            {"user_id": "u", "ts": datetime(2026, 10, 1, 12), "model": "m",
             "output_tokens": 2.5, "input_tokens": 3}]
    f = write_parquet(tmp_path / "a.parquet", rows, schema)
    store, report = load([str(f)])
    assert report.rows_loaded == 1 and report.rows_rejected == 1  # type: ignore[attr-defined]
    assert isinstance(store.con, duckdb.DuckDBPyConnection)


def test_jsonl_mixed_types_lose_json_quotes(tmp_path: Path) -> None:
    f = tmp_path / "x.jsonl"
    f.write_text('{"user_id":7,"ts":"2026-10-01T00:00:00Z","model":"m","output_tokens":1}\n'
                 '{"user_id":"u2","ts":"2026-10-01T00:00:00Z","model":"m","output_tokens":1}\n')
    store, _ = load([str(f)])
    users = sorted(r[0] for r in store.con.execute("SELECT user_id FROM events").fetchall())
    assert users == ["7", "u2"]


_ROT_HEAD = ["event_id", "user_id", "ts", "model", "input_tokens", "output_tokens"]


def _db_tokens(db: Path) -> list[tuple[str, int]]:
    with Store(db, read_only=True) as store:
        return [(Path(s).name, int(n)) for s, n in store.con.execute(
            "SELECT source, sum(input_tokens) FROM events GROUP BY 1 ORDER BY 1").fetchall()]


def test_reload_keeps_rows_dropped_as_identical_copies(tmp_path: Path) -> None:
    # usage.csv and "usage (1).csv" hold October; then usage.csv is overwritten with November
    logs, db = tmp_path / "logs", tmp_path / "s.duckdb"
    a = write_csv(logs / "usage.csv", _ROT_HEAD[1:],
                  [["u1", "2026-10-01T10:00:00Z", "claude-sonnet-4-5", 100, 10]])
    (logs / "usage (1).csv").write_bytes(a.read_bytes())
    with Store(db) as store:
        assert store.load(logs).duplicates_dropped == 1
    write_csv(a, _ROT_HEAD[1:], [["u1", "2026-11-01T10:00:00Z", "claude-sonnet-4-5", 7, 1]])
    with Store(db) as store:
        report = store.load(logs)
    assert {fl.status for fl in report.files} == {"reloaded"}
    assert any("read again" in n for n in report.notes)
    assert _db_tokens(db) == [("usage (1).csv", 100), ("usage.csv", 7)]  # as a fresh load
    with Store(db) as store:  # and an unchanged rerun reads nothing
        assert {fl.status for fl in store.load(logs).files} == {"unchanged"}
    # named alone, the changed file still re-reads the other (found by the manifest)
    write_csv(a, _ROT_HEAD[1:], [["u1", "2026-12-01T10:00:00Z", "claude-sonnet-4-5", 5, 1]])
    (logs / "usage (1).csv").write_bytes(a.read_bytes())
    with Store(db) as store:
        store.load(logs)  # now "usage (1).csv" is the dropped copy of December
    write_csv(a, _ROT_HEAD[1:], [["u1", "2027-01-01T10:00:00Z", "claude-sonnet-4-5", 3, 1]])
    with Store(db) as store:
        store.load(a)
    assert _db_tokens(db) == [("usage (1).csv", 5), ("usage.csv", 3)]


def test_reload_keeps_rows_dropped_as_event_id_duplicates(tmp_path: Path) -> None:
    logs, db = tmp_path / "logs", tmp_path / "s.duckdb"
    a = write_csv(logs / "a.csv", _ROT_HEAD,
                  [["e1", "u1", "2026-10-01T10:00:00Z", "claude-sonnet-4-5", 100, 10]])
    write_csv(logs / "b.csv", _ROT_HEAD,
              [["e1", "u1", "2026-10-01T10:00:00Z", "claude-sonnet-4-5", 100, 10],
               ["e2", "u1", "2026-10-02T10:00:00Z", "claude-sonnet-4-5", 1, 1]])
    with Store(db) as store:
        assert store.load(logs).duplicates_dropped == 1
    write_csv(a, _ROT_HEAD, [["e3", "u1", "2026-11-01T10:00:00Z", "claude-sonnet-4-5", 7, 1]])
    with Store(db) as store:
        report = store.load(logs)
    assert report.rows_read == report.rows_loaded == 3
    assert _db_tokens(db) == [("a.csv", 7), ("b.csv", 101)]
