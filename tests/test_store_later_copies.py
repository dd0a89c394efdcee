"""A --db store ends with the copy one load of every file keeps: a copy of an event id stored by
an earlier run loses to a later copy with more tokens (a usage bucket fetched while its day went
on, then again finished under the same id; a LiteLLM daily row upserted; a Langfuse generation
exported while running), whatever the order of the runs (sql/rank_duplicate_events.sql)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import duckdb
from conftest import cli_json, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_duplicate_links import HEAD, MODEL, _balanced, _cold, _events, _touch_later

from planalyzer.store import Store

DAY = 1791244800  # 2026-10-06 00:00 UTC


def _openai_page(path: Path, requests: int, inp: int, cached: int, out: int) -> Path:
    """An OpenAI completions usage page: one daily bucket of user-a on gpt-5."""
    result = {"object": "organization.usage.completions.result", "input_tokens": inp,
              "output_tokens": out, "input_cached_tokens": cached,
              "num_model_requests": requests, "project_id": None, "user_id": "user-a",
              "api_key_id": None, "model": "gpt-5-2025-08-07", "batch": None,
              "service_tier": None}
    page = {"object": "page", "data": [{"object": "bucket", "start_time": DAY,
                                        "end_time": DAY + 86400, "results": [result]}],
            "has_more": False, "next_page": None}
    path.write_text(json.dumps(page))
    return path


def _fetches(root: Path) -> tuple[Path, Path]:
    """The noon fetch of the day's bucket and the next day's fetch of the finished bucket."""
    root.mkdir(parents=True, exist_ok=True)
    return (_openai_page(root / "fetch_oct06_1200.json", 20, 100_000, 40_000, 5_000),
            _openai_page(root / "fetch_oct07.json", 60, 300_000, 120_000, 15_000))


def _usage(doc: dict[str, Any]) -> tuple[int, int, int, int]:
    (row,) = doc["usage_summary"]["rows"]
    return (row["requests"], row["input_tokens"], row["cache_read_tokens"],
            row["output_tokens"])


def _manifest(db: Path) -> dict[str, tuple[int, int, int, int]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT source, rows_read, rows_loaded, rows_rejected, "
                           "duplicates_dropped FROM load_manifest").fetchall()
    finally:
        con.close()
    return {Path(r[0]).name: tuple(r[1:]) for r in rows}


FINISHED = (60, 180_000, 120_000, 15_000)


def test_cli_a_bucket_fetched_again_after_it_grew_replaces_the_stored_one(
        tmp_path: Path) -> None:
    noon, next_day = _fetches(tmp_path / "logs")
    assert _usage(cli_json(["load", str(noon), str(next_day)])) == FINISHED
    db = tmp_path / "u.duckdb"
    cli_json(["load", str(noon), "--db", str(db)])
    doc = cli_json(["load", str(noon), str(next_day), "--db", str(db)])
    assert _usage(doc) == FINISHED
    notes = doc["load_accounting"]["notes"]
    assert any(n.startswith("1 row(s) stored by earlier loads were replaced by later copies "
                            "of the same event with more tokens") for n in notes), notes
    # the noon fetch's row counts as its duplicate: read = loaded + rejected + duplicates
    assert _manifest(db) == {"fetch_oct06_1200.json": (1, 0, 0, 1),
                             "fetch_oct07.json": (1, 1, 0, 0)}


def test_cli_the_other_order_keeps_the_finished_bucket_too(tmp_path: Path) -> None:
    noon, next_day = _fetches(tmp_path / "logs")
    db = tmp_path / "u.duckdb"
    cli_json(["load", str(next_day), "--db", str(db)])
    doc = cli_json(["load", str(noon), "--db", str(db)])
    assert _usage(doc) == FINISHED
    assert not any("replaced" in n for n in doc["load_accounting"]["notes"])
    assert _manifest(db)["fetch_oct06_1200.json"] == (1, 0, 0, 1)


def test_library_runs_in_either_order_equal_one_load(tmp_path: Path) -> None:
    noon, next_day = _fetches(tmp_path / "logs")
    cold = _cold(noon, next_day)
    for i, order in enumerate(((noon, next_day), (next_day, noon))):
        db = tmp_path / f"s{i}.duckdb"
        for path in order:
            with Store(db) as s:
                s.load(path)
        with Store(db) as s:
            _balanced(s)
            assert _events(s.con) == cold


def test_reloading_the_winner_without_the_event_gives_the_stored_copy_back(
        tmp_path: Path) -> None:
    """The file whose stored row was replaced is linked to the file keeping the copy: when that
    file changes and no longer holds the event, the replaced file is read again."""
    logs = tmp_path / "logs"
    a = write_csv(logs / "a.csv", HEAD, [["e1", "2026-10-01 10:00:00", "alice", MODEL, 100, 10]])
    b = write_csv(logs / "b.csv", HEAD, [["e1", "2026-10-01 10:00:00", "alice", MODEL, 900, 90],
                                          ["e2", "2026-10-01 11:00:00", "alice", MODEL, 5, 1]])
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        s.load(a)
    with Store(db) as s:
        s.load(b)
        links = s.con.execute("SELECT source, kept_source FROM duplicate_links").fetchall()
        assert links == [(str(a), str(b))]
    _touch_later(write_csv(b, HEAD, [["e2", "2026-10-01 11:00:00", "alice", MODEL, 5, 1]]))
    with Store(db) as s:
        report = s.load(b)
        assert any("read again" in n for n in report.notes), report.notes
        _balanced(s)
        assert _events(s.con) == _cold(a, b)
        assert ("e1", 100) in s.con.execute("SELECT event_id, input_tokens FROM events")\
            .fetchall()


def test_copies_with_as_many_tokens_keep_the_stored_row(tmp_path: Path) -> None:
    """A stored row is not replaced by an equal copy (no churn, no note): the tokens are the
    same as one load's."""
    logs = tmp_path / "logs"
    row = ["e1", "2026-10-01 10:00:00", "alice", MODEL, 100, 10]
    b = write_csv(logs / "b.csv", HEAD, [row])
    a = write_csv(logs / "a.csv", HEAD, [row, ["e2", "2026-10-01 11:00:00", "bob", MODEL, 1, 1]])
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        s.load(b)
    with Store(db) as s:
        report = s.load(a)
        assert not any("replaced" in n for n in report.notes)
        assert s.con.execute("SELECT source FROM events WHERE event_id = 'e1'").fetchall() \
            == [(str(b),)]
        assert _events(s.con) == _cold(a, b)


