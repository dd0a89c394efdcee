"""The report's shared work gives the same bits as doing it again: ``keep_requests`` reads and
caps every request once for the engine, plan fit and the economics replay; plan fit sums per
integer user-month id, with the full GPU cost summed once; a re-cap of scaled usage reuses
the window starts (they depend on request times only)."""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl
import pytest
from conftest import EVENT_HEADER, write_csv

from planalyzer.analysis import (
    Period,
    ReportData,
    _fit_sums,
    _user_month_ids,
)
from planalyzer.economics import recap
from planalyzer.exact_sums import ordered_sum
from planalyzer.report import build_report
from planalyzer.store import LoadOptions, Store

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "report_small.csv"


def _frames(data: ReportData) -> list[pl.DataFrame]:
    keys = ["user_id", "month_key"]
    fit = data.fit if data.fit is not None else pl.DataFrame()
    big = data.fit_oversize if data.fit_oversize is not None else pl.DataFrame()
    return [data.user_months.sort(keys), data.binds.sort([*keys, "limit"]),
            fit.sort([*keys, "plan"]) if len(fit) else fit,
            big.sort(big.columns) if len(big) else big]


def _same(a: ReportData, b: ReportData) -> None:
    for x, y in zip(_frames(a), _frames(b), strict=True):
        assert x.columns == y.columns
        assert x.dtypes == y.dtypes
        assert x.equals(y, null_equal=True)
    assert a.notes == b.notes


@pytest.mark.parametrize("period", [
    Period(), Period(months=("2026-10",)), Period(since="2026-10-03", until="2026-10-17")])
@pytest.mark.parametrize("fit", [True, False])
def test_keep_requests_changes_no_number(period: Period, fit: bool) -> None:
    """The one capped read of ``keep_requests`` gives the batch pass's user-months, binds and
    plan fit exactly."""
    with Store() as store:
        store.load([str(FIXTURE)], LoadOptions())
        plain = build_report(store.con, period=period, plan_fit=fit)
        kept = build_report(store.con, period=period, plan_fit=fit, keep_requests=True)
    assert kept.replay is not None and plain.replay is None
    assert len(plain.binds)  # caps bind in the fixture: the engine's path is exercised
    _same(plain, kept)


STINT_CATALOG = """
[meter.requests]
unit = "requests"
[[meter.requests.weight]]
models = "*"
request = 1.0

[plan.big]
name = "Big"
price_usd = 200.0
source = "test"
as_of = "2026-11-01"
[[plan.big.limit]]
name = "five_h"
meter = "requests"
window = "rolling"
hours = 5
cap = 4

[plan.small]
name = "Small"
price_usd = 20.0
source = "test"
as_of = "2026-11-01"
[[plan.small.limit]]
name = "five_h"
meter = "requests"
window = "rolling"
hours = 5
cap = 2
[plan.small.overage]
policy = "payg"
meter = "requests"
rate_usd = 0.5
"""


def test_keep_requests_with_plan_changes(tmp_path: Path) -> None:
    """Users whose logged plan changes (stints, read in plan order then re-sorted by time for
    plan fit) give the same numbers with the one capped read."""
    rows = []
    for u, plans in (("d", ("big", "small")), ("e", ("small", "big")), ("f", ("small",) * 2)):
        for k, day in enumerate(("2026-10-31", "2026-11-01")):
            for i in range(6):
                rows.append([f"{u}{k}{i}", f"{day}T0{i}:{10 * i:02d}:00Z", u, plans[k],
                             "claude-haiku-4-5", 100, 0, 0, 0, 10, 1])
    csv = write_csv(tmp_path / "ev.csv", EVENT_HEADER, rows)
    plans = tmp_path / "plans.toml"
    plans.write_text(STINT_CATALOG, encoding="utf-8")
    with Store() as store:
        store.load([str(csv)], LoadOptions())
        plain = build_report(store.con, plans=plans)
        kept = build_report(store.con, plans=plans, keep_requests=True)
    assert any("different plan in different billing months" in n for n in plain.notes)
    assert len(plain.binds) and plain.fit is not None and len(plain.fit)
    _same(plain, kept)


def test_recap_reuses_window_starts() -> None:
    """A re-cap with the window starts the replay kept equals one that finds them again."""
    with Store() as store:
        store.load([str(FIXTURE)], LoadOptions())
        data = build_report(store.con, plan_fit=False, keep_requests=True)
    assert data.replay is not None and data.replay.starts
    for factor in (0.5, 1.7, 3.0):
        kept = recap(data, factor)
        data.replay.starts.clear()
        fresh = recap(data, factor)
        assert data.replay.starts  # found again and kept
        assert kept.equals(fresh)


def test_user_month_ids_runs_and_fallback() -> None:
    df = pl.DataFrame({"user_id": ["a", "a", "a", "b", "b", "c"],
                       "month_key": [5, 5, 6, 5, 5, 7]})
    run, runs = _user_month_ids(df)
    assert run.to_list() == [0, 0, 1, 2, 2, 3]
    assert runs.rows() == [(0, "a", 5), (1, "a", 6), (2, "b", 5), (3, "c", 7)]
    # a user-month in two runs (not contiguous): ids from a join, one per user-month
    odd = pl.DataFrame({"user_id": ["a", "b", "a"], "month_key": [5, 5, 5]})
    run, runs = _user_month_ids(odd)
    assert run.to_list() == [0, 1, 0]
    assert runs.rows() == [(0, "a", 5), (1, "b", 5)]
    empty = pl.DataFrame(schema={"user_id": pl.String, "month_key": pl.Int64})
    run, runs = _user_month_ids(empty)
    assert len(run) == 0 and len(runs) == 0


@pytest.mark.parametrize("seed", range(6))
def test_fit_sums_equal_the_plain_group_sums(seed: int) -> None:
    """Skipping the sorted sum where every charge is zero gives the same bits."""
    rng = random.Random(seed)
    n = 3000
    zero_runs = {r for r in range(40) if rng.random() < 0.5}
    runs = [rng.randrange(40) for _ in range(n)]
    charges = [0.0 if r in zero_runs or rng.random() < 0.6 else
               rng.lognormvariate(0, 4) * rng.choice([1e-6, 1.0, 1e3]) for r in runs]
    if seed == 0:
        charges = [0.0] * n
    f = pl.DataFrame({"run": runs, "served": [rng.random() < 0.8 for _ in range(n)],
                      "charges": charges}, schema={"run": pl.Int64, "served": pl.Boolean,
                                                   "charges": pl.Float64})
    got = _fit_sums(f).sort("run")
    want = f.group_by("run").agg((~pl.col("served")).sum().alias("blocked"),
                                 ordered_sum("charges").alias("charges")).sort("run")
    assert got.columns == want.columns and got.dtypes == want.dtypes
    assert got.equals(want)
