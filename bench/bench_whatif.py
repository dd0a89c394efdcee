"""Benchmark: 1,000 what-if scenarios on one pass over events; the optimizer; the ratio against
replaying the events for one scenario.

    python bench/bench_whatif.py [EVENTS] [USERS] [SCENARIOS]
        (defaults: 10,000,000 events, 100,000 users, 1,000 scenarios)

Events (3 months, 2026-09..11) come from a DuckDB range() generator into
bench/data/whatif_<EVENTS>_<USERS>.duckdb (git-ignored; reused when present): sessions of 1-60
requests a minute apart; every user has a session in each month, the other sessions go to users
drawn with a skew (a few heavy users, many light); plans by user
(claude_pro, claude_max_5x, claude_max_20x, cursor_pro). Then, in one run:

 (r) runs first, so the two do not hold memory at once;
 (p) the one pass: pricing view, plan assignment, sorted read, meters, windows, segment
     profiles (``planalyzer.whatif.prepare``; includes the baseline);
 (r) replaying the events for one scenario: the sorted read of priced events, meter units, and
     ``caps.apply_plan`` for every plan (the report's path, without its tables);
 (s) SCENARIOS scenarios from a grid (Max 20x weekly cap x Max 20x price x Pro session cap,
     10 x 10 x 10) evaluated on the aggregates, metrics for each;
 (w) the worst case: SCENARIOS scenarios, each a distinct Max 20x weekly cap, so no
     mechanical result is reused;
 (o) the optimizer: the same 1,000-point grid under three constraints (coordinate search), and
     exhaustively.
"""

from __future__ import annotations

import gc
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from planalyzer.analysis import meter_units  # noqa: E402
from planalyzer.caps import Requests, apply_plan  # noqa: E402
from planalyzer.plans import load_plan_catalog  # noqa: E402
from planalyzer.pricing_step import price  # noqa: E402
from planalyzer.report import assignment_for  # noqa: E402
from planalyzer.store import Store  # noqa: E402
from planalyzer.whatif import metrics, prepare  # noqa: E402
from planalyzer.whatif.history import _bounds, catalog_windows, read_requests  # noqa: E402
from planalyzer.whatif.optimize import optimize, parse_constraint  # noqa: E402
from planalyzer.whatif.sweep import grid_points, parse_axis, point_scenarios  # noqa: E402

GENERATE = """
INSERT INTO events
WITH s AS (
    -- the first users x 3 sessions give every user one session in each month (30 days each);
    -- the rest go to users drawn with a skew (a few heavy users, many light)
    SELECT i AS sid,
        CASE WHEN i < 3 * $users THEN i % $users
             ELSE CAST(floor($users * pow((hash(i, 1) % 1000003) / 1000003.0, 2.5)) AS BIGINT)
        END AS u,
        CASE WHEN i < 3 * $users THEN (i // $users) * 2592000 + CAST(hash(i, 2) % 2592000 AS BIGINT)
             ELSE CAST(hash(i, 2) % 7776000 AS BIGINT) END AS start_s,
        1 + CAST(hash(i, 3) % 60 AS BIGINT) AS len
    FROM range($sessions) t(i)
)
SELECT NULL,
    TIMESTAMPTZ '2026-09-01 00:00:00+00' + to_seconds(s.start_s + 60 * r.k),
    'u' || lpad(CAST(s.u AS VARCHAR), 6, '0'),
    CASE s.u % 4 WHEN 0 THEN 'claude_pro' WHEN 1 THEN 'claude_max_5x'
        WHEN 2 THEN 'claude_max_20x' ELSE 'cursor_pro' END,
    CASE hash(s.sid, r.k, 4) % 3 WHEN 0 THEN 'claude-opus-4-5' WHEN 1 THEN 'claude-sonnet-4-5'
        ELSE 'claude-haiku-4-5' END,
    CAST(hash(s.sid, r.k, 5) % 2000 AS BIGINT), CAST(hash(s.sid, r.k, 6) % 8000 AS BIGINT), 0,
    CAST(hash(s.sid, r.k, 7) % 120000 AS BIGINT), CAST(hash(s.sid, r.k, 8) % 1500 AS BIGINT),
    1, NULL, 'bench', s.sid * 100 + r.k
FROM s, LATERAL (SELECT unnest(range(s.len)) AS k) r
"""


def timed(label: str, fn: object) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()  # type: ignore[operator]
    s = time.perf_counter() - t
    print(f"{label:<60} {s:8.2f} s", flush=True)
    return s, out


