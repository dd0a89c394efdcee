"""Anthropic usage event ids name the bucket's start as an instant: two fetches of one export
that spell it '...Z', '....000Z', '+00:00' (or a Claude Code report's day as a bare date) give
one id, cold and in a --db store, also one an older planalyzer made (qa17A #3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import assert_balanced, cli_error

from planalyzer import instant_ids
from planalyzer.errors import InputError
from planalyzer.store import Store

MODEL = "claude-sonnet-4-5-20250929"
ROWS = "SELECT event_id, input_tokens FROM events ORDER BY ts"
TOTALS = "SELECT count(*), sum(input_tokens), sum(requests) FROM events"


def _messages(path: Path, spelling: str, inputs: tuple[int, int, int]) -> Path:
    """A usage_report/messages page of three daily buckets (Oct 1-3, 2026), the start and end
    written with ``spelling`` ('{d}' the day of the month)."""
    page = {"data": [{"starting_at": spelling.format(d=f"{d:02d}"),
                      "ending_at": spelling.format(d=f"{d + 1:02d}"),
                      "results": [{"uncached_input_tokens": n,
                                   "cache_creation": {"ephemeral_5m_input_tokens": 0,
                                                      "ephemeral_1h_input_tokens": 0},
                                   "cache_read_input_tokens": 0, "output_tokens": 100,
                                   "api_key_id": None, "workspace_id": None, "model": MODEL,
                                   "service_tier": "standard", "context_window": "0-200k",
                                   "account_id": "acct_1"}]}
                     for d, n in zip((1, 2, 3), inputs, strict=True)],
            "has_more": False, "next_page": None}
    path.write_text(json.dumps(page), encoding="utf-8")
    return path


def _analytics(path: Path, spelling: str) -> Path:
    rows = [{"starting_at": spelling.format(d=f"{d:02d}"),
             "ending_at": spelling.format(d=f"{d + 1:02d}"),
             "group": {"actor": {"type": "user_actor", "email_address": "a@x.com"},
                       "model": MODEL},
             "usage": {"uncached_input_tokens": 1000, "cache_read_input_tokens": 0,
                       "cache_creation": {"ephemeral_5m_input_tokens": 0,
                                          "ephemeral_1h_input_tokens": 0},
                       "output_tokens": 100, "requests": 2}} for d in (1, 2, 3)]
    path.write_text(json.dumps({"data": rows, "has_more": False, "next_page": None}),
                    encoding="utf-8")
    return path


def _claude_code(path: Path, date: str) -> Path:
    record = {"date": date, "actor": {"type": "user_actor", "email_address": "a@x.com"},
              "subscription_type": "max", "customer_type": "subscription",
              "core_metrics": {"num_sessions": 1},
              "model_breakdown": [{"model": MODEL, "tokens": {"input": 1000, "output": 100,
                                                              "cache_read": 0,
                                                              "cache_creation": 0},
                                   "estimated_cost": {"currency": "USD", "amount": 50}}]}
    path.write_text(json.dumps({"data": [record], "has_more": False, "next_page": None}),
                    encoding="utf-8")
    return path


@pytest.fixture
def fetches(tmp_path: Path) -> list[Path]:
    """qa17A's repro: one export fetched three times, its start spelled three ways; the last
    fetch later, its two running buckets grown (Oct 1 had ended a day before the first fetch's
    Oct 3 bucket started: it no longer grows, sql/finished_bucket_copies.sql)."""
    return [_messages(tmp_path / "fetch1.json", "2026-10-{d}T00:00:00Z", (1000, 1000, 1000)),
            _messages(tmp_path / "fetch2_ms.json", "2026-10-{d}T00:00:00.000Z",
                      (1000, 1000, 1000)),
            _messages(tmp_path / "fetch3_offset.json", "2026-10-{d}T00:00:00+00:00",
                      (1000, 1200, 1200))]


def _cold(paths: list[Path], sql: str = ROWS) -> list[tuple[Any, ...]]:
    with Store() as store:
        store.load([str(p) for p in paths])
        return store.con.execute(sql).fetchall()


def test_spellings_of_one_start_are_one_bucket(fetches: list[Path]) -> None:
    with Store() as store:
        report = store.load([str(p) for p in fetches])
        rows = store.con.execute(ROWS).fetchall()
    # were 9 events, 9,600 input tokens, 0 duplicates
    assert [n for _, n in rows] == [1000, 1200, 1200]
    assert rows[0][0] == f"anthropic:1790812800/86400:acct_1::::{MODEL}:standard:0-200k::"
    assert sum(fl.duplicates_dropped for fl in report.files) == 6


def test_a_finished_bucket_grown_is_refused_whatever_the_spelling(
        tmp_path: Path, fetches: list[Path]) -> None:
    # qa17A's third fetch grew every bucket: Oct 1 had finished when fetch1 was taken, so the
    # load is refused as it is when both spell the start alike (it loaded twice before)
    grown = _messages(tmp_path / "grown.json", "2026-10-{d}T00:00:00+00:00", (1200,) * 3)
    same = _messages(tmp_path / "grown_z.json", "2026-10-{d}T00:00:00Z", (1200,) * 3)
    for other in (grown, same):
        with Store() as store, pytest.raises(InputError, match="fewer tokens than"):
            store.load([str(fetches[0]), str(other)])


def test_analytics_rows_and_claude_code_days(tmp_path: Path) -> None:
    an = [_analytics(tmp_path / "an1.json", "2026-10-{d}T00:00:00Z"),
          _analytics(tmp_path / "an2.json", "2026-10-{d}T00:00:00+00:00")]
    assert _cold(an, TOTALS) == [(3, 3000, 6)]  # were 6 rows, 12 requests, 6,000 input
    cc = [_claude_code(tmp_path / "cc1.json", "2026-10-01T00:00:00Z"),
          _claude_code(tmp_path / "cc2.json", "2026-10-01")]
    assert _cold(cc, ROWS) == [(f"claude_code:1790812800:a@x.com:{MODEL}", 1000)]


def test_instant_id_of_a_part_of_a_second(tmp_path: Path) -> None:
    a = _analytics(tmp_path / "a.json", "2026-10-{d}T00:00:00.5Z")
    b = _analytics(tmp_path / "b.json", "2026-10-{d}T00:00:00.500+00:00")
    ids = [r[0] for r in _cold([a, b])]
    assert len(ids) == 3 and ids[0].startswith("anthropic-analytics:1790812800500000us/86400:")


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0)])
def test_db_loads_match_the_cold_load(tmp_path: Path, fetches: list[Path],
                                      order: tuple[int, ...]) -> None:
    db = tmp_path / "s.duckdb"
    for i in order:
        with Store(db) as store:
            store.load(str(fetches[i]))
    with Store(db) as store:
        assert store.con.execute(ROWS).fetchall() == _cold(fetches)
        assert_balanced(store.con)


def _old_ids(store: Store, spelling: str = "%Y-%m-%dT%H:%M:%SZ", source: str = "%") -> None:
    """The ids an older planalyzer wrote: the start as the export spelled it (strftime
    ``spelling``), of the rows of the files matching ``source`` (LIKE)."""
    store.con.execute(
        "UPDATE events SET event_id = CASE WHEN event_id LIKE 'claude_code:%' "
        "THEN 'claude_code:' || strftime(ts, $f) "
        "|| substr(event_id, strpos(substr(event_id, 13), ':') + 12) "
        "ELSE split_part(event_id, ':', 1) || ':' || strftime(ts, $f) "
        "|| substr(event_id, strpos(event_id, '/')) END WHERE source LIKE $s",
        {"f": spelling, "s": source})


def test_db_an_older_planalyzer_made_takes_a_refetch_once(tmp_path: Path,
                                                         fetches: list[Path]) -> None:
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load(str(fetches[0]))
        _old_ids(store)
        assert store.con.execute(ROWS).fetchall()[0][0] \
            .startswith("anthropic:2026-10-01T00:00:00Z/86400:acct_1:")
    with Store(db) as store:
        store.load([str(fetches[1]), str(fetches[2])])
        # 3 events, the grown copies kept: as a load of the three files into a new store
        assert store.con.execute(ROWS).fetchall() == _cold(fetches)
        assert_balanced(store.con)


def test_db_an_older_planalyzer_made_analytics_and_claude_code(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    an1 = _analytics(tmp_path / "an1.json", "2026-10-{d}T00:00:00Z")
    an2 = _analytics(tmp_path / "an2.json", "2026-10-{d}T00:00:00+00:00")
    cc1 = _claude_code(tmp_path / "cc1.json", "2026-10-01T00:00:00Z")
    cc2 = _claude_code(tmp_path / "cc2.json", "2026-10-01")
    with Store(db) as store:
        store.load([str(an1), str(cc1)])
        _old_ids(store)
        assert f"claude_code:2026-10-01T00:00:00Z:a@x.com:{MODEL}" in [
            r[0] for r in store.con.execute(ROWS).fetchall()]
    with Store(db) as store:
        report = store.load([str(an2), str(cc2)])
        assert [fl.duplicates_dropped for fl in report.files] == [3, 1]
        assert store.con.execute(TOTALS).fetchall() == [(4, 4000, 7)]
        assert store.con.execute(ROWS).fetchall() == _cold([an1, cc1, an2, cc2])


def test_db_holding_a_bucket_under_two_spellings_is_refused(
        tmp_path: Path, fetches: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "s.duckdb"
    with monkeypatch.context() as m:  # an older planalyzer: no rewrite, the text in the ids
        m.setattr(instant_ids, "rekey", lambda *a: 0)
        with Store(db) as store:
            store.load(str(fetches[0]))
            _old_ids(store)
            store.load(str(fetches[1]))
            _old_ids(store, "%Y-%m-%dT%H:%M:%S.000Z", "%fetch2_ms.json")
            # it kept both fetches' buckets (their ids differ): every bucket counted twice
            assert store.con.execute(TOTALS).fetchall()[0][:2] == (6, 6000)
    with Store(db) as store, pytest.raises(InputError, match="holds 3 Anthropic usage"):
        store.load(str(fetches[2]))
    message = cli_error(["load", str(fetches[2]), "--db", str(db)])
    assert "holds 3 Anthropic usage bucket(s) twice (from " in message
    assert "fetch1.json, " in message and "fetch2_ms.json): an older planalyzer" in message
    assert message.endswith("load every file into a new --db file instead")
    with Store(db) as store:  # rolled back: the store as it was
        assert store.con.execute(TOTALS).fetchall()[0][:2] == (6, 6000)
        assert store.con.execute("SELECT count(*) FROM events WHERE event_id LIKE "
                                 "'anthropic:2026-%'").fetchall() == [(6,)]
    # a new --db file (or none) loads the three files: 3 buckets
    assert _cold(fetches, TOTALS)[0][:2] == (3, 3400)
