"""A calendar day/week whose reset time falls in the repeated hour of a fall-back change resets
once, at the first moment the local clock reaches it (report, what-if baseline and me)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from conftest import cli_json, write_csv

from planalyzer.dst_resets import exact_buckets, fall_backs
from planalyzer.me import window_ids
from planalyzer.plans import Limit, Window

METER = """[meter.requests]
unit = "requests"
[[meter.requests.weight]]
models = "*"
request = 1.0
"""


def _plan(key: str, kind: str, tz: str, reset: str, weekday: str | None = None,
          cap: int = 2) -> str:
    day = f'reset_weekday = "{weekday}"\n' if weekday else ""
    return (f'[plan.{key}]\nname = "{key}"\nprice_usd = 10.0\nsource = "test"\n'
            f'as_of = "2026-11-24"\n[[plan.{key}.limit]]\nname = "cap"\nmeter = "requests"\n'
            f'window = "{kind}"\ntimezone = "{tz}"\n{day}reset_time = "{reset}"\ncap = {cap}\n')


# 2026-11-01 in Los Angeles: 01:00, 01:40, 01:50 PDT, then 01:10, 01:20, 01:40, 01:50 PST;
# reset 01:30 at the first 01:30 (08:30Z): 1 request before it, then 6 in one window (cap 2)
US_TIMES = ["08:00", "08:40", "08:50", "09:10", "09:20", "09:40", "09:50"]
US_DAY = "2026-11-01"
# 2026-10-25 in Berlin: reset Sunday 02:30 at the first 02:30 (00:30Z)
EU_TIMES = ["00:10", "00:40", "00:50", "01:10", "01:20", "01:40", "01:50"]
EU_DAY = "2026-10-25"

Case = tuple[str, str, list[str]]
CASES: dict[str, Case] = {
    "d": (_plan("d", "calendar_day", "America/Los_Angeles", "01:30"), US_DAY, US_TIMES),
    "w": (_plan("w", "calendar_week", "America/Los_Angeles", "01:30", "sunday"), US_DAY,
          US_TIMES),
    "b": (_plan("b", "calendar_week", "Europe/Berlin", "02:30", "sunday"), EU_DAY, EU_TIMES),
}


def _files(tmp_path: Path, cases: Mapping[str, Case] = CASES) -> tuple[Path, Path]:
    plans = tmp_path / "plans.toml"
    plans.write_text(METER + "\n".join(p for p, _, _ in cases.values()))
    rows = [[f"{k}1", f"{day}T{t}:00Z", "claude-sonnet-4-5", 1000, 100]
            for k, (_, day, times) in cases.items() for t in times]
    ev = write_csv(tmp_path / "ev.csv",
                   ["user_id", "ts", "model", "input_tokens", "output_tokens"], rows)
    return ev, plans


def _assign(cases: Mapping[str, Case] = CASES) -> list[str]:
    return [a for k in cases for a in ("--assign", f"{k}1={k}")]


def test_report_resets_once_in_the_repeated_hour(tmp_path: Path) -> None:
    ev, plans = _files(tmp_path)
    for fit in (["--no-fit"], []):
        doc = cli_json(["report", str(ev), "--plans", str(plans), *_assign(), *fit,
                        "--by", "user"])
        got = {r["user_id"]: (r["requests"], r["blocked_requests"])
               for r in doc["users"]["rows"]}
        assert got == {"d1": (3, 4), "w1": (3, 4), "b1": (3, 4)}
        assert {(r["plan"], r["times_bound"]) for r in doc["limits"]["rows"]} == {
            ("d", 1), ("w", 1), ("b", 1)}


def test_whatif_baseline_resets_once_in_the_repeated_hour(tmp_path: Path) -> None:
    ev, plans = _files(tmp_path)
    sc = tmp_path / "sc.toml"
    sc.write_text('[scenario]\nname = "same"\n[plans.d]\nprice_usd = 11.0\n')
    doc = cli_json(["whatif", str(ev), "--plans", str(plans), *_assign(), "--scenario",
                    str(sc)])
    blocked = next(r for r in doc["whatif_people"]["rows"] if r["key"] == "blocked_requests")
    assert (blocked["baseline"], blocked["scenario_1"]) == (12, 12)


def _claude_dir(tmp_path: Path, day: str, times: list[str]) -> Path:
    folder = tmp_path / "claude" / "projects" / "-p"
    folder.mkdir(parents=True)
    sid = "cccccccc-0000-4000-8000-000000000001"
    lines = [json.dumps({
        "sessionId": sid, "type": "assistant", "uuid": f"u{i}",
        "timestamp": f"{day}T{t}:00.000Z",
        "message": {"id": f"m{i}", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
                    "usage": {"input_tokens": 1000, "cache_creation_input_tokens": 0,
                              "cache_read_input_tokens": 0, "output_tokens": 100}},
        "requestId": f"r{i}"}) for i, t in enumerate(times)]
    (folder / f"{sid}.jsonl").write_text("\n".join(lines) + "\n")
    return tmp_path / "claude"


def _me(tmp_path: Path, key: str, plan: str, day: str, times: list[str]) -> dict[str, Any]:
    """`me`'s JSON for one plan and a transcript of requests at ``times``."""
    sub = tmp_path / key
    sub.mkdir()
    plans = sub / "plans.toml"
    plans.write_text(METER + plan)
    doc = cli_json(["me", "--claude-dir", str(_claude_dir(sub, day, times)),
                    "--plans", str(plans), "-q"])
    return doc