def replay_one(con: object, catalog: object, assignment: object) -> float:
    """Every plan's events through caps.apply_plan (what evaluating one scenario without the
    aggregates costs); returns blocked API value."""
    windows = catalog_windows([catalog])  # type: ignore[list-item]
    df = read_requests(con, windows, "UTC")  # type: ignore[arg-type]
    plan_of = pl.Series(df["user_id"]).replace_strict(
        assignment.plan_of, default="(no plan)")  # type: ignore[attr-defined]
    df = df.with_columns(plan_of.alias("plan"))
    blocked = 0.0
    for key, plan in catalog.plans.items():  # type: ignore[attr-defined]
        part = df.filter(pl.col("plan") == key)
        if not len(part):
            continue
        req = Requests(_bounds(part["user_id"]), part["t_us"], part["month_key"],
                       {w: part[f"cal_{i}"] for i, w in enumerate(windows)
                        if w.kind != "rolling"})
        units = {m: meter_units(part, catalog.meters[m])  # type: ignore[attr-defined]
                 for m in plan.meters_used()}
        out = apply_plan(plan, req, units)
        blocked += float(part["api_value_usd"].filter(~out.served).sum())
    return blocked


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    users = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    data = ROOT / "bench" / "data"
    data.mkdir(parents=True, exist_ok=True)
    store = Store(data / f"whatif_{n}_{users}.duckdb")
    con = store.con
    have = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
    if have == 0:
        timed(f"generate ~{n:,} events, {users:,} users", lambda: con.execute(
            GENERATE, {"sessions": n // 30, "users": users}).fetchall())
        con.execute("CHECKPOINT")
    stats = con.execute("SELECT count(*), count(DISTINCT user_id) FROM events").fetchall()[0]
    print(f"events {stats[0]:,}, users {stats[1]:,}")

    side = round(count ** (1 / 3))
    axes = [parse_axis(f"plans.claude_max_20x.limits.weekly.cap=20e6:{20e6 + 8e6 * (side - 1)}"
                       ":8e6"),
            parse_axis(f"plans.claude_max_20x.price_usd=150:{150 + 10 * (side - 1)}:10"),
            parse_axis(f"plans.claude_pro.limits.session_5h.cap=2e5:{2e5 + 1e5 * (side - 1)}"
                       ":1e5")]
    points = grid_points(axes)
    scen = point_scenarios(None, points)
    cat = load_plan_catalog()
    asg = assignment_for(con, cat)
    price(con)
    t_replay, _ = timed("(r) replay events for one scenario (read + caps.apply_plan)",
                        lambda: replay_one(con, cat, asg))
    gc.collect()
    _, ev_notes = timed("(p) one pass over events (price, read, windows, profiles)",
                             lambda: prepare(con))
    ev = ev_notes[0]  # type: ignore[index]
    h = ev.h
    print(f"    users {h.n_users:,}, user-months {len(h.user_months):,}, segments "
          f"{len(h.seg):,}, breakpoints {len(h.bp['gpu']):,}")

    def many() -> list[dict[str, float]]:
        return [metrics(ev.run(s)) for s in scen]

    evals0 = ev.evaluations
    t_s, _ = timed(f"(s) {len(scen):,} scenarios on the aggregates (grid)", many)
    print(f"    mechanical evaluations: {ev.evaluations - evals0}; per scenario "
          f"{1000 * t_s / len(scen):.2f} ms; replay / per-scenario = "
          f"{t_replay / (t_s / len(scen)):,.0f}x")
    worst = point_scenarios(None, grid_points([parse_axis(
        f"plans.claude_max_20x.limits.weekly.cap=10e6:{10e6 + 1e5 * (count - 1)}:1e5")]))
    evals0 = ev.evaluations
    t_w, _ = timed(f"(w) {len(worst):,} scenarios, each a new cap (worst case)",
                   lambda: [metrics(ev.run(s)) for s in worst])
    print(f"    mechanical evaluations: {ev.evaluations - evals0}; per scenario "
          f"{1000 * t_w / len(worst):.2f} ms; replay / per-scenario = "
          f"{t_replay / (t_w / len(worst)):,.0f}x")
    cons = [parse_constraint("hit_share:claude_max_20x.weekly <= 0.05"),
            parse_constraint("revenue_usd >= baseline"),
            parse_constraint("median_margin_usd:* >= 0")]
    ev._cache.clear()  # the optimizer starts with no mechanical result cached
    ev._parts.clear()
    ev2 = ev
    _, res = timed("(o) optimize, coordinate search, empty caches",
                     lambda: optimize(ev2, None, axes, "margin_usd", cons, search="coordinate"))
    print(f"    {res.notes[0]}; best {res.best[0].values} "  # type: ignore[attr-defined]
          f"margin {res.best[0].objective:,.0f}")  # type: ignore[attr-defined]
    _, res2 = timed("(o') optimize, exhaustive (same evaluator)",
                       lambda: optimize(ev2, None, axes, "margin_usd", cons,
                                        search="exhaustive"))
    print(f"    same best: {res2.best[0].values == res.best[0].values}")  # type: ignore[attr-defined]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:,.0f} MB; targets: (s) < 10 s, (o) < 60 s")
    store.close()


if __name__ == "__main__":
    main()
