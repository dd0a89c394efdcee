"""The planalyzer command line: parse options, call the library, render. No SQL, no arithmetic."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from planalyzer import __version__
from planalyzer.accounting import (
    LoadReport,
    accounting_tables,
    display_path,
    no_usage_detail,
    skipped_lines,
    store_totals,
    unterminated_note,
)
from planalyzer.checks import check_choice
from planalyzer.checks import check_min as _check_min
from planalyzer.errors import InputError, PlanalyzerError
from planalyzer.load_checks import INPUT_FORMATS
from planalyzer.render.formats import FORMATS, render_text
from planalyzer.render.terminal import print_tables
from planalyzer.samples import demo_sources
from planalyzer.sources.inspect import mapping_tables
from planalyzer.sources.mapping import (
    MappingSpec,
    merge_specs,
    parse_map_options,
    read_mapping_file,
)
from planalyzer.sources.registry import names as source_names
from planalyzer.sources.registry import read_user_map
from planalyzer.sources.report_json import DEFAULT_BUCKET_PROMPT_TOKENS
from planalyzer.store import DEFAULT_MAX_TOKENS, LoadOptions, Store
from planalyzer.store_open import interrupted, store_error
from planalyzer.tables import Table
from planalyzer.timezones import check_timezone
from planalyzer.usage import top_users_by_tokens, usage_summary

if TYPE_CHECKING:
    from planalyzer.analysis import Period

# The report, analysis and source-check modules (and polars with them) are imported inside
# the commands that use them: `planalyzer load` and `map` start without them.

app = typer.Typer(
    name="planalyzer",
    help="Does our $200 plan lose money, on whom, and what should we change?\n\n"
         "Loads per-user token usage logs into DuckDB and sets each user's month against "
         "flat-rate plans.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# -- shared options ---------------------------------------------------------------------------

SourcesArg = Annotated[list[str], typer.Argument(
    help="Log files, folders or globs (parquet, CSV, JSON lines); hive folders are searched.")]
AnalysisSourcesArg = Annotated[list[str] | None, typer.Argument(
    help="Log files, folders or globs (parquet, CSV, JSON lines); hive folders are searched. "
    "With --db, none: the events the file holds.", show_default=False)]
DbOpt = Annotated[Path | None, typer.Option(
    "--db", help="Keep a DuckDB file; later runs load only new or changed files (report, "
    "costs and the what-if commands given no sources read the events it holds).")]
MeDbOpt = Annotated[Path | None, typer.Option(
    "--db", help="Keep what me loaded in a DuckDB file: the next run reads only new or "
    "changed files (the folders are still read; report --db FILE analyses the store).")]
FormatOpt = Annotated[str, typer.Option(
    "--format", "-f", help="Output format: table, json, csv or markdown.")]
QuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q", help="No progress or notes (rejected rows are still counted on stderr).")]
MapOpt = Annotated[list[str] | None, typer.Option(
    "--map", help="Column mapping canonical=theirs, e.g. --map user_id=account (repeatable).")]
MappingFileOpt = Annotated[Path | None, typer.Option(
    "--mapping", help="TOML mapping file: [columns] canonical = \"theirs\".")]
TzOpt = Annotated[str, typer.Option(
    "--timezone", "--tz", help="Zone of timestamps without an offset, and of day/month "
    "boundaries in reports (IANA name).")]
LoadTzOpt = Annotated[str, typer.Option(
    "--timezone", "--tz", help="Zone of timestamps without an offset in this load (IANA "
    "name); the store keeps UTC: reports take their own --timezone for day and month "
    "boundaries.")]
DedupeOpt = Annotated[str | None, typer.Option(
    "--dedupe-on", help="Drop rows repeating these canonical columns (comma-separated); "
    "without it only repeated event_id values are duplicates.")]
StrictOpt = Annotated[bool, typer.Option(
    "--strict", help="Fail (exit 2) if any row is rejected; nothing is loaded.")]
PricingStrictOpt = Annotated[bool, typer.Option(
    "--strict", help="Fail (exit 2) if any row is rejected, or a logged model is not in the "
    "cost catalog or has no API list price.")]
MaxTokensOpt = Annotated[int, typer.Option(
    "--max-tokens", help="Reject a row whose token count in any class exceeds this.")]
BucketPromptTokensOpt = Annotated[int, typer.Option(
    "--bucket-prompt-tokens", help="Assumed mean prompt tokens per request of a usage bucket "
    "that logs no request count (Anthropic usage reports): its count is estimated as its "
    "prompt tokens / this; GPU cost rests on it.")]
InputFormatOpt = Annotated[str | None, typer.Option(
    "--input-format", help="Read every source as parquet, csv or jsonl, whatever its extension.")]
SourceOpt = Annotated[str | None, typer.Option(
    "--source", help="Log format: " + ", ".join(source_names()) + " (default: detected "
    "from each folder's layout and each file's content).")]
UserOpt = Annotated[str | None, typer.Option(
    "--user", help="User id for a single user's transcript folder (default: me).")]
UserMapOpt = Annotated[Path | None, typer.Option(
    "--user-map", help="TOML [users] table: folder name = \"user id\", for a folder of "
    "users' transcript folders.")]


def _console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    # Piped output has no terminal width to follow: use a wide one (COLUMNS still wins).
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 160
    # markup off: user ids, model names and paths from the logs print as they are (a "[/x]"
    # in a model name is text, not a rich tag)
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width, markup=False)


@contextmanager
def _working(quiet: bool, fmt: str, what: str) -> Iterator[None]:
    """A spinner on stderr while long work runs (a terminal only, as the load's progress)."""
    if not _show_progress(quiet, fmt):
        yield
        return
    with _console(stderr=True).status(what):
        yield


@dataclass
class _Run:
    """What a command is doing, for the line a Ctrl-C gets."""

    loading: bool = False  # inside a load (it rolls back: nothing of it is kept)


@contextmanager
def _user_errors(db: Path | None = None) -> Iterator[_Run]:
    """Bad input or usage: one line naming what is wrong, exit 2, no traceback. With ``db``
    (the --db file): a damaged file, or one a load could not save to, is said as such, and a
    file the command created is removed when it fails (an empty file it was given is left
    empty). Ctrl-C: 'interrupted', exit 130, no traceback."""
    run = _Run()
    was = _size_of(db)
    try:
        yield run
    except (typer.Exit, SystemExit):
        raise
    except BaseException as exc:
        _undo_new_store(db, was)
        if isinstance(exc, PlanalyzerError):
            sys.stderr.write(f"error: {exc}\n")
            raise typer.Exit(exc.exit_code) from None
        if interrupted(exc):
            kept = " (the --db file is as it was)" if db is not None else ""
            sys.stderr.write(f"interrupted: nothing was loaded{kept}\n" if run.loading
                             else "interrupted\n")
            raise typer.Exit(130) from None
        err = store_error(db, exc)
        if err is None:
            raise
        sys.stderr.write(f"error: {err}\n")
        raise typer.Exit(err.exit_code) from None


def _size_of(db: Path | None) -> int | None:
    """The --db file's size before the command (None: no such file)."""
    try:
        return db.stat().st_size if db is not None else None
    except FileNotFoundError:
        return None
    except OSError:
        return -1  # there, but not to be looked at: never removed


def _undo_new_store(db: Path | None, was: int | None) -> None:
    """A command that failed leaves no new --db file behind (Store creates the file before
    the sources are found); an empty file it was given is left empty."""
    if db is None or (was is not None and was != 0):
        return
    with suppress(OSError):
        db.with_name(db.name + ".wal").unlink(missing_ok=True)
        if was is None:
            db.unlink(missing_ok=True)
        elif db.is_file():
            db.write_bytes(b"")


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise PlanalyzerError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")


def _run_meta(timezone: str, month: list[str] | None = None, since: str | None = None,
              until: str | None = None, plans: Path | None = None, costs: Path | None = None,
              prices: Path | None = None, assign: list[str] | None = None,
              plan_file: Path | None = None, covered: dict[str, Any] | None = None
              ) -> dict[str, Any]:
    """JSON's ``meta``: the options that shape the figures, so two runs' documents say what
    they compare (each catalog's file, or null, and the shipped one it rests on; a period of
    nulls is all months, ``covered``: the months the figures cover, run_meta.covered_months)."""
    from planalyzer.run_meta import catalog_meta

    meta: dict[str, Any] = {
        "timezone": timezone,
        "period": {"months": list(month or []), "since": since, "until": until,
                   **(covered or {})},
        "catalogs": catalog_meta(plans=plans, costs=costs, prices=prices),
    }
    if assign is not None or plan_file is not None:
        meta["assignments"] = {"assign": list(assign or []),
                               "plan_file": str(plan_file) if plan_file else None}
    return meta


def _covered(data: Any) -> dict[str, Any]:
    """``period.covered``/``partial`` of JSON's meta from a report's ``ReportData`` or a what-if
    ``Evaluator`` (its history's user-months)."""
    from planalyzer.analysis import month_label
    from planalyzer.run_meta import covered_months

    if hasattr(data, "user_months"):
        return covered_months(data.user_months["month"].to_list(), data.partial_months)
    keys = data.h.user_months["month_key"].unique().to_list()
    return covered_months(month_label(int(k)) for k in keys)


def _emit(tables: list[Table], fmt: str, meta: dict[str, Any] | None = None) -> None:
    if fmt == "table":
        print_tables(_console(), tables)
    else:
        sys.stdout.write(render_text(tables, fmt, meta))


def _load_options(
    map_: list[str] | None, mapping: Path | None, tz: str, dedupe_on: str | None,
    strict: bool, max_tokens: int, input_format: str | None, source: str | None = None,
    user: str | None = None, user_map: Path | None = None,
    bucket_prompt_tokens: int = DEFAULT_BUCKET_PROMPT_TOKENS, ctx: typer.Context | None = None,
) -> LoadOptions:
    _check_min("--max-tokens", max_tokens, 1, "tokens per class per request")
    _check_min("--bucket-prompt-tokens", bucket_prompt_tokens, 1,
               "mean prompt tokens per request")
    check_timezone(tz)  # here, not only in a load: with --db and no sources nothing is loaded
    spec: MappingSpec = merge_specs(read_mapping_file(mapping) if mapping else None,
                                    parse_map_options(map_ or []))
    if input_format is not None:
        check_choice("--input-format", input_format, INPUT_FORMATS)
    dedupe = tuple(c.strip() for c in dedupe_on.split(",") if c.strip()) if dedupe_on else ()
    # an option given on the command line is given even at its default's value (--timezone
    # UTC): it applies to a --db store's changed files; one left out is not passed at all
    given: dict[str, Any] = {name: value for name, value in (
        ("timezone", tz), ("max_tokens", max_tokens),
        ("bucket_prompt_tokens", bucket_prompt_tokens)) if _given(ctx, name)}
    return LoadOptions(mapping=spec, dedupe_on=dedupe, strict=strict,
                       input_format=input_format, source=source, user_id=user,
                       user_map=read_user_map(user_map) if user_map else {}, **given)


def _given(ctx: typer.Context | None, param: str) -> bool:
    """Whether the command's parameter ``param`` was given (on the command line or by its
    environment variable), not left at its default."""
    source = ctx.get_parameter_source(param) if ctx is not None else None
    return source is not None and source.name != "DEFAULT"


def _show_progress(quiet: bool, fmt: str) -> bool:
    return not quiet and fmt == "table" and sys.stderr.isatty()


def _load(store: Store, sources: list[str], opts: LoadOptions, progress: bool) -> LoadReport:
    if not progress:
        return store.load(sources, opts)
    with Progress(TextColumn("loading {task.description}", markup=False), BarColumn(),
                  TextColumn("{task.fields[count]}"),
                  console=_console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=None, count="")  # finding the files: no count yet

        def step(path: str, i: int, n: int) -> None:
            bar.update(task, description=display_path(path), completed=i, total=n,
                       count=f"{i}/{n} files")

        return store.load(sources, opts, step)


def _load_for_analysis(store: Store, sources: list[str] | None, opts: LoadOptions,
                       quiet: bool, fmt: str) -> LoadReport:
    """Load for a command that reports on the events (report, costs, whatif ...): rows that
    could not be used are said on stderr (never silently lost), and no usable event at all is
    an error rather than an empty report. No sources with a --db file: its events as they
    are (nothing is read)."""
    if not sources:  # the events a --db file holds, as earlier loads left them
        if store.events_count() == 0:
            raise InputError(f"--db {store.path}: holds no events; load logs into it first "
                             f"(planalyzer load SOURCES --db {store.path})")
        unused = [o for o in opts.read_options() if o != "--timezone"]
        if unused and not quiet:  # nothing is read: options on how to read have no effect
            sys.stderr.write(f"note: no sources named, so nothing is read: {', '.join(unused)} "
                             f"do not apply to the events --db {store.path} holds (they are "
                             "as loaded; --timezone still sets the billing months)\n")
        _store_accounting(store, LoadReport([]), quiet)
        return LoadReport([])
    report = _load(store, sources, opts, _show_progress(quiet, fmt))
    why = _rejected_reasons(report)
    if store.events_count() == 0:
        kinds, unterminated = skipped_lines(report)
        read = (no_usage_detail(report) if kinds or unterminated
                else f"{report.rows_read:,} rows read")
        raise InputError(
            f"{', '.join(sources)}: no usable events ({read}"
            + (f"; rejected: {why}" if why else "")
            + "); `planalyzer load` on the same files lists the rejected rows")
    if not quiet:  # what the load has to say about how it read the files
        for note in report.notes:
            sys.stderr.write(f"note: {note}\n")
    # rejected rows are a warning and are said even with -q; dropped duplicates are not
    if report.rows_rejected or (not quiet and report.duplicates_dropped):
        sys.stderr.write(f"{_summary_line(report)}\n"
                         + (f"rejected: {why} (`planalyzer load` on the same files lists "
                            "them; with --db they are kept in its rejected_rows table)\n"
                            if why else ""))
    _store_accounting(store, report, quiet)
    return report


def _store_accounting(store: Store, report: LoadReport, quiet: bool,
                      files: list[str] | None = None) -> None:
    """With a --db file: its files' accounting (``files``: these only), one stderr line, when
    they hold rejected rows (even with -q) or dropped duplicates this run did not say (files
    loaded earlier): analysis over a store never hides that requests are missing from it."""
    if store.path is None:
        return
    count, total = store_totals(store.con, files)
    if not (total.rows_rejected > report.rows_rejected
            or (not quiet and total.duplicates_dropped > report.duplicates_dropped)):
        return
    why = _rejected_reasons(LoadReport([total]))
    sys.stderr.write(f"--db {store.path} holds {total.rows_read:,} rows read = "
                     f"{total.rows_loaded:,} loaded + {total.rows_rejected:,} rejected + "
                     f"{total.duplicates_dropped:,} duplicates ({count:,} file(s))"
                     + (f"; rejected: {why} (kept in its rejected_rows table)" if why else "")
                     + "\n")


def _check_sources(sources: list[str] | None, db: Path | None) -> None:
    """An analysis command needs sources, or a --db file (that exists) to read events from."""
    if sources:
        return
    if db is None:
        raise InputError("no sources given: name log files, folders or globs, or a --db file "
                         "that holds loaded events")
    if not db.exists():
        raise InputError(f"--db {db}: no such file, and no sources named to load into it; "
                         "check the path, or name the logs to load")


def _rejected_reasons(report: LoadReport) -> str:
    """The rejection reasons of every file, summed: 'missing model x3, ...' ('' if none)."""
    reasons: dict[str, int] = {}
    for f in report.files:
        for reason, n in f.rejected_by_reason.items():
            reasons[reason] = reasons.get(reason, 0) + n
    return ", ".join(f"{r} x{n:,}" for r, n in sorted(reasons.items()))


_TERMINAL_FILE_ROWS = 50


def _summary_line(report: LoadReport) -> str:
    return (f"{report.rows_read:,} rows read = {report.rows_loaded:,} loaded + "
            f"{report.rows_rejected:,} rejected + {report.duplicates_dropped:,} duplicates "
            f"({len(report.files):,} file(s), {report.seconds:.1f} s)")


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

    Example: planalyzer load 'exports/month=*/*.parquet' --db usage.duckdb
    """
    with _user_errors(db) as run:
        _check_format(fmt)
        opts = _load_options(map_, mapping, timezone, dedupe_on, strict, max_tokens,
                             input_format, source, user, user_map, bucket_prompt_tokens, ctx)
        with Store(db) as store:
            run.loading = True
            report = _load(store, sources, opts, _show_progress(quiet, fmt))
            run.loading = False
            # the terminal lists at most 50 files (drawing thousands takes seconds)
            tables = accounting_tables(report, _TERMINAL_FILE_ROWS if fmt == "table" else None)
            tables.insert(0, usage_summary(store.con))
        if fmt == "table":
            _emit([t for t in tables if t.rows], fmt)
            if not quiet:
                _console().print(_summary_line(report))
        else:
            _emit(tables, fmt, {"seconds": round(report.seconds, 3)})


@app.command(name="map")
def show_mapping(
    sources: SourcesArg,
    map_: MapOpt = None,
    mapping: MappingFileOpt = None,
    input_format: InputFormatOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Show how each file's columns map onto the events schema, without loading.

    Example: planalyzer map exports/usage.csv --map user_id=account
    """
    with _user_errors():
        _check_format(fmt)
        opts = _load_options(map_, mapping, "UTC", None, False, DEFAULT_MAX_TOKENS, input_format)
        _emit(mapping_tables(sources, opts), fmt)


@app.command()
def demo(
    fmt: FormatOpt = "table",
    quiet: QuietOpt = False,
) -> None:
    """Load the shipped sample logs and print the headline summary.

    Example: planalyzer demo
    """
    from planalyzer.report import build_report
    from planalyzer.report_tables import headline

    with _user_errors():
        _check_format(fmt)
        with Store() as store:
            report = _load(store, demo_sources(), LoadOptions(), _show_progress(quiet, fmt))
            tables = [usage_summary(store.con), top_users_by_tokens(store.con, 10)]
            acct = accounting_tables(report)[0]
            data = build_report(store.con, plan_fit=False)
            tables.append(headline(data))
        if fmt == "table":
            _emit(tables, fmt)
            if not quiet:
                _console().print(_summary_line(report))
        else:
            _emit([acct, *tables], fmt)


CostsOpt = Annotated[Path | None, typer.Option(
    "--costs", help="TOML overriding or extending the cost catalogs (hardware, models, serving).")]
PricesOpt = Annotated[Path | None, typer.Option(
    "--prices", help="API list prices: a TOML catalog or a LiteLLM "
    "model_prices_and_context_window.json.")]


@app.command()
def plans(
    plans_file: Annotated[Path | None, typer.Option(
        "--plans", help="Plan catalog TOML (default: the shipped catalog).")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Show the plan catalog: prices (monthly and annual), limits with their windows, meters
    and caps, overage policies, and the source and date behind each plan.

    Example: planalyzer plans --format markdown
    """
    from planalyzer.plan_catalog_tables import catalog_tables
    from planalyzer.plans import load_plan_catalog

    with _user_errors():
        _check_format(fmt)
        _emit(catalog_tables(load_plan_catalog(plans_file)), fmt)


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
    """Show what each model costs to serve per token class and per typical request, the bound
    (compute or memory) and batch behind it, and the assumptions it rests on.

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

    with _user_errors(db):
        _check_format(fmt)
        catalog = load_cost_catalog(costs_file)
        prices = load_price_catalog(prices_file)
        models: list[str] | None = None
        scope: str | None = None  # with --db: the files it holds beyond those named
        by_model = None  # with logs: their requests, value and cost per model
        if db is not None:
            _check_sources(sources, db)
        if sources or db:  # with --db alone: the models of the events it holds
            opts = _load_options(map_, mapping, timezone, dedupe_on, strict, max_tokens,
                                 input_format, source, user, user_map, bucket_prompt_tokens, ctx)
            with Store(db, read_only=not sources) as store:
                loaded = _load_for_analysis(store, sources, opts, quiet, fmt)
                scope = store.others_note(loaded)
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
        meta = _run_meta(timezone, costs=costs_file, prices=prices_file)
        del meta["period"], meta["catalogs"]["plans"]  # costs prices no period, no plan
        _emit(tables, fmt, meta)


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
    quiet: QuietOpt = False,
) -> None:
    """Write a seeded synthetic usage population (parquet, canonical events schema), drawn to
    approach published usage distributions (--describe shows how close: the medians and token
    mix match; the top users' shares of spend run below the published ones). Load OUT/events
    afterwards.

    Example: planalyzer generate --users 300 --months 1 --seed 7 --out synth --describe
    """
    from planalyzer.synth import describe
    from planalyzer.synth import generate as synth_generate

    with _user_errors():
        _check_format(fmt)
        if (users is None) == (events is None):
            raise PlanalyzerError("give exactly one of --users N or --events N")
        for flag, value in (("--users", users), ("--events", events), ("--months", months),
                            ("--rows-per-file", rows_per_file)):
            if value is not None and value < 1:
                raise PlanalyzerError(f"{flag} must be at least 1, got {value}")
        kwargs: dict[str, Any] = dict(users=users, target_events=events, months=months,
                                      start=start, seed=seed, rows_per_file=rows_per_file,
                                      overwrite=overwrite)
        if _show_progress(quiet, fmt):
            with Progress(TextColumn("generating"), BarColumn(),
                          TextColumn("{task.completed}/{task.total} files"),
                          console=_console(stderr=True), transient=True) as bar:
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
        _emit(tables, fmt, {"seconds": round(summary.seconds, 3)})
        if fmt == "table" and not quiet:
            _console().print(f"written in {summary.seconds:,.1f} s")


def _period(month: list[str] | None, since: str | None, until: str | None) -> Period:
    from datetime import date

    from planalyzer.analysis import Period, parse_month

    def day(opt: str, text: str | None) -> date | None:
        if text is None:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise PlanalyzerError(f"{opt} {text!r}: write a date as YYYY-MM-DD") from None

    if month and (since or until):
        raise PlanalyzerError("--month and --since/--until: give one or the other")
    return Period(tuple(parse_month(m) for m in month or []), day("--since", since),
                  day("--until", until))


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
    month: Annotated[list[str] | None, typer.Option(
        "--month", help="Billing month(s) to report, YYYY-MM (repeatable).")] = None,
    since: Annotated[str | None, typer.Option("--since", help="First day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(
        "--until", help="Last day (inclusive), YYYY-MM-DD.")] = None,
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
        "back.")] = None,
    payback_months: Annotated[float, typer.Option(
        "--payback-months", help="Months to pay --fixed-cost back over (1: a monthly "
        "cost).")] = 12.0,
    project_months: Annotated[int | None, typer.Option(
        "--project", help="Add margins projected this many months ahead.")] = None,
    usage_growth: Annotated[float, typer.Option(
        "--usage-growth", help="For --project: monthly % growth of usage per user.")] = 0.0,
    cost_decline: Annotated[float, typer.Option(
        "--cost-decline", help="For --project: monthly % decline of cost per token.")] = 0.0,
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
    """Profitability per plan: revenue, GPU cost, margins, who is unprofitable, who pays;
    optionally margin sensitivity, break-even and a projection (docs/economics.md).

    Example: planalyzer report 'exports/*.parquet' --month 2026-10 --by plan --sensitivity
    """
    from planalyzer.economics import EconomicsOptions, economics_tables
    from planalyzer.report import build_report
    from planalyzer.report_tables import BY_CHOICES, any_unprofitable, report_tables
    from planalyzer.source_checks import source_checks

    with _user_errors(db):
        _check_format(fmt)
        _check_sources(sources, db)
        check_choice("--by", by, BY_CHOICES)
        _check_min("--top", top, 1, "users to list")
        if project_months is None and (usage_growth or cost_decline):
            raise PlanalyzerError("--usage-growth and --cost-decline need --project MONTHS")
        econ = EconomicsOptions(
            sensitivity=sensitivity, ranges=tuple(range_ or ()), fixed_cost_usd=fixed_cost,
            payback_months=payback_months, project_months=project_months,
            usage_growth=usage_growth / 100.0, cost_decline=cost_decline / 100.0)
        econ.check()
        period = _period(month, since, until)
        opts = _load_options(map_, mapping, timezone, dedupe_on, strict, max_tokens,
                             input_format, source, user, user_map, bucket_prompt_tokens, ctx)
        with Store(db, read_only=not sources) as store:
            loaded = _load_for_analysis(store, sources, opts, quiet, fmt)
            scope = store.others_note(loaded)
            with _working(quiet, fmt, "pricing and capping" + ("" if no_fit else
                                                                 ", fitting plans")):
                data = build_report(store.con, plans=plans, costs=costs, prices=prices,
                                    assign=assign or [],
                                    plan_file=plan_file, timezone=timezone, period=period,
                                    strict=strict, plan_fit=not no_fit,
                                    keep_requests=econ.any, fit_plans=fit_plans or ())
            check_notes, check_tables = source_checks(store.con, data.catalog)
        data.notes.extend(check_notes)
        if scope:
            data.notes.append(scope)
        tables = [*report_tables(data, by, top), *check_tables]  # type: ignore[arg-type]
        if econ.any:
            tables += economics_tables(data, econ, costs=costs, prices=prices)
        _emit(tables, fmt, _run_meta(timezone, month, since, until, plans, costs, prices,
                                     assign or [], plan_file, _covered(data)))
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
        "--plan", help="The plan you are on (a catalog key or name), to mark it.")] = None,
    costs: CostsOpt = None,
    prices: PricesOpt = None,
    db: MeDbOpt = None,
    timezone: TzOpt = "UTC",
    bucket_prompt_tokens: BucketPromptTokensOpt = DEFAULT_BUCKET_PROMPT_TOKENS,
    fmt: FormatOpt = "table",
    quiet: QuietOpt = False,
) -> None:
    """Is my plan worth it? Your Claude Code and Codex usage by month: API-list value,
    estimated GPU cost, how close you came to each plan's 5-hour and weekly limits, and what
    each plan would have cost you.

    Example: planalyzer me --claude-dir ~/.claude --codex-dir ~/.codex --plan claude_max_5x
    """
    from planalyzer.me import check_some_usage, load_my_usage, me_tables, my_sources
    from planalyzer.plans import load_plan_catalog

    with _user_errors(db):
        _check_format(fmt)
        check_timezone(timezone)  # the flag's name in the message, not the library's
        _check_min("--bucket-prompt-tokens", bucket_prompt_tokens, 1,
                   "mean prompt tokens per request")
        catalog = load_plan_catalog(plans)
        sources = my_sources(paths or [], claude_dir, codex_dir, db)
        with Store(db) as store:
            report = load_my_usage(store, sources, timezone, bucket_prompt_tokens)
            check_some_usage(store.con, report, sources)
            _store_accounting(store, report, quiet, [fl.source for fl in report.files])
            tables = me_tables(store.con, catalog, timezone, costs=costs, prices=prices,
                               your_plan=plan, files=[fl.source for fl in report.files])
        why = _rejected_reasons(report)
        if why:  # as the analysis commands say them, -q or not: never silently lost
            sys.stderr.write(f"rejected: {why} (`planalyzer load` on the same folders lists "
                             "them)\n")
        unterminated = skipped_lines(report)[1]
        notes = [*report.notes, *([unterminated_note(unterminated)] if unterminated else [])]
        if fmt == "table":
            _emit(tables, fmt)
            if not quiet:
                for n in notes:
                    _console().print(n)
                _console().print(_summary_line(report))
        else:
            meta = _run_meta(timezone, plans=plans, costs=costs, prices=prices)
            del meta["period"]  # me covers every month of your logs (its tables name them)
            _emit(tables, fmt, {"seconds": round(report.seconds, 3),
                                "rows_loaded": report.rows_loaded,
                                "unterminated_last_lines": unterminated, **meta})

