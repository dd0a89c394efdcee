"""Usage buckets two files hold with other token counts (planalyzer.bucket_copies,
sql/differing_bucket_copies.sql): exports filtered to other projects or keys and not grouped
by them give a bucket the same id, so the dedupe would keep one file's usage and drop the
other's (qa14A #3). Two files each holding more of some bucket than the other cannot be two
fetches of one export (a bucket only grows): refused, in one load and across --db loads;
where one file may be a later fetch of the other, the load keeps the copy with the most tokens
and says so in a note, naming the files, a bucket and what to do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_error, write_csv

from planalyzer.errors import InputError
from planalyzer.sources.mapping import MappingSpec
from planalyzer.store import LoadOptions, LoadReport, Store

DAY = 1790812800  # 2026-10-01 00:00 UTC
HEADER = ["start_time", "end_time", "num_model_requests", "user_id", "model", "batch",
          "input_tokens", "output_tokens", "input_cached_tokens"]
MODEL = "gpt-4o-2024-08-06"
ID = f"openai-csv:{DAY}/86400:user-abc:::{MODEL}:false:"
JSON_ID = f"openai:{DAY}/86400:user-abc:::{MODEL}::"
TOTALS = "SELECT sum(requests), sum(input_tokens), sum(output_tokens) FROM events"


def _csv(path: Path, *days: tuple[int, int, int, int]) -> Path:
    """A dashboard CSV export of user-abc without a project column (filtered to one
    project): one daily row per (requests, input incl. cached, output, cached), from DAY."""
    rows = []
    for i, (requests, inp, out, cached) in enumerate(days):
        start = DAY + i * 86400
        rows.append([start, start + 86400, requests, "user-abc", MODEL, "False", inp, out,
                     cached])
    return write_csv(path, HEADER, rows)


def _page(*days: tuple[int, int, int, int], start: int = DAY) -> dict[str, Any]:
    """A Usage API page filtered to one project, not grouped by it (project_id null)."""
    return {"object": "page", "has_more": False, "next_page": None, "data": [
        {"object": "bucket", "start_time": start + i * 86400,
         "end_time": start + (i + 1) * 86400, "results": [{
             "object": "organization.usage.completions.result", "input_tokens": inp,
             "output_tokens": out, "input_cached_tokens": cached,
             "num_model_requests": requests, "project_id": None, "user_id": "user-abc",
             "api_key_id": None, "model": MODEL, "batch": None, "service_tier": None}]}
        for i, (requests, inp, out, cached) in enumerate(days)]}


def _json(path: Path, *pages: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(p) for p in pages) + "\n", encoding="utf-8")
    return path


def _load(*paths: Path, db: Path | None = None,
          opts: LoadOptions | None = None) -> tuple[LoadReport, list[Any]]:
    with Store(db) as store:
        report = store.load([str(p) for p in paths], opts or LoadOptions())
        return report, store.con.execute(TOTALS).fetchall()


def _bucket_notes(report: LoadReport) -> list[str]:
    return [n for n in report.notes if "usage bucket(s) are held by two files" in n]


# qa14A's pf repro: one day of user-abc, alpha's export holding more of every count
ALPHA = (40, 100_000, 20_000, 60_000)
BETA = (7, 30_000, 2_000, 0)
# a second day on which beta used more
ALPHA_2 = (2, 1_000, 200, 0)
BETA_2 = (9, 9_000, 900, 0)


def test_exports_filtered_to_two_projects_are_noted(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    alpha = _csv(tmp_path / "e" / "usage_project_alpha.csv", ALPHA)
    beta = _csv(tmp_path / "e" / "usage_project_beta.csv", BETA)
    report, totals = _load(alpha, beta)
    assert totals == [(40, 40_000, 20_000)]  # alpha's bucket kept: it holds more
    (note,) = _bucket_notes(report)
    assert note.startswith(
        f"1 usage bucket(s) are held by two files with other token counts, e.g. bucket "
        f"'{ID}': 120,000 tokens in e/usage_project_alpha.csv, 32,000 in "
        "e/usage_project_beta.csv; the copy with the most tokens was kept. That is right "
        "where a file is a later fetch of the same export")
    assert "exports filtered to other projects, workspaces, API keys or users" in note
    assert "--map event_id= (no event id" in note and "group_by project_id" in note
    # the remedy loads both
    no_ids = LoadOptions(mapping=MappingSpec(explicit={"event_id": ""}))
    report, totals = _load(alpha, beta, opts=no_ids)
    assert totals == [(47, 70_000, 22_000)] and not _bucket_notes(report)


def test_json_pages_filtered_to_two_projects_are_noted(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    alpha = _json(tmp_path / "j" / "usage_alpha.json", _page(ALPHA))
    beta = _json(tmp_path / "j" / "usage_beta.json", _page(BETA))
    for order in ((alpha, beta), (beta, alpha)):
        report, totals = _load(*order)
        assert totals == [(40, 40_000, 20_000)]
        (note,) = _bucket_notes(report)
        assert (f"bucket '{JSON_ID}': 120,000 tokens in j/usage_alpha.json, 32,000 in "
                "j/usage_beta.json;") in note


def test_the_note_across_db_loads_names_the_stored_file(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    alpha = _csv(tmp_path / "alpha.csv", ALPHA)
    beta = _csv(tmp_path / "beta.csv", BETA)
    db = tmp_path / "s.duckdb"
    _load(beta, db=db)
    report, totals = _load(alpha, db=db)
    assert totals == [(40, 40_000, 20_000)]
    (note,) = _bucket_notes(report)
    assert "120,000 tokens in alpha.csv, 32,000 in beta.csv (in the --db file);" in note


def test_a_midday_and_the_final_fetch_load_with_the_note(tmp_path: Path) -> None:
    # the same export fetched at noon and after the day: the final copy is kept, either
    # order, cold or --db; the note says it is right for a later fetch
    noon = _csv(tmp_path / "noon.csv", (7, 30_000, 2_000, 0))
    final = _csv(tmp_path / "final.csv", (12, 50_000, 3_000, 10_000))
    for i, order in enumerate(((noon, final), (final, noon))):
        report, totals = _load(*order)
        assert totals == [(12, 40_000, 3_000)] and len(_bucket_notes(report)) == 1
        db = tmp_path / f"s{i}.duckdb"
        for path in order:
            report, totals = _load(path, db=db)
        assert totals == [(12, 40_000, 3_000)] and len(_bucket_notes(report)) == 1


def test_the_same_export_twice_gets_no_note(tmp_path: Path) -> None:
    a = _csv(tmp_path / "a.csv", ALPHA, ALPHA_2)
    b = _csv(tmp_path / "b.csv", ALPHA, ALPHA_2)
    report, totals = _load(a, b)
    assert totals == [(42, 41_000, 20_200)] and not _bucket_notes(report)
    assert report.duplicates_dropped == 2


def _refusal(err: pytest.ExceptionInfo[InputError]) -> str:
    return str(err.value)


def test_exports_each_holding_more_of_a_bucket_are_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    alpha = _csv(tmp_path / "alpha.csv", ALPHA, ALPHA_2)
    beta = _csv(tmp_path / "beta.csv", BETA, BETA_2)
    with pytest.raises(InputError) as err:
        _load(alpha, beta)
    day2 = ID.replace(str(DAY), str(DAY + 86400))
    assert _refusal(err) == (
        "alpha.csv and beta.csv hold 2 usage bucket(s) with other token counts, and each "
        "holds more tokens of some of them than the other (1 more in the first, e.g. bucket "
        f"'{ID}': 120,000 tokens in alpha.csv, 32,000 in beta.csv; 1 more in the second, "
        f"e.g. bucket '{day2}': 9,900 tokens in beta.csv, 1,200 in alpha.csv). A bucket "
        "fetched again later only grows, so neither is a later fetch of the other: they look "
        "like exports filtered to other projects, workspaces, API keys or users and not "
        "grouped by them (which give a bucket the same id), and the dedupe would keep one "
        "copy of each bucket and drop the other file's usage. If one export's scope holds "
        "the other's (an organization-wide export beside one filtered to a project), leave "
        "the narrower one out: the wider one counts its usage. If the scopes are apart, to "
        "load both, export them "
        "grouped by that dimension (the usage API's group_by project_id, workspace_id, "
        "api_key_id or user_id; the OpenAI dashboard CSV with its project or key column), or "
        "load OpenAI dashboard CSVs with --map event_id= (no event id: no row is dropped as a "
        "duplicate); else leave one of them out (or load it into another --db file)")
    no_ids = LoadOptions(mapping=MappingSpec(explicit={"event_id": ""}))
    assert _load(alpha, beta, opts=no_ids)[1] == [(58, 80_000, 23_100)]


def test_the_refusal_across_db_loads_leaves_the_store_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    alpha = _csv(tmp_path / "alpha.csv", ALPHA, ALPHA_2)
    beta = _csv(tmp_path / "beta.csv", BETA, BETA_2)
    for first, second in ((alpha, beta), (beta, alpha)):
        db = tmp_path / f"{first.stem}.duckdb"
        _, stored = _load(first, db=db)
        with pytest.raises(InputError) as err:
            _load(second, db=db)
        assert _refusal(err).startswith("alpha.csv") and (
            f"{first.name} (in the --db file)" in _refusal(err))
        with Store(db) as store:
            assert store.con.execute(TOTALS).fetchall() == stored
            assert store.sources() == [str(first)]


def test_json_exports_each_holding_more_of_a_bucket_are_a_cli_error(tmp_path: Path) -> None:
    alpha = _json(tmp_path / "usage_alpha.json", _page(ALPHA, ALPHA_2))
    beta = _json(tmp_path / "usage_beta.json", _page(BETA, BETA_2))
    msg = cli_error(["load", str(alpha), str(beta)])
    assert "hold 2 usage bucket(s) with other token counts, and each holds more" in msg
    assert f"bucket '{JSON_ID}': 120,000 tokens in " in msg


def test_a_file_of_several_fetches_is_noted_not_refused(tmp_path: Path) -> None:
    # pages appended to one file as a job fetched the day so far: day 1 at 10:00 and at noon
    # (not after it ended), day 2 after it ended; a one-off fetch of both days taken on day 2
    # holds more of day 1 and less of day 2. Each copy is of another time: the most tokens
    # per bucket is right, so the load is not refused (the file holds a bucket id twice)
    appended = _json(tmp_path / "appended.jsonl", _page((5, 20_000, 1_000, 0)),
                     _page((7, 30_000, 2_000, 0)), _page((9, 9_000, 900, 0), start=DAY + 86400))
    oneoff = _json(tmp_path / "oneoff.json", _page((12, 50_000, 3_000, 0), (2, 1_000, 200, 0)))
    report, totals = _load(appended, oneoff)
    assert totals == [(21, 59_000, 3_900)] and len(_bucket_notes(report)) == 1
    # stored by an earlier load, the file's repeats were dropped: its manifest counts them
    db = tmp_path / "s.duckdb"
    _load(appended, db=db)
    report, totals = _load(oneoff, db=db)
    assert totals == [(21, 59_000, 3_900)] and len(_bucket_notes(report)) == 1


def _messages(path: Path, *days: tuple[int, int]) -> Path:
    """An Anthropic usage_report/messages page filtered to one workspace, not grouped by it
    (workspace_id null): account user_01Abc's daily (input, output) from 2026-10-01."""
    return _json(path, {"has_more": False, "next_page": None, "data": [
        {"starting_at": f"2026-10-0{i + 1}T00:00:00Z", "ending_at": f"2026-10-0{i + 2}T00:00:00Z",
         "results": [{"uncached_input_tokens": inp, "cache_read_input_tokens": 0,
                      "output_tokens": out, "account_id": "user_01Abc", "api_key_id": None,
                      "workspace_id": None, "model": "claude-sonnet-4-5-20250929",
                      "service_tier": "standard", "context_window": "0-200k"}]}
        for i, (inp, out) in enumerate(days)]})


