"""sql/overlapping_buckets.sql finds the same overlapping bucket pairs as comparing every bucket
with every other (a Python reference here), while joining on a key (no quadratic join).
Anthropic's analytics/usage ids ('anthropic-analytics:') are another layout of the 'anthropic'
vendor: a bucket of each layout covering the same time always overlaps. OpenAI's dashboard
CSV ids ('openai-csv:', '#<n>' ending a file's n-th row of one bucket and grouping) are another
layout of the 'openai' vendor with the same dimensions: compared by them (an email user with
any user id)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planalyzer import sqlfiles
from planalyzer.store import Store

T0 = 1790812800  # a UTC midnight

_bucket = st.tuples(
    st.sampled_from(["openai", "openai-csv", "anthropic", "anthropic-analytics"]),
    st.integers(-3, 50).map(lambda h: T0 + h * 1800),  # starts on half hours
    st.sampled_from([0, 60, 1800, 3600, 86400]),
    st.sampled_from(["u1", "u2", "", "a@b.c"]),  # the user dimension ('' : not grouped by it)
    st.sampled_from(["m", "n", "", "a:b"]),  # a model with ':' has more parts
    st.sampled_from(["f1.json", "f2.json", "f3.json", "f4.csv"]),
    st.sampled_from(["", "#2"]),  # a CSV row repeating a bucket and grouping in its file
)

Bucket = tuple[str, int, int, tuple[str, ...]]


def _event_id(layout: str, start: int, width: int, user: str, model: str, n: str) -> str:
    # Anthropic's ids name the start as an ISO time (':' in it), OpenAI's in epoch seconds
    at = (datetime.fromtimestamp(start, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
          if layout.startswith("anthropic") else str(start))
    return f"{layout}:{at}/{width}:{user}:{model}" + (n if layout == "openai-csv" else "")


def _compatible(vendor: str, dx: tuple[str, ...], dy: tuple[str, ...]) -> bool:
    return len(dx) != len(dy) or all(
        a == b or "" in (a, b) or (i == 0 and vendor == "openai" and ("@" in a) != ("@" in b))
        for i, (a, b) in enumerate(zip(dx, dy, strict=True)))


def _first_side(x: Bucket, y: Bucket) -> bool:
    """Is x side a of the pair: of two layouts the first, else the wider (or earlier)?"""
    if x[0] != y[0]:
        return x[0] < y[0]
    return (x[2], -x[1]) > (y[2], -y[1])


def _reference(rows: list[tuple[str, int, int, str, str, str, str]]
               ) -> list[tuple[object, ...]]:
    buckets: dict[Bucket, set[str]] = defaultdict(set)
    for layout, start, width, user, model, source, _n in rows:
        buckets[(layout, start, width, tuple(f"{user}:{model}".split(":")))].add(source)
    found: dict[tuple[str, int, int, tuple[str, ...]],
                list[tuple[int, set[str], set[str]]]] = defaultdict(list)
    keys = list(buckets)
    for i, x in enumerate(keys):
        for y in keys[i + 1:]:
            vendor = x[0].split("-")[0]
            if vendor != y[0].split("-")[0]:
                continue
            mixed = x[0] != y[0]
            if not mixed and (x[1], x[2]) == (y[1], y[2]):
                continue
            if not (x[1] < y[1] + y[2] and y[1] < x[1] + x[2]):
                continue
            if not (mixed and vendor == "anthropic") and not _compatible(vendor, x[3], y[3]):
                continue
            a, b = (x, y) if _first_side(x, y) else (y, x)
            found[(vendor, max(x[2], y[2]), min(x[2], y[2]),
                   tuple(sorted({x[0], y[0]})))].append(
                (max(x[1], y[1]), buckets[a], buckets[b]))
    return [(v, w, n, len(p),
             datetime.fromtimestamp(min(s for s, _, _ in p), UTC).strftime("%Y-%m-%d %H:%M"),
             sorted(set().union(*(sa for _, sa, _ in p)))[:3],
             sorted(set().union(*(sb for _, _, sb in p)))[:3], list(layouts))
            for (v, w, n, layouts), p in sorted(found.items())]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_bucket, max_size=25))
def test_overlapping_buckets_match_every_pair_compared(
        rows: list[tuple[str, int, int, str, str, str, str]]) -> None:
    with Store() as store:
        for i, (layout, start, width, user, model, source, n) in enumerate(rows):
            store.con.execute(
                "INSERT INTO events (event_id, ts, user_id, model, input_tokens, "
                "cache_write_tokens, cache_write_1h_tokens, cache_read_tokens, output_tokens, "
                "requests, source, source_row) VALUES (?, to_timestamp(?), 'u', 'm', 1, 0, 0, "
                "0, 0, 1, ?, ?)",
                [_event_id(layout, start, width, user, model, n), start, source, i + 1])
        got = [tuple(r) for r in sqlfiles.run(store.con, "overlapping_buckets").fetchall()]
    assert got == _reference(rows)


def test_overlap_check_is_no_quadratic_join() -> None:
    # the plan joins buckets on an equality key (vendor, width, start key), never on the
    # vendor alone with the time tests as a filter over every pair
    with Store() as store:
        plan = "\n".join(str(r[1]) for r in store.con.execute(
            "EXPLAIN " + sqlfiles.load("overlapping_buckets").render({})).fetchall())
    joins = [line for line in plan.splitlines() if "vendor = vendor" in line]
    assert joins and any("k = k" in line for line in joins), plan