# -- what-if, sweep, optimize (planalyzer.whatif; docs/whatif.md) ------------------------------

PlansOpt = Annotated[Path | None, typer.Option(
    "--plans", help="Plan catalog TOML (default: the shipped catalog).")]
CostsFileOpt = Annotated[Path | None, typer.Option(
    "--costs", help="Cost catalog TOML (default: the shipped cost model).")]
AssignOpt = Annotated[list[str] | None, typer.Option(
    "--assign", help="USER_GLOB=PLAN, first match wins (repeatable); overrides the "
    "plan file and the logs' plan column.")]
PlanFileOpt = Annotated[Path | None, typer.Option(
    "--plan-file", help="CSV or parquet with columns user_id, plan.")]
MonthOpt = Annotated[list[str] | None, typer.Option(
    "--month", help="Billing month(s) to report, YYYY-MM (repeatable).")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="First day, YYYY-MM-DD.")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Last day (inclusive), YYYY-MM-DD.")]
GridOpt = Annotated[list[str] | None, typer.Option(
    "--grid", help="PATH=V1,V2 or PATH=START:STOP:STEP over scenario keys (repeatable), e.g. "
    "plans.claude_max_20x.limits.weekly.cap=40e6:80e6:10e6 (ascending: STOP at least START; "
    "list values to go down).")]
