"""A limit binds once per window in each billing month (docs/report.md, "Windows and caps"): a
window still exhausted after a month ends binds again at its first request of the new month,
so a month's limits counts (``limits_bound``, ``users_hit``, ``times_bound``) are the same
whether the month is reported alone (``--month``) or with the months before it (qa16A #1: the
month after a carried-over window showed its blocked request but no limit hit in a
multi-month report). Checked against the plain per-request reference
(tests/reference_engine.py), month by month, and against what-if's users hit."""

from __future__ import annotations

import random
import tomllib
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import EVENT_HEADER, cli_json, write_csv

from planalyzer.plans import parse_plan_catalog
from tests.reference_engine import reference, requests_catalog, requests_files

CATALOG = requests_catalog(weekly_cap=25)
USERS = [f"u{i}" for i in range(8)]
MONTHS = ["2026-10", "2026-11", "2026-12"]


def _events() -> dict[str, list[datetime]]:
    """Each user's request times, October to December, with bursts around the month ends (so
    windows that reached their cap carry into the next month) and some in between."""
    rng = random.Random(16)
    ends = [datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)]
    out: dict[str, list[datetime]] = {}
    for user in USERS:
        times: set[datetime] = set()
        for end in ends:  # a burst that starts before midnight and runs past it
            at = end - timedelta(minutes=rng.randrange(30, 240))
            for k in range(rng.randint(3, 9)):
                times.add(at + timedelta(minutes=25 * k))
        for _ in range(rng.randint(10, 25)):
            at = datetime(2026, 10, 1, tzinfo=UTC) + timedelta(
                minutes=rng.randrange(91 * 24 * 60 - 60))
            for k in range(rng.randint(1, 6)):
                times.add(at + timedelta(minutes=9 * k))
        out[user] = sorted(t for t in times if t.year == 2026)
    return out


def _files(tmp_path: Path) -> tuple[Path, Path]:
    return requests_files(tmp_path, CATALOG, _events())


def _expected() -> dict[tuple[str, str], Counter[str]]:
    """Per user-month, the binds (per limit) of the reference, once per window and month."""
    plan = parse_plan_catalog(tomllib.loads(CATALOG), "plans.toml").plans["small"]
    out: dict[tuple[str, str], Counter[str]] = {}
    for user, times in _events().items():
        t_us = [int(t.timestamp() * 1_000_000) for t in times]
        month = [t.year * 12 + t.month - 1 for t in times]
        ref = reference(plan, t_us, month, {"requests": [1.0] * len(times)})
        for name, at in ref.bind_at.items():
            for i in at:
                key = (user, times[i].strftime("%Y-%m"))
                out.setdefault(key, Counter())[name] += 1
    return out


def _bound_text(counts: Counter[str] | None) -> str:
    return ", ".join(f"{k} x{v}" for k, v in sorted((counts or Counter()).items()))


def _rows(doc: dict[str, Any], month: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    users = {r["user_id"]: {k: r[k] for k in ("limits_bound", "blocked_requests", "requests")}
             for r in doc["users"]["rows"] if r["month"] == month}
    limits = [r for r in doc["limits"]["rows"] if r["month"] == month]
    return users, limits


@pytest.mark.parametrize("fit", [["--no-fit"], []])
def test_a_month_counts_the_same_alone_and_with_others(tmp_path: Path, fit: list[str]) -> None:
    logs, plans = _files(tmp_path)
    expected = _expected()
    base = ["report", str(logs), "--plans", str(plans), "--by", "user", *fit]
    every = cli_json(base)
    # the data has windows exhausted across a month end: the reference binds them once per
    # window and month, more often than once per window (all requests in one "month")
    plan = parse_plan_catalog(tomllib.loads(CATALOG), "plans.toml").plans["small"]
    once = sum(sum(len(at) for at in reference(
        plan, [int(t.timestamp() * 1_000_000) for t in times], [0] * len(times),
        {"requests": [1.0] * len(times)}).bind_at.values()) for times in _events().values())
    assert sum(sum(c.values()) for c in expected.values()) > once
    for month in MONTHS:
        users, limits = _rows(every, month)
        assert {u: r["limits_bound"] for u, r in users.items()} == {
            u: _bound_text(expected.get((u, month))) for u in users}
        alone = cli_json([*base, "--month", month])
        assert _rows(alone, month) == (users, limits)
        for lim in limits:
            hit = [u for u in users if expected.get((u, month), Counter())[lim["limit"]]]
            assert lim["users_hit"] == len(hit)
            assert lim["times_bound"] == sum(expected[(u, month)][lim["limit"]] for u in hit)
        # what-if's baseline on that month: users hit = users with a bound limit
        scen = tmp_path / "scen.toml"
        scen.write_text('[scenario]\nname = "Small at $25"\n[plans.small]\nprice_usd = 25.0\n',
                        encoding="utf-8")
        wi = cli_json(["whatif", str(logs), "--plans", str(plans), "--scenario", str(scen),
                       "--month", month])
        people = {r["key"]: r for r in wi["whatif_people"]["rows"]}
        assert people["users_hit"]["baseline"] == sum(1 for r in users.values()
                                                      if r["limits_bound"])


def test_a_window_blocking_past_midnight_binds_in_the_new_month(tmp_path: Path) -> None:
    # qa16A #1's case, shipped catalog: the free plan's 5-hour window of 50k credits fills at
    # 22:00 on Oct 31 (a Sonnet request of 60k credits); the 23:00 request binds it in
    # October, the 01:00 request of November, in the same window, binds it in November
    rows = [["c1", "2026-10-31T22:00:00Z", "alice", "free", "claude-sonnet-4-5", 0, 0, 0, 0,
             30000, 1],
            ["c2", "2026-10-31T23:00:00Z", "alice", "free", "claude-sonnet-4-5", 0, 0, 0, 0,
             100, 1],
            ["c3", "2026-11-01T01:00:00Z", "alice", "free", "claude-sonnet-4-5", 0, 0, 0, 0,
             100, 1],
            ["c4", "2026-11-10T10:00:00Z", "bob", "free", "claude-sonnet-4-5", 0, 0, 0, 0,
             100, 1]]
    logs = write_csv(tmp_path / "carry.csv", EVENT_HEADER, rows)
    every = cli_json(["report", str(logs), "--no-fit", "--by", "user"])
    nov = cli_json(["report", str(logs), "--no-fit", "--by", "user", "--month", "2026-11"])
    for doc in (every, nov):
        users, limits = _rows(doc, "2026-11")
        assert users["alice"] == {"limits_bound": "session_5h x1", "blocked_requests": 1,
                                  "requests": 0}
        session = next(r for r in limits if r["limit"] == "session_5h")
        assert (session["users_hit"], session["users_hit_share"], session["times_bound"]) \
            == (1, 0.5, 1)
    users, _ = _rows(every, "2026-10")
    assert users["alice"]["limits_bound"] == "session_5h x1"
