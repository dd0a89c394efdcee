"""Plan fit and requests larger than a whole cap.

The caps engine serves a request that arrives while its window's meter is below the cap,
however far the request takes the meter past it (docs/report.md, "Windows and caps"): the
request that tips a window over. A request whose own units exceed the cap of a plan's limit
is another thing: no window of that plan can hold it. On a plan that blocks requests past its
limits the user would be blocked for it (or go to overage or the API elsewhere), and the
engine serves it only because its window's meter happened to be below the cap when it came:
plan fit (``report``'s cheapest and profitable plan, ``me``'s best fit, ``whatif``'s
``behaviour.best_fit``) counts such a plan as no fit for that user-month. A plan that bills
usage past its limits (pay as you go, credits) serves it as overage: it stays a fit, but the
engine bills the part of the request past the cap as within the allowance, so what the user
would pay on it reads low. ``oversize_note`` names the plans, caps and requests either way.

A row standing for several requests (an aggregated bucket) is counted where its mean request
exceeds the cap: then at least one of its requests does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import polars as pl

from planalyzer.caps import NANO, to_nano
from planalyzer.plans import Meter, Plan, PlanCatalog

# (plan, limit) pairs a note names before "and N more"
NOTE_EXAMPLES = 3

SCHEMA = {"plan": pl.String, "limit": pl.String, "user_id": pl.String,
          "month_key": pl.Int64, "t_us": pl.Int64, "requests": pl.Int64,
          "units": pl.Float64, "cap": pl.Float64, "blocks": pl.Boolean}


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)


def nano_units(units: Mapping[str, pl.Series]) -> dict[str, pl.Series]:
    """Each meter's units per row in whole nano-units, rounded as ``caps.nano_prefix`` does:
    Int64, or Int128 where a row reaches 2**62 (a bucket of many requests: 2e10 credits)."""
    out = {}
    for k, u in units.items():
        x = (u.cast(pl.Float64) * NANO).round()
        top = x.abs().max()
        out[k] = x.cast(pl.Int128 if isinstance(top, float) and top >= 2**62 else pl.Int64)
    return out


def oversize_rows(df: pl.DataFrame, plan: Plan, units: Mapping[str, pl.Series],
                  nano: Mapping[str, pl.Series], keep: pl.Series) -> pl.DataFrame:
    """The rows of ``df`` (user_id, month_key, t_us, requests) where ``keep`` whose own units
    of a limit's meter (``units``: meter -> units per row; ``nano``: the same from
    ``nano_units``) exceed that limit's cap: one row per request and limit (``SCHEMA``;
    ``blocks``: the plan blocks requests past its limits)."""
    parts = []
    requests = df["requests"].cast(pl.Int64)
    for lim in plan.limits:
        n = nano[lim.meter]
        cap = to_nano(lim.cap, n.dtype)
        over = keep & (n > cap)
        if not over.any():
            continue
        over = over & ((requests <= 1) | (n.cast(pl.Float64) / requests.cast(pl.Float64) > cap))
        if not over.any():
            continue
        parts.append(df.filter(over).select(
            pl.lit(plan.key).alias("plan"), pl.lit(lim.name).alias("limit"), "user_id",
            pl.col("month_key").cast(pl.Int64), pl.col("t_us").cast(pl.Int64),
            pl.col("requests").cast(pl.Int64),
            units[lim.meter].filter(over).cast(pl.Float64).alias("units"),
            pl.lit(float(lim.cap)).alias("cap"),
            pl.lit(plan.overage.policy == "block").alias("blocks")))
    return pl.concat(parts) if parts else empty()


def largest_rows(df: pl.DataFrame, nano: Mapping[str, pl.Series], keep: pl.Series
                 ) -> pl.Series:
    """The indexes (ascending) of the rows of ``df`` (user_id, month_key, requests) where
    ``keep`` that decide ``oversize_rows`` for any cap: per user-month and meter (``nano``, as
    from ``nano_units``), its largest one-request row and its row of several requests with
    the largest mean request (the first such row on a tie). A one-request row exceeds a cap
    where its units do, a row of several where its mean does, so ``oversize_rows`` on these
    rows finds every plan, limit and user-month that it finds on all of ``df``, with the
    largest request of each (what the notes show): a small frame to keep where the requests
    are not kept (``planalyzer.whatif``). Fastest with each user-month's rows together (a
    read sorted by user and time); rows in any order give a few more indexes, never fewer."""
    if not nano or not len(df):
        return pl.Series([], dtype=pl.Int64)
    r = pl.col("requests").cast(pl.Int64)
    one = r <= 1
    new_run = (pl.col("user_id") != pl.col("user_id").shift(1)) | (
        pl.col("month_key") != pl.col("month_key").shift(1))
    # per meter: a row's units where it is one request, its mean request where several
    # (-1 on the other rows: a run with none of one kind picks an extra row, never a wrong
    # one); runs of rows of one user-month numbered in order (a sorted key: the group_by
    # takes each run as a slice in row order, so arg_max is the first largest)
    frame = df.select(
        new_run.fill_null(True).cast(pl.Int64).cum_sum().alias("_run"),
        pl.int_range(0, pl.len(), dtype=pl.Int64).alias("_i"),
        *[pl.when(one).then(n).otherwise(-1).alias(f"a{k}")
          for k, n in enumerate(nano.values())],
        *[pl.when(one).then(-1.0).otherwise(n.cast(pl.Float64) / r.cast(pl.Float64))
          .alias(f"b{k}") for k, n in enumerate(nano.values())],
    ).filter(keep).with_columns(pl.col("_run").set_sorted())
    cols = [c for c in frame.columns if c[0] in "ab"]
    picks = frame.group_by("_run", maintain_order=True).agg(
        pl.col("_i").get(pl.col(c).arg_max()).alias(c) for c in cols)
    return picks.select(pl.concat_list(cols).explode()).to_series().unique().sort().alias("row")


def counts(rows: pl.DataFrame) -> pl.DataFrame:
    """Per user, month and plan that blocks past its limits: how many requests exceed a cap of
    the plan on their own (each makes the plan no fit for the user-month)."""
    return rows.filter(pl.col("blocks")).unique(
        ["plan", "user_id", "month_key", "t_us"]).group_by(
        "user_id", "month_key", "plan").agg(pl.len().cast(pl.UInt32).alias("oversize"))


def _amount(v: float, meter: Meter) -> str:
    """An amount of ``meter``: dollars, or units with the meter's unit."""
    if meter.unit.startswith("USD"):
        return f"${v:,.2f}"
    return (f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}") + f" {meter.unit}"