BaseScenarioOpt = Annotated[Path | None, typer.Option(
    "--scenario", help="A scenario TOML the grid points start from (default: the baseline).")]


def _whatif_setup(store: Store, sources: list[str] | None, scenarios: list[Any], plans: Path | None,
                  costs: Path | None, prices: Path | None, assign: list[str] | None,
                  plan_file: Path | None, month: list[str] | None, since: str | None,
                  until: str | None, opts: LoadOptions, quiet: bool, fmt: str,
                  extra: list[Any] | None = None) -> Any:
    from planalyzer.whatif import prepare

    period = _period(month, since, until)
    _load_for_analysis(store, sources, opts, quiet, fmt)
    with _working(quiet, fmt, "one pass over the history"):
        ev, _notes = prepare(store.con, scenarios, plans=plans, costs=costs, prices=prices,
                             assign=assign or [], plan_file=plan_file, timezone=opts.timezone,
                             period=period, strict=opts.strict, extra_catalogs=extra or [])
    return ev


@app.command()
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
    """Replay the history under changed plans: baseline and each scenario side by side.

    Example: planalyzer whatif sample_logs/parquet --scenario max20x_weekly_cap_overage.toml
    """
    from planalyzer.whatif import load_scenario
    from planalyzer.whatif.tables import whatif_tables

    with _user_errors(db):
        _check_format(fmt)
        _check_sources(sources, db)
        opts = _load_options(map_, mapping, timezone, dedupe_on, strict, max_tokens,
                             input_format, source, user, user_map, bucket_prompt_tokens, ctx)
        _check_min("--top", top, 0, "users to list per scenario; 0 lists none")
        scen = [load_scenario(_scenario_path(Path(p))) for p in scenario]
        with Store(db, read_only=not sources) as store:
            ev = _whatif_setup(store, sources, scen, plans, costs, prices, assign, plan_file,
                               month, since, until, opts, quiet, fmt)
            outs = [ev.run(s) for s in scen]
        _emit(whatif_tables(ev, outs, top), fmt,
              _run_meta(timezone, month, since, until, plans, costs, prices, assign or [],
                        plan_file, _covered(ev)))


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


