"""The profitability report: user-months under their plans, and the tables built from them.

``compute`` runs the heavy pass once: one DuckDB aggregate of ``priced_events`` per user and
day (``planalyzer.screen``), which gives every user-month's sums and a bound on what any window
can hold; for the users whose bound reaches a cap, a sorted read of their requests, meter units
per request and the exact window/cap engine (``planalyzer.caps``), a batch at a time.
Everything after works on the compact user-month frame (``ReportData.user_months``).
Tables are in ``planalyzer.report_tables``. No typer or rich here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import duckdb
import polars as pl
import pyarrow as pa

from planalyzer import fit_oversize, screen, sqlfiles, stints
from planalyzer.caps import Requests, apply_plan, window_starts
from planalyzer.errors import ConfigError, InputError
from planalyzer.exact_sums import ordered_sum
from planalyzer.plan_names import read_as_note, unknown_plans_message
from planalyzer.plans import (
    NO_PLAN,
    TOKEN_CLASSES,
    Assignment,
    Meter,
    PlanCatalog,
    PlanSources,
    Window,
)

TOKENS = tuple(f"{c}_tokens" for c in TOKEN_CLASSES)
# active in at least this many distinct hours on an average day, and on at least this share
# of the month's days in the log (defined in screen, which counts hours only where needed)
ROUND_THE_CLOCK_HOURS = screen.ROUND_THE_CLOCK_HOURS
ROUND_THE_CLOCK_DAYS = screen.ROUND_THE_CLOCK_DAYS


@dataclass(frozen=True)
class Period:
    """Which billing months to report: all, some ``YYYY-MM``, or a date range (local dates)."""

    months: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None  # inclusive

    def __post_init__(self) -> None:
        # checked and normalised as the CLI's --month/--since/--until are: "2026-1" ->
        # "2026-01"; one month may be given as a str, a day as "YYYY-MM-DD"
        months = (self.months,) if isinstance(self.months, str) else self.months
        if not isinstance(months, tuple | list | set | frozenset):  # None, 202610
            raise ConfigError(f"Period.months {self.months!r}: give 'YYYY-MM' strings, e.g. "
                              "('2026-10',), or leave it out for every month")
        object.__setattr__(self, "months",
                           tuple(parse_month(m, "Period.months") for m in months))
        for name in ("since", "until"):
            object.__setattr__(self, name, _day(f"Period.{name}", getattr(self, name)))
        if self.since and self.until and self.since > self.until:
            raise ConfigError(f"--since {self.since} is after --until {self.until}: the period "
                              "is empty; give a first day on or before the last")

    def partial_months(self, span: tuple[date, date] | None = None,
                       months: Iterable[str] | None = None) -> list[tuple[str, date, date]]:
        """The billing months the report covers only in part: (YYYY-MM, first day, last day
        covered). A month is cut by --since/--until or, given ``span`` (the logs' first and
        last local day, ``log_span``), by the edge of the logs: a log that starts on the 20th
        or ends on the 9th, or a billing month made by --timezone out of a few hours. Only
        the months in ``months`` (those with events in the period) when given."""
        lo = max(d for d in (self.since, span and span[0]) if d) if (
            self.since or span) else None
        hi = min(d for d in (self.until, span and span[1]) if d) if (
            self.until or span) else None
        edges = {month_of(d) for d in (lo, hi) if d is not None}
        out = []
        for m in sorted(edges if months is None else edges & set(months)):
            start = date(int(m[:4]), int(m[5:]), 1)
            end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            a = max(start, lo) if lo else start
            b = min(end, hi) if hi else end
            if a <= b and (a, b) != (start, end):
                out.append((m, a, b))
        return out

    def partial_note(self, span: tuple[date, date] | None = None,
                     months: Iterable[str] | None = None) -> str | None:
        """A note when the period or the logs (``span``) cover part of a billing month:
        revenue is still each month's full price (a subscription is billed by the month), set
        against the part's usage only."""
        parts = self.partial_months(span, months)
        if not parts:
            return None
        cut = []
        by_logs = False  # cut by the edge of the logs rather than by --since/--until
        for m, a, b in parts:
            last = ((a.replace(day=1) + timedelta(days=32)).replace(day=1)
                    - timedelta(days=1)).day
            by_logs |= (a.day != 1 and a != self.since) or (b.day != last and b != self.until)
            if a.day != 1 and b.day != last:
                cut.append(f"{m} days {a.day} to {b.day}")
            elif a.day != 1:
                cut.append(f"{m} from day {a.day}")
            else:
                cut.append(f"{m} to day {b.day}")
        logs = f"; the logs cover {span[0]} to {span[1]}" if span and by_logs else ""
        return ("the period covers part of a billing month (" + ", ".join(cut) + logs
                + "): revenue is each month's full price against the part's usage and cost, "
                "so margins there read high and subscribers look cheap; report whole months "
                "(--month, or --since/--until on a month's first and last day) to compare "
                "them")

    def describe(self) -> str:
        if self.months:
            return ", ".join(self.months)
        if self.since or self.until:
            return f"{self.since or '...'} to {self.until or '...'}"
        return "all months in the log"


def log_span(con: duckdb.DuckDBPyConnection, tz: str) -> tuple[date, date] | None:
    """The first and last local day (in ``tz``) of the loaded events; None if there are none."""
    first, last = sqlfiles.run(con, "event_span", {"tz": tz}).fetchall()[0]
    return None if first is None else (first, last)


def check_period(con: duckdb.DuckDBPyConnection, data: ReportData) -> None:
    """A period with no events is an error saying what the logs cover (never an empty report);
    requested months without events are said in a note."""
    note = period_note(con, set(data.user_months["month"].unique().to_list()), data.period,
                       data.timezone)
    if note:
        data.notes.append(note)


def period_note(con: duckdb.DuckDBPyConnection, present: set[str], period: Period,
                tz: str) -> str | None:
    """``present``: the billing months (YYYY-MM) with events in ``period``. None of them is an
    InputError saying what the logs cover; requested months among them without events give
    a note (returned). The logs' span is read only then."""
    empty = [m for m in period.months if m not in present]
    if present and not empty:
        return None
    span = log_span(con, tz)
    covered = (f"the logs cover {span[0]} to {span[1]} ({month_of(span[0])}"
               + ("" if month_of(span[0]) == month_of(span[1]) else f" to {month_of(span[1])}")
               + f", in {tz})") if span else "no events are loaded"
    if not present:
        raise InputError(f"no events in the report period ({period.describe()}): "
                         f"{covered}; give --month or --since/--until for days with events")
    return f"no events in billing month(s) {', '.join(empty)}: {covered}"


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def parse_month(text: str, where: str = "--month") -> str:
    """A billing month ``YYYY-MM`` (``2026-1`` -> ``2026-01``); else a ConfigError that starts
    with ``where`` (the option or field it came from)."""
    try:
        if not isinstance(text, str):
            raise ValueError
        y, m = text.split("-")
        if len(y) != 4 or not 1 <= int(m) <= 12:
            raise ValueError
        return f"{int(y):04d}-{int(m):02d}"
    except ValueError:
        several = (text.replace(";", ",").replace(" ", ",").split(",")
                   if isinstance(text, str) else [])
        several = [p for p in several if p]
        hint = ""
        if len(several) > 1 and where == "--month":  # '2026-10,2026-11': repeat the option
            hint = ("; one month per --month, repeated: "
                    + " ".join(f"--month {p}" for p in several[:3])
                    + (" ..." if len(several) > 3 else ""))
        raise ConfigError(f"{where} {text!r}: write YYYY-MM, e.g. 2026-10{hint}") from None


