""""Is my plan worth it?": one subscriber's local Claude Code and Codex usage, month by month.

``load_my_usage`` reads the default folders (``$CLAUDE_CONFIG_DIR`` or ``~/.claude``,
``$CODEX_HOME`` or ``~/.codex``) or given paths; ``me_tables`` shows per month the API-list value
of the usage, the estimated GPU cost to serve it, the peak 5-hour and weekly windows (and the
rate-limit readings Codex logged), and, given plans, how close each month came to each plan's
limits and which plan fits best.

Pricing and plans are hooks: ``Pricer`` creates the ``priced_events`` view (planalyzer.costs
provides it where installed); ``PlanLimits`` describe the plans to set the usage against (a
TOML file for now; the plan catalog will provide them).
"""

from __future__ import annotations

import importlib
import os
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from planalyzer import sqlfiles
from planalyzer.accounting import LoadReport
from planalyzer.errors import ConfigError, InputError
from planalyzer.store import LoadOptions, Store
from planalyzer.tables import Col, Table

FIVE_HOURS = 5 * 3600
ONE_WEEK = 7 * 24 * 3600
METERS = ("api_value_usd", "tokens", "requests")

# Creates the temp view priced_events (events + gpu_cost_usd, api_value_usd ...) and returns
# warnings (unknown models priced by assumption, say).
Pricer = Callable[[duckdb.DuckDBPyConnection], list[str]]


@dataclass(frozen=True)
class PlanLimits:
    """A plan to set one subscriber's usage against. Limits are in ``meter`` units per
    rolling window (None: no such limit)."""

    name: str
    price_usd: float
    meter: str = "api_value_usd"
    limit_5h: float | None = None
    limit_week: float | None = None


def default_claude_dirs() -> list[Path]:
    env = os.environ.get("CLAUDE_CONFIG_DIR")
    if env:
        return [Path(p).expanduser() for p in env.split(",") if p.strip()]
    home = Path.home()
    return [home / ".claude", home / ".config" / "claude"]


def default_codex_dirs() -> list[Path]:
    env = os.environ.get("CODEX_HOME")
    return [Path(env).expanduser()] if env else [Path.home() / ".codex"]


def my_sources(paths: Sequence[str], claude_dir: Path | None,
               codex_dir: Path | None) -> list[str]:
    """The folders to read: given paths and dirs, else the default locations that exist."""
    if paths or claude_dir or codex_dir:
        chosen = [*paths, *(str(d) for d in (claude_dir, codex_dir) if d is not None)]
        for d in (claude_dir, codex_dir):
            if d is not None and not d.exists():
                raise InputError(f"{d}: no such folder; check the path")
        return chosen
    found = [str(d) for d in (*default_claude_dirs(), *default_codex_dirs())
             if (d / "projects").is_dir() or (d / "sessions").is_dir()
             or (d / "archived_sessions").is_dir()]
    if not found:
        looked = ", ".join(str(d) for d in (*default_claude_dirs(), *default_codex_dirs()))
        raise InputError(f"no Claude Code or Codex logs found (looked in {looked}); give "
                         "their folders, e.g. planalyzer me --claude-dir ~/work/.claude")
    return found


def load_my_usage(store: Store, sources: Sequence[str], tz: str = "UTC") -> LoadReport:
    """Load one subscriber's transcripts (every file's rows under the user id 'me')."""
    return store.load(list(sources), LoadOptions(timezone=tz, user_id="me"))


def default_pricer() -> Pricer | None:
    """planalyzer.costs' pricing with the shipped catalogs, where that module is installed."""
    try:
        costs: Any = importlib.import_module("planalyzer.costs")
    except ImportError:
        return None

    def price(con: duckdb.DuckDBPyConnection) -> list[str]:
        result = costs.price_events(con, costs.load_cost_catalog(),
                                    prices=costs.load_price_catalog())
        return list(result.warnings)

    return price


