"""OpenAI's dashboard CSV beside the Usage API JSON and beside other CSV exports: its rows get
ids from their bucket and grouping ('openai-csv:<start>/<width>:...'), so a row repeated in
another export is dropped, and a CSV and a JSON export (or two CSV exports of other
granularities) whose buckets cover the same time for groupings that can hold the same
requests are refused, in one load and across --db loads (sql/overlapping_buckets.sql)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_error, write_csv

from planalyzer.errors import InputError
from planalyzer.sources.mapping import MappingSpec
from planalyzer.store import LoadOptions, Store

DAY = 1790812800  # 2026-10-01 00:00 UTC
HEADER = ["start_time", "end_time", "start_time_iso", "end_time_iso", "project_id",
          "num_model_requests", "user_id", "user_email", "api_key_id", "model", "batch",
          "service_tier", "input_tokens", "output_tokens", "input_cached_tokens"]
TOTAL = "SELECT sum(input_tokens + cache_read_tokens), count(*) FROM events"


def _iso(t: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(t, UTC).isoformat()


def _row(start: int, width: int = 86400, user: str = "user-a", model: str = "gpt-4o",
         tokens: int = 1000, email: str = "", batch: str = "FALSE") -> list[Any]:
    return [start, start + width, _iso(start), _iso(start + width), "proj_1", 2, user, email,
            "", model, batch, "default", tokens, 10, 0]


def _csv(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    return write_csv(path, header, rows)


def _json(path: Path, *buckets: tuple[int, int, dict[str, Any]]) -> Path:
    data = [{"object": "bucket", "start_time": s, "end_time": s + w, "results": [{
        "object": "organization.usage.completions.result", "input_tokens": 1000,
        "output_tokens": 10, "input_cached_tokens": 0, "num_model_requests": 1,
        "user_id": None, "project_id": None, "api_key_id": None, "model": "gpt-4o",
        "batch": None, "service_tier": None, **dims}]} for s, w, dims in buckets]
    path.write_text(json.dumps({"object": "page", "data": data, "has_more": False,
                                "next_page": None}), encoding="utf-8")
    return path


def _load(*paths: Path, opts: LoadOptions | None = None) -> tuple[Any, list[Any]]:
    with Store() as store:
        report = store.load([str(p) for p in paths], opts or LoadOptions())
        return report, store.con.execute(TOTAL).fetchall()


# -- the dashboard CSV and the Usage API JSON ---------------------------------------------


def test_csv_by_model_and_json_by_user_of_one_day_are_refused(tmp_path: Path) -> None:
    # the CSV grouped by model only, the JSON by user (and model, which pricing needs): the
    # CSV's row holds the JSON's requests
    csv = _csv(tmp_path / "dashboard.csv", [_row(DAY, user="", model="gpt-4o")])
    api = _json(tmp_path / "usage.json", (DAY, 86400, {"user_id": "user-a"}))
    with pytest.raises(InputError) as err:
        _load(csv, api)
    msg = str(err.value)
    assert msg.startswith("openai-usage Usage API JSON and dashboard CSV buckets of 1 day "
                          "cover the same time (1 overlapping pair(s) from 2026-10-01 00:00 "
                          "UTC; JSON: ")
    assert "usage.json; CSV: " in msg and msg.count("dashboard.csv") == 1
    assert msg.endswith("loaded together they count the same requests twice; load either "
                        "the Usage API JSON or the dashboard CSV per period (leave one of the "
                        "exports out, or load it into another --db file)")


def test_csv_and_json_overlap_is_a_cli_error(tmp_path: Path) -> None:
    csv = _csv(tmp_path / "dashboard.csv", [_row(DAY + 86400), _row(DAY)])
    api = _json(tmp_path / "usage.json", (DAY, 86400, {"user_id": "user-a",
                                                        "model": "gpt-4o", "batch": False}))
    msg = cli_error(["load", str(csv), str(api)])
    assert "from 2026-10-01 00:00 UTC" in msg and "dashboard.csv" in msg
    assert "usage.json" in msg and "either the Usage API JSON or the dashboard CSV" in msg


def test_hourly_json_inside_a_daily_csv_row_is_refused(tmp_path: Path) -> None:
    csv = _csv(tmp_path / "daily.csv", [_row(DAY)])
    api = _json(tmp_path / "hourly.json", (DAY + 5 * 3600, 3600, {"user_id": "user-a"}))
    with pytest.raises(InputError, match="Usage API JSON and dashboard CSV buckets of 1 day "
                       r"and 1 hour cover the same time \(1 overlapping pair\(s\) from "
                       "2026-10-01 05:00 UTC"):
        _load(csv, api)


def test_a_csv_email_user_is_compared_with_a_json_user_id(tmp_path: Path) -> None:
    # a CSV with user_email and no user_id: its user cannot be told from the JSON's user ids
    csv = _csv(tmp_path / "dashboard.csv", [[DAY, DAY + 86400, "ann@example.com", "gpt-4o",
                                             2, 1000, 10]],
               ["start_time", "end_time", "user_email", "model", "num_model_requests",
                "input_tokens", "output_tokens"])
    api = _json(tmp_path / "usage.json", (DAY, 86400, {"user_id": "user-b"}))
    with pytest.raises(InputError, match="Usage API JSON and dashboard CSV"):
        _load(csv, api)


def test_csv_and_json_of_other_days_load_together(tmp_path: Path) -> None:
    csv = _csv(tmp_path / "october.csv", [_row(DAY), _row(DAY + 86400)])
    api = _json(tmp_path / "november.json", (DAY + 2 * 86400, 86400, {"user_id": "user-a"}))
    report, totals = _load(csv, api)
    assert totals == [(3000, 3)] and report.duplicates_dropped == 0


def test_csv_and_json_of_other_users_or_projects_load_together(tmp_path: Path) -> None:
    csv = _csv(tmp_path / "dashboard.csv", [_row(DAY, user="user-a")])
    api = _json(tmp_path / "usage.json", (DAY, 86400, {"user_id": "user-b"}),
                (DAY, 86400, {"project_id": "proj_2"}))
    _, totals = _load(csv, api)
    assert totals == [(3000, 3)]


def test_csv_then_json_across_db_loads_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    csv = _csv(tmp_path / "dashboard.csv", [_row(DAY)])
    api = _json(tmp_path / "usage.json", (DAY, 86400, {"model": "gpt-4o"}))
    with Store(db) as store:
        store.load([str(csv)])
    with Store(db) as store:
        with pytest.raises(InputError, match=r"JSON: .*usage\.json; CSV: .*dashboard\.csv"):
            store.load([str(api)])
        assert store.con.execute(TOTAL).fetchall() == [(1000, 1)]  # the load rolled back


def test_json_then_csv_across_db_loads_is_a_cli_error(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    api = _json(tmp_path / "usage.json", (DAY, 86400, {"user_id": "user-a"}))
    csv = _csv(tmp_path / "dashboard.csv", [_row(DAY)])
    with Store(db) as store:
        store.load([str(api)])
    msg = cli_error(["load", str(csv), "--db", str(db)])
    assert "Usage API JSON and dashboard CSV buckets of 1 day cover the same time" in msg
    assert "usage.json" in msg and "dashboard.csv" in msg


def test_json_gone_from_disk_is_named_so_and_a_new_db_file_comes_first(tmp_path: Path) -> None:
    """qa14A #5: the JSON the --db file holds was deleted; leaving it out is what the user
    did, so the refusal says it is gone from disk and gives a new --db file first."""
    db = tmp_path / "s.duckdb"
    api = _json(tmp_path / "usage.json", (DAY, 86400, {"user_id": "user-a"}))
    csv = _csv(tmp_path / "dashboard.csv", [_row(DAY)])
    with Store(db) as store:
        store.load([str(api)])
    api.unlink()
    msg = cli_error(["load", str(csv), "--db", str(db)])
    assert "usage.json (in the --db file, gone from disk); CSV: " in msg
    assert "dashboard.csv (in" not in msg
    assert msg.endswith("load either the Usage API JSON or the dashboard CSV per period (load "
                        f"the exports on disk into a new --db file: --db {db} keeps the rows "
                        "of a file gone from disk, so leaving that file out does not remove "
                        "them; or leave the exports on disk out of it)")


# -- dashboard CSV exports beside each other ----------------------------------------------


def test_overlapping_csv_exports_count_shared_days_once(tmp_path: Path) -> None:
    # Nov 1-15 and Nov 10-30 style: the shared days' rows have the same ids
    first = _csv(tmp_path / "first.csv", [_row(DAY + d * 86400) for d in range(0, 6)])
    second = _csv(tmp_path / "second.csv", [_row(DAY + d * 86400) for d in range(3, 9)])
    report, totals = _load(first, second)
    assert totals == [(9000, 9)]
    assert report.duplicates_dropped == 3


def test_the_same_rows_in_another_export_are_dropped(tmp_path: Path) -> None:
    # other bytes (columns in another order, ISO times only): the same buckets and groupings
    rows = [_row(DAY), _row(DAY, user="user-b", tokens=500)]
    a = _csv(tmp_path / "a.csv", rows)
    keep = [HEADER.index(c) for c in ("start_time_iso", "end_time_iso", "model", "user_id",
                                      "project_id", "batch", "service_tier",
                                      "num_model_requests", "input_tokens", "output_tokens")]
    b = _csv(tmp_path / "b.csv", [[r[i] for i in keep] for r in reversed(rows)],
             [HEADER[i] for i in keep])
    report, totals = _load(a, b)
    assert totals == [(1500, 2)] and report.duplicates_dropped == 2


def test_rows_repeating_a_bucket_and_grouping_are_all_kept(tmp_path: Path) -> None:
    # an export leaving out the dimension that tells them apart: n-th row ids, by tokens, so
    # the same rows in another order match
    rows = [_row(DAY, tokens=100), _row(DAY, tokens=300), _row(DAY, tokens=200)]
    a = _csv(tmp_path / "a.csv", rows)
    b = _csv(tmp_path / "b.csv", [*reversed(rows), _row(DAY + 86400)])
    with Store() as store:
        report = store.load([str(a), str(b)])
        ids = store.con.execute("SELECT event_id, input_tokens FROM events "
                                "ORDER BY input_tokens").fetchall()
        assert store.con.execute(TOTAL).fetchall() == [(1600, 4)]
    assert report.duplicates_dropped == 3
    bucket = f"openai-csv:{DAY}/86400:user-a:proj_1::gpt-4o:false:default"
    assert ids[:3] == [(bucket + "#3", 100), (bucket + "#2", 200), (bucket, 300)]


def test_daily_and_hourly_csv_exports_of_one_day_are_refused(tmp_path: Path) -> None:
    daily = _csv(tmp_path / "daily.csv", [_row(DAY)])
    hourly = _csv(tmp_path / "hourly.csv", [_row(DAY + h * 3600, width=3600)
                                            for h in range(3)])
    with pytest.raises(InputError) as err:
        _load(daily, hourly)
    msg = str(err.value)
    assert msg.startswith("openai-usage buckets of 1 day and 1 hour cover the same time (3 "
                          "overlapping pair(s) from 2026-10-01 00:00 UTC; files: ")
    assert "daily.csv" in msg and "hourly.csv" in msg
    assert "load one bucket width per period" in msg


def test_daily_and_hourly_csv_exports_of_other_users_load(tmp_path: Path) -> None:
    daily = _csv(tmp_path / "daily.csv", [_row(DAY, user="user-a")])
    hourly = _csv(tmp_path / "hourly.csv", [_row(DAY, width=3600, user="user-b")])
    _, totals = _load(daily, hourly)
    assert totals == [(2000, 2)]


def test_a_csv_without_bucket_ends_gets_no_ids(tmp_path: Path) -> None:
    f = _csv(tmp_path / "starts.csv", [[DAY, "user-a", "gpt-4o", 2, 1000, 10]],
             ["start_time", "user_id", "model", "num_model_requests", "input_tokens",
              "output_tokens"])
    with Store() as store:
        report = store.load([str(f)])
        assert store.con.execute("SELECT event_id FROM events").fetchall() == [(None,)]
    assert "event_id: none (no end_time or end_time_iso column" in report.files[0].mapping


def test_a_mapped_event_id_wins(tmp_path: Path) -> None:
    f = _csv(tmp_path / "ids.csv", [[*_row(DAY), "r1"]], [*HEADER, "request_id"])
    with Store() as store:
        store.load([str(f)], LoadOptions(mapping=MappingSpec({"event_id": "request_id"})))
        assert store.con.execute("SELECT event_id FROM events").fetchall() == [("r1",)]


def test_csv_rows_an_older_version_loaded_are_refused(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    old = _csv(tmp_path / "old.csv", [_row(DAY)])
    with Store(db) as store:
        store.load([str(old)])
        # what an older planalyzer wrote: no event_id, a mapping that names none
        store.con.execute("UPDATE events SET event_id = NULL")
        store.con.execute("UPDATE load_manifest SET mapping = 'ts=start_time_iso'")
    api = _json(tmp_path / "usage.json", (DAY, 86400, {"user_id": "user-a"}))
    msg = cli_error(["load", str(api), "--db", str(db)])
    assert msg.startswith(f"error: --db {db}: holds 1 OpenAI dashboard CSV row(s) an older "
                          "planalyzer loaded (from ")
    assert msg.endswith("without event ids, so the same rows in another export, or a Usage "
                        "API JSON export of the same days, loaded now would count twice; "
                        "load every file into a new --db file instead")
