"""One call from loaded events to the report data: price, assign plans, apply caps, sum."""

from __future__ import annotations

import csv
import fnmatch
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from planalyzer import stints
from planalyzer.analysis import (
    Period,
    ReportData,
    check_period,
    compute,
    logged_plans,
    logged_plans_and_changes,
    plan_change_users,
)
from planalyzer.errors import ConfigError, StrictModeError
from planalyzer.plan_names import read_as_note, unknown_plans_message
from planalyzer.plans import (
    NO_PLAN,
    Assignment,
    PlanCatalog,
    PlanSources,
    assign_plans,
    assign_rule_notes,
    check_user_file,
    load_plan_catalog,
    parse_assign,
)
from planalyzer.pricing_step import price_result
from planalyzer.screen import PlanChanges
from planalyzer.sources import file_kind
from planalyzer.sources.base import RESAVE_UTF8, open_bytes
from planalyzer.sqlfiles import literal_path
from planalyzer.store_check import require_events
from planalyzer.timezones import check_timezone


def read_user_plan_file(con: duckdb.DuckDBPyConnection, path: str | Path, catalog: PlanCatalog
                        ) -> dict[str, str]:
    """A user-to-plan file: CSV or parquet with columns user_id and plan."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: file not found; give a CSV or parquet file with columns "
                          "user_id and plan")
    try:
        name = literal_path(str(path))  # that file only: 'plans*.csv' is no pattern here
        rel = (con.read_parquet(name) if path.suffix.lower() == ".parquet"
               else con.read_csv(name, all_varchar=True))
        missing = {"user_id", "plan"} - set(rel.columns)
        if missing:
            raise ConfigError(_short_line(path) or _not_a_table(path) or (
                f"{path}: missing column(s) {', '.join(sorted(missing))}; the file needs "
                "user_id and plan"))
        rows = rel.select("user_id, plan").fetchall()
    except duckdb.Error as exc:  # one line: DuckDB's own names the header and ignore_errors
        lines = str(exc).strip().splitlines()
        raise ConfigError(_compressed(path) or _not_utf8(path) or _short_line(path)
                          or _not_a_table(path)
                          or f"{path}: cannot read as CSV or parquet "
                             f"({lines[0] if lines else type(exc).__name__}); give a CSV or "
                             "parquet file with columns user_id and plan") from None
    return check_user_file(rows, catalog, str(path))


_COMPRESSED = {"gzip": (".gz", "gunzip"), "zstd": (".zst", "unzstd")}


def _compressed(path: Path) -> str | None:
    """A user-to-plan file of compressed bytes under a name without the compression's
    extension (DuckDB reads .csv.gz and .csv.zst): the message saying so; else None. The
    bytes are known as the logs' are (file_kind.kind_of: a zstd file may open with a
    skippable frame, as pzstd writes)."""
    kind = file_kind.kind_of(file_kind.first_bytes(path))
    if kind not in _COMPRESSED:
        return None
    ext, tool = _COMPRESSED[kind]
    if path.name.lower().endswith(ext):
        return None
    return (f"{path}: {kind}-compressed data; name it {path.name}{ext} or decompress it "
            f"({tool}) and give that")


def _not_utf8(path: Path) -> str | None:
    """A CSV user-to-plan file with a line that is not UTF-8 text (Latin-1 from Excel): the
    message naming that line and how to re-save it, as the logs' readers say; else None."""
    if path.suffix.lower() == ".parquet":
        return None
    try:
        with open_bytes(path) as fh:
            data = fh.read()
    except (OSError, EOFError, ValueError, zlib.error):
        return None
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
    return (f"{path}: line {line} is not UTF-8 text; "
            f"{RESAVE_UTF8.replace('FILE', str(path), 1)}")


def _short_line(path: Path) -> str | None:
    """A CSV user-to-plan file's first line whose field count differs from the header's (the
    reader's guess at the columns then fails): the message naming it; None if none does."""
    if path.suffix.lower() == ".parquet":
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeError):
        return None
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if len(lines) < 2:
        return None
    head = lines[0][1]
    sep = max(",;\t|", key=head.count)
    if not head.count(sep):
        return None
    want = len(next(csv.reader([head], delimiter=sep)))
    for n, line in lines[1:]:
        got = len(next(csv.reader([line], delimiter=sep)))
        if got != want:
            return (f"{path}: line {n} has {got} field(s), the header {want} "
                    f"({head.strip()}); fix or remove line {n} (every line needs the header's "
                    "fields)")
    return None


