"""Reading a CSV or JSON-lines file once into a temp table, keeping what it cannot read.

One malformed line must not fail the whole file: it is a rejected row with its reason, and
the other rows load (the accounting identity holds: the line counts as read and rejected).

- CSV: read with ``store_rejects``; a line with too many or too few fields (a truncated last
  line included) is taken out by DuckDB and listed in its rejects table. The staged rows are
  renumbered so that each keeps its data-row number (``source_row``). A header ending in a
  delimiter (an empty last name: a spreadsheet's trailing comma) with every row one field
  short of it is read again under the header's other names, so the rows load.
- JSON lines: read with ``ignore_errors``: DuckDB keeps a line it cannot parse as a row with
  every column NULL, so the numbering holds. Where such rows exist, the file is scanned here
  for the lines that are not a JSON object; their rows are taken out and rejected. (A line
  that is JSON but no object, ``[1, 2]``, makes DuckDB read the whole file as one column:
  an error naming that line.) A file starting with ``[`` is read as one JSON array. A file
  that is one JSON object written over several lines (pretty-printed: an API response saved
  as it came), or several such, is an error saying so and how to write it as JSON lines, not
  one naming its first line as broken.
"""

from __future__ import annotations

import io
import json
import re
import shlex
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from planalyzer import duck, sqlfiles
from planalyzer.errors import InputError, PlanalyzerError
from planalyzer.sources import file_kind
from planalyzer.sources.base import RESAVE_UTF8, UTF8_BOM, access_error, open_bytes, read_head
from planalyzer.sources.files import SourceFile, store_error
from planalyzer.sources.report_json import max_object_size, too_large_message
from planalyzer.sources.tabular import (
    JSON_ARRAY_READER,
    JSON_TEXT_TIMES,
    STAGE_RAW,
    STAGE_ROW,
    csv_options,
    csv_sep_hint,
    is_json_array,
    line_too_long,
    trailing_comma,
)
from planalyzer.sqlfiles import quote_ident

_CSV_REJECTS, _CSV_SCANS = "planalyzer_csv_rejects", "planalyzer_csv_scans"


def csv_stage_reader(head: bytes, named: bool = False) -> str:
    """The reader that stages a CSV file starting with ``head`` (its delimiter hint:
    tabular.csv_options); ``named``: for a header with one more (empty-named, trailing) field
    than the rows, the rows read under the header's other names (``$names``)."""
    header = "header = false, names = $names" if named else "header = true"
    return (f"read_csv($path, {header}, all_varchar = true, store_rejects = true, "
            f"hive_partitioning = false, {csv_options(head, skip=int(named))}, "
            f"rejects_table = '{_CSV_REJECTS}', rejects_scan = '{_CSV_SCANS}') AS src")


JSONL_STAGE_READER = ("read_json($path, format = 'newline_delimited', sample_size = -1, "
                      "ignore_errors = true, hive_partitioning = false, "
                      f"{JSON_TEXT_TIMES}) AS src")
_NOT_OBJECT = "JSON line is not an object"
NOT_UTF8 = "invalid encoding"  # in the reason of a line that is not UTF-8 (CSV: DuckDB's)
_NOT_UTF8_JSON = f"malformed JSON line ({NOT_UTF8})"
_RAW_CHARS = 1000  # of a bad line kept in rejected_rows.raw_json
_CSV_REASONS = {"TOO MANY COLUMNS": "wrong number of fields (too many)",
                "MISSING COLUMNS": "wrong number of fields (too few)"}


@dataclass(frozen=True)
class BadLine:
    """A line that is no row: its source_row, file line, reason and the line as JSON."""

    row: int
    line: int
    reason: str
    raw: str


def stage(con: duckdb.DuckDBPyConnection, src: SourceFile, table: str) -> list[BadLine]:
    """Read ``src`` into the temp table ``table``; the lines it could not read as rows."""
    if src.format == "csv":
        return _stage_csv(con, src, table)
    return _stage_json(con, src, table)


def _run_stage(con: duckdb.DuckDBPyConnection, path: str, table: str, reader: str) -> None:
    sqlfiles.run(con, "stage_source", {"path": path},
                 {"table": quote_ident(table), "reader": reader}).fetchall()


def _drop(con: duckdb.DuckDBPyConnection, *tables: str) -> None:
    for t in tables:
        sqlfiles.run(con, "drop_temp_table", slots={"table": quote_ident(t)}).fetchall()


