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

from planalyzer import sqlfiles
from planalyzer.accounting import LoadReport, no_usage_detail
from planalyzer.analysis import Period, log_span
from planalyzer.costs import load_cost_catalog, load_price_catalog, price_events
from planalyzer.errors import InputError
from planalyzer.me_plans import limit_table, plan_cost_table, usd, window_ids
from planalyzer.me_rate_limits import cap_check_notes, rate_limit_table
from planalyzer.me_scope import (
    ALL,
    ME,
    TOOL_LABELS,
    Scope,
    build_scopes,
    estimated_note,
    my_files,
    one_tool_months,
    other_tool_plans,
    others_note,
    store_users,
    stored_as_note,
)
from planalyzer.me_your_plan import find_your_plan, mark_your_plan
from planalyzer.plans import PlanCatalog
from planalyzer.source_checks import source_checks
from planalyzer.sources import registry
from planalyzer.sources.claude_code import projects_folders, symlinked_projects
from planalyzer.sources.codex import NO_MODEL, NO_MODEL_NOTE
from planalyzer.sources.layouts import CLAUDE_CONFIG_FOLDERS, CODEX_HOME, CODEX_ROLLOUTS
from planalyzer.sources.report_json import DEFAULT_BUCKET_PROMPT_TOKENS
from planalyzer.store import LoadOptions, Store
from planalyzer.tables import Col, Table

__all__ = ["ME", "load_my_usage", "me_tables", "my_sources", "rolling_windows", "usd",
           "window_ids"]

FIVE_HOURS = 5 * 3600
ONE_WEEK = 7 * 24 * 3600


def default_claude_dirs() -> list[Path]:
    env = os.environ.get("CLAUDE_CONFIG_DIR")
    if env:
        return [Path(p).expanduser() for p in env.split(",") if p.strip()]
    return [Path.home() / folder for folder in CLAUDE_CONFIG_FOLDERS]


def default_codex_dirs() -> list[Path]:
    env = os.environ.get("CODEX_HOME")
    return [Path(env).expanduser()] if env else [Path.home() / CODEX_HOME]


def _why_not(d: Path, source: str) -> str | None:
    """Why ``d`` holds no logs of ``source`` (None: it holds some)."""
    if not d.is_dir():
        return f"{d}: not there"
    if registry.get(source).claims_folder(d):
        return None
    if source == "claude-code":
        if projects_folders(d):
            return f"{d}: projects/ holds no .jsonl transcripts yet"
        return f"{d}: no projects/ folder"
    if any((d / sub).is_dir() for sub in CODEX_ROLLOUTS):
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
                empty = _why_not(d, source)
                if empty and "yet" in empty:  # the tool's folder, nothing written in it yet
                    raise InputError(f"{empty}: no {what} usage to read until a session is "
                                     "written")
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


def load_my_usage(store: Store, sources: Sequence[str], tz: str = "UTC",
                  bucket_prompt_tokens: int = DEFAULT_BUCKET_PROMPT_TOKENS) -> LoadReport:
    """Load one subscriber's transcripts (every file's rows under the user id 'me'). A
    project folder that is a symbolic link inside projects/ is not entered: said in a note.
    ``bucket_prompt_tokens``: the assumed mean prompt per request of a usage report's buckets
    (they log no request count)."""
    report = store.load(list(sources), LoadOptions(timezone=tz, user_id=ME,
                                                   bucket_prompt_tokens=bucket_prompt_tokens))
    linked = [p for s in sources if Path(s).is_dir() for p in symlinked_projects(Path(s))]
    if linked:
        more = f" and {len(linked) - 1} more" if len(linked) > 1 else ""
        report.notes.append(
            f"not read: {len(linked)} project folder(s) in projects/ that are symbolic links "
            f"({linked[0]}{more}): the walk does not enter linked folders; give the link's "
            "target folder as another path to read it")
    return report