def test_anthropic_exports_of_two_workspaces_are_refused_or_noted(tmp_path: Path) -> None:
    one = _messages(tmp_path / "workspace_one.json", (9_000, 100), (100, 10))
    two = _messages(tmp_path / "workspace_two.json", (1_000, 50), (800, 80))
    with pytest.raises(InputError) as err:
        _load(one, two)
    assert "hold 2 usage bucket(s) with other token counts, and each holds more" in (
        _refusal(err))
    report, _ = _load(one, _messages(tmp_path / "day_one.json", (1_000, 50)))
    assert len(_bucket_notes(report)) == 1


def test_the_note_counts_buckets_per_pair_of_files(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # the noon fetch, a 6 pm fetch and the final one of one day: three pairs, one bucket
    monkeypatch.chdir(tmp_path)
    paths = [_csv(tmp_path / f"{name}.csv", (n, 10_000 * n, 100 * n, 0))
             for name, n in (("a_noon", 1), ("b_evening", 2), ("c_final", 3))]
    report, totals = _load(*paths)
    assert totals == [(3, 30_000, 300)]
    (note,) = _bucket_notes(report)
    assert note.startswith(
        "3 usage bucket(s) are held by two files with other token counts (counted per pair of "
        f"files: 3 pairs), e.g. bucket '{ID}': 20,200 tokens in b_evening.csv, 10,100 in "
        "a_noon.csv;")


def test_a_stored_file_gone_from_disk_is_named_so_and_a_new_db_file_comes_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """qa15C #6: the export the --db file holds was deleted, so leaving it out (what the user
    did) cannot work: the refusal says it is gone from disk and gives a new --db file first,
    as the overlapping-buckets refusal does (qa14A #5)."""
    monkeypatch.chdir(tmp_path)
    alpha = _json(tmp_path / "g" / "alpha.json", _page(ALPHA, ALPHA_2))
    beta = _json(tmp_path / "g" / "beta.json", _page(BETA, BETA_2))
    db = tmp_path / "s.duckdb"
    _load(alpha, db=db)
    alpha.unlink()
    msg = cli_error(["load", "g", "--db", str(db)])
    assert msg.startswith("error: g/alpha.json (in the --db file, gone from disk) and "
                          "g/beta.json hold 2 usage bucket(s)")
    assert "g/beta.json (in" not in msg
    assert msg.endswith(
        f"else load the exports on disk into a new --db file: --db {db} keeps the rows of "
        "g/alpha.json, gone from disk, so leaving that file out does not remove them; or "
        "leave the exports on disk out of it")
    # a stored file still on disk keeps the remedy of leaving one of them out
    _json(tmp_path / "g" / "alpha.json", _page(ALPHA, ALPHA_2))
    other = tmp_path / "t.duckdb"
    _load(alpha, db=other)
    msg = cli_error(["load", str(beta), "--db", str(other)])
    assert "alpha.json (in the --db file) and" in msg and "gone from disk" not in msg
    assert msg.endswith("else leave one of them out (or load it into another --db file)")
