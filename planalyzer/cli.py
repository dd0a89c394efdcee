"""The planalyzer command line: parse options, call the library, render. No SQL, no arithmetic."""

from __future__ import annotations

import errno
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn

from planalyzer import __version__
from planalyzer.accounting import (
    accounting_tables,
    display_path,
    skipped_lines,
    unterminated_note,
)
from planalyzer.checks import check_choice
from planalyzer.checks import check_min as _check_min
from planalyzer.cli_options import (
    AnalysisSourcesArg,
    BucketPromptTokensOpt,
    CostsOpt,
    DbOpt,
    DedupeOpt,
    FormatOpt,
    InputFormatOpt,
    LoadTzOpt,
    MapOpt,
    MappingFileOpt,
    MaxTokensOpt,
    MeDbOpt,
    MonthOpt,
    PlainQuietOpt,
    PricesOpt,
    PricingStrictOpt,
    QuietOpt,
    SinceOpt,
    SourceOpt,
    SourcesArg,
    StrictOpt,
    TzOpt,
    UntilOpt,
    UserMapOpt,
    UserOpt,
    percent_value,
    usd_value,
)
from planalyzer.cli_pipes import OutputClosed, end_quietly, guard_streams
from planalyzer.cli_support import (
    LOAD_MEMORY_HINT,
    PERIOD_MEMORY_HINT,
    TERMINAL_FILE_ROWS,
    Interrupt,
    Terminated,
    check_format,
    check_sources,
    console,
    covered_period,
    emit,
    load_for_analysis,
    load_options,
    load_with_progress,
    loaded_sources,
    on_sigterm,
    option_given,
    period_of,
    rejected_reasons,
    run_meta,
    say_data_warnings,
    show_progress,
    store_accounting,
    summary_line,
    terminal_columns,
    usable_streams,
    user_errors,
    working,
)
from planalyzer.cli_whatif import optimize, sweep, whatif
from planalyzer.errors import PlanalyzerError
from planalyzer.samples import demo_sources
from planalyzer.sources.inspect import mapping_tables
from planalyzer.sources.report_json import DEFAULT_BUCKET_PROMPT_TOKENS
from planalyzer.store import DEFAULT_MAX_TOKENS, LoadOptions, Store
from planalyzer.timezones import check_timezone
from planalyzer.usage import top_users_by_tokens, usage_summary

# The report, analysis and source-check modules (and polars with them) are imported inside
# the commands that use them: `planalyzer load` and `map` start without them.