def test_a_gone_exports_stored_row_ranks_as_a_stored_row(tmp_path: Path) -> None:
    """qa14A #4, as docs/sources.md says: only a transcript gone from disk ranks after the
    copies on disk; a deleted CSV keeps its rows, and its stored row stays against a copy on
    disk with fewer tokens (a copy with more replaces it)."""
    logs = tmp_path / "logs"
    a = write_csv(logs / "a.csv", HEAD, [["e1", "2026-10-01 10:00:00", "alice", MODEL, 100, 0]])
    b = write_csv(logs / "b.csv", HEAD, [["e1", "2026-10-01 10:00:00", "alice", MODEL, 50, 0]])
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        s.load(logs)
    a.unlink()
    doc = (Path(__file__).parent.parent / "docs" / "sources.md").read_text()
    assert "A copy in a transcript gone from disk" in doc.replace("\n", " ")
    for tokens, kept in ((60, 100), (200, 200)):
        _touch_later(write_csv(b, HEAD, [["e1", "2026-10-01 10:00:00", "alice", MODEL, tokens,
                                          0]]))
        with Store(db) as s:
            s.load(logs)
            _balanced(s)
            assert s.con.execute("SELECT input_tokens FROM events").fetchall() == [(kept,)]


DAILY_HEAD = ["id", "user_id", "date", "api_key", "model", "model_group", "custom_llm_provider",
              "prompt_tokens", "completion_tokens", "cache_read_input_tokens",
              "cache_creation_input_tokens", "spend", "api_requests", "successful_requests",
              "failed_requests", "created_at", "updated_at"]


def _daily(path: Path, d2: tuple[int, int, int]) -> Path:
    """LiteLLM_DailyUserSpend: d1 (a finished day) and d2, upserted in place under its id."""
    prompt, completion, requests = d2
    return write_csv(path, DAILY_HEAD, [
        ["d1", "carol", "2026-10-03", "k1", "gpt-4o", "gpt-4o", "openai", 120000, 30000, 80000,
         0, 0.645, 42, 41, 1, "2026-10-03 00:00:07", "2026-10-04 00:00:03"],
        ["d2", "carol", "2026-10-04", "k1", "gpt-4o", "gpt-4o", "openai", prompt, completion,
         0, 0, 0.01, requests, requests, 0, "2026-10-04 00:00:07", "2026-10-04 14:00:00"]])


