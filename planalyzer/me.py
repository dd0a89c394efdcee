""""Is my plan worth it?": one subscriber's local Claude Code and Codex usage, month by month.

``load_my_usage`` reads the default folders (``$CLAUDE_CONFIG_DIR`` or ``~/.claude``,
``$CODEX_HOME`` or ``~/.codex``) or given paths; ``me_tables`` prices the usage with the shipped
cost models (or a ``--costs`` catalog) and shows per month the API-list value of the usage, the
estimated GPU cost to serve it, the busiest 5-hour and weekly windows, the rate-limit readings
Codex logged, how close each month came to every limit of every plan in the plan catalog, and
what each plan would have cost for the same usage (replayed by the report's caps engine), with
the plan that fits best.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from planalyzer import sqlfiles
from planalyzer.accounting import LoadReport
from planalyzer.analysis import Period, compute, log_span, meter_units, month_label
from planalyzer.caps import Requests, rolling_window_starts
from planalyzer.errors import ConfigError, InputError
from planalyzer.plans import Limit, PlanCatalog, assign_plans
from planalyzer.plans import Window as LimitWindow
from planalyzer.pricing_step import price_result
from planalyzer.render.formats import human
from planalyzer.source_checks import source_checks
from planalyzer.sources import registry
from planalyzer.store import LoadOptions, Store
from planalyzer.tables import Col, Table

FIVE_HOURS = 5 * 3600
ONE_WEEK = 7 * 24 * 3600
ME = "me"


def default_claude_dirs() -> list[Path]:
    env = os.environ.get("CLAUDE_CONFIG_DIR")
    if env:
        return [Path(p).expanduser() for p in env.split(",") if p.strip()]
    home = Path.home()
    return [home / ".claude", home / ".config" / "claude"]


def default_codex_dirs() -> list[Path]:
    env = os.environ.get("CODEX_HOME")
    return [Path(env).expanduser()] if env else [Path.home() / ".codex"]


def _why_not(d: Path, source: str) -> str | None:
    """Why ``d`` holds no logs of ``source`` (None: it holds some)."""
    if not d.is_dir():
        return f"{d}: not there"
    if registry.get(source).claims_folder(d):
        return None
    if source == "claude-code":
        if (d / "projects").is_dir() or (d / ".claude" / "projects").is_dir():
            return f"{d}: projects/ holds no .jsonl transcripts yet"
        return f"{d}: no projects/ folder"
    if (d / "sessions").is_dir() or (d / "archived_sessions").is_dir():
        return f"{d}: sessions/ holds no rollout-*.jsonl files yet"
    return f"{d}: no sessions/ folder"


def my_sources(paths: Sequence[str], claude_dir: Path | None,
               codex_dir: Path | None, db: Path | None = None) -> list[str]:
    """The folders to read: given paths and dirs, else the default locations that hold
    Claude Code transcripts or Codex rollouts. ``db``: the --db file given (named in the
    message when no logs are found: ``me`` reads the folders, and the db only keeps them)."""
    if paths or claude_dir or codex_dir:
        chosen = [*paths, *(str(d) for d in (claude_dir, codex_dir) if d is not None)]
        for d, source, what, holds, option in (
                (claude_dir, "claude-code", "Claude Code", "projects/ with .jsonl transcripts",
                 "--claude-dir"),
                (codex_dir, "codex", "Codex", "sessions/ or archived_sessions/ with rollouts",
                 "--codex-dir")):
            if d is None:
                continue
            if not d.exists():
                raise InputError(f"{d}: no such folder; check the path")
            if not (d.is_dir() and registry.get(source).claims_folder(d)):
                raise InputError(f"{d}: not a {what} folder (no {holds}); give {option} the "
                                 "folder that holds them")
        for p in map(Path, paths):
            if (p.is_dir() and all(_why_not(p, s) for s in ("claude-code", "codex"))
                    and not next(p.rglob("*.jsonl"), None)):  # loose transcripts are read
                raise InputError(f"{p}: no Claude Code transcripts (projects/*.jsonl) or Codex "
                                 "rollouts (sessions/**/rollout-*.jsonl) in this folder; give "
                                 "the folder that holds projects/ or sessions/")
        return chosen
    places = [(d, "claude-code") for d in default_claude_dirs()] + \
        [(d, "codex") for d in default_codex_dirs()]
    why = [(d, _why_not(d, source)) for d, source in places]
    found = [str(d) for d, reason in why if reason is None]
    if not found:
        looked = "; ".join(reason for _, reason in why if reason)
        kept = (f" (--db {db} keeps what me loaded for the next run; it is not read in place "
                "of the folders: use planalyzer report --db for a store's events)"
                if db is not None else "")
        raise InputError(f"no Claude Code or Codex logs found (looked in {looked}){kept}; "
                         "give their folders, e.g. planalyzer me --claude-dir ~/work/.claude "
                         "--codex-dir ~/.codex, or set CLAUDE_CONFIG_DIR / CODEX_HOME")
    return found


def load_my_usage(store: Store, sources: Sequence[str], tz: str = "UTC") -> LoadReport:
    """Load one subscriber's transcripts (every file's rows under the user id 'me')."""
    return store.load(list(sources), LoadOptions(timezone=tz, user_id=ME))


def _usd(v: float) -> str:
    """An amount as the tables print it ($0.00268, $12.34, $1,234)."""
    return human(float(v), Col("x_usd", "usd"))


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


def _series(con: duckdb.DuckDBPyConnection, tz: str) -> dict[str, list[Any]]:
    rel = sqlfiles.relation(con, "me_meter_series", {"tz": tz}, {"events": "priced_events"})
    cols = rel.columns
    data = rel.fetchall()
    return {c: [r[i] for r in data] for i, c in enumerate(cols)}


# -- tables ------------------------------------------------------------------------------------

def me_tables(con: duckdb.DuckDBPyConnection, catalog: PlanCatalog, tz: str = "UTC", *,
              costs: Path | None = None, prices: Path | None = None,
              your_plan: str | None = None) -> list[Table]:
    """Per month: usage with its API-list value and GPU cost, busiest windows, logged rate
    limits, how close the usage came to every plan's limits, and what each plan would cost."""
    if your_plan is not None and catalog.find(your_plan) is None:
        raise ConfigError(f"--plan {your_plan!r}: not in the plan catalog {catalog.path}; use "
                          "one of " + ", ".join(catalog.plans))
    pricing = price_result(con, costs, prices=prices)
    notes = list(pricing.warnings)
    monthly = sqlfiles.relation(con, "me_monthly", {"tz": tz},
                                {"events": "priced_events"}).fetchall()
    usage = Table(
        "me_monthly", "Your usage by month",
        [Col("month"), Col("requests", "int"), Col("input_tokens", "tokens", "input"),
         Col("cache_write_tokens", "tokens", "cache write"),
         Col("cache_read_tokens", "tokens", "cache read"),
         Col("output_tokens", "tokens", "output"),
         Col("api_value_usd", "usd", "API list value"),
         Col("gpu_cost_usd", "usd", "GPU cost (est.)")],
        [tuple(r) for r in monthly],
        ["API list value: what the same requests cost at the vendors' API prices; GPU cost: "
         "the marginal cost to serve them (planalyzer costs shows the model)", *notes],
    )
    parts = Period().partial_months(log_span(con, tz), [str(r[0]) for r in monthly]) \
        if monthly else []
    if parts:  # a plan's price is a whole month's, set here against part of a month's usage
        usage.notes.append(
            "your logs cover only part of " + ", ".join(f"{m} ({a.day} to {b.day})"
                                                        for m, a, b in parts)
            + ": what each plan would cost is a whole month's price against that part's usage")
    tables = [usage, _busiest_windows(con, tz, [r[0] for r in monthly])]
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
    check_notes, check_tables = source_checks(con, catalog)
    usage.notes.extend(check_notes)
    tables.extend(check_tables)
    if monthly:
        tables.append(limit_table(con, catalog, tz))
        tables.append(plan_cost_table(
            con, catalog, tz, your_plan,
            {r[0]: None if r[6] is None else float(r[6]) for r in monthly},
            [u.model for u in pricing.unpriced_models]))
    return tables