def check_some_usage(con: duckdb.DuckDBPyConnection, report: LoadReport,
                     sources: Sequence[str]) -> None:
    """An InputError (exit 2, as report's "no usable events") when the store holds no usage
    of the files ``me`` read (under whatever user id): which lines were read, that none
    carried usage, and the unterminated last lines left for a later run."""
    with my_files(con, [fl.source for fl in report.files]):
        if any(r.mine for r in store_users(con)):
            return
    reasons: dict[str, int] = {}
    for fl in report.files:
        for reason, n in fl.rejected_by_reason.items():
            reasons[reason] = reasons.get(reason, 0) + n
    rejected = ("; {:,} rejected: {} (`planalyzer load` on the same folders lists them)".format(
        report.rows_rejected, ", ".join(f"{r} x{n:,}" for r, n in sorted(reasons.items())))
        if report.rows_rejected else "")
    if reasons.get(NO_MODEL):  # Codex turns before any turn_context: say how to count them
        raise InputError(f"{', '.join(sources)}: no usable token usage found "
                         f"({no_usage_detail(report)}{rejected}); {reasons[NO_MODEL]:,} "
                         f"{NO_MODEL_NOTE}")
    raise InputError(f"{', '.join(sources)}: no token usage found ({no_usage_detail(report)}"
                     f"{rejected}); "
                     "Claude Code writes usage on assistant lines and Codex on token_count "
                     "events: run again once a session has answered")


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
              costs: str | Path | None = None, prices: str | Path | None = None,
              your_plan: str | None = None, files: Sequence[str] | None = None) -> list[Table]:
    """Per month: usage with its API-list value and GPU cost, busiest windows, logged rate
    limits, how close the usage came to every plan's limits, and what each plan would cost.
    Only the rows of ``files`` (events.source paths: the files ``load_my_usage`` read, its
    report's ``files``) count, whatever user id they are stored under and whatever else the
    store holds; ``files`` None: the rows of user ``me``. With both Claude Code and Codex
    usage, each tool's too (planalyzer.me_scope). ``your_plan``: a catalog key or name, or a
    Codex plan type (``plus``); None: the plan your Codex client logged, if one
    (planalyzer.me_your_plan)."""
    plan_notes: list[str] = []
    if your_plan is not None:
        found, taken = find_your_plan(catalog, your_plan)
        your_plan = found.key
        plan_notes += [taken] if taken else []
    with my_files(con, files):
        users = store_users(con)
        estimated = estimated_note(con)
        scopes = build_scopes(con, users)
    try:
        tables = _tables(scopes, catalog, tz, costs, prices, your_plan, plan_notes)
    finally:
        for s in scopes:
            s.store.close()
    for note in (estimated, stored_as_note(users), others_note(users)):
        if note:
            tables[0].notes.insert(0, note)
    return tables


def _tables(scopes: list[Scope], catalog: PlanCatalog, tz: str, costs: str | Path | None,
            prices: str | Path | None, your_plan: str | None,
            plan_notes: list[str]) -> list[Table]:
    base = scopes[0]
    shown = [*scopes[1:], base]  # each tool's rows, then both together
    cost_catalog, price_catalog = load_cost_catalog(costs), load_price_catalog(prices)
    pricing = {s.key: price_events(s.con, cost_catalog, prices=price_catalog) for s in scopes}
    notes = list(pricing[ALL].warnings)
    rels = {s.key: sqlfiles.relation(s.con, "me_monthly", {"tz": tz},
                                     {"events": "priced_events"}) for s in scopes}
    api = rels[ALL].columns.index("api_value_usd")
    monthly = {key: rel.fetchall() for key, rel in rels.items()}
    months = [str(r[0]) for r in monthly[ALL]]
    one_tool = one_tool_months({m: [s.key for s in scopes[1:]
                                    if any(str(r[0]) == m for r in monthly[s.key])]
                                for m in months}) if len(scopes) > 1 else {}
    rows = sorted(((str(r[0]), i, s.label, *r[1:]) for i, s in enumerate(shown)
                   for r in monthly[s.key] if not (s.key == ALL and str(r[0]) in one_tool)),
                  key=lambda r: (r[0], r[1]))
    usage = Table(
        "me_monthly", "Your usage by month",
        [Col("month"), Col("usage"), Col("requests", "int"),
         Col("input_tokens", "tokens", "input"),
         Col("cache_write_tokens", "tokens", "cache write 5m"),
         Col("cache_write_1h_tokens", "tokens", "cache write 1h"),
         Col("cache_read_tokens", "tokens", "cache read"),
         Col("output_tokens", "tokens", "output"),
         Col("api_value_usd", "usd", "API list value"),
         Col("gpu_cost_usd", "usd", "GPU cost (est.)")],
        [(r[0], *r[2:]) for r in rows],
        ["API list value: what the same requests cost at the vendors' API prices; GPU cost: "
         "the marginal cost to serve them (planalyzer costs shows the model)", *notes],
        keys=("month", "usage"),
    )
    if len(scopes) > 1:
        usage.notes.append("usage: each tool's own rows, then both tools together (a month "
                           "with one tool's usage only has no 'both tools' row: it would "
                           "repeat that tool's)")
    parts = Period().partial_months(log_span(base.con, tz), months) if months else []
    if parts:  # a plan's price is a whole month's, set here against part of a month's usage
        usage.notes.append(
            "your logs cover only part of " + ", ".join(f"{m} ({a.day} to {b.day})"
                                                        for m, a, b in parts)
            + ": what each plan would cost is a whole month's price against that part's usage")
    tables = [usage, _busiest_windows(shown, tz, one_tool)]
    limits = rate_limit_table(base.con, tz)
    if limits is not None:
        tables.append(limits)
    check_notes, check_tables = source_checks(base.con, catalog, your_plan)
    marked, marked_notes = mark_your_plan(base.con, catalog, tz, your_plan)
    usage.notes.extend([*plan_notes, *marked_notes, *check_notes])
    tables.extend(check_tables)
    if months:
        checks = cap_check_notes(check_tables, limits.as_dicts() if limits else [])
        tools = [s.key for s in scopes[1:]] or sorted(
            t for t in TOOL_LABELS if base.label == TOOL_LABELS[t])
        hypothetical = other_tool_plans(catalog.plans, tools)
        tables.append(limit_table(scopes, catalog, tz, checks, hypothetical, one_tool))
        value = {(s.key, str(r[0])): None if r[api] is None else float(r[api])
                 for s in scopes for r in monthly[s.key]}
        cost = plan_cost_table(
            scopes, catalog, tz, marked, value,
            {s.key: [u.model for u in pricing[s.key].unpriced_models] for s in scopes}, tools,
            hypothetical)
        cost.notes[:0] = [f"! {n}" for n in checks.values()]
        tables.append(cost)
    return tables