def _not_a_table(path: Path) -> str | None:
    """A plan catalog (TOML) given where a user-to-plan table belongs: said."""
    if path.suffix.lower() != ".toml":
        return None
    return (f"{path}: a TOML file; --plan-file takes a CSV or parquet table with columns "
            "user_id and plan (a plan catalog TOML goes with --plans)")


def assignment_for(con: duckdb.DuckDBPyConnection, catalog: PlanCatalog,
                   assign: Sequence[str] = (), plan_file: str | Path | None = None
                   ) -> Assignment:
    users = logged_plans(con)
    rules = parse_assign(assign, catalog)
    mapping = read_user_plan_file(con, plan_file, catalog) if plan_file else None
    return assign_plans(users, catalog, rules, mapping)


@dataclass
class WhatifPlans:
    """The what-if commands' plans (``whatif_assignment``): ``assignment``, one plan per user
    (the latest logged, unless --assign or --plan-file sets it); ``stints``, the users whose
    logged plan changed between billing months, each month's plan (``planalyzer.stints``: the
    replay takes the plan of a user's latest month in the period,
    ``planalyzer.whatif.history.period_plans``); ``changes``, their logged plan per month;
    ``notes`` on --assign rules that set no plan and on plan names."""

    assignment: Assignment
    stints: dict[str, list[stints.Stint]]
    changes: PlanChanges
    notes: list[str]

    def change_note(self, users: Sequence[str]) -> str | None:
        """The note on ``users`` (of ``stints``), whose months in the period logged different
        plans: the replay keeps one plan for them in every month, so their baseline differs
        from the report's."""
        if not users:
            return None
        return (plan_change_users(self.changes, sorted(users)) + "; the what-if replay keeps "
                "one plan per user in every month of the period, the plan of their latest "
                "month in it (the report bills each month under the plan logged in it), so "
                "their baseline differs from the report's (give a period within one of their "
                "plans, or --plan-file or --assign to set one plan per user)")


def whatif_assignment(con: duckdb.DuckDBPyConnection, catalog: PlanCatalog, tz: str,
                      assign: Sequence[str] = (), plan_file: str | Path | None = None,
                      period: Period | None = None) -> WhatifPlans:
    """``assignment_for`` for the what-if commands (one plan per user, the latest logged),
    with the users whose logged plan changed between billing months (local in ``tz``) and
    their plan per month (the report bills each of their months under its own plan; a month
    that ``period``'s --since/--until cut, under the plan logged within the period), and
    notes on --assign rules that set no plan and on plan names."""
    users, changes, _ = logged_plans_and_changes(con, tz, period)
    rules = parse_assign(assign, catalog)
    mapping = read_user_plan_file(con, plan_file, catalog) if plan_file else None
    assignment = assign_plans(users, catalog, rules, mapping)
    rule_notes = assign_rule_notes(rules, assignment)
    rule_notes.extend(n for n in (read_as_note(assignment),
                                  unknown_plans_message(assignment, catalog)) if n)
    changed = stints.user_stints(changes, PlanSources(tuple(rules), mapping), catalog,
                                 assignment, count_unknown=False) if changes else {}
    return WhatifPlans(assignment, changed, changes, rule_notes)


def fit_plan_keys(catalog: PlanCatalog, patterns: Sequence[str]) -> tuple[str, ...]:
    """The catalog's plans that plan fit may recommend: those matching any of ``patterns``
    (plan keys or globs, comma lists allowed: ``claude_*,api_*``), in catalog order. A
    pattern that matches no plan is a ConfigError naming the catalog's plans."""
    wanted = [p.strip() for text in patterns for p in text.split(",") if p.strip()]
    for p in wanted:
        if not fnmatch.filter(catalog.plans, p):
            raise ConfigError(f"--fit-plans {p!r}: matches no plan of the catalog "
                              f"{catalog.path}; use plan keys or globs over: "
                              + ", ".join(catalog.plans))
    return tuple(k for k in catalog.plans if any(fnmatch.fnmatchcase(k, p) for p in wanted))


