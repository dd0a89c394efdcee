"""The notes a load adds to its report: options that named nothing, a forced --source on files
it cannot read, rows kept without a value, local times a zone has twice or skips, each
source's own notes, and files gone from a named folder of a --db store."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from planalyzer.accounting import FileLoad, LoadReport, display_path, format_name
from planalyzer.errors import InputError
from planalyzer.sources import registry
from planalyzer.sources.base import RESAVE_UTF8, read_head
from planalyzer.sources.files import SourceFile

if TYPE_CHECKING:
    from planalyzer.store import LoadOptions


def user_option_notes(sources: list[SourceFile], opts: LoadOptions) -> list[str]:
    """--user and --user-map name the users of transcript folders: where they named nothing
    that was loaded, say so rather than leave them silently unused."""
    batch = [s for s in sources if s.source is not None and registry.get(s.source).batch]
    notes = []
    if opts.user_id is not None and not any(s.user_id is None for s in batch):
        notes.append(f"--user {opts.user_id}: not used; it names the user of one user's "
                     "transcript folder (Claude Code, Codex) and none was loaded"
                     + (" (a folder of users' folders names each by its folder: map them "
                        "with --user-map)" if batch else ""))
    folders = {s.user_id for s in batch if s.user_id is not None}
    unused = sorted(set(opts.user_map) - folders)
    if unused:
        notes.append(f"--user-map: no users' folder named {', '.join(unused)} was loaded; "
                     "those entries were not used")
    return notes

def check_forced_source(report: LoadReport, name: str) -> None:
    """``--source NAME`` on files it cannot read: a transcript source (a batch source) reads
    only the lines it knows and skips the rest, so a file in another format loads nothing,
    silently. Such a file (read now, with content, no row read, not one the source's own
    sniffer recognises) is said: an error when nothing at all was read, else a note."""
    forced = registry.get(name)
    if not forced.batch:
        report.notes.extend(_all_rejected_notes(report, name))
        return  # projection sources fail on columns they cannot map: they say so themselves
    wrong: list[str] = []
    for fl in report.files:
        if fl.status not in ("loaded", "reloaded") or fl.rows_read:
            continue
        path = Path(fl.source)
        head = read_head(path)
        if not head.strip() or forced.sniff(path, head):
            continue  # empty, or a transcript of this source with no usage in it
        looks = registry.detect(path).name
        wrong.append(f"{fl.source}: --source {name} found no usable rows in it (it looks like "
                     + (f"{looks} logs: give --source {looks}" if looks != registry.GENERIC
                        else "a table of rows: give --source tabular")
                     + ", or omit --source to detect each file's format)")
    if not wrong:
        return
    if report.rows_read == 0:
        more = f" (and {len(wrong) - 1} more file(s) like it)" if len(wrong) > 1 else ""
        raise InputError(wrong[0] + more)
    report.notes.extend(wrong)

def _all_rejected_notes(report: LoadReport, name: str) -> list[str]:
    """``--source NAME`` on a file whose columns it could map but whose every row it rejected:
    likely another source's file (an OpenAI usage page read as Anthropic's, say): said, with
    the source content detection picks where that is another."""
    notes = []
    for fl in report.files:
        if (fl.status not in ("loaded", "reloaded") or not fl.rows_read
                or fl.rows_rejected < fl.rows_read or fl.holds_instead):
            continue  # (a file its reader says is another report is said so: unusable_files)
        looks = registry.detect(Path(fl.source)).name
        reasons = ", ".join(f"{r} {n:,}" for r, n in sorted(fl.rejected_by_reason.items()))
        hint = (f"it looks like {looks} logs: give --source {looks}, or omit --source"
                if looks not in (name, registry.GENERIC) else
                "it may be another source's file: omit --source to detect its format, or "
                "check the columns with planalyzer map")
        notes.append(f"{fl.source}: --source {name} rejected all {fl.rows_read:,} row(s) "
                     f"({reasons}); {hint}")
    return notes

def unusable_files(report: LoadReport) -> list[str]:
    """Files read now that loaded no row because they are not the report they were read as
    (``FileLoad.holds_instead``: a cost report read as a usage report, a file of items that
    are no usage buckets): each named with the format it was read as and what it holds. An
    error (exit 2) when no other file of the load read a row (or is kept from an earlier
    --db load), else a note each: such a file must never load silently as 0 rows."""
    bad = [fl for fl in report.files if fl.holds_instead and fl.status != "unchanged"]
    if not bad:
        return []
    said = [f"{display_path(fl.source)}: read as {format_name(fl.source, fl.format)}, but "
            f"{fl.holds_instead}" for fl in bad]
    if not any(fl.rows_read or fl.status == "unchanged"
               for fl in report.files if not fl.holds_instead):
        more = f" (and {len(bad) - 1} more file(s) like it)" if len(bad) > 1 else ""
        raise InputError(said[0] + more)
    return said


def passed_notes(passed: list[str]) -> list[str]:
    """Folders and files a walk passed over ('PATH: why', planalyzer.sources.registry.resolve;
    'PATH: why; what to do' where naming the files is not the fix)."""
    return [f"{display_path(path)}: not read: {why}" + (
        "" if "; " in why else " (name the files to load them)")
            for path, _, why in (p.partition(": ") for p in passed)]


def encoding_notes(loads: list[FileLoad]) -> list[str]:
    """Per file read now: rows rejected because their line is not UTF-8 (a Latin-1 /
    Windows-1252 CSV from Excel loads its ASCII rows only), with how to re-save it."""
    from planalyzer.sources.staging import NOT_UTF8

    notes = []
    for fl in loads:
        n = sum(c for reason, c in fl.rejected_by_reason.items() if NOT_UTF8 in reason)
        if n and fl.status != "unchanged":
            notes.append(f"{display_path(fl.source)}: {n:,} row(s) rejected for their "
                         f"encoding: {RESAVE_UTF8.replace('FILE', display_path(fl.source), 1)}")
    return notes


def unread_token_notes(loads: list[FileLoad]) -> list[str]:
    """Per file read now: token classes read as 0 while columns that look like token counts
    went unused (planalyzer.sources.unmapped)."""
    return [f"{display_path(fl.source)}: {fl.unread_tokens}" for fl in loads
            if fl.unread_tokens and fl.status != "unchanged"]

def uncounted_token_notes(loads: list[FileLoad]) -> list[str]:
    """Per file read now: tokens its loaded rows hold that no token class counts (an OpenAI
    export's audio counts beside its text-only input and output), with their totals."""
    return [f"{display_path(fl.source)}: {fl.uncounted_tokens}" for fl in loads
            if fl.uncounted_tokens and fl.status != "unchanged"]

def unloaded_usage_notes(loads: list[FileLoad]) -> list[str]:
    """What Claude Code messages read now log beside the tokens their rows hold (FileLoad.
    unloaded_usage), summed over the files: web searches, billed per search on top of tokens,
    and the advisor tool's sub-inferences, another model's tokens the message's usage leaves
    out. Neither is in any row, so API value and GPU cost leave them out."""
    files = [fl for fl in loads if fl.unloaded_usage and fl.status != "unchanged"]
    notes = []
    searched = [fl for fl in files if "web_search_requests" in fl.unloaded_usage]
    if searched:
        messages = sum(fl.unloaded_usage["web_search_requests"][0] for fl in searched)
        searches = sum(fl.unloaded_usage["web_search_requests"][1] for fl in searched)
        notes.append(f"{searches:,} web search(es) in {messages:,} Claude Code message(s) "
                     f"({_files(searched)}; usage.server_tool_use.web_search_requests): "
                     "Anthropic bills web search per search on top of the tokens, a price the "
                     "catalog does not hold: API value leaves them out (docs/sources.md)")
    totals: dict[str, list[int]] = {}
    for fl in files:
        for key, counts in fl.unloaded_usage.items():
            if key.startswith("advisor "):
                into = totals.setdefault(key.removeprefix("advisor "), [0] * len(counts))
                totals[key.removeprefix("advisor ")] = [a + b for a, b in zip(into, counts,
                                                                              strict=True)]
    if totals:
        advised = [fl for fl in files if any(k.startswith("advisor ") for k in fl.unloaded_usage)]
        each = "; ".join(
            f"{model}: {c[0]:,} message(s), input {c[2]:,}, cache write {c[3]:,}, cache write "
            f"1h {c[4]:,}, cache read {c[5]:,}, output {c[6]:,}"
            + (f" ({c[1]:,} iteration(s) with a count that is not a whole number of 0 or more "
               "left out)" if c[1] else "")
            for model, c in sorted(totals.items()))
        notes.append(f"Claude Code messages ({_files(advised)}) consulted the advisor tool: its "
                     "sub-inferences (usage.iterations of type advisor_message) are another "
                     "model's tokens, which the message's own usage leaves out and no row "
                     f"holds, neither loaded nor priced: {each}; Anthropic bills them at the "
                     "advisor model's rates; ccusage counts them as that model's usage, so its "
                     "daily totals exceed these by them (docs/sources.md)")
    return notes


def _files(files: list[FileLoad]) -> str:
    """The first file's path, and how many more."""
    more = f" and {len(files) - 1} more file(s)" if len(files) > 1 else ""
    return f"{display_path(files[0].source)}{more}"


def read_notes(loads: list[FileLoad]) -> list[str]:
    """Per file read now: what its reader made of it that the user should know (an OpenAI
    Usage API page whose bucket width it guessed: planalyzer.sources.openai_usage)."""
    return [f"{display_path(fl.source)}: {fl.read_note}" for fl in loads
            if fl.read_note and fl.status != "unchanged"]

def kept_notes(loads: list[FileLoad]) -> list[str]:
    """Rows loaded without a value that could not be read (a logged cost '$0.01'), and rows
    loaded with an empty token cell read as 0, per file."""
    return [f"{display_path(fl.source)}: {what} not a number (or NaN, infinite, negative) in "
            f"{n:,} row(s): kept without it ({what} empty; their tokens count as usual)"
            for fl in loads if fl.kept_without and fl.status != "unchanged"
            for what, n in sorted(fl.kept_without.items()) if n] + [
        f"{display_path(fl.source)}: {n:,} row(s) had an empty {column}: read as 0 (rows "
        "with every token count empty are rejected as 'no token counts')"
        for fl in loads if fl.empty_read_as_zero and fl.status != "unchanged"
        for column, n in fl.empty_read_as_zero.items() if n]

def estimated_request_notes(loads: list[FileLoad], bucket_prompt_tokens: int) -> list[str]:
    """Bucket rows of exports that log no request count (Anthropic's usage reports; an empty
    count in another usage export): their counts are estimates, which GPU cost rests on."""
    files = [fl for fl in loads if fl.estimated_requests and fl.status != "unchanged"]
    if not files:
        return []
    n = sum(fl.estimated_requests for fl in files)
    more = f" and {len(files) - 1} more file(s)" if len(files) > 1 else ""
    window = ("; Anthropic messages results are also bounded by their context_window"
              if any(fl.format.startswith("anthropic-usage") for fl in files) else "")
    return [f"{n:,} bucket row(s) ({display_path(files[0].source)}{more}) log no request "
            "count: each got an estimated count, its prompt tokens (input + cache writes + "
            f"cache reads) / {bucket_prompt_tokens:,} rounded up, at least 1 (an assumed mean "
            f"prompt per request{window}); request size, and so GPU cost and long-context "
            "prices, rest on it: give --bucket-prompt-tokens N to assume another mean "
            "(docs/sources.md)"]


def local_time_notes(loads: list[FileLoad], tz: str) -> list[str]:
    """Timestamps without an offset read under a ``tz`` other than UTC: how many (summed over
    the files; the store keeps the instants, so a later report's --timezone does not read them
    again), and per file those at a wall-clock time ``tz`` has twice or never: how they were
    read (DuckDB's ICU rules)."""
    if tz == "UTC":  # nothing is counted under UTC (and a --db rerun has 5,900 loads to pass)
        return []
    notes = []
    read = [fl for fl in loads if fl.status != "unchanged"
            and fl.local_time_shifts.get("naive", 0)]
    if read:
        n = sum(fl.local_time_shifts["naive"] for fl in read)
        more = f" and {len(read) - 1} more file(s)" if len(read) > 1 else ""
        notes.append(f"{n:,} timestamp(s) without an offset or zone ({display_path(read[0].source)}"
                     f"{more}) were read as {tz} wall-clock times (--timezone {tz}); they are "
                     "kept as instants, so a store (--db) keeps this reading whatever "
                     "--timezone a later report gives; if they are UTC times, load them into "
                     "a store without --timezone (planalyzer load --db) and give --timezone "
                     "to the report on it")
    for fl in loads:
        amb = fl.local_time_shifts.get("ambiguous", 0)
        gap = fl.local_time_shifts.get("nonexistent", 0)
        if fl.status == "unchanged" or not (amb or gap):
            continue
        parts = ([f"{amb:,} at a time {tz} has twice (the clocks go back): read as the "
                  "second, after the change"] if amb else []) + (
                 [f"{gap:,} at a time {tz} skips (the clocks go forward): read with the "
                  "offset before the change, so the clock reads later by the shift"]
                 if gap else [])
        notes.append(f"{display_path(fl.source)}: timestamps without an offset, "
                     + "; ".join(parts) + ". Windows (and, where the clocks change at "
                     "midnight, the billing day) may shift by the change; give offsets (or Z) "
                     "to be exact")
    return notes


def source_notes(loads: list[FileLoad]) -> list[str]:
    by_source: dict[str, list[FileLoad]] = {}
    for fl in loads:
        if fl.status != "unchanged":
            by_source.setdefault(fl.format.split(" ")[0], []).append(fl)
    notes = []
    for m in registry.modules():  # each source's own notes on its files just read
        if m.name in by_source:
            notes.extend(m.load_notes(by_source[m.name]))
    aggregated = sorted(m.name for m in registry.modules()
                        if m.aggregated and m.name in by_source)
    if not aggregated:
        return notes
    return [f"{', '.join(aggregated)}: rows are usage buckets (a day or an hour), not requests; "
            "5-hour and weekly window results are approximate for them", *notes]


def gone_notes(db: Path | None, folders: list[str], known: Iterable[str],
               sources: list[SourceFile]) -> list[str]:
    """A note per named folder holding files an earlier load read into --db ``db``
    (``known``) that are no longer there: their rows are kept (a --db file keeps the history
    of logs that tools delete, such as Claude Code's transcripts after 30 days)."""
    if not folders:
        return []
    gone = set(known) - {src.key for src in sources}
    notes = []
    for folder in folders:
        prefix = folder.rstrip(os.sep) + os.sep
        n = sum(k.startswith(prefix) for k in gone)
        if n:
            notes.append(
                f"{n:,} file(s) under {display_path(folder)} read into --db {db} "
                "earlier are gone from disk; their rows stay in it (a --db file keeps "
                "the history of logs that tools delete: Claude Code removes transcripts "
                "after 30 days by default); load into a new --db file to leave them out")
    return notes
