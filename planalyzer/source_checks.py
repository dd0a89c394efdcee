"""Checks that set what the logs themselves say against planalyzer's assumptions.

- ``aggregated_note``: events that stand for many requests (daily or hourly buckets from usage
  APIs) make window limits approximate: say so, with how many.
- ``logged_cost_table``: where a source logged its own cost (OpenRouter's cost_total, LiteLLM's
  spend, Helicone's cost ...), that cost beside the API-list value and GPU cost planalyzer
  computes, per model, flagging where logged and list value disagree.
- ``rate_limit_check_table``: Codex logs the provider's own reading of how much of the 5-hour
  and weekly limits was used. The usage planalyzer sees in the same window, divided by that
  share, is the cap the provider applied: set against the plan catalog's cap. Only readings of
  the plan's own limit count (``limit_id`` ``codex``, or none logged); a model's own bucket
  (GPT-5.3-Codex-Spark's) is named in a note.

All need ``priced_events`` (planalyzer.pricing_step.price) except ``aggregated_note``.
"""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl

from planalyzer import sqlfiles
from planalyzer.analysis import meter_units, unknown_units
from planalyzer.plans import Limit, Plan, PlanCatalog
from planalyzer.sources import registry
from planalyzer.sources.report_json import DEFAULT_BUCKET_PROMPT_TOKENS
from planalyzer.store_check import has_table
from planalyzer.tables import Col, Table

LOGGED_COST_TOLERANCE = 0.05  # flag a model whose logged cost and list value differ by more
MIN_READING_PERCENT = 5.0  # readings below this are too coarse (whole percents) to infer a cap
CODEX_PLAN_TYPES = {"plus": "chatgpt_plus", "pro": "chatgpt_pro"}
# a logged window matches a catalog window this close (a share of the catalog's length): Codex
# logs 299 and 10079 minutes for its 5-hour and weekly windows
WINDOW_TOLERANCE = 0.01


def aggregated_note(con: duckdb.DuckDBPyConnection) -> str | None:
    if not has_table(con, "load_manifest"):  # events made without Store.load: no file formats
        return None
    names = [m.name for m in registry.modules() if m.aggregated]
    uncounted = [m.name for m in registry.modules() if m.aggregated
                 and not m.logs_request_counts]
    events, buckets, requests, estimated = sqlfiles.run(
        con, "aggregated_events", {"sources": names, "uncounted": uncounted}).fetchall()[0]
    if not buckets:
        return None
    note = (f"{buckets:,} of {events:,} events are aggregated buckets of usage exports "
            f"({requests:,} requests): request timing (limits over 5-hour or weekly windows, "
            "usage blocked) and request size (context length, long-context prices) are "
            "approximate for them")
    if estimated:
        note += (f"; {estimated:,} of them come from exports that log no request count "
                 f"({', '.join(uncounted)}): their request counts are estimates, prompt "
                 "tokens / N rounded up, N the mean prompt per request assumed at load "
                 f"({loaded_with(con, uncounted)}), and their GPU cost depends on it "
                 "(attention grows with request size: fewer, larger requests cost more)")
    return note


def loaded_with(con: duckdb.DuckDBPyConnection, uncounted: list[str]) -> str:
    """The --bucket-prompt-tokens value(s) the estimated rows' files were loaded with, as
    the manifest records them."""
    try:
        values = [v for (v,) in sqlfiles.run(con, "estimated_bucket_prompt_tokens",
                                             {"uncounted": uncounted}).fetchall()]
    except duckdb.Error:  # a store an older planalyzer made: no read_options column
        values = [None]
    known = [f"{int(v):,}" for v in values if v is not None]
    text = ("N = " + " and ".join(known) + " (--bucket-prompt-tokens as loaded; default "
            f"{DEFAULT_BUCKET_PROMPT_TOKENS:,})") if known else \
        f"--bucket-prompt-tokens, default {DEFAULT_BUCKET_PROMPT_TOKENS:,}"
    if None in values:
        text += "; not recorded for files an older planalyzer loaded"
    return text


