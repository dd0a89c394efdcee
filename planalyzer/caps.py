"""Windows and caps, exactly, over per-request arrays sorted by user and time.

Semantics (docs/report.md, "Windows and caps"):

* A rolling window opens at a request when none is open and covers ``[open, open + length)``;
  the first request at or after ``open + length`` opens the next one. Every request that
  arrives opens windows, served or not, so window boundaries depend on request times only.
* A calendar window is the calendar day, week or month (in the limit's time zone, shifted by
  its reset time and weekday) that holds the request. It resets once, at the first moment the
  local clock reaches the reset time: where a fall-back change repeats the reset time, the
  requests of the repeated hour after that moment are in the new window (``calendar_buckets``,
  planalyzer.dst_resets).
* Caps apply per request in time order. A request is within a limit if the meter its window
  has counted *before it* (served requests only) is below the cap: so a request arriving with
  the meter at 99 of 100 is served in full (and may cross the cap), and one arriving at exactly
  100 is not. A request within every limit is served normally. Otherwise the plan's overage
  policy decides: block (not served: no cost, no revenue, no meter in any window), pay as you
  go (served, charged ``rate_usd`` per unit of the overage meter; once the billing month's
  overage spend has reached the monthly limit, blocked), or prepaid credits (the same, with
  the month's credits as the limit).
* A limit *binds* once per window in each billing month: at the window's first request of
  that month that arrives with the limit reached (``PlanOutcome.bound_at``). A window still
  exhausted when a new billing month starts binds again at its first request of that month,
  so a month's count never depends on whether the month before is in the report.

How (performance): everything is vectorised (polars Series) over the sorted arrays.
Rolling windows come from a
per-user scan done in lock step across users (one ``searchsorted`` per window, vectorised over
all users). Cap application is sequential only at window boundaries: a *segment* is a run of
a user's requests that share every window and the billing month; inside a segment the served
requests are a prefix up to the first request past a cap, found with ``searchsorted`` on prefix
sums. Segments are processed in lock step across users, and only for users whose unconstrained
usage reaches a cap somewhere (the others are served in full; exact, since blocking only ever
removes usage). Once few users have segments left (the heaviest, with the most windows), each
is finished alone in plain Python (``_Tail``: the same steps and integer arithmetic), where a
lock-step step would cost some thirty Series calls for a handful of rows; tests run every
case both ways.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from planalyzer.dst_resets import exact_buckets
from planalyzer.errors import InputError
from planalyzer.plans import Limit, Overage, Plan, Window

S = pl.Series


def _full(n: int, value: object, dtype: pl.DataType | type[pl.DataType]) -> S:
    return S([value], dtype=dtype).new_from_index(0, n)


def _gather(s: S, idx: S) -> S:
    """``s.gather(idx)`` by indexing with an integer Series: a direct call, where ``gather``
    goes through the expression engine (several times the cost per call on the small arrays
    of the segment loop, which makes thousands of them)."""
    out: S = s[idx]
    return out


def _where(cond: S, x: S, y: S) -> S:
    return x.zip_with(cond, y)


def _clip(x: S, lo: S, hi: S) -> S:
    x = _where(x >= lo, x, lo)
    return _where(x <= hi, x, hi)


NANO = 1_000_000_000  # meters are counted in whole nano-units (1e-9 of a unit)
_INT64_TOTAL = 2**61  # a prefix whose total reaches this is kept as Int128
# The largest cap, in nano-units, compared with meter sums of each kind: no window of an Int64
# prefix (total under 2**61) reaches 2**62, and a prefix value plus 2**62 still fits in Int64;
# an Int128 prefix would need 2**120 nano-units (1.3e27 units) for a cap of 2**120 to bind.
_NEVER_INT64 = 2**62
_NEVER_INT128 = 2**120


def to_nano(x: float, dtype: pl.DataType | type[pl.DataType] = pl.Int64) -> int:
    """A cap or limit in whole nano-units of its meter (nearest), for comparing with meter
    sums of ``dtype`` (``nano_prefix``'s Int64 or Int128). A cap larger than any window of
    such sums can hold (a 1e12 "unlimited" cap, 1e300, a spend limit over a tiny rate) never
    binds: it is held as the largest value that still never binds and fits the arithmetic
    (2**62 nano-units against Int64 sums, 2**120 against Int128), so no cap overflows."""
    never = _NEVER_INT64 if dtype == pl.Int64 else _NEVER_INT128
    if not x * NANO < never:  # also inf, which round() cannot take
        return never
    return round(x * NANO)


def nano_prefix(u: S) -> S:
    """[0, n0, n0+n1, ...] of ``u``'s units in whole nano-units (each request rounded to
    1e-9 of a unit, as the report sums meters): the sum over [x, y) is p[y] - p[x], exact,
    so whether a window's meter has reached a cap never depends on the rounding of other
    requests (other users' ahead of it in the batch, say). Int64 while the total fits, else
    Int128 (a token meter over billions of tokens)."""
    x = (u.cast(pl.Float64) * NANO).round()
    total = x.abs().sum()
    dtype = pl.Int64 if total < _INT64_TOTAL else pl.Int128  # one request may pass Int64 too
    return pl.concat([S([0], dtype=dtype), x.cast(dtype).cum_sum()])


@dataclass
class Requests:
    """Requests of some users, sorted by user then time; user ``i`` owns
    ``[bounds[i], bounds[i + 1])``. ``month`` is the billing-month index of each request and
    ``calendar`` the bucket id of each calendar window the plans use (Int64 Series)."""

    bounds: S
    t_us: S
    month: S
    calendar: Mapping[Window, S] = field(default_factory=dict)
    # user_index() and user_first(), made once (every limit and window asks for them)
    _memo: dict[str, S] = field(default_factory=dict, repr=False, compare=False)

    @property
    def n(self) -> int:
        return len(self.t_us)

    @property
    def users(self) -> int:
        return len(self.bounds) - 1

    def user_index(self) -> S:
        """The user (0-based) of each request."""
        if "index" not in self._memo:
            counts = self.bounds.diff().slice(1)
            self._memo["index"] = pl.int_range(
                0, self.users, dtype=pl.Int64, eager=True).repeat_by(
                counts).explode().drop_nulls() if self.users else S([], dtype=pl.Int64)
        return self._memo["index"]

    def user_first(self) -> S:
        """True at each user's first request. Made once and shared: callers combine it into
        new Series (``|``) and never scatter into it."""
        if "first" not in self._memo:
            first = _full(self.n, False, pl.Boolean)
            counts = self.bounds.diff().slice(1)
            starts = self.bounds.slice(0, self.users).filter(counts > 0)
            self._memo["first"] = first.scatter(starts, True) if len(starts) else first
        return self._memo["first"]


def rolling_window_starts(req: Requests, length_us: int) -> S:
    """True where a request opens a rolling window of ``length_us``.

    A request opens one when it is its user's first, or when it comes ``length_us`` or more
    after the previous request (the open window, opened at or before that one, has closed):
    both are one vectorised pass. Only inside a *chain* (a run of requests closer together
    than ``length_us``, spanning at least ``length_us``) must the window starts be found one
    after another: each step moves every such chain's open window to the first request at or
    after ``open + length``, by one ``search_sorted`` over (user, time) keys, in lock step
    across chains. Steps = the most windows any one chain holds.
    """
    n = req.n
    if n == 0:
        return _full(n, False, pl.Boolean)
    first = req.user_first()
    t = req.t_us
    gap = pl.concat([S([0], dtype=pl.Int64), t.diff().slice(1).cast(pl.Int64)])
    starts = first | (gap >= length_us)
    chain_a = starts.arg_true().cast(pl.Int64)
    chain_b = pl.concat([chain_a.slice(1), S([n], dtype=pl.Int64)])
    long = (_gather(t, chain_b - 1) - _gather(t, chain_a)) >= length_us
    pos, end = chain_a.filter(long), chain_b.filter(long)
    if not len(pos):
        return starts
    t0 = int(t.min())  # type: ignore[arg-type]
    span = int(t.max()) - t0 + length_us + 1  # type: ignore[arg-type]
    if (req.users + 1) * span >= 2**62:
        raise InputError("the log spans too long a time for rolling windows over this many "
                         "users; report a shorter period with --month or --since/--until")
    key = (first.cast(pl.Int64).cum_sum() - 1) * span + (t - t0)
    found: list[S] = []
    while len(pos):
        nxt = key.search_sorted(_gather(key, pos) + length_us, side="left").cast(pl.Int64)
        keep = nxt < end
        pos, end = nxt.filter(keep), end.filter(keep)
        found.append(pos)
    more = pl.concat(found)
    return starts.scatter(more, True) if len(more) else starts


def window_starts(req: Requests, window: Window) -> S:
    if window.kind == "rolling":
        return rolling_window_starts(req, window.length_us)
    return _changes(req.user_first(), calendar_buckets(req, window))


def calendar_buckets(req: Requests, window: Window) -> S:
    """Each request's calendar bucket under ``window``: its local bucket, except in the
    repeated interval of a fall-back change, where a request whose local bucket is older than
    the one the clock reached before the change takes that one (the reset happens once, at the
    first moment the local clock reaches the reset time: planalyzer.dst_resets). Per request,
    whatever the user's other requests."""
    return exact_buckets(req.t_us, req.calendar[window], window.kind, window.timezone,
                         window.reset_offset_minutes)


def _changes(starts: S, values: S) -> S:
    """``starts`` or where ``values`` differs from the previous request's."""
    if len(values) < 2:
        return starts
    changed = pl.concat([S([False]), values.slice(1) != values.slice(0, len(values) - 1)])
    return starts | changed


@dataclass
class PlanOutcome:
    """Per request: served or blocked, overage and usage charges; per limit: where it bound."""

    served: S
    overage: S
    overage_usd: S  # overage spend (counts toward the policy's spend limit or credits)
    usage_usd: S
    # limit name -> request indexes where the limit was first reached in a window, once per
    # window in each billing month (a window still exhausted after a month end binds again
    # at its first request of the new month)
    bound_at: dict[str, S]
    windows: dict[str, S]  # limit name -> window starts

    @property
    def billed_overage_usd(self) -> S:
        """Overage billed on top of the plan (payg); overage drawn from prepaid credits is not
        billed again (the credits are revenue, used or not)."""
        return self.overage_usd if self.billed else self.overage_usd * 0.0

    @property
    def charges_usd(self) -> S:
        """What is billed per request beyond the subscription and the prepaid credits."""
        return self.billed_overage_usd + self.usage_usd

    billed: bool = True  # the policy bills overage (payg); False: credits or block


def spend_limit_units(pol: Overage) -> float | None:
    """The overage policy's monthly spend limit (or prepaid credits) in units of its meter:
    ``limit / rate``. None where nothing limits it: no limit, or free units under a positive
    limit (spend never reaches it); a zero limit allows no overage whatever the rate."""
    limit = pol.spend_limit
    if limit is None or (pol.rate_usd <= 0 < limit):
        return None
    return limit / pol.rate_usd if pol.rate_usd > 0 else 0.0


def _first_at_least(p: S, a: S, b: S, base: S, need: S) -> S:
    """First j in [a, b) with p[j] - base >= need, given it exists (p nondecreasing)."""
    j = p.search_sorted(base + need, side="left").cast(pl.Int64)
    return _clip(j, a, b - 1)


def apply_plan(plan: Plan, req: Requests, units: Mapping[str, S],
               windows: Mapping[Window, S] | None = None) -> PlanOutcome:
    """Apply ``plan``'s limits and overage policy to every request (all users on ``plan``).
    ``windows``: the starts of each window (``window_starts``) when the caller has them."""
    n = req.n
    limits: tuple[Limit, ...] = plan.limits
    starts = {lim.name: windows[lim.window] if windows is not None and lim.window in windows
              else window_starts(req, lim.window) for lim in limits}
    bound_at: dict[str, S] = {lim.name: S([], dtype=pl.Int64) for lim in limits}
    served = _full(n, True, pl.Boolean)
    overage = _full(n, False, pl.Boolean)
    zero = _full(n, 0.0, pl.Float64)
    if limits and n:
        served, overage = _apply_limits(plan, req, units, starts, bound_at)
    pol = plan.overage
    overage_usd = zero
    if pol.policy != "block" and overage.any():
        overage_usd = _where(overage, units[pol.meter].cast(pl.Float64) * pol.rate_usd, zero)
    usage_usd = zero
    if plan.usage is not None:
        usage_usd = _where(served, units[plan.usage.meter].cast(pl.Float64)
                           * plan.usage.rate_usd, zero)
    return PlanOutcome(served, overage, overage_usd, usage_usd, bound_at, starts,
                       billed=pol.billed)


def _candidates(req: Requests, limits: tuple[Limit, ...], prefix: list[S],
                starts: Mapping[str, S]) -> S:
    """Users whose unconstrained usage reaches some cap: the last request of some window
    arrives with the window's meter at or above the cap. Only these need the segment scan.
    ``prefix``: each limit's meter as ``nano_prefix`` sums."""
    uidx = req.user_index()
    cand = _full(req.users, False, pl.Boolean)
    for lim, p in zip(limits, prefix, strict=True):
        a = starts[lim.name].arg_true().cast(pl.Int64)
        b = pl.concat([a.slice(1), S([req.n], dtype=pl.Int64)])
        before_last = _gather(p, b - 1) - _gather(p, a)
        hit = a.filter(before_last >= to_nano(lim.cap, p.dtype))
        if len(hit):
            cand.scatter(_gather(uidx, hit), True)
    return cand


def _apply_limits(plan: Plan, req: Requests, units: Mapping[str, S],
                  starts: Mapping[str, S], bound_at: dict[str, S]) -> tuple[S, S]:
    n = req.n
    limits = plan.limits
    served = _full(n, True, pl.Boolean)
    overage = _full(n, False, pl.Boolean)
    memo: dict[str, S] = {}
    for meter in [lim.meter for lim in limits] + [plan.overage.meter]:
        if meter in units and meter not in memo:
            memo[meter] = nano_prefix(units[meter])
    prefix = [memo[lim.meter] for lim in limits]
    caps_n = [to_nano(lim.cap, p.dtype) for lim, p in zip(limits, prefix, strict=True)]
    cand = _candidates(req, limits, prefix, starts)
    if not cand.any():
        return served, overage
    seg_start = req.user_first()
    seg_start = _changes(seg_start, req.month)
    for lim in limits:
        seg_start = seg_start | starts[lim.name]
    win = {lim.name: starts[lim.name].cast(pl.Int64).cum_sum() for lim in limits}
    seg_a = seg_start.arg_true().cast(pl.Int64)
    seg_b = pl.concat([seg_a.slice(1), S([n], dtype=pl.Int64)])
    seg_user = _gather(req.user_index(), seg_a)
    all_users = pl.int_range(0, req.users, dtype=pl.Int64, eager=True)
    first_seg = seg_user.search_sorted(all_users, side="left").cast(pl.Int64)
    nseg = seg_user.search_sorted(all_users, side="right").cast(pl.Int64) - first_seg
    users = cand.arg_true()
    first_seg, nseg = _gather(first_seg, users), _gather(nseg, users)
    nu = len(users)
    k = len(limits)
    served_sum = [_full(nu, 0, p.dtype) for p in prefix]  # nano-units, as the prefix
    cur_win = [_full(nu, -1, pl.Int64) for _ in limits]
    # reached in the current window and billing month: a limit binds once per window in
    # each billing month (a window exhausted across a month end binds in both months)
    was_bound = [_full(nu, False, pl.Boolean) for _ in limits]
    pol = plan.overage
    charge_p = memo[pol.meter] if pol.policy != "block" else S([], dtype=pl.Int64)
    # overage this month, in nano-units of the overage meter
    spend = _full(nu, 0, charge_p.dtype)
    cur_month = _full(nu, -1, pl.Int64)  # billing month of each user's current segment
    # The month's spend limit in nano-units of the meter: spend is counted in exact unit
    # sums, so a request that brings spend to exactly the limit is found the same way
    # whatever other users share the batch.
    lu = spend_limit_units(pol)
    limit_units = None if lu is None else to_nano(lu, charge_p.dtype)
    blocked_from: list[S] = []
    blocked_to: list[S] = []
    over_from: list[S] = []
    over_to: list[S] = []
    bound: list[list[S]] = [[] for _ in limits]
    steps = int(nseg.max()) if nu else 0  # type: ignore[arg-type]
    # positions as a filter of one range (arg_true goes through the expression engine: the
    # loop below makes thousands of these calls on small arrays)
    rng = pl.int_range(0, nu, dtype=pl.Int64, eager=True)
    for it in range(steps):
        act = rng.filter(nseg > it)
        if len(act) <= SCALAR_TAIL_USERS:
            # few users left (the heaviest, with the most windows): each one's remaining
            # segments in plain Python, where a lock-step step costs ~30 Series calls
            tail = _Tail(caps_n, prefix, [win[lim.name] for lim in limits], charge_p,
                         req.month, pol.policy != "block", limit_units)
            for u in act.to_list():
                first, count = int(first_seg[u]) + it, int(nseg[u]) - it
                tail.user(seg_a.slice(first, count), seg_b.slice(first, count),
                          [int(x[u]) for x in served_sum], [int(x[u]) for x in cur_win],
                          [bool(x[u]) for x in was_bound], int(spend[u]), int(cur_month[u]))
            blocked_from.append(S(tail.blocked_from, dtype=pl.Int64))
            blocked_to.append(S(tail.blocked_to, dtype=pl.Int64))
            over_from.append(S(tail.over_from, dtype=pl.Int64))
            over_to.append(S(tail.over_to, dtype=pl.Int64))
            for li in range(k):
                bound[li].append(S(tail.bound[li], dtype=pl.Int64))
            break
        s = _gather(first_seg, act) + it
        a, b = _gather(seg_a, s), _gather(seg_b, s)
        m = _gather(req.month, a)
        new_month = m != _gather(cur_month, act)
        cur_month.scatter(act, m)
        f_l: list[S] = []
        for li, lim in enumerate(limits):
            w = _gather(win[lim.name], a)
            fresh = w != _gather(cur_win[li], act)
            cur_win[li].scatter(act, w)
            was_bound[li].scatter(act, _gather(was_bound[li], act) & ~(fresh | new_month))
            p = prefix[li]
            ss = _where(fresh, _full(len(act), 0, p.dtype), _gather(served_sum[li], act))
            served_sum[li].scatter(act, ss)
            r = _full(len(act), caps_n[li], p.dtype) - ss
            pa = _gather(p, a)
            reaches = (_gather(p, b - 1) - pa) >= r
            f = _where(reaches, a, b)
            mid = reaches & (r > 0)
            if mid.any():
                idx = rng.slice(0, len(mid)).filter(mid)
                f.scatter(idx, _first_at_least(p, a.filter(mid), b.filter(mid),
                                               pa.filter(mid), r.filter(mid)))
            f_l.append(f)
        f = f_l[0]
        for other in f_l[1:]:
            f = _where(f <= other, f, other)
        g = f
        if pol.policy != "block":
            sp = _where(new_month, _full(len(act), 0, charge_p.dtype), _gather(spend, act))
            g = b.clone()
            if limit_units is not None:
                has = f < b
                left = _full(len(act), limit_units, charge_p.dtype) - sp
                now = has & (left <= 0)
                g = _where(now, f, g)
                cf = _gather(charge_p, f)
                stop = has & (left > 0) & ((_gather(charge_p, _where(has, b - 1, f)) - cf) >= left)
                if stop.any():
                    g.scatter(rng.slice(0, len(stop)).filter(stop), _first_at_least(
                        charge_p, f.filter(stop), b.filter(stop), cf.filter(stop),
                        left.filter(stop)))
            spend.scatter(act, sp + (_gather(charge_p, g) - _gather(charge_p, f)))
            ov = f < g
            over_from.append(f.filter(ov))
            over_to.append(g.filter(ov))
        for li in range(k):
            p = prefix[li]
            served_sum[li].scatter(act, _gather(served_sum[li], act)
                                   + (_gather(p, g) - _gather(p, a)))
            fl = f_l[li]
            # It binds where a request arrives with it reached: at or before g, the first
            # request not served (meters stop there, as blocked requests consume nothing).
            hit = ~_gather(was_bound[li], act) & (fl < b) & (fl <= g)
            was_bound[li].scatter(act, _gather(was_bound[li], act) | hit)
            bound[li].append(fl.filter(hit))
        bl = g < b
        blocked_from.append(g.filter(bl))
        blocked_to.append(b.filter(bl))
    served = ~_ranges(n, blocked_from, blocked_to)
    overage = _ranges(n, over_from, over_to)
    for li, lim in enumerate(limits):
        bound_at[lim.name] = pl.concat(bound[li]).sort() if bound[li] else S([], dtype=pl.Int64)
    return served, overage


# Below this many users with segments left, _apply_limits finishes them one by one (_Tail).
SCALAR_TAIL_USERS = 32


class _Tail:
    """The segment scan of ``_apply_limits`` for one user at a time, in plain Python: the same
    steps and the same integer arithmetic (nano-units). The values at each segment's ends are
    gathered for all the user's segments at once; a segment's other rows are read (one
    slice) only where a cap or the spend limit is reached inside it. Ranges blocked and
    charged as overage, and the requests where each limit bound, are collected as row indexes."""

    def __init__(self, caps: list[int], prefix: list[S], win: list[S], charge_p: S,
                 month: S, charged: bool, limit_units: int | None) -> None:
        self.caps = caps
        self.prefix, self.win, self.charge_p, self.month = prefix, win, charge_p, month
        self.charged, self.limit_units = charged, limit_units
        self.blocked_from: list[int] = []
        self.blocked_to: list[int] = []
        self.over_from: list[int] = []
        self.over_to: list[int] = []
        self.bound: list[list[int]] = [[] for _ in caps]

    def user(self, seg_a: S, seg_b: S, served_sum: list[int], cur_win: list[int],
             was_bound: list[bool], spend: int, cur_month: int) -> None:
        """Scan one user's remaining segments ``[seg_a[i], seg_b[i])`` from the state the
        lock-step scan left (per limit: meter served in the open window, its window id,
        whether it bound there in the current billing month; the month's overage spend in
        meter units and its month)."""
        last = seg_b - 1
        ends = [_Ends(p, seg_a, last, seg_b) for p in self.prefix]
        win = [_gather(w, seg_a).to_list() for w in self.win]
        charge = _Ends(self.charge_p, seg_a, last, seg_b) if self.charged else None
        month = _gather(self.month, seg_a).to_list()
        caps, limit_units = self.caps, self.limit_units
        ss, cw, wb = list(served_sum), list(cur_win), list(was_bound)
        sp, cm = spend, cur_month
        for i, (a, b) in enumerate(zip(seg_a.to_list(), seg_b.to_list(), strict=True)):
            if month[i] != cm:  # a new billing month: spend and binds start again
                cm, sp = month[i], 0
                wb = [False] * len(caps)
            f_l = []
            for li, cap in enumerate(caps):
                p = ends[li]
                w = win[li][i]
                if w != cw[li]:
                    cw[li], wb[li], ss[li] = w, False, 0
                r = cap - ss[li]
                pa = p.at_a[i]
                f = b
                if p.at_last[i] - pa >= r:
                    f = a
                    if r > 0:
                        f = p.first_at_least(i, a, b, a, pa + r)
                f_l.append(f)
            f = min(f_l)
            g = f
            if charge is not None:
                g = b
                cf = charge.value(i, a, b, f)
                if limit_units is not None and f < b:
                    left = limit_units - sp
                    if left <= 0:
                        g = f
                    elif charge.at_last[i] - cf >= left:
                        g = charge.first_at_least(i, a, b, f, cf + left)
                sp = sp + (charge.value(i, a, b, g) - cf)
                if f < g:
                    self.over_from.append(f)
                    self.over_to.append(g)
            for li in range(len(caps)):
                p = ends[li]
                ss[li] = ss[li] + (p.value(i, a, b, g) - p.at_a[i])
                fl = f_l[li]
                if not wb[li] and fl < b and fl <= g:
                    wb[li] = True
                    self.bound[li].append(fl)
            if g < b:
                self.blocked_from.append(g)
                self.blocked_to.append(b)


class _Ends:
    """A prefix-sum array read at one user's segments: at each segment's first row, last
    row and end, gathered at once; anywhere else in a segment through a slice of it."""

    def __init__(self, p: S, seg_a: S, last: S, seg_b: S) -> None:
        self.p = p
        self.at_a: list[int] = _gather(p, seg_a).to_list()
        self.at_last: list[int] = _gather(p, last).to_list()
        self.at_b: list[int] = _gather(p, seg_b).to_list()
        self._seg = -1
        self._rows: list[int] = []

    def _slice(self, i: int, a: int, b: int) -> list[int]:
        if self._seg != i:
            self._seg, self._rows = i, self.p.slice(a, b - a + 1).to_list()
        return self._rows

    def value(self, i: int, a: int, b: int, j: int) -> int:
        """p[j] for a row j in segment i = [a, b] (its end included)."""
        if j == a:
            return self.at_a[i]
        if j == b:
            return self.at_b[i]
        if j == b - 1:
            return self.at_last[i]
        return self._slice(i, a, b)[j - a]

    def first_at_least(self, i: int, a: int, b: int, lo: int, x: int) -> int:
        """As ``_first_at_least``: in segment i = [a, b), the first j in [lo, b) with
        p[j] >= x, clipped to b - 1 (p is nondecreasing)."""
        j = bisect_left(self._slice(i, a, b), x, lo - a, b - a) + a
        return min(max(j, lo), b - 1)


def _ranges(n: int, froms: list[S], tos: list[S]) -> S:
    """Union of disjoint half-open ranges [from, to) as a mask over n requests."""
    f = pl.concat(froms) if froms else S([], dtype=pl.Int64)
    t = pl.concat(tos) if tos else S([], dtype=pl.Int64)
    if not len(f):
        return _full(n, False, pl.Boolean)
    d = pl.DataFrame({"i": pl.concat([f, t]).cast(pl.Int64),
                      "d": pl.concat([_full(len(f), 1, pl.Int64), _full(len(t), -1, pl.Int64)])})
    d = d.group_by("i").agg(pl.col("d").sum())
    delta = _full(n + 1, 0, pl.Int64).scatter(d["i"], d["d"])
    return delta.slice(0, n).cum_sum() > 0
