"""The profitability report: user-months under their plans, and the tables built from them.

``compute`` runs the heavy pass once: one sorted read of ``priced_events`` (DuckDB), meter units
per request, the exact window/cap engine (``planalyzer.caps``) per plan, and per user-month
sums. Everything after works on the compact user-month frame (``ReportData.user_months``).
Tables are in ``planalyzer.report_tables``. No typer or rich here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import duckdb
import polars as pl
import pyarrow as pa

from planalyzer import sqlfiles
from planalyzer.caps import Requests, apply_plan
from planalyzer.errors import ConfigError
from planalyzer.plans import NO_PLAN, TOKEN_CLASSES, Assignment, Meter, PlanCatalog, Window

TOKENS = tuple(f"{c}_tokens" for c in TOKEN_CLASSES)
ROUND_THE_CLOCK_HOURS = 18  # active in at least this many distinct hours on an average day
ROUND_THE_CLOCK_DAYS = 0.9  # and on at least this share of the month's days in the log


@dataclass(frozen=True)
class Period:
    """Which billing months to report: all, some ``YYYY-MM``, or a date range (local dates)."""

    months: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None  # inclusive

    def describe(self) -> str:
        if self.months:
            return ", ".join(self.months)
        if self.since or self.until:
            return f"{self.since or '...'} to {self.until or '...'}"
        return "all months in the log"


def parse_month(text: str) -> str:
    try:
        y, m = text.split("-")
        if len(y) != 4 or not 1 <= int(m) <= 12:
            raise ValueError
        return f"{int(y):04d}-{int(m):02d}"
    except ValueError:
        raise ConfigError(f"--month {text!r}: write YYYY-MM, e.g. 2026-10") from None


def month_label(key: int) -> str:
    return f"{key // 12:04d}-{key % 12 + 1:02d}"


@dataclass
class Replay:
    """What ``compute`` capped, kept when asked (``keep_requests=True``) so that later passes
    (planalyzer.economics) can re-price the served requests and re-apply the caps to scaled
    usage without reading the events again: the sorted request frame (``report_requests``
    rows plus ``served``, ``overage_usd``, ``usage_usd``), meter units per request, the
    calendar windows, the plan order behind ``plan_order``, and the report period's mask."""

    requests: pl.DataFrame
    units: dict[str, pl.Series]
    windows: list[Window]
    order: list[str]
    keep: pl.Series


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


def _calendar_slots(windows: Sequence[Window]) -> tuple[str, dict[str, object]]:
    cols: list[str] = []
    params: dict[str, object] = {}
    for i, w in enumerate(windows):
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


def _read_requests(con: duckdb.DuckDBPyConnection, catalog: PlanCatalog, assignment: Assignment,
                   tz: str) -> tuple[pl.DataFrame, list[Window], list[str]]:
    order = [*catalog.plans, NO_PLAN]
    users = list(assignment.plan_of)
    con.register("plan_assignment", pa.table({
        "user_id": pa.array(users, pa.string()),
        "plan_order": pa.array([order.index(assignment.plan_of[u]) for u in users], pa.int32()),
    }))
    windows = list(dict.fromkeys(lim.window for p in catalog.plans.values() for lim in p.limits
                                 if lim.window.kind != "rolling"))
    slot, params = _calendar_slots(windows)
    try:
        tbl = sqlfiles.relation(con, "report_requests", {"tz": tz, **params},
                                {"calendar_columns": slot}).to_arrow_table()
    finally:
        con.unregister("plan_assignment")
    df = pl.from_arrow(tbl)
    assert isinstance(df, pl.DataFrame)
    return df, windows, order


def _bounds(user_ids: pl.Series) -> pl.Series:
    n = len(user_ids)
    if n == 0:
        return pl.Series([0], dtype=pl.Int64)
    change = (user_ids != user_ids.shift(1)).fill_null(True)
    return pl.concat([change.arg_true().cast(pl.Int64), pl.Series([n], dtype=pl.Int64)])


def _requests(df: pl.DataFrame, windows: Sequence[Window]) -> Requests:
    return Requests(_bounds(df["user_id"]), df["t_us"], df["month_key"],
                    {w: df[f"cal_{i}"] for i, w in enumerate(windows)})