def logged_cost_table(con: duckdb.DuckDBPyConnection) -> Table | None:
    rows = sqlfiles.run(con, "logged_cost_check").fetchall()
    if not rows:
        return None
    out: list[tuple[Any, ...]] = []
    off: list[str] = []
    unpriced: list[str] = []
    for model, events, logged, value, gpu in rows:
        if value is None:  # no list price: the comparison is unknown, not a disagreement
            unpriced.append(str(model))
            diff, flag = None, None
        else:
            # to 6 decimals, as the report's other figures (docs/report.md)
            diff = round((float(logged) - float(value)) / float(value), 6) + 0.0 \
                if value else None
            flag = diff is None or abs(diff) > LOGGED_COST_TOLERANCE
            if flag:
                off.append(str(model))
        out.append((model, int(events), float(logged), None if value is None else float(value),
                    diff, float(gpu or 0.0), flag))
    notes = ["logged: the cost the source recorded (what the requests were billed); API list "
             "value: the same requests at the price catalog's list prices; GPU cost: the "
             "marginal cost planalyzer estimates; difference_share = (logged - list) / list"]
    byok = _byok_files(con)
    if byok:
        notes.append(f"logged cost of {byok:,} OpenRouter export(s) = cost_total + "
                     "byok_usage_inference per request: a request made with your own provider "
                     "key (BYOK) pays its inference to that provider (byok_usage_inference) and "
                     "OpenRouter only a fee (cost_total: 5% of the inference's OpenRouter "
                     "price, waived for the first 1M BYOK requests a month), so the logged cost "
                     "holds both (docs/sources.md)")
    if off:
        byok_why = ", the rates of the provider keys BYOK requests used" if byok else ""
        notes.append(f"logged cost and list value differ by more than "
                     f"{LOGGED_COST_TOLERANCE:.0%} for: {', '.join(off)} (discounts, "
                     f"provider routing{byok_why} or a stale price catalog: give --prices FILE)")
    if unpriced:
        notes.append(f"no API list price for: {', '.join(unpriced)} (list value and difference "
                     "empty: unknown; give --prices FILE)")
    return Table(
        "logged_cost_check", "Cost the sources logged against computed figures",
        [Col("model"), Col("events", "int"), Col("logged_cost_usd", "usd", "logged cost"),
         Col("api_value_usd", "usd", "API list value"),
         Col("difference_share", "share", "logged vs list"), Col("gpu_cost_usd", "usd", "GPU cost"),
         Col("disagrees", "bool")],
        out, notes)


def _byok_files(con: duckdb.DuckDBPyConnection) -> int:
    """How many loaded files' logged cost holds OpenRouter's BYOK inference (their mapping
    carries openrouter.BYOK_NOTE); 0 for events made without Store.load."""
    from planalyzer.sources.openrouter import BYOK_NOTE

    if not has_table(con, "load_manifest"):
        return 0
    return int(sqlfiles.run(con, "logged_cost_parts", {"note": BYOK_NOTE}).fetchall()[0][0])


def plan_of_type(plan_type: str | None, catalog: PlanCatalog) -> Plan | None:
    """The catalog plan of a Codex plan type (``plus`` -> chatgpt_plus; else the plan of that
    key or name, or ``chatgpt_<type>``); None if the catalog has none."""
    if not plan_type:
        return None
    key = CODEX_PLAN_TYPES.get(plan_type.lower())
    found = catalog.plans.get(key) if key else None
    return found or catalog.find(plan_type) or catalog.find(f"chatgpt_{plan_type}")


NO_LENGTH = ("not checked, {n:,} reading(s) of the plan's own limit that log no window length "
             "(only its position, primary or secondary, which does not say which window: a "
             "plan with a weekly limit only logs it as primary): no catalog limit can be "
             "matched to them")


def _minutes(lim: Limit) -> int:
    return round(lim.window.hours * 60)


def _limit_for(plan: Plan, window_minutes: int) -> Limit | None:
    """The plan's rolling limit whose length is nearest ``window_minutes``, within
    WINDOW_TOLERANCE of its own length."""
    near = [lim for lim in plan.limits if lim.window.kind == "rolling"
            and abs(_minutes(lim) - window_minutes) <= WINDOW_TOLERANCE * _minutes(lim)]
    return min(near, key=lambda lim: abs(_minutes(lim) - window_minutes), default=None)


