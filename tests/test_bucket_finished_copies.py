"""A file holding fewer tokens of a usage bucket it held finished (planalyzer.bucket_copies,
sql/finished_bucket_copies.sql; qa15C #1). A fetch is taken after the start of every bucket it
holds, and a bucket only grows while it runs: a file that holds a bucket of the same grouping
starting a day or more after one it holds with fewer tokens than another file held that one
finished, so the other file is no later fetch of it. Exports filtered to other projects and
not grouped by them are so refused where one project used more every day (the pair rule,
"each holds more of some bucket", never fires), and where one export is split into a file per
day (no pair of files shares more than one bucket). What a file's rows say is recorded when
it is read (bucket_fetches), so a --db store judges a stored file as one load of every file
does, though later loads replaced its running bucket; a mid-day fetch and the final one still
load, in either order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_error

from planalyzer.errors import InputError
from planalyzer.store import LoadOptions, LoadReport, Store

T0 = 1790812800  # 2026-10-01 00:00 UTC
DAY, HOUR = 86400, 3600
MODEL = "gpt-4o-2024-08-06"
TOTALS = "SELECT sum(requests), sum(input_tokens), sum(output_tokens) FROM events"
REFUSED = "usage bucket(s) with fewer tokens than"


def _page(buckets: list[tuple[int, int, list[tuple[int, int]]]]) -> dict[str, Any]:
    """A Usage API page filtered to one project, not grouped by it (project_id null): buckets
    of (start, width, [(input, output) of user u1's results])."""
    return {"object": "page", "has_more": False, "next_page": None, "data": [
        {"object": "bucket", "start_time": start, "end_time": start + width, "results": [
            {"object": "organization.usage.completions.result", "input_tokens": inp,
             "output_tokens": out, "input_cached_tokens": 0, "num_model_requests": 1,
             "project_id": None, "user_id": "u1", "api_key_id": None, "model": MODEL,
             "batch": None} for inp, out in results]}
        for start, width, results in buckets]}


def _days(path: Path, days: dict[int, int], out: int = 100) -> Path:
    """A file of daily buckets: day index -> input tokens (one result each)."""
    return _write(path, _page([(T0 + d * DAY, DAY, [(inp, out)]) for d, inp in days.items()]))


def _write(path: Path, page: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(page), encoding="utf-8")
    return path


def _load(*paths: Path, db: Path | None = None) -> tuple[LoadReport, list[Any]]:
    with Store(db) as store:
        report = store.load([str(p) for p in paths], LoadOptions())
        return report, store.con.execute(TOTALS).fetchall()


def _refused(*paths: Path, db: Path | None = None) -> str:
    with pytest.raises(InputError) as err:
        _load(*paths, db=db)
    return str(err.value)


def _noted(report: LoadReport) -> list[str]:
    return [n for n in report.notes if "usage bucket(s) are held by two files" in n]


def _grouping_id(day: int) -> str:
    return f"openai:{T0 + day * DAY}/86400:u1:::{MODEL}::"


# qa15C S4a: alpha 1,100 and beta 550 tokens on each of 7 finished days
ALPHA = dict.fromkeys(range(7), 1_000)
BETA = dict.fromkeys(range(7), 500)


def test_an_export_of_a_project_using_less_every_day_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # beta cannot be an earlier fetch of alpha: it holds days after each day it has less of
    monkeypatch.chdir(tmp_path)
    alpha = _days(tmp_path / "f" / "alpha.json", ALPHA)
    beta = _days(tmp_path / "f" / "beta.json", BETA, out=50)
    for order in ((alpha, beta), (beta, alpha)):
        msg = _refused(*order)
        assert msg == (
            f"f/beta.json holds 5 usage bucket(s) with fewer tokens than f/alpha.json, though "
            "they had ended when it was fetched: it holds a later bucket of the same grouping, "
            f"starting a day or more after each ended (e.g. bucket '{_grouping_id(0)}': 550 "
            "tokens in f/beta.json, 1,100 in f/alpha.json; f/beta.json holds that grouping's "
            "bucket of 2026-10-07 00:00 UTC). A bucket that has ended does not grow, so no "
            "file holding more of it is a later fetch of the same export: they look like "
            "exports filtered to other projects, workspaces, API keys or users and not grouped "
            "by them (which give a bucket the same id), and the dedupe would keep one copy of "
            "each bucket and drop the other file's usage. If one export's scope holds the "
            "other's (an organization-wide export beside one filtered to a project), leave "
            "the narrower one out: the wider one counts its usage. If the scopes are apart, "
            "to load both, export them grouped by "
            "that dimension (the usage API's group_by project_id, workspace_id, api_key_id or "
            "user_id; the OpenAI dashboard CSV with its project or key column), or load OpenAI "
            "dashboard CSVs with --map event_id= (no event id: no row is dropped as a "
            "duplicate); else leave one of them out (or load it into another --db file)")
    # across --db loads, either order: the same verdict, and the store as it was
    for first, second in ((alpha, beta), (beta, alpha)):
        db = tmp_path / f"{first.stem}.duckdb"
        _, stored = _load(first, db=db)
        msg = _refused(second, db=db)
        assert msg.startswith("f/beta.json ") and REFUSED in msg
        assert f"{first.name} (in the --db file)" in msg
        with Store(db) as store:
            assert store.con.execute(TOTALS).fetchall() == stored


def test_the_refusal_is_a_cli_error(tmp_path: Path) -> None:
    alpha = _days(tmp_path / "alpha.json", ALPHA)
    beta = _days(tmp_path / "beta.json", BETA, out=50)
    msg = cli_error(["load", str(alpha), str(beta)])
    assert msg.startswith(f"error: {beta} holds 5 {REFUSED} {alpha}, though they had ended")


# qa15C s4: a daily job saves alpha's finished day to a file of its own; beta's week export
def _alpha_days(folder: Path) -> list[Path]:
    return [_days(folder / f"day_{d}.json", {d: 1_000 + 100 * d}) for d in range(7)]


def _beta_week(path: Path) -> Path:
    return _days(path, {d: 500 if d % 2 else 5_000 for d in range(7)}, out=50)


def test_an_export_split_into_a_file_per_day_is_compared_as_a_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # no pair of files shares more than one bucket; beta holds days 1 and 3 with less than
    # alpha's files, and days after them
    monkeypatch.chdir(tmp_path)
    days = _alpha_days(tmp_path / "alpha")
    week = _beta_week(tmp_path / "beta" / "week.json")
    for paths in ((*days, week), (week, *days)):
        msg = _refused(*paths)
        assert msg.startswith(
            f"beta/week.json holds 2 {REFUSED} alpha/day_1.json and 1 other file(s), though "
            f"they had ended when it was fetched: it holds a later bucket of the same grouping, "
            f"starting a day or more after each ended (e.g. bucket '{_grouping_id(1)}': 550 "
            "tokens in beta/week.json, 1,200 in alpha/day_1.json; beta/week.json holds that "
            "grouping's bucket of 2026-10-07 00:00 UTC)")
    # --db: alpha's folder, then beta; beta, then alpha's folder
    db = tmp_path / "a.duckdb"
    assert _load(tmp_path / "alpha", db=db)[1] == [(7, 9_100, 700)]
    assert REFUSED in _refused(week, db=db)
    db = tmp_path / "b.duckdb"
    _load(week, db=db)
    msg = _refused(tmp_path / "alpha", db=db)
    assert msg.startswith(f"beta/week.json (in the --db file) holds 2 {REFUSED} alpha/day_1")


def _daily_job(folder: Path) -> list[Path]:
    """qa15C s3: on day k (1..7) a job fetches days k-1 (finished) and k (half done)."""
    return [_write(folder / f"fetch_{k}.json", _page([
        (T0 + (k - 1) * DAY, DAY, [(1_000 + 100 * (k - 1), 100)]),
        (T0 + k * DAY, DAY, [((1_000 + 100 * k) // 2, 50)])])) for k in range(1, 8)]


def test_a_daily_job_loads_alone_and_its_stored_files_are_judged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # each fetch's running day is replaced by the next fetch's finished copy: the job's own
    # files load, cold and one at a time into a --db file, with the finished days
    monkeypatch.chdir(tmp_path)
    fetches = _daily_job(tmp_path / "alpha")
    finished = [(8, 9_100 + 1_700 // 2, 750)]  # days 0..6 finished, day 7 half done
    report, totals = _load(*fetches)
    assert totals == finished and len(_noted(report)) == 1
    db = tmp_path / "s.duckdb"
    for path in fetches:
        report, totals = _load(path, db=db)
    assert totals == finished
    # beta's week export beside them: refused cold and into that store (its stored files
    # dropped their running day as duplicates: that does not make them files of several
    # fetches), and with beta stored first
    week = _beta_week(tmp_path / "beta" / "week.json")
    assert "usage bucket(s)" in _refused(*fetches, week)
    msg = _refused(week, db=db)
    assert msg.startswith(f"beta/week.json holds 2 {REFUSED} alpha/fetch_2.json (in the --db "
                          "file) and 1 other file(s)")
    other = tmp_path / "t.duckdb"
    _load(week, db=other)
    assert "usage bucket(s)" in _refused(*fetches, db=other)


def test_a_stored_file_is_judged_by_the_buckets_later_loads_replaced(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # early: alpha fetched on day 3 (day 2 still growing by usage reported late, day 3
    # running); late: alpha fetched on day 5, from day 2, holding more of days 2-3. Stored,
    # early keeps days 0 and 1: its later buckets were replaced. Beta holds more of day 0,
    # which early held finished (it held day 3): refused, as in one load of the three
    monkeypatch.chdir(tmp_path)
    early = _days(tmp_path / "early.json", {0: 1_000, 1: 1_000, 2: 900, 3: 300})
    late = _days(tmp_path / "late.json", {2: 1_000, 3: 1_000, 4: 1_000, 5: 800})
    beta = _days(tmp_path / "beta.json", {0: 4_000})
    assert REFUSED in _refused(early, late, beta)
    db = tmp_path / "s.duckdb"
    _load(early, db=db)
    _, totals = _load(late, db=db)
    assert totals == [(6, 5_800, 600)]
    with Store(db) as store:
        assert store.con.execute("SELECT count(*) FROM events WHERE source = ?",
                                 [str(early)]).fetchall() == [(2,)]
    msg = _refused(beta, db=db)
    assert msg.startswith(f"early.json (in the --db file) holds 1 {REFUSED} beta.json, though")
    assert "early.json (in the --db file) holds that grouping's bucket of 2026-10-04" in msg


def test_a_midday_fetch_and_the_final_one_still_load(tmp_path: Path) -> None:
    # a week fetched at noon of its last day, and after it: only the running day differs
    noon = _days(tmp_path / "noon.json", {**ALPHA, 6: 400})
    final = _days(tmp_path / "final.json", ALPHA)
    want = [(7, 7_000, 700)]
    for i, order in enumerate(((noon, final), (final, noon))):
        report, totals = _load(*order)
        assert totals == want and len(_noted(report)) == 1
        db = tmp_path / f"s{i}.duckdb"
        for path in order:
            report, totals = _load(path, db=db)
        assert totals == want


def test_usage_reported_late_within_a_day_is_no_refusal(tmp_path: Path) -> None:
    # hourly buckets fetched at 05:30 of day 2: the buckets of day 1's last hours still grew
    # after it (reported late); they ended less than a day before the fetch's last bucket
    hours = range(24, 54)
    early = _write(tmp_path / "early.json", _page([
        (T0 + h * HOUR, HOUR, [(1_000 - (50 if 40 <= h < 48 else 0), 10)]) for h in hours]))
    final = _write(tmp_path / "final.json", _page([
        (T0 + h * HOUR, HOUR, [(1_000, 10)]) for h in range(24, 72)]))
    want = [(48, 48_000, 480)]
    for i, order in enumerate(((early, final), (final, early))):
        assert _load(*order)[1] == want
        db = tmp_path / f"s{i}.duckdb"
        for path in order:
            _, totals = _load(path, db=db)
        assert totals == want
    # late by more than a day: the early fetch held that bucket finished
    late = _write(tmp_path / "later.json", _page([
        (T0 + h * HOUR, HOUR, [(1_000 + (5 if h == 25 else 0), 10)]) for h in range(24, 72)]))
    msg = _refused(early, late)
    assert msg.startswith(f"{early} holds 1 {REFUSED} {late}, though")


def test_a_moved_stored_file_keeps_its_record(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    beta = _days(tmp_path / "old" / "beta.json", BETA, out=50)
    db = tmp_path / "s.duckdb"
    _load(beta, db=db)
    shutil.move(tmp_path / "old", tmp_path / "new")
    report, _ = _load(tmp_path / "new" / "beta.json", db=db)
    assert report.files[0].status == "unchanged"  # taken as moved, nothing read
    with Store(db) as store:
        assert store.con.execute("SELECT DISTINCT source FROM bucket_fetches").fetchall() == [
            (str(tmp_path / "new" / "beta.json"),)]
    msg = _refused(_days(tmp_path / "alpha.json", ALPHA), db=db)
    assert msg.startswith(f"new/beta.json (in the --db file) holds 5 {REFUSED} alpha.json")


def test_a_stored_file_gone_from_disk_is_named_so(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    beta = _days(tmp_path / "g" / "beta.json", BETA, out=50)
    db = tmp_path / "s.duckdb"
    _load(beta, db=db)
    beta.unlink()
    _days(tmp_path / "g" / "alpha.json", ALPHA)
    msg = cli_error(["load", "g", "--db", str(db)])
    assert msg.startswith(f"error: g/beta.json (in the --db file, gone from disk) holds 5 "
                          f"{REFUSED} g/alpha.json, though")
    assert msg.endswith(
        f"else load the exports on disk into a new --db file: --db {db} keeps the rows of "
        "g/beta.json, gone from disk, so leaving that file out does not remove them; or "
        "leave the exports on disk out of it")


def test_a_file_an_older_planalyzer_stored_is_judged_as_before(tmp_path: Path) -> None:
    # no record of what its rows said: only the rule of pairs judges it (a note here)
    beta = _days(tmp_path / "beta.json", BETA, out=50)
    db = tmp_path / "s.duckdb"
    _load(beta, db=db)
    with Store(db) as store:
        store.con.execute("DELETE FROM bucket_fetches")
    report, totals = _load(_days(tmp_path / "alpha.json", ALPHA), db=db)
    assert totals == [(7, 7_000, 700)] and len(_noted(report)) == 1
