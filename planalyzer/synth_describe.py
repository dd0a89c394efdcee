"""Statistics of a usage population next to the published targets (facts.md section 5).

How the published figures map onto a monthly population, and why the tolerances are what they
are:

- The spend percentiles (viberank: p25 $379, median $1,285, p75 $3,128, p90 $6,494, p99
  $30,720) are LIFETIME API-equivalent spend of about 800 self-selected, heavy coding-agent
  users. We compare per user-MONTH spend of coding-agent users (profiles agent and automated).
  The shape is compared scale-free, as each percentile's ratio to the median (within 35%: the
  viberank body is not exactly lognormal; p25 within 40%, because lifetime spend's lower tail
  holds recent joiners with a month or less of use, which a monthly figure has not: viberank's
  p25/median is 0.29, a sigma-1.3 lognormal's 0.42, ours 0.38-0.40). The
  level is compared as lifetime / 3: the published per-active-day median ($29) times about
  13-15 active days a month gives about $400 a month, so the typical lifetime is about three
  months (median within 35%).
- Top 1/10/25% shares of spend are scale-free and compared directly (within 5 points).
- Per-active-day spend (median $29, p90 $215, p99 $708) is per user and local calendar day and
  needs no mapping (within 35%, p99 within 40%).
- Weekend days are 24% of active days (within 3 points); days are the user's local days when
  the generator's users.parquet gives time zones, UTC days otherwise.
- Token mix of coding-agent traffic: cache reads ~95%, writes ~4%, fresh input ~1%, output
  ~0.2% of tokens. facts.md also says output is 20-40% of the dollar cost; at list prices that
  cannot hold together with a 0.2% token share (output is 50x a cache read: 0.2 x 50 = 10 units
  against 95 + 4 x 12.5 + 1 x 10 = 155), so it is shown for information, not checked.

Without a users.parquet sidecar (real logs, say) a coding-agent user is one whose tokens are
at least 75% cache reads.
"""

from __future__ import annotations

import glob as globlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from planalyzer import duck, sqlfiles
from planalyzer.errors import InputError
from planalyzer.synth_prices import load_prices
from planalyzer.tables import Col, Table

LIFETIME_MONTHS = 3.0
"""Months of a typical viberank lifetime: lifetime spend / this = monthly-equivalent target."""

SPEND_LIFETIME_USD: dict[str, float] = {
    "p25": 379.0, "median": 1285.0, "p75": 3128.0, "p90": 6494.0, "p99": 30720.0,
}
SPEND_TOLERANCE: dict[str, float] = {"p25": 0.40, "median": 0.35, "p75": 0.35, "p90": 0.35,
                                     "p99": 0.35}
TOP_SHARES: dict[str, float] = {"top 1%": 0.14, "top 10%": 0.51, "top 25%": 0.74}
TOP_TOLERANCE = 0.05
PER_DAY_USD: dict[str, tuple[float, float]] = {
    "median": (29.0, 0.35), "p90": (215.0, 0.35), "p99": (708.0, 0.40),
}
WEEKEND_SHARE, WEEKEND_TOLERANCE = 0.24, 0.03
TOKEN_MIX: dict[str, tuple[float, float]] = {
    "cache_read": (0.95, 0.02),
    "cache_write": (0.04, 0.015),
    "input": (0.01, 0.005),
    "output": (0.002, 0.001),
}


@dataclass(frozen=True)
class _Sources:
    events: list[str]
    sidecar: Path | None


def _resolve(path: Path | str) -> _Sources:
    text = str(path)
    if any(ch in text for ch in "*?["):
        files = sorted(globlib.glob(text, recursive=True))
        sidecar = None
    else:
        p = Path(text)
        if p.is_file():
            files, sidecar = [str(p)], None
        elif p.is_dir():
            root = p / "events" if (p / "events").is_dir() else p
            files = sorted(str(f) for f in root.rglob("*.parquet") if f.name != "users.parquet")
            sidecar = p / "users.parquet" if (p / "users.parquet").is_file() else None
        else:
            raise InputError(f"{text}: no such file or folder; give the folder generate wrote "
                             "or a parquet file or glob of events")
    if not files:
        raise InputError(f"{text}: no parquet event files found; give the folder generate "
                         "wrote or a parquet file or glob of events")
    return _Sources(files, sidecar)