def _stage_csv(con: duckdb.DuckDBPyConnection, src: SourceFile, table: str) -> list[BadLine]:
    if file_kind.mixed_line_ends(src.path):
        # lines ending in CRLF and LF both (files concatenated, a row added in Notepad): DuckDB's
        # sniffer cannot read the file; a copy of it with LF line ends is read instead
        with tempfile.TemporaryDirectory(prefix="planalyzer-") as folder:
            copy = Path(folder) / "line-ends.csv"
            try:
                file_kind.normalise_line_ends(src.path, copy)
            except file_kind.DECOMPRESS_ERRORS as exc:
                raise (access_error(src.key, exc)
                       or file_kind.compressed_error(src.key, exc)) from None
            return _stage_csv_text(con, src, table, copy)
    return _stage_csv_text(con, src, table, src.path)


def _stage_csv_text(con: duckdb.DuckDBPyConnection, src: SourceFile, table: str,
                    path: Path) -> list[BadLine]:
    """Stage ``src``'s rows read from ``path`` (the file, or a copy of it). A first line that
    is Excel's delimiter hint (``sep=;``) is passed over, its delimiter used."""
    head = read_head(path, 4096)
    lines = _stage_csv_lines(con, src, path, table, csv_stage_reader(head))
    hint = int(csv_sep_hint(head) is not None)  # the hint's line, before the header
    names = _names_before_empty_last(con, path, table, lines, hint)
    if names:  # every row one field short of a header ending in a delimiter: read by the names
        lines = _stage_csv_lines(con, src, path, table, csv_stage_reader(head, named=True),
                                 {"names": names})
    if not lines:
        return []
    # data row of a record: its record number less the header's (and the hint's); its
    # physical line, counted from its byte position (a quoted field may span lines)
    physical = _physical_lines(path, [int(pos) for *_, pos in lines])
    bad = [BadLine(int(line) - 1 - hint, number,
                   _CSV_REASONS.get(str(kind), f"malformed CSV line ({str(kind).lower()})"),
                   json.dumps({"line": number, "text": str(text)[:_RAW_CHARS]}))
           for (line, kind, text, _), number in zip(lines, physical, strict=True)]
    gaps = [b.row - i for i, b in enumerate(bad)]
    sqlfiles.run(con, "renumber_staged_rows", {"gaps": gaps},
                 {"table": quote_ident(table)}).fetchall()
    return bad


def _stage_csv_lines(con: duckdb.DuckDBPyConnection, src: SourceFile, path: Path, table: str,
                     reader: str, params: dict[str, object] | None = None
                     ) -> list[tuple[Any, ...]]:
    """Stage a CSV file (read from ``path``) with ``reader``; its rejected lines
    (csv_rejected_lines)."""
    _drop(con, _CSV_REJECTS, _CSV_SCANS)  # DuckDB appends to them across reads
    try:
        sqlfiles.run(con, "stage_source", {"path": str(path), **(params or {})},
                     {"table": quote_ident(table), "reader": reader}).fetchall()
    except duckdb.Error as exc:  # (the load's transaction is aborted: its rollback cleans up)
        raise unreadable(src.key, src.format, exc) from None
    lines = sqlfiles.run(con, "csv_rejected_lines", slots={
        "rejects": quote_ident(_CSV_REJECTS)}).fetchall()
    _drop(con, _CSV_REJECTS, _CSV_SCANS)
    return lines


def _physical_lines(path: Path, positions: list[int]) -> list[int]:
    """The 1-based file line at each byte position (ascending) of ``path``'s decompressed
    bytes: the newlines before it, plus one."""
    found: list[int] = []
    newlines, start = 0, 0
    with _open_bytes(path) as fh:
        for pos in positions:
            while start < pos:
                chunk = fh.read(min(pos - start, 1 << 20))
                if not chunk:
                    break
                newlines += chunk.count(b"\n")
                start += len(chunk)
            found.append(newlines + 1)
    return found