def test_litellm_daily_row_upserted_under_its_id(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    part = _daily(logs / "export_oct04_1400.csv", (4000, 500, 5))
    full = _daily(logs / "export_oct05.csv", (9000, 1200, 12))
    db = tmp_path / "s.duckdb"
    for path in (part, full):
        with Store(db) as s:
            s.load(path)
    with Store(db) as s:
        _balanced(s)
        assert _events(s.con) == _cold(part, full)
        assert s.con.execute("SELECT input_tokens, output_tokens, requests FROM events "
                             "WHERE event_id = 'd2'").fetchall() == [(9000, 1200, 12)]


def _generation(obs_id: str, prompt: int, completion: int, end: str | None) -> str:
    return json.dumps({
        "id": obs_id, "traceId": "t1", "type": "GENERATION", "name": "chat",
        "startTime": "2026-10-06T11:59:58.000Z", "endTime": end, "model": "gpt-4o",
        "userId": "gina", "promptTokens": prompt, "completionTokens": completion,
        "totalTokens": prompt + completion, "calculatedTotalCost": 0})


def test_langfuse_generation_exported_running_then_finished(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    running = logs / "export_1200.jsonl"
    running.write_text(_generation("obs-1", 900, 120, "2026-10-06T11:59:30.000Z") + "\n"
                       + _generation("obs-2", 0, 0, None) + "\n")
    finished = logs / "export_next_day.jsonl"
    finished.write_text(_generation("obs-1", 900, 120, "2026-10-06T11:59:30.000Z") + "\n"
                        + _generation("obs-2", 52000, 3100, "2026-10-06T12:00:41.000Z")
                        + "\n")
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        s.load(running)
    with Store(db) as s:
        report = s.load(finished)
        assert any(n.startswith("1 row(s) stored by earlier loads were replaced")
                   for n in report.notes), report.notes
        _balanced(s)
        assert _events(s.con) == _cold(running, finished)
        assert s.con.execute("SELECT sum(input_tokens), sum(output_tokens) FROM events")\
            .fetchall() == [(52900, 3220)]


# -- property: copies split over runs in any way give one load's events -----------------------

FILES = ("a.csv", "b.csv", "c.csv", "d.csv")
copies = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3)), max_size=6)


def _copies_csv(path: Path, spec: list[tuple[int, int]]) -> Path:
    """Copies of events e<i>: the same row but for ``extra`` more output tokens."""
    return write_csv(path, HEAD, [[f"e{i}", f"2026-10-01 10:{i:02d}:00", "alice", MODEL,
                                   1000 + i, 100 + extra] for i, extra in spec or [(9, 0)]])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(copies, min_size=len(FILES), max_size=len(FILES)),
       st.lists(st.integers(0, 2), min_size=len(FILES), max_size=len(FILES)),
       st.dictionaries(st.sampled_from(FILES), copies, max_size=2))
def test_any_split_of_copies_over_runs_gives_one_loads_events(
        specs: list[list[tuple[int, int]]], run_of: list[int],
        rewrites: dict[str, list[tuple[int, int]]]) -> None:
    """Files holding copies of a few ids with differing tokens are loaded into a --db store
    over up to three runs, each naming its own files only; the store then holds one load's
    events, and again after some files are rewritten and every file is named."""
    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp) / "logs"
        db = Path(tmp) / "s.duckdb"
        paths = [_copies_csv(logs / name, spec) for name, spec in zip(FILES, specs, strict=True)]
        for run in range(3):
            named = [p for p, r in zip(paths, run_of, strict=True) if r == run]
            if named:
                with Store(db) as s:
                    s.load([str(p) for p in named])
                    _balanced(s)
        with Store(db) as s:
            assert _events(s.con) == _cold(logs)
        for name, spec in rewrites.items():
            _touch_later(_copies_csv(logs / name, spec))
        with Store(db) as s:
            s.load(logs)
            _balanced(s)
            assert _events(s.con) == _cold(logs)
