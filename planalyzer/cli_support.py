"""What the command line's commands share: consoles and progress, the error wrapper
(one line, exit code 2), loading with accounting, emitting tables, run metadata."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from planalyzer import duck
from planalyzer.accounting import (
    LoadReport,
    display_path,
    no_usage_detail,
    skipped_lines,
    store_totals,
)
from planalyzer.checks import check_choice
from planalyzer.checks import check_min as _check_min
from planalyzer.errors import InputError, MemoryLimitError, PlanalyzerError
from planalyzer.load_checks import INPUT_FORMATS
from planalyzer.load_notes import unread_token_notes
from planalyzer.render.formats import FORMATS, render_text
from planalyzer.render.terminal import print_tables
from planalyzer.sources.mapping import (
    MappingSpec,
    merge_specs,
    parse_map_options,
    read_mapping_file,
)
from planalyzer.sources.registry import read_user_map
from planalyzer.sources.report_json import DEFAULT_BUCKET_PROMPT_TOKENS
from planalyzer.store import LoadOptions, Store
from planalyzer.store_open import interrupted, store_error
from planalyzer.tables import Table
from planalyzer.timezones import check_timezone

if TYPE_CHECKING:
    from planalyzer.analysis import Period


def console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    # Piped output has no terminal width to follow: use a wide one (COLUMNS still wins; one
    # that is not a positive number, COLUMNS=0 say, is passed over).
    columns = terminal_columns()
    width = columns or (None if stream.isatty() else 160)
    # markup off: user ids, model names and paths from the logs print as they are (a "[/x]"
    # in a model name is text, not a rich tag). stdout's lines lose their padding spaces
    # (tables pad each cell): diff, grep 'x$' and a copy into a spreadsheet see none
    # (stderr keeps its stream: progress bars redraw their line).
    file = None if stderr else cast(IO[str], TrimmedLines(stream))
    return Console(stderr=stderr, file=file, highlight=False, soft_wrap=False, width=width,
                   markup=False)


def terminal_columns() -> int | None:
    """COLUMNS as a width, or None where it is unset or not a positive whole number (rich
    would take COLUMNS=0 as a width of 0); a bad value is dropped from the environment so
    that rich, which reads it too, never sees it."""
    raw = os.environ.get("COLUMNS")
    if raw is None:
        return None
    if raw.strip().isdigit() and int(raw) > 0:
        return int(raw)
    del os.environ["COLUMNS"]
    return None


def usable_streams() -> None:
    """Standard streams every command can write to: a closed one (``>&-``: Python gives
    None) writes to the null device, with a word on stderr when stdout is the one; a stream
    whose encoding cannot write every character (PYTHONIOENCODING=cp1252, a Windows redirect)
    writes those as escapes (``\u5f20``) rather than failing on a user id."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
            if name == "stdout" and sys.stderr is not None:
                sys.stderr.write("note: standard output is closed; the command's output "
                                 "is discarded\n")
        stream = getattr(sys, name)
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
        if not encoding.startswith("utf") and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


# trailing blanks of a line, with any style codes among or after them (a terminal's output)
_TRAILING = re.compile(r"(?:[ \t]|\x1b\[[0-9;]*m)+$")


def trim_line(line: str) -> str:
    """``line`` without trailing spaces; style codes among them are kept (a style is closed)."""
    tail = _TRAILING.search(line)
    if tail is None:
        return line
    return line[:tail.start()] + "".join(re.findall(r"\x1b\[[0-9;]*m", tail.group()))


