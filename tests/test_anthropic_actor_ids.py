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


def _row(i: int, email: str | None, uid: str = "user_01Ann", more: int = 0) -> dict[str, Any]:
    """Day i's row of one user actor: 1,000 * (i + 1) + ``more`` input tokens."""
    start = DAY + i * 86400
    return {"starting_at": _iso(start), "ending_at": _iso(start + 86400),
            "group": {"actor": {"type": "user_actor", "user_id": uid, "email_address": email,
                                "name": "Ann" if email else "Deleted User",
                                "deleted": email is None},
                      "workspace_id": "wrkspc_01", "model": "claude-sonnet-4-5-20250929",
                      "context_window": "0-200k"},
            "usage": {"uncached_input_tokens": 1000 * (i + 1) + more, "output_tokens": 100,
                      "cache_read_input_tokens": 0, "requests": 1,
                      "cache_creation": {"ephemeral_5m_input_tokens": 0,
                                         "ephemeral_1h_input_tokens": 0}}}


def _page(path: Path, days: range, email: str | None, uid: str = "user_01Ann",
          more: dict[int, int] | None = None) -> Path:
    """``days``' rows of one user actor; ``more``: input tokens added to a day's row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"data": [_row(i, email, uid, (more or {}).get(i, 0))
                                         for i in days],
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


def _notes(report: LoadReport) -> list[str]:
    return [n for n in report.notes if "older planalyzer" in n]


def test_an_older_store_and_a_fetch_after_the_deletion_pairs_by_the_counts(
        tmp_path: Path) -> None:
    """The fetch after the deletion reports no email, but its rows of the stored buckets hold
    the same counts: the stored ids are rewritten, as a cold load of both files counts."""
    db = tmp_path / "old.duckdb"
    before = _page(tmp_path / "an_2026-10-05.json", range(4), "ann@example.com")
    _load(before, db=db)
    _make_old(db)
    after = _page(tmp_path / "an_2026-10-10.json", range(9), None)
    report, totals, users = _load(after, db=db)
    assert totals == [(9, 45_000)] == _load(before, after)[1]
    assert users == [("ann@example.com", 9, 45_000)]
    assert not _notes(report)


def test_an_older_store_and_a_fetch_after_an_email_change_counts_each_bucket_once(
        tmp_path: Path) -> None:
    """qa18A #1: days 1-4 stored under ann@old.example, days 1-9 fetched after the email
    changed to ann@new.example: the counts pair the stored rows with the user_id; 9 buckets,
    45,000 input, one user (the new email), as a cold load; no note."""
    db = tmp_path / "old.duckdb"
    before = _page(tmp_path / "an_old_email.json", range(4), "ann@old.example")
    _load(before, db=db)
    _make_old(db)
    after = _page(tmp_path / "an_new_email.json", range(9), "ann@new.example")
    report, totals, users = _load(after, db=db)
    assert totals == [(9, 45_000)] == _load(before, after)[1]
    assert users == [("ann@new.example", 9, 45_000)]
    assert not _notes(report)


def _ids(db: Path) -> list[Any]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT split_part(event_id, ':', 3), count(*) FROM events "
                           "GROUP BY 1 ORDER BY 1").fetchall()
    finally:
        con.close()


def test_an_older_store_and_an_account_re_created_under_the_email_stays_apart(
        tmp_path: Path) -> None:
    """qa18A #2: user_01Ann (ann@old.example) was deleted and user_02Ann created with the
    same email; the fetch reports days 1-4 under user_01Ann without an email and days 5-9
    under user_02Ann with it. The stored days 1-4 go to user_01Ann (their counts), not to the
    email's current owner: 9 buckets, 45,000 input, ids as a cold load's."""
    db = tmp_path / "old.duckdb"
    before = _page(tmp_path / "an_old_email.json", range(4), "ann@old.example")
    _load(before, db=db)
    _make_old(db)
    after = tmp_path / "an_after_recreate.json"
    after.write_text(json.dumps({"data": [_row(i, None) for i in range(4)]
                                 + [_row(i, "ann@old.example", "user_02Ann")
                                    for i in range(4, 9)],
                                 "has_more": False, "next_page": None}), encoding="utf-8")
    report, totals, users = _load(after, db=db)
    assert totals == [(9, 45_000)] == _load(before, after)[1]
    assert users == [("ann@old.example", 9, 45_000)]
    assert _ids(db) == [("user_01Ann", 4), ("user_02Ann", 5)]
    assert not _notes(report)


def test_an_older_store_is_not_paired_by_the_emails_current_owner_alone(
        tmp_path: Path) -> None:
    """A fetch of later days only (no stored bucket in it) shows the email beside a user_id:
    that is no evidence for the stored buckets, which keep their ids (nothing counts twice)."""
    db = tmp_path / "old.duckdb"
    _load(_page(tmp_path / "an_old_email.json", range(4), "ann@old.example"), db=db)
    _make_old(db)
    report, totals, _ = _load(
        _page(tmp_path / "an_later.json", range(4, 9), "ann@old.example", "user_02Ann"), db=db)
    assert totals == [(9, 45_000)]
    assert _ids(db) == [("ann@old.example", 4), ("user_02Ann", 5)]
    assert not _notes(report)


def test_an_older_store_and_a_fetch_after_the_deletion_of_a_grown_bucket_is_noted(
        tmp_path: Path) -> None:
    """Day 4 was still open at the first fetch (500 input fewer): days 1-3 pair by their
    counts, day 4 has neither the email nor the counts to pair it; the load says so, naming
    the one stored row and the one row read now."""
    db = tmp_path / "old.duckdb"
    _load(_page(tmp_path / "an_2026-10-05.json", range(4), "ann@example.com", more={3: -500}),
          db=db)
    _make_old(db)
    report, totals, _ = _load(_page(tmp_path / "an_2026-10-10.json", range(9), None), db=db)
    assert totals == [(10, 48_500)]  # day 4 stored (3,500) and read now (4,000)
    said = _notes(report)
    assert len(said) == 1
    assert "1 Anthropic analytics row(s)" in said[0] and "1 row(s) read now" in said[0]
    assert "an_2026-10-05.json" in said[0] and "new --db file" in said[0]


def _old_pair(tmp_path: Path, db: Path) -> None:
    """An older store of Ann and Bob, each day's counts the same for both."""
    _load(_page(tmp_path / "a.json", range(2), "ann@example.com"),
          _page(tmp_path / "b.json", range(2), "bob@example.com", "user_01Bob"), db=db)
    con = duckdb.connect(str(db))
    try:
        con.execute("UPDATE events SET event_id = replace(replace(event_id, ':user_01Ann:', "
                    "':' || user_id || ':'), ':user_01Bob:', ':' || user_id || ':')")
    finally:
        con.close()