def _prices_table() -> pa.Table:
    rows = load_prices().rows()
    names = ["model", "input", "cache_write", "cache_write_1h", "cache_read", "output"]
    return pa.table({name: [r[i] for r in rows] for i, name in enumerate(names)})


def _one(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, Any]:
    rel = sqlfiles.relation(con, name)
    rows = rel.fetchall()
    return dict(zip(rel.columns, rows[0], strict=True))


def _within_rel(actual: float | None, target: float, tol: float) -> bool:
    return actual is not None and abs(actual - target) <= tol * target


def _within_abs(actual: float | None, target: float, tol: float) -> bool:
    return actual is not None and abs(actual - target) <= tol + 1e-12


def describe(path: Path | str) -> list[Table]:
    """The population's statistics next to the published targets, one table per theme.

    ``path`` is the folder ``generate`` wrote (events plus users.parquet), or any parquet file,
    folder or glob of canonical events. Returns tables ``synth_spend``, ``synth_shares``,
    ``synth_per_day`` and ``synth_population``; each target row has ``ok`` True when the
    actual figure is within the stated tolerance.
    """
    src = _resolve(path)
    con = duck.connect(config={"threads": os.cpu_count() or 1})
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    try:
        con.read_parquet(src.events, hive_partitioning=False).create_view("synth_src")
        con.register("synth_prices", _prices_table())
        if src.sidecar is not None:
            con.read_parquet(str(src.sidecar)).create_view("synth_sidecar")
            sqlfiles.run(con, "synth_describe_people_sidecar")
        else:
            sqlfiles.run(con, "synth_describe_people_traffic")
        sqlfiles.run(con, "synth_describe_days")
        spend = _one(con, "synth_describe_spend")
        days = _one(con, "synth_describe_day_stats")
        pop_rel = sqlfiles.relation(con, "synth_describe_population")
        population = pop_rel.fetchall()
    finally:
        con.close()
    day_basis = "local days (users.parquet time zones)" if src.sidecar else "UTC days"
    return [
        _spend_table(spend),
        _shares_table(spend, days, day_basis),
        _per_day_table(days, day_basis),
        _population_table(population),
    ]


def _spend_table(spend: dict[str, Any]) -> Table:
    median = spend["p50"]
    rows: list[tuple[Any, ...]] = []
    target_median = SPEND_LIFETIME_USD["median"] / LIFETIME_MONTHS
    for key, col in (("p25", "p25"), ("median", "p50"), ("p75", "p75"), ("p90", "p90"),
                     ("p99", "p99")):
        target = SPEND_LIFETIME_USD[key] / LIFETIME_MONTHS
        actual = spend[col]
        target_ratio = SPEND_LIFETIME_USD[key] / SPEND_LIFETIME_USD["median"]
        actual_ratio = actual / median if actual is not None and median else None
        tolerance = SPEND_TOLERANCE[key]
        if key == "median":
            ok = _within_rel(actual, target_median, tolerance)
            tol = f"level ±{tolerance:.0%}"
        else:
            ok = _within_rel(actual_ratio, target_ratio, tolerance)
            tol = f"ratio ±{tolerance:.0%}"
        rows.append((key, SPEND_LIFETIME_USD[key], target, actual, target_ratio, actual_ratio,
                     tol, ok))
    return Table(
        "synth_spend",
        "Coding-agent API-equivalent spend per user-month vs viberank",
        [Col("percentile", "str"), Col("lifetime_target_usd", "usd", "lifetime target"),
         Col("monthly_target_usd", "usd", "monthly target"), Col("actual_usd", "usd", "actual"),
         Col("target_ratio", "float", "target / median"),
         Col("actual_ratio", "float", "actual / median"),
         Col("tolerance", "str"), Col("ok", "bool")],
        rows,
        notes=[
            f"{_user_months(spend['user_months'])} (profiles agent and automated; a "
            "user-month is a UTC month).",
            "viberank figures are lifetime spend of ~800 heavy users; monthly target = "
            f"lifetime / {LIFETIME_MONTHS:g} months (per-day median $29 x ~14 active days).",
            "Percentiles other than the median are checked as ratios to the median "
            "(scale-free); the median is checked as a level.",
        ],
    )


