"""Money sums after the report's passes are the same bits in every run: the projection, the
economics base, the report's tables and whatif (planalyzer.exact_sums).

Polars sums a group_by's floats in the order its threads meet the rows, so a plain group sum
differs in the last bits with the thread count and run to run (report_small: the projection's
GPU cost 0x1.464fd008a5428p+4 with one thread, ...425p+4 with four). Each test here would
catch such a sum: the same input with its rows in another order, or computed with another
number of polars threads, must give bit-identical figures."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction
from typing import Any

import polars as pl
import pytest
from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from planalyzer.analysis import ReportData
from planalyzer.economics import plan_bases, project
from planalyzer.economics.projection import _sums, amounts
from planalyzer.exact_sums import fsum, money_sum, ordered_sum
from planalyzer.report import build_report
from planalyzer.report_tables import headline, report_tables
from planalyzer.store import LoadOptions, Store

FIXTURE = FIXTURES / "report_small.csv"
# amounts from a nano-dollar to $10k, both signs: where the order of addition shows in the bits
AMOUNTS = st.builds(lambda m, e, s: s * m * 10.0 ** e, st.floats(1.0, 9.999),
                    st.integers(-9, 4), st.sampled_from([1.0, -1.0]))


def _bits(x: Any) -> Any:
    return x.hex() if isinstance(x, float) else x


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), AMOUNTS), min_size=1, max_size=200),
       st.randoms(use_true_random=False))
def test_ordered_sum_and_fsum_ignore_row_order(rows: list[tuple[int, float]],
                                               rnd: Any) -> None:
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    a, b = (pl.DataFrame(r, schema={"g": pl.Int64, "x": pl.Float64}, orient="row")
            for r in (rows, shuffled))

    def grouped(f: pl.DataFrame) -> list[tuple[int, str, str]]:
        return [(g, x.hex(), y.hex()) for g, x, y in f.group_by("g").agg(
            ordered_sum("x"), money_sum("x").alias("y")).sort("g").iter_rows()]
    assert grouped(a) == grouped(b)
    assert fsum(a["x"]).hex() == fsum(b["x"]).hex()
    # fsum is exact: the true sum, rounded once; money_sum, of the amounts to 1e-18
    exact = float(sum(Fraction(x) for _, x in rows))
    assert fsum(a["x"]) == exact
    together = a.select(money_sum("x")).item()
    assert abs(together - exact) <= len(rows) * 1e-18 + 1e-15 * abs(exact)


def test_fsum_skips_nulls_and_reads_zero_when_empty() -> None:
    assert fsum(pl.Series([1.5, None, 2.25])) == 3.75
    assert fsum(pl.Series([], dtype=pl.Float64)) == 0.0


@pytest.fixture(scope="module")
def data() -> Iterator[ReportData]:
    with Store(None) as store:
        store.load([str(FIXTURE)], LoadOptions())
        yield build_report(store.con, keep_requests=True)


def _tables(d: ReportData) -> list[tuple[Any, ...]]:
    """Every table row, figures as float.hex, in a fixed order (a shuffled frame may give
    the per-plan and per-month rows in another order)."""
    out = []
    for t in [*report_tables(d), headline(d)]:
        if t.name == "lorenz":
            continue  # points of a curve, in order
        out += sorted((t.name, *[repr(_bits(v)) for v in row]) for row in t.rows)
    return out


def test_tables_and_bases_ignore_the_order_of_user_months(data: ReportData) -> None:
    shuffled = replace(data, user_months=data.user_months.sample(
        fraction=1.0, shuffle=True, seed=7))
    assert _tables(shuffled) == _tables(data)

    def bases(d: ReportData) -> list[tuple[Any, ...]]:
        return sorted((b.plan, *[_bits(getattr(b, k)) for k in (
            "revenue_usd", "fixed_revenue_usd", "gpu_cost_usd", "loaded_cost_usd",
            "api_value_usd", "tokens")]) for b in plan_bases(d))
    assert bases(shuffled) == bases(data)


def test_projection_sums_ignore_the_order_of_requests(data: ReportData) -> None:
    r = data.replay
    assert r is not None
    perm = pl.int_range(0, len(r.requests), eager=True).sample(fraction=1.0, shuffle=True,
                                                               seed=11)
    moved = replace(data, replay=replace(r, requests=r.requests[perm], keep=r.keep[perm]))
    assert moved.replay is not None

    def sums(d: ReportData) -> list[tuple[Any, ...]]:
        q = d.replay
        assert q is not None
        f = _sums(d, amounts(d), q.requests["served"],
                  q.requests["overage_usd"] + q.requests["usage_usd"])
        return [tuple(_bits(v) for v in row) for row in f.sort("plan_order").iter_rows()]
    assert sums(moved) == sums(data)

    def months(d: ReportData) -> list[tuple[Any, ...]]:  # zero growth: no re-capping
        return [tuple(_bits(v) for v in vars(m).values())
                for m in project(d, plan_bases(d), 2)]
    assert months(moved) == months(data)


# every figure of the projection (re-capped, with growth), the economics base, the tornado's
# re-pricing, the report's tables and whatif (best_fit, upgrade_share 0.5, elasticity), as
# float.hex, for one run with a given number of polars threads (fixed when polars starts)
SCRIPT = """
import sys
from planalyzer.costs import load_cost_catalog, load_price_catalog
from planalyzer.economics import Repricer, plan_bases, project, served_requests, tornado
from planalyzer.report import build_report
from planalyzer.report_tables import report_tables
from planalyzer.store import LoadOptions, Store
from planalyzer.whatif import metrics, parse_scenario, prepare

def h(v):
    return v.hex() if isinstance(v, float) else repr(v)

with Store(None) as store:
    store.load([sys.argv[1]], LoadOptions())
    data = build_report(store.con, keep_requests=True)
    bases = plan_bases(data)
    for b in bases:
        print(b.plan, h(b.revenue_usd), h(b.gpu_cost_usd), h(b.api_value_usd))
    for m in project(data, bases, 3, 0.1, 0.03):
        print(m.plan, m.month_ahead, *[h(v) for v in vars(m).values()])
    for t in report_tables(data):
        for row in t.rows:
            print(t.name, *[h(v) for v in row])
    rep = Repricer(served_requests(data), load_cost_catalog(), load_price_catalog())
    for r in tornado(bases, rep):
        print(r.plan, h(r.low_margin_usd), h(r.high_margin_usd))
    rep.close()
    ev, _ = prepare(store.con, assign=["*=claude_pro"])
    ladder = ["claude_pro", "claude_max_5x", "claude_max_20x"]
    for sc in ({"behaviour": {"best_fit": True}},
               {"behaviour": {"upgrade_share": 0.5, "ladder": ladder}},
               {"behaviour": {"elasticity": -0.3}, "plans": {"claude_pro": {"price_usd": 30}}}):
        for k, v in sorted(metrics(ev.run(parse_scenario(sc, "s.toml"))).items()):
            print(k, h(v))
"""


def _run(threads: int) -> str:
    env = {**os.environ, "POLARS_MAX_THREADS": str(threads), "TZ": "UTC"}
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(FIXTURE)], capture_output=True,
                         text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_same_bits_with_any_number_of_polars_threads() -> None:
    one = _run(1)
    assert len(one.splitlines()) > 300
    assert _run(4) == one
