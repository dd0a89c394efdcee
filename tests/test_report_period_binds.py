"""With --since/--until, the limits tables count the binds whose request lies in the period
(docs/report.md, "Limits"): the windows still run over the whole billing month, as for every
other figure, but a bind on a day outside the period is not the period's. Checked against the
plain per-request reference (tests/reference_engine.py) on periods that cut a month, and
against what-if's users hit by a limit on the same period."""

from __future__ import annotations

import random
import tomllib
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import cli_json

from planalyzer.plans import parse_plan_catalog
from tests.reference_engine import reference, requests_catalog, requests_files

CATALOG = requests_catalog(weekly_cap=40)
USERS = [f"u{i}" for i in range(6)]
START = datetime(2026, 10, 1, tzinfo=UTC)


def _events() -> dict[str, list[datetime]]:
    """Each user's request times over October: bursts of a few requests, some days idle."""
    rng = random.Random(9)
    out: dict[str, list[datetime]] = {}
    for user in USERS:
        times: set[datetime] = set()
        for _ in range(rng.randint(15, 40)):
            at = START + timedelta(minutes=rng.randrange(31 * 24 * 60 - 60))
            for k in range(rng.randint(1, 7)):
                times.add(at + timedelta(minutes=7 * k))
        out[user] = sorted(t for t in times if t.month == 10)
    return out


def _files(tmp_path: Path) -> tuple[Path, Path]:
    return requests_files(tmp_path, CATALOG, _events())


def _expected(since: date, until: date) -> dict[str, Counter[str]]:
    """Per user, the binds (per limit) whose request falls within [since, until]."""
    plan = parse_plan_catalog(tomllib.loads(CATALOG), "plans.toml").plans["small"]
    out: dict[str, Counter[str]] = {}
    for user, times in _events().items():
        t_us = [int(t.timestamp() * 1_000_000) for t in times]
        ref = reference(plan, t_us, [10] * len(times), {"requests": [1.0] * len(times)})
        out[user] = +Counter({name: sum(since <= times[i].date() <= until for i in at)
                              for name, at in ref.bind_at.items()})  # + drops the zeros
    return out


def _bound_text(counts: Counter[str]) -> str:
    return ", ".join(f"{k} x{v}" for k, v in sorted(counts.items()))


@pytest.mark.parametrize(("since", "until"), [(date(2026, 10, 16), date(2026, 10, 31)),
                                              (date(2026, 10, 9), date(2026, 10, 20)),
                                              (date(2026, 10, 1), date(2026, 10, 31))])
@pytest.mark.parametrize("fit", [["--no-fit"], []])
def test_limits_bound_count_the_period_only(tmp_path: Path, since: date, until: date,
                                            fit: list[str]) -> None:
    logs, plans = _files(tmp_path)
    expected = _expected(since, until)
    assert sum(sum(c.values()) for c in expected.values()) > 5  # the data does bind
    period = ["--since", since.isoformat(), "--until", until.isoformat()]
    doc = cli_json(["report", str(logs), "--plans", str(plans), "--by", "user", *fit, *period])
    got = {r["user_id"]: r["limits_bound"] for r in doc["users"]["rows"]}
    assert got == {u: _bound_text(expected[u]) for u in USERS}
    limits = {r["limit"]: r for r in doc["limits"]["rows"]}
    for name in ("five_h", "weekly"):
        hit = [u for u in USERS if expected[u][name]]
        assert limits[name]["users_hit"] == len(hit)
        assert limits[name]["users_hit_share"] == pytest.approx(len(hit) / len(USERS))
        assert limits[name]["times_bound"] == sum(expected[u][name] for u in USERS)
    # what-if's baseline on the same period: users hit = users with a bound limit
    scen = tmp_path / "scen.toml"
    scen.write_text('[scenario]\nname = "Small at $25"\n[plans.small]\nprice_usd = 25.0\n',
                    encoding="utf-8")
    wi = cli_json(["whatif", str(logs), "--plans", str(plans), "--scenario", str(scen),
                   *period])
    people = {r["key"]: r for r in wi["whatif_people"]["rows"]}
    assert people["users_hit"]["baseline"] == sum(1 for u in USERS if got[u])