def _busiest_windows(con: duckdb.DuckDBPyConnection, tz: str, months: list[str]) -> Table:
    series = _series(con, tz)
    meters = {"tokens": series["tokens"], "requests": series["requests"],
              "api_value_usd": [v or 0.0 for v in series["api_value_usd"]]}
    w5 = rolling_windows(series["epoch"], series["month"], meters, FIVE_HOURS)
    peak5 = _peaks(w5)
    peakw = _peaks(rolling_windows(series["epoch"], series["month"], meters, ONE_WEEK))
    return Table(
        "me_windows", "Your busiest windows by month",
        [Col("month"), Col("windows_5h", "int", "5 h windows"),
         Col("peak_5h_tokens", "tokens", "peak 5 h tokens"),
         Col("peak_5h_api_value_usd", "usd", "peak 5 h value"),
         Col("peak_week_tokens", "tokens", "peak week tokens"),
         Col("peak_week_api_value_usd", "usd", "peak week value")],
        [(m, sum(1 for w in w5 if w.month == m),
          int(peak5.get(m, {}).get("tokens", 0)), peak5.get(m, {}).get("api_value_usd"),
          int(peakw.get(m, {}).get("tokens", 0)), peakw.get(m, {}).get("api_value_usd"))
         for m in months],
        ["a 5-hour (weekly) window opens at a request when none is open and counts in the "
         "month it opened; tokens exclude cache reads"],
    )


