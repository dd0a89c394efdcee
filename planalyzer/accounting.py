"""Load accounting: for every file, rows read = loaded + rejected + duplicates dropped."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import duckdb

from planalyzer import sqlfiles
from planalyzer.tables import Col, Table


@dataclass
class FileLoad:
    """What one load did with one source file."""

    source: str
    format: str
    status: str  # loaded | reloaded | appended | unchanged
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    duplicates_dropped: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    mapping: str = ""
    # Transcript sources: lines that carry no usage, by kind (not rows; see docs/sources.md),
    # and how far the file was read (an append-only file is read on from there next time).
    skipped_by_kind: dict[str, int] = field(default_factory=dict)
    read_offset: int | None = None
    read_lines: int = 0
    # rows loaded without a value that could not be read, by what: {"logged cost": n} (the
    # row's tokens are kept; the value is NULL; the load report says how many)
    kept_without: dict[str, int] = field(default_factory=dict)
    # timestamps without an offset at a wall-clock time --timezone has twice (clocks go back)
    # or never (clocks go forward): {"ambiguous": n, "nonexistent": m}
    local_time_shifts: dict[str, int] = field(default_factory=dict)
    # rows loaded whose request count is an estimate (buckets of an export that logs none:
    # prompt tokens / LoadOptions.bucket_prompt_tokens)
    estimated_requests: int = 0
    # rows loaded with an empty token cell read as 0 (their other classes hold counts), by
    # the file's column: {"prompt_tokens": n}
    empty_read_as_zero: dict[str, int] = field(default_factory=dict)
    # token classes with no column, read as 0, while columns that look like token counts
    # went unused (ColumnMapping.unread): the load says so, even with -q
    unread_tokens: str = ""
    # tokens the loaded rows hold that no token class counts (audio beside text-only counts):
    # "N row(s) hold ...: field total, ...; why" (Projection.uncounted), said by the load
    uncounted_tokens: str = ""
    # a file that loaded no row because it is not the report it was read as: what it holds
    # instead (Projection.holds_instead); the load refuses it, or names it beside other files
    holds_instead: str = ""
    # what the loaded rows' messages log beside their tokens, in no row and priced nowhere
    # (Claude Code; sql/stage_claude_code_extras.sql): {"web_search_requests": [messages,
    # searches]}, and per advisor model {"advisor <model>": [messages, unreadable iterations,
    # input, cache write 5 min, cache write 1 h, cache read, output]}; the load names the
    # totals (planalyzer.load_notes.unloaded_usage_notes)
    unloaded_usage: dict[str, list[int]] = field(default_factory=dict)
    # what the reader made of the file that the user should know (Projection.read_note: an
    # OpenAI Usage API page whose bucket width it guessed), said by the load
    read_note: str = ""

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_rejected + self.duplicates_dropped


@dataclass
class LoadReport:
    files: list[FileLoad]
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def total(self, attr: str) -> int:
        return sum(int(getattr(f, attr)) for f in self.files)

    @property
    def rows_read(self) -> int:
        return self.total("rows_read")

    @property
    def rows_loaded(self) -> int:
        return self.total("rows_loaded")

    @property
    def rows_rejected(self) -> int:
        return self.total("rows_rejected")

    @property
    def duplicates_dropped(self) -> int:
        return self.total("duplicates_dropped")


UNTERMINATED = "unterminated"  # the skipped-line kinds that start so: a last line not ended


def store_totals(con: duckdb.DuckDBPyConnection,
                 sources: list[str] | None = None) -> tuple[int, FileLoad]:
    """The accounting of the files a --db store holds (its load_manifest; ``sources``: these
    only), summed: the number of files, and their rows as one FileLoad (rejected_by_reason
    summed over the files)."""
    params = {"every": sources is None, "sources": sources or []}
    files, read, loaded, rejected, dups, texts = sqlfiles.run(
        con, "store_totals", params).fetchall()[0]
    reasons: dict[str, int] = {}
    for text in texts:
        for reason, n in json.loads(text or "{}").items():
            reasons[str(reason)] = reasons.get(str(reason), 0) + int(n)
    return int(files), FileLoad("", "", "", int(read), int(loaded), int(rejected), int(dups),
                                reasons)


def skipped_lines(report: LoadReport) -> tuple[dict[str, int], int]:
    """This run's transcript lines without usage by kind, and its unterminated last lines
    (left unread: a session being written, or a last line with no newline; read once the file
    grows). Neither is a row: rows_read = loaded + rejected + duplicates holds without them."""
    kinds: dict[str, int] = {}
    unterminated = 0
    for f in report.files:
        for kind, n in f.skipped_by_kind.items():
            if kind.startswith(UNTERMINATED):
                unterminated += n
            else:
                kinds[kind] = kinds.get(kind, 0) + n
    return kinds, unterminated


def unterminated_note(n: int) -> str:
    return (f"{n:,} unterminated last line(s) left unread for a later run (a session being "
            "written, or a last line with no newline: read once the file grows)")


def no_usage_detail(report: LoadReport) -> str:
    """Why a load found no usage: the lines it read and their kinds, the unterminated ones."""
    kinds, unterminated = skipped_lines(report)
    lines = sum(kinds.values())
    parts = [f"{report.rows_read + lines:,} line(s) read in {len(report.files):,} file(s), "
             f"{report.rows_read:,} with token usage"]
    if kinds:
        parts[0] += " (without: " + ", ".join(
            f"{k} x{n:,}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])) + ")"
    if unterminated:
        parts.append(unterminated_note(unterminated))
    return "; ".join(parts)


def format_name(key: str, fmt: str) -> str:
    """A file's format as messages and the load table name it: a .json file (one document, or
    a list of them) is JSON, not 'jsonl', whatever reader read it ('openai-usage jsonl' ->
    'openai-usage JSON')."""
    name = key.lower().removesuffix(".gz").removesuffix(".zst")
    if name.endswith(".json") and fmt.endswith("jsonl"):
        return fmt.removesuffix("jsonl") + "JSON"
    return fmt


def display_path(source: str) -> str:
    """A source path relative to the working directory when it lies below it."""
    try:
        rel = os.path.relpath(source)
    except ValueError:
        return source
    return source if rel.startswith("..") else rel


def accounting_tables(report: LoadReport, max_file_rows: int | None = None) -> list[Table]:
    """The load accounting tables. ``max_file_rows`` (the terminal view): unchanged files are
    one row, and beyond that many files read the rest are one row of their sums (thousands of
    transcript files would otherwise take seconds to draw); the total row is unchanged."""
    cols = [
        Col("source"), Col("format"), Col("status"),
        Col("rows_read", "int", "read"), Col("rows_loaded", "int", "loaded"),
        Col("rows_rejected", "int", "rejected"),
        Col("duplicates_dropped", "int", "duplicates"),
    ]
    shown = report.files
    folded: list[tuple[object, ...]] = []
    if max_file_rows is not None:
        shown, folded = _fold(report.files, max_file_rows)
    rows: list[tuple[object, ...]] = [
        (display_path(f.source), format_name(f.source, f.format), f.status, f.rows_read,
         f.rows_loaded,
         f.rows_rejected, f.duplicates_dropped)
        for f in shown
    ]
    rows.extend(folded)
    if len(report.files) > 1:
        rows.append(("total", "", "", report.rows_read, report.rows_loaded,
                     report.rows_rejected, report.duplicates_dropped))
    unchanged = sum(f.status == "unchanged" for f in report.files)
    notes = ["read = loaded + rejected + duplicates, for every file"]
    if unchanged:
        notes.append(f"{unchanged:,} file(s) unchanged since the last load: nothing read from them")
    appended = [f for f in report.files if f.status == "appended"]
    if appended:
        notes.append(f"{len(appended):,} file(s) grew since the last load: only their new lines "
                     "were read")
    notes.extend(report.notes)
    load = Table("load_accounting", "Load accounting", cols, rows, notes)
    reasons = Table(
        "rejected_rows",
        "Rejected rows by reason (kept in the rejected_rows table)",
        [Col("source"), Col("reason"), Col("rows", "int")],
        [(display_path(f.source), reason, n)
         for f in report.files for reason, n in sorted(f.rejected_by_reason.items())],
        keys=("source", "reason"),
    )
    mapping = Table(
        "column_mapping",
        "Column mapping used",
        [Col("source"), Col("mapping")],
        [(display_path(f.source), f.mapping) for f in report.files if f.mapping],
    )
    skipped = Table(
        "skipped_lines",
        "Lines without usage, by kind (not rows: kept in the skipped_lines table)",
        [Col("kind"), Col("files", "int"), Col("lines", "int")],
        _skipped_by_kind(report),
        ["transcript lines that carry no token usage (user turns, summaries, snapshots ...)"]
        + (["export rows that are not model calls (a LiteLLM cache hit or failed request, a "
            "Langfuse span or event, an OpenAI dashboard CSV's empty bucket): not in rows "
            "read, counted here"]
           if any(f.skipped_by_kind and f.mapping for f in report.files) else []),
    )
    return [load, reasons, mapping, skipped]


def _fold(files: list[FileLoad], limit: int) -> tuple[list[FileLoad], list[tuple[object, ...]]]:
    """Files to list one by one, and summary rows for the rest (see accounting_tables)."""
    read = [f for f in files if f.status != "unchanged"]
    unchanged = len(files) - len(read)
    rows: list[tuple[object, ...]] = []
    if len(read) > limit:
        rest = read[limit:]
        rows.append((f"({len(rest):,} more files read: --format csv lists every file)", "", "",
                     sum(f.rows_read for f in rest), sum(f.rows_loaded for f in rest),
                     sum(f.rows_rejected for f in rest), sum(f.duplicates_dropped for f in rest)))
        read = read[:limit]
    if unchanged and len(files) > limit:
        rows.append((f"({unchanged:,} unchanged files)", "", "unchanged", 0, 0, 0, 0))
        return read, rows
    return (files if len(files) <= limit else read), rows


def _skipped_by_kind(report: LoadReport) -> list[tuple[object, ...]]:
    lines: dict[str, int] = {}
    files: dict[str, int] = {}
    for f in report.files:
        for kind, n in f.skipped_by_kind.items():
            lines[kind] = lines.get(kind, 0) + n
            files[kind] = files.get(kind, 0) + 1
    return [(k, files[k], lines[k]) for k in sorted(lines, key=lambda k: (-lines[k], k))]