def read_plans(path: Path) -> list[PlanLimits]:
    """``[plan.NAME]`` tables: price_usd, meter, limit_5h, limit_week. Unknown keys are errors."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: plans file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    if set(doc) - {"plan"} or not isinstance(doc.get("plan"), dict):
        raise ConfigError(f"{path}: expected only [plan.NAME] tables")
    plans: list[PlanLimits] = []
    allowed = {"price_usd": (int, float), "meter": (str,), "limit_5h": (int, float),
               "limit_week": (int, float)}
    for name, spec in doc["plan"].items():
        if not isinstance(spec, dict):
            raise ConfigError(f"{path}: plan.{name} must be a table")
        for key, value in spec.items():
            if key not in allowed:
                raise ConfigError(f"{path}: plan.{name}.{key} is not a known key; use "
                                  + ", ".join(allowed))
            if isinstance(value, bool) or not isinstance(value, allowed[key]):
                raise ConfigError(f"{path}: plan.{name}.{key} has the wrong type")
        if "price_usd" not in spec:
            raise ConfigError(f"{path}: plan.{name} needs price_usd")
        meter = str(spec.get("meter", "api_value_usd"))
        if meter not in METERS:
            raise ConfigError(f"{path}: plan.{name}.meter {meter!r}: use one of "
                              + ", ".join(METERS))
        plans.append(PlanLimits(name, float(spec["price_usd"]), meter,
                                _opt_float(spec.get("limit_5h")),
                                _opt_float(spec.get("limit_week"))))
    return plans


def _opt_float(v: Any) -> float | None:
    return None if v is None else float(v)


# -- windows -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    month: str  # month of the window's first request
    start_epoch: int
    meters: dict[str, float]


def rolling_windows(times: Sequence[int], months: Sequence[str],
                    meters: Mapping[str, Sequence[float]], length: int) -> list[Window]:
    """Windows that open at a request when none is open and close ``length`` seconds later
    (requests sorted by time); each window's meter totals."""
    out: list[Window] = []
    end = -1
    acc: dict[str, float] = {}
    start, month = 0, ""
    for i, t in enumerate(times):
        if t >= end:
            if acc:
                out.append(Window(month, start, acc))
            start, month, end = t, months[i], t + length
            acc = dict.fromkeys(meters, 0.0)
        for k, vals in meters.items():
            acc[k] += float(vals[i])
    if acc:
        out.append(Window(month, start, acc))
    return out


def _series(con: duckdb.DuckDBPyConnection, tz: str, priced: bool) -> dict[str, list[Any]]:
    rel = sqlfiles.relation(con, "me_meter_series", {"tz": tz},
                            {"events": _events_slot(priced)})
    cols = rel.columns
    data = rel.fetchall()
    return {c: [r[i] for r in data] for i, c in enumerate(cols)}


def _events_slot(priced: bool) -> str:
    return "priced_events" if priced else (
        "(SELECT e.*, CAST(NULL AS DOUBLE) AS api_value_usd, "
        "CAST(NULL AS DOUBLE) AS gpu_cost_usd FROM events AS e)")


# -- tables ------------------------------------------------------------------------------------

def me_tables(con: duckdb.DuckDBPyConnection, tz: str = "UTC", pricer: Pricer | None = None,
              plans: Sequence[PlanLimits] = ()) -> list[Table]:
    """Per month: usage and its value and cost, peak windows, logged rate limits, plan fit."""
    notes: list[str] = []
    priced = False
    if pricer is not None:
        notes.extend(pricer(con))
        priced = True
    else:
        notes.append("API value and GPU cost need planalyzer.costs (not installed in this "
                     "build): token counts only")
    monthly = sqlfiles.relation(con, "me_monthly", {"tz": tz},
                                {"events": _events_slot(priced)}).fetchall()
    series = _series(con, tz, priced)
    meters = {"tokens": series["tokens"], "requests": series["requests"]}
    if priced:
        meters["api_value_usd"] = [v or 0.0 for v in series["api_value_usd"]]
    w5 = rolling_windows(series["epoch"], series["month"], meters, FIVE_HOURS)
    ww = rolling_windows(series["epoch"], series["month"], meters, ONE_WEEK)
    peak5 = _peaks(w5)
    peakw = _peaks(ww)
    usage = Table(
        "me_monthly", "Your usage by month",
        [Col("month"), Col("requests", "int"), Col("input_tokens", "tokens", "input"),
         Col("cache_write_tokens", "tokens", "cache write"),
         Col("cache_read_tokens", "tokens", "cache read"),
         Col("output_tokens", "tokens", "output"),
         Col("api_value_usd", "usd", "API list value"),
         Col("gpu_cost_usd", "usd", "GPU cost (est.)")],
        [tuple(r) for r in monthly], notes,
    )
    windows = Table(
        "me_windows", "Your busiest windows by month",
        [Col("month"), Col("windows_5h", "int", "5 h windows"),
         Col("peak_5h_tokens", "tokens", "peak 5 h tokens"),
         Col("peak_5h_api_value_usd", "usd", "peak 5 h value"),
         Col("peak_week_tokens", "tokens", "peak week tokens"),
         Col("peak_week_api_value_usd", "usd", "peak week value")],
        [(m, sum(1 for w in w5 if w.month == m),
          int(peak5.get(m, {}).get("tokens", 0)), peak5.get(m, {}).get("api_value_usd"),
          int(peakw.get(m, {}).get("tokens", 0)), peakw.get(m, {}).get("api_value_usd"))
         for m in (r[0] for r in monthly)],
        ["a 5-hour (weekly) window opens at a request when none is open and counts in the "
         "month it opened; tokens exclude cache reads"],
    )
    tables = [usage, windows]
    limits = sqlfiles.relation(con, "me_rate_limits", {"tz": tz}).fetchall()
    if limits:
        tables.append(Table(
            "me_rate_limits", "Rate limits your client logged (Codex)",
            [Col("month"), Col("plan_type", "str", "plan"), Col("window"),
             Col("window_minutes", "int", "minutes"),
             Col("max_used_share", "share", "max used"), Col("readings", "int")],
            [(r[0], r[1], r[2], r[3], float(r[4]) / 100.0, r[5]) for r in limits],
            ["the provider's own reading of how much of each window's limit was used"],
        ))
    if plans:
        tables.append(plan_fit(usage, w5, ww, plans, priced))
    return tables


