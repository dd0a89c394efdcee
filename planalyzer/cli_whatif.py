"""The what-if commands: whatif, sweep and optimize (planalyzer.whatif; docs/whatif.md).
Registered on the app by planalyzer.cli."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from planalyzer.checks import check_min as _check_min
from planalyzer.cli_options import (
    AnalysisSourcesArg,
    AssignOpt,
    BaseScenarioOpt,
    BucketPromptTokensOpt,
    CostsFileOpt,
    DbOpt,
    DedupeOpt,
    FormatOpt,
    GridOpt,
    InputFormatOpt,
    MapOpt,
    MappingFileOpt,
    MaxTokensOpt,
    MonthOpt,
    PlanFileOpt,
    PlansOpt,
    PricesOpt,
    PricingStrictOpt,
    QuietOpt,
    SinceOpt,
    SourceOpt,
    TzOpt,
    UntilOpt,
    UserMapOpt,
    UserOpt,
)
from planalyzer.cli_support import (
    PERIOD_MEMORY_HINT,
    check_format,
    check_sources,
    covered_period,
    emit,
    load_for_analysis,
    load_options,
    loaded_sources,
    period_of,
    run_meta,
    say_data_warnings,
    user_errors,
    working,
)
from planalyzer.errors import PlanalyzerError
from planalyzer.sources.report_json import DEFAULT_BUCKET_PROMPT_TOKENS
from planalyzer.store import DEFAULT_MAX_TOKENS, LoadOptions, Store


def _whatif_setup(store: Store, sources: list[str] | None, scenarios: list[Any], plans: Path | None,
                  costs: Path | None, prices: Path | None, assign: list[str] | None,
                  plan_file: Path | None, month: list[str] | None, since: str | None,
                  until: str | None, opts: LoadOptions, quiet: bool, fmt: str,
                  extra: list[Any] | None = None) -> tuple[Any, dict[str, Any]]:
    """The evaluator over the loaded history, and JSON meta's ``sources`` (what it read)."""
    from planalyzer.whatif import prepare

    period = period_of(month, since, until)
    read = loaded_sources(store, sources, load_for_analysis(store, sources, opts, quiet, fmt))
    with working(quiet, fmt, "one pass over the history"):
        ev, _notes = prepare(store.con, scenarios, plans=plans, costs=costs, prices=prices,
                             assign=assign or [], plan_file=plan_file, timezone=opts.timezone,
                             period=period, strict=opts.strict, extra_catalogs=extra or [])
    say_data_warnings(ev.data_warnings)
    return ev, read


def whatif(
    ctx: typer.Context,
    scenario: Annotated[list[str], typer.Option(
        "--scenario", "-s", help="Scenario TOML, or the name of a shipped scenario "
        "(repeatable); see docs/whatif.md.")],
    sources: AnalysisSourcesArg = None,
    plans: PlansOpt = None,
    costs: CostsFileOpt = None,
    assign: AssignOpt = None,
    plan_file: PlanFileOpt = None,
    month: MonthOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    top: Annotated[int, typer.Option("--top", help="Users to list per scenario.")] = 10,
    prices: PricesOpt = None,
    db: DbOpt = None,
    map_: MapOpt = None,
    mapping: MappingFileOpt = None,
    dedupe_on: DedupeOpt = None,
    max_tokens: MaxTokensOpt = DEFAULT_MAX_TOKENS,
    bucket_prompt_tokens: BucketPromptTokensOpt = DEFAULT_BUCKET_PROMPT_TOKENS,
    input_format: InputFormatOpt = None,
    source: SourceOpt = None,
    user: UserOpt = None,
    user_map: UserMapOpt = None,
    timezone: TzOpt = "UTC",
    strict: PricingStrictOpt = False,
    fmt: FormatOpt = "table",
    quiet: QuietOpt = False,
) -> None:
    """Replay the history under changed plans.

    The baseline and each scenario side by side.

    Example: planalyzer whatif sample_logs/parquet --scenario max20x_weekly_cap_overage.toml
    """
    from planalyzer.whatif import load_scenario
    from planalyzer.whatif.tables import whatif_tables

    with user_errors(db, PERIOD_MEMORY_HINT) as run:
        check_format(fmt)
        check_sources(sources, db)
        opts = load_options(map_, mapping, timezone, dedupe_on, strict, max_tokens,
                             input_format, source, user, user_map, bucket_prompt_tokens, ctx)
        _check_min("--top", top, 0, "users to list per scenario; 0 lists none")
        scen = [load_scenario(_scenario_path(Path(p))) for p in scenario]
        with Store(db, read_only=not sources) as store:
            run.loads_into(store, sources)
            ev, read = _whatif_setup(store, sources, scen, plans, costs, prices, assign, plan_file,
                               month, since, until, opts, quiet, fmt)
            outs = [ev.run(s) for s in scen]
        emit(whatif_tables(ev, outs, top), fmt,
              run_meta(timezone, month, since, until, plans, costs, prices, assign or [],
                        plan_file, _period_meta(ev), sources=read))


