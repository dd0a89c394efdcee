"""Anthropic analytics rows name a user by the stable user_id in their event id, and show the
email of the user_id's latest row that has one (planalyzer.anthropic_actors, qa17C #1).

The analytics API reports a user's current email for past buckets too, and none once the
account is deleted: keyed by the email, a re-fetch after a deletion or an email change got new
ids, counted the common days twice and split one person into two users. A --db store an older
planalyzer made (ids keyed by the email) has them rewritten where a row pairs the email with
a user_id."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import assert_balanced

from planalyzer.errors import InputError
from planalyzer.store import LoadOptions, LoadReport, Store

DAY = 1790812800  # 2026-10-01 00:00 UTC
TOTALS = "SELECT count(*), sum(input_tokens) FROM events"
USERS = "SELECT user_id, count(*), sum(input_tokens) FROM events GROUP BY 1 ORDER BY 1"


def _iso(t: int) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _row(i: int, email: str | None, uid: str = "user_01Ann") -> dict[str, Any]:
    """Day i's row of one user actor: 1,000 * (i + 1) input tokens."""
    start = DAY + i * 86400
    return {"starting_at": _iso(start), "ending_at": _iso(start + 86400),
            "group": {"actor": {"type": "user_actor", "user_id": uid, "email_address": email,
                                "name": "Ann" if email else "Deleted User",
                                "deleted": email is None},
                      "workspace_id": "wrkspc_01", "model": "claude-sonnet-4-5-20250929",
                      "context_window": "0-200k"},
            "usage": {"uncached_input_tokens": 1000 * (i + 1), "output_tokens": 100,
                      "cache_read_input_tokens": 0, "requests": 1,
                      "cache_creation": {"ephemeral_5m_input_tokens": 0,
                                         "ephemeral_1h_input_tokens": 0}}}


def _page(path: Path, days: range, email: str | None, uid: str = "user_01Ann") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"data": [_row(i, email, uid) for i in days],
                                "has_more": False, "next_page": None}), encoding="utf-8")
    return path


def _load(*paths: Path, db: Path | None = None) -> tuple[LoadReport, list[Any], list[Any]]:
    with Store(db) as store:
        report = store.load([str(p) for p in paths], LoadOptions())
        if db is not None:
            assert_balanced(store.con)
        return (report, store.con.execute(TOTALS).fetchall(),
                store.con.execute(USERS).fetchall())


def _orders(tmp_path: Path, files: list[Path]) -> list[tuple[list[Any], list[Any]]]:
    """The totals and users of a cold load of ``files`` and of --db loads in every order."""
    got = [_load(*files)[1:]]
    for n, order in enumerate(itertools.permutations(files)):
        db = tmp_path / f"s{n}.duckdb"
        for f in order:
            got_one = _load(f, db=db)[1:]
        got.append(got_one)
    return got


def test_a_fetch_after_the_account_was_deleted_counts_each_bucket_once(
        tmp_path: Path) -> None:
    """qa17C's a1 repro: days 1-4 fetched with the email, days 1-9 after the deletion (no
    email): 9 buckets, 45,000 input, one user (the email), cold and --db in both orders."""
    before = _page(tmp_path / "an_2026-10-05.json", range(4), "ann@example.com")
    after = _page(tmp_path / "an_2026-10-10.json", range(9), None)
    for totals, users in _orders(tmp_path, [before, after]):
        assert totals == [(9, 45_000)]
        assert users == [("ann@example.com", 9, 45_000)]


def test_an_email_change_keeps_one_user_with_the_latest_email(tmp_path: Path) -> None:
    """The second fetch reports the new email for the past days too: one user, the latest
    email, every bucket once."""
    before = _page(tmp_path / "an_2026-10-05.json", range(4), "ann@old.example")
    after = _page(tmp_path / "an_2026-10-10.json", range(9), "ann@new.example")
    for totals, users in _orders(tmp_path, [before, after]):
        assert totals == [(9, 45_000)]
        assert users == [("ann@new.example", 9, 45_000)]


def test_a_user_never_reported_with_an_email_is_the_user_id(tmp_path: Path) -> None:
    _, totals, users = _load(_page(tmp_path / "a.json", range(2), None))
    assert totals == [(2, 3_000)]
    assert users == [("user_01Ann", 2, 3_000)]


def test_two_users_stay_apart(tmp_path: Path) -> None:
    a = _page(tmp_path / "a.json", range(2), "ann@example.com")
    b = _page(tmp_path / "b.json", range(2), "bob@example.com", uid="user_01Bob")
    _, totals, users = _load(a, b)
    assert totals == [(4, 6_000)]
    assert users == [("ann@example.com", 2, 3_000), ("bob@example.com", 2, 3_000)]


def _make_old(db: Path) -> None:
    """Spell the stored analytics ids as an older planalyzer did: the user's email (the user
    column) in place of the user_id."""
    con = duckdb.connect(str(db))
    try:
        con.execute("UPDATE events SET event_id = replace(event_id, ':user_01Ann:', "
                    "':' || user_id || ':') WHERE user_id LIKE '%@%'")
        assert con.execute("SELECT count(*) FROM events WHERE event_id LIKE '%user_01Ann%'"
                           ).fetchall() == [(0,)]
    finally:
        con.close()


def test_an_older_store_keyed_by_email_is_rekeyed_by_a_fetch_with_the_email(
        tmp_path: Path) -> None:
    """A store an older planalyzer made (ids keyed by the email) and a re-fetch of days 1-9
    with the email: the stored ids are rewritten, every bucket counted once."""
    db = tmp_path / "old.duckdb"
    _load(_page(tmp_path / "an_2026-10-05.json", range(4), "ann@example.com"), db=db)
    _make_old(db)
    report, totals, users = _load(
        _page(tmp_path / "an_2026-10-10.json", range(9), "ann@example.com"), db=db)
    assert totals == [(9, 45_000)]
    assert users == [("ann@example.com", 9, 45_000)]
    assert not [n for n in report.notes if "older planalyzer" in n]


def test_an_older_store_and_a_fetch_after_the_deletion_is_noted(tmp_path: Path) -> None:
    """Nothing pairs the stored email with the user_id: the load cannot tell they are one
    person, and says so."""
    db = tmp_path / "old.duckdb"
    _load(_page(tmp_path / "an_2026-10-05.json", range(4), "ann@example.com"), db=db)
    _make_old(db)
    report, _, _ = _load(_page(tmp_path / "an_2026-10-10.json", range(9), None), db=db)
    said = [n for n in report.notes if "older planalyzer" in n]
    assert len(said) == 1
    assert "4 Anthropic analytics row(s)" in said[0]
    assert "an_2026-10-05.json" in said[0] and "new --db file" in said[0]


def test_an_older_store_holding_a_bucket_twice_is_refused(tmp_path: Path) -> None:
    """The older planalyzer kept days 1-4 twice (under the email and the deleted account's
    user_id); a fetch with the email pairs them: the store is refused, naming the files."""
    db = tmp_path / "old.duckdb"
    _load(_page(tmp_path / "an_2026-10-05.json", range(4), "ann@example.com"), db=db)
    _make_old(db)
    _load(_page(tmp_path / "an_2026-10-10.json", range(9), None), db=db)
    with pytest.raises(InputError, match=r"holds 4 Anthropic analytics bucket\(s\) of a user "
                       r"twice .*an_2026-10-05\.json.*new --db file"):
        _load(_page(tmp_path / "an_2026-10-12.json", range(11), "ann@example.com"), db=db)