def rate_limit_check_table(con: duckdb.DuckDBPyConnection, catalog: PlanCatalog,
                           untyped_plan: str | None = None) -> Table | None:
    """The cap each logged reading implies (window usage / used share) against the catalog.
    ``untyped_plan``: the plan (``me --plan``) to check readings that log no plan type (older
    Codex versions) against; without it they are named in a note."""
    lengths = sorted({_minutes(lim) for p in catalog.plans.values() for lim in p.limits
                      if lim.window.kind == "rolling"})
    readings = sqlfiles.relation(con, "rate_limit_readings",
                                 {"min_percent": MIN_READING_PERCENT, "lengths": lengths,
                                  "tolerance": WINDOW_TOLERANCE}).pl()
    if not len(readings):
        return None
    others = readings.filter(~pl.col("plan_limit"))
    readings = readings.filter(pl.col("plan_limit"))
    # a reading with no window length cannot be matched to a catalog limit (its position,
    # primary or secondary, does not say which window: a weekly-only plan logs it as primary)
    no_length = int(readings["window_minutes"].is_null().sum())
    readings = readings.filter(pl.col("window_minutes").is_not_null())
    unlabelled = int(readings["unlabelled"].sum())
    usage = sqlfiles.relation(con, "rate_limit_usage").pl()
    rows: list[tuple[Any, ...]] = []
    unmatched: set[str] = set()
    untyped: set[str] = set()
    unpriced: list[str] = []
    groups = readings.group_by("plan_type", "window_name", "window_minutes",
                               maintain_order=True)
    for (plan_type, window_name, minutes), part in groups:
        if not plan_type and untyped_plan is None:
            untyped.add(str(window_name))
            continue
        plan = (plan_of_type(str(plan_type), catalog) if plan_type else
                catalog.find(str(untyped_plan)))
        lim = _limit_for(plan, int(minutes)) if plan else None
        if plan is None or lim is None:
            unmatched.add(f"{plan_type or plan.key if plan else plan_type} {window_name}")
            continue
        implied, unknown = _implied_caps(part, usage, catalog.meters[lim.meter])
        if unknown:
            unpriced.append(f"{plan_type} {window_name}: {unknown:,} reading(s)")
        if not len(implied):
            continue
        median = float(implied.median())  # type: ignore[arg-type]
        rows.append((plan_type, plan.key, window_name, lim.name, catalog.meters[lim.meter].unit,
                     len(implied), median, float(implied.quantile(0.1)),  # type: ignore[arg-type]
                     float(implied.quantile(0.9)), lim.cap,  # type: ignore[arg-type]
                     median / lim.cap if lim.cap else None))
    if (not rows and not unmatched and not unpriced and not untyped and not len(others)
            and not no_length):
        return None
    notes = [f"implied cap = usage in the window / the share the provider logged as used, per "
             f"reading of at least {MIN_READING_PERCENT:g}% (p10-p90 across readings); a "
             "median far from the catalog's cap means the catalog's estimate is off, or the "
             "provider's meter weighs usage differently from the catalog's meter"]
    if unmatched:
        notes.append("no catalog limit to check for: " + ", ".join(sorted(unmatched)))
    if len(others):
        counts = others.group_by("limit_label", maintain_order=True).len()
        named = ", ".join(f"{label}: {n:,} reading(s)" for label, n in counts.iter_rows())
        notes.append(f"not checked, readings of a limit other than the plan's own ({named}): "
                     "a model's own bucket, which does not count against the plan's limits "
                     "(planalyzer me shows them apart)")
    if no_length:
        notes.append(NO_LENGTH.format(n=no_length))
    if unlabelled:
        notes.append(f"{unlabelled:,} reading(s) stored in --db by an older planalyzer, which "
                     "kept no limit id: checked as the plan's own limit; a model's own limit "
                     "among them (GPT-5.3-Codex-Spark's) would be taken for the plan's: load "
                     "those rollouts into a new --db to tell them apart")
    if untyped:
        notes.append("readings that log no plan type (older Codex versions), not checked: "
                     + ", ".join(sorted(untyped)) + " (`planalyzer me --plan KEY` checks "
                     "them against that plan)")
    if unpriced:
        models = sorted(set(usage.filter(~pl.col("priced"))["model"].to_list()))
        notes.append("left out, their windows hold requests with no API list price (the "
                     "catalog's cap counts API value; the usage is unknown): "
                     + "; ".join(unpriced) + f" (models: {', '.join(models)}; give --prices "
                     "FILE)")
    return Table(
        "rate_limit_check", "Logged rate limits against the plan catalog",
        [Col("plan_type", "str", "logged plan"), Col("plan", "str", "catalog plan"),
         Col("window"), Col("limit"), Col("unit"), Col("readings", "int"),
         Col("implied_cap", "float", "implied cap"), Col("implied_p10", "float", "p10"),
         Col("implied_p90", "float", "p90"), Col("catalog_cap", "float", "catalog cap"),
         Col("implied_to_catalog_share", "float", "implied / catalog")],
        rows, notes, keys=("plan_type", "plan", "window", "limit"))


def _implied_caps(readings: pl.DataFrame, usage: pl.DataFrame, meter: Any
                  ) -> tuple[pl.Series, int]:
    """Per reading: the meter's total over the reading's user's requests in [start, end];
    and how many readings were left out because their window holds a request whose meter
    total is unknown (a model with no API list price under a meter that counts API value)."""
    caps: list[float] = []
    left_out = 0
    for (user,), mine in readings.group_by("user_id", maintain_order=True):
        reqs = usage.filter(pl.col("user_id") == user)
        if not len(reqs):
            continue
        cum = pl.concat([pl.Series([0.0]), meter_units(reqs, meter).cum_sum()])
        t = reqs["t_us"]
        lo = t.search_sorted(mine["start_us"], side="left")
        hi = t.search_sorted(mine["end_us"], side="right")
        used = cum.gather(hi) - cum.gather(lo)
        unknown_cum = pl.concat([pl.Series([0], dtype=pl.Int64),
                                 unknown_units(reqs, meter).cast(pl.Int64).cum_sum()])
        known = (unknown_cum.gather(hi) - unknown_cum.gather(lo)) == 0
        share = mine["used_percent"] / 100.0
        left_out += int((~known).sum())
        caps.extend((used / share).filter((used > 0) & known).to_list())
    return pl.Series("implied", caps, dtype=pl.Float64), left_out


def source_checks(con: duckdb.DuckDBPyConnection, catalog: PlanCatalog,
                  untyped_plan: str | None = None) -> tuple[list[str], list[Table]]:
    """Notes and tables from every check that has something to say about the loaded logs
    (``untyped_plan``: as ``rate_limit_check_table``)."""
    note = aggregated_note(con)
    tables = [t for t in (logged_cost_table(con),
                          rate_limit_check_table(con, catalog, untyped_plan))
              if t is not None]
    return ([note] if note else []), tables