def _day(where: str, value: object) -> date | None:
    """A day given to Period: a date (a datetime is refused: days are local dates), or text
    ``YYYY-MM-DD``; else a ConfigError naming ``where``."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigError(f"{where} {value!r}: give a datetime.date or text YYYY-MM-DD")


def month_label(key: int) -> str:
    return f"{key // 12:04d}-{key % 12 + 1:02d}"


@dataclass
class Replay:
    """What ``compute`` capped, kept when asked (``keep_requests=True``) so that later passes
    (planalyzer.economics) can re-price the served requests and re-apply the caps to scaled
    usage without reading the events again: the sorted request frame (``report_requests``
    rows plus ``served``, ``overage_usd``, ``usage_usd``), meter units per request, the
    calendar windows, the plan order behind ``plan_order``, and the report period's mask.
    ``starts``: per run of one plan's rows (first row, end), the starts of each window its
    limits use (``caps.window_starts``): they depend on request times only, never on usage,
    so every re-cap of scaled usage reuses them."""

    requests: pl.DataFrame
    units: dict[str, pl.Series]
    windows: list[Window]
    order: list[str]
    keep: pl.Series
    starts: dict[tuple[int, int], dict[Window, pl.Series]] = field(default_factory=dict)
    # where each limit bound (``_apply_caps``' bind rows, user_id, month_key, hour_key, limit)
    binds: list[pl.DataFrame] = field(default_factory=list)


@dataclass
class ReportData:
    catalog: PlanCatalog
    user_months: pl.DataFrame  # one row per user and billing month in the period
    binds: pl.DataFrame  # user_id, month, limit, times_bound
    fit: pl.DataFrame | None  # user_id, month, plan -> buyer_cost_usd, feasible, revenue, cost
    timezone: str
    period: Period
    notes: list[str] = field(default_factory=list)
    replay: Replay | None = None  # only with compute(keep_requests=True)
    assignment: Assignment | None = None  # each user's plan, as compute resolved it
    # models with no API list price, and the plans that charge or cap by their API value
    # (``api_value_plans``): user-months using them have no API value, and those plans are
    # left out of their plan fit
    unpriced_models: tuple[str, ...] = ()
    unpriced_plans: tuple[str, ...] = ()
    # billing months the period or the logs cover only in part (Period.partial_months): billed
    # a full month's price against part of a month's usage
    partial_months: tuple[str, ...] = ()
    # the plans plan fit may recommend (report --fit-plans); empty: every plan of the catalog
    fit_plans: tuple[str, ...] = ()
    # plan fit's requests larger than a cap of a plan on their own (fit_oversize.SCHEMA): that
    # plan is no fit for their user-month
    fit_oversize: pl.DataFrame | None = None
    # problems in the data that the command line says on stderr too, not only in ``notes``
    # (build_report: plan names in the logs that the catalog lacks)
    data_warnings: list[str] = field(default_factory=list)


def calendar_slots(windows: Sequence[Window]) -> tuple[str, dict[str, object]]:
    """The request queries' {{calendar_columns}} slot and its parameters: ``cal_i``, the local
    calendar bucket of each calendar window ``i`` of ``windows`` (rolling ones have none)."""
    cols: list[str] = []
    params: dict[str, object] = {}
    for i, w in enumerate(windows):
        if w.kind == "rolling":
            continue
        unit = w.kind.removeprefix("calendar_")
        cols.append(f", epoch_us(date_trunc('{unit}', timezone($tz_{i}, e.ts) "
                    f"- to_minutes($off_{i}))) AS cal_{i}")
        params[f"tz_{i}"] = w.timezone
        params[f"off_{i}"] = w.reset_offset_minutes
    return "".join(cols), params


def meter_units(df: pl.DataFrame, meter: Meter) -> pl.Series:
    """Units of ``meter`` for every request: the first weight whose glob matches the model."""
    models = df["model"].unique().to_list()
    chosen = {m: meter.weight_for(m) for m in models}
    expr = pl.lit(0.0)
    fields = {"request": "requests", "api_value_usd": "api_value_usd",
              **{c: f"{c}_tokens" for c in TOKEN_CLASSES}}
    for attr, col in fields.items():
        weights = {m: float(getattr(w, attr)) if w else 0.0 for m, w in chosen.items()}
        if any(weights.values()):
            expr = expr + pl.col("model").replace_strict(weights, default=0.0,
                                                         return_dtype=pl.Float64) * pl.col(col)
    return df.select(expr.alias("u"))["u"]


def unknown_units(df: pl.DataFrame, meter: Meter) -> pl.Series:
    """Per request: True where ``meter`` weighs its API value and that value is unknown (the
    model has no API list price; ``df`` has a boolean ``priced`` column): a window holding one
    has an unknown total, never the partial sum of the priced requests."""
    weighs = {m: bool(w and w.api_value_usd) for m in df["model"].unique().to_list()
              for w in (meter.weight_for(m),)}
    return df.select((pl.col("model").replace_strict(weighs, default=False,
                                                     return_dtype=pl.Boolean)
                      & ~pl.col("priced")).alias("u"))["u"]


def _calendar_windows(catalog: PlanCatalog) -> list[Window]:
    return list(dict.fromkeys(lim.window for p in catalog.plans.values() for lim in p.limits
                              if lim.window.kind != "rolling"))


# sql/report_requests.sql's {{stint_months}}: a request joins the stint holding its month
STINT_MONTHS = ("CAST(year(timezone($tz, e.ts)) * 12 + month(timezone($tz, e.ts)) - 1 "
                "AS BIGINT) BETWEEN a.m_lo AND a.m_hi")


def _read_users(con: duckdb.DuckDBPyConnection, plans: pa.Table, windows: Sequence[Window],
                tz: str) -> pl.DataFrame:
    """``sql/report_requests.sql`` for the users of ``plans`` (``stints.plan_table``)."""
    slot, params = calendar_slots(windows)
    con.register("plan_assignment", plans)
    try:
        tbl = sqlfiles.relation(con, "report_requests", {"tz": tz, **params},
                                {"calendar_columns": slot, "stint_months": STINT_MONTHS if
                                 plans.num_rows > len(set(plans["user_id"].to_pylist()))
                                 else "TRUE"}).to_arrow_table()
    finally:
        con.unregister("plan_assignment")
    df = pl.from_arrow(tbl)
    assert isinstance(df, pl.DataFrame)
    return df


def _bounds(user_ids: pl.Series) -> pl.Series:
    n = len(user_ids)
    if n == 0:
        return pl.Series([0], dtype=pl.Int64)
    change = (user_ids != user_ids.shift(1)).fill_null(True)
    return pl.concat([change.arg_true().cast(pl.Int64), pl.Series([n], dtype=pl.Int64)])


def request_bounds(df: pl.DataFrame) -> pl.Series:
    """Where each user's requests start in ``df`` (sorted by user and time), and where each
    stint starts when ``df`` has a ``stint`` column (a plan change starts the new plan's
    windows fresh; planalyzer.stints), then the length."""
    if "stint" not in df.columns or len(df) == 0:
        return _bounds(df["user_id"])
    n = len(df)
    change = ((df["user_id"] != df["user_id"].shift(1))
              | (df["stint"] != df["stint"].shift(1))).fill_null(True)
    return pl.concat([change.arg_true().cast(pl.Int64), pl.Series([n], dtype=pl.Int64)])


def _requests(df: pl.DataFrame, windows: Sequence[Window]) -> Requests:
    return Requests(request_bounds(df), df["t_us"], df["month_key"],
                    {w: df[f"cal_{i}"] for i, w in enumerate(windows)})


# Users per batch of the exact engine are chosen so a batch holds about this many events
# (memory: the sorted read holds ~20 columns per event).
ENGINE_BATCH_EVENTS = 2_000_000


def _batches(users: pl.DataFrame) -> list[list[str]]:
    """Split (user_id, events) rows, in user order, into lists of about ENGINE_BATCH_EVENTS."""
    out: list[list[str]] = []
    cur: list[str] = []
    n = 0
    for u, k in users.sort("user_id").iter_rows():
        if cur and n + k > ENGINE_BATCH_EVENTS:
            out.append(cur)
            cur, n = [], 0
        cur.append(u)
        n += k
    if cur:
        out.append(cur)
    return out


def compute(
    con: duckdb.DuckDBPyConnection,
    catalog: PlanCatalog,
    assignment: Assignment | PlanSources,
    *,
    timezone: str = "UTC",
    period: Period | None = None,
    plan_fit: bool = True,
    keep_requests: bool = False,
    unpriced_models: Sequence[str] = (),
) -> ReportData:
    """Apply every user's plan to their requests and sum per user and billing month.

    Fast path (``planalyzer.screen``): one DuckDB aggregate per user and day, a bound on what
    any window can hold, and plain per user-month sums for the users who can never reach a cap
    of their plan; the exact caps engine runs only on the others, a batch of users at a time.
    ``keep_requests`` also keeps every request, capped, in ``ReportData.replay``.
    ``assignment``: each user's plan, or ``PlanSources`` (rules and a user file): then each
    user's logged plan per billing month is read in the month-first pass (no scan of its own;
    without that pass, ``logged_plans_and_changes`` scans for it); the latest plans resolved
    are in ``ReportData.assignment``, and a user whose logged plan changes is billed and
    capped under each month's own plan, in stints (``planalyzer.stints``), by the engine.
    ``unpriced_models``: the logged models with no API list price (``api_value_usd`` NULL):
    a user-month with any of their requests gets ``api_value_usd`` and
    ``blocked_api_value_usd`` NULL (``unpriced_requests`` counts them), and plan fit leaves
    out, for that user-month, the plans that charge or cap by their API value.
    """
    period = period or Period()
    order = [*catalog.plans, NO_PLAN]
    # month-first unless plan fit bounds every user against every plan (the free tier's small
    # caps would send nearly everyone to the per-day pass anyway)
    month_first = not plan_fit
    changes: screen.PlanChanges = {}
    mixed: screen.MixedMonths = []
    sources: PlanSources | None = assignment if isinstance(assignment, PlanSources) else None
    if isinstance(assignment, PlanSources) and not (
            month_first and period.since is None and period.until is None):
        scanned, changes, mixed = logged_plans_and_changes(con, timezone, period)
        assignment = assignment.assign(scanned, catalog)
    windows = _calendar_windows(catalog)
    months = [int(m[:4]) * 12 + int(m[5:]) - 1 for m in period.months]
    if isinstance(assignment, PlanSources):
        # the month pass reads each user's latest logged plan; its meters are those of every
        # plan a user can get (the distinct plans in the logs, the rules, the user file)
        month_sources = assignment
        logged = [None if r[0] is None else str(r[0])
                  for r in sqlfiles.run(con, "distinct_logged_plans").fetchall()]
        plans_needed = [catalog.plans[k] for k in month_sources.possible(catalog, logged)]
        meters = screen.meters_for(plans_needed)
        pairs = screen.pairs_for(plans_needed, meters)
        resolved: list[Assignment] = []

        def resolve(users_logged: list[tuple[str, str | None]], found: screen.PlanChanges,
                    found_mixed: screen.MixedMonths) -> tuple[list[str], list[int]]:
            changes.update(found)
            mixed.extend(found_mixed)
            a = month_sources.assign(users_logged, catalog)
            resolved.append(a)
            us = list(a.plan_of)
            return us, [order.index(a.plan_of[u]) for u in us]

        sums = screen.user_month_rows(con, catalog, meters, pairs, timezone, [], [], months,
                                      None, None, month_first=True, resolve=resolve)
        assignment = resolved[0]
        users = list(assignment.plan_of)
        user_plan = [order.index(assignment.plan_of[u]) for u in users]
    else:
        users = list(assignment.plan_of)
        user_plan = [order.index(assignment.plan_of[u]) for u in users]
        plans_needed = (list(catalog.plans.values()) if plan_fit else
                        [catalog.plans[k] for k in dict.fromkeys(assignment.plan_of.values())
                         if k != NO_PLAN])
        meters = screen.meters_for(plans_needed)
        pairs = screen.pairs_for(plans_needed, meters)
        sums = screen.user_month_rows(con, catalog, meters, pairs, timezone, users, user_plan,
                                      months, period.since, period.until,
                                      month_first=month_first)
    # users whose logged plan changes: each month under its own plan, always the exact engine
    # (their ``sums`` rows carry their latest plan, which only the screening reads)
    stint_map = (stints.user_stints(changes, sources, catalog, assignment)
                 if sources is not None and changes else {})
    bounds = sums.unique("user_id", keep="first")
    events = bounds.select("user_id", "user_events")
    engine_users = pl.concat(
        [screen.may_reach(bounds.filter(pl.col("plan_order") == i), plan, pairs, meters)
         for i, plan in enumerate(catalog.plans.values()) if plan in plans_needed]
        + [pl.Series("user_id", sorted(stint_map), dtype=pl.String)]
        ).unique().to_frame("user_id")
    agg_parts = [_sql_agg(sums.join(engine_users, on="user_id", how="anti"), catalog, order,
                          meters)]
    bind_rows: list[pl.DataFrame] = []
    # plan fit replays, under every plan, the users who might reach one of its caps: a superset
    # of the engine's users (those who might reach their own plan's), read in the same pass
    fit = _FitPlan(catalog, bounds, pairs, meters, sums) if plan_fit and len(sums) else None
    fit_frames = fit.plain() if fit is not None else []
    read_users = engine_users if fit is None else pl.concat(
        [engine_users, fit.users]).unique()
    all_engine = fit is None or len(engine_users) == len(read_users)
    replay = None
    if keep_requests:
        # every request is kept (planalyzer.economics), so it is read and capped once, by the
        # same engine: the engine's users and plan fit's are among them (a user's requests
        # are capped the same whoever else is in the frame)
        replay = _capped_replay(con, catalog, assignment, stint_map, users, order, windows,
                                timezone, period)
        full = replay.requests
        bind_rows.extend(_engine_binds(replay.binds, engine_users, period))
        # a batch of users at a time, as the batch pass (the engine's sums and each plan's
        # replay copy their users' requests)
        for batch in _batches(events.join(read_users, on="user_id", how="semi")):
            sub = full.with_columns(replay.keep.alias("keep")).filter(
                pl.col("user_id").is_in(pl.Series(batch, dtype=pl.String).implode()))
            mine = sub if all_engine else sub.filter(
                pl.col("user_id").is_in(engine_users["user_id"].implode()))
            if len(mine):
                agg_parts.append(_engine_agg(mine.filter(pl.col("keep"))))
            del mine
            if fit is not None:
                fit_frames.extend(_replay(sub.drop("keep", "served", "overage_usd",
                                                   "usage_usd"),
                                          catalog, windows, period, fit.cands, fit.oversize))
            del sub
    else:
        for batch in _batches(events.join(read_users, on="user_id", how="semi")):
            df = _read_users(con, stints.plan_table(batch, assignment, stint_map, order),
                             windows, timezone)
            mine = df if all_engine else df.filter(
                pl.col("user_id").is_in(engine_users["user_id"].implode()))
            part, binds = _engine(mine, catalog, order, windows, period)
            agg_parts.append(part)
            bind_rows.extend(binds)
            if fit is not None:
                fit_frames.extend(_replay(df, catalog, windows, period, fit.cands,
                                          fit.oversize))
    span = (sums.group_by("month_key").agg(
        (pl.col("last_day").max() - pl.col("first_day").min() + 1).alias("days_in_log"))
        if len(sums) else pl.DataFrame(schema={"month_key": pl.Int64, "days_in_log": pl.Int64}))
    user_months = _finish_user_months(pl.concat(agg_parts), span, catalog, order)
    user_months = _mark_unpriced(con, user_months, unpriced_models, timezone, period)
    unpriced_plans = api_value_plans(catalog, unpriced_models)
    binds_df = (pl.concat(bind_rows) if bind_rows else
                pl.DataFrame(schema={"user_id": pl.String, "month_key": pl.Int64,
                                     "limit": pl.String}))
    binds_df = _filter_months(binds_df, user_months).group_by(
        "user_id", "month_key", "limit").agg(pl.len().alias("times_bound"))
    fit_df = (_fit_frame(fit_frames, user_months, unpriced_plans) if fit is not None
              else pl.DataFrame() if plan_fit else None)
    notes = [f"period: {period.describe()}; billing months in {timezone}"]
    logs = log_span(con, timezone) if len(user_months) else None
    partial_months = [m for m, _, _ in period.partial_months(
        logs, user_months["month"].unique().to_list())]
    if (partial := period.partial_note(logs, partial_months)) is not None:
        notes.append(partial)
    notes.extend(_unpriced_notes(user_months, unpriced_plans))
    notes.extend(n for n in (read_as_note(assignment),
                             unknown_plans_message(assignment, catalog)) if n)
    if changed := plan_change_note(changes, stint_map, user_months):
        notes.append(changed)
    if sources is not None and (within := mixed_month_note(mixed, user_months, sources)):
        notes.append(within)
    return ReportData(catalog, user_months, binds_df, fit_df, timezone, period, notes, replay,
                      assignment, tuple(unpriced_models), tuple(unpriced_plans),
                      tuple(partial_months), fit_oversize=(
                          _oversize_frame(fit.oversize, user_months) if fit is not None
                          else None))


def api_value_plans(catalog: PlanCatalog, models: Sequence[str]) -> list[str]:
    """The plans that charge or cap by the API value of any of ``models`` (a meter they
    use, in a limit, overage or usage charges, weighs that model's API-list dollars)."""
    if not models:
        return []
    out = []
    for key, plan in catalog.plans.items():
        for name in plan.meters_used():
            weights = [catalog.meters[name].weight_for(m) for m in models]
            if any(w is not None and w.api_value_usd for w in weights):
                out.append(key)
                break
    return out


def unpriced_user_months(con: duckdb.DuckDBPyConnection, models: Sequence[str], tz: str,
                         period: Period) -> pl.DataFrame:
    """user_id, month_key and unpriced_requests: the requests of ``models`` (no API list
    price) per user-month of ``period`` (sql/report_unpriced_user_months.sql)."""
    params = {"tz": tz, "models": list(models), **period_days(period)}
    found = pl.from_arrow(sqlfiles.relation(con, "report_unpriced_user_months", params)
                          .to_arrow_table())
    assert isinstance(found, pl.DataFrame)
    return found.with_columns(pl.col("month_key").cast(pl.Int64),
                              pl.col("unpriced_requests").cast(pl.Int64))


def _mark_unpriced(con: duckdb.DuckDBPyConnection, user_months: pl.DataFrame,
                   models: Sequence[str], tz: str, period: Period) -> pl.DataFrame:
    """``user_months`` with ``unpriced_requests`` (requests of ``models``, which have no API
    list price) and, where there are any, ``api_value_usd`` and ``blocked_api_value_usd``
    NULL: their value is unknown, never zero (docs/costs.md)."""
    if not models or not len(user_months):
        return user_months.with_columns(pl.lit(0, dtype=pl.Int64).alias("unpriced_requests"))
    found = unpriced_user_months(con, models, tz, period)
    out = user_months.join(found, on=["user_id", "month_key"], how="left").with_columns(
        pl.col("unpriced_requests").fill_null(0))
    unknown = pl.col("unpriced_requests") > 0
    return out.with_columns(
        pl.when(unknown).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("api_value_usd", "blocked_api_value_usd"))


def _unpriced_notes(user_months: pl.DataFrame, plans: Sequence[str]) -> list[str]:
    """What the report cannot price: user-months whose API value is unknown, and those on a
    plan that charges or caps by it (their charges and limits count that usage as $0)."""
    hit = user_months.filter(pl.col("unpriced_requests") > 0)
    if not len(hit):
        return []
    notes = [f"{len(hit)} user-month(s) used models with no API list price "
             f"({int(hit['unpriced_requests'].sum()):,} requests): their API value is empty "
             "(unknown, not zero), and so is any total that includes them; give --prices FILE"]
    on = hit.filter(pl.col("plan").is_in(list(plans)))
    if len(on):
        names = ", ".join(sorted(set(on["plan"].to_list())))
        notes.append(f"{len(on)} of them are on plans that charge or cap by API value "
                     f"({names}): those requests count $0 toward the plan's charges and "
                     "limits, so its revenue may be understated")
    return notes


def logged_plans(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str | None]]:
    """Every user and the plan of their latest logged event (None if none logged)."""
    return [(str(u), None if p is None else str(p))
            for u, p, _ in sqlfiles.run(con, "user_logged_plans").fetchall()]