def _busiest_windows(scopes: Sequence[Scope], tz: str,
                     one_tool: Mapping[str, str] | None = None) -> Table:
    rows: list[tuple[Any, ...]] = []
    unknown_any = False
    for order, scope in enumerate(scopes):
        series = _series(scope.con, tz)
        meters = {"tokens": series["tokens"], "requests": series["requests"],
                  "api_value_usd": [v or 0.0 for v in series["api_value_usd"]],
                  "unpriced": [1.0 if v is None else 0.0 for v in series["api_value_usd"]]}
        w5 = rolling_windows(series["epoch"], series["month"], meters, FIVE_HOURS)
        ww = rolling_windows(series["epoch"], series["month"], meters, ONE_WEEK)
        peak5, peakw = _peaks(w5), _peaks(ww)
        for m in dict.fromkeys(series["month"]):
            if scope.key == ALL and one_tool and m in one_tool:
                continue  # that tool's own row says it
            p5, pw = peak5.get(m, {}), peakw.get(m, {})
            # a month in which no window opened (a weekly window from the month before holds
            # its requests) peaks at 0 tokens and $0, never an unknown value
            v5 = None if p5.get("unpriced") else p5.get("api_value_usd", 0.0)
            vw = None if pw.get("unpriced") else pw.get("api_value_usd", 0.0)
            unknown_any = unknown_any or v5 is None or vw is None
            rows.append((m, order, scope.label, sum(1 for w in w5 if w.month == m),
                         int(p5.get("tokens", 0)), v5, int(pw.get("tokens", 0)), vw))
    rows.sort(key=lambda r: (r[0], r[1]))
    notes = ["a 5-hour (weekly) window opens at a request when none is open and counts in the "
             "month it opened; tokens exclude cache reads"]
    if len(scopes) > 1:
        notes.append("both tools: their windows open at the first request of either tool, so "
                     "they fall at other times than one tool's and a busiest window of both "
                     "may hold less than one tool's own")
    if unknown_any:
        notes.append("value empty = unknown: a window of that month held requests of models "
                     "with no API list price (never a partial sum); give --prices FILE")
    return Table(
        "me_windows", "Your busiest windows by month",
        [Col("month"), Col("usage"), Col("windows_5h", "int", "5 h windows"),
         Col("peak_5h_tokens", "tokens", "peak 5 h tokens"),
         Col("peak_5h_api_value_usd", "usd", "peak 5 h value"),
         Col("peak_week_tokens", "tokens", "peak week tokens"),
         Col("peak_week_api_value_usd", "usd", "peak week value")],
        [(r[0], *r[2:]) for r in rows], notes, keys=("month", "usage"))


def _peaks(windows: list[Window]) -> dict[str, dict[str, float]]:
    peaks: dict[str, dict[str, float]] = {}
    for w in windows:
        cur = peaks.setdefault(w.month, {})
        for k, v in w.meters.items():
            cur[k] = max(cur.get(k, 0.0), v)
    return peaks


