"""The one pass over events: compact aggregates that any plan design can be evaluated on.

``build_history`` reads the priced events once, sorted by user and time (sql/whatif_requests.sql),
computes every meter's units per request and the windows of every limit the baseline and the
scenarios use (the exact window rules of ``planalyzer.caps``: a rolling window's boundaries
depend on request times only, never on what was served), and cuts each user's requests into
*segments*: runs of requests that share every window, the billing month and the reporting
period. Caps act on a segment only through where its served prefix ends, so a segment is kept
as a short cumulative *profile*: breakpoints after some of its requests carrying the running
sums of every meter, GPU cost, fully loaded cost, overhead, API value and requests.

By default every request is a breakpoint, so evaluation is exact: the replay equals
``planalyzer report`` on the same data, whatever other scenarios the run holds. With ``k`` set,
a segment of at most ``k`` requests keeps a breakpoint after every request and a longer one
keeps ``k`` breakpoints at equal request counts, interpolated linearly between them (smaller
aggregates; docs/whatif.md, "Exactness"). Breakpoint sums are global running sums, so one
``search_sorted`` over the whole array finds where a cap cuts every segment at once; meters
are summed in whole nano-units as integers (as ``planalyzer.caps``), so a window's meter is
exact whatever other users the array holds.

No typer or rich here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import duckdb
import polars as pl

from planalyzer import fit_oversize, sqlfiles
from planalyzer.analysis import Period, calendar_slots, in_period, meter_units
from planalyzer.caps import Requests, nano_prefix, window_starts
from planalyzer.exact_sums import money_sum
from planalyzer.plans import NO_PLAN, Assignment, PlanCatalog, Window
from planalyzer.stints import MONTH_MAX, MONTH_MIN, Stint

K: int | None = None  # breakpoints kept per long segment; None: every request (exact)
# running sums of each profile: GPU cost, fully loaded cost, overhead (the part of the loaded
# cost that is a share of GPU cost: a GPU price factor scales it too), API value, requests
QUANTITIES = ("gpu", "loaded", "ovh", "api", "req")
S = pl.Series


def window_order(w: Window) -> float:
    """Shortest window first: limits are cut innermost first (docs/whatif.md)."""
    if w.kind == "rolling":
        return w.hours
    return {"calendar_day": 24.0, "calendar_week": 168.0, "calendar_month": 744.0}[w.kind]


@dataclass
class History:
    """Aggregates of one pass. Users are numbered 0..n-1 in ``user_ids`` order."""

    user_ids: list[str]
    user_plan: list[str]  # baseline plan key (or NO_PLAN) per user
    windows: list[Window]  # the windows segments respect; ``w{j}`` columns of ``seg``
    meters: list[str]
    seg: pl.DataFrame  # user, month_key, keep, a, z, exact, w0.. (window ids), row (or -1)
    user_seg: S  # segment offsets per user (n_users + 1)
    # running sums at breakpoints: "m:<meter>" (whole nano-units, integers), gpu, loaded, ovh,
    # api, req (floats)
    bp: dict[str, S]
    maxwin: dict[tuple[int, str], S]  # (window j, meter) -> per user: largest window (nano)
    user_months: pl.DataFrame  # row, user, month_key + unconstrained totals (period only)
    requests_read: int
    timezone: str
    period: Period
    user_um: S  # offsets of each user's rows in ``user_months`` (n_users + 1)
    # users whose months in the period logged different plans (``period_plans``): replayed
    # under their latest month's plan in every month, unlike the report
    plan_changed: tuple[str, ...] = ()
    # the requests (in the period) that decide whether any request of a user-month exceeds a
    # cap on its own (planalyzer.fit_oversize.largest_rows): user (index), user_id,
    # month_key, t_us, requests, and per meter "u:<meter>" (units), "n:<meter>" (nano-units)
    largest: pl.DataFrame = field(default_factory=pl.DataFrame)

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    def rows_of(self, users: S) -> S:
        """``user_months`` rows of ``users`` (user indexes), in order."""
        if not len(users):
            return S([], dtype=pl.Int64)
        return pl.int_ranges(self.user_um.gather(users), self.user_um.gather(users + 1),
                             dtype=pl.Int64, eager=True).explode().drop_nulls()

    def window_index(self, w: Window) -> int:
        return self.windows.index(w)

    def segments_of(self, users: S) -> S:
        """Segment indexes of ``users`` (user indexes), in order."""
        if not len(users):
            return S([], dtype=pl.Int64)
        lo = self.user_seg.gather(users)
        hi = self.user_seg.gather(users + 1)
        return pl.int_ranges(lo, hi, dtype=pl.Int64, eager=True).explode().drop_nulls()


def catalog_windows(catalogs: Iterable[PlanCatalog]) -> list[Window]:
    return list(dict.fromkeys(lim.window for c in catalogs for p in c.plans.values()
                              for lim in p.limits))


def _bounds(user_ids: S) -> S:
    n = len(user_ids)
    if n == 0:
        return S([0], dtype=pl.Int64)
    change = (user_ids != user_ids.shift(1)).fill_null(True)
    return pl.concat([change.arg_true().cast(pl.Int64), S([n], dtype=pl.Int64)])


def _prefix(u: S) -> S:
    return pl.concat([S([0.0], dtype=pl.Float64), u.cast(pl.Float64).cum_sum()])


def read_requests(con: duckdb.DuckDBPyConnection, windows: Sequence[Window], tz: str
                  ) -> pl.DataFrame:
    slot, params = calendar_slots(windows)
    tbl = sqlfiles.relation(con, "whatif_requests", {"tz": tz, **params},
                            {"calendar_columns": slot}).to_arrow_table()
    df = pl.from_arrow(tbl)
    assert isinstance(df, pl.DataFrame)
    return df


def build_history(
    con: duckdb.DuckDBPyConnection,
    catalogs: Sequence[PlanCatalog],
    assignment: Assignment,
    *,
    timezone: str = "UTC",
    period: Period | None = None,
    k: int | None = K,
    stints: Mapping[str, Sequence[Stint]] | None = None,
) -> History:
    """One pass over ``priced_events``: segments and profiles for every window ``catalogs``
    use (the baseline's and every scenario's), every meter of the first catalog. ``stints``:
    the users whose logged plan changed between billing months (``planalyzer.stints``), each
    replayed under one plan, the one of their latest month in the period (``period_plans``)."""
    period = period or Period()
    windows = catalog_windows(catalogs)
    df = read_requests(con, windows, timezone)
    return history_from_requests(df, catalogs, assignment, windows, timezone, period, k,
                                 stints)


def period_plans(df: pl.DataFrame, stints: Mapping[str, Sequence[Stint]], period: Period
                 ) -> tuple[pl.DataFrame, dict[str, str], list[str]]:
    """The what-if replay's one plan for each user of ``stints`` (whose logged plan changed
    between billing months) with requests in ``period``: the plan the report gives their
    latest billing month in the period (the stint holding it: the plan logged in that month,
    else the nearest earlier month's, else the next one's; docs/report.md, "Plan of a user").
    When all their months in the period lie in that stint, their requests outside it are
    left out of ``df``: the report starts a stint's limits fresh, so a window open under
    another plan does not reach into it, and the replay equals the report's. The others,
    whose months in the period lie in more than one stint, are returned (sorted): one plan
    for every month cannot be the report's. ``df``: requests with user_id, month_key and
    hour_key, sorted by user; returned in the same order."""
    if not stints or not len(df):
        return df, {}, []
    users = pl.Series("user_id", sorted(stints), dtype=pl.String)
    mine = df.select("user_id", "month_key", "hour_key").with_row_index("i").filter(
        pl.col("user_id").is_in(users.implode()))
    spans = mine.filter(in_period(mine, period)).group_by("user_id").agg(
        pl.col("month_key").min().alias("lo"), pl.col("month_key").max().alias("hi")
    ).sort("user_id")
    plans: dict[str, str] = {}
    changed: list[str] = []
    cut: dict[str, tuple[int, int]] = {}
    for user, lo, hi in spans.iter_rows():
        last = next(s for s in stints[user] if s.lo <= hi <= s.hi)
        plans[user] = last.plan
        if last.lo > lo:
            changed.append(user)
        elif (last.lo, last.hi) != (MONTH_MIN, MONTH_MAX):
            cut[user] = (last.lo, last.hi)
    if cut:
        bounds = pl.DataFrame({"user_id": list(cut), "m_lo": [c[0] for c in cut.values()],
                               "m_hi": [c[1] for c in cut.values()]},
                              schema={"user_id": pl.String, "m_lo": pl.Int64, "m_hi": pl.Int64})
        # the rows to leave out, among those users' only (a join over every request costs
        # seconds at 10M)
        out = mine.join(bounds, on="user_id").filter(
            ~pl.col("month_key").is_between("m_lo", "m_hi"))["i"]
        if len(out):
            df = df.filter(pl.repeat(True, len(df), eager=True).scatter(out, False))
    return df, plans, changed


def history_from_requests(df: pl.DataFrame, catalogs: Sequence[PlanCatalog],
                          assignment: Assignment, windows: Sequence[Window], timezone: str,
                          period: Period, k: int | None = K,
                          stints: Mapping[str, Sequence[Stint]] | None = None) -> History:
    df, period_plan, plan_changed = period_plans(df, stints or {}, period)
    n = len(df)
    meters = list(catalogs[0].meters)
    bounds = _bounds(df["user_id"])
    user_ids = ([] if n == 0 else
                df["user_id"].gather(bounds.slice(0, len(bounds) - 1)).to_list())
    req = Requests(bounds, df["t_us"], df["month_key"],
                   {w: df[f"cal_{i}"] for i, w in enumerate(windows) if w.kind != "rolling"})
    keep = in_period(df, period)
    seg_start = req.user_first()
    if n > 1:
        seg_start = seg_start | pl.concat([S([False]), (
            (df["month_key"].slice(1) != df["month_key"].slice(0, n - 1))
            | (keep.slice(1) != keep.slice(0, n - 1)))])
    wid: list[S] = []
    for w in windows:
        st = window_starts(req, w)
        seg_start = seg_start | st
        wid.append(st.cast(pl.Int64).cum_sum() - 1)
    seg_id = seg_start.cast(pl.Int64).cum_sum() - 1
    first = seg_start.arg_true().cast(pl.Int64)
    seg_n = pl.concat([first.slice(1), S([n], dtype=pl.Int64)]) - first
    if k is None:  # every request a breakpoint: exact
        bidx = pl.int_range(0, n + 1, dtype=pl.Int64, eager=True)
    else:
        rank = pl.int_range(0, n, dtype=pl.Int64, eager=True) - first.gather(seg_id) if n \
            else S([], dtype=pl.Int64)
        cnt = seg_n.gather(seg_id) if n else S([], dtype=pl.Int64)
        after = (cnt <= k) | ((rank + 1) * k // cnt != rank * k // cnt) | (rank + 1 == cnt)
        bidx = pl.concat([S([0], dtype=pl.Int64), after.arg_true().cast(pl.Int64) + 1])
    a = first if k is None else bidx.search_sorted(first, side="left").cast(pl.Int64)
    z = pl.concat([a.slice(1), S([len(bidx) - 1], dtype=pl.Int64)])
    units = {m: meter_units(df, catalogs[0].meters[m]) for m in meters}
    cols = {**{f"m:{m}": u for m, u in units.items()},
            "gpu": df["gpu_cost_usd"].fill_null(0.0),
            "loaded": df["loaded_cost_usd"].fill_null(0.0),
            "ovh": df["overhead_cost_usd"].fill_null(0.0),
            "api": df["api_value_usd"], "req": df["requests"].cast(pl.Float64)}
    # meters in whole nano-units, integer running sums (exact: whether a window's meter has
    # reached a cap never depends on the rounding of other users' requests; caps.nano_prefix)
    bp = {name: (nano_prefix(col) if name.startswith("m:") else _prefix(col))
          for name, col in cols.items()}
    if k is not None:
        bp = {name: p.gather(bidx) for name, p in bp.items()}
    user_of_req = req.user_index()
    nano = fit_oversize.nano_units(units)
    big = fit_oversize.largest_rows(df, nano, keep)
    largest = df.select("user_id", "month_key", "t_us", "requests")[big].with_columns(
        user_of_req.gather(big).alias("user"),
        *[u.gather(big).cast(pl.Float64).alias(f"u:{m}") for m, u in units.items()],
        *[v.gather(big).alias(f"n:{m}") for m, v in nano.items()])
    seg = pl.DataFrame({
        "user": user_of_req.gather(first) if n else S([], dtype=pl.Int64),
        "month_key": df["month_key"].gather(first),
        "keep": keep.gather(first),
        "a": a, "z": z,
        "exact": pl.repeat(True, len(first), eager=True) if k is None else seg_n <= k,
        **{f"w{j}": ids.gather(first) for j, ids in enumerate(wid)},
    })
    user_seg = seg["user"].search_sorted(pl.int_range(0, len(user_ids) + 1, eager=True),
                                         side="left").cast(pl.Int64)
    maxwin: dict[tuple[int, str], S] = {}
    for j in range(len(windows)):
        for m in meters:
            tot = bp[f"m:{m}"].gather(z) - bp[f"m:{m}"].gather(a)
            top = pl.DataFrame({"user": seg["user"], "w": seg[f"w{j}"], "t": tot}).group_by(
                "user", "w").agg(pl.col("t").sum()).group_by("user").agg(pl.col("t").max())
            arr = pl.Series([0], dtype=tot.dtype).new_from_index(0, len(user_ids))
            maxwin[(j, m)] = arr.scatter(top["user"], top["t"]) if len(top) else arr
    # each user-month's segments summed exactly (exact_sums.money_sum): the same bits
    # whatever order the group_by's threads meet them in
    um = seg_totals(seg, bp, ["a"], ["z"]).filter(pl.col("keep")).group_by(
        "user", "month_key").agg(*[money_sum(q) for q in QUANTITIES]).sort(
        "user", "month_key").with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    seg = seg.join(um.select("user", "month_key", "row"), on=["user", "month_key"], how="left",
                   maintain_order="left").with_columns(pl.col("row").fill_null(-1))
    user_um = um["user"].search_sorted(pl.int_range(0, len(user_ids) + 1, eager=True),
                                       side="left").cast(pl.Int64)
    return History(user_ids, [period_plan.get(u) or assignment.plan_of.get(u, NO_PLAN)
                              for u in user_ids],
                   list(windows), meters, seg, user_seg, bp, maxwin, um, n, timezone, period,
                   user_um, tuple(plan_changed), largest)


def seg_totals(seg: pl.DataFrame, bp: dict[str, S], lo: list[str], hi: list[str]
               ) -> pl.DataFrame:
    """``seg``'s user, month_key, keep with the sums of every quantity over [lo, hi)."""
    a, z = seg[lo[0]], seg[hi[0]]
    return seg.select("user", "month_key", "keep").with_columns(
        *[(bp[q].gather(z) - bp[q].gather(a)).alias(q) for q in QUANTITIES])