def _period_meta(ev: Any) -> dict[str, Any]:
    """JSON meta's ``period.covered`` and ``figures``: what-if money and counts are totals over
    the covered months (``period_total``), not per month as the report's rows."""
    return {**covered_period(ev), "figures": "period_total"}


def _scenario_path(p: Path) -> Path:
    """A path, or the name of a shipped example scenario (with or without .toml)."""
    from planalyzer.whatif import shipped_scenarios

    if p.exists():
        return p
    shipped = shipped_scenarios()
    for s in shipped:
        if p.name in (s.name, s.stem):
            return s
    raise PlanalyzerError(f"{p}: file not found; give a scenario TOML's path or the name of a "
                          f"shipped scenario: {', '.join(s.stem for s in shipped)}")


def sweep(
    ctx: typer.Context,
    sources: AnalysisSourcesArg = None,
    grid: GridOpt = None,
    scenario: BaseScenarioOpt = None,
    objective: Annotated[str, typer.Option(
        "--objective", help="Metric the frontier maximises (margin_usd, loaded_margin_usd, "
        "revenue_usd, margin_usd:PLAN, ...); min:METRIC minimises it "
        "(min:unprofitable_loss_usd).")] = "margin_usd",
    affected: Annotated[str, typer.Option(
        "--affected", help="Share the frontier minimises (users_affected_share, "
        "users_hit_share, hit_share:PLAN.LIMIT, ...).")] = "users_affected_share",
    plans: PlansOpt = None,
    costs: CostsFileOpt = None,
    assign: AssignOpt = None,
    plan_file: PlanFileOpt = None,
    month: MonthOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    prices: PricesOpt = None,
    db: DbOpt = None,
    map_: MapOpt = None,
    mapping: MappingFileOpt = None,
    dedupe_on: DedupeOpt = None,
    max_tokens: MaxTokensOpt = DEFAULT_MAX_TOKENS,
    bucket_prompt_tokens: BucketPromptTokensOpt = DEFAULT_BUCKET_PROMPT_TOKENS,
    input_format: InputFormatOpt = None,
    source: SourceOpt = None,
    user: UserOpt = None,
    user_map: UserMapOpt = None,
    timezone: TzOpt = "UTC",
    strict: PricingStrictOpt = False,
    fmt: FormatOpt = "table",
    quiet: QuietOpt = False,
) -> None:
    """Evaluate a grid of plan designs.

    The frontier of margin against users affected.

    Example: planalyzer sweep sample_logs/parquet --grid plans.claude_max_20x.price_usd=150,200,250
    --grid plans.claude_max_20x.limits.weekly.cap=40e6:80e6:20e6
    """
    from planalyzer.plans import load_plan_catalog
    from planalyzer.whatif import load_scenario
    from planalyzer.whatif.sweep import (
        check_affected,
        check_metrics,
        grid_points,
        parse_axis,
        parse_objective,
        point_catalogs,
        point_scenarios,
    )
    from planalyzer.whatif.sweep import sweep as run_sweep

    with user_errors(db, PERIOD_MEMORY_HINT) as run:
        check_format(fmt)
        check_sources(sources, db)
        opts = load_options(map_, mapping, timezone, dedupe_on, strict, max_tokens,
                             input_format, source, user, user_map, bucket_prompt_tokens, ctx)
        if not grid:
            raise PlanalyzerError("--grid: give at least one PATH=VALUES axis")
        axes = [parse_axis(g) for g in grid]
        points = grid_points(axes)
        base = load_scenario(_scenario_path(scenario)) if scenario else None
        scen = point_scenarios(base, points)
        catalog = load_plan_catalog(plans)
        extra = point_catalogs(catalog, scen)
        check_affected(affected)
        check_metrics([("--objective", parse_objective(objective).metric),
                       ("--affected", affected)], catalog, scen)
        with Store(db, read_only=not sources) as store:
            run.loads_into(store, sources)
            ev, read = _whatif_setup(store, sources, [], plans, costs, prices, assign, plan_file,
                               month, since, until, opts, quiet, fmt, extra)
            _outs, tables = run_sweep(ev, scen, points, objective, affected)
        emit(tables, fmt, run_meta(timezone, month, since, until, plans, costs, prices,
                                     assign or [], plan_file, _period_meta(ev), sources=read))