def _peaks(windows: list[Window]) -> dict[str, dict[str, float]]:
    peaks: dict[str, dict[str, float]] = {}
    for w in windows:
        cur = peaks.setdefault(w.month, {})
        for k, v in w.meters.items():
            cur[k] = max(cur.get(k, 0.0), v)
    return peaks


def plan_fit(usage: Table, w5: list[Window], ww: list[Window], plans: Sequence[PlanLimits],
             priced: bool) -> Table:
    """How close each month came to each plan's limits, and the cheapest plan that fits."""
    months = usage.column("month")
    values = usage.column("api_value_usd")
    avg_value = (sum(v or 0.0 for v in values) / len(months)) if months and priced else None
    rows: list[tuple[Any, ...]] = []
    notes: list[str] = []
    fitting: list[PlanLimits] = []
    for p in plans:
        if p.meter == "api_value_usd" and not priced:
            notes.append(f"{p.name}: its limits count API value, which needs pricing")
            continue
        share5 = _worst_share(w5, p.meter, p.limit_5h)
        sharew = _worst_share(ww, p.meter, p.limit_week)
        over = sum(1 for m in months if any(
            _over(w, p.meter, lim) for ws, lim in ((w5, p.limit_5h), (ww, p.limit_week))
            for w in ws if w.month == m))
        fits = over == 0
        if fits:
            fitting.append(p)
        rows.append((p.name, p.price_usd, p.meter, share5, sharew, over, fits))
    best = min(fitting, key=lambda p: p.price_usd) if fitting else None
    if best is not None:
        verdict = f"best fit: {best.name} (${best.price_usd:,.0f}/month), the cheapest plan " \
                  "whose limits your usage never reached"
        if avg_value is not None and avg_value < best.price_usd:
            verdict += f"; at API list prices your usage would cost ${avg_value:,.2f}/month, " \
                       "less than the plan"
    else:
        verdict = "no plan's limits covered your usage in every month"
    notes.insert(0, verdict)
    return Table("me_plan_fit", "Plans against your usage",
                 [Col("plan"), Col("price_usd", "usd", "price / month"), Col("meter"),
                  Col("peak_5h_share", "share", "worst 5 h window"),
                  Col("peak_week_share", "share", "worst week"),
                  Col("months_over_limit", "int", "months over a limit"),
                  Col("fits", "bool")],
                 rows, notes)


def _worst_share(windows: list[Window], meter: str, limit: float | None) -> float | None:
    if limit is None or limit <= 0 or not windows:
        return None
    return max(w.meters.get(meter, 0.0) for w in windows) / limit


def _over(w: Window, meter: str, limit: float | None) -> bool:
    return limit is not None and w.meters.get(meter, 0.0) > limit
