"""Exact calendar buckets across fall-back clock changes (docs/report.md, "Windows and caps").

A calendar day, week or month resets once, at the first instant its local clock reaches the
reset time (a reset time in a spring-forward gap: the first instant after the gap). The local
bucket of a request (its local time, less the reset offset, truncated to the day, week or month)
is that rule everywhere but in the repeated interval of a fall-back change ``[T, T + s)``: there
the local clock reads times it has read already, and a request whose local bucket is older than
the one the clock had reached just before the change (at ``T - 1 µs``) belongs to the newer one.
So each request's bucket is ``max(local bucket, bucket at T - 1 µs)`` inside a repeated interval,
and its local bucket elsewhere: per request, independent of the other requests.

The fall-back changes are found with polars' time-zone database (the one the plans' zone names
are checked against), once per zone and year.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import polars as pl

S = pl.Series
_US = 1_000_000
_HOUR = 3600 * _US
_EPOCH = dt.datetime(1970, 1, 1)


def _offsets_us(tz: str, start_us: int, step_us: int, n: int) -> S:
    """UTC offset (local minus UTC, µs) at ``start_us + k * step_us`` for k < n."""
    t = pl.int_range(0, n, dtype=pl.Int64, eager=True) * step_us + start_us
    df = pl.DataFrame({"t": t}).select(
        (pl.from_epoch("t", time_unit="us").dt.replace_time_zone("UTC")
         .dt.convert_time_zone(tz).dt.replace_time_zone(None).dt.epoch("us")
         - pl.col("t")).alias("o"))
    return df["o"]


@lru_cache(maxsize=256)
def fall_backs(tz: str, year: int) -> tuple[tuple[int, int, int], ...]:
    """The fall-back changes of ``tz`` in UTC year ``year``: (T, s, local wall time just before
    T), as epoch µs (the wall time as if UTC), with s the shift (1 h; 30 min at Lord Howe)."""
    start = int((dt.datetime(year, 1, 1) - _EPOCH).total_seconds()) * _US
    end = int((dt.datetime(year + 1, 1, 1) - _EPOCH).total_seconds()) * _US
    hours = (end - start) // _HOUR + 1
    off = _offsets_us(tz, start, _HOUR, hours)
    drops = (off.diff() < 0).arg_true().to_list()
    out = []
    for k in drops:
        a = start + (k - 1) * _HOUR  # the change lies in (a, a + 1 h]
        sec = _offsets_us(tz, a, _US, 3601)
        j = int((sec.diff() < 0).arg_true()[0])
        t_change = a + j * _US
        before, after = int(sec[j - 1]), int(sec[j])
        out.append((t_change, before - after, t_change + before))
    return tuple(out)


def _truncate(wall_us: int, kind: str) -> int:
    """The day, week (from Monday) or month holding a wall time, as epoch µs (as the local
    buckets are: DuckDB's ``date_trunc``, polars' ``dt.truncate``)."""
    x = _EPOCH + dt.timedelta(microseconds=wall_us)
    d = x.date()
    if kind == "calendar_week":
        d -= dt.timedelta(days=d.weekday())
    elif kind == "calendar_month":
        d = d.replace(day=1)
    return int((dt.datetime(d.year, d.month, d.day) - _EPOCH).total_seconds()) * _US


def exact_buckets(t_us: S, local: S, kind: str, tz: str, offset_minutes: int) -> S:
    """Each request's bucket (``local``: its local bucket, epoch µs as if UTC; ``t_us``: its
    instant) corrected in the repeated intervals of ``tz``'s fall-back changes."""
    if not len(t_us) or tz in ("UTC", "Etc/UTC"):
        return local
    lo, hi = t_us.min(), t_us.max()
    assert isinstance(lo, int) and isinstance(hi, int)
    y0 = (_EPOCH + dt.timedelta(microseconds=lo)).year
    y1 = (_EPOCH + dt.timedelta(microseconds=hi)).year
    out = local
    for year in range(y0 - 1, y1 + 1):
        for t_change, shift, wall in fall_backs(tz, year):
            if hi < t_change or lo >= t_change + shift:
                continue
            reached = _truncate(wall - 1 - offset_minutes * 60 * _US, kind)
            late = (t_us >= t_change) & (t_us < t_change + shift) & (out < reached)
            if late.any():
                out = S([reached], dtype=pl.Int64).new_from_index(0, len(out)).zip_with(
                    late, out).alias(local.name)
    return out