def _peaks(windows: list[Window]) -> dict[str, dict[str, float]]:
    peaks: dict[str, dict[str, float]] = {}
    for w in windows:
        cur = peaks.setdefault(w.month, {})
        for k, v in w.meters.items():
            cur[k] = max(cur.get(k, 0.0), v)
    return peaks


def _requests_frame(con: duckdb.DuckDBPyConnection, tz: str) -> pl.DataFrame:
    df = sqlfiles.relation(con, "me_requests", {"tz": tz}).pl()
    assert isinstance(df, pl.DataFrame)
    return df


def window_ids(df: pl.DataFrame, limit: Limit) -> pl.Series:
    """The window each request (one subscriber's, in time order) counts in under ``limit``:
    rolling windows open at a request when none is open; calendar ones reset at the catalog's
    reset time in its time zone (the same rules as the report's caps engine)."""
    w = limit.window
    n = len(df)
    if w.kind == "rolling":
        req = Requests(pl.Series([0, n], dtype=pl.Int64), df["t_us"],
                       pl.Series([0] * n, dtype=pl.Int64))
        starts = rolling_window_starts(req, w.length_us)
    else:
        bucket = _calendar_bucket(df, w)
        starts = (bucket != bucket.shift(1)).fill_null(True)
    return starts.cast(pl.Int64).cum_sum()


def _calendar_bucket(df: pl.DataFrame, w: LimitWindow) -> pl.Series:
    """Each request's calendar day, week or month under ``w`` (its first local moment, in
    the window's own time zone, less its reset time)."""
    unit = "1mo" if w.kind == "calendar_month" else "1w" if w.kind == "calendar_week" else "1d"
    local = (pl.from_epoch("t_us", time_unit="us").dt.replace_time_zone("UTC")
             .dt.convert_time_zone(w.timezone).dt.replace_time_zone(None))
    return df.select((local - pl.duration(minutes=w.reset_offset_minutes))
                     .dt.truncate(unit).alias("b"))["b"]


def window_months(df: pl.DataFrame, limit: Limit) -> pl.Series:
    """The month each request's window under ``limit`` is shown in: a calendar month's own
    month (its window may open a few hours before or after the report's local month does,
    under another time zone or reset time); any other window's is the report month of each
    request (``df["month"]``; the table takes a window's first)."""
    if limit.window.kind != "calendar_month":
        return df["month"]
    return _calendar_bucket(df, limit.window).dt.strftime("%Y-%m").alias("month")


def limit_table(con: duckdb.DuckDBPyConnection, catalog: PlanCatalog, tz: str) -> Table:
    """For every plan and limit: per month, the busiest window's meter total against the cap."""
    df = _requests_frame(con, tz)
    rows: list[tuple[Any, ...]] = []
    estimated = False
    for plan in catalog.plans.values():
        for lim in plan.limits:
            meter = catalog.meters[lim.meter]
            per_window = pl.DataFrame({
                "window": window_ids(df, lim), "month": window_months(df, lim),
                "units": meter_units(df, meter)}).group_by("window", maintain_order=True).agg(
                pl.col("month").first(), pl.col("units").sum())
            per_month = per_window.group_by("month", maintain_order=True).agg(
                pl.len().alias("windows"), pl.col("units").max().alias("peak"),
                (pl.col("units") >= lim.cap).sum().alias("at_cap"))
            estimated = estimated or lim.estimate or meter.estimate
            for m, windows, peak, at_cap in per_month.iter_rows():
                rows.append((m, plan.key, lim.name + (" *" if lim.estimate else ""),
                             lim.window.describe(), lim.cap, meter.unit, float(peak),
                             float(peak) / lim.cap if lim.cap > 0 else None, windows, at_cap))
    notes = ["peak: your busiest window's total in the limit's meter; at cap: windows whose "
             "total reached the cap (requests past it would be blocked or billed as overage)",
             "a window is shown in the month it opened, a calendar-month window in its own "
             "month (in the limit's time zone, which may differ from yours by some hours)"]
    if estimated:
        notes.append("* an estimated limit (the vendor does not publish it): see the catalog's "
                     "notes")
    return Table(
        "me_limits", "How close you came to each plan's limits",
        [Col("month"), Col("plan"), Col("limit"), Col("window"), Col("cap", "float"),
         Col("unit"), Col("peak", "float"), Col("peak_share", "share", "peak / cap"),
         Col("windows", "int"), Col("at_cap", "int", "windows at cap")],
        rows, notes)


