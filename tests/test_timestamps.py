"""Timestamps: ISO with and without offsets, epoch s/ms/us, naive types; stored in UTC."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import write_csv, write_parquet

from planalyzer.accounting import display_path
from planalyzer.store import LoadOptions, Store


def utc_strings(store: Store) -> list[str]:
    rows = store.con.execute(
        "SELECT strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') FROM events "
        "ORDER BY source_row").fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize(("raw", "tz", "utc"), [
    ("2026-10-01T12:00:00Z", "UTC", "2026-10-01 12:00:00"),
    ("2026-10-01T12:00:00+02:00", "UTC", "2026-10-01 10:00:00"),
    ("2026-10-01T12:00:00-0700", "UTC", "2026-10-01 19:00:00"),
    ("2026-10-01 12:00:00", "UTC", "2026-10-01 12:00:00"),
    ("2026-10-01 12:00:00", "America/New_York", "2026-10-01 16:00:00"),  # EDT, UTC-4
    ("2026-12-01 12:00:00", "America/New_York", "2026-12-01 17:00:00"),  # EST, UTC-5
    ("2026-10-01", "Asia/Tokyo", "2026-09-30 15:00:00"),
    ("2026-10-01T12:00:00+02:00", "Asia/Tokyo", "2026-10-01 10:00:00"),  # offset wins
    ("1790000000", "UTC", "2026-09-21 14:13:20"),  # epoch seconds
    ("1790000000000", "Asia/Tokyo", "2026-09-21 14:13:20"),  # epoch ms; zone irrelevant
    ("1790000000000000", "UTC", "2026-09-21 14:13:20"),  # epoch us
])
def test_string_timestamps(tmp_path: Path, raw: str, tz: str, utc: str) -> None:
    f = write_csv(tmp_path / "x.csv", ["user_id", "ts", "model", "output_tokens"],
                  [["u", raw, "m", 1]])
    store = Store()
    report = store.load([str(f)], LoadOptions(timezone=tz))
    assert report.rows_loaded == 1
    assert utc_strings(store) == [utc]


def test_naive_parquet_timestamp_uses_timezone(tmp_path: Path) -> None:
    schema = pa.schema([("user_id", pa.string()), ("ts", pa.timestamp("ms")),
                        ("model", pa.string()), ("output_tokens", pa.int64())])
    f = write_parquet(tmp_path / "a.parquet",
                      [{"user_id": "u", "ts": datetime(2026, 7, 1, 9), "model": "m",
                        "output_tokens": 1}], schema)
    store = Store()
    store.load([str(f)], LoadOptions(timezone="Europe/Berlin"))
    assert utc_strings(store) == ["2026-07-01 07:00:00"]


def test_aware_parquet_timestamp_ignores_timezone(tmp_path: Path) -> None:
    schema = pa.schema([("user_id", pa.string()), ("ts", pa.timestamp("us", tz="UTC")),
                        ("model", pa.string()), ("output_tokens", pa.int64())])
    f = write_parquet(tmp_path / "a.parquet",
                      [{"user_id": "u", "ts": datetime(2026, 7, 1, 9), "model": "m",
                        "output_tokens": 1}], schema)
    store = Store()
    store.load([str(f)], LoadOptions(timezone="Europe/Berlin"))
    assert utc_strings(store) == ["2026-07-01 09:00:00"]


def test_epoch_integer_column(tmp_path: Path) -> None:
    f = write_parquet(tmp_path / "a.parquet",
                      [{"user_id": "u", "created": 1790000000, "model": "m",
                        "output_tokens": 1},
                       {"user_id": "u", "created": 1790000000123, "model": "m",
                        "output_tokens": 1}])
    store = Store()
    store.load([str(f)])
    assert utc_strings(store) == ["2026-09-21 14:13:20", "2026-09-21 14:13:20"]


def test_naive_times_read_under_another_zone_are_counted_in_a_note(tmp_path: Path) -> None:
    """Only the times with no offset or zone count; under UTC there is no note."""
    f = write_csv(tmp_path / "x.csv", ["user_id", "ts", "model", "output_tokens"], [
        ["u", "2026-11-01 03:00:00", "m", 1], ["u", "2026-11-01 12:00:00", "m", 1],
        ["u", "2026-11-01T12:00:00Z", "m", 1], ["u", "2026-11-01 12:00:00 Europe/Berlin", "m", 1],
        ["u", "1790000000", "m", 1]])
    g = write_csv(tmp_path / "y.csv", ["user_id", "ts", "model", "output_tokens"],
                  [["v", "2026-11-02 03:00:00", "m", 1]])
    with Store() as store:
        report = store.load([str(f), str(g)], LoadOptions(timezone="America/Los_Angeles"))
    notes = [n for n in report.notes if "wall-clock times" in n]
    assert notes == [
        f"3 timestamp(s) without an offset or zone ({display_path(str(f))} and 1 more file(s)) "
        "were read as "
        "America/Los_Angeles wall-clock times (--timezone America/Los_Angeles); they are kept "
        "as instants, so a store (--db) keeps this reading whatever --timezone a later report "
        "gives; if they are UTC times, load them into a store without --timezone (planalyzer "
        "load --db) and give --timezone to the report on it"]
    with Store() as store:
        report = store.load([str(f)], LoadOptions())
    assert not [n for n in report.notes if "wall-clock times" in n]