def compute(
    con: duckdb.DuckDBPyConnection,
    catalog: PlanCatalog,
    assignment: Assignment,
    *,
    timezone: str = "UTC",
    period: Period | None = None,
    plan_fit: bool = True,
    keep_requests: bool = False,
) -> ReportData:
    """Apply every user's plan to their requests and sum per user and billing month.

    ``keep_requests`` keeps the capped per-request frame in ``ReportData.replay``."""
    period = period or Period()
    df, windows, order = _read_requests(con, catalog, assignment, timezone)
    units = {k: meter_units(df, m) for k, m in catalog.meters.items()}
    served_parts, over_parts, usage_parts, overflag_parts = [], [], [], []
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
            overflag_parts.append(pl.repeat(False, hi - lo, eager=True))
            continue
        plan = catalog.plans[key]
        out = apply_plan(plan, _requests(part, windows),
                         {m: u.slice(lo, hi - lo) for m, u in units.items()
                          if m in plan.meters_used()})
        served_parts.append(out.served)
        over_parts.append(out.overage_usd)
        usage_parts.append(out.usage_usd)
        overflag_parts.append(out.overage)
        for name, at in out.bound_at.items():
            if len(at):
                bind_rows.append(part.select("user_id", "month_key")[at].with_columns(
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
    keep = _in_period(df, period)
    user_months = _user_months(df.filter(keep), catalog, order)
    binds = (pl.concat(bind_rows) if bind_rows else
             pl.DataFrame(schema={"user_id": pl.String, "month_key": pl.Int64,
                                  "limit": pl.String}))
    binds = _filter_months(binds, user_months).group_by("user_id", "month_key", "limit").agg(
        pl.len().alias("times_bound"))
    fit = _plan_fit(df, keep, units, catalog, windows, user_months) if plan_fit else None
    notes = [f"period: {period.describe()}; billing months in {timezone}"]
    if assignment.unknown_logged:
        notes.append("plans in the logs not in the catalog (users reported with no plan): "
                     + ", ".join(f"{k} ({v} users)" for k, v in
                                 sorted(assignment.unknown_logged.items())))
    replay = Replay(df, units, windows, order, keep) if keep_requests else None
    return ReportData(catalog, user_months, binds, fit, timezone, period, notes, replay)


def _in_period(df: pl.DataFrame, period: Period) -> pl.Series:
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


def _user_months(df: pl.DataFrame, catalog: PlanCatalog, order: Sequence[str]) -> pl.DataFrame:
    s = pl.col("served")
    price = {i: catalog.plans[k].price_usd for i, k in enumerate(order) if k != NO_PLAN}
    credits = {i: (catalog.plans[k].overage.credits_usd
                   if catalog.plans[k].overage.policy == "credits" else 0.0)
               for i, k in enumerate(order) if k != NO_PLAN}
    agg = df.group_by("user_id", "month_key").agg(
        pl.col("plan_order").first(),
        pl.col("requests").sum().alias("requests_attempted"),
        pl.col("requests").filter(s).sum().alias("requests"),
        pl.col("requests").filter(~s).sum().alias("blocked_requests"),
        *[pl.col(t).filter(s).sum().alias(t) for t in TOKENS],
        pl.col("gpu_cost_usd").filter(s).sum().alias("gpu_cost_usd"),
        pl.col("loaded_cost_usd").filter(s).sum().alias("loaded_cost_usd"),
        pl.col("api_value_usd").filter(s).sum().alias("api_value_usd"),
        pl.col("gpu_cost_usd").filter(~s).sum().alias("blocked_gpu_cost_usd"),
        pl.col("api_value_usd").filter(~s).sum().alias("blocked_api_value_usd"),
        pl.col("overage_usd").sum(),
        pl.col("usage_usd").sum(),
        pl.col("cost_assumed").any().alias("cost_assumed"),
        pl.col("hour_key").n_unique().alias("active_hours"),
        (pl.col("hour_key") // 24).n_unique().alias("active_days"),
    )
    span = df.group_by("month_key").agg(
        ((pl.col("hour_key").max() // 24) - (pl.col("hour_key").min() // 24) + 1)
        .alias("days_in_log"))
    agg = agg.join(span, on="month_key", how="left")
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
        .alias("round_the_clock"),
    ).with_columns(
        (pl.col("revenue_usd") - pl.col("gpu_cost_usd")).alias("margin_usd"),
        (pl.col("revenue_usd") - pl.col("loaded_cost_usd")).alias("loaded_margin_usd"),
    )
    return agg.sort("month_key", "plan_order", "user_id")


def _plan_fit(df: pl.DataFrame, keep: pl.Series, units: Mapping[str, pl.Series],
              catalog: PlanCatalog, windows: Sequence[Window],
              user_months: pl.DataFrame) -> pl.DataFrame:
    """Replay every user's requests under every plan (exact, same engine): what they would
    pay (buyer), whether anything would be blocked, and the seller's margin on full usage."""
    if not len(df):
        return pl.DataFrame()
    order = df.select(pl.arg_sort_by("user_id", "t_us"))[:, 0]  # whole log by user, time
    by_user = df.select("user_id", "t_us", "month_key", "gpu_cost_usd",
                        *[f"cal_{i}" for i in range(len(windows))]).with_columns(
        keep.alias("keep"))[order]
    req = _requests(by_user, windows)
    frames = []
    for key, plan in catalog.plans.items():
        out = apply_plan(plan, req, {m: units[m][order] for m in plan.meters_used()})
        f = by_user.select("user_id", "month_key", "keep", "gpu_cost_usd").with_columns(
            out.served.alias("served"), (out.overage_usd + out.usage_usd).alias("charges"))
        credits = plan.overage.credits_usd if plan.overage.policy == "credits" else 0.0
        frames.append(f.filter(pl.col("keep")).group_by("user_id", "month_key").agg(
            (~pl.col("served")).sum().alias("blocked"),
            pl.col("charges").sum(),
            pl.col("gpu_cost_usd").sum().alias("full_gpu_cost_usd"),
        ).with_columns(
            pl.lit(key).alias("plan"),
            (plan.price_usd + credits + pl.col("charges")).alias("buyer_cost_usd"),
        ))
    fit = pl.concat(frames).with_columns(
        (pl.col("blocked") == 0).alias("feasible"),
        (pl.col("buyer_cost_usd") >= pl.col("full_gpu_cost_usd")).alias("profitable"))
    return _filter_months(fit, user_months)
