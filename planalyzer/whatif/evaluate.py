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

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from planalyzer.caps import NANO, spend_limit_units, to_nano
from planalyzer.exact_sums import money_sum
from planalyzer.plans import Limit, Plan
from planalyzer.whatif.history import QUANTITIES, History, window_order

S = pl.Series


def _val(c: S, x: S) -> S:
    """Running sum ``c`` at fractional breakpoint positions ``x`` (linear in between). At
    whole positions (every one when each request is a breakpoint) an integer ``c`` (a meter
    in nano-units) stays exact integers."""
    i = x.floor().cast(pl.Int64)
    c0 = c.gather(i)
    frac = x - i.cast(pl.Float64)
    if c.dtype.is_integer() and not (frac != 0).any():
        return c0
    last = len(c) - 1
    i1 = i + 1
    i1 = i1.zip_with(i1 <= last, pl.repeat(last, len(i1), dtype=pl.Int64, eager=True))
    c0f = c0.cast(pl.Float64)
    return c0f + frac * (c.gather(i1).cast(pl.Float64) - c0f)


def _less(cap: int | float, s: S) -> S:
    """``cap - s`` (a Python number less an Int128 Series needs a Series)."""
    dtype = s.dtype if s.dtype.is_integer() else pl.Float64
    return S([cap], dtype=dtype).new_from_index(0, len(s)) - s


def _before(v: S, group: S) -> S:
    """Sum of ``v`` over the earlier rows of the same (contiguous) group."""
    excl = v.cum_sum() - v
    start = (group != group.shift(1)).fill_null(True)
    return pl.DataFrame({"e": excl, "s": start}).select(
        (pl.col("e") - pl.when(pl.col("s")).then(pl.col("e")).otherwise(None).forward_fill())
        .alias("b"))["b"]


def _cut(c: S, a: S, z: S, exact: S, before: S, cap: int | float, nreq: S) -> S:
    """Where a cap cuts each segment: the end of the served prefix, as a breakpoint position.

    Served while the meter before a request (``before`` + the segment's own so far) is below
    ``cap``: the request that crosses the cap is served in full, the next one is not. Between
    two breakpoints of a long segment the cut is interpolated, half a mean request past the cap
    (the crossing request is served in full). ``nreq``: running request count at breakpoints.
    """
    r = _less(cap, before)
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
    c0 = _val(c, p0).cast(pl.Float64)
    c1 = c.gather(j).cast(pl.Float64)
    target = target.cast(pl.Float64)
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