class TrimmedLines:
    """A text stream that writes each line without its trailing spaces (a partial line is
    held until its end, or until a flush)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.pending = ""

    def write(self, text: str) -> int:
        *lines, self.pending = (self.pending + text).split("\n")
        if lines:
            self.stream.write("".join(trim_line(line) + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        if self.pending:
            self.stream.write(self.pending)
            self.pending = ""
        self.stream.flush()

    def isatty(self) -> bool:
        return bool(self.stream.isatty())

    def fileno(self) -> int:
        return int(self.stream.fileno())

    @property
    def encoding(self) -> str:
        return str(getattr(self.stream, "encoding", None) or "utf-8")


@contextmanager
def working(quiet: bool, fmt: str, what: str) -> Iterator[None]:
    """A spinner on stderr while long work runs (a terminal only, as the load's progress)."""
    if not show_progress(quiet, fmt):
        yield
        return
    with console(stderr=True).status(what):
        yield


@dataclass
class Run:
    """What a command is doing, for the line a Ctrl-C gets."""

    loading: bool = False  # inside a load (it rolls back: nothing of it is kept)
    # the Store the command loads into: its ``committed`` says whether an interrupt came
    # before the load was saved or after (an interrupt in the COMMIT is held until it ends)
    store: Store | None = None

    def loads_into(self, store: Store, sources: Sequence[object] | None) -> None:
        """The command loads ``sources`` (none: it reads what the store holds) into ``store``."""
        if sources:
            self.store = store

    def interrupted_line(self, db: Path | None) -> str:
        """What a Ctrl-C says: whether the load was saved into the --db file, or nothing was."""
        if db is not None and self.store is not None and self.store.committed:
            return "interrupted after the load was saved (the --db file holds it)"
        if self.loading or (db is not None and self.store is not None):
            kept = " (the --db file is as it was)" if db is not None else ""
            return f"interrupted: nothing was loaded{kept}"
        return "interrupted"


class Interrupt:
    """Whether a command's user_errors said the line a Ctrl-C gets (main says ``interrupted``
    for one that came outside it)."""

    said = False


class Terminated(KeyboardInterrupt):
    """SIGTERM (a service stopped, ``timeout``, ``kill``): ended as Ctrl-C is, said as such,
    exit code 143 (128 + 15, what the signal's default gives)."""

    seen = False  # SIGTERM came (DuckDB's 'Query interrupted' for it may not chain it)


def on_sigterm() -> None:
    """The command line's SIGTERM: raise Terminated where Python runs next (DuckDB's query
    checks for it as for Ctrl-C), so the load rolls back and the line a Ctrl-C gets is said."""
    import signal

    def stop(signum: int, frame: object) -> None:
        Terminated.seen = True
        raise Terminated

    with suppress(ValueError):  # not the main thread (a test runner's worker): left as is
        signal.signal(signal.SIGTERM, stop)


# what else a command can do when DuckDB runs out of memory (user_errors' memory_hint): the
# options the command takes
PERIOD_MEMORY_HINT = "analyse a shorter period (--month, --since)"
LOAD_MEMORY_HINT = ("load fewer files at a time, or a large file in parts (a usage API export: "
                    "its pages in files of their own)")


@contextmanager
def user_errors(db: Path | None = None, memory_hint: str = "") -> Iterator[Run]:
    """Bad input or usage: one line naming what is wrong, exit 2, no traceback. With ``db``
    (the --db file): a damaged file, or one a load could not save to, is said as such (a new
    file the command's Store created is removed by the Store when it fails before a load
    committed: planalyzer.store_new). Ctrl-C: 'interrupted', exit 130, no traceback; SIGTERM
    the same, exit 143. ``memory_hint``: what else than a higher memory limit the command can
    do when DuckDB runs out of memory (PERIOD_MEMORY_HINT where it takes --month and --since;
    empty: nothing)."""
    run = Run()
    try:
        yield run
    except (typer.Exit, SystemExit):
        raise
    except BaseException as exc:
        if isinstance(exc, PlanalyzerError):
            hint = f", or {memory_hint}" if memory_hint and isinstance(
                exc, MemoryLimitError) else ""
            sys.stderr.write(f"error: {exc}{hint}\n")
            raise typer.Exit(exc.exit_code) from None
        if interrupted(exc):
            sys.stderr.write(run.interrupted_line(db) + "\n")
            Interrupt.said = True
            raise typer.Exit(143 if _terminated(exc) else 130) from None
        err = duck.memory_error(exc) or store_error(db, exc)
        if err is None:
            raise
        hint = f", or {memory_hint}" if memory_hint and isinstance(err, MemoryLimitError) else ""
        sys.stderr.write(f"error: {err}{hint}\n")
        raise typer.Exit(err.exit_code) from None


def _terminated(exc: BaseException) -> bool:
    """Whether the interrupt was SIGTERM's (Terminated, or DuckDB's 'Query interrupted' raised
    while it was pending)."""
    seen: BaseException | None = exc
    for _ in range(20):
        if seen is None:
            return Terminated.seen
        if isinstance(seen, Terminated):
            return True
        seen = seen.__cause__ or seen.__context__
    return Terminated.seen


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise PlanalyzerError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")


def run_meta(timezone: str, month: list[str] | None = None, since: str | None = None,
              until: str | None = None, plans: Path | None = None, costs: Path | None = None,
              prices: Path | None = None, assign: list[str] | None = None,
              plan_file: Path | None = None, covered: dict[str, Any] | None = None,
              sources: dict[str, Any] | None = None) -> dict[str, Any]:
    """JSON's ``meta``: the options that shape the figures, so two runs' documents say what
    they compare (each catalog's file, or null, and the shipped one it rests on; a period of
    nulls is all months, ``covered``: the months the figures cover, run_meta.covered_months;
    ``sources``: the files and rows they rest on, loaded_sources)."""
    from planalyzer.run_meta import catalog_meta
    from planalyzer.timezones import check_timezone

    meta: dict[str, Any] = {
        # the IANA spelling the figures used (--timezone utc: UTC), checked before the run
        "timezone": check_timezone(timezone, polars=False),
        "period": {"months": list(month or []), "since": since, "until": until,
                   **(covered or {})},
        "catalogs": catalog_meta(plans=plans, costs=costs, prices=prices),
    }
    if sources is not None:
        meta["sources"] = sources
    if assign is not None or plan_file is not None:
        meta["assignments"] = {"assign": list(assign or []),
                               "plan_file": str(plan_file) if plan_file else None}
    return meta


def loaded_sources(store: Store, sources: list[str] | None, report: LoadReport
                   ) -> dict[str, Any]:
    """JSON meta's ``sources`` (run_meta.sources_meta): the sources named and their rows, and
    with --db what the store holds (its accounting: analysis covers every file in it)."""
    from planalyzer.run_meta import sources_meta

    if store.path is None:
        return sources_meta(sources, report.files)
    return sources_meta(sources, report.files, str(store.path), store_totals(store.con),
                        stored=lambda files: store_totals(store.con, files)[1])


def covered_period(data: Any) -> dict[str, Any]:
    """``period.covered``/``partial`` of JSON's meta from a report's ``ReportData`` or a what-if
    ``Evaluator`` (its history's user-months)."""
    from planalyzer.analysis import month_label
    from planalyzer.run_meta import covered_months

    if hasattr(data, "user_months"):
        return covered_months(data.user_months["month"].to_list(), data.partial_months)
    keys = data.h.user_months["month_key"].unique().to_list()
    return covered_months(month_label(int(k)) for k in keys)


def emit(tables: list[Table], fmt: str, meta: dict[str, Any] | None = None) -> None:
    if fmt == "table":
        print_tables(console(), tables)
    else:
        sys.stdout.write(render_text(tables, fmt, meta))


def load_options(
    map_: list[str] | None, mapping: Path | None, tz: str, dedupe_on: str | None,
    strict: bool, max_tokens: int, input_format: str | None, source: str | None = None,
    user: str | None = None, user_map: Path | None = None,
    bucket_prompt_tokens: int = DEFAULT_BUCKET_PROMPT_TOKENS, ctx: typer.Context | None = None,
) -> LoadOptions:
    _check_min("--max-tokens", max_tokens, 1, "tokens per class per request")
    _check_min("--bucket-prompt-tokens", bucket_prompt_tokens, 1,
               "mean prompt tokens per request")
    # here, not only in a load: with --db and no sources nothing is loaded (the analysis checks
    # the name against polars too)
    tz = check_timezone(tz, polars=False)
    spec: MappingSpec = merge_specs(read_mapping_file(mapping) if mapping else None,
                                    parse_map_options(map_ or []))
    if input_format is not None:
        check_choice("--input-format", input_format, INPUT_FORMATS)
    dedupe = tuple(c.strip() for c in dedupe_on.split(",") if c.strip()) if dedupe_on else ()
    # an option given on the command line is given even at its default's value (--timezone
    # UTC): it applies to a --db store's changed files; one left out is not passed at all
    given: dict[str, Any] = {name: value for name, value in (
        ("timezone", tz), ("max_tokens", max_tokens),
        ("bucket_prompt_tokens", bucket_prompt_tokens)) if option_given(ctx, name)}
    return LoadOptions(mapping=spec, dedupe_on=dedupe, strict=strict,
                       input_format=input_format, source=source, user_id=user,
                       user_map=read_user_map(user_map) if user_map else {}, **given)


def option_given(ctx: typer.Context | None, param: str) -> bool:
    """Whether the command's parameter ``param`` was given (on the command line or by its
    environment variable), not left at its default."""
    source = ctx.get_parameter_source(param) if ctx is not None else None
    return source is not None and source.name != "DEFAULT"


def show_progress(quiet: bool, fmt: str) -> bool:
    return not quiet and fmt == "table" and sys.stderr.isatty()


def load_with_progress(store: Store, sources: list[str], opts: LoadOptions,
                       progress: bool) -> LoadReport:
    if not progress:
        return store.load(sources, opts)
    with Progress(TextColumn("loading {task.description}", markup=False), BarColumn(),
                  TextColumn("{task.fields[count]}"),
                  console=console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=None, count="")  # finding the files: no count yet

        def step(path: str, i: int, n: int) -> None:
            bar.update(task, description=display_path(path), completed=i, total=n,
                       count=f"{i}/{n} files")

        return store.load(sources, opts, step)


def load_for_analysis(store: Store, sources: list[str] | None, opts: LoadOptions,
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
        store_accounting(store, LoadReport([]), quiet)
        return LoadReport([])
    report = load_with_progress(store, sources, opts, show_progress(quiet, fmt))
    why = rejected_reasons(report)
    if store.events_count() == 0:
        kinds, unterminated = skipped_lines(report)
        read = (no_usage_detail(report) if kinds or unterminated
                else f"{report.rows_read:,} rows read")
        raise InputError(
            f"{', '.join(sources)}: no usable events ({read}"
            + (f"; rejected: {why}" if why else "")
            + "); `planalyzer load` on the same files lists the rejected rows")
    # what the load has to say about how it read the files; token classes read as 0 beside
    # unused count-like columns may understate every figure: said even with -q
    for note in report.notes if not quiet else unread_token_notes(report.files):
        sys.stderr.write(f"note: {note}\n")
    # rejected rows are a warning and are said even with -q; dropped duplicates are not
    if report.rows_rejected or (not quiet and report.duplicates_dropped):
        sys.stderr.write(f"{summary_line(report)}\n"
                         + (f"rejected: {why} (`planalyzer load` on the same files lists "
                            "them; with --db they are kept in its rejected_rows table)\n"
                            if why else ""))
    store_accounting(store, report, quiet)
    return report


def say_data_warnings(warnings: Sequence[str]) -> None:
    """Problems in the data that change the figures (``ReportData.data_warnings``: a plan in
    the logs the catalog lacks leaves its users without revenue): a ``warning:`` line each on
    stderr, even with -q, as rejected rows are (the tables' notes say them too)."""
    for w in warnings:
        sys.stderr.write(f"warning: {w}\n")


def store_accounting(store: Store, report: LoadReport, quiet: bool,
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
    why = rejected_reasons(LoadReport([total]))
    sys.stderr.write(f"--db {store.path} holds {total.rows_read:,} rows read = "
                     f"{total.rows_loaded:,} loaded + {total.rows_rejected:,} rejected + "
                     f"{total.duplicates_dropped:,} duplicates ({count:,} file(s))"
                     + (f"; rejected: {why} (kept in its rejected_rows table)" if why else "")
                     + "\n")


def check_sources(sources: list[str] | None, db: Path | None) -> None:
    """An analysis command needs sources, or a --db file (that exists) to read events from."""
    if sources:
        return
    if db is None:
        raise InputError("no sources given: name log files, folders or globs, or a --db file "
                         "that holds loaded events")
    if not db.exists():
        raise InputError(f"--db {db}: no such file, and no sources named to load into it; "
                         "check the path, or name the logs to load")


def rejected_reasons(report: LoadReport) -> str:
    """The rejection reasons of every file, summed: 'missing model x3, ...' ('' if none)."""
    reasons: dict[str, int] = {}
    for f in report.files:
        for reason, n in f.rejected_by_reason.items():
            reasons[reason] = reasons.get(reason, 0) + n
    return ", ".join(f"{r} x{n:,}" for r, n in sorted(reasons.items()))


TERMINAL_FILE_ROWS = 50


def summary_line(report: LoadReport) -> str:
    return (f"{report.rows_read:,} rows read = {report.rows_loaded:,} loaded + "
            f"{report.rows_rejected:,} rejected + {report.duplicates_dropped:,} duplicates "
            f"({len(report.files):,} file(s), {report.seconds:.1f} s)")


def _no_such_day(text: str) -> str:
    """Why ``text`` is no date: a day or month that does not exist, or not YYYY-MM-DD."""
    import calendar
    import re

    m = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", text.strip())
    if m is None:
        return "write a date as YYYY-MM-DD"
    year, month, _ = (int(g) for g in m.groups())
    if year < 1:
        return "there is no year 0"
    if not 1 <= month <= 12:
        return f"there is no month {month} (01-12)"
    days = calendar.monthrange(year, month)[1]
    return f"that day does not exist ({year:04d}-{month:02d} has {days} days)"


def period_of(month: list[str] | None, since: str | None, until: str | None) -> Period:
    from datetime import date

    from planalyzer.analysis import Period, parse_month

    def day(opt: str, text: str | None) -> date | None:
        if text is None:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise PlanalyzerError(f"{opt} {text!r}: {_no_such_day(text)}") from None

    if month and (since or until):
        raise PlanalyzerError("--month and --since/--until: give one or the other")
    return Period(tuple(parse_month(m) for m in month or []), day("--since", since),
                  day("--until", until))