def logged_plans_and_changes(con: duckdb.DuckDBPyConnection, tz: str,
                             period: Period | None = None
                             ) -> tuple[list[tuple[str, str | None]], screen.PlanChanges,
                                        screen.MixedMonths]:
    """``logged_plans``, and the users whose billing months (local in ``tz``) logged different
    plans (``screen.plan_changes``): a second, small scan of the users who logged more than
    one plan only. A month that ``period``'s --since/--until cut takes the plan of its latest
    logged event within the period (the month's own where that part logged none;
    sql/user_month_logged_plans.sql), and so does such a user's latest plan: the plan of
    their latest month that logged one."""
    rows = sqlfiles.run(con, "user_logged_plans").fetchall()
    users = [(str(u), None if p is None else str(p)) for u, p, _ in rows]
    several = [str(u) for u, _, n in rows if n > 1]
    if not several:
        return users, {}, []
    found = screen.for_users(con, "user_month_logged_plans",
                             {"tz": tz, **period_days(period or Period())},
                             "plan_change_users", several)
    if period is not None and (period.since or period.until):
        latest = dict(found.sort("user_id", "month_key").group_by(
            "user_id", maintain_order=True).agg(pl.col("logged_plan").last()).iter_rows())
        users = [(u, str(latest[u]) if u in latest else p) for u, p in users]
    return users, screen.plan_changes(found), screen.mixed_months(found)