def test_two_stored_users_of_one_count_pair_by_their_emails(tmp_path: Path) -> None:
    """Ann and Bob hold the same counts in each bucket: the email read now pairs each stored
    row with its own user_id, not the other's of the same counts."""
    db = tmp_path / "old.duckdb"
    _old_pair(tmp_path, db)
    report, totals, users = _load(
        _page(tmp_path / "a2.json", range(2), "ann@example.com"),
        _page(tmp_path / "b2.json", range(2), "bob@example.com", "user_01Bob"), db=db)
    assert totals == [(4, 6_000)]
    assert users == [("ann@example.com", 2, 3_000), ("bob@example.com", 2, 3_000)]
    assert _ids(db) == [("user_01Ann", 2), ("user_01Bob", 2)]
    assert not _notes(report)


def test_two_stored_users_of_one_count_both_renamed_are_noted(tmp_path: Path) -> None:
    """Both emails changed: each stored row's counts match two user_ids, which tells neither;
    the rows stay keyed by the email and the load says so (4 stored rows, 4 read now)."""
    db = tmp_path / "old.duckdb"
    _old_pair(tmp_path, db)
    report, totals, _ = _load(
        _page(tmp_path / "a3.json", range(2), "ann@new.example"),
        _page(tmp_path / "b3.json", range(2), "bob@new.example", "user_01Bob"), db=db)
    assert totals == [(8, 12_000)]
    said = _notes(report)
    assert len(said) == 1
    assert "4 Anthropic analytics row(s)" in said[0] and "4 row(s) read now" in said[0]
    assert "a.json, " in said[0] and "b.json)" in said[0]


def test_an_older_store_holding_a_bucket_twice_is_refused(tmp_path: Path) -> None:
    """The older planalyzer kept days 1-4 twice (under the email and the deleted account's
    user_id: the fetch after the deletion saw each grown by 10 input, so no count pairs them,
    and the load says so); a fetch with the email pairs them: the store is refused, naming the
    files."""
    db = tmp_path / "old.duckdb"
    _load(_page(tmp_path / "an_2026-10-05.json", range(4), "ann@example.com"), db=db)
    _make_old(db)
    report, _, _ = _load(_page(tmp_path / "an_2026-10-10.json", range(9), None,
                               more={i: 10 for i in range(4)}), db=db)
    assert len(_notes(report)) == 1 and "4 Anthropic analytics row(s)" in _notes(report)[0]
    with pytest.raises(InputError, match=r"holds 4 Anthropic analytics bucket\(s\) of a user "
                       r"twice .*an_2026-10-05\.json.*new --db file"):
        _load(_page(tmp_path / "an_2026-10-12.json", range(11), "ann@example.com"), db=db)
