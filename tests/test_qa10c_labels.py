"""What the demo's top-users table counts is said (QA round 10 C, finding 5)."""

from __future__ import annotations

from conftest import SMALL

from planalyzer.store import Store
from planalyzer.usage import top_users_by_tokens


def test_top_users_say_they_count_logged_requests() -> None:
    with Store() as store:
        store.load(SMALL)
        t = top_users_by_tokens(store.con, 3)
    assert t.title == "Top 3 users by tokens logged"
    assert [c.header for c in t.columns if c.key == "requests"] == ["logged requests"]
    assert any("before plan limits" in n and "served requests" in n for n in t.notes)