def period_days(period: Period) -> dict[str, int]:
    """The SQL parameters $since_day and $until_day: ``period``'s first and last local day
    as days since 1970 (-2**40 and 2**40 where it sets none)."""
    epoch = date(1970, 1, 1)
    return {"since_day": (period.since - epoch).days if period.since else -(2 ** 40),
            "until_day": (period.until - epoch).days if period.until else 2 ** 40}


# users named in the plan-change note
PLAN_CHANGE_NAMED = 3


def plan_change_note(changes: screen.PlanChanges, stint_map: Mapping[str, object],
                     user_months: pl.DataFrame) -> str | None:
    """A note on the users whose plan comes from the logs' plan column and whose billing
    months logged different plans (``stint_map``: ``stints.user_stints``): each month is
    billed and capped under the plan logged in it (docs/report.md, "Plan of a user"). Only
    users with a month in the report."""
    present = set(user_months["user_id"].unique().to_list()) if len(user_months) else set()
    users = [u for u in sorted(stint_map) if u in present]
    if not users:
        return None
    return (plan_change_users(changes, users) + "; each month is billed and capped under the "
            "plan logged in it (a month that logged none takes the nearest earlier month's), "
            "and a change starts the new plan's limits fresh (give --plan-file or --assign to "
            "set one plan per user)")


