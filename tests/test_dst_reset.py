"""A calendar day/week whose reset time falls in the repeated hour of a fall-back change resets
once, at the first moment the local clock reaches it (report, what-if baseline and me)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from conftest import cli_json, write_csv

from planalyzer.caps import Requests, window_starts
from planalyzer.me import window_ids
from planalyzer.plans import Limit, Window

METER = """[meter.requests]
unit = "requests"
[[meter.requests.weight]]
models = "*"
request = 1.0
"""


def _plan(key: str, kind: str, tz: str, reset: str, weekday: str | None = None) -> str:
    day = f'reset_weekday = "{weekday}"\n' if weekday else ""
    return (f'[plan.{key}]\nname = "{key}"\nprice_usd = 10.0\nsource = "test"\n'
            f'as_of = "2026-11-24"\n[[plan.{key}.limit]]\nname = "cap"\nmeter = "requests"\n'
            f'window = "{kind}"\ntimezone = "{tz}"\n{day}reset_time = "{reset}"\ncap = 2\n')


# 2026-11-01 in Los Angeles: 01:00, 01:40, 01:50 PDT, then 01:10, 01:20, 01:40, 01:50 PST;
# reset 01:30 at the first 01:30 (08:30Z): 1 request before it, then 6 in one window (cap 2)
US_TIMES = ["08:00", "08:40", "08:50", "09:10", "09:20", "09:40", "09:50"]
US_DAY = "2026-11-01"
# 2026-10-25 in Berlin: reset Sunday 02:30 at the first 02:30 (00:30Z)
EU_TIMES = ["00:10", "00:40", "00:50", "01:10", "01:20", "01:40", "01:50"]
EU_DAY = "2026-10-25"

CASES = {
    "d": (_plan("d", "calendar_day", "America/Los_Angeles", "01:30"), US_DAY, US_TIMES),
    "w": (_plan("w", "calendar_week", "America/Los_Angeles", "01:30", "sunday"), US_DAY,
          US_TIMES),
    "b": (_plan("b", "calendar_week", "Europe/Berlin", "02:30", "sunday"), EU_DAY, EU_TIMES),
}


def _files(tmp_path: Path) -> tuple[Path, Path]:
    plans = tmp_path / "plans.toml"
    plans.write_text(METER + "\n".join(p for p, _, _ in CASES.values()))
    rows = [[f"{k}1", f"{day}T{t}:00Z", "claude-sonnet-4-5", 1000, 100]
            for k, (_, day, times) in CASES.items() for t in times]
    ev = write_csv(tmp_path / "ev.csv",
                   ["user_id", "ts", "model", "input_tokens", "output_tokens"], rows)
    return ev, plans


def _assign() -> list[str]:
    return [a for k in CASES for a in ("--assign", f"{k}1={k}")]


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


def test_me_resets_once_in_the_repeated_hour(tmp_path: Path) -> None:
    for key, (plan, day, times) in CASES.items():
        sub = tmp_path / key
        sub.mkdir()
        plans = sub / "plans.toml"
        plans.write_text(METER + plan)
        doc = cli_json(["me", "--claude-dir", str(_claude_dir(sub, day, times)),
                        "--plans", str(plans), "-q"])
        cost = doc["me_plan_cost"]["rows"]
        assert [(r["plan"], r["blocked_requests"], r["serves_all"]) for r in cost] == [
            (key, 4, False)]
        lim = doc["me_limits"]["rows"]
        assert [(r["windows"], r["peak"], r["at_cap"]) for r in lim] == [(2, 6.0, 1)]


def test_calendar_buckets_never_go_back_per_user() -> None:
    w = Window("calendar_day", timezone="America/Los_Angeles", reset_time="01:30")
    s = pl.Series
    # user 0: buckets A B A B (the repeated hour) -> one change; user 1 starts lower
    req = Requests(s([0, 4, 6], dtype=pl.Int64), s(range(6), dtype=pl.Int64),
                   s([0] * 6, dtype=pl.Int64), {w: s([5, 6, 5, 6, 1, 1], dtype=pl.Int64)})
    assert window_starts(req, w).to_list() == [True, True, False, False, True, False]
    lim = Limit("c", "requests", w, 2.0)
    t = [1793521800 * 10**6 - 60 * 10**6 * k for k in (30, -10, -20)]  # 01:00, 01:40, 01:50 PDT
    pst = [x + 3600 * 10**6 for x in t]  # the same wall times, PST
    ids = window_ids(pl.DataFrame({"t_us": t + pst}), lim).to_list()
    assert ids == [1, 2, 2, 2, 2, 2]
