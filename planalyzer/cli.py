"""The planalyzer command line: parse options, call the library, render. No SQL, no arithmetic."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from planalyzer import __version__
from planalyzer.accounting import LoadReport, accounting_tables, display_path
from planalyzer.errors import PlanalyzerError
from planalyzer.me import default_pricer as me_pricer
from planalyzer.me import load_my_usage, me_tables, my_sources, read_plans
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
from planalyzer.store import DEFAULT_MAX_TOKENS, LoadOptions, Store
from planalyzer.tables import Table
from planalyzer.usage import top_users_by_tokens, usage_summary

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
DbOpt = Annotated[Path | None, typer.Option(
    "--db", help="Keep a DuckDB file; later runs load only new or changed files.")]
FormatOpt = Annotated[str, typer.Option(
    "--format", "-f", help="Output format: table, json, csv or markdown.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress or notes.")]
MapOpt = Annotated[list[str] | None, typer.Option(
    "--map", help="Column mapping canonical=theirs, e.g. --map user_id=account (repeatable).")]
MappingFileOpt = Annotated[Path | None, typer.Option(
    "--mapping", help="TOML mapping file: [columns] canonical = \"theirs\".")]
TzOpt = Annotated[str, typer.Option(
    "--timezone", "--tz", help="Zone of timestamps without an offset, and of day/month "
    "boundaries in reports (IANA name).")]
DedupeOpt = Annotated[str | None, typer.Option(
    "--dedupe-on", help="Drop rows repeating these canonical columns (comma-separated); "
    "without it only repeated event_id values are duplicates.")]
StrictOpt = Annotated[bool, typer.Option(
    "--strict", help="Fail (exit 2) if any row is rejected; nothing is loaded.")]
MaxTokensOpt = Annotated[int, typer.Option(
    "--max-tokens", help="Reject a row whose token count in any class exceeds this.")]
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
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


@contextmanager
def _user_errors() -> Iterator[None]:
    """Bad input or usage: one line naming what is wrong, exit 2, no traceback."""
    try:
        yield
    except PlanalyzerError as exc:
        sys.stderr.write(f"error: {exc}\n")
        raise typer.Exit(exc.exit_code) from None


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise PlanalyzerError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")


def _emit(tables: list[Table], fmt: str, meta: dict[str, Any] | None = None) -> None:
    if fmt == "table":
        print_tables(_console(), tables)
    else:
        sys.stdout.write(render_text(tables, fmt, meta))


def _load_options(
    map_: list[str] | None, mapping: Path | None, tz: str, dedupe_on: str | None,
    strict: bool, max_tokens: int, input_format: str | None, source: str | None = None,
    user: str | None = None, user_map: Path | None = None,
) -> LoadOptions:
    spec: MappingSpec = merge_specs(read_mapping_file(mapping) if mapping else None,
                                    parse_map_options(map_ or []))
    if input_format is not None and input_format not in ("parquet", "csv", "jsonl"):
        raise PlanalyzerError(f"--input-format {input_format!r}: use parquet, csv or jsonl")
    dedupe = tuple(c.strip() for c in dedupe_on.split(",") if c.strip()) if dedupe_on else ()
    return LoadOptions(mapping=spec, timezone=tz, dedupe_on=dedupe, strict=strict,
                       max_tokens=max_tokens, input_format=input_format, source=source,
                       user_id=user,
                       user_map=read_user_map(user_map) if user_map else {})


def _show_progress(quiet: bool, fmt: str) -> bool:
    return not quiet and fmt == "table" and sys.stderr.isatty()


def _load(store: Store, sources: list[str], opts: LoadOptions, progress: bool) -> LoadReport:
    if not progress:
        return store.load(sources, opts)
    with Progress(TextColumn("loading {task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} files"),
                  console=_console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=None)

        def step(path: str, i: int, n: int) -> None:
            bar.update(task, description=display_path(path), completed=i, total=n)

        return store.load(sources, opts, step)


def _summary_line(report: LoadReport) -> str:
    return (f"{report.rows_read:,} rows read = {report.rows_loaded:,} loaded + "
            f"{report.rows_rejected:,} rejected + {report.duplicates_dropped:,} duplicates "
            f"({len(report.files)} file(s), {report.seconds:.1f} s)")


# -- commands ---------------------------------------------------------------------------------

@app.command()
def load(
    sources: SourcesArg,
    db: DbOpt = None,
    map_: MapOpt = None,
    mapping: MappingFileOpt = None,
    timezone: TzOpt = "UTC",
    dedupe_on: DedupeOpt = None,
    strict: StrictOpt = False,
    max_tokens: MaxTokensOpt = DEFAULT_MAX_TOKENS,
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
    with _user_errors():
        _check_format(fmt)
        opts = _load_options(map_, mapping, timezone, dedupe_on, strict, max_tokens,
                             input_format, source, user, user_map)
        with Store(db) as store:
            report = _load(store, sources, opts, _show_progress(quiet, fmt))
            tables = accounting_tables(report)
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
    with _user_errors():
        _check_format(fmt)
        with Store() as store:
            report = _load(store, demo_sources(), LoadOptions(), _show_progress(quiet, fmt))
            tables = [usage_summary(store.con), top_users_by_tokens(store.con, 10)]
            acct = accounting_tables(report)[0]
        if fmt == "table":
            _emit(tables, fmt)
            if not quiet:
                _console().print(_summary_line(report))
        else:
            _emit([acct, *tables], fmt)


@app.command()
def me(
    paths: Annotated[list[str] | None, typer.Argument(
        help="Claude Code or Codex folders or files (default: ~/.claude and ~/.codex).")] = None,
    claude_dir: Annotated[Path | None, typer.Option(
        "--claude-dir", help="Claude Code config folder (holds projects/).")] = None,
    codex_dir: Annotated[Path | None, typer.Option(
        "--codex-dir", help="Codex home folder (holds sessions/).")] = None,
    plans: Annotated[Path | None, typer.Option(
        "--plans", help="TOML [plan.NAME] tables (price_usd, meter, limit_5h, limit_week) "
        "to set your usage against.")] = None,
    db: DbOpt = None,
    timezone: TzOpt = "UTC",
    fmt: FormatOpt = "table",
    quiet: QuietOpt = False,
) -> None:
    """Is my plan worth it? Your Claude Code and Codex usage by month: API-list value,
    estimated GPU cost, peak 5-hour and weekly windows, and the plan that fits best.

    Example: planalyzer me --claude-dir ~/.claude --codex-dir ~/.codex
    """
    with _user_errors():
        _check_format(fmt)
        sources = my_sources(paths or [], claude_dir, codex_dir)
        plan_list = read_plans(plans) if plans else []
        with Store(db) as store:
            report = load_my_usage(store, sources, timezone)
            tables = me_tables(store.con, timezone, me_pricer(), plan_list)
        notes = [n for n in report.notes]
        if fmt == "table":
            _emit(tables, fmt)
            if not quiet:
                for n in notes:
                    _console().print(n)
                _console().print(_summary_line(report))
        else:
            _emit(tables, fmt, {"seconds": round(report.seconds, 3),
                                "rows_loaded": report.rows_loaded})


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