def mixed_month_note(mixed: screen.MixedMonths, user_months: pl.DataFrame,
                     sources: PlanSources) -> str | None:
    """A note on the user-months in the report whose first and last logged plans differ (a
    change within the month): each is billed and capped under the plan of its latest logged
    event. Only users whose plan comes from the logs (``sources.from_logs``): a plan set by
    --assign or --plan-file bills the whole month whatever the logs say."""
    if not mixed or not len(user_months):
        return None
    present = set(user_months.select("user_id", "month_key").iter_rows())
    found = [(u, m) for u, m in mixed if (u, m) in present and sources.from_logs(u)]
    if not found:
        return None
    named = ", ".join(f"{u} {month_label(m)}" for u, m in found[:PLAN_CHANGE_NAMED])
    more = f" and {len(found) - PLAN_CHANGE_NAMED:,} more" if len(found) > PLAN_CHANGE_NAMED \
        else ""
    return (f"{len(found):,} user-month(s) logged more than one plan (a change within the "
            f"month): {named}{more}; each is billed and capped for the whole month under the "
            "plan of its latest logged event (split the period at the change with --since/"
            "--until, or set the plan with --plan-file, to bill it otherwise)")


def plan_change_users(changes: screen.PlanChanges, users: Sequence[str]) -> str:
    """'N user(s) logged a different plan in different billing months: ' and the first
    ``PLAN_CHANGE_NAMED`` of ``users`` (sorted) with each month's logged plan."""
    named = "; ".join(f"{u} (" + ", ".join(f"{month_label(m)} {p}" for m, p in changes[u]) + ")"
                      for u in users[:PLAN_CHANGE_NAMED])
    more = f"; and {len(users) - PLAN_CHANGE_NAMED:,} more" if len(users) > PLAN_CHANGE_NAMED \
        else ""
    return f"{len(users):,} user(s) logged a different plan in different billing months: " \
        f"{named}{more}"


def _engine(df: pl.DataFrame, catalog: PlanCatalog, order: Sequence[str],
            windows: Sequence[Window], period: Period
            ) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """The exact caps engine over some users' sorted requests: their user-month sums (before
    ``_finish_user_months``) and where each limit bound. The windows run over the whole
    billing month; only the requests, and the binds, inside ``period`` are counted: a window
    that bound before the period binds in it at its first request in the period (which
    arrives with the limit reached: a window's meter only grows), as the what-if's ``hit``."""
    keep = in_period(df, period)
    df, _, bind_rows = _apply_caps(df, catalog, order, windows, keep=keep)
    binds = [b.filter(in_period(b, period)).drop("hour_key") for b in bind_rows]
    return _engine_agg(df.filter(keep)), [b for b in binds if len(b)]


def _capped_replay(con: duckdb.DuckDBPyConnection, catalog: PlanCatalog,
                   assignment: Assignment, stint_map: Mapping[str, list[stints.Stint]],
                   users: Sequence[str], order: Sequence[str], windows: Sequence[Window],
                   tz: str, period: Period) -> Replay:
    """Every request of ``users``, capped under each one's plan (stints too) with every meter
    of the catalog; ``binds`` holds where each limit bound in the period (as ``_engine``)."""
    full = _read_users(con, stints.plan_table(users, assignment, stint_map, order), windows,
                       tz)
    keep = in_period(full, period)
    run_starts: dict[tuple[int, int], dict[Window, pl.Series]] = {}
    full, units, binds = _apply_caps(full, catalog, order, windows, all_meters=True,
                                     keep=keep, starts=run_starts)
    return Replay(full, units, list(windows), list(order), keep, run_starts, binds)


