"""Helpers for the what-if tests: the events replayed through the real caps engine."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from planalyzer.analysis import Period, meter_units
from planalyzer.caps import Requests, apply_plan
from planalyzer.plans import Assignment, Plan, PlanCatalog, Window
from planalyzer.whatif.evaluate import evaluate_plan
from planalyzer.whatif.history import History, _bounds, history_from_requests

TOKENS = ("input_tokens", "cache_write_tokens", "cache_write_1h_tokens", "cache_read_tokens",
          "output_tokens")
FIXTURE = Path(__file__).parent / "fixtures" / "report_small.csv"
# qa8A's hand data: 59 identical Sonnet requests by 6 users on basic / pro / api (plans.toml)
HAND = Path(__file__).parent / "fixtures" / "whatif_hand"


def requests_frame(rows: Sequence[tuple[str, int, float]], model: str = "m") -> pl.DataFrame:
    """(user, t_us, units) rows -> the frame ``history_from_requests`` reads; one request
    each, cost = API value = units (so blocked dollars = blocked units)."""
    rows = sorted(rows, key=lambda r: (r[0], r[1]))
    n = len(rows)
    month = [(r[1] // (31 * 86_400_000_000)) for r in rows]
    return pl.DataFrame({
        "user_id": [r[0] for r in rows], "t_us": [r[1] for r in rows],
        "month_key": pl.Series(month, dtype=pl.Int64),
        "hour_key": pl.Series([r[1] // 3_600_000_000 for r in rows], dtype=pl.Int64),
        "model": [model] * n, **{t: pl.Series([0] * n, dtype=pl.Int64) for t in TOKENS},
        "requests": pl.Series([1] * n, dtype=pl.Int64),
        "gpu_cost_usd": [float(r[2]) for r in rows],
        "loaded_cost_usd": [float(r[2]) for r in rows],
        "overhead_cost_usd": [0.0] * n,
        "api_value_usd": [float(r[2]) for r in rows],
    })


def with_calendar(df: pl.DataFrame, windows: Sequence[Window]) -> pl.DataFrame:
    """Calendar buckets (UTC, no reset offset) as ``cal_i`` columns, as the SQL makes them."""
    day = 86_400_000_000
    cols = []
    for i, w in enumerate(windows):
        if w.kind == "calendar_day":
            cols.append((pl.col("t_us") // day).alias(f"cal_{i}"))
        elif w.kind == "calendar_week":  # 1970-01-01 was a Thursday: weeks from Monday
            cols.append(((pl.col("t_us") // day + 3) // 7).alias(f"cal_{i}"))
        elif w.kind == "calendar_month":
            cols.append(pl.col("month_key").alias(f"cal_{i}"))
    return df.with_columns(cols) if cols else df


def history_for(df: pl.DataFrame, catalog: PlanCatalog, plan_of: dict[str, str],
                windows: Sequence[Window], k: int = 16) -> History:
    return history_from_requests(df, [catalog], Assignment(plan_of), windows, "UTC", Period(),
                                 k)


def replay(df: pl.DataFrame, catalog: PlanCatalog, plan: Plan, users: Sequence[str],
           windows: Sequence[Window]) -> dict[str, float]:
    """The events of ``users`` through ``caps.apply_plan``: blocked API value, overage and
    usage charges, served GPU cost, limits hit (user-months)."""
    part = df.filter(pl.col("user_id").is_in(list(users)))
    if not len(part):
        return {"blocked": 0.0, "overage_usd": 0.0, "usage_usd": 0.0, "gpu": 0.0, "hits": 0.0}
    req = Requests(_bounds(part["user_id"]), part["t_us"], part["month_key"],
                   {w: part[f"cal_{i}"] for i, w in enumerate(windows)
                    if w.kind != "rolling"})
    units = {m: meter_units(part, catalog.meters[m]) for m in plan.meters_used()}
    out = apply_plan(plan, req, units)
    hits = set()
    for at in out.bound_at.values():
        for i in at.to_list():
            hits.add((part["user_id"][i], part["month_key"][i]))
    return {
        "blocked": float(part["api_value_usd"].filter(~out.served).sum()),
        "overage_usd": float(out.overage_usd.sum()),
        "usage_usd": float(out.usage_usd.sum()),
        "gpu": float(part["gpu_cost_usd"].filter(out.served).sum()),
        "hits": float(len(hits)),
    }


def aggregate(h: History, catalog: PlanCatalog, plan: Plan, users: Sequence[str]
              ) -> dict[str, float]:
    idx = pl.Series([h.user_ids.index(u) for u in users], dtype=pl.Int64)
    r = evaluate_plan(h, plan, idx)
    hit_cols = [c for c in r.columns if c.startswith("hit:")]
    hits = r.select(pl.any_horizontal(*hit_cols) if hit_cols else pl.lit(False))
    o = plan.overage
    return {
        "blocked": float(r["blocked_api"].sum()),
        "overage_usd": float(r["overage_units"].sum()) * (o.rate_usd if o.policy != "block"
                                                          else 0.0),
        "usage_usd": float(r["usage_units"].sum()) * (plan.usage.rate_usd if plan.usage
                                                      else 0.0),
        "gpu": float(r["gpu"].sum()),
        "hits": float(hits.to_series().sum()),
    }