def _names_before_empty_last(con: duckdb.DuckDBPyConnection, path: Path, table: str,
                             lines: list[tuple[Any, ...]], hint: int = 0) -> list[str] | None:
    """The header's names but the last, where the header ends in a delimiter (an empty last
    name: a spreadsheet's trailing comma) and every row was one field short of it; else None.
    ``hint``: lines before the header (Excel's delimiter hint)."""
    if not lines or any(str(kind) != "MISSING COLUMNS" for _, kind, *_ in lines):
        return None
    staged = f"{quote_ident(table)} AS src"
    if sqlfiles.run(con, "count_source_rows", slots={"reader": staged}).fetchone() != (0,):
        return None
    try:
        found = _lines(path)
        for _ in range(hint):
            next(found)
        header = next(found)[1].rstrip()
    except (OSError, EOFError, UnicodeError, StopIteration):
        return None
    names = [str(r[0]) for r in sqlfiles.run(con, "describe_source", slots={
        "reader": staged}).fetchall() if str(r[0]) not in (STAGE_ROW, STAGE_RAW)]
    if len(names) < 2 or not header or header[-1] not in ",;\t|" \
            or names[-1] != f"column{len(names) - 1}":
        return None
    return names[:-1]


def _stage_json(con: duckdb.DuckDBPyConnection, src: SourceFile, table: str) -> list[BadLine]:
    head = read_head(src.path, 4096)
    cr = head.find(b"\r")
    lone_cr = 0 <= cr < len(head) - 1 and head[cr + 1:cr + 2] != b"\n"
    if head.startswith(UTF8_BOM) or lone_cr:
        # DuckDB's JSON reader takes a UTF-8 byte-order mark (Windows tools write one) for a
        # malformed first line, and a file whose lines end in CR alone (old Mac tools) for one
        # line: read a copy without the mark, its lines ending in LF
        with tempfile.TemporaryDirectory(prefix="planalyzer-") as folder:
            copy = Path(folder) / "text.jsonl"
            try:
                if lone_cr:
                    file_kind.normalise_line_ends(src.path, copy, drop_bom=True)
                else:
                    with _open_bytes(src.path) as fh, copy.open("wb") as out:
                        fh.read(len(UTF8_BOM))
                        shutil.copyfileobj(fh, out)
            except file_kind.DECOMPRESS_ERRORS as exc:
                raise (access_error(src.key, exc)
                       or file_kind.compressed_error(src.key, exc)) from None
            return _stage_json_text(con, src, table, copy)
    return _stage_json_text(con, src, table, src.path)


_open_bytes = open_bytes


def _stage_json_text(con: duckdb.DuckDBPyConnection, src: SourceFile, table: str,
                     path: Path) -> list[BadLine]:
    """Stage ``src``'s rows read from ``path`` (the file, or a copy of it)."""
    if is_json_array(src):  # one JSON array, not JSON lines
        try:
            _run_stage(con, str(path), table, JSON_ARRAY_READER)
        except duckdb.Error as exc:
            raise (trailing_comma(src) or _too_deep(src, path, exc, "JSON array")
                   or unreadable(src.key, "JSON array", exc)) from None
        return _array_elements_not_rows(con, src, table, path)
    try:
        _run_stage(con, str(path), table, JSONL_STAGE_READER)
    except duckdb.Error as exc:
        raise (_too_deep(src, path, exc, src.format)
               or unreadable(src.key, src.format, exc)) from None
    names = [str(r[0]) for r in sqlfiles.run(con, "describe_source", {}, {
        "reader": quote_ident(table)}).fetchall()]
    records = names != ["json", STAGE_ROW, STAGE_RAW]  # else: DuckDB met a line not an object
    if records and not _count(sqlfiles.run(con, "count_empty_staged_rows",
                                           slots={"table": quote_ident(table)})):
        return []  # every line read (the usual case: one cheap count)
    scanned = _scan_json_lines(path)
    if scanned is None:
        raise InputError(f"{src.key}: cannot be read as {src.format} (not UTF-8 text); "
                         "check the file is complete, or re-export it")
    rows, bad = scanned
    if not bad:
        return []  # rows with nothing in them ({}): the checks reject them
    first = next((b for b in bad if b.reason == _NOT_OBJECT), bad[0]) if not records else bad[0]
    where = f"line {first.line} is not a JSON object"
    got = _count(sqlfiles.run(con, "count_source_rows", {}, {"reader": quote_ident(table)}))
    if not records or len(bad) == rows or got != rows:
        # no row per line to take the bad ones out of: say the first
        if first.reason == _NOT_UTF8_JSON:
            raise InputError(f"{src.key}: cannot be read as {src.format} (line {first.line} "
                             f"is not UTF-8 text); "
                             f"{RESAVE_UTF8.replace('FILE', src.key, 1)}")
        raise (_pretty_printed(con, src, path, rows) or InputError(
            f"{src.key}: cannot be read as {src.format} ({where}); fix or remove that line, "
            "or re-export the file"))
    sqlfiles.run(con, "delete_staged_rows", {"rows": [b.row for b in bad]},
                 {"table": quote_ident(table)}).fetchall()
    return bad


