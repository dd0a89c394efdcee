"""OpenAI Usage API buckets cut short (qa17C #2, #6): a page fetched without end_time ends its
last bucket at the request time (running), and one fetched with a start_time inside a bucket
(a rolling "last 7 days") starts its first bucket there (as the cookbook's committed output
shows). Their event ids name the bucket at its aligned start and the page's width
(sql/project_openai_usage_json.sql), so two fetches of one day share ids: the later fetch of a
running bucket is kept, a cut first bucket ranks below a whole copy without a refusal
(sql/align_cut_buckets.sql, bucket_fetches.cut_us), and a start written 1790812800.0 names the
same instant as 1790812800. A --db store keeps what one load of every file keeps, in either
order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import cli_error

from planalyzer.store import LoadOptions, Store

T0 = 1790812800  # 2026-10-01 00:00 UTC
DAY, HOUR = 86400, 3600
MODEL = "gpt-4o-2024-08-06"
TOTALS = "SELECT count(*), sum(input_tokens), sum(output_tokens) FROM events"


def _result(inp: int, user: str = "u1") -> dict[str, Any]:
    return {"object": "organization.usage.completions.result", "input_tokens": inp,
            "output_tokens": 10, "input_cached_tokens": 0, "num_model_requests": 1,
            "project_id": None, "user_id": user, "api_key_id": None, "model": MODEL,
            "batch": None}


def _fetch(path: Path, start: int, now: int, per_width: int = 24_000,
           width: int = DAY) -> Path:
    """A page as the API returns it for start_time=start, no end_time, fetched at now: the
    first bucket starts at start (snapped to the minute), the last ends at now; each holds
    per_width tokens a bucket width, in proportion to its span."""
    t, buckets = start - start % 60, []
    while t < now:
        end = min((t // width + 1) * width, now)
        buckets.append({"object": "bucket", "start_time": t, "end_time": end,
                        "results": [_result(per_width * (end - t) // width)]})
        t = end
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"object": "page", "has_more": False, "next_page": None,
                                "data": buckets}), encoding="utf-8")
    return path


def _orders(tmp_path: Path, *files: Path) -> list[tuple[Any, ...]]:
    """The totals of one load of every file, then of --db loads of one file each, in every
    order of two files: all must agree."""
    seen = []
    with Store(None) as store:
        store.load([str(f) for f in files], LoadOptions())
        seen.append(store.con.execute(TOTALS).fetchone())
    for i, order in enumerate((files, files[::-1])):
        db = tmp_path / f"s{i}.duckdb"
        for f in order:
            with Store(db) as store:
                store.load([str(f)], LoadOptions())
        with Store(db) as store:
            seen.append(store.con.execute(TOTALS).fetchone())
    return seen


def _ids(files: list[Path]) -> list[tuple[str, Any]]:
    with Store(None) as store:
        store.load([str(f) for f in files], LoadOptions())
        return store.con.execute(
            "SELECT event_id, epoch(ts)::BIGINT FROM events ORDER BY ts").fetchall()


def test_today_so_far_fetched_hourly_keeps_the_later_fetch(tmp_path: Path) -> None:
    # an hourly cron fetching today so far (start_time today 00:00, no end_time), a file each
    early = _fetch(tmp_path / "today_1005.json", T0, T0 + 10 * HOUR + 5 * 60 + 17)
    later = _fetch(tmp_path / "today_1105.json", T0, T0 + 11 * HOUR + 5 * 60 + 9)
    assert _ids([early]) == [(f"openai:{T0}/86400:u1:::{MODEL}::", T0)]
    whole = 24_000 * (11 * HOUR + 5 * 60 + 9) // DAY
    assert _orders(tmp_path, early, later) == [(1, whole, 10)] * 3


def test_rolling_last_seven_days_is_no_refusal(tmp_path: Path) -> None:
    # a nightly cron at 00:30 fetching the last 7 days (rolling start_time): each file's
    # first day is cut short at 00:30, its last day runs to the request time
    first = _fetch(tmp_path / "last7_1008.json", T0 + 30 * 60, T0 + 7 * DAY + 30 * 60 + 17)
    second = _fetch(tmp_path / "last7_1009.json", T0 + DAY + 30 * 60,
                    T0 + 8 * DAY + 30 * 60 + 12)
    ids = _ids([first])
    assert ids[0] == (f"openai:{T0}/86400:u1:::{MODEL}::", T0)  # at the bucket's start
    assert ids[-1] == (f"openai:{T0 + 7 * DAY}/86400:u1:::{MODEL}::", T0 + 7 * DAY)
    # Oct 1 from 00:30, Oct 2-8 whole (the Oct 2 copy of the first file, not the second's cut
    # one; the Oct 8 copy of the second), Oct 9 to 00:30:12
    expected = 24_000 * (DAY - 1800) // DAY + 7 * 24_000 + 24_000 * 1812 // DAY
    assert _orders(tmp_path, first, second) == [(9, expected, 90)] * 3


def test_a_cut_first_bucket_beside_the_whole_one_is_no_refusal(tmp_path: Path) -> None:
    # the whole week fetched with aligned times, and a rolling fetch starting inside its day 2
    aligned = _fetch(tmp_path / "week.json", T0, T0 + 7 * DAY)
    rolling = _fetch(tmp_path / "rolling.json", T0 + DAY + 6 * HOUR, T0 + 7 * DAY)
    assert _orders(tmp_path, aligned, rolling) == [(7, 7 * 24_000, 70)] * 3


def test_an_hourly_page_keeps_its_width_for_the_running_bucket(tmp_path: Path) -> None:
    page = _fetch(tmp_path / "hours.json", T0, T0 + 2 * HOUR + 300, width=HOUR)
    assert [i for i, _ in _ids([page])] == [
        f"openai:{T0 + h * HOUR}/3600:u1:::{MODEL}::" for h in range(3)]
    later = _fetch(tmp_path / "hours_later.json", T0, T0 + 3 * HOUR, width=HOUR)
    assert _orders(tmp_path, page, later) == [(3, 3 * 24_000, 30)] * 3


def test_buckets_of_another_width_keep_their_own_spans(tmp_path: Path) -> None:
    # half-hour buckets (no width the API gives): read as before, never merged into one
    path = tmp_path / "halves.json"
    path.write_text(json.dumps({"object": "page", "data": [
        {"object": "bucket", "start_time": T0 + i * 1800, "end_time": T0 + (i + 1) * 1800,
         "results": [_result(100)]} for i in range(3)]}), encoding="utf-8")
    assert [i for i, _ in _ids([path])] == [
        f"openai:{T0 + i * 1800}/1800:u1:::{MODEL}::" for i in range(3)]


def test_a_start_written_as_a_float_names_the_same_bucket(tmp_path: Path) -> None:
    whole = _fetch(tmp_path / "oa.json", T0, T0 + 3 * DAY)
    doc = json.loads(whole.read_text())
    for b in doc["data"]:
        b["start_time"], b["end_time"] = float(b["start_time"]), float(b["end_time"])
    floats = tmp_path / "oa_float.json"
    floats.write_text(json.dumps(doc), encoding="utf-8")
    assert '"start_time": 1790812800.0' in floats.read_text()
    assert _ids([floats]) == _ids([whole])
    assert _orders(tmp_path, whole, floats) == [(3, 3 * 24_000, 30)] * 3


def test_a_store_without_the_cut_column_gets_it(tmp_path: Path) -> None:
    # a store an older planalyzer wrote: bucket_fetches without cut_us
    db = tmp_path / "old.duckdb"
    with Store(db) as store:
        store.load([str(_fetch(tmp_path / "week.json", T0 + 2 * DAY, T0 + 3 * DAY))],
                   LoadOptions())
    with duckdb.connect(str(db)) as con:
        con.execute("ALTER TABLE bucket_fetches DROP COLUMN cut_us")
    rolling = _fetch(tmp_path / "rolling.json", T0 + 6 * HOUR, T0 + 2 * DAY)
    with Store(db) as store:
        store.load([str(rolling)], LoadOptions())
        cut = store.con.execute(
            "SELECT cut_us FROM bucket_fetches ORDER BY cut_us NULLS FIRST").fetchall()
    assert cut == [(None,), (T0 * 1_000_000,)]


@pytest.mark.parametrize("order", [0, 1])
def test_an_export_of_one_project_beside_the_whole_organization(tmp_path: Path,
                                                                order: int) -> None:
    # qa17C #5: the same call with project_ids=[A] (project_id null) beside the org-wide one
    org = _fetch(tmp_path / "org.json", T0, T0 + 7 * DAY, per_width=3_000)
    proj = _fetch(tmp_path / "proj_a.json", T0, T0 + 7 * DAY, per_width=1_000)
    files = [str(org), str(proj)][:: 1 if order == 0 else -1]
    msg = cli_error(["load", *files])
    assert "If one export's scope holds the other's (an organization-wide export beside one " \
           "filtered to a project), leave the narrower one out: the wider one counts its " \
           "usage. If the scopes are apart, to load both, export them grouped by" in msg