def evaluate_plan(h: History, plan: Plan, users: S) -> pl.DataFrame:
    """``plan`` applied to ``users`` (user indexes): one row per user and month in the period.

    Limits are re-cut on what the last pass served until nothing changes (``_solve``: several
    limits, or a spend limit; fixes windows that straddle another's reset).

    Columns: row (of ``History.user_months``), user, month_key, gpu, loaded, ovh, api, req
    (served), blocked_gpu, blocked_loaded, blocked_ovh, blocked_api,
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
        cand = cand | (mx >= to_nano(lim.cap, mx.dtype))
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
    a, z = seg["a"], seg["z"]
    zf = z.cast(pl.Float64)
    bp = h.bp
    f, g, cuts = _solve(h, plan, limits, seg)
    out = seg.select("row", "user", "month_key", "keep").with_columns(
        *[(_val(bp[q], g) - bp[q].gather(a)).alias(q) for q in QUANTITIES],
        *[(bp[q].gather(z) - _val(bp[q], g)).alias(f"blocked_{q}") for q in QUANTITIES],
        _units(_val(bp[f"m:{pol.meter}"], g) - _val(bp[f"m:{pol.meter}"], f))
        .alias("overage_units") if pol.policy != "block"
        else pl.lit(0.0).alias("overage_units"),
        _units(_val(bp[f"m:{plan.usage.meter}"], g) - bp[f"m:{plan.usage.meter}"].gather(a))
        .alias("usage_units") if plan.usage is not None else pl.lit(0.0).alias("usage_units"),
        *[((cuts[lim.name] < zf) & (cuts[lim.name] <= g)).alias(f"hit:{lim.name}")
          for lim in plan.limits],
    )
    busy = out.filter(pl.col("keep")).group_by("row").agg(
        *[money_sum(c) for c in _COLUMNS[3:]], *[pl.col(c).any() for c in hit_cols])
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
        _units(c.gather(seg["z"]) - c.gather(seg["a"])).alias("usage_units")).filter(
        pl.col("keep")).group_by("user", "month_key").agg(money_sum("usage_units"))


def _cut_all(h: History, limits: list[Limit], s: pl.DataFrame, served_to: S,
             cuts: dict[str, S], sequential: bool = False) -> S:
    """Cut every limit of segments ``s``, its meter counting what is served up to
    ``served_to`` in earlier segments of its window (``cuts``: each limit's cut, set here);
    the earliest cut. ``sequential``: each limit sees the cuts of the shorter ones before it
    (the first pass of a block plan)."""
    a, z, exact = s["a"], s["z"], s["exact"]
    af = a.cast(pl.Float64)
    x = first = z.cast(pl.Float64)
    for lim in limits:
        c = h.bp[f"m:{lim.meter}"]
        served = _val(c, x if sequential else served_to) - c.gather(a)
        xl = _cut(c, af, z, exact, _before(served, s[f"w{h.window_index(lim.window)}"]),
                  to_nano(lim.cap, c.dtype), h.bp["req"])
        cuts[lim.name] = xl
        first = first.zip_with(first <= xl, xl)
        x = first
    return first


Step = Callable[[pl.DataFrame, list[S], dict[str, S]], list[S]]


def _solve(h: History, plan: Plan, limits: list[Limit], seg: pl.DataFrame
           ) -> tuple[S, S, dict[str, S]]:
    """Per segment of ``seg``: where overage starts (f) and the served prefix ends (g), and
    each limit's cut: the fixed point of the re-cut passes, exactly.

    Termination: a segment's outcome is a function of the outcomes of the earlier segments of
    its own user only (those of its windows and of its billing month). The first pass gets
    every user's first segment right, and once a user's first i segments are right the next
    pass gets the (i+1)-th right too; so the passes stop changing anything after at most one
    more pass than the most segments any one user has. A pass re-cuts only the users whose
    outcome moved in the last one: users are independent, so one that did not move is at its
    fixed point (the passes are a function of the user's own last outcome). A long chain of
    windows straddling each other's resets (round-the-clock use under nested limits) needs
    many passes, but only for its own user's segments.
    """
    pol = plan.overage
    zf = seg["z"].cast(pl.Float64)
    cuts: dict[str, S] = {}
    lu = spend_limit_units(pol) if pol.policy != "block" else None
    limit_units = None if lu is None else to_nano(lu, h.bp[f"m:{pol.meter}"].dtype)
    step: Step
    if pol.policy == "block":
        state = [_cut_all(h, limits, seg, zf, cuts, sequential=True)]

        def step(s: pl.DataFrame, st: list[S], c: dict[str, S]) -> list[S]:
            return [_cut_all(h, limits, s, st[0], c)]
    else:
        # Served up to g in each segment: the overage [f, g) until the month's spend limit,
        # blocked after it. Blocked requests count in no window, so with a spend limit the
        # cuts are re-made on what was served until nothing changes.
        f = _cut_all(h, limits, seg, zf, cuts)
        if limit_units is None:
            return f, zf, cuts
        state = [f, zf]
        q = h.bp[f"m:{pol.meter}"]
        units = limit_units

        def step(s: pl.DataFrame, st: list[S], c: dict[str, S]) -> list[S]:
            f, g = st
            spent = (_val(q, g) - _val(q, f)).clip(0)
            month = s["user"] * 100_000 + s["month_key"]
            g2 = _cut(q, f, s["z"], s["exact"], _before(spent, month), units, h.bp["req"])
            return [_cut_all(h, limits, s, g2, c), g2]
    idx: S | None = None
    passes, bound = 0, None
    while True:
        s = seg if idx is None else seg[idx]
        cur = state if idx is None else [v.gather(idx) for v in state]
        new_cuts: dict[str, S] = {}
        nxt = step(s, cur, new_cuts)
        moved = pl.repeat(False, len(s), dtype=pl.Boolean, eager=True)
        for old, new in zip(cur, nxt, strict=True):
            moved = moved | ((new - old).abs() > 1e-9)
        if idx is None:
            state, cuts = nxt, new_cuts
        else:
            state = [v.scatter(idx, n) for v, n in zip(state, nxt, strict=True)]
            cuts = {k: v.scatter(idx, new_cuts[k]) for k, v in cuts.items()}
        if not moved.any():
            break
        users = s["user"].filter(moved).unique()
        rows = pl.int_range(0, len(seg), dtype=pl.Int64, eager=True) if idx is None else idx
        idx = rows.filter(s["user"].is_in(users.implode()))
        passes += 1
        if bound is None and passes > 50:
            bound = int(seg.group_by("user").len()["len"].max()) + 2  # type: ignore[arg-type]
        if bound is not None and passes > bound:  # cannot happen (see above)
            raise AssertionError(f"what-if re-cut passes did not converge in {passes}")
    if len(state) == 1:
        return state[0], state[0], cuts
    return state[0], state[1], cuts


def _units(nano: S) -> S:
    """Meter nano-units (integer, or float where interpolated) as units."""
    return nano.cast(pl.Float64) / NANO