def pretty_printed(con: duckdb.DuckDBPyConnection, src: SourceFile) -> InputError | None:
    """``_pretty_printed`` for a file not staged (``planalyzer map``: its JSON-lines reader
    read no object but a column ``json``)."""
    try:
        lines = sum(1 for _, line, _ in _text_lines(src.path) if line.strip())
    except (OSError, EOFError, UnicodeError):
        return None
    return _pretty_printed(con, src, src.path, lines)


def _pretty_printed(con: duckdb.DuckDBPyConnection, src: SourceFile, path: Path,
                    lines: int) -> InputError | None:
    """The error for a JSON-lines file that is JSON objects written over several lines each
    (pretty-printed: fewer documents than its ``lines`` non-blank lines), saying so and how
    to write them one per line; None for any other file."""
    try:
        row = sqlfiles.run(con, "json_documents", {
            "path": str(path), "max_object_size": max_object_size(path)}).fetchone()
    except duckdb.Error:
        return None
    if row is None or not row[0] or row[0] >= lines or row[1] != "OBJECT":
        return None
    documents, lists = int(row[0]), [str(k) for k in row[2] or []]
    name = shlex.quote(src.key)
    if documents > 1:
        return InputError(
            f"{src.key}: cannot be read as {src.format}: it holds {documents:,} JSON objects "
            "each written over several lines (pretty-printed, as `jq .` writes them), not JSON "
            f"lines (one object per line); write one per line (jq -c . {name} > rows.jsonl) "
            "and load that, or export JSON lines")
    one_line = f"write it on one line (jq -c . {name} > rows.jsonl) and load that"
    if lists:  # a response whose rows are a list under a key (an API page)
        key = lists[0]
        rows = f".{key}[]" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else \
            f".[{json.dumps(key)}][]"
        one_line = (f"if its rows are the list under {key!r}, write them one per line (jq -c "
                    f"{shlex.quote(rows)} {name} > rows.jsonl), else {one_line}")
    return InputError(
        f"{src.key}: cannot be read as {src.format}: it is one JSON object written over "
        f"{lines:,} lines (pretty-printed), not JSON lines (one object per line); {one_line}; "
        "or export JSON lines")


_NOT_OBJECT_ELEMENT = "JSON array element is not an object"
_JSON_KINDS = {"NULL": "null", "ARRAY": "an array", "VARCHAR": "a string",
               "BOOLEAN": "true or false"}


def _array_elements_not_rows(con: duckdb.DuckDBPyConnection, src: SourceFile, table: str,
                             path: Path) -> list[BadLine]:
    """The elements of a staged JSON array that are no row: a ``null`` (read as a row with
    every column NULL) is taken out and rejected as no object, as a JSON line holding null
    is. An array with no element, or with an element that is a number, string or array
    (DuckDB then reads the whole array as one column), is an error saying so, not a list of
    the columns it lacks ("found: json")."""
    names = [str(r[0]) for r in sqlfiles.run(con, "describe_source", {}, {
        "reader": quote_ident(table)}).fetchall()]
    records = names != ["json", STAGE_ROW, STAGE_RAW]
    if records and not _count(sqlfiles.run(con, "count_empty_staged_rows",
                                           slots={"table": quote_ident(table)})):
        return []  # every element an object (the usual case: one cheap count)
    try:
        kinds = [(int(n), str(k)) for n, k in sqlfiles.run(
            con, "json_array_element_types", {"path": str(path)}).fetchall()]
    except duckdb.Error:
        return []  # the load's checks say what they find
    if not kinds:
        raise InputError(f"{src.key}: an empty JSON array (no rows); remove it from the "
                         "sources, or re-export it")
    if not records:
        others = [(n, k) for n, k in kinds if k != "OBJECT"] or kinds
        n, kind = next(((n, k) for n, k in others if k != "NULL"), others[0])  # the cause
        raise InputError(f"{src.key}: cannot be read as a JSON array (element {n} is "
                         f"{_JSON_KINDS.get(kind, 'a number')}, not an object); a JSON array "
                         "export holds one object per row: fix or remove that element, or "
                         "re-export the file")
    bad = [BadLine(n, n, _NOT_OBJECT_ELEMENT, json.dumps({"element": n, "text": "null"}))
           for n, k in kinds if k == "NULL"]
    if bad:
        sqlfiles.run(con, "delete_staged_rows", {"rows": [b.row for b in bad]},
                     {"table": quote_ident(table)}).fetchall()
    return bad


