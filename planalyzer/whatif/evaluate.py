"""One plan over some users, on the aggregates of ``planalyzer.whatif.history``.

Rules (the caps engine's, docs/report.md "Windows and caps"): a request is served while every
limit's window meter, counting served requests before it, is below the cap; past that the
overage policy blocks it, or serves and charges it (pay as you go, until the month's spend
limit). Inside a segment the served requests are a prefix, so a segment's outcome is a
position on its profile. Evaluation, vectorised over all segments at once:

* block: limits are cut innermost (shortest window) first; each limit's meter before a segment
  is the sum, over the earlier segments of its window, of what the inner limits left served.
  Exact when the shorter windows nest in the longer ones; a short window that straddles a long
  window's reset can be cut too early, so re-cut passes follow until nothing changes (each
  segment depends only on earlier ones: the passes converge to the sequential answer).
* pay as you go / credits: every request is served, so each limit's meter is the plain running
  sum; the first cut of any limit starts overage; the month's spend limit (if any) then blocks,
  and as blocked requests count in no window, the cuts are re-made on what was served until
  nothing changes (the same re-cut passes as for block plans).

No typer or rich here.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from planalyzer.caps import spend_limit_units
from planalyzer.plans import Plan
from planalyzer.whatif.history import QUANTITIES, History, window_order

S = pl.Series
REFINE = 20  # most re-cut passes, block plans with several limits (evaluate_plan)


def _val(c: S, x: S) -> S:
    """Running sum ``c`` at fractional breakpoint positions ``x`` (linear in between)."""
    i = x.floor().cast(pl.Int64)
    last = len(c) - 1
    i1 = i + 1
    i1 = i1.zip_with(i1 <= last, pl.repeat(last, len(i1), dtype=pl.Int64, eager=True))
    c0 = c.gather(i)
    return c0 + (x - i.cast(pl.Float64)) * (c.gather(i1) - c0)


def _before(v: S, group: S) -> S:
    """Sum of ``v`` over the earlier rows of the same (contiguous) group."""
    excl = v.cum_sum() - v
    start = (group != group.shift(1)).fill_null(True)
    return pl.DataFrame({"e": excl, "s": start}).select(
        (pl.col("e") - pl.when(pl.col("s")).then(pl.col("e")).otherwise(None).forward_fill())
        .alias("b"))["b"]


def _cut(c: S, a: S, z: S, exact: S, before: S, cap: float | S, nreq: S) -> S:
    """Where a cap cuts each segment: the end of the served prefix, as a breakpoint position.

    Served while the meter before a request (``before`` + the segment's own so far) is below
    ``cap``: the request that crosses the cap is served in full, the next one is not. Between
    two breakpoints of a long segment the cut is interpolated, half a mean request past the cap
    (the crossing request is served in full). ``nreq``: running request count at breakpoints.
    """
    r = cap - before
    target = _val(c, a) + r
    zf = z.cast(pl.Float64)
    # Most segments are served in full (the cap is not reached by their end) or not at all
    # (reached before they start): only the ones the cap crosses need the search.
    out = zf.zip_with(r > 0, a.cast(pl.Float64))
    idx = ((r > 0) & (c.gather(z) >= target)).arg_true()
    if not len(idx):
        return out
    a, z, exact, target = a.gather(idx), z.gather(idx), exact.gather(idx), target.gather(idx)
    lo = a.floor().cast(pl.Int64) + 1
    j = c.search_sorted(target, side="left").cast(pl.Int64)
    j = j.zip_with(j >= lo, lo)
    j = j.zip_with(j <= z, z)
    p0 = (j - 1).cast(pl.Float64)
    p0 = p0.zip_with(p0 >= a, a)
    c0 = _val(c, p0)
    c1 = c.gather(j)
    span = c1 - c0
    nspan = nreq.gather(j) - _val(nreq, p0)
    half = 0.5 * span / nspan.zip_with(nspan > 1, pl.repeat(1.0, len(nspan), eager=True))
    frac = ((target + half - c0)
            / span.zip_with(span > 0, pl.repeat(1.0, len(span), eager=True)))
    frac = frac.clip(0.0, 1.0)
    approx = p0 + frac * (j.cast(pl.Float64) - p0)
    return out.scatter(idx, j.cast(pl.Float64).zip_with(exact, approx))


@dataclass
class PlanResult:
    """Per user-month of the evaluated users (in the period): served and blocked sums,
    overage and usage units (meter units; dollars = units x rate), limits hit."""

    frame: pl.DataFrame


def evaluate_plan(h: History, plan: Plan, users: S, refine: int = REFINE) -> pl.DataFrame:
    """``plan`` applied to ``users`` (user indexes): one row per user and month in the period.

    ``refine``: passes that re-cut every limit on what the last pass served, until nothing
    changes (block policy with several limits; fixes windows that straddle another's reset).

    Columns: row (of ``History.user_months``), user, month_key, gpu, loaded, api, req
    (served), blocked_gpu, blocked_api,
    blocked_req, overage_units, usage_units, and ``hit:<limit>`` (a request arrived with the
    limit reached, in that month).
    """
    users = users.cast(pl.Int64).sort()
    limits = sorted(plan.limits, key=lambda lim: window_order(lim.window))
    hit_cols = [f"hit:{lim.name}" for lim in plan.limits]
    pol = plan.overage
    cand = pl.repeat(False, len(users), dtype=pl.Boolean, eager=True)
    for lim in limits:
        mx = h.maxwin[(h.window_index(lim.window), lim.meter)].gather(users)
        cand = cand | (mx >= lim.cap)
    um = h.user_months
    quiet_users = users.filter(~cand)
    quiet = um[h.rows_of(quiet_users)].with_columns(
        *[pl.lit(0.0).alias(f"blocked_{q}") for q in QUANTITIES],
        pl.lit(0.0).alias("overage_units"),
        *[pl.lit(False).alias(c) for c in hit_cols])
    if plan.usage is not None:
        quiet = quiet.join(_usage_quiet(h, plan.usage.meter, quiet_users),
                           on=["user", "month_key"], how="left").with_columns(
            pl.col("usage_units").fill_null(0.0))
    else:
        quiet = quiet.with_columns(pl.lit(0.0).alias("usage_units"))
    busy_users = users.filter(cand)
    if not len(busy_users):
        return quiet.select(_COLUMNS + hit_cols)
    seg = h.seg[h.segments_of(busy_users)]
    a, z, exact = seg["a"], seg["z"], seg["exact"]
    af, zf = a.cast(pl.Float64), z.cast(pl.Float64)
    bp = h.bp
    cuts: dict[str, S] = {}

    def cut_all(served_to: S, sequential: bool = False) -> S:
        """Cut every limit, its meter counting what is served up to ``served_to`` in earlier
        segments of its window; the earliest cut. ``sequential``: each limit sees the cuts of
        the shorter ones before it (the first pass of a block plan)."""
        x = first = zf
        for lim in limits:
            c = bp[f"m:{lim.meter}"]
            served = _val(c, x if sequential else served_to) - c.gather(a)
            xl = _cut(c, af, z, exact, _before(served, seg[f"w{h.window_index(lim.window)}"]),
                      lim.cap, bp["req"])
            cuts[lim.name] = xl
            first = first.zip_with(first <= xl, xl)
            x = first
        return first

    if pol.policy == "block":
        x = cut_all(zf, sequential=True)
        for _ in range(refine):  # straddling windows: re-cut every limit on what is served
            nxt = cut_all(x)
            done = bool(((nxt - x).abs() <= 1e-9).all())
            x = nxt
            if done:
                break
        f = g = x
    else:
        # Served up to g in each segment: the overage [f, g) until the month's spend limit,
        # blocked after it. Blocked requests count in no window, so with a spend limit the
        # cuts are re-made on what was served until nothing changes (as for block plans).
        # The limit in meter units, as the caps engine counts it (exact unit sums).
        limit_units = spend_limit_units(pol)
        g = zf
        f = cut_all(g)
        if limit_units is not None:
            q = bp[f"m:{pol.meter}"]
            month = seg["user"] * 100_000 + seg["month_key"]
            for _ in range(refine + 1):
                spent = (_val(q, g) - _val(q, f)).clip(0.0)
                nxt = _cut(q, f, z, exact, _before(spent, month), limit_units, bp["req"])
                done = bool(((nxt - g).abs() <= 1e-9).all())
                g = nxt
                if done:
                    break
                f = cut_all(g)
    out = seg.select("row", "user", "month_key", "keep").with_columns(
        *[(_val(bp[q], g) - bp[q].gather(a)).alias(q) for q in QUANTITIES],
        *[(bp[q].gather(z) - _val(bp[q], g)).alias(f"blocked_{q}") for q in QUANTITIES],
        (_val(bp[f"m:{pol.meter}"], g) - _val(bp[f"m:{pol.meter}"], f)).alias("overage_units")
        if pol.policy != "block" else pl.lit(0.0).alias("overage_units"),
        (_val(bp[f"m:{plan.usage.meter}"], g) - bp[f"m:{plan.usage.meter}"].gather(a))
        .alias("usage_units") if plan.usage is not None else pl.lit(0.0).alias("usage_units"),
        *[((cuts[lim.name] < zf) & (cuts[lim.name] <= g)).alias(f"hit:{lim.name}")
          for lim in plan.limits],
    )
    busy = out.filter(pl.col("keep")).group_by("row").agg(
        *[pl.col(c).sum() for c in _COLUMNS[3:]], *[pl.col(c).any() for c in hit_cols])
    busy = busy.with_columns(um["user"].gather(busy["row"]).alias("user"),
                             um["month_key"].gather(busy["row"]).alias("month_key"))
    return pl.concat([quiet.select(_COLUMNS + hit_cols), busy.select(_COLUMNS + hit_cols)]
                     ).sort("row")


_COLUMNS = ["row", "user", "month_key", *QUANTITIES, *[f"blocked_{q}" for q in QUANTITIES],
            "overage_units", "usage_units"]


def _usage_quiet(h: History, meter: str, users: S) -> pl.DataFrame:
    seg = h.seg[h.segments_of(users)]
    c = h.bp[f"m:{meter}"]
    return seg.select("user", "month_key", "keep").with_columns(
        (c.gather(seg["z"]) - c.gather(seg["a"])).alias("usage_units")).filter(
        pl.col("keep")).group_by("user", "month_key").agg(pl.col("usage_units").sum())