def build_report(
    con: duckdb.DuckDBPyConnection,
    *,
    plans: str | Path | None = None,
    costs: str | Path | None = None,
    prices: str | Path | None = None,
    assign: Sequence[str] = (),
    plan_file: str | Path | None = None,
    timezone: str = "UTC",
    period: Period | None = None,
    strict: bool = False,
    plan_fit: bool = True,
    keep_requests: bool = False,
    fit_plans: Sequence[str] = (),
) -> ReportData:
    """Price the events in ``con``'s ``events`` table, assign plans, replay limits and sum
    each user's billing months: everything the report tables show (``report_tables``).

    ``plans``, ``costs``, ``prices``: catalog files, each a str or Path (default: the shipped
    ones). ``assign``
    (USER_GLOB=PLAN rules, first match wins) and ``plan_file`` (CSV or parquet of user_id,
    plan) say who is on which plan; else the plan the logs name. ``timezone``: the zone of
    the billing months; ``period``: which months or days (default: all). ``strict``: an
    unknown or unpriced model, or a plan name in the logs that the catalog lacks, is an error
    (without it, that plan name is in ``ReportData.data_warnings`` and the notes).
    ``plan_fit``: also compute each user's best plan; ``keep_requests``: keep the
    per-request replay (the economics tables need it);
    ``fit_plans``: plan keys or globs plan fit may recommend (default: every plan of the
    catalog, which mixes vendors: ``claude_*,api_*`` keeps to one line-up). Leaves the
    ``priced_events`` temp view on ``con``, and the ``planalyzer_cost_coefficients`` temp table
    it reads (a table or view of either name there is replaced). ``con`` without
    planalyzer's ``events`` table is an InputError. Bad input raises a ``PlanalyzerError``."""
    timezone = check_timezone(timezone, "timezone")
    require_events(con)
    catalog = load_plan_catalog(plans)
    chosen = fit_plan_keys(catalog, fit_plans) if fit_plans else ()
    pricing = price_result(con, costs, prices=prices, strict=strict)
    # the logs' latest plan per user is read in compute's first pass (no scan of its own)
    sources = PlanSources(tuple(parse_assign(assign, catalog)),
                          read_user_plan_file(con, plan_file, catalog) if plan_file else None)
    data = compute(con, catalog, sources, timezone=timezone, period=period,
                   plan_fit=plan_fit, keep_requests=keep_requests,
                   unpriced_models=[u.model for u in pricing.unpriced_models])
    check_period(con, data)
    if chosen and data.fit is not None and len(data.fit):
        data.fit = data.fit.filter(pl.col("plan").is_in(list(chosen)))
    if chosen and data.fit_oversize is not None:
        data.fit_oversize = data.fit_oversize.filter(pl.col("plan").is_in(list(chosen)))
    data.fit_plans = chosen
    if data.assignment is not None:
        data.notes.extend(assign_rule_notes(sources.rules, data.assignment))
        # users whose logged plan the catalog lacks lose their revenue: said loudly
        if (unknown := unknown_plans_message(data.assignment, catalog)) is not None:
            if strict:
                raise StrictModeError(unknown)
            data.data_warnings.append(unknown)
    unassigned = data.assignment.unassigned if data.assignment else 0
    if unassigned:
        data.notes.append(f"{unassigned} user(s) have no plan: shown as {NO_PLAN}, "
                          "with cost but no revenue; give --plan-file or --assign")
    if sources.user_file and (idle := idle_subscribers_note(data, sources.user_file)):
        data.notes.append(idle)
    data.notes.extend(pricing.warnings)
    return data


# users named in the note on --plan-file users without events
IDLE_NAMED = 3


def idle_subscribers_note(data: ReportData, user_file: Mapping[str, str]) -> str | None:
    """A note on the --plan-file users with no events in the report period: revenue is per
    active user-month (docs/report.md), so they are not subscribers here and their monthly
    subscriptions (and prepaid credits) are left out of revenue and margin."""
    active = (set(data.user_months["user_id"].unique().to_list())
              if len(data.user_months) else set())
    idle = sorted(u for u in user_file if u not in active)
    if not idle:
        return None
    monthly = 0.0
    for u in idle:
        plan = data.catalog.plans[user_file[u]]
        monthly += plan.price_usd + (plan.overage.credits_usd
                                     if plan.overage.policy == "credits" else 0.0)
    named = ", ".join(f"{u} ({user_file[u]})" for u in idle[:IDLE_NAMED])
    more = f" and {len(idle) - IDLE_NAMED:,} more" if len(idle) > IDLE_NAMED else ""
    return (f"{len(idle):,} user(s) in --plan-file have no events in the period ({named}"
            f"{more}): revenue counts active user-months only, so they are not counted as "
            f"subscribers and ${monthly:,.2f} a month of their subscriptions is left out of "
            "revenue, margin and subscriber counts")