def _user_months(n: int) -> str:
    return f"{n:,} coding-agent user-month{'' if n == 1 else 's'}"


def _shares_table(spend: dict[str, Any], days: dict[str, Any], day_basis: str) -> Table:
    rows: list[tuple[Any, ...]] = []
    for (label, target), col in zip(TOP_SHARES.items(), ("top1", "top10", "top25"), strict=True):
        actual = spend[col]
        rows.append((f"{label} of users' share of spend", target, actual, TOP_TOLERANCE,
                     _within_abs(actual, target, TOP_TOLERANCE), "per user-month, agents"))
    actual_weekend = days["weekend_share"]
    rows.append(("weekend share of active days", WEEKEND_SHARE, actual_weekend,
                 WEEKEND_TOLERANCE, _within_abs(actual_weekend, WEEKEND_SHARE,
                                                WEEKEND_TOLERANCE), day_basis))
    total = sum(int(days[f"{k}_tokens"] or 0) for k in TOKEN_MIX)
    for key, (target, tol) in TOKEN_MIX.items():
        actual = int(days[f"{key}_tokens"] or 0) / total if total else None
        rows.append((f"{key.replace('_', ' ')} share of tokens", target, actual, tol,
                     _within_abs(actual, target, tol), "coding-agent traffic"))
    rows.append(("output share of API cost", 0.30, days["output_cost_share"], 0.10, None,
                 "info only: facts.md's 20-40% contradicts the 0.2% token share"))
    return Table(
        "synth_shares",
        "Concentration, weekend activity and token mix vs published shares",
        [Col("metric", "str"), Col("target_share", "share", "target"),
         Col("actual_share", "share", "actual"), Col("tolerance_share", "share", "± tolerance"),
         Col("ok", "bool"), Col("note", "str")],
        rows,
        notes=["Targets: facts.md section 5 (viberank via ccusage; token mix of coding-agent "
               "traffic). Top k% = the ceil(k x n) costliest of the n user-months."] + ([
            f"Only {_user_months(spend['user_months'])}: the top-share figures "
            "swing by several points from sample to sample below about 1,000."
        ] if spend["user_months"] < 1000 else []),
    )


def _per_day_table(days: dict[str, Any], day_basis: str) -> Table:
    rows: list[tuple[Any, ...]] = []
    for (key, (target, tol)), col in zip(PER_DAY_USD.items(), ("day_p50", "day_p90", "day_p99"),
                                         strict=True):
        actual = days[col]
        rows.append((key, target, actual, f"±{tol:.0%}", _within_rel(actual, target, tol)))
    rows.append(("mean", None, days["day_mean"], "", None))
    return Table(
        "synth_per_day",
        "Coding-agent API-equivalent spend per active day vs viberank",
        [Col("statistic", "str"), Col("target_usd", "usd", "target"),
         Col("actual_usd", "usd", "actual"), Col("tolerance", "str"), Col("ok", "bool")],
        rows,
        notes=[f"{days['active_days']:,} coding-agent active days; {day_basis}.",
               "Vendor figure for all Claude Code users (not checked): about $13 per active "
               "day on average; viberank users are heavier."],
    )


def _population_table(population: list[tuple[Any, ...]]) -> Table:
    return Table(
        "synth_population",
        "Users, requests and API-equivalent spend by profile and plan",
        [Col("profile", "str"), Col("plan", "str"), Col("users", "int"),
         Col("requests", "int"), Col("tokens", "tokens"), Col("api_usd", "usd", "API value"),
         Col("median_user_month_usd", "usd", "median user-month"),
         Col("cache_read_share", "share", "cache-read share"),
         Col("unpriced_rows", "int", "unpriced rows")],
        [tuple(r) for r in population], keys=("profile", "plan"),
        notes=["API value at list prices in planalyzer/data/synth_prices.toml "
               f"(as of {load_prices().as_of}); unpriced rows use models not in that map."],
    )
