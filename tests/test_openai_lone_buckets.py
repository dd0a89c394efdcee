"""OpenAI Usage API pages that do not show their bucket width (qa17C #2, left open in session
17): a page holding only a running bucket (bucket_width=1h, start_time 10:00, no end_time,
fetched at 10:23:07) was read as a day's bucket, its rows moved to midnight. A page's width
is what its buckets show (full buckets; the boundaries between buckets cut short; the file's
other pages); else the widest width whose bucket starts where the page does, said in a note,
else the buckets' own spans (sql/project_openai_usage_json.sql). Anthropic's buckets are
whole (the API snaps them to the minute, hour or day), so their widths are their spans."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_error

from planalyzer.store import LoadOptions, Store

T0 = 1790812800  # 2026-10-01 00:00 UTC
DAY, HOUR, MINUTE = 86400, 3600, 60
MODEL = "gpt-4o-2024-08-06"
CLAUDE = "claude-sonnet-4-5-20250929"
TOTALS = "SELECT count(*), sum(input_tokens) FROM events"
IDS = "SELECT event_id, epoch(ts)::BIGINT FROM events ORDER BY ts, event_id"
UNSHOWN = "do not show their bucket width"


def _result(inp: int) -> dict[str, Any]:
    return {"object": "organization.usage.completions.result", "input_tokens": inp,
            "output_tokens": 10, "input_cached_tokens": 0, "num_model_requests": 1,
            "project_id": None, "user_id": "u1", "api_key_id": None, "model": MODEL,
            "batch": None}


def _bucket(start: int, end: int, inp: int | None = None) -> dict[str, Any]:
    return {"object": "bucket", "start_time": start, "end_time": end,
            "results": [_result(end - start if inp is None else inp)]}


def _page(spans: list[tuple[int, int]]) -> dict[str, Any]:
    """A page of buckets over ``spans``, each holding a token a second of its span."""
    return {"object": "page", "has_more": False, "next_page": None,
            "data": [_bucket(s, e) for s, e in spans]}


def _write(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _fetch(path: Path, start: int, now: int, width: int) -> Path:
    """A page as the API returns it for start_time=start, no end_time, at ``now``."""
    t, spans = start - start % 60, []
    while t < now:
        spans.append((t, min((t // width + 1) * width, now)))
        t = spans[-1][1]
    return _write(path, _page(spans))


def _read(files: list[Path]) -> tuple[list[tuple[Any, ...]], list[str]]:
    with Store(None) as store:
        report = store.load([str(f) for f in files], LoadOptions())
        return store.con.execute(IDS).fetchall(), report.notes


def _said(notes: list[str]) -> list[str]:
    return [n for n in notes if UNSHOWN in n]


def _orders(tmp_path: Path, *files: Path) -> list[tuple[Any, ...]]:
    """The totals of one load of every file, then of --db loads of one file each, in both
    orders: all must agree."""
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


def _id(start: int, width: int) -> str:
    return f"openai:{start}/{width}:u1:::{MODEL}::"


def test_the_hour_so_far_alone_is_read_as_an_hour(tmp_path: Path) -> None:
    # bucket_width=1h, start_time 10:00, no end_time, fetched at 10:23:07: one bucket
    ten = T0 + 10 * HOUR
    lone = _fetch(tmp_path / "h1023.json", ten, ten + 23 * MINUTE + 7, HOUR)
    ids, notes = _read([lone])
    assert ids == [(_id(ten, HOUR), ten)]  # not the day's bucket at midnight
    said = _said(notes)
    assert len(said) == 1, notes
    assert said[0].startswith(str(lone)) and said[0].endswith(
        "h1023.json: 1 Usage API page(s) do not show their bucket width: every bucket is cut "
        "short by the fetch (1 bucket(s) from 2026-10-01 10:00:00 to 10:23:07 UTC: buckets of "
        "an hour or a day fit them); read as buckets of an hour, the widest whose bucket "
        "starts where the page does (a fetch of the hour so far starts on the hour, of the "
        "day so far at midnight). Where that is wrong, if the export asked for another width, "
        "a fetch holding that time in whole buckets is refused as buckets of other widths, "
        "never counted twice; fetched with a start_time one bucket earlier, a page holds a "
        "whole bucket, which shows the width (docs/sources.md, openai-usage)"), said
    # the next run's page holds hour 10 whole: kept, no refusal, in any order
    later = _fetch(tmp_path / "h1123.json", ten, ten + HOUR + 23 * MINUTE, HOUR)
    assert not _said(_read([later])[1])
    assert _orders(tmp_path, lone, later) == [(2, HOUR + 23 * MINUTE)] * 3


def test_two_hours_so_far_of_one_day_are_both_kept(tmp_path: Path) -> None:
    # an hourly job fetching the current hour: read as a day's, one hour was dropped
    ten = T0 + 10 * HOUR
    a = _fetch(tmp_path / "h10.json", ten, ten + 23 * MINUTE, HOUR)
    b = _fetch(tmp_path / "h11.json", ten + HOUR, ten + HOUR + 14 * MINUTE, HOUR)
    assert _orders(tmp_path, a, b) == [(2, 37 * MINUTE)] * 3


def test_the_day_so_far_at_midnight_is_read_as_a_day(tmp_path: Path) -> None:
    # bucket_width=1d (the API's default), today so far, fetched at 00:23 and at 01:23
    early = _fetch(tmp_path / "d0023.json", T0, T0 + 23 * MINUTE, DAY)
    ids, notes = _read([early])
    assert ids == [(_id(T0, DAY), T0)]
    assert "read as buckets of a day" in _said(notes)[0]
    later = _fetch(tmp_path / "d0123.json", T0, T0 + HOUR + 23 * MINUTE, DAY)
    assert _orders(tmp_path, early, later) == [(1, HOUR + 23 * MINUTE)] * 3


def test_an_hourly_day_so_far_read_as_a_day_is_refused_not_counted_twice(
        tmp_path: Path) -> None:
    # the same bytes from bucket_width=1h: the guess is wrong, and the next fetch shows it
    early = _fetch(tmp_path / "h0023.json", T0, T0 + 23 * MINUTE, HOUR)
    later = _fetch(tmp_path / "h0123.json", T0, T0 + HOUR + 23 * MINUTE, HOUR)
    msg = cli_error(["load", str(early), str(later)])
    assert "openai-usage buckets of 1 day and 1 hour cover the same time" in msg


def test_another_page_of_the_file_shows_the_width(tmp_path: Path) -> None:
    # pages appended to one file: the first holds a whole hour, the second only a running one
    ten = T0 + 10 * HOUR
    pages = tmp_path / "pages.jsonl"
    pages.write_text(json.dumps(_page([(ten - HOUR, ten)])) + "\n"
                     + json.dumps(_page([(ten, ten + 5 * MINUTE)])) + "\n", encoding="utf-8")
    ids, notes = _read([pages])
    assert [i for i, _ in ids] == [_id(ten - HOUR, HOUR), _id(ten, HOUR)]
    assert not _said(notes)
    # the cookbook's loop keeps the buckets without their page (each alone): the file's
    # width is theirs, for the running bucket and for the one cut at 08:17 alike
    loose = _write(tmp_path / "buckets.json", [_bucket(ten - HOUR - 43 * MINUTE, ten - HOUR),
                                              _bucket(ten - HOUR, ten),
                                              _bucket(ten, ten + 5 * MINUTE)])
    ids, notes = _read([loose])
    assert ids == [(_id(ten - 2 * HOUR, HOUR), ten - 2 * HOUR),
                   (_id(ten - HOUR, HOUR), ten - HOUR), (_id(ten, HOUR), ten)]
    assert not _said(notes)


def test_the_boundary_between_two_cut_buckets_shows_the_width(tmp_path: Path) -> None:
    # bucket_width=1h, start_time 09:23, fetched at 10:23: the boundary at 10:00 is an hour's
    ten = T0 + 10 * HOUR
    page = _fetch(tmp_path / "last_hour.json", ten - 37 * MINUTE, ten + 23 * MINUTE, HOUR)
    ids, notes = _read([page])
    # the running bucket is hour 10's; the cut one keeps its span (no fetch holds hour 9
    # whole: the previous one, of 08:23-09:23, holds its first 23 minutes)
    assert ids == [(f"openai:{ten - 37 * MINUTE}/{37 * MINUTE}:u1:::{MODEL}::",
                    ten - 37 * MINUTE), (_id(ten, HOUR), ten)]
    assert not _said(notes)
    # the next hour's fetch: its cut 10:23-11:00 is no copy of 10:00-10:23 (taken for one,
    # one part was dropped): refused, as before, not counted short
    later = _fetch(tmp_path / "next_hour.json", ten + 23 * MINUTE, ten + HOUR + 23 * MINUTE,
                   HOUR)
    msg = cli_error(["load", str(page), str(later)])
    assert "openai-usage buckets of 1 hour and 37 minutes cover the same time" in msg


def test_a_page_starting_inside_every_width_keeps_its_own_span(tmp_path: Path) -> None:
    # start_time 10:17, fetched at 10:45: an hour's or a day's bucket, cut at both ends
    start = T0 + 10 * HOUR + 17 * MINUTE
    cut = _fetch(tmp_path / "cut.json", start, start + 28 * MINUTE, HOUR)
    ids, notes = _read([cut])
    assert ids == [(f"openai:{start}/{28 * MINUTE}:u1:::{MODEL}::", start)]
    assert "read with their buckets' own spans" in _said(notes)[0]
    # beside the whole hour: refused, not counted twice
    whole = _write(tmp_path / "whole.json", _page([(T0 + 10 * HOUR, T0 + 11 * HOUR)]))
    msg = cli_error(["load", str(cut), str(whole)])
    assert "buckets of 1 hour and 28 minutes cover the same time" in msg


@pytest.mark.parametrize(("name", "spans", "expected", "noted"), [
    # the minute so far (bucket_width=1m, start_time 10:05, fetched at 10:05:23)
    ("minute_so_far", [(T0 + 36300, T0 + 36323)], [(T0 + 36300, MINUTE)], True),
    # the boundary at 10:05 between two cut buckets shows a minute (the cut one keeps its span)
    ("two_cut_minutes", [(T0 + 36270, T0 + 36300), (T0 + 36300, T0 + 36320)],
     [(T0 + 36270, 30), (T0 + 36300, MINUTE)], False),
])
def test_minute_pages(tmp_path: Path, name: str, spans: list[tuple[int, int]],
                      expected: list[tuple[int, int]], noted: bool) -> None:
    ids, notes = _read([_write(tmp_path / f"{name}.json", _page(spans))])
    assert [i for i, _ in ids] == [_id(s, w) for s, w in expected]
    assert bool(_said(notes)) is noted
    if noted:
        assert "buckets of a minute, an hour or a day fit them); read as buckets of a " \
               "minute" in _said(notes)[0]


def _anthropic(path: Path, start: int, end: int) -> Path:
    """A usage_report/messages page of one bucket (the API snaps buckets to the minute, hour
    or day: a bucket alone still spans its width)."""
    def iso(t: int) -> str:
        return f"2026-10-01T{(t - T0) // HOUR:02d}:{(t - T0) % HOUR // 60:02d}:00Z"
    return _write(path, {"data": [{"starting_at": iso(start), "ending_at": iso(end),
                                   "results": [{"uncached_input_tokens": 100,
                                                "cache_read_input_tokens": 0,
                                                "output_tokens": 10, "model": CLAUDE,
                                                "account_id": "acct_1"}]}],
                         "has_more": False, "next_page": None})


@pytest.mark.parametrize("width", [HOUR, MINUTE])
def test_an_anthropic_bucket_alone_spans_its_width(tmp_path: Path, width: int) -> None:
    start = T0 + 10 * HOUR
    ids, notes = _read([_anthropic(tmp_path / "one.json", start, start + width)])
    assert len(ids) == 1 and ids[0][0].startswith(f"anthropic:{start}/{width}:acct_1:")
    assert not _said(notes)