app = typer.Typer(
    name="planalyzer",
    help="Does our $200 plan lose money, on whom, and what should we change?\n\n"
         "Loads per-user token usage logs into DuckDB and sets each user's month against "
         "flat-rate plans. Start with `planalyzer demo`; each command's --help has an "
         "example (run from the repository root, sample_logs/ is the shipped sample).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# -- commands ---------------------------------------------------------------------------------

@app.command()
def load(
    ctx: typer.Context,
    sources: SourcesArg,
    db: DbOpt = None,
    map_: MapOpt = None,
    mapping: MappingFileOpt = None,
    timezone: LoadTzOpt = "UTC",
    dedupe_on: DedupeOpt = None,
    strict: StrictOpt = False,
    max_tokens: MaxTokensOpt = DEFAULT_MAX_TOKENS,
    bucket_prompt_tokens: BucketPromptTokensOpt = DEFAULT_BUCKET_PROMPT_TOKENS,
    input_format: InputFormatOpt = None,
    source: SourceOpt = None,
    user: UserOpt = None,
    user_map: UserMapOpt = None,
    fmt: FormatOpt = "table",
    quiet: QuietOpt = False,
) -> None:
    """Load usage logs into events and print the load accounting.

    Every file's rows are accounted for: read = loaded + rejected + duplicates. Rejected rows
    are kept in the rejected_rows table with file, row and reason.

    Example (from the repository root): planalyzer load sample_logs/parquet --db usage.duckdb
    """
    with user_errors(db, LOAD_MEMORY_HINT) as run:
        check_format(fmt)
        opts = load_options(map_, mapping, timezone, dedupe_on, strict, max_tokens,
                             input_format, source, user, user_map, bucket_prompt_tokens, ctx)
        with Store(db) as store:
            run.loading = True
            run.loads_into(store, sources)
            report = load_with_progress(store, sources, opts, show_progress(quiet, fmt))
            run.loading = False
            # the terminal lists at most 50 files (drawing thousands takes seconds)
            tables = accounting_tables(report, TERMINAL_FILE_ROWS if fmt == "table" else None)
            tables.insert(0, usage_summary(store.con))
        if fmt == "table":
            emit([t for t in tables if t.rows], fmt)
            if not quiet:
                console().print(summary_line(report))
        else:
            emit(tables, fmt, {"seconds": round(report.seconds, 3)})


@app.command(name="map")
def show_mapping(
    sources: SourcesArg,
    map_: MapOpt = None,
    mapping: MappingFileOpt = None,
    input_format: InputFormatOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Show each file's column mapping, without loading.

    How each file's columns map onto the events schema, and the columns left unused.

    Example (from the repository root): planalyzer map sample_logs/csv
    (--map user_id=account reads a column named account as the user id)
    """
    with user_errors():
        check_format(fmt)
        opts = load_options(map_, mapping, "UTC", None, False, DEFAULT_MAX_TOKENS, input_format)
        emit(mapping_tables(sources, opts), fmt)


@app.command()
def demo(
    fmt: FormatOpt = "table",
    quiet: PlainQuietOpt = False,
) -> None:
    """Load the shipped sample logs and print the headline summary.

    The sample logs are sample_logs/ of the repository (or of the installed package): a
    synthetic October of 299 users, as parquet, CSV and JSON lines. The demo reads the
    parquet copy; its last line prints where it is, for `planalyzer report PATH`.

    Example: planalyzer demo
    """
    from planalyzer.report import build_report
    from planalyzer.report_tables import headline

    with user_errors():
        check_format(fmt)
        with Store() as store:
            report = load_with_progress(store, demo_sources(), LoadOptions(),
                                        show_progress(quiet, fmt))
            tables = [usage_summary(store.con), top_users_by_tokens(store.con, 10)]
            acct = accounting_tables(report)[0]
            data = build_report(store.con, plan_fit=False)
            tables.append(headline(data))
        samples = display_path(demo_sources()[0])
        if fmt == "table":
            emit(tables, fmt)
            if not quiet:
                console().print(summary_line(report))
                console().print(f"sample logs: {samples} (planalyzer report {samples} gives "
                                "the full tables)", soft_wrap=True)
        else:
            emit([acct, *tables], fmt)


@app.command()
def plans(
    plans_file: Annotated[Path | None, typer.Option(
        "--plans", help="Plan catalog TOML (default: the shipped catalog).")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Show the plan catalog.

    Prices (monthly and annual), limits with their windows, meters and caps, overage
    policies, and the source and date behind each plan.

    Example: planalyzer plans --format markdown
    """
    from planalyzer.plan_catalog_tables import catalog_tables
    from planalyzer.plans import load_plan_catalog

    with user_errors():
        check_format(fmt)
        emit(catalog_tables(load_plan_catalog(plans_file)), fmt)


@app.command()
def costs(
    ctx: typer.Context,
    sources: Annotated[list[str] | None, typer.Argument(
        help="Logs whose models to show; without any, every model in the catalog.")] = None,
    costs_file: CostsOpt = None,
    prices_file: PricesOpt = None,
    sensitivity: Annotated[bool, typer.Option(
        "--sensitivity", help="Also show how the per-token cost moves with each assumption.")]
        = False,
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
    """Show what each model costs to serve, and what the cost rests on.

    Per token class and per typical request, the bound (compute or memory) and batch behind
    it, the model shapes and serving profiles it rests on.

    Example: planalyzer costs sample_logs/parquet --sensitivity
    """
    from planalyzer.costs import (
        costs_tables,
        load_cost_catalog,
        load_price_catalog,
        logged_models,
        price_events,
        sensitivity_tables,
    )
    from planalyzer.costs.totals import by_model_table

    with user_errors(db, LOAD_MEMORY_HINT) as run:
        check_format(fmt)
        catalog = load_cost_catalog(costs_file)
        prices = load_price_catalog(prices_file)
        models: list[str] | None = None
        scope: str | None = None  # with --db: the files it holds beyond those named
        by_model = None  # with logs: their requests, value and cost per model
        read: dict[str, Any] | None = None  # with logs: the sources and rows read
        if db is not None:
            check_sources(sources, db)
        if sources or db:  # with --db alone: the models of the events it holds
            opts = load_options(map_, mapping, timezone, dedupe_on, strict, max_tokens,
                                 input_format, source, user, user_map, bucket_prompt_tokens, ctx)
            with Store(db, read_only=not sources) as store:
                run.loads_into(store, sources)
                loaded = load_for_analysis(store, sources, opts, quiet, fmt)
                scope = store.others_note(loaded)
                read = loaded_sources(store, sources, loaded)
                models = logged_models(store.con)
                # unknown or unpriced models, with their volumes: an error with --strict
                checked = price_events(store.con, catalog, prices=prices, strict=strict)
                for warning in [] if quiet else checked.warnings:
                    sys.stderr.write(f"warning: {warning}\n")
                by_model = by_model_table(store.con)
        tables = costs_tables(catalog, prices, models)
        if scope:
            tables[0].notes.append(scope)  # the models shown are every file's in --db
        if by_model is not None:
            tables.append(by_model)
        if sensitivity:
            tables += sensitivity_tables(catalog, prices, models)
        meta = run_meta(timezone, costs=costs_file, prices=prices_file, sources=read)
        del meta["period"], meta["catalogs"]["plans"]  # costs prices no period, no plan
        emit(tables, fmt, meta)


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into.")],
    users: Annotated[int | None, typer.Option("--users", help="Number of users.")] = None,
    events: Annotated[int | None, typer.Option(
        "--events", help="Instead: add users until about this many events are expected "
        "(the summary shows target and count).")] = None,
    months: Annotated[int, typer.Option("--months", help="Months of history.")] = 1,
    start: Annotated[str, typer.Option("--start", help="First month, YYYY-MM.")] = "2026-10",
    seed: Annotated[int, typer.Option("--seed", help="Seed: same seed, same files.")] = 0,
    rows_per_file: Annotated[int, typer.Option(
        "--rows-per-file", help="Split each month into files of about this many rows.")]
        = 8_000_000,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Replace what an earlier generate wrote in --out.")] = False,
    describe_: Annotated[bool, typer.Option(
        "--describe", help="Print the population's statistics next to published targets.")]
        = False,
    fmt: FormatOpt = "table",
    quiet: PlainQuietOpt = False,
) -> None:
    """Write a seeded synthetic usage population.

    Parquet in the canonical events schema, drawn to approach published usage distributions
    (--describe shows how close: the medians and token mix match; the top users' shares of
    spend run below the published ones). Load OUT/events afterwards.

    Example: planalyzer generate --users 300 --months 1 --seed 7 --out synth --describe
    """
    from planalyzer.synth import describe
    from planalyzer.synth import generate as synth_generate

    with user_errors():
        check_format(fmt)
        if (users is None) == (events is None):
            raise PlanalyzerError("give exactly one of --users N or --events N")
        for flag, value in (("--users", users), ("--events", events), ("--months", months),
                            ("--rows-per-file", rows_per_file)):
            if value is not None and value < 1:
                raise PlanalyzerError(f"{flag} must be at least 1, got {value}")
        kwargs: dict[str, Any] = dict(users=users, target_events=events, months=months,
                                      start=start, seed=seed, rows_per_file=rows_per_file,
                                      overwrite=overwrite)
        if show_progress(quiet, fmt):
            with Progress(TextColumn("generating"), BarColumn(),
                          TextColumn("{task.completed}/{task.total} files"),
                          console=console(stderr=True), transient=True) as bar:
                task = bar.add_task("", total=None)
                summary = synth_generate(
                    out, progress=lambda done, total: bar.update(task, completed=done,
                                                                 total=total), **kwargs)
        else:
            summary = synth_generate(out, **kwargs)
        tables = [summary.as_table()]
        if describe_:
            tables += describe(out)
        # the wall time is in meta (JSON) or under the tables, never in a table's rows
        emit(tables, fmt, {"seconds": round(summary.seconds, 3)})
        if fmt == "table" and not quiet:
            console().print(f"written in {summary.seconds:,.1f} s")


@app.command()
def report(
    ctx: typer.Context,
    sources: AnalysisSourcesArg = None,
    plans: Annotated[Path | None, typer.Option(
        "--plans", help="Plan catalog TOML (default: the shipped catalog).")] = None,
    costs: Annotated[Path | None, typer.Option(
        "--costs", help="Cost catalog TOML (default: the shipped cost model).")] = None,
    prices: PricesOpt = None,
    assign: Annotated[list[str] | None, typer.Option(
        "--assign", help="USER_GLOB=PLAN, first match wins (repeatable); overrides the "
        "plan file and the logs' plan column.")] = None,
    plan_file: Annotated[Path | None, typer.Option(
        "--plan-file", help="CSV or parquet with columns user_id, plan.")] = None,
    month: MonthOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    by: Annotated[str, typer.Option("--by", help="plan, user or month.")] = "plan",
    top: Annotated[int, typer.Option(
        "--top", help="Unprofitable user-months to list in the users table, by loss (--by "
        "user lists every user instead).")] = 20,
    no_fit: Annotated[bool, typer.Option(
        "--no-fit", help="Skip plan fit (replays every user under every plan).")] = False,
    fit_plans: Annotated[list[str] | None, typer.Option(
        "--fit-plans", help="Plans plan fit may recommend: keys or globs, comma list or "
        "repeated (e.g. 'claude_*,api_*'; default: every plan of the catalog).")] = None,
    fail_if_unprofitable: Annotated[bool, typer.Option(
        "--fail-if-unprofitable", help="Exit 1 if any user-month loses money.")] = False,
    sensitivity: Annotated[bool, typer.Option(
        "--sensitivity", help="Add a tornado of contribution margin against the cost "
        "assumptions (docs/economics.md).")] = False,
    range_: Annotated[list[str] | None, typer.Option(
        "--range", help="NAME=LOW:HIGH for --sensitivity (repeatable): gpu_price, "
        "utilization, mfu, mbu, batch, cache_read; x0.5 = half the catalog's value, 0.3 = "
        "that value.")] = None,
    fixed_cost: Annotated[float | None, typer.Option(
        "--fixed-cost", help="Add break-even: USD of fixed cost (training, R&D) to pay "
        "back (100000, 100_000, 1e5 or 100k).", parser=usd_value, metavar="<usd>")] = None,
    payback_months: Annotated[float, typer.Option(
        "--payback-months", help="Months to pay --fixed-cost back over (1: a monthly "
        "cost).")] = 12.0,
    project_months: Annotated[int | None, typer.Option(
        "--project", help="Add margins projected this many months ahead.")] = None,
    usage_growth: Annotated[float, typer.Option(
        "--usage-growth", help="For --project: monthly % growth of usage per user (10 or "
        "10%).", parser=percent_value, metavar="<percent>")] = 0.0,
    cost_decline: Annotated[float, typer.Option(
        "--cost-decline", help="For --project: monthly % decline of cost per token.",
        parser=percent_value, metavar="<percent>")] = 0.0,
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
    """Report profitability per plan, and who is unprofitable.

    Revenue, GPU cost, margins, who is unprofitable, who pays; optionally margin
    sensitivity, break-even and a projection (docs/economics.md).

    Example (from the repository root): planalyzer report sample_logs/parquet --month
    2026-10 --by plan --sensitivity
    """
    from planalyzer.economics import EconomicsOptions, economics_tables
    from planalyzer.report import build_report
    from planalyzer.report_tables import BY_CHOICES, any_unprofitable, report_tables
    from planalyzer.source_checks import source_checks

    with user_errors(db, PERIOD_MEMORY_HINT) as run:
        check_format(fmt)
        check_sources(sources, db)
        check_choice("--by", by, BY_CHOICES)
        _check_min("--top", top, 1, "users to list")
        if project_months is None and (usage_growth or cost_decline):
            raise PlanalyzerError("--usage-growth and --cost-decline need --project MONTHS")
        if fixed_cost is None and option_given(ctx, "payback_months"):
            raise PlanalyzerError("--payback-months needs --fixed-cost USD (the fixed cost "
                                  "to pay back over those months)")
        if no_fit and fit_plans:
            raise PlanalyzerError("--fit-plans needs plan fit: leave out --no-fit")
        econ = EconomicsOptions(
            sensitivity=sensitivity, ranges=tuple(range_ or ()), fixed_cost_usd=fixed_cost,
            payback_months=payback_months, project_months=project_months,
            usage_growth=usage_growth / 100.0, cost_decline=cost_decline / 100.0)
        econ.check()
        period = period_of(month, since, until)
        opts = load_options(map_, mapping, timezone, dedupe_on, strict, max_tokens,
                             input_format, source, user, user_map, bucket_prompt_tokens, ctx)
        with Store(db, read_only=not sources) as store:
            run.loads_into(store, sources)
            loaded = load_for_analysis(store, sources, opts, quiet, fmt)
            scope = store.others_note(loaded)
            read = loaded_sources(store, sources, loaded)
            with working(quiet, fmt, "pricing and capping" + ("" if no_fit else
                                                                 ", fitting plans")):
                data = build_report(store.con, plans=plans, costs=costs, prices=prices,
                                    assign=assign or [],
                                    plan_file=plan_file, timezone=timezone, period=period,
                                    strict=strict, plan_fit=not no_fit,
                                    keep_requests=econ.any, fit_plans=fit_plans or ())
            check_notes, check_tables = source_checks(store.con, data.catalog)
        say_data_warnings(data.data_warnings)
        data.notes.extend(check_notes)
        if scope:
            data.notes.append(scope)
        tables = [*report_tables(data, by, top), *check_tables]  # type: ignore[arg-type]
        if econ.any:
            tables += economics_tables(data, econ, costs=costs, prices=prices)
        emit(tables, fmt, run_meta(timezone, month, since, until, plans, costs, prices,
                                     assign or [], plan_file, covered_period(data),
                                     sources=read))
        if fail_if_unprofitable and any_unprofitable(data):
            if fmt == "table" and not quiet:
                sys.stderr.write("unprofitable users found (--fail-if-unprofitable)\n")
            raise typer.Exit(1)


@app.command()
def me(
    paths: Annotated[list[str] | None, typer.Argument(
        help="Claude Code or Codex folders or files (default: $CLAUDE_CONFIG_DIR, else "
        "~/.claude and ~/.config/claude; $CODEX_HOME, else ~/.codex).")] = None,
    claude_dir: Annotated[Path | None, typer.Option(
        "--claude-dir", help="Claude Code config folder (holds projects/).")] = None,
    codex_dir: Annotated[Path | None, typer.Option(
        "--codex-dir", help="Codex home folder (holds sessions/).")] = None,
    plans: Annotated[Path | None, typer.Option(
        "--plans", help="Plan catalog TOML (default: the shipped catalog).")] = None,
    plan: Annotated[str | None, typer.Option(
        "--plan", help="The plan you are on, to mark it: a catalog key or name, or the plan "
        "type Codex logs (plus, pro). Default: the one plan your Codex logs name.")] = None,
    costs: CostsOpt = None,
    prices: PricesOpt = None,
    db: MeDbOpt = None,
    timezone: TzOpt = "UTC",
    bucket_prompt_tokens: BucketPromptTokensOpt = DEFAULT_BUCKET_PROMPT_TOKENS,
    fmt: FormatOpt = "table",
    quiet: QuietOpt = False,
) -> None:
    """Show whether your own plan is worth it.

    Your Claude Code and Codex usage by month: API-list value, estimated GPU cost, how close
    you came to each plan's 5-hour and weekly limits, and what each plan would have cost you.

    Example: planalyzer me --claude-dir ~/.claude --codex-dir ~/.codex --plan claude_max_5x
    """
    from planalyzer.me import check_some_usage, load_my_usage, me_tables, my_sources
    from planalyzer.plans import load_plan_catalog

    with user_errors(db) as run:
        check_format(fmt)
        timezone = check_timezone(timezone)  # the flag's name in the message, not the library's
        _check_min("--bucket-prompt-tokens", bucket_prompt_tokens, 1,
                   "mean prompt tokens per request")
        catalog = load_plan_catalog(plans)
        sources = my_sources(paths or [], claude_dir, codex_dir, db)
        with Store(db) as store:
            run.loads_into(store, sources)
            report = load_my_usage(store, sources, timezone, bucket_prompt_tokens)
            check_some_usage(store.con, report, sources)
            store_accounting(store, report, quiet, [fl.source for fl in report.files])
            tables = me_tables(store.con, catalog, timezone, costs=costs, prices=prices,
                               your_plan=plan, files=[fl.source for fl in report.files])
        why = rejected_reasons(report)
        if why:  # as the analysis commands say them, -q or not: never silently lost
            sys.stderr.write(f"rejected: {why}: left out of every figure (`planalyzer load` on "
                             "the same folders lists them)\n")
        unterminated = skipped_lines(report)[1]
        notes = [*report.notes, *([unterminated_note(unterminated)] if unterminated else [])]
        if fmt == "table":
            emit(tables, fmt)
            if not quiet:
                for n in notes:
                    console().print(n)
                console().print(summary_line(report))
        else:
            if not quiet:  # on stderr, as the analysis commands say a load's notes
                for n in notes:
                    sys.stderr.write(f"note: {n}\n")
            meta = run_meta(timezone, plans=plans, costs=costs, prices=prices)
            del meta["period"]  # me covers every month of your logs (its tables name them)
            emit(tables, fmt, {"seconds": round(report.seconds, 3),
                                "rows_loaded": report.rows_loaded,
                                "unterminated_last_lines": unterminated, **meta})

# -- what-if, sweep, optimize (planalyzer/cli_whatif.py) ------------------------------------

app.command()(whatif)
app.command()(sweep)
app.command()(optimize)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"planalyzer {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Buffet-pricing analysis of AI usage logs."""


# click's error classes, as typer raises them (typer ships its own click and exports only
# BadParameter, a UsageError, a ClickException)
_USAGE_ERROR: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")
_CLICK_ERROR: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def main() -> None:
    """The ``planalyzer`` command. A usage error (an option's value that is not a number, a
    missing option or value, an unknown option) is one line on stderr, exit code 2, as
    planalyzer's own errors are, rather than click's usage block. Ctrl-C anywhere is one line,
    ``interrupted``, exit 130 (143 for SIGTERM)."""
    Interrupt.said = False
    try:
        usable_streams()
        guard_streams()  # a reader that closes the pipe early (| head): exit 141, no message
        terminal_columns()  # a bad COLUMNS is dropped before rich reads it
        on_sigterm()
        code = app(standalone_mode=False)
        if code == 130 and not Interrupt.said:
            # Ctrl-C outside a command's user_errors (parsing the options, importing what the
            # command uses): typer makes it exit code 130, silently
            raise KeyboardInterrupt
        sys.stdout.flush()  # here, where a closed pipe is caught, not at exit
    except OutputClosed:
        end_quietly()
    except _CLICK_ERROR as exc:  # a usage error; or a file option that cannot be opened
        if type(exc).__name__ == "NoArgsIsHelpError":  # no command: the help, as before
            exc.show()  # type: ignore[attr-defined]
            sys.exit(int(getattr(exc, "exit_code", 2)))
        line = (usage_error_line(exc) if isinstance(exc, _USAGE_ERROR)
                else " ".join(exc.format_message().split()))  # type: ignore[attr-defined]
        sys.stderr.write(f"error: {line}\n")
        sys.exit(int(getattr(exc, "exit_code", 2)))
    except typer.Abort:  # an end of input at a prompt (planalyzer has none)
        sys.stderr.write("aborted\n")
        sys.exit(143 if Terminated.seen else 2)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(143 if Terminated.seen else 130)
    except OSError as exc:
        what = _OUTPUT_ERRORS.get(exc.errno or 0)
        if what is None:
            raise
        # the output's disk is full (> /dev/full); a --db store's own writes say so themselves.
        # Exit 2, as other errors: 1 is a finding asked to fail on (--fail-if-unprofitable)
        sys.stderr.write(f"error: cannot write the output: {what}\n")
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


# errors only a write gives, so an OSError with one that reaches main() is the output's
_OUTPUT_ERRORS = {
    errno.ENOSPC: "no space left on its device",
    getattr(errno, "EDQUOT", errno.ENOSPC): "the disk quota is used up",  # (not on Windows)
    errno.EFBIG: "the file is too large for its file system",
}


def usage_error_line(exc: Any) -> str:
    """A click usage error as one line: the message, then where help is (and, for a missing
    --scenario, the shipped scenarios' names)."""
    message = " ".join(exc.format_message().split())
    param = getattr(exc, "param", None)
    if type(exc).__name__ == "MissingParameter" and getattr(param, "name", None) == "scenario":
        from planalyzer.whatif import shipped_scenarios

        message += (" Give a scenario TOML or a shipped scenario's name: "
                    + ", ".join(s.stem for s in shipped_scenarios()) + ".")
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else _command_path(sys.argv[1:])
    return f"{message} ({path} --help for usage)"


def _command_path(args: list[str]) -> str:
    """``planalyzer COMMAND`` for the command ``args`` name first (click's parser raises an
    option missing its value without a context), else ``planalyzer``."""
    names = {c.name for c in app.registered_commands if c.name} | {
        c.callback.__name__.replace("_", "-") for c in app.registered_commands if c.callback}
    first = next((a for a in args if not a.startswith("-")), None)
    return f"planalyzer {first}" if first in names else "planalyzer"
