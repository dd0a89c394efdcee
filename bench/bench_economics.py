"""Benchmark: what the economics tables add to a report, step by step.

    python bench/bench_economics.py [SOURCES...]     (default: sample_logs/parquet)

Loads SOURCES, builds the report once keeping the per-request frame, then times: the tornado
(13 exact re-pricings of the served requests: base + 2 ends x 6 assumptions), one re-pricing
alone, break-even, a 6-month projection at zero growth (no re-capping) and at 10% a month
(6 re-cappings), and one re-capping alone; the report's own build, and a plain DuckDB query
pricing the same served requests at constant per-class prices, for comparison.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planalyzer.costs import load_cost_catalog, load_price_catalog  # noqa: E402
from planalyzer.economics import (  # noqa: E402
    Repricer,
    break_even,
    plan_bases,
    project,
    recap,
    served_requests,
    tornado,
)
from planalyzer.report import build_report  # noqa: E402
from planalyzer.store import LoadOptions, Store  # noqa: E402

PLAIN = """
SELECT plan_order, sum(input_tokens * 3e-6 + cache_write_tokens * 3.75e-6
    + cache_read_tokens * 3e-7 + output_tokens * 1.5e-5) AS cost
FROM events GROUP BY plan_order
"""


def clock(label: str, fn: object) -> object:
    t = time.perf_counter()
    out = fn()  # type: ignore[operator]
    print(f"{label:<48} {time.perf_counter() - t:8.2f} s")
    return out


def main() -> None:
    sources = sys.argv[1:] or [str(ROOT / "sample_logs" / "parquet")]
    with Store() as store:
        clock("load", lambda: store.load(sources, LoadOptions()))
        clock("report (no fit), plain", lambda: build_report(store.con, plan_fit=False))
        data = clock("report (no fit), keep_requests=True",
                     lambda: build_report(store.con, plan_fit=False, keep_requests=True))
    bases = plan_bases(data)  # type: ignore[arg-type]
    served = served_requests(data)  # type: ignore[arg-type]
    print(f"served requests: {len(served):,}")
    rep = Repricer(served, load_cost_catalog(), load_price_catalog())
    clock("plain DuckDB: constant prices, sum by plan", lambda: rep.con.execute(PLAIN).fetchall())
    clock("one re-pricing of the served requests", rep.cost_by_plan)
    clock("tornado (13 re-pricings)", lambda: tornado(bases, rep))
    rep.close()
    clock("break-even", lambda: break_even(bases, 1e5, 12))
    clock("one re-capping (usage x1.1)", lambda: recap(data, 1.1))  # type: ignore[arg-type]
    clock("projection 6 months, no growth", lambda: project(data, bases, 6))  # type: ignore
    clock("projection 6 months, 10%/month growth",
          lambda: project(data, bases, 6, 0.10, 0.03))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