def plan_cost_table(con: duckdb.DuckDBPyConnection, catalog: PlanCatalog, tz: str,
                    your_plan: str | None, value_by_month: Mapping[str, float | None],
                    unpriced_models: Sequence[str] = ()) -> Table:
    """Every plan replayed on your requests by the report's caps engine: what you would pay
    and what it would block; the best fit is the cheapest plan that blocks nothing. A plan
    that charges or caps by API value cannot price requests of ``unpriced_models`` (no API
    list price): what you would pay under it is unknown, and it is no best fit."""
    found = catalog.find(your_plan) if your_plan else None
    current = found.key if found else None
    data = compute(con, catalog, assign_plans([(ME, current)], catalog), timezone=tz,
                   unpriced_models=unpriced_models)
    fit = data.fit
    if fit is None or not len(fit):
        return Table("me_plan_cost", "What each plan would cost you", [Col("month")], [])
    fit = fit.sort("month_key", "buyer_cost_usd", "plan")
    rows: list[tuple[Any, ...]] = []
    verdicts: list[str] = []
    for (key,), part in fit.group_by("month_key", maintain_order=True):
        month = month_label(int(key))
        best = part.filter(pl.col("feasible") & pl.col("priced")).head(1)
        for r in part.iter_rows(named=True):
            plan = catalog.plans[r["plan"]]
            ok = bool(r["priced"])  # else it charges or caps by a value we cannot price
            rows.append((month, r["plan"], plan.price_usd,
                         float(r["buyer_cost_usd"]) if ok else None,
                         int(r["blocked"]) if ok else None, bool(r["feasible"]) if ok else None,
                         float(r["full_gpu_cost_usd"]),
                         float(r["buyer_cost_usd"]) - float(r["full_gpu_cost_usd"])
                         if ok else None,
                         r["plan"] == current))
        mine = part.filter(pl.col("plan") == current) if current else part.clear()
        if len(mine):
            m = mine.row(0, named=True)
            value = value_by_month.get(month)
            paid = (_usd(m["buyer_cost_usd"]) if m["priced"]
                    else "an amount planalyzer cannot price")
            worth = (f"worth {_usd(value)} at API list prices" if value is not None
                     else "of unknown API list value (some models have no list price)")
            verdicts.append(f"{month}: on {current} you paid {paid} for usage {worth}, which "
                            f"cost about {_usd(m['full_gpu_cost_usd'])} to serve")
        if len(best):
            b = best.row(0, named=True)
            verdicts.append(f"{month}: best fit {b['plan']} at {_usd(b['buyer_cost_usd'])} "
                            "(the cheapest plan in the catalog that would have served every "
                            "request, whichever vendor's: your models may not be on it)")
        else:
            verdicts.append(f"{month}: every plan would have blocked some requests")
    if current is None:
        verdicts.append("say which plan you are on with --plan to mark it")
    if data.unpriced_plans and not fit["priced"].all():
        verdicts.append(f"empty = cannot be priced: {', '.join(data.unpriced_plans)} charge or "
                        "cap by API value, and some requests' models have no API list price "
                        f"({', '.join(data.unpriced_models)}); give --prices FILE")
    return Table(
        "me_plan_cost", "What each plan would cost you for the same usage",
        [Col("month"), Col("plan"), Col("price_usd", "usd", "price"),
         Col("your_cost_usd", "usd", "you pay"), Col("blocked_requests", "int", "blocked"),
         Col("serves_all", "bool", "serves all"),
         Col("gpu_cost_usd", "usd", "GPU cost (all requests)"),
         Col("seller_margin_usd", "usd", "seller margin"), Col("yours", "bool")],
        rows, [*verdicts, "you pay: price plus overage or usage charges for the requests the "
               "plan serves; seller margin: what you pay less the GPU cost of all your "
               "requests (as if none were blocked)"])