def test_me_resets_once_in_the_repeated_hour(tmp_path: Path) -> None:
    for key, (plan, day, times) in CASES.items():
        doc = _me(tmp_path, key, plan, day, times)
        cost = doc["me_plan_cost"]["rows"]
        assert [(r["plan"], r["blocked_requests"], r["serves_all"]) for r in cost] == [
            (key, 4, False)]
        lim = doc["me_limits"]["rows"]
        assert [(r["windows"], r["peak"], r["at_cap"]) for r in lim] == [(2, 6.0, 1)]


# Cap 1, and a request's window must not depend on the user's other requests: the first
# request in the repeated interval after the reset is in the new window even when the user sent
# nothing between the reset and the change. (served, blocked) per user.
LA, LH = "America/Los_Angeles", "Australia/Lord_Howe"
PAIRS: dict[str, Case] = {
    # 01:10 PDT, then 01:10 PST: 40 minutes after the reset at 01:30 PDT (08:30Z)
    "dp": (_plan("dp", "calendar_day", LA, "01:30", cap=1), US_DAY, ["08:10", "09:10"]),
    "wp": (_plan("wp", "calendar_week", LA, "01:30", "sunday", cap=1), US_DAY,
           ["08:10", "09:10"]),
    # Lord Howe goes back 30 minutes (02:00 +11 -> 01:30 +10:30 at 15:00Z): reset 01:45 at
    # 14:45Z; 14:40Z is 01:40 (old day), 15:05Z is 01:35 again (new day)
    "lh": (_plan("lh", "calendar_day", LH, "01:45", cap=1), "2026-04-04", ["14:40", "15:05"]),
    # reset 02:00: the clock first reads it at 02:00 PST (10:00Z), so 01:50 PDT and 01:10 PST
    # share a day
    "dn": (_plan("dn", "calendar_day", LA, "02:00", cap=1), US_DAY, ["08:50", "09:10"]),
    # spring forward (2026-03-08, 02:00 PST -> 03:00 PDT at 10:00Z): a reset at 02:30 falls in
    # the gap and happens at 10:00Z
    "ds": (_plan("ds", "calendar_day", LA, "02:30", cap=1), "2026-03-08",
           ["09:40", "09:50", "10:00"]),
}
PAIRS_WANT = {"dp1": (2, 0), "wp1": (2, 0), "lh1": (2, 0), "dn1": (1, 1), "ds1": (2, 1)}


def test_report_window_is_per_request_in_the_repeated_hour(tmp_path: Path) -> None:
    ev, plans = _files(tmp_path, PAIRS)
    for fit in (["--no-fit"], []):
        doc = cli_json(["report", str(ev), "--plans", str(plans), *_assign(PAIRS), *fit,
                        "--by", "user"])
        got = {r["user_id"]: (r["requests"], r["blocked_requests"])
               for r in doc["users"]["rows"]}
        assert got == PAIRS_WANT


def test_whatif_window_is_per_request_in_the_repeated_hour(tmp_path: Path) -> None:
    ev, plans = _files(tmp_path, PAIRS)
    sc = tmp_path / "sc.toml"
    sc.write_text('[scenario]\nname = "same"\n[plans.dp]\nprice_usd = 11.0\n')
    doc = cli_json(["whatif", str(ev), "--plans", str(plans), *_assign(PAIRS), "--scenario",
                    str(sc)])
    blocked = next(r for r in doc["whatif_people"]["rows"] if r["key"] == "blocked_requests")
    assert (blocked["baseline"], blocked["scenario_1"]) == (2, 2)


def test_me_window_is_per_request_in_the_repeated_hour(tmp_path: Path) -> None:
    for key, (plan, day, times) in PAIRS.items():
        doc = _me(tmp_path, key, plan, day, times)
        cost = doc["me_plan_cost"]["rows"]
        blocked = PAIRS_WANT[f"{key}1"][1]
        assert [(r["plan"], r["blocked_requests"]) for r in cost] == [(key, blocked)]


def _us(iso: str) -> int:
    return int(datetime.fromisoformat(iso).replace(tzinfo=UTC).timestamp()) * 10**6


def test_fall_backs_found_with_their_shift() -> None:
    hour = 3600 * 10**6
    assert fall_backs(LA, 2026) == ((_us("2026-11-01T09:00"), hour, _us("2026-11-01T02:00")),)
    assert fall_backs(LH, 2026) == (
        (_us("2026-04-04T15:00"), hour // 2, _us("2026-04-05T02:00")),)
    assert fall_backs("UTC", 2026) == ()


def test_exact_buckets_per_request() -> None:
    s = pl.Series
    day = _us("2026-11-01T00:00")
    # 01:10 PDT (old day), then 01:10 PST and 01:50 PST (after the reset at 01:30 PDT): the
    # local buckets read old, old, new; a user of only the second request gets the new day too
    t = s([_us("2026-11-01T08:10"), _us("2026-11-01T09:10"), _us("2026-11-01T09:50")])
    local = s([day - 86400 * 10**6, day - 86400 * 10**6, day])
    assert exact_buckets(t, local, "calendar_day", LA, 90).to_list() == [
        day - 86400 * 10**6, day, day]
    assert exact_buckets(t[1:2], local[1:2], "calendar_day", LA, 90).to_list() == [day]
    lim = Limit("c", "requests", Window("calendar_day", timezone=LA, reset_time="01:30"), 1.0)
    assert window_ids(pl.DataFrame({"t_us": t}), lim).to_list() == [1, 2, 2]