@app.command()
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
    """Evaluate a grid of plan designs; the frontier of margin against users affected.

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

    with _user_errors(db):
        _check_format(fmt)
        _check_sources(sources, db)
        opts = _load_options(map_, mapping, timezone, dedupe_on, strict, max_tokens,
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
            ev = _whatif_setup(store, sources, [], plans, costs, prices, assign, plan_file,
                               month, since, until, opts, quiet, fmt, extra)
            _outs, tables = run_sweep(ev, scen, points, objective, affected)
        _emit(tables, fmt, _run_meta(timezone, month, since, until, plans, costs, prices,
                                     assign or [], plan_file, _covered(ev)))


@app.command()
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

    with _user_errors(db):
        _check_format(fmt)
        _check_sources(sources, db)
        opts = _load_options(map_, mapping, timezone, dedupe_on, strict, max_tokens,
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
            ev = _whatif_setup(store, sources, [], plans, costs, prices, assign, plan_file,
                               month, since, until, opts, quiet, fmt, extra)
            res = run_optimize(ev, base, axes, objective, cons, search=search,
                               max_evals=max_evals, top=top)
        _emit(result_tables(ev, res, axes, objective, cons), fmt,
              _run_meta(timezone, month, since, until, plans, costs, prices, assign or [],
                        plan_file, _covered(ev)))


def _small(axes: list[Any]) -> bool:
    n = 1
    for a in axes:
        n *= len(a.values)
    return n <= 5000


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


def main() -> None:
    app()