# DuckDB's JSON reader fails the whole file on one line nested this deep (any column)
_TOO_DEEP = "maximum recursion depth"
_MAX_DEPTH = 128


def _depth(line: str) -> int:
    """How deep a JSON text's objects and arrays nest (brackets in strings not counted)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in line:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "}]":
            depth -= 1
    return deepest


def _too_deep(src: SourceFile, path: Path, exc: BaseException, fmt: str
              ) -> InputError | None:
    """The error for a JSON-lines file DuckDB refused for a line nested ``_MAX_DEPTH`` levels
    deep or more, naming that line (DuckDB names none; the load's transaction is aborted by
    then, so the other lines cannot load without it: the error says to fix or remove it);
    None for any other error."""
    if _TOO_DEEP not in str(exc):
        return None
    where = "a line"
    try:
        for number, line, _utf8 in _text_lines(path):
            if line.count("{") + line.count("[") >= _MAX_DEPTH and _depth(line) >= _MAX_DEPTH:
                where = f"line {number}"
                break
    except (OSError, EOFError, UnicodeError):
        pass
    return InputError(f"{src.key}: cannot be read as {fmt} ({where} nests objects or "
                      f"arrays {_MAX_DEPTH} levels deep or more, deeper than the JSON reader "
                      f"goes); fix or remove {'that line' if where != 'a line' else 'it'}, "
                      "or re-export the file")


def _count(cur: duckdb.DuckDBPyConnection) -> int:
    rows = cur.fetchall()
    return int(rows[0][0]) if rows else 0


def _scan_json_lines(path: Path) -> tuple[int, list[BadLine]] | None:
    """(non-blank lines, the bad ones with their row = their number among the non-blank
    lines and the file line in raw_json); None where the file cannot be scanned."""
    try:
        rows = 0
        bad: list[BadLine] = []
        for number, line, utf8 in _text_lines(path):
            if not line.strip():
                continue
            rows += 1
            try:
                reason = None if isinstance(json.loads(line), dict) else _NOT_OBJECT
            except ValueError:
                reason = "malformed JSON line"
            except RecursionError:
                reason = "malformed JSON line (nested too deeply)"
            if reason is None and not utf8:
                reason = _NOT_UTF8_JSON  # DuckDB's reader gave the line no values
            if reason is not None:
                bad.append(BadLine(rows, number, reason,
                                   json.dumps({"line": number, "text": line[:_RAW_CHARS]})))
        return rows, bad
    except (OSError, EOFError, UnicodeError):
        return None


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    for number, line, _utf8 in _text_lines(path):
        yield number, line


def _text_lines(path: Path) -> Iterator[tuple[int, str, bool]]:
    """(number from 1, text, whether it is UTF-8) for each of the file's lines; bytes that are
    not UTF-8 read as U+FFFD."""
    with _open_bytes(path) as raw, io.TextIOWrapper(raw, encoding="utf-8",
                                                   errors="surrogateescape") as fh:
        for number, line in enumerate(fh, start=1):
            line = line.rstrip("\r\n")
            if _ESCAPED.search(line) is None:
                yield number, line, True
            else:  # bytes that are not UTF-8, escaped as lone surrogates
                yield number, line.encode("utf-8", "surrogateescape").decode(
                    "utf-8", "replace"), False


_ESCAPED = re.compile("[\udc80-\udcff]")


def unreadable(key: str, fmt: str, exc: BaseException) -> PlanalyzerError:
    """The error for a file its reader cannot read at all (or that vanished, or cannot be
    opened for its permissions: planalyzer.sources.base.access_error; or DuckDB's memory
    limit)."""
    memory = duck.memory_error(exc)
    if memory is not None:
        return memory
    gone = access_error(key)
    if gone is not None:
        return gone
    too_long = line_too_long(key, exc)
    if too_long is not None:
        return too_long
    store = store_error(key)  # a --db store named as a source: no file to re-export
    if store is not None:
        return store
    if "csv" in fmt.split() and (ends := file_kind.line_ends_error(key, Path(key))) is not None:
        return ends  # a compressed file's lines ending in CRLF and LF past its first MB
    text = str(exc).strip().splitlines()
    detail = text[0] if text else type(exc).__name__
    if "maximum_object_size" in detail:  # one JSON document over DuckDB's bound
        return InputError(too_large_message(key, fmt))
    return InputError(f"{key}: cannot be read as {fmt} ({detail}); check the file is complete, "
                      "or re-export it")
