"""From loaded events to an ``Evaluator``: price, assign plans, one pass, baseline."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from planalyzer.analysis import (
    Period,
    api_value_plans,
    log_span,
    month_label,
    period_note,
    unpriced_user_months,
)
from planalyzer.costs.catalog import load_cost_catalog
from planalyzer.costs.prices import load_price_catalog
from planalyzer.costs.pricing import logged_models
from planalyzer.errors import InputError, StrictModeError
from planalyzer.plan_names import unknown_plans_message
from planalyzer.plans import NO_PLAN, PlanCatalog, load_plan_catalog
from planalyzer.pricing_step import price, price_result
from planalyzer.report import whatif_assignment
from planalyzer.source_checks import aggregated_note
from planalyzer.store_check import require_events
from planalyzer.timezones import check_timezone
from planalyzer.whatif.history import build_history
from planalyzer.whatif.run import Evaluator
from planalyzer.whatif.scenario import Scenario, apply_scenario
from planalyzer.whatif.variants import (
    Variant,
    mark_routed,
    route_target_note,
    routed_cost_notes,
    unknown_targets,
    variant_events,
)


def shipped_scenarios() -> list[Path]:
    """The example scenarios shipped with the package (planalyzer/data/scenarios)."""
    return sorted((Path(__file__).parent.parent / "data" / "scenarios").glob("*.toml"))


def unpriced_route_note(models: Sequence[str], catalogs: Sequence[PlanCatalog]) -> str:
    """A route sends requests to models with no API list price: what that does to the figures
    (their API value counts $0, as for the logs' own unpriced models), and which plans' caps
    and charges by API value then stop binding on them."""
    plans = sorted({k for c in catalogs for k in api_value_plans(c, models)})
    where = (f"; on plans that cap or charge by API value ({', '.join(plans)}) those requests "
             "are served free and never count toward those caps or charges, so read those "
             "plans' revenue, blocked usage and limit hits as unknown" if plans else "")
    return (f"cost: routed to {', '.join(models)}, which has no API list price: in the "
            "what-if figures those requests count $0 of API value (unknown, not free; the "
            f"report leaves it empty){where}. Give --prices FILE with its price")


def prepare(
    con: duckdb.DuckDBPyConnection,
    scenarios: Sequence[Scenario] = (),
    *,
    plans: str | Path | None = None,
    costs: str | Path | None = None,
    prices: str | Path | None = None,
    assign: Sequence[str] = (),
    plan_file: str | Path | None = None,
    timezone: str = "UTC",
    period: Period | None = None,
    strict: bool = False,
    extra_catalogs: Sequence[PlanCatalog] = (),
) -> tuple[Evaluator, list[str]]:
    """Price the events, assign plans and run the one pass over events for the windows the
    baseline, ``scenarios`` and ``extra_catalogs`` use. Returns the evaluator and the pricing
    warnings (also ``Evaluator.warnings``; a cost variant's own are ``Outcome.warnings``).
    ``prices``: the API price catalog (TOML or LiteLLM JSON; default the shipped one). A
    period with no events is an InputError, as in the report. File arguments are a str or
    Path; ``con`` without planalyzer's ``events`` table is an InputError."""
    timezone = check_timezone(timezone, "timezone")
    require_events(con)
    catalog = load_plan_catalog(plans)
    pricing = price_result(con, costs, prices=prices, strict=strict)
    notes = list(pricing.warnings)
    logged_unpriced = {u.model for u in pricing.unpriced_models}
    if pricing.unpriced_models:  # the report leaves their value unknown; the replay cannot
        notes.append("in the what-if figures, requests of models with no API list price count "
                     "$0 of API value (usage blocked, and limits or charges by API value)")
    plans_of = whatif_assignment(con, catalog, timezone, assign, plan_file, period)
    assignment = plans_of.assignment
    unknown_plans = unknown_plans_message(assignment, catalog)  # in its notes too
    if strict and unknown_plans is not None:
        raise StrictModeError(unknown_plans)
    notes.extend(plans_of.notes)
    at = len(notes)  # the note on plan changes in the period goes here
    if (bucketed := aggregated_note(con)) is not None:
        notes.append(bucketed)
    catalogs = [catalog, *[apply_scenario(catalog, s)[0] for s in scenarios],
                *extra_catalogs]
    history = build_history(con, catalogs, assignment, timezone=timezone, period=period,
                            stints=plans_of.stints)
    if (changed := plans_of.change_note(history.plan_changed)) is not None:
        notes.insert(at, changed)
    if history.user_ids and all(p == NO_PLAN for p in history.user_plan):
        raise InputError(f"no user is on a plan of the catalog ({len(history.user_ids):,} "
                         "user(s) in the logs), so there is nothing to replay: give --assign "
                         "USER_GLOB=PLAN or --plan-file, or a plan column in the logs"
                         + (f"; {unknown_plans}" if unknown_plans else ""))
    present = {month_label(k) for k in history.user_months["month_key"].unique()}
    note = period_note(con, present, history.period, timezone)
    partial = history.period.partial_note(log_span(con, timezone), present)
    notes.extend(n for n in (note, partial) if n)
    main: Evaluator | None = None

    def build(variant: Variant) -> Evaluator:
        """One more pass, over the events as ``variant`` changes them."""
        assert main is not None
        cost_file = Path(variant.cost_catalog) if variant.cost_catalog else costs
        try:
            with variant_events(con, variant, timezone, period) as unmatched:
                # warnings as the report gives them: a model routed to that the cost catalog
                # lacks is priced by the fallback profile (an error with --strict)
                routed = price_result(con, cost_file, prices=prices, strict=strict)
                warnings = [*unmatched, *routed.warnings]
                named = {u.model for u in (*routed.unknown_models, *routed.unpriced_models)}
                if named:
                    targets = unknown_targets(variant, load_cost_catalog(cost_file),
                                              load_price_catalog(prices),
                                              list(routed.resolutions), named)
                    if targets:
                        warnings.append(route_target_note(variant, targets))
                routed_unpriced = sorted({u.model for u in routed.unpriced_models})
                new = sorted(set(routed_unpriced) - logged_unpriced)
                if new:
                    warnings.append(unpriced_route_note(new, catalogs))
                h = build_history(con, catalogs, assignment, timezone=timezone, period=period,
                                  stints=plans_of.stints)
                if variant.routes:  # the period's requests, of the users in the figures
                    mark_routed(con, timezone, period,
                                [u for u, p in zip(h.user_ids, h.user_plan, strict=True)
                                 if p == NO_PLAN])
        except StrictModeError as err:  # a routed-to model: say which scenario key names it
            price(con, costs, prices=prices)  # the real events' prices again
            targets = unknown_targets(variant, load_cost_catalog(cost_file),
                                      load_price_catalog(prices), logged_models(con))
            if not targets:
                raise
            keys = "; ".join(f"{key}{hint}" for key, hint in targets)
            raise StrictModeError(f"{variant.source or 'scenario'}: {keys}: {err}") from None
        price(con, costs, prices=prices, strict=strict)  # over the real events again
        if variant.routes:
            warnings = [*warnings, *routed_cost_notes(con)]
        return Evaluator(h, catalog, base_rows=main._base_rows, warnings=warnings,
                         unpriced=_unpriced(con, routed_unpriced, h.timezone, h.period))

    main = Evaluator(history, catalog, builder=build, warnings=notes,
                     unpriced=_unpriced(con, sorted(logged_unpriced), timezone, history.period))
    main.data_warnings = [unknown_plans] if unknown_plans is not None else []
    for s in scenarios:  # the cost variants the scenarios name, now rather than later
        if s.variant.repriced and s.variant not in main.variants:
            main.variants[s.variant] = build(s.variant)
    return main, notes


def _unpriced(con: duckdb.DuckDBPyConnection, models: Sequence[str], timezone: str,
              period: Period) -> tuple[frozenset[str], tuple[str, ...]]:
    """The users with requests of ``models`` (no API list price) in ``period``, and the
    models: best_fit does not move them onto plans that charge or cap by API value."""
    if not models:
        return frozenset(), ()
    found = unpriced_user_months(con, models, timezone, period)
    return frozenset(found["user_id"].to_list()), tuple(models)