def optimize(
    ctx: typer.Context,
    sources: AnalysisSourcesArg = None,
    grid: GridOpt = None,
    constraint: Annotated[list[str] | None, typer.Option(
        "--constraint", "-c", help="METRIC OP VALUE (repeatable), e.g. "
        "'hit_share:claude_max_20x.weekly <= 0.05', 'revenue_usd >= baseline', "
        "'median_margin_usd:* >= 0'.")] = None,
    objective: Annotated[str, typer.Option(
        "--objective", help="Metric to maximise (margin_usd, loaded_margin_usd, revenue_usd, "
        "margin_usd:PLAN, ...); min:METRIC minimises it (min:unprofitable_loss_usd, "
        "min:gpu_cost_usd).")] = "margin_usd",
    search: Annotated[str, typer.Option(
        "--search", help="auto, exhaustive or coordinate.")] = "auto",
    max_evals: Annotated[int, typer.Option(
        "--max-evals", help="Largest grid searched exhaustively under --search auto.")] = 2000,
    scenario: BaseScenarioOpt = None,
    top: Annotated[int, typer.Option("--top", help="Designs to report.")] = 5,
    plans: PlansOpt = None,
    costs: CostsFileOpt = None,
    assign: AssignOpt = None,
    plan_file: PlanFileOpt = None,
    month: MonthOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    prices: PricesOpt = None,
    db: DbOpt = None,
    map_: MapOpt = None,
    mapping: MappingFileOpt = None,
    dedupe_on: DedupeOpt = None,
    max_tokens: MaxTokensOpt = DEFAULT_MAX_TOKENS,
    bucket_prompt_tokens: BucketPromptTokensOpt = DEFAULT_BUCKET_PROMPT_TOKENS,
    input_format: InputFormatOpt = None,
    source: SourceOpt = None,
    user: UserOpt = None,
    user_map: UserMapOpt = None,
    timezone: TzOpt = "UTC",
    strict: PricingStrictOpt = False,
    fmt: FormatOpt = "table",
    quiet: QuietOpt = False,
) -> None:
    """Search plan designs for the best objective under constraints.

    Example: planalyzer optimize sample_logs/parquet
    --grid plans.claude_pro.price_usd=15:30:5
    --constraint 'revenue_usd >= baseline'
    --constraint 'median_margin_usd:claude_pro >= 10'
    """
    from planalyzer.plans import load_plan_catalog
    from planalyzer.whatif import load_scenario
    from planalyzer.whatif.optimize import optimize as run_optimize
    from planalyzer.whatif.optimize import parse_constraint, result_tables
    from planalyzer.whatif.sweep import (
        check_metrics,
        corner_points,
        grid_points,
        parse_axis,
        parse_objective,
        point_catalogs,
        point_scenarios,
    )

    with user_errors(db, PERIOD_MEMORY_HINT) as run:
        check_format(fmt)
        check_sources(sources, db)
        opts = load_options(map_, mapping, timezone, dedupe_on, strict, max_tokens,
                             input_format, source, user, user_map, bucket_prompt_tokens, ctx)
        _check_min("--top", top, 1, "designs to report")
        _check_min("--max-evals", max_evals, 1, "the largest grid searched exhaustively; "
                   "--search coordinate never searches exhaustively")
        if not grid:
            raise PlanalyzerError("--grid: give at least one PATH=VALUES axis to search")
        axes = [parse_axis(g) for g in grid]
        cons = [parse_constraint(c) for c in constraint or []]
        base = load_scenario(_scenario_path(scenario)) if scenario else None
        # every window any design uses must be in the one pass: check the axes' corners
        scen = point_scenarios(base, grid_points(axes)) if _small(axes) else \
            point_scenarios(base, corner_points(axes))
        catalog = load_plan_catalog(plans)
        extra = point_catalogs(catalog, scen)
        check_metrics([("--objective", parse_objective(objective).metric),
                       *[(f"--constraint {c.text!r}", c.metric) for c in cons]], catalog, scen)
        with Store(db, read_only=not sources) as store:
            run.loads_into(store, sources)
            ev, read = _whatif_setup(store, sources, [], plans, costs, prices, assign, plan_file,
                               month, since, until, opts, quiet, fmt, extra)
            res = run_optimize(ev, base, axes, objective, cons, search=search,
                               max_evals=max_evals, top=top)
        emit(result_tables(ev, res, axes, objective, cons), fmt,
              run_meta(timezone, month, since, until, plans, costs, prices, assign or [],
                        plan_file, _period_meta(ev), sources=read))


def _small(axes: list[Any]) -> bool:
    n = 1
    for a in axes:
        n *= len(a.values)
    return n <= 5000
