"""``planalyzer me``: how close your usage came to each plan's limits, and what each plan would
cost you (replayed by the report's caps engine). Each plan is set against the usage of its
scope (planalyzer.me_scope): with both Claude Code and Codex logs, the Claude plans against
Claude Code usage, the ChatGPT plans against Codex usage, the others against both."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from planalyzer import sqlfiles
from planalyzer.analysis import compute, meter_units, month_label, unknown_units
from planalyzer.caps import Requests, rolling_window_starts
from planalyzer.dst_resets import exact_buckets
from planalyzer.fit_oversize import oversize_notes
from planalyzer.me_scope import ALL, ME, TOOL_LABELS, Scope, hypothetical_label, scope_of
from planalyzer.plans import Limit, Meter, Plan, PlanCatalog, assign_plans
from planalyzer.plans import Window as LimitWindow
from planalyzer.render.formats import human
from planalyzer.tables import Col, Table


def usd(v: float) -> str:
    """An amount as the tables print it ($0.00268, $12.34, $1,234)."""
    return human(float(v), Col("x_usd", "usd"))


def requests_frame(scope: Scope, tz: str) -> pl.DataFrame:
    df = sqlfiles.relation(scope.con, "me_requests", {"tz": tz}).pl()
    assert isinstance(df, pl.DataFrame)
    return df


def window_ids(df: pl.DataFrame, limit: Limit) -> pl.Series:
    """The window each request (one subscriber's, in time order) counts in under ``limit``:
    rolling windows open at a request when none is open; calendar ones reset at the catalog's
    reset time in its time zone (the same rules as the report's caps engine)."""
    w = limit.window
    n = len(df)
    if w.kind == "rolling":
        req = Requests(pl.Series([0, n], dtype=pl.Int64), df["t_us"],
                       pl.Series([0] * n, dtype=pl.Int64))
        starts = rolling_window_starts(req, w.length_us)
    else:
        bucket = _calendar_bucket(df, w)
        starts = (bucket != bucket.shift(1)).fill_null(True)
    return starts.cast(pl.Int64).cum_sum()


def _calendar_bucket(df: pl.DataFrame, w: LimitWindow) -> pl.Series:
    """Each request's calendar day, week or month under ``w`` (its first local moment, in
    the window's own time zone, less its reset time): the reset happens once, at the first
    moment the local clock reaches the reset time, so the requests of the repeated hour of a
    fall-back change after that moment are in the new window (as ``caps.calendar_buckets``)."""
    unit = "1mo" if w.kind == "calendar_month" else "1w" if w.kind == "calendar_week" else "1d"
    local = (pl.from_epoch("t_us", time_unit="us").dt.replace_time_zone("UTC")
             .dt.convert_time_zone(w.timezone).dt.replace_time_zone(None))
    b = df.select((local - pl.duration(minutes=w.reset_offset_minutes))
                  .dt.truncate(unit).dt.epoch("us").alias("b"))["b"]
    return exact_buckets(df["t_us"], b, w.kind, w.timezone, w.reset_offset_minutes).cast(
        pl.Datetime("us"))


def window_months(df: pl.DataFrame, limit: Limit) -> pl.Series:
    """The month each request's window under ``limit`` is shown in: a calendar month's own
    month (its window may open a few hours before or after the report's local month does,
    under another time zone or reset time); any other window's is the report month of each
    request (``df["month"]``; the table takes a window's first)."""
    if limit.window.kind != "calendar_month":
        return df["month"]
    return _calendar_bucket(df, limit.window).dt.strftime("%Y-%m").alias("month")


def split(scopes: Sequence[Scope]) -> bool:
    return len(scopes) > 1


def limit_table(scopes: Sequence[Scope], catalog: PlanCatalog, tz: str,
                cap_checks: Mapping[tuple[str, str], str] | None = None,
                hypothetical: Sequence[str] = (),
                one_tool: Mapping[str, str] | None = None) -> Table:
    """For every plan and limit: per month, the busiest window's meter total against the cap.
    A month with a window whose total is unknown (a request of a model with no API list price
    under a meter that counts API value) has its peak, share and windows at cap empty.
    ``cap_checks``: (plan, limit) -> a note where the client's own readings disagree with the
    catalog's cap. ``hypothetical``: plans of a tool the logs lack (their usage is labelled
    so); ``one_tool``: month -> the only tool with usage that month (split logs: the plans
    set against both tools' usage are set against that tool's that month)."""
    frames = {s.key: requests_frame(s, tz) for s in scopes}
    rows: list[tuple[Any, ...]] = []
    estimated = False
    unknown_models: set[str] = set()
    per_call: set[str] = set()
    for plan in catalog.plans.values():
        scope = scope_of(plan, scopes)
        df = frames[scope.key]
        for lim in plan.limits:
            meter = catalog.meters[lim.meter]
            unknown = unknown_units(df, meter)
            if unknown.any():
                unknown_models.update(df.filter(unknown)["model"].unique().to_list())
            per_window = pl.DataFrame({
                "window": window_ids(df, lim), "month": window_months(df, lim),
                "units": meter_units(df, meter), "unknown": unknown}).group_by(
                "window", maintain_order=True).agg(
                pl.col("month").first(), pl.col("units").sum(), pl.col("unknown").any())
            per_month = per_window.group_by("month", maintain_order=True).agg(
                pl.len().alias("windows"), pl.col("units").max().alias("peak"),
                (pl.col("units") >= lim.cap).sum().alias("at_cap"),
                pl.col("unknown").any().alias("unknown"))
            estimated = estimated or lim.estimate or meter.estimate
            unit = meter.unit
            if counts_calls(meter):
                per_call.add(plan.key)
                unit += " (upper bound)"
            for m, windows, peak, at_cap, unk in per_month.iter_rows():
                peak_v = None if unk else float(peak)
                rows.append((m, _label(scope, plan.key, m, hypothetical, one_tool), plan.key,
                             lim.name + (" *" if lim.estimate else "")
                             + (" !" if cap_checks and (plan.key, lim.name) in cap_checks
                                else ""),
                             lim.window.describe(), lim.cap, unit, peak_v,
                             peak_v / lim.cap if peak_v is not None and lim.cap > 0 else None,
                             windows, None if unk else at_cap))
    notes = ["peak: your busiest window's total in the limit's meter; at cap: windows whose "
             "total reached the cap (requests past it would be blocked or billed as overage)",
             "a window is shown in the month it opened, a calendar-month window in its own "
             "month (in the limit's time zone, which may differ from yours by some hours)"]
    if split(scopes):
        notes.append(_split_note(scopes, catalog))
    if hypothetical:
        notes.append(hypothetical_note(scopes[0], catalog, hypothetical))
    if estimated:
        notes.append("* an estimated limit (the vendor does not publish it): see the catalog's "
                     "notes")
    if cap_checks:
        notes.extend(f"! {n}" for n in cap_checks.values())
    if per_call:
        notes.append(per_call_note(sorted(per_call)))
    if unknown_models:
        notes.append("empty = unknown: a window held requests of models with no API list "
                     f"price ({', '.join(sorted(unknown_models))}) and the limit counts API "
                     "value; give --prices FILE")
    return Table(
        "me_limits", "How close you came to each plan's limits",
        [Col("month"), Col("usage"), Col("plan"), Col("limit"), Col("window"),
         Col("cap", "float"), Col("unit"), Col("peak", "float"),
         Col("peak_share", "share", "peak / cap"),
         Col("windows", "int"), Col("at_cap", "int", "windows at cap")],
        rows, notes, keys=("month", "usage", "plan", "limit"))


def counts_calls(meter: Meter) -> bool:
    """Does ``meter`` count requests (a weight per request)? A transcript logs every API call
    of an agent's tool loop, where such a plan (GitHub Copilot's premium requests) counts the
    prompts you send."""
    return any(w.request for w in meter.weights)


def per_call_note(plans: Sequence[str]) -> str:
    return (f"upper bound ({', '.join(plans)}): the meter counts every API call the logs hold "
            "(an agent's tool loop makes many per prompt); GitHub counts one premium request "
            "per prompt you send (times the model's multiplier) and none for the tool calls "
            "Copilot makes on its own, so the real count, overage and blocked requests are "
            "lower")


def _label(scope: Scope, plan: str, month: str, hypothetical: Sequence[str],
           one_tool: Mapping[str, str] | None) -> str:
    if plan in hypothetical:
        return hypothetical_label(scope.label)
    if scope.key == ALL and one_tool and month in one_tool:
        return one_tool[month]
    return scope.label


def _split_note(scopes: Sequence[Scope], catalog: PlanCatalog) -> str:
    tools = " and ".join(s.label for s in scopes[1:])
    head = f"usage: your logs hold {tools} usage; "
    tied = {s.key: [k for k, p in catalog.plans.items() if p.tool == s.key] for s in scopes[1:]}
    if not any(tied.values()):
        return (head + "no plan in the catalog names a `tool`, so every plan is set against "
                "both tools' usage together")
    named = "; ".join(f"{', '.join(keys)} for {TOOL_LABELS[t]}" for t, keys in tied.items()
                      if keys)
    return (head + f"each tool's own plans (the catalog's `tool`: {named}) are set against "
            "that tool's usage only, the other plans against both tools' usage together; in a "
            "month with one tool's usage only, every plan is set against that tool's usage "
            "(no 'both tools' row)")


def hypothetical_note(scope: Scope, catalog: PlanCatalog, plans: Sequence[str]) -> str:
    """Plans of a tool the logs hold no usage of, set against this tool's usage."""
    theirs = sorted({TOOL_LABELS.get(str(catalog.plans[k].tool), str(catalog.plans[k].tool))
                     for k in plans})
    return (f"{hypothetical_label(scope.label)}: {', '.join(plans)} are plans of "
            f"{' and '.join(theirs)} (the catalog's `tool`), which your logs hold no usage "
            f"of: their rows set your {scope.label} usage against them as if you had used "
            "that tool for it, with their meters weighing your models as the catalog says; "
            "they are no best fit")


def _flat(plan: Plan) -> bool:
    """A plan that charges its price only (no usage charge, requests past a limit blocked):
    what you pay is known even where its limits count a value planalyzer cannot price."""
    return plan.usage is None and plan.overage.policy == "block"


def _vendor_rank(plan: Plan, tools: Sequence[str]) -> int:
    """On a price tie, prefer a plan of your own tool's vendor, then one that covers any tool."""
    return 0 if plan.tool in tools else 1 if plan.tool is None else 2


def plan_cost_table(scopes: Sequence[Scope], catalog: PlanCatalog, tz: str,
                    your_plan: str | None,
                    value_by_month: Mapping[tuple[str, str], float | None],
                    unpriced_models: Mapping[str, Sequence[str]],
                    tools: Sequence[str] = (), hypothetical: Sequence[str] = ()) -> Table:
    """Every plan replayed on the usage of its scope by the report's caps engine: what you
    would pay and what it would block; the best fit (per scope) is the cheapest plan that
    blocks nothing, a plan of your tool's vendor first on a price tie. A plan that charges or
    caps by API value cannot price requests of models with no API list price: how much it
    would block (and, unless it charges its price only, what you would pay) is unknown, and
    it is no best fit. ``hypothetical``: plans of a tool the logs lack (labelled, no best
    fit). With both tools, a month with one tool's usage sets every plan against it; in a
    month with both, the pair of each tool's best fits is weighed against the best plan for
    both."""
    found = catalog.find(your_plan) if your_plan else None
    current = found.key if found else None
    frames: list[pl.DataFrame] = []
    oversize: list[pl.DataFrame] = []
    unpriced_plans: list[str] = []
    unpriced_names: list[str] = []
    for scope in scopes:
        keys = [k for k, p in catalog.plans.items() if scope_of(p, scopes) is scope]
        if not keys:
            continue
        data = compute(scope.con, catalog, assign_plans([(ME, current)], catalog), timezone=tz,
                       unpriced_models=unpriced_models[scope.key])
        if data.fit is None or not len(data.fit):
            continue
        unpriced_plans += [p for p in data.unpriced_plans if p in keys]
        unpriced_names += list(data.unpriced_models)
        if data.fit_oversize is not None:
            oversize.append(data.fit_oversize.filter(pl.col("plan").is_in(keys)))
        frames.append(data.fit.filter(pl.col("plan").is_in(keys)).select(
            "month_key", "plan", "buyer_cost_usd", "blocked", "feasible", "priced",
            "full_gpu_cost_usd").with_columns(pl.lit(scope.key).alias("scope")))
    if not frames:
        return Table("me_plan_cost", "What each plan would cost you", [Col("month")], [])
    rank = {k: _vendor_rank(p, tools) for k, p in catalog.plans.items()}
    order = {s.key: i for i, s in enumerate([*scopes[1:], *scopes[:1]])}
    fit = pl.concat(frames).with_columns(
        pl.col("plan").replace_strict(rank, return_dtype=pl.Int64).alias("rank"),
        pl.col("plan").is_in(list(hypothetical)).alias("hypothetical"))
    labels = {s.key: s for s in scopes}
    rows: list[tuple[Any, ...]] = []
    verdicts: list[str] = []
    for (key,), month_part in fit.sort("month_key").group_by("month_key", maintain_order=True):
        month = month_label(int(key))
        have = set(month_part["scope"].to_list())
        present = [s.key for s in scopes[1:] if s.key in have]
        one = present[0] if split(scopes) and len(present) == 1 else None
        if one is not None:  # that tool's usage is all of the month's: one group
            month_part = month_part.with_columns(pl.lit(one).alias("scope"))
        month_part = month_part.with_columns(
            pl.col("scope").replace_strict(order, return_dtype=pl.Int64).alias("scope_order")
        ).sort("scope_order", "hypothetical", "buyer_cost_usd", "rank", "plan")
        bests: dict[str, tuple[str, float]] = {}
        for (scope_key,), part in month_part.group_by("scope", maintain_order=True):
            scope = labels[str(scope_key)]
            for r in part.iter_rows(named=True):
                plan = catalog.plans[r["plan"]]
                ok = bool(r["priced"])  # else it charges or caps by a value we cannot price
                paid = float(r["buyer_cost_usd"]) if ok or _flat(plan) else None
                rows.append((month, hypothetical_label(scope.label) if r["hypothetical"]
                             else scope.label, r["plan"], plan.price_usd, paid,
                             int(r["blocked"]) if ok else None,
                             bool(r["feasible"]) if ok else None,
                             float(r["full_gpu_cost_usd"]),
                             None if paid is None else paid - float(r["full_gpu_cost_usd"]),
                             r["plan"] == current))
            whose = ("usage" if not split(scopes) else "the usage of both tools"
                     if scope.key == ALL else f"your {scope.label} usage")
            pair = ([bests[k] for k in present] if scope.key == ALL and present
                    and all(k in bests for k in present) and len(present) > 1 else None)
            lines, best = _verdicts(month, whose, scope.label, part, current, catalog,
                                    value_by_month.get((scope.key, month)),
                                    split(scopes) or one is not None, pair)
            verdicts.extend(lines)
            if best is not None:
                bests[scope.key] = best
    if current is None:
        verdicts.append("say which plan you are on with --plan to mark it")
    verdicts.extend(oversize_notes(pl.concat(oversize) if oversize else None, catalog, tz,
                                   "best fit"))
    if unpriced_plans and not fit["priced"].all():
        plans = ", ".join(dict.fromkeys(unpriced_plans))
        models = ", ".join(dict.fromkeys(unpriced_names))
        flat = [k for k in dict.fromkeys(unpriced_plans) if _flat(catalog.plans[k])]
        flat_note = (f" (what you pay under {', '.join(flat)}, which charge their price only, "
                     "is that price; only what they would block is unknown)" if flat else "")
        verdicts.append(f"empty = cannot be priced: {plans} charge or cap by API value, and "
                        f"some requests' models have no API list price ({models}){flat_note}; "
                        "give --prices FILE")
    calls = [k for k, p in catalog.plans.items()
             if any(counts_calls(catalog.meters[m]) for m in p.meters_used())]
    if calls:
        verdicts.append(per_call_note(calls))
    if split(scopes):
        verdicts.append(_split_note(scopes, catalog))
    if hypothetical:
        verdicts.append(hypothetical_note(scopes[0], catalog, hypothetical))
    return Table(
        "me_plan_cost", "What each plan would cost you for the same usage",
        [Col("month"), Col("usage"), Col("plan"), Col("price_usd", "usd", "price"),
         Col("your_cost_usd", "usd", "you pay"), Col("blocked_requests", "int", "blocked"),
         Col("serves_all", "bool", "serves all"),
         Col("gpu_cost_usd", "usd", "GPU cost (all requests)"),
         Col("seller_margin_usd", "usd", "seller margin"), Col("yours", "bool")],
        rows, [*verdicts, "you pay: price plus overage or usage charges for the requests the "
               "plan serves; seller margin: what you pay less the GPU cost of all your "
               "requests (as if none were blocked)"], keys=("month", "usage", "plan"))


def _verdicts(month: str, whose: str, label: str, part: pl.DataFrame, current: str | None,
              catalog: PlanCatalog, value: float | None, per_usage: bool,
              pair: Sequence[tuple[str, float]] | None = None
              ) -> tuple[list[str], tuple[str, float] | None]:
    """The month's lines for one usage: what your plan cost, and its best fit (plan, cost).
    ``pair``: each tool's own best fit (both tools' usage: weighed against the best plan
    for both)."""
    out: list[str] = []
    mine = part.filter(pl.col("plan") == current) if current else part.clear()
    if len(mine):
        m = mine.row(0, named=True)
        plan = catalog.plans[m["plan"]]
        worth = (f"worth {usd(value)} at API list prices" if value is not None
                 else "of unknown API list value (some models have no list price)")
        if m["priced"]:
            paid = usd(m["buyer_cost_usd"])
        elif _flat(plan):
            paid = (f"{usd(m['buyer_cost_usd'])} (its price; how many requests its limits "
                    "would block is unknown)")
        else:
            paid = "an amount planalyzer cannot price"
        serve = f"which cost about {usd(m['full_gpu_cost_usd'])} to serve"
        if m["hypothetical"]:
            out.append(f"{month}: if you had used {current} for your {label} usage, you would "
                       f"have paid {paid} for it ({worth}), {serve} (hypothetical: your logs "
                       f"hold no usage of {TOOL_LABELS.get(str(plan.tool), str(plan.tool))}, "
                       "the tool of this plan)")
        else:
            out.append(f"{month}: on {current} you paid {paid} for {whose} {worth}, {serve}")
    best_rows = part.filter(pl.col("feasible") & pl.col("priced") & ~pl.col("hypothetical"))
    best = best_rows.row(0, named=True) if len(best_rows) else None
    found = (str(best["plan"]), float(best["buyer_cost_usd"])) if best else None
    if not per_usage:
        if found:
            out.append(f"{month}: best fit {found[0]} at {usd(found[1])} (the cheapest plan in "
                       "the catalog that would have served every request, whichever vendor's: "
                       "your models may not be on it)")
        else:
            out.append(f"{month}: every plan would have blocked some requests")
        return out, found
    if pair:
        names, total = " + ".join(k for k, _ in pair), sum(c for _, c in pair)
        if found is None or total <= found[1]:
            alone = (f"; the cheapest single plan for both, {found[0]}, costs {usd(found[1])}"
                     if found else "; no single plan for both would have served every request")
            out.append(f"{month}: best fit for {whose}: {names} at {usd(total)} (each tool's "
                       f"own best fit together{alone})")
            return out, (names, total)
        out.append(f"{month}: best fit for {whose}: {found[0]} at {usd(found[1])} (the cheapest "
                   f"plan for both that would have served every request; each tool's own best "
                   f"fit together, {names}, costs {usd(total)})")
        return out, found
    if found:
        out.append(f"{month}: best fit for {whose}: {found[0]} at {usd(found[1])} (the "
                   "cheapest of these plans that would have served every request)")
    else:
        out.append(f"{month}: every plan set against {whose} would have blocked some requests")
    return out, found