def _when(t_us: int, tz: str) -> str:
    at = datetime.fromtimestamp(t_us / 1e6, UTC).astimezone(ZoneInfo(tz))
    return f"{at:%Y-%m-%d %H:%M} {tz}"


def _examples(rows: pl.DataFrame, catalog: PlanCatalog, tz: str) -> str:
    """Per plan and limit (the first ``NOTE_EXAMPLES`` pairs, by plan order): the cap, the
    user-months, and the largest request (user, time in ``tz``, units)."""
    order = {k: i for i, k in enumerate(catalog.plans)}
    groups = rows.with_columns(
        pl.col("plan").replace_strict(order, return_dtype=pl.Int64).alias("_order"),
        (pl.col("units") / pl.col("requests").clip(lower_bound=1)).alias("_mean"),
    ).sort("_order", "limit", "_mean", "user_id", "t_us",
           descending=[False, False, True, False, False])
    shown = []
    pairs = list(groups.group_by("_order", "limit", maintain_order=True))
    for _, g in pairs[:NOTE_EXAMPLES]:
        r = g.row(0, named=True)
        plan = catalog.plans[r["plan"]]
        meter = catalog.meters[next(lim.meter for lim in plan.limits
                                    if lim.name == r["limit"])]
        n = g.select("user_id", "month_key").unique().height
        size = (f"{_amount(r['units'], meter)}" if r["requests"] <= 1 else
                f"a row of {r['requests']:,} requests averaging "
                f"{_amount(r['_mean'], meter)} a request")
        shown.append(f"{r['plan']} {r['limit']} ({meter.key}), cap {_amount(r['cap'], meter)}: "
                     f"{n} user-month(s), the largest request {r['user_id']}'s at "
                     f"{_when(r['t_us'], tz)}, {size}")
    more = (f"; and {len(pairs) - NOTE_EXAMPLES} more plan limit(s)"
            if len(pairs) > NOTE_EXAMPLES else "")
    return "; ".join(shown) + more


def oversize_notes(rows: pl.DataFrame | None, catalog: PlanCatalog, tz: str,
                   what: str = "plan fit", no_fit_for: str = "that request's user-month"
                   ) -> list[str]:
    """Which plans ``what`` (plan fit, best fit) counts as no fit (for ``no_fit_for``)
    because a request exceeds one of their caps on its own (plans that block past their
    limits), and which plans bill such a request as overage (their cost reads low)."""
    if rows is None or not len(rows):
        return []
    notes = [
        _note(rows.filter(pl.col("blocks")), catalog, tz,
              f"{what}: a plan with a cap that a single request exceeds on its own is no fit "
              f"for {no_fit_for}",
              "no window of the plan can hold the request, so on that plan the user would be "
              "blocked for it (or pay overage or API prices elsewhere; the caps engine serves a "
              "request that arrives with its window below the cap, however far past the cap it "
              "goes)"),
        _note(rows.filter(~pl.col("blocks")), catalog, tz,
              f"{what}: a plan that bills usage past its limits has a cap that a single "
              "request exceeds on its own",
              "the plan serves it as overage, but the caps engine bills a request that arrives "
              "with its window below the cap as within the allowance, so what the user would "
              "pay on that plan reads low, by up to the request's part past the cap at the "
              "overage rate"),
    ]
    return [n for n in notes if n]


def _note(rows: pl.DataFrame, catalog: PlanCatalog, tz: str, what: str, why: str) -> str:
    """One oversize note: ``what``, how many user-month and plan pairs ``rows`` hold, ``why``,
    and the examples of ``rows``; '' where there are none."""
    if not len(rows):
        return ""
    pairs = rows.select("plan", "user_id", "month_key").unique().height
    return (f"{what} ({pairs} user-month and plan pair(s)): {why}. "
            + _examples(rows, catalog, tz))