def _engine_binds(bind_rows: Sequence[pl.DataFrame], users: pl.DataFrame, period: Period
                  ) -> list[pl.DataFrame]:
    """``_engine``'s binds from binds found over more users: those of ``users`` (user_id) in
    ``period``."""
    out = []
    for b in bind_rows:
        b = b.join(users, on="user_id", how="semi")
        b = b.filter(in_period(b, period)).drop("hour_key")
        if len(b):
            out.append(b)
    return out


def binds_in_period(at: pl.Series, starts: pl.Series, keep: pl.Series) -> pl.Series:
    """Where each limit binds counting only the requests ``keep`` holds (the period): the bind
    ``at`` (a window's first request of a billing month arriving with the limit reached:
    ``caps.PlanOutcome.bound_at``), or, where that lies before the period, the window's first
    request in the period, if it has one (it arrives with the limit reached too: the window's
    meter only grows). ``starts``: window starts.

    A bind of a month with no request of its window in the period moves on to a later
    month's first such request, where that month's own bind lands too: counted once. So a
    window binds once in each billing month of the period where a request of it arrives
    with the limit reached, at the first such request in the period."""
    n = len(keep)
    idx = pl.int_range(0, n, dtype=pl.Int64, eager=True)
    nxt = idx.zip_with(keep, pl.repeat(None, n, dtype=pl.Int64, eager=True)).backward_fill(
        ).fill_null(n)
    first = starts.arg_true().cast(pl.Int64)
    end = pl.concat([first.slice(1), pl.Series([n], dtype=pl.Int64)]).gather(
        starts.cast(pl.Int64).cum_sum().gather(at) - 1)
    moved = nxt.gather(at)
    return moved.filter(moved < end).unique(maintain_order=True)


def _apply_caps(df: pl.DataFrame, catalog: PlanCatalog, order: Sequence[str],
                windows: Sequence[Window], all_meters: bool = False,
                keep: pl.Series | None = None,
                starts: dict[tuple[int, int], dict[Window, pl.Series]] | None = None,
                ) -> tuple[pl.DataFrame, dict[str, pl.Series], list[pl.DataFrame]]:
    """Each request's plan applied to sorted requests: the frame with ``served``,
    ``overage_usd`` and ``usage_usd``, the meter units computed (every meter of the catalog with
    ``all_meters``, else those the users' plans use) and where each limit bound (user_id,
    month_key, hour_key of the request that found it reached, and the limit's name; with
    ``keep``, the period's requests: ``binds_in_period``). ``starts``, when given, receives
    each plan run's window starts (``Replay.starts``)."""
    units = {k: meter_units(df, m) for k, m in catalog.meters.items()
             if all_meters or any(k in catalog.plans[order[i]].meters_used()
                                  for i in df["plan_order"].unique().to_list()
                                  if order[i] != NO_PLAN)}
    served_parts, over_parts, usage_parts = [], [], []
    bind_rows: list[pl.DataFrame] = []
    plan_col = df["plan_order"]
    offsets = _bounds(plan_col)
    for lo, hi in zip(offsets.to_list()[:-1], offsets.to_list()[1:], strict=True):
        key = order[int(plan_col[lo])]
        part = df.slice(lo, hi - lo)
        if key == NO_PLAN:
            served_parts.append(pl.repeat(True, hi - lo, eager=True))
            zero = pl.repeat(0.0, hi - lo, eager=True)
            over_parts.append(zero)
            usage_parts.append(zero)
            continue
        plan = catalog.plans[key]
        out = apply_plan(plan, _requests(part, windows),
                         {m: u.slice(lo, hi - lo) for m, u in units.items()
                          if m in plan.meters_used()})
        served_parts.append(out.served)
        over_parts.append(out.billed_overage_usd)  # credits' draws are not billed again
        usage_parts.append(out.usage_usd)
        if starts is not None:
            starts[lo, hi] = {lim.window: out.windows[lim.name] for lim in plan.limits}
        for name, at in out.bound_at.items():
            if keep is not None and len(at):
                at = binds_in_period(at, out.windows[name], keep.slice(lo, hi - lo))
            if len(at):
                bind_rows.append(part.select("user_id", "month_key", "hour_key")[at].with_columns(
                    pl.lit(name).alias("limit")))
    if len(df):
        df = df.with_columns(
            pl.concat(served_parts).alias("served"),
            pl.concat(over_parts).alias("overage_usd"),
            pl.concat(usage_parts).alias("usage_usd"),
        )
    else:
        df = df.with_columns(pl.lit(True).alias("served"), pl.lit(0.0).alias("overage_usd"),
                             pl.lit(0.0).alias("usage_usd"))
    return df, units, bind_rows


def in_period(df: pl.DataFrame, period: Period) -> pl.Series:
    """True for the rows of ``df`` (with month_key, hour_key) inside the report period."""
    keep = pl.repeat(True, len(df), eager=True)
    if period.months:
        keys = [int(m[:4]) * 12 + int(m[5:]) - 1 for m in period.months]
        keep = keep & df["month_key"].is_in(keys)
    day = df["hour_key"] // 24
    epoch = date(1970, 1, 1)
    if period.since:
        keep = keep & (day >= (period.since - epoch).days)
    if period.until:
        keep = keep & (day <= (period.until - epoch).days)
    return keep


def _filter_months(frame: pl.DataFrame, user_months: pl.DataFrame) -> pl.DataFrame:
    return frame.join(user_months.select("user_id", "month_key"), on=["user_id", "month_key"],
                      how="semi")


