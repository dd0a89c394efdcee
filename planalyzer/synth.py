"""Synthetic usage population: seeded, deterministic users and their requests, as parquet.

``generate`` writes, under ``out``::

    out/users.parquet                               one row per user: profile, plan, time zone...
    out/events/month=YYYY-MM/part-00000.parquet     the requests, canonical events columns

Events are always partitioned hive-style by UTC month (a month of a small population is one
small file); within a month, users are split into blocks of about ``rows_per_file`` expected
requests, one file each, so files stay a few hundred MB whatever the population. Rows are
ordered by user, then time. Load ``out/events`` as a source; ``users.parquet`` is a sidecar
(it is not events) that ``describe`` uses for time zones and profiles.

How the population is built (calibrated to facts.md section 5, see ``describe``):

- Each user has an intensity z ~ N(0, 1). Three profiles: coding agents (55%), chat (44%) and
  automated 24/7 accounts (1%, a request every 60-150 s around the clock, z folded to the top).
- A coding agent's median monthly API-equivalent spend is lognormal, median $450 and sigma 1.3
  (plus a month-to-month swing of sigma 0.3): the top 10% carry about half of all spend. Chat
  users send a lognormal number of requests a month (median 150).
- Active days: the chance of being active on a day is logistic in z and lower at weekends (so
  about 24% of an agent's active days are weekend days); a day's volume swings lognormally
  (sigma 1.0) under a soft ceiling of $2,000 a day.
- A day splits into working sessions inside the user's local 14-hour window (time zones from
  UTC-8 to UTC+9); agents fire bursts of 1-12 requests seconds apart (subagent fan-out).
- Coding-agent tokens: each request re-reads its context from the prompt cache; the context
  starts at 12-24k tokens, grows 1-5k tokens a request (written to the cache) and is compacted
  back at 100-190k. That gives cache reads ~95% of tokens, writes ~4%, fresh input ~1%,
  output ~0.2%. Chat conversations cache about half their history and output far more.
- Models: agents use Sonnet 4.5 or Opus 4.5 per session (heavier users more Opus) with 12% of
  requests on Haiku 4.5; chat spreads over gpt-5, gpt-5-mini and the Claude models.
- Plans: free, claude_pro ($20), claude_max_5x ($100), claude_max_20x ($200) (the default
  plan catalog's names), by an ordered probit on z with noise:
  heavier users are more likely on dearer plans; coding agents are never on free.

Every random number is a hash of (seed, user, day, session, request), so the same seed gives
byte-identical files for the same DuckDB version, however the work is chunked or threaded.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from planalyzer import duck, sqlfiles
from planalyzer.errors import PlanalyzerError
from planalyzer.synth_prices import load_prices, request_cost_usd
from planalyzer.tables import Col, Table

PLANS: dict[str, float] = {
    "free": 0.0, "claude_pro": 20.0, "claude_max_5x": 100.0, "claude_max_20x": 200.0,
}
"""The synthetic plan catalog: name -> monthly price, USD."""

MAX_USERS = 2**24 - 1  # the event_id packs the user number into 24 bits
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class SynthParams:
    """Knobs of the population; the defaults are the calibrated ones (see module docstring)."""

    agent_share: float = 0.55
    automated_share: float = 0.01
    agent_median_monthly_usd: float = 450.0
    sigma_user: float = 1.3
    sigma_month: float = 0.3
    chat_median_monthly_requests: float = 150.0
    chat_sigma_user: float = 1.2
    agent_active_a: float = -0.3
    agent_active_b: float = 0.45
    chat_active_a: float = -1.0
    chat_active_b: float = 0.5
    agent_weekend_factor: float = 0.78
    chat_weekend_factor: float = 0.9
    agent_haiku_share: float = 0.12
    agent_day_cap_usd: float = 2000.0
    day_sigma: float = 1.0
    ctx_base: tuple[float, float] = (12_000.0, 24_000.0)
    ctx_limit: tuple[float, float] = (100_000.0, 190_000.0)
    growth: tuple[float, float] = (1_000.0, 5_000.0)
    input_mean: float = 850.0
    output_mean: float = 170.0

    def validate(self) -> None:
        shares = (self.agent_share, self.automated_share)
        if any(not 0.0 <= s <= 1.0 for s in shares) or sum(shares) > 1.0:
            raise PlanalyzerError("synthetic params: agent_share and automated_share must be in "
                                  "0..1 and sum to at most 1")
        for name, (lo, hi) in (("ctx_base", self.ctx_base), ("ctx_limit", self.ctx_limit),
                               ("growth", self.growth)):
            if not 0 < lo <= hi:
                raise PlanalyzerError(f"synthetic params: {name} must be 0 < low <= high")
        if self.ctx_base[1] >= self.ctx_limit[0]:
            raise PlanalyzerError("synthetic params: ctx_base must stay below ctx_limit")
        if self.ctx_limit[1] + 10_000 > 200_000:
            # above 200k prompt tokens Sonnet bills the whole request at long-context rates
            raise PlanalyzerError("synthetic params: ctx_limit must stay under 190,000 tokens")


@dataclass(frozen=True)
class GenerateSummary:
    """What ``generate`` wrote."""

    out: Path
    users_path: Path
    events_dir: Path
    files: list[Path]
    users: int
    months: list[str]
    seed: int
    events: int
    bytes: int
    seconds: float
    users_by_profile: dict[str, int] = field(default_factory=dict)
    users_by_plan: dict[str, int] = field(default_factory=dict)
    target_events: int | None = None  # the population was sized for this many requests

    def as_table(self) -> Table:
        """The summary as a one-row table of typed values (plain numbers in JSON and CSV; the
        wall time is not in it: the CLI puts it in JSON's meta and under the table)."""
        cols = [Col("output"), Col("events_dir", "str", "events (load this)"),
                Col("users_path", "str", "users sidecar"), Col("seed", "number"),
                Col("first_month", "str", "first month"), Col("last_month", "str", "last month"),
                Col("months", "int"), Col("users", "int"),
                Col("users_by_profile", "str", "users by profile"),
                Col("users_by_plan", "str", "users by plan"), Col("events", "int"),
                Col("target_events", "int", "target events"), Col("files", "int"),
                Col("bytes", "int")]
        row = (str(self.out), str(self.events_dir), str(self.users_path), self.seed,
               self.months[0], self.months[-1], len(self.months), self.users,
               ", ".join(f"{k} {v:,}" for k, v in self.users_by_profile.items()),
               ", ".join(f"{k} {v:,}" for k, v in self.users_by_plan.items()), self.events,
               self.target_events, len(self.files), self.bytes)
        notes = [] if self.target_events is None else [self._target_note()]
        return Table("generate_summary", "Synthetic population written", cols, [row], notes,
                     record=True)

    def _target_note(self) -> str:
        assert self.target_events is not None
        off = (self.events - self.target_events) / self.target_events
        return (f"events {self.events:,} (target {self.target_events:,}: {off:+.1%}; the "
                "population grows a whole user at a time)")


def parse_month(text: str) -> tuple[int, int]:
    """``"2026-10"`` -> (2026, 10); a PlanalyzerError names the value otherwise."""
    m = _MONTH_RE.match(text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise PlanalyzerError(f"start month {text!r} is not YYYY-MM (for example 2026-10)")
    year, month = int(m.group(1)), int(m.group(2))
    if not 2020 <= year <= 2060:
        raise PlanalyzerError(f"start month {text!r}: the year must be within 2020..2060")
    return year, month


def month_list(start: str, months: int) -> list[tuple[int, int]]:
    """The ``months`` calendar months from ``start`` as (year, month)."""
    year, month = parse_month(start)
    out = []
    for k in range(months):
        idx = year * 12 + (month - 1) + k
        out.append((idx // 12, idx % 12 + 1))
    return out


def _day_num(d: date) -> int:
    return (d - _EPOCH).days


def _month_bounds(year: int, month: int) -> tuple[int, int, int, int]:
    """(first_day, last_day, start_us, end_us) of a month: local day numbers and UTC micros."""
    first = date(year, month, 1)
    nxt = date(year + month // 12, month % 12 + 1, 1)
    start_us = int(datetime(year, month, 1, tzinfo=UTC).timestamp()) * 1_000_000
    end_us = int(datetime(nxt.year, nxt.month, 1, tzinfo=UTC).timestamp()) * 1_000_000
    return _day_num(first), _day_num(nxt) - 1, start_us, end_us


def agent_request_costs(params: SynthParams) -> dict[str, float]:
    """Expected API-equivalent cost of one coding-agent request per Claude model, USD.

    Averages the context sawtooth (base, limit, growth drawn uniformly per session) on a grid;
    the generator divides a user's dollar intensity by this to get requests.
    """
    steps = 8
    reads = writes = 0.0
    n = 0
    for a in range(steps):
        base = params.ctx_base[0] + (params.ctx_base[1] - params.ctx_base[0]) * (a + 0.5) / steps
        for b in range(steps):
            limit = (params.ctx_limit[0]
                     + (params.ctx_limit[1] - params.ctx_limit[0]) * (b + 0.5) / steps)
            for c in range(steps):
                g = params.growth[0] + (params.growth[1] - params.growth[0]) * (c + 0.5) / steps
                cyc = max(1, math.floor((limit - base) / g))
                reads += ((cyc - 1) * base + g * (cyc - 1) * cyc / 2) / cyc
                writes += (base + (cyc - 1) * g) / cyc
                n += 1
    prices = load_prices().models
    return {
        model: request_cost_usd(
            prices[model],
            input_tokens=params.input_mean + 1,
            cache_write_tokens=writes / n,
            cache_read_tokens=reads / n,
            output_tokens=params.output_mean + 1,
        )
        for model in ("claude-opus-4-5", "claude-sonnet-4-5", "claude-haiku-4-5")
    }


def _users_params(params: SynthParams, seed: int, first_user: int, n_users: int) -> dict[str, Any]:
    costs = agent_request_costs(params)
    return {
        "seed": seed,
        "first_user": first_user,
        "n_users": n_users,
        "agent_share": params.agent_share,
        "automated_share": params.automated_share,
        "agent_median_usd": params.agent_median_monthly_usd,
        "sigma_user": params.sigma_user,
        "chat_median_requests": params.chat_median_monthly_requests,
        "chat_sigma_user": params.chat_sigma_user,
        "agent_active_a": params.agent_active_a,
        "agent_active_b": params.agent_active_b,
        "chat_active_a": params.chat_active_a,
        "chat_active_b": params.chat_active_b,
        "agent_weekend_factor": params.agent_weekend_factor,
        "chat_weekend_factor": params.chat_weekend_factor,
        "cost_opus": costs["claude-opus-4-5"],
        "cost_sonnet": costs["claude-sonnet-4-5"],
        "cost_haiku": costs["claude-haiku-4-5"],
        "agent_haiku_share": params.agent_haiku_share,
        "agent_day_cap_usd": params.agent_day_cap_usd,
        "day_sigma": params.day_sigma,
    }


def _events_params(params: SynthParams, seed: int, year: int, month: int) -> dict[str, Any]:
    first_day, last_day, start_us, end_us = _month_bounds(year, month)
    return {
        "seed": seed,
        "first_day": first_day,
        "last_day": last_day,
        "month_start_us": start_us,
        "month_end_us": end_us,
        "sigma_month": params.sigma_month,
        "ctx_base_lo": params.ctx_base[0],
        "ctx_base_hi": params.ctx_base[1],
        "ctx_limit_lo": params.ctx_limit[0],
        "ctx_limit_hi": params.ctx_limit[1],
        "growth_lo": params.growth[0],
        "growth_hi": params.growth[1],
        "input_mean": params.input_mean,
        "output_mean": params.output_mean,
    }


def _connect(threads: int = 1, memory_limit: str = "1GB") -> duckdb.DuckDBPyConnection:
    con = duck.connect(config={"threads": threads, "memory_limit": memory_limit})
    con.execute("SET enable_progress_bar = false")  # the library stays quiet; the CLI reports
    # make_timestamp(us)::TIMESTAMPTZ must read the micros as UTC, whatever the machine's zone
    con.execute("SET TimeZone = 'UTC'")
    return con


def _users_relation(
    con: duckdb.DuckDBPyConnection, params: SynthParams, seed: int, first: int, n: int
) -> duckdb.DuckDBPyRelation:
    return sqlfiles.relation(con, "synth_users", _users_params(params, seed, first, n))


# Realized requests run about 3.7% below the analytic expectation (the soft daily ceiling
# trims heavy days); measured per user on seeds 1 and 2 (1,500 users each: 0.963, 0.965) and
# the 100M benchmark (0.962). Used only to size populations for a target event count.
_REALIZED_OVER_EXPECTED = 0.963


def expected_events_per_user_month(params: SynthParams | None = None, seed: int = 0) -> float:
    """Average requests a user makes in a month, from a 100,000-user pilot of the traits."""
    params = params or SynthParams()
    con = _connect(threads=2)
    rel = _users_relation(con, params, seed, 0, 100_000)
    rows = rel.aggregate("automated, sum(median_monthly_requests) AS s, count(*) AS n",
                         "automated").fetchall()
    con.close()
    month_swing = math.exp(params.sigma_month**2 / 2)
    total = sum(float(s) * (1.0 if auto else month_swing) for auto, s, _ in rows)
    per_user = total / sum(int(n) for _, _, n in rows)
    return per_user * _REALIZED_OVER_EXPECTED


def users_for_events(
    target_events: int, months: int = 1, params: SynthParams | None = None, seed: int = 0
) -> int:
    """How many users give about ``target_events`` requests over ``months`` months.

    Generation is prefix-stable (the first n users of a seed are the same whatever the
    population), so users are added in order until the running sum of their expected requests
    (sql/synth_expected_requests.sql, less the ~3.7% the daily ceiling trims) reaches the
    target; the last user is kept only where that lands nearer the target. The count is near
    the target for any seed, within about one user's requests (a heavy user or a 24/7 account
    can make tens of thousands a month)."""
    if target_events < 1:
        raise PlanalyzerError(f"target events must be at least 1, got {target_events}")
    if months < 1:
        raise PlanalyzerError(f"months must be at least 1, got {months}")
    params = params or SynthParams()
    per_month = target_events / months / _REALIZED_OVER_EXPECTED
    swing = math.exp(params.sigma_month**2 / 2)
    con = _connect(threads=2)
    try:
        first, chunk, acc = 0, 1_000, 0.0
        while first < MAX_USERS:
            n = min(chunk, MAX_USERS - first)
            con.execute("DROP TABLE IF EXISTS all_users")
            _users_relation(con, params, seed, first, n).create("all_users")
            rel = sqlfiles.relation(con, "synth_expected_requests", {"swing": swing})
            for idx, expected in rel.fetchall():
                before, acc = acc, acc + float(expected)
                if acc >= per_month:
                    users = int(idx) + 1
                    if users > 1 and per_month - before < acc - per_month:
                        users -= 1  # without this user the sum lands nearer the target
                    return users
            first += n
            chunk = min(chunk * 4, 1_000_000)
    finally:
        con.close()
    raise PlanalyzerError(f"target events {target_events:,}: more than {MAX_USERS:,} users "
                          "would be needed; ask for fewer events or more months")


@dataclass(frozen=True)
class _Task:
    year: int
    month: int
    block: int
    first_user: int
    n_users: int
    path: Path


def _write_part(task: _Task, params: SynthParams, seed: int) -> int:
    con = _connect(threads=1)
    try:
        _users_relation(con, params, seed, task.first_user, task.n_users).create("synth_users")
        rel = sqlfiles.relation(
            con, "synth_events", _events_params(params, seed, task.year, task.month)
        )
        task.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = task.path.with_suffix(".parquet.tmp")
        rel.write_parquet(str(tmp))
        tmp.replace(task.path)
    finally:
        con.close()
    return int(pq.read_metadata(task.path).num_rows)


def _blocks(
    con: duckdb.DuckDBPyConnection, params: SynthParams, rows_per_file: int
) -> list[tuple[int, int]]:
    """Contiguous user ranges of about ``rows_per_file`` expected requests a month each."""
    rel = sqlfiles.relation(
        con, "synth_expected_requests", {"swing": math.exp(params.sigma_month**2 / 2)}
    )
    blocks: list[tuple[int, int]] = []
    start, acc = 0, 0.0
    idx = -1
    for idx, expected in rel.iter_rows(100_000):
        acc += float(expected)
        if acc >= rows_per_file:
            blocks.append((start, idx - start + 1))
            start, acc = idx + 1, 0.0
    if idx >= start:
        blocks.append((start, idx - start + 1))
    return blocks


def _prepare_out(out: Path, overwrite: bool) -> list[Path]:
    """Check ``out`` is a new or empty folder (or empty it, for --overwrite) and create it;
    the folders this created (``out`` and its missing parents, innermost first)."""
    events_dir, users_path = out / "events", out / "users.parquet"
    if out.exists() and not out.is_dir():
        raise PlanalyzerError(f"{out} exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise PlanalyzerError(
                f"{out} is not empty; choose an empty or new folder, or replace an earlier "
                "output of generate there with --overwrite"
            )
        leftovers = {p.name for p in out.iterdir()} - {"events", "users.parquet"}
        if leftovers:
            raise PlanalyzerError(
                f"{out} holds files generate did not write ({sorted(leftovers)[0]}); "
                "refusing to overwrite it"
            )
        shutil.rmtree(events_dir, ignore_errors=True)
        users_path.unlink(missing_ok=True)
    created = [p for p in (out, *out.parents) if not p.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
        return created
    except OSError as exc:  # a file on the way, a read-only disk, no permission
        raise PlanalyzerError(f"--out {out}: cannot create the folder ({exc.strerror or exc}); "
                              "choose a writable place") from None


@contextmanager
def _writing(out: Path, created: list[Path]) -> Iterator[None]:
    """Writes under ``out`` (checked empty, or emptied by --overwrite): one that fails (no
    permission, a full disk) is a PlanalyzerError naming the folder and why, and what this run
    wrote there (users.parquet, events/, a part file's .tmp, the folders it ``created``) is
    removed."""
    try:
        yield
    except (duckdb.IOException, OSError) as exc:
        shutil.rmtree(out / "events", ignore_errors=True)
        with suppress(OSError):
            (out / "users.parquet").unlink(missing_ok=True)
        for folder in created:  # innermost first; one holding anything else stays
            with suppress(OSError):
                folder.rmdir()
        raise PlanalyzerError(f"--out {out}: cannot write into the folder ({_why(exc)}); "
                              "choose a writable place with room for the output") from None


def _why(exc: BaseException) -> str:
    """The reason of a failed write: an OSError's strerror, or the end of DuckDB's message
    ('IO Error: Cannot open file "x/users.parquet": Permission denied')."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    code = re.search(r'"errno"\s*:\s*"?(\d+)', str(exc))  # a failed async write's JSON detail
    if code:
        return os.strerror(int(code.group(1)))
    tail = re.search(r'":\s*([^"]+?)\s*$', str(exc))
    return tail.group(1) if tail else " ".join(str(exc).split())


def generate(
    out: Path,
    *,
    users: int | None = None,
    months: int = 1,
    start: str = "2026-10",
    seed: int = 0,
    target_events: int | None = None,
    params: SynthParams | None = None,
    rows_per_file: int = 8_000_000,
    workers: int | None = None,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> GenerateSummary:
    """Write a synthetic population of ``users`` users over ``months`` months from ``start``.

    Give ``users``, or ``target_events`` to size the population for about that many requests
    (``users_for_events``). ``workers`` parallel DuckDB connections (default: CPU count) each
    write whole files, so memory stays bounded (about 1 GB per worker at most) whatever the
    size. ``progress(done_files, total_files)`` is called as files complete.
    """
    t0 = time.perf_counter()
    params = params or SynthParams()
    params.validate()
    if (users is None) == (target_events is None):
        raise PlanalyzerError("give either users or target_events")
    if not 1 <= months <= 600:
        raise PlanalyzerError(f"months must be within 1..600, got {months}")
    if seed < 0 or seed > 2**31 - 1:
        raise PlanalyzerError(f"seed must be within 0..2147483647, got {seed}")
    if rows_per_file < 1:
        raise PlanalyzerError("rows_per_file must be at least 1")
    cal = month_list(start, months)
    if cal[-1][0] > 2060:
        raise PlanalyzerError("the months must end by 2060")
    if target_events is not None:
        users = users_for_events(target_events, months, params, seed)
    assert users is not None
    if not 1 <= users <= MAX_USERS:
        raise PlanalyzerError(f"users must be within 1..{MAX_USERS:,}, got {users:,}")
    out = Path(out)
    created = _prepare_out(out, overwrite)

    con = _connect(threads=workers or os.cpu_count() or 1)
    try:
        _users_relation(con, params, seed, 0, users).create("all_users")
        users_path = out / "users.parquet"
        with _writing(out, created):
            sqlfiles.relation(con, "synth_users_sidecar").write_parquet(str(users_path))
        by_profile: dict[str, int] = {}
        by_plan: dict[str, int] = {}
        for dimension, value, n, _ in sqlfiles.relation(con, "synth_user_counts").fetchall():
            (by_profile if dimension == "profile" else by_plan)[str(value)] = int(n)
        blocks = _blocks(con, params, rows_per_file)
    finally:
        con.close()

    events_dir = out / "events"
    tasks = [
        _Task(y, m, b, first, n, events_dir / f"month={y:04d}-{m:02d}" / f"part-{b:05d}.parquet")
        for (y, m) in cal
        for b, (first, n) in enumerate(blocks)
    ]
    total = 0
    done = 0
    threads = workers or os.cpu_count() or 1
    with _writing(out, created), ThreadPoolExecutor(max_workers=threads) as pool:
        for rows in pool.map(lambda t: _write_part(t, params, seed), tasks):
            total += rows
            done += 1
            if progress is not None:
                progress(done, len(tasks))
    files = [t.path for t in tasks]
    return GenerateSummary(
        out=out,
        users_path=users_path,
        events_dir=events_dir,
        files=files,
        users=users,
        months=[f"{y:04d}-{m:02d}" for y, m in cal],
        seed=seed,
        events=total,
        bytes=sum(p.stat().st_size for p in files) + users_path.stat().st_size,
        seconds=time.perf_counter() - t0,
        users_by_profile=by_profile,
        users_by_plan=by_plan,
        target_events=target_events,
    )


def params_dict(params: SynthParams) -> dict[str, Any]:
    """The parameters as a plain dict (for JSON output or notes)."""
    return asdict(params)


from planalyzer.synth_describe import describe  # noqa: E402  (re-exported: synth.describe)

__all__ = [
    "PLANS",
    "GenerateSummary",
    "SynthParams",
    "describe",
    "expected_events_per_user_month",
    "generate",
    "month_list",
    "users_for_events",
]