def _engine_agg(df: pl.DataFrame) -> pl.DataFrame:
    """Per user-month sums of the engine's requests (``served``, ``overage_usd``, ``usage_usd``
    columns added by the caps engine)."""
    s = pl.col("served")
    return df.group_by("user_id", "month_key").agg(
        pl.col("plan_order").first(),
        pl.col("requests").sum().alias("requests_attempted"),
        pl.col("requests").filter(s).sum().alias("requests"),
        pl.col("requests").filter(~s).sum().alias("blocked_requests"),
        *[pl.col(t).filter(s).sum().alias(t) for t in TOKENS],
        ordered_sum("gpu_cost_usd", s).alias("gpu_cost_usd"),
        ordered_sum("loaded_cost_usd", s).alias("loaded_cost_usd"),
        ordered_sum("api_value_usd", s).alias("api_value_usd"),
        ordered_sum("gpu_cost_usd", ~s).alias("blocked_gpu_cost_usd"),
        ordered_sum("api_value_usd", ~s).alias("blocked_api_value_usd"),
        ordered_sum("overage_usd").alias("overage_usd"),
        ordered_sum("usage_usd").alias("usage_usd"),
        pl.col("cost_assumed").any().alias("cost_assumed"),
        pl.col("hour_key").n_unique().alias("active_hours"),
        (pl.col("hour_key") // 24).n_unique().alias("active_days"),
    )


_AGG_SCHEMA: dict[str, type[pl.DataType]] = {
    "user_id": pl.String, "month_key": pl.Int64, "plan_order": pl.Int32,
    "requests_attempted": pl.Int64, "requests": pl.Int64, "blocked_requests": pl.Int64,
    **{t: pl.Int64 for t in TOKENS},
    "gpu_cost_usd": pl.Float64, "loaded_cost_usd": pl.Float64, "api_value_usd": pl.Float64,
    "blocked_gpu_cost_usd": pl.Float64, "blocked_api_value_usd": pl.Float64,
    "overage_usd": pl.Float64, "usage_usd": pl.Float64, "cost_assumed": pl.Boolean,
    "active_hours": pl.UInt32, "active_days": pl.UInt32,
}


def _usage_charges(sums: pl.DataFrame, catalog: PlanCatalog, order: Sequence[str],
                   meters: Sequence[str]) -> pl.Expr:
    """Usage charges of a user-month served in full: the plan's usage meter times its rate."""
    expr: pl.Expr = pl.lit(0.0)
    for i, key in enumerate(order):
        plan = catalog.plans.get(key)
        if plan is not None and plan.usage is not None and plan.usage.meter in meters:
            col = pl.col(f"u{meters.index(plan.usage.meter)}") * plan.usage.rate_usd
            expr = pl.when(pl.col("plan_order") == i).then(col).otherwise(expr)
    return expr


def _sql_agg(sums: pl.DataFrame, catalog: PlanCatalog, order: Sequence[str],
             meters: Sequence[str]) -> pl.DataFrame:
    """User-months served in full (no cap reachable), from ``screen.user_month_sums``."""
    zero = pl.lit(0.0)
    return sums.with_columns(
        pl.col("requests").alias("requests_attempted"),
        pl.lit(0).alias("blocked_requests"),
        zero.alias("blocked_gpu_cost_usd"), zero.alias("blocked_api_value_usd"),
        zero.alias("overage_usd"),
        _usage_charges(sums, catalog, order, meters).alias("usage_usd"),
    ).select([pl.col(c).cast(t) for c, t in _AGG_SCHEMA.items()])


def _finish_user_months(agg: pl.DataFrame, span: pl.DataFrame, catalog: PlanCatalog,
                        order: Sequence[str]) -> pl.DataFrame:
    price = {i: catalog.plans[k].price_usd for i, k in enumerate(order) if k != NO_PLAN}
    credits = {i: (catalog.plans[k].overage.credits_usd
                   if catalog.plans[k].overage.policy == "credits" else 0.0)
               for i, k in enumerate(order) if k != NO_PLAN}
    agg = agg.select([pl.col(c).cast(t) for c, t in _AGG_SCHEMA.items()])
    agg = agg.join(span.select("month_key", pl.col("days_in_log").cast(pl.Int64)),
                   on="month_key", how="left")
    plan_name = {i: k for i, k in enumerate(order)}
    has_plan = pl.col("plan") != NO_PLAN
    agg = agg.with_columns(
        pl.col("plan_order").replace_strict(plan_name, return_dtype=pl.String).alias("plan"),
        pl.col("month_key").map_elements(month_label, return_dtype=pl.String).alias("month"),
        pl.col("plan_order").replace_strict(price, default=0.0, return_dtype=pl.Float64)
        .alias("subscription_usd"),
        pl.col("plan_order").replace_strict(credits, default=0.0, return_dtype=pl.Float64)
        .alias("credits_usd"),
    ).with_columns(
        pl.when(has_plan).then(pl.col("subscription_usd") + pl.col("credits_usd")
                               + pl.col("overage_usd") + pl.col("usage_usd"))
        .otherwise(None).alias("revenue_usd"),
        ((pl.col("active_days") >= ROUND_THE_CLOCK_DAYS * pl.col("days_in_log"))
         & (pl.col("active_hours") >= ROUND_THE_CLOCK_HOURS * pl.col("active_days")))
        # active_hours is null where the month pass showed the user-month cannot be 24/7
        .fill_null(False).alias("round_the_clock"),
    ).with_columns(
        (pl.col("revenue_usd") - pl.col("gpu_cost_usd")).alias("margin_usd"),
        (pl.col("revenue_usd") - pl.col("loaded_cost_usd")).alias("loaded_margin_usd"),
    )
    return agg.sort("month_key", "plan_order", "user_id")


@dataclass
class _FitPlan:
    """Plan fit (every user's requests under every plan, exact, same engine): what they would
    pay (buyer), whether anything would be blocked, and the seller's margin on full usage.
    Users who can reach no cap of a plan are summed from their month sums (``plain``); the
    engine replays the rest (``cands``: per plan, the users who might reach one of its caps;
    ``users``: all of them)."""

    catalog: PlanCatalog
    bounds: pl.DataFrame
    pairs: Sequence[screen.Pair]
    meters: Sequence[str]
    sums: pl.DataFrame
    cands: dict[str, pl.DataFrame] = field(init=False)
    users: pl.DataFrame = field(init=False)
    # the replayed requests larger than a cap of a plan on their own (planalyzer.fit_oversize)
    oversize: list[pl.DataFrame] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cands = {key: screen.may_reach(self.bounds, plan, self.pairs, self.meters)
                      .to_frame("user_id") for key, plan in self.catalog.plans.items()}
        self.users = pl.concat([*self.cands.values(),
                                pl.DataFrame(schema={"user_id": pl.String})]).unique()

    def plain(self) -> list[pl.DataFrame]:
        """Per plan, the user-months of the users who cannot reach its caps."""
        frames = []
        meters = list(self.meters)
        for key, plan in self.catalog.plans.items():
            plain = self.sums.join(self.cands[key], on="user_id", how="anti")
            credits = plan.overage.credits_usd if plan.overage.policy == "credits" else 0.0
            charges = (pl.col(f"u{meters.index(plan.usage.meter)}") * plan.usage.rate_usd
                       if plan.usage is not None else pl.lit(0.0))
            frames.append(plain.select(
                "user_id", "month_key", pl.lit(0, dtype=pl.UInt32).alias("blocked"),
                pl.lit(0, dtype=pl.UInt32).alias("oversize"),
                charges.cast(pl.Float64).alias("charges"),
                pl.col("gpu_cost_usd").alias("full_gpu_cost_usd"),
            ).with_columns(
                pl.lit(key).alias("plan"),
                (plan.price_usd + credits + pl.col("charges")).alias("buyer_cost_usd"),
            ))
        return frames


def _fit_frame(frames: list[pl.DataFrame], user_months: pl.DataFrame,
               unpriced_plans: Sequence[str] = ()) -> pl.DataFrame:
    """Plan fit rows of the report's user-months, with ``feasible`` (nothing blocked and no
    request larger than a cap on its own, planalyzer.fit_oversize), ``profitable`` (what the
    buyer pays covers the GPU cost) and ``priced``: false where the plan charges or caps by API
    value (``unpriced_plans``) and the user-month used a model with no list price, so what it
    would pay and block is unknown."""
    if not frames:
        return pl.DataFrame()
    fit = pl.concat(frames).with_columns(
        ((pl.col("blocked") == 0) & (pl.col("oversize") == 0)).alias("feasible"),
        (pl.col("buyer_cost_usd") >= pl.col("full_gpu_cost_usd")).alias("profitable"))
    fit = fit.join(user_months.select("user_id", "month_key", "unpriced_requests"),
                   on=["user_id", "month_key"], how="inner")
    return fit.with_columns(
        ~(pl.col("plan").is_in(list(unpriced_plans)) & (pl.col("unpriced_requests") > 0))
        .alias("priced")).drop("unpriced_requests")


def _oversize_frame(frames: list[pl.DataFrame], user_months: pl.DataFrame) -> pl.DataFrame:
    """Plan fit's oversize requests of the report's user-months (``_fit_frame``'s rows)."""
    rows = pl.concat([fit_oversize.empty(), *frames])
    return rows.join(user_months.select("user_id", "month_key"),
                     on=["user_id", "month_key"], how="semi")


def _replay(df: pl.DataFrame, catalog: PlanCatalog, windows: Sequence[Window], period: Period,
            cands: Mapping[str, pl.DataFrame],
            oversize: list[pl.DataFrame] | None = None) -> list[pl.DataFrame]:
    """Each plan over the requests (sorted by user and time) of the users in ``cands[plan]``
    (those who might reach one of its caps), per user-month. The requests of the period larger
    than a cap of the plan on their own are appended to ``oversize``."""
    if "stint" in df.columns:  # plan fit: each plan over the user's whole history, in time
        if (df["stint"] > 0).any():
            df = df.sort("user_id", "t_us", maintain_order=True)
        df = df.drop("stint")
    keep = in_period(df, period)
    units = {k: meter_units(df, m) for k, m in catalog.meters.items()}
    # user-months as integer ids (``run``): the per-plan sums group by them
    run, runs = _user_month_ids(df)
    by_user = pl.DataFrame({"run": run, "gpu_cost_usd": df["gpu_cost_usd"], "keep": keep})
    # window starts are per user: found once over every user here, then cut to each plan's
    req_cols = df.select("user_id", "t_us", "month_key",
                         *[f"cal_{i}" for i in range(len(windows))])
    every = _requests(req_cols, windows)
    starts = {w: window_starts(every, w) for w in dict.fromkeys(
        lim.window for plan in catalog.plans.values() for lim in plan.limits)}
    # requests larger than a cap of a plan on their own (planalyzer.fit_oversize)
    small = df.select("user_id", "month_key", "t_us", "requests")
    nanos = fit_oversize.nano_units(units)
    # the GPU cost of a user-month's full usage is the same under every plan: summed once
    # (a plan's group holds the same rows)
    full_gpu = by_user.filter(pl.col("keep")).group_by("run").agg(
        ordered_sum("gpu_cost_usd").alias("full_gpu_cost_usd"))
    frames = []
    for key, plan in catalog.plans.items():
        mine = runs["user_id"].is_in(cands[key]["user_id"].implode()).gather(run)
        if not mine.any():
            continue
        sub = req_cols.filter(mine)
        out = apply_plan(plan, _requests(sub, windows),
                         {m: units[m].filter(mine) for m in plan.meters_used()},
                         {w: st.filter(mine) for w, st in starts.items()})
        f = by_user.filter(mine).select("run", "keep").with_columns(
            out.served.alias("served"), out.charges_usd.alias("charges")
        ).filter(pl.col("keep"))
        big = fit_oversize.oversize_rows(small, plan, units, nanos, keep & mine)
        if oversize is not None and len(big):
            oversize.append(big)
        credits = plan.overage.credits_usd if plan.overage.policy == "credits" else 0.0
        frames.append(_fit_sums(f).join(full_gpu, on="run", how="left").join(
            runs, on="run", how="left").join(
            fit_oversize.counts(big).drop("plan"), on=["user_id", "month_key"], how="left"
        ).select(
            "user_id", "month_key", "blocked", pl.col("oversize").fill_null(0), "charges",
            "full_gpu_cost_usd", pl.lit(key).alias("plan"),
            (plan.price_usd + credits + pl.col("charges")).alias("buyer_cost_usd"),
        ))
    return frames


def _user_month_ids(df: pl.DataFrame) -> tuple[pl.Series, pl.DataFrame]:
    """An id per request of ``df`` for its user-month (``run``, Int64), and the table of ids
    (run, user_id, month_key). A user's requests are contiguous and in time order, so each
    user-month is one run of rows; if some user-month is not (it shows up in two runs), the
    ids come from a join instead."""
    n = len(df)
    if n:
        change = pl.concat([pl.Series([True]), (
            (df["user_id"].slice(1) != df["user_id"].slice(0, n - 1))
            | (df["month_key"].slice(1) != df["month_key"].slice(0, n - 1)))])
        run = change.cast(pl.Int64).cum_sum() - 1
        runs = df.select("user_id", "month_key").filter(change).with_row_index(
            "run").with_columns(pl.col("run").cast(pl.Int64))
        if not runs.select("user_id", "month_key").is_duplicated().any():
            return run.alias("run"), runs
    runs = df.select("user_id", "month_key").unique(maintain_order=True).with_row_index(
        "run").with_columns(pl.col("run").cast(pl.Int64))
    run = df.select("user_id", "month_key").join(
        runs, on=["user_id", "month_key"], how="left", maintain_order="left")["run"]
    return run, runs


def _fit_sums(f: pl.DataFrame) -> pl.DataFrame:
    """Per user-month of ``f`` (run: ``_user_month_ids``, served, charges: one plan's replay
    in the period): requests blocked and charges (``exact_sums.ordered_sum``). Charges are never
    negative, so a user-month whose every charge is zero sums to 0.0 without the sorted sum;
    the others sum all their rows, as one group would."""
    nonzero = f["charges"] != 0.0
    blocked = f.group_by("run").agg((~pl.col("served")).sum().alias("blocked"))
    if not nonzero.any():
        return blocked.with_columns(pl.lit(0.0, dtype=pl.Float64).alias("charges"))
    hot = f.filter(nonzero).select("run").unique()
    charged = f.join(hot, on="run", how="semi").group_by("run").agg(
        ordered_sum("charges").alias("charges"))
    return blocked.join(charged, on="run", how="left").with_columns(
        pl.col("charges").fill_null(0.0))
