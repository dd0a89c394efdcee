"""Parquet, CSV and JSON-lines files: the SQL projection onto canonical columns.

The projection is built from the file's own column names (quoted by ``quote_ident``) and types;
every value the check needs (time zone, bounds) stays a bound parameter. CSV is read as text so
that one bad cell is a rejected row, not a failed load; the projection parses it.
"""

from __future__ import annotations

import re
import shlex
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import duckdb

from planalyzer import sqlfiles
from planalyzer.errors import InputError
from planalyzer.schema import TOKEN_COLUMNS
from planalyzer.sources import unmapped
from planalyzer.sources.base import (
    UTF8_BOM,
    Source,
    check_text_encoding,
    open_bytes,
    read_head,
)
from planalyzer.sources.file_kind import line_ends_error
from planalyzer.sources.files import SourceFile, store_error
from planalyzer.sources.mapping import ColumnMapping, MappingSpec, detect, normalise
from planalyzer.sources.path_values import path_values, sql_literal
from planalyzer.sources.ts_text import (
    HAS_OFFSET,
    OFFSET_OK,
    OFFSET_OUT_OF_RANGE,
    TIME,
    offset_value,
    sql_regex,
)
from planalyzer.sqlfiles import quote_ident

if TYPE_CHECKING:
    from planalyzer.store import LoadOptions

# The longest CSV line read (DuckDB's default is 2 MB, which an export holding prompt text can
# pass; a 1M-token prompt is about 4 MB). DuckDB's read buffer is sized from it (16x by default
# for a compressed file: 2 GB for 128 MB), so the buffer is set to it too: a normal load keeps
# its memory (a 400,000-row CSV: 89 MB either way); a 200 MB line in a .csv.gz fails in 3 s at
# 270 MB. A line beyond it fails the file with an error naming this bound (line_too_long).
CSV_MAX_LINE_SIZE = 64 * 1024 * 1024
CSV_LINE_OPTIONS = f"max_line_size = {CSV_MAX_LINE_SIZE}, buffer_size = {CSV_MAX_LINE_SIZE}"

# Excel's delimiter hint: a CSV whose first line is "sep=;" (sep=, sep=<tab>, sep=|: Excel
# writes it, and reads the file by it) has that delimiter and its header on the next line.
# DuckDB's sniffer would take the hint for a header of one column, 'sep='. The delimiter goes
# into the reader as one of these literals (the library's, never the file's text).
_SEP_HINT = re.compile(rb"sep=([,;\t|])\r?\n", re.IGNORECASE)
_SEP_LITERALS = {b",": "','", b";": "';'", b"\t": "'\\t'", b"|": "'|'"}


def csv_sep_hint(head: bytes) -> bytes | None:
    """The delimiter a CSV's first line names (Excel's ``sep=;``), or None: the file's
    header is then its second line."""
    found = _SEP_HINT.match(head.removeprefix(UTF8_BOM))
    return found.group(1) if found else None


def csv_options(head: bytes, skip: int = 0) -> str:
    """The read_csv options for a CSV starting with ``head``, besides header and names: its
    line options, and where its first line is Excel's delimiter hint, that line skipped
    (``skip``: lines skipped after it, a header read apart) and the delimiter it names."""
    sep = csv_sep_hint(head)
    if sep is not None:
        skip += 1
    options = CSV_LINE_OPTIONS + (f", skip = {skip}" if skip else "")
    return options + (f", delim = {_SEP_LITERALS[sep]}" if sep is not None else "")


def csv_reader(head: bytes) -> str:
    """The reader over a CSV file not staged (``READERS['csv']`` but for the delimiter
    hint: ``csv_options``)."""
    return ("read_csv($path, header = true, all_varchar = true, ignore_errors = true, "
            f"hive_partitioning = false, {csv_options(head)}) AS src")


def line_too_long(key: str, exc: BaseException) -> InputError | None:
    """The error for a CSV file with a line over CSV_MAX_LINE_SIZE (DuckDB names line 1 and
    no reason in its first line), else None."""
    if "Maximum line size" not in str(exc):
        return None
    return InputError(f"{key}: cannot be read as csv (a line is longer than "
                      f"{CSV_MAX_LINE_SIZE // (1024 * 1024)} MB, the longest CSV line read); "
                      "drop the long text column (a prompt or response) from the export, or "
                      "export it as JSON lines")


# JSON text stays text: DuckDB types a column of ISO strings TIMESTAMPTZ, and its cast reads an
# offset of +99:00 as a shift of days; as text the projection reads and checks it as a CSV
# cell (sources/ts_text.py). read_json has no switch for it: a timestamp format no JSON text
# holds stops the detection (dates are still DATE: naive days, read as the CSV's are).
JSON_TEXT_TIMES = "timestampformat = '(timestamps stay text)'"

# The readers over a file not staged (a load stages CSV and JSON lines: sources/staging.py,
# which counts the lines these skip): the columns `planalyzer map` shows. A malformed line
# does not hide the header's columns.
READERS: dict[str, str] = {
    "parquet": "read_parquet($path, file_row_number = true, hive_partitioning = false) AS src",
    "csv": csv_reader(b""),
    "jsonl": "read_json($path, format = 'newline_delimited', sample_size = -1, "
             f"ignore_errors = true, hive_partitioning = false, {JSON_TEXT_TIMES}) AS src",
}
JSON_ARRAY_READER = ("read_json($path, format = 'array', sample_size = -1, "
                     f"hive_partitioning = false, {JSON_TEXT_TIMES}) AS src")

# the row number and raw JSON the staging adds (sql/stage_source.sql): not the file's columns
STAGE_ROW, STAGE_RAW = "__planalyzer_row", "__planalyzer_raw"
_NOT_FILE_COLUMNS = frozenset({"file_row_number", STAGE_ROW, STAGE_RAW})

_INTEGER = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"}
_WIDE_INTEGER = {"HUGEINT", "UBIGINT", "UHUGEINT"}
_FLOAT = {"FLOAT", "DOUBLE", "REAL"}
_TEXT = {"VARCHAR", "JSON"}
_NAIVE_TS = {"TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATE",
             "TIMESTAMP WITHOUT TIME ZONE"}
_TZ_TS = {"TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ", "TIMESTAMPTZ_NS", "TIMESTAMPTZ_MS",
          "TIMESTAMPTZ_S", "TIMESTAMP_NS WITH TIME ZONE", "TIMESTAMP_MS WITH TIME ZONE",
          "TIMESTAMP_S WITH TIME ZONE"}

# A time of day followed by an offset or Z: the string carries its own zone (sources/ts_text.py).
_HAS_OFFSET = sql_regex(HAS_OFFSET)
# A time of day followed by a zone name: an IANA name (Europe/Berlin) or UTC/GMT is honoured;
# an abbreviation (PST, CET, IST ...) is ambiguous and the row is rejected, never read as naive.
_TIME = TIME
_HAS_ZONE_NAME = rf"'{_TIME}\s*[A-Za-z][A-Za-z0-9_+/-]*$'"
_ZONE_NAME_OK = rf"'{_TIME}\s*((?i:utc|gmt|ut)|[A-Za-z_]+/[A-Za-z0-9_+/-]+)$'"
# an offset real zones use: -12:00 to +14:00 (a +99:00 would move the request days)
_OFFSET_OK = sql_regex(OFFSET_OK)
_NUMBER = r"'-?[0-9]+([.][0-9]+)?'"
# a decimal comma ('0,45'), and the same shape when it may be a thousands separator ('1,200')
_DECIMAL_COMMA = r"'-?[0-9]*,[0-9]+'"
_THOUSANDS_COMMA = r"'-?0*[1-9][0-9]{0,2},[0-9]{3}'"
# epochs beyond this (in any unit) are no time of a log; to_timestamp would fail the file
_EPOCH_MAX = "1e19"


# the columns of the users sidecar `planalyzer generate` writes (sql/synth_users_sidecar.sql)
_SIDECAR_COLUMNS = frozenset({"user_id", "profile", "intensity_z", "tz_offset_min",
                              "median_monthly_requests"})


class UnmappedColumns(InputError):
    """A file whose columns give no user, timestamp, token or model column: ``--map`` names
    them (or ``--source``, where they look like a vendor's export: ``Source.resembles``)."""


# Projection.read_note: (connection, the SQL of the checked rows, the parameters they bind)
# -> what the reader made of the file that the user should know ('' where nothing)
ReadNote = Callable[[duckdb.DuckDBPyConnection, str, dict[str, Any]], str]


@dataclass(frozen=True)
class Projection:
    """The SELECT that reads one file into canonical columns, and what it found."""

    sql: str
    reader: str
    mapping: ColumnMapping
    type_problem: str | None
    params: dict[str, Any] = field(default_factory=dict)  # extra values the SQL binds
    # which column each row's user_id came from (a SQL expression over ``src``), where the
    # user is read per row from several columns; None: one column
    user_from: str | None = None
    extra_columns: tuple[str, ...] = ()  # file columns read besides the mapping's
    # the SELECT has ts_local: timestamps without an offset, as read (``_Ts.local``)
    local_ts: bool = False
    # some rows' request counts may be estimates (requests_estimated true: a bucket of an
    # export that logged no count); the load counts them
    estimates_requests: bool = False
    # the token classes read from a file column (canonical -> column): the SELECT has
    # <canonical>_empty for each class, true where that cell was empty and read as 0
    empty_columns: dict[str, str] = field(default_factory=dict)
    # tokens a row holds that no token class counts (audio beside text-only counts): the
    # report's field -> a column of the SELECT holding that row's such tokens (0 where none);
    # the load names their totals over the loaded rows, with ``uncounted_why``
    uncounted: dict[str, str] = field(default_factory=dict)
    uncounted_why: str = ""
    # called where the file loads no row, with the rows its reader gave (all rejected where
    # not 0): what it holds instead ("it is a cost report ...": a usage export's reader
    # checking the file is of its kind), or None where nothing is amiss (an empty page); the
    # load refuses such a file (exit 2) or, beside files that loaded, names it in a note
    # (planalyzer.load_notes.unusable_files)
    holds_instead: Callable[[duckdb.DuckDBPyConnection, int], str | None] | None = None
    # called where the file loaded rows, as ``after_checks`` is, with the SQL of its checked
    # rows (sql/checked_rows.sql) and the parameters they bind: what the reader made of the
    # file that the user should know (an OpenAI Usage API page whose bucket width it
    # guessed), said by the load in a note of its own; '' where nothing
    read_note: ReadNote | None = None
    # the SELECT's event ids may repeat within the file, and the load numbers the repeats once
    # it has staged the checked rows (sql/number_repeated_event_ids.sql: the 2nd row of an id
    # by tokens, most first (their total, then each class), ends in '#2', ...), over the rows
    # of repeated ids only
    # (a window over every row and column of the SELECT took a 302,400-row CSV's
    # stage_checked_rows from 1.2-1.3 to 1.95-2.15 s CPU); False where the SELECT numbers
    # them itself (a parquet file read in place: ``_numbered_in_place``)
    number_repeated_ids: bool = False
    # ``reader`` reads the file's rows as columns (with any a source adds: a saved page's
    # rows, Langfuse's usageDetails counts), which `planalyzer map` lists with their types;
    # False: a nested report's projection (sources/report_json.py) is its own reader
    reads_file: bool = True
    # called with the file's checked rows (a SELECT over sql/checked_rows.sql's columns; the
    # load's staged table, or the projection itself for `planalyzer map`) and the parameters
    # they bind: a note on tokens the rows hold that no class reads, said with
    # ``mapping.unread`` (Langfuse's totalTokens above its classes), or None; read from the
    # rows the load checked, not by a second pass over the file
    after_checks: Callable[[duckdb.DuckDBPyConnection, str, dict[str, Any]], str | None] | None \
        = None


def nested_hint(key: str, types: dict[str, str]) -> str:
    """Where some of the columns (name -> DuckDB type) of the file ``key`` are nested (an
    object, a map or JSON; a list), what to add to an error suggesting --map: it names a
    top-level column, never a field inside one; what to do instead. Else ''."""
    nested = [c for c, t in types.items() if _NESTED.search(t.strip().upper())
              or _base(t) == "JSON"]
    lists = [c for c in nested if types[c].strip().endswith("]")]
    objects = [c for c in nested if c not in lists]
    parts = []
    if objects:
        shown = ", ".join(objects[:3]) + (f" and {len(objects) - 3:,} more"
                                          if len(objects) > 3 else "")
        parts.append(f"--map names a top-level column, not a field inside the nested {shown}: "
                     "write such a field as a column of its own first, as "
                     f"pandas.json_normalize does ({objects[0]}.FIELD), and --map that")
    if lists:  # an API response whose rows are a list in it
        rows = (f".{lists[0]}[]" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", lists[0])
                else f'.["{lists[0]}"][]')
        parts.append(f"where the rows are the list in {lists[0]}, which --map cannot name, "
                     f"save that list as the file: jq -c {shlex.quote(rows)} "
                     f"{shlex.quote(key)} > rows.jsonl")
    return f" ({'; '.join(parts)})" if parts else ""


def _base(type_name: str) -> str:
    return re.sub(r"\(.*\)$", "", type_name.strip().upper())


def _is_decimal(type_name: str) -> bool:
    return _base(type_name) == "DECIMAL"


def reader_sql(source: SourceFile) -> str:
    """The FROM item that reads ``source`` as ``src``: its temp table where a load staged it,
    else the format's reader over ``$path``."""
    if source.stage is not None:
        return f"{quote_ident(source.stage)} AS src"
    if source.format != "parquet":
        check_text_encoding(source.key, read_head(source.path, 4096))
    if source.format == "jsonl" and is_json_array(source):
        return JSON_ARRAY_READER
    if source.format == "csv":
        return csv_reader(read_head(source.path, 4096))
    return READERS[source.format]


def checked_once(source: SourceFile) -> bool:
    """Does a load keep a file's checked rows in a temp table for its passes (inserts,
    counts: sql/stage_checked_rows.sql)? Yes for every file but parquet read in place, which
    DuckDB reads columnar and fast each time: a text file is parsed once (its rows staged),
    and a usage-report JSON's projection (nested JSON unnested and extracted) is run once."""
    return source.stage is not None or source.format != "parquet"


def is_json_array(source: SourceFile) -> bool:
    """A .json file holding one JSON array (not JSON lines): it starts with '['."""
    return read_head(source.path, 4096).removeprefix(UTF8_BOM).lstrip().startswith(b"[")


_TRAILING_COMMA = re.compile(rb",\s*\]\s*\Z")


def trailing_comma(source: SourceFile) -> InputError | None:
    """The error for a JSON array whose last element is followed by a comma before the closing
    ']' (``},\n]``: Helicone's export tool writes one with --format json), which DuckDB's
    JSON reader refuses and cannot be told to take; None for any other file."""
    if source.format != "jsonl" or not is_json_array(source):
        return None
    tail = b""
    try:
        with open_bytes(source.path) as fh:  # the end of the (decompressed) text
            while chunk := fh.read(1 << 20):
                tail = (tail + chunk)[-64:]
    except (OSError, EOFError, ValueError, zlib.error):
        return None
    if not _TRAILING_COMMA.search(tail):
        return None
    return InputError(f"{source.key}: cannot be read as a JSON array: it has a trailing comma "
                      "before its closing ] (Helicone's export tool writes one with --format "
                      "json); remove that last comma and load it again, or export JSON lines "
                      "(--format jsonl)")


def file_columns(con: duckdb.DuckDBPyConnection, source: SourceFile,
                 reader: str | None = None) -> list[tuple[str, str]]:
    """(name, DuckDB type) of a file's columns (``reader``: a FROM item of the source's own
    that reads it as ``src``); unreadable files raise InputError."""
    own = reader is None
    reader = reader or reader_sql(source)
    try:
        rows = sqlfiles.run(con, "describe_source", {"path": source.key},
                            {"reader": reader}).fetchall()
    except duckdb.Error as exc:
        raise (line_too_long(source.key, exc) or trailing_comma(source)
               or store_error(source.key) or _line_ends_error(source) or InputError(
                   f"{source.key}: cannot be read as {source.format} ({_first_line(exc)}); "
                   "check the file is complete, or re-export it")) from None
    if source.stage is None and source.format == "jsonl" \
            and [str(r[0]) for r in rows] == ["json"] \
            and (own or reader == reader_sql(source)):  # no line read as an object
        from planalyzer.sources.staging import pretty_printed  # staging imports this module

        pretty = pretty_printed(con, source)
        if pretty is not None:
            raise pretty
    return [(str(r[0]), str(r[1])) for r in rows if str(r[0]) not in _NOT_FILE_COLUMNS]


def _line_ends_error(source: SourceFile) -> InputError | None:
    """A CSV file whose lines end in CRLF and LF both, read in place (``planalyzer map``; a
    load reads a copy with LF line ends): an error saying so."""
    return line_ends_error(source.key, source.path) if source.format == "csv" else None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


_NESTED = re.compile(r"^(STRUCT|MAP|UNION)\b|\]$")  # STRUCT(...), MAP(...), INTEGER[], X[3]
_NUMERIC = _INTEGER | _WIDE_INTEGER | _FLOAT | _TEXT


def _expected_type(canon: str, type_name: str) -> str | None:
    """What a column mapped to ``canon`` should hold, where its type cannot hold that
    (a struct of usage, a list, an interval, a time of day, a boolean token count); else None.
    Such a column makes every row of the file rejected with a reason naming the column, its
    type and the type expected (sql/checked_rows.sql: $type_problem)."""
    base = _base(type_name)
    upper = type_name.strip().upper()
    if canon == "ts":
        ok = base in _NUMERIC | _TZ_TS | _NAIVE_TS or _is_decimal(type_name)
        return None if ok else "a timestamp, a date, epoch seconds or text"
    if canon in (*TOKEN_COLUMNS, "requests"):
        ok = base in _NUMERIC or _is_decimal(type_name)
        return None if ok else "whole numbers (an integer, decimal or text column)"
    if canon == "logged_cost_usd":  # a cost that cannot be read keeps the row (_cost_exprs)
        return None
    return "text or a number" if _NESTED.search(upper) else None


def _text_of(q: str, base: str) -> str:
    """Trimmed text of a VARCHAR or JSON value (a JSON string loses its quotes)."""
    if base == "JSON":
        return f"trim({q} ->> '$')"
    return f"trim(CAST({q} AS VARCHAR))"


def _epoch_expr(x: str) -> str:
    """Epoch seconds, milliseconds, microseconds or nanoseconds (told apart by magnitude:
    a time from 1973 to 5138 in its unit) -> TIMESTAMPTZ; NULL beyond any unit."""
    return (f"CASE WHEN NOT isfinite({x}) OR abs({x}) >= {_EPOCH_MAX} THEN NULL "
            f"WHEN abs({x}) >= 1e17 THEN to_timestamp({x} / 1e9) "
            f"WHEN abs({x}) >= 1e14 THEN to_timestamp({x} / 1e6) "
            f"WHEN abs({x}) >= 1e11 THEN to_timestamp({x} / 1e3) "
            f"ELSE to_timestamp({x}) END")


@dataclass(frozen=True)
class _Ts:
    value: str  # TIMESTAMPTZ
    given: str  # BOOLEAN: the cell holds something
    problem: str = "NULL::VARCHAR"  # VARCHAR: a reason more exact than 'unparseable timestamp'
    type_problem: str | None = None
    # TIMESTAMP: the wall-clock time read in $tz (no offset or zone given), else NULL: the load
    # counts those that $tz has twice or never (sql/count_local_time_shifts.sql)
    local: str = "NULL::TIMESTAMP"


def ts_reading(type_name: str) -> str | None:
    """What a load makes of a ts column of this type (``_ts_exprs``), as ``planalyzer map``
    says it: a CSV's columns and a JSON file's timestamps are text (VARCHAR) the load parses;
    None for a type it cannot read (its own error says so)."""
    base = _base(type_name)
    if base in _TZ_TS:
        return "a timestamp with its offset, read as it is"
    if base in _NAIVE_TS:
        return "a timestamp without an offset, read in --timezone (default UTC)"
    if base in _INTEGER | _WIDE_INTEGER | _FLOAT or _is_decimal(type_name):
        return "a number read as epoch seconds, milliseconds, microseconds or nanoseconds"
    if base in _TEXT:
        return ("text parsed as a timestamp: ISO 8601 with its offset or an IANA zone name, "
                "epoch seconds to nanoseconds, or a time without an offset read in --timezone "
                "(default UTC)")
    return None


def _ts_exprs(q: str, type_name: str) -> _Ts:
    """The timestamp column's value, presence and problem expressions."""
    base = _base(type_name)
    given = f"({q} IS NOT NULL)"
    if base in _TZ_TS:
        return _Ts(f"CAST({q} AS TIMESTAMPTZ)", given)
    if base in _NAIVE_TS:
        return _Ts(f"timezone($tz, CAST({q} AS TIMESTAMP))", given,
                   local=f"CAST({q} AS TIMESTAMP)")
    if base in _INTEGER | _WIDE_INTEGER | _FLOAT or _is_decimal(type_name):
        return _Ts(_epoch_expr(f"CAST({q} AS DOUBLE)"), given,
                   f"CASE WHEN abs(CAST({q} AS DOUBLE)) >= {_EPOCH_MAX} "
                   "THEN 'timestamp out of range' END")
    if base in _TEXT:
        t = _text_of(q, base)
        value = (f"CASE WHEN {q} IS NULL OR {t} = '' THEN NULL "
                 f"WHEN regexp_full_match({t}, {_NUMBER}) "
                 f"THEN {_epoch_expr(f'TRY_CAST({t} AS DOUBLE)')} "
                 f"WHEN regexp_matches({t}, {_HAS_OFFSET}) THEN {offset_value(t)} "
                 f"WHEN regexp_matches({t}, {_HAS_ZONE_NAME}) THEN "
                 f"CASE WHEN regexp_matches({t}, {_ZONE_NAME_OK}) "
                 f"THEN TRY_CAST({t} AS TIMESTAMPTZ) END "
                 f"ELSE timezone($tz, TRY_CAST({t} AS TIMESTAMP)) END")
        problem = (f"CASE WHEN regexp_full_match({t}, {_NUMBER}) "
                   f"AND abs(TRY_CAST({t} AS DOUBLE)) >= {_EPOCH_MAX} "
                   "THEN 'timestamp out of range' "
                   f"WHEN regexp_full_match({t}, {_NUMBER}) THEN NULL "
                   f"WHEN regexp_matches({t}, {_HAS_OFFSET}) THEN "
                   f"CASE WHEN NOT regexp_matches({t}, {_OFFSET_OK}) "
                   f"THEN '{OFFSET_OUT_OF_RANGE}' END "
                   f"WHEN regexp_matches({t}, {_HAS_ZONE_NAME}) "
                   f"AND NOT regexp_matches({t}, {_ZONE_NAME_OK}) "
                   "THEN 'time zone abbreviation (ambiguous: give an offset or an IANA zone)' END")
        local = (f"CASE WHEN {q} IS NULL OR {t} = '' OR regexp_full_match({t}, {_NUMBER}) "
                 f"OR regexp_matches({t}, {_HAS_OFFSET}) "
                 f"OR regexp_matches({t}, {_HAS_ZONE_NAME}) THEN NULL "
                 f"ELSE TRY_CAST({t} AS TIMESTAMP) END")
        return _Ts(value, f"({q} IS NOT NULL AND {t} <> '')", problem, local=local)
    return _Ts("NULL::TIMESTAMPTZ", given, type_problem=f"unknown column type: ts is {type_name}")


# the reasons a row gets when a part is above the count that includes it (sql/checked_rows.sql
# gives them through count_problem)
CACHE_READS_ABOVE_INPUT = "cache reads above the input count that includes them"
CACHE_READS_WRITES_ABOVE_INPUT = "cache reads and writes above the input count that includes them"
# a row whose token cells are all empty (NULL or blank): no count to load, not a 0-token request
NO_TOKEN_COUNTS = "no token counts"
# a count cell that is there but no count (sql/checked_rows.sql gives the non-integer and
# negative reasons from the <class>_bad flags and the values): every reader of token counts,
# tabular or JSON, rejects a row with these texts (create_count_macros, json_counts)
OUT_OF_RANGE = "token count out of range"
REQUESTS_OUT_OF_RANGE = "request count out of range"
NON_INTEGER = "non-integer token count"
NEGATIVE = "negative token count"
# a count written with thousands separators ('1,200', as Excel shows it): rejected as a count
# that is not a whole number is, never read as 1200 (a comma may be a decimal comma), but the
# reason says what to write
THOUSANDS_SEPARATOR = "token count with thousands separators (write 1200, not 1,200)"
WRITES_1H_ABOVE_TOTAL = "1-hour cache writes above the cache writes that include them"

# a count as text that is a whole number in digits ('123', '-4', '+5'): read exactly as BIGINT
DIGITS = r"[+-]?[0-9]+"
_DIGITS = f"'{DIGITS}'"
# a whole number with thousands separators, strictly: 1,200 and 12,345,678, not 1,20 or 1,2000
SEPARATED = r"[+-]?[0-9]{1,3}(,[0-9]{3})+"
_SEPARATED = f"'{SEPARATED}'"
# whole numbers read through DOUBLE are exact below 2^53; beyond, a count is out of range
EXACT_DOUBLE = "9e15"


@dataclass(frozen=True)
class _Count:
    value: str  # BIGINT
    bad: str  # BOOLEAN: present but not a whole number (12.5, 'x')
    out_of_range: str = "false"  # BOOLEAN: a whole number beyond what a BIGINT holds exactly
    type_problem: str | None = None
    given: str = "true"  # BOOLEAN: the cell holds something (not NULL, not empty text)
    separated: str = "false"  # BOOLEAN: text of a whole number with thousands separators


def _count_exprs(q: str, type_name: str, default: int | str, canon: str) -> _Count:
    """The value, bad and out-of-range expressions for a token or request count column.

    NULL or empty means the default (0 tokens, 1 request; ``given`` is false: the projection
    rejects a row whose token cells are all empty and counts the rows with some empty); a
    value that is not a whole number makes the row bad (rejected as non-integer), never
    rounded; a whole number too large for a 64-bit integer (a UBIGINT above 2^63,
    '99999999999999999999', 1e20) is out of range (rejected as 'token count out of range'),
    never wrapped or saturated.
    """
    base = _base(type_name)
    if base in _INTEGER:
        return _Count(f"coalesce(CAST({q} AS BIGINT), {default})", "false",
                      given=f"({q} IS NOT NULL)")
    if base in _WIDE_INTEGER:
        v = f"TRY_CAST({q} AS BIGINT)"
        return _Count(f"coalesce({v}, {default})", "false",
                      f"({q} IS NOT NULL AND {v} IS NULL)", given=f"({q} IS NOT NULL)")
    if base in _FLOAT or _is_decimal(type_name) or base in _TEXT:
        digits = "false"
        if base in _TEXT:
            t = _text_of(q, base)
            present = f"({q} IS NOT NULL AND {t} <> '')"
            d = f"TRY_CAST({t} AS DOUBLE)"
            digits = f"regexp_full_match({t}, {_DIGITS})"
            exact = f"TRY_CAST({t} AS BIGINT)"
        else:
            present = f"({q} IS NOT NULL)"
            d = f"CAST({q} AS DOUBLE)"
            exact = "NULL::BIGINT"
        whole_d = f"({d} % 1 = 0)"  # NULL, inf and NaN are not whole (fmod gives NaN)
        whole = f"(abs({d}) < {EXACT_DOUBLE} AND {whole_d})"
        # CASE, not AND: DuckDB evaluates a CASE's later branches only on the rows the earlier
        # ones left, so the digits test (a regex) runs only on the rare counts that are not
        # small whole numbers (below 2^53 a whole DOUBLE is the exact integer)
        value = (f"CASE WHEN NOT {present} THEN {default} "
                 f"WHEN {whole} THEN CAST({d} AS BIGINT) "
                 f"WHEN {digits} THEN {exact} END")
        out = (f"CASE WHEN NOT {present} OR coalesce({whole}, false) THEN false "
               f"WHEN {digits} THEN {exact} IS NULL "
               f"ELSE coalesce({whole_d} AND abs({d}) >= {EXACT_DOUBLE}, false) END")
        bad = (f"CASE WHEN NOT {present} OR coalesce({whole_d}, false) THEN false "
               f"ELSE NOT {digits} END")
        # the regex runs only on the rare cells with a comma
        separated = (f"(contains({t}, ',') AND regexp_full_match({t}, {_SEPARATED}))"
                     if base in _TEXT else "false")
        return _Count(value, bad, out, given=f"coalesce({present}, false)",
                      separated=separated)
    return _Count("NULL::BIGINT", "true",
                  type_problem=f"unknown column type: {canon} is {type_name}")


def text_count(t: str) -> _Count:
    """The count expressions over count text ``t`` (SQL: VARCHAR), read as a VARCHAR cell is
    here, with no default (``value`` NULL where there is none): the rule a reader of counts
    in JSON follows (create_count_macros; planalyzer.sources.json_counts inlines them)."""
    return _count_exprs(t, "VARCHAR", "NULL", "tokens")


def create_count_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The temp macros over a count's text (a JSON value as ``json_extract_string`` gives it),
    read as a VARCHAR count cell is here, so that a reader of JSON (Claude Code's transcripts,
    the usage-API reports) reads its counts as this one does (sql/create_count_text_macro.sql):

    - ``pa_count(t)``: the count (BIGINT), NULL where there is none (no default) or it is no
      usable count;
    - ``pa_count_given(t)``: the text holds something (not NULL, not blank: an empty cell);
    - ``pa_count_bad(t)``: there but not a whole number ('non-integer token count');
    - ``pa_count_out_of_range(t)``: a whole number no BIGINT holds exactly;
    - ``pa_count_problem(t)``: the count_problem of a token count (out of range, thousands
      separators), else NULL; ``pa_requests_problem(t)``: that of a request count.
    """
    count = text_count("t")
    for name, body in (
            ("pa_count", count.value), ("pa_count_given", count.given),
            ("pa_count_bad", count.bad), ("pa_count_out_of_range", count.out_of_range),
            ("pa_count_problem", f"CASE WHEN {count.out_of_range} THEN '{OUT_OF_RANGE}' "
                                 f"WHEN {count.separated} THEN '{THOUSANDS_SEPARATOR}' END"),
            ("pa_requests_problem",
             f"CASE WHEN {count.out_of_range} THEN '{REQUESTS_OUT_OF_RANGE}' END")):
        sqlfiles.run(con, "create_count_text_macro",
                     slots={"name": quote_ident(name), "body": body}).fetchall()


def _cost_exprs(q: str, type_name: str) -> tuple[str, str]:
    """(value DOUBLE, bad BOOLEAN) for the logged cost: empty is no cost logged; text that is
    not a number, NaN, infinity or a negative cost is bad: the row is kept with the cost NULL
    and counted (sql/count_costless_rows.sql), never rejected (its tokens matter more).

    A decimal comma is read ('0,45' is 0.45: German or French spreadsheet exports) where the
    text has exactly one comma and no dot, unless it could be a thousands separator ('1,200':
    a comma before exactly three digits after a non-zero integer part), which is bad."""
    base = _base(type_name)
    if base in _TEXT:
        t = _text_of(q, base)
        present = f"({q} IS NOT NULL AND {t} <> '')"
        d = (f"(CASE WHEN regexp_full_match({t}, {_DECIMAL_COMMA}) "
             f"AND NOT regexp_full_match({t}, {_THOUSANDS_COMMA}) "
             f"THEN TRY_CAST(replace({t}, ',', '.') AS DOUBLE) "
             f"ELSE TRY_CAST({t} AS DOUBLE) END)")
    else:
        present = f"({q} IS NOT NULL)"
        d = f"TRY_CAST({q} AS DOUBLE)"
    ok = f"({d} IS NOT NULL AND isfinite({d}) AND {d} >= 0)"
    return (f"CASE WHEN {present} AND {ok} THEN abs({d}) END",  # abs: -0.0 is 0
            f"({present} AND NOT coalesce({ok}, false))")


def _text_expr(q: str | None, type_name: str = "VARCHAR") -> str:
    if q is None:
        return "NULL::VARCHAR"
    if _base(type_name) == "JSON":
        return f"({q} ->> '$')"
    if _base(type_name) in _FLOAT:
        # an id column with a gap that pandas wrote as float64 (1.0, NaN): a whole number is
        # its digits, as a CSV holds them ('1', not '1.0': the same user), NaN or inf no value
        return (f"CASE WHEN NOT isfinite({q}) THEN NULL "
                f"WHEN {q} = trunc({q}) AND abs({q}) < {EXACT_DOUBLE} "
                f"THEN CAST(CAST({q} AS BIGINT) AS VARCHAR) ELSE CAST({q} AS VARCHAR) END")
    return f"CAST({q} AS VARCHAR)"


def present_text(q: str, type_name: str) -> str:
    """A column's trimmed text, NULL where it is NULL or empty (a missing value)."""
    return f"nullif(trim({_text_expr(q, type_name)}), '')"


@dataclass(frozen=True)
class Preset:
    """What a vendor source adds to the generic projection.

    ``user_fallbacks``: (column, prefix) read per row, in order, where the user column is
    empty (``team:`` + team_id, say); ``user_default``: the user where all are empty;
    ``user_prefix``: (column, prefix): the user column's own values get the prefix where that
    column is the user column (a team table's ``team_id`` read as ``team:<team_id>``);
    ``skip``: builds, from the file's column types, a SQL expression over ``src`` naming the
    kind of a row that is not a model call (NULL for a usage row): such rows are counted by
    kind, neither loaded nor rejected; ``notes``: shown with the mapping; ``tokens``: builds,
    from the file's column types and the token value expressions so far (canonical name ->
    SQL), expressions that replace some of them (cache counts read from a JSON column);
    ``fallback``: builds, from the column types, counts (canonical name -> BIGINT SQL, NULL
    where there is none) read where the file's own cell for that class is empty (LiteLLM's
    metadata usage); ``row_columns``: builds, from the column types, values (name -> SQL over
    ``src``) computed once per row in a subquery over the reader, that ``tokens`` and
    ``fallback`` read as ``src.<name>`` (a JSON column parsed once, not once per use)."""

    user_fallbacks: Sequence[tuple[str, str]] = ()
    user_default: str | None = None
    user_prefix: tuple[str, str] | None = None
    skip: Any = None  # Callable[[dict[str, str]], str | None]
    notes: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()  # the file columns ``skip`` and ``tokens`` read
    tokens: Any = None  # Callable[[dict[str, str], dict[str, str]], dict[str, str]]
    # an aggregated source's assumed mean prompt per request: a row whose request count is
    # empty or absent gets an estimate (``estimated_requests``); None: such a row is 1 request
    bucket_prompt_tokens: int | None = None
    # with ``bucket_prompt_tokens``: only a mapped requests column's empty cell is estimated;
    # a file with no requests column logs one request a row (a per-request log)
    estimate_only_empty_cells: bool = False
    fallback: Any = None  # Callable[[dict[str, str]], dict[str, str]]
    row_columns: Any = None  # Callable[[dict[str, str]], dict[str, str]]
    # builds, from the column types, a SQL expression over ``src``: the reason a row is
    # rejected for a count the preset reads (LiteLLM's metadata), or NULL
    problem: Any = None  # Callable[[dict[str, str]], str | None]
    # the input count holds the cache writes too (OpenAI's usage exports): where the input
    # holds the cache reads, the mapped cache-write classes come out of it as well
    input_includes_cache_write: bool = False
    # builds, from the column types and the final token value expressions (canonical name ->
    # SQL), the tokens a row holds that no class counts: the file's field -> BIGINT SQL over
    # ``src`` (Projection.uncounted); ``uncounted_why`` says why they are apart
    uncounted: Any = None  # Callable[[dict[str, str], dict[str, str]], dict[str, str]]
    uncounted_why: str = ""
    # builds, from the column types and the final token value expressions (canonical name ->
    # SQL), the event_id of a row whose mapping names no event_id column (an export's bucket:
    # its start, width and grouping), SQL over ``src``; None (or a NULL value): the row has
    # no id
    event_id: Any = None  # Callable[[dict[str, str], dict[str, str]], str | None]
    # the ids ``event_id`` builds may repeat within a file (a bucket's grouping that leaves a
    # dimension out): the load numbers the repeats (``Projection.number_repeated_ids``)
    number_repeated_ids: bool = False
    # file columns of costs the logged cost column leaves out, added to it (OpenRouter's
    # byok_usage_inference: a BYOK request's inference, paid to the user's own provider key,
    # beside cost_total, OpenRouter's fee): an empty cell adds 0; a cell that is not a cost of
    # 0 or more makes the row's logged cost unreadable (kept, NULL, counted), never cost_total
    cost_parts: tuple[str, ...] = ()
    # builds, from the column types, columns of the select (name -> SQL over ``src``) that a
    # source's ``Projection.after_checks`` reads from the checked rows
    kept: Any = None  # Callable[[dict[str, str]], dict[str, str]]


def estimated_requests(prompt_parts: Sequence[str]) -> str:
    """SQL: the estimated request count of a bucket that logged none, from its prompt tokens
    (input + cache writes + cache reads, the expressions ``prompt_parts``) and the assumed
    mean prompt per request ``$bucket_prompt_tokens``: max(1, ceil(prompt / it)). HUGEINT: a
    sum of counts near 2^63 does not overflow (the row is rejected by its counts instead)."""
    prompt = " + ".join(f"CAST({p} AS HUGEINT)" for p in prompt_parts)
    return (f"TRY_CAST(greatest(1, ({prompt} + $bucket_prompt_tokens - 1) "
            "// $bucket_prompt_tokens) AS BIGINT)")


def _fill_from_path(source: SourceFile, mapping: ColumnMapping, cols: list[tuple[str, str]],
                    types: dict[str, str], reader: str | None) -> tuple[ColumnMapping, str | None]:
    """The mapping and reader with the columns the file's hive folders fill (user_id=alice/
    where the file has no user column: sources/path_values.py); ``cols`` and ``types`` gain
    them."""
    pv = path_values(source.key, dict(mapping.columns), set(types))
    notes = list(pv.notes)
    if pv.fill:
        adds = ", ".join(f"{sql_literal(value)} AS {quote_ident(name)}"
                         for name, value in pv.fill.values())
        reader = f"(SELECT src.*, {adds} FROM {reader or reader_sql(source)}) AS src"
        for canon, (name, value) in pv.fill.items():
            cols.append((name, "VARCHAR"))
            types[name] = "VARCHAR"
            notes.append(f"{canon} from the folder {name}={value}")
        mapping = replace(mapping,
                          columns={**mapping.columns, **{c: n for c, (n, _) in pv.fill.items()}},
                          how={**mapping.how, **{c: "recognised" for c in pv.fill}})
    if notes:
        mapping = replace(mapping, notes=mapping.notes + tuple(notes))
    return mapping, reader


def build_projection(
    con: duckdb.DuckDBPyConnection, source: SourceFile, spec: MappingSpec,
    cost_divisor: float = 1.0, preset: Preset | None = None, reader: str | None = None,
) -> Projection:
    """The SELECT over one file that yields canonical columns (see sql/checked_rows.sql).

    ``cost_divisor`` converts a logged cost to USD (a raw Helicone dump logs USD x 1e9);
    ``preset``: a vendor source's additions; ``reader``: a FROM item reading the file as
    ``src`` in place of the format's reader (a saved API page's rows, say).
    """
    preset = preset or Preset()
    cols = file_columns(con, source, reader)
    types = dict(cols)
    mapping = detect([c for c, _ in cols], spec, source.key)
    mapping, reader = _fill_from_path(source, mapping, cols, types, reader)
    m = mapping.columns
    fallbacks = [(c, p) for c, p in preset.user_fallbacks
                 if c in types and c != m.get("user_id")]
    if "user_id" in m and (fallbacks or preset.user_default):
        shown = [f"{p}<{c}>" if p else c for c, p in fallbacks]
        if preset.user_default:
            shown.append(repr(preset.user_default))
        mapping = replace(mapping, user_fallbacks=tuple(shown))
    prefix = (preset.user_prefix[1] if preset.user_prefix is not None
              and preset.user_prefix[0] == m.get("user_id") else "")
    if prefix:
        mapping = replace(mapping, user_prefix=prefix)
    if preset.notes:
        mapping = replace(mapping, notes=mapping.notes + tuple(preset.notes))
    found = ", ".join(c for c, _ in cols) or "none"
    if "ts" not in m and set(types) >= _SIDECAR_COLUMNS:
        events = PurePath(source.key).parent / "events"
        raise InputError(f"{source.key}: the users sidecar `planalyzer generate` writes, not "
                         f"events; load the events beside it: {events}")
    nested = nested_hint(source.key, types)
    if "user_id" not in m or "ts" not in m:
        missing = [c for c in ("user_id", "ts") if c not in m]
        raise UnmappedColumns(f"{source.key}: no usable columns for {' and '.join(missing)} "
                              f"(found: {found}); name them with --map, for example "
                              f"--map user_id=<column> --map ts=<column>{nested}")
    if not any(t in m for t in TOKEN_COLUMNS):
        raise UnmappedColumns(f"{source.key}: no token columns (found: {found}); name them "
                              f"with --map, for example --map output_tokens=<column>{nested}")
    if "model" not in m:
        raise UnmappedColumns(f"{source.key}: no model column (found: {found}); name it with "
                              f"--map model=<column>{nested}")

    problems: list[str] = []
    for canon, column in m.items():
        expected = _expected_type(canon, types[column])
        if expected is not None:
            named = column + (f" ({canon})" if column != canon else "")
            problems.append(f"unusable column type: {named} is {types[column]}, "
                            f"expected {expected}")

    def q(canon: str) -> str:
        return "src." + quote_ident(m[canon])

    select: list[str] = [
        f"{_text_expr(q('event_id'), types[m['event_id']]) if 'event_id' in m else 'NULL'}"
        " AS event_id",
    ]
    ts = _ts_exprs(q("ts"), types[m["ts"]])
    if ts.type_problem and not problems:
        problems.append(ts.type_problem)
    select += [f"{ts.value} AS ts", f"{ts.given} AS ts_given", f"{ts.problem} AS ts_problem",
               f"{ts.local} AS ts_local"]
    user_from: str | None = None
    if mapping.user_fallbacks:
        main = present_text(q("user_id"), types[m["user_id"]])
        if prefix:
            main = f"({_sql_str(prefix)} || {main})"
        parts = [main] + [f"({_sql_str(p)} || {present_text('src.' + quote_ident(c), types[c])})"
                          for c, p in fallbacks]
        if preset.user_default:
            parts.append(_sql_str(preset.user_default))
        select.append(f"coalesce({', '.join(parts)}) AS user_id")
        whens = [f"WHEN {main} IS NOT NULL THEN {_sql_str(m['user_id'])}"] + [
            f"WHEN {present_text('src.' + quote_ident(c), types[c])} IS NOT NULL "
            f"THEN {_sql_str(c)}" for c, _ in fallbacks]
        user_from = (f"CASE {' '.join(whens)} ELSE "
                     f"{_sql_str(repr(preset.user_default)) if preset.user_default else 'NULL'}"
                     " END")
    for canon in ("user_id", "plan", "model"):
        if canon == "user_id" and user_from is not None:
            continue
        expr = f"trim({_text_expr(q(canon), types[m[canon]])})" if canon in m \
            else _text_expr(None)
        if canon == "user_id" and prefix:
            expr = f"({_sql_str(prefix)} || {present_text(q(canon), types[m[canon]])})"
        select.append(f"{expr} AS {canon}")
    values: dict[str, str] = {}
    given: dict[str, str] = {}  # the token classes read from a file column: cell not empty
    out_of_range: list[str] = []
    # an empty request count is estimated below (an aggregated source's missing one too)
    estimating = preset.bucket_prompt_tokens is not None and (
        "requests" in m or not preset.estimate_only_empty_cells)
    for canon in (*TOKEN_COLUMNS, "requests"):
        default: int | str = 0
        if canon == "requests":
            default = "NULL" if estimating else 1
        if canon in m:
            count = _count_exprs(q(canon), types[m[canon]], default, canon)
            if count.type_problem and not problems:
                problems.append(count.type_problem)
            value, bad = count.value, count.bad
            if canon != "requests":
                given[canon] = count.given
            if count.out_of_range != "false":
                reason = REQUESTS_OUT_OF_RANGE if canon == "requests" else OUT_OF_RANGE
                out_of_range.append(f"WHEN {count.out_of_range} THEN '{reason}'")
            if count.separated != "false" and canon != "requests":
                out_of_range.append(f"WHEN {count.separated} THEN '{THOUSANDS_SEPARATOR}'")
        else:
            value, bad = f"{default}::BIGINT", "false"
        values[canon] = value
        select.append(f"{bad} AS {canon}_bad")
    for canon, other in (preset.fallback(types) if preset.fallback is not None else {}).items():
        if canon in given:  # the file's cell where it holds one, else the fallback
            values[canon] = (f"CASE WHEN NOT {given[canon]} AND {other} IS NOT NULL "
                             f"THEN {other} ELSE {values[canon]} END")
            given[canon] = f"({given[canon]} OR {other} IS NOT NULL)"
    # a row whose token cells are all empty holds no count: rejected, never a 0-token request
    out_of_range.insert(0, f"WHEN NOT ({' OR '.join(given.values())}) "
                        f"THEN '{NO_TOKEN_COUNTS}'")
    problem = preset.problem(types) if preset.problem is not None else None
    if problem:  # a count the preset reads that cannot be used: never read as 0
        out_of_range.append(f"WHEN ({problem}) IS NOT NULL THEN ({problem})")
    # a count that includes another (cached prompt tokens inside the input, 1-hour writes
    # inside the cache writes) is the difference; a part above its whole is said as such,
    # not as a negative count
    # (a negative count itself stays a negative count)
    # (the cache writes come out of the input too where the preset says the input holds them:
    # the mapped write classes; a total of writes that holds the 1-hour ones, once)
    writes_inside = (preset.input_includes_cache_write and mapping.input_includes_cache_read
                     and "input_tokens" in m)
    for whole, part, inside in (("input_tokens", "cache_read_tokens",
                                 mapping.input_includes_cache_read and "input_tokens" in m),
                                ("cache_write_tokens", "cache_write_1h_tokens",
                                 mapping.cache_write_includes_1h)):
        if not inside:
            continue
        w, p = values[whole], values[part]
        values[whole] = f"({w} - {p})"
        reason = CACHE_READS_ABOVE_INPUT if part == "cache_read_tokens" \
            else WRITES_1H_ABOVE_TOTAL
        out_of_range.append(f"WHEN {w} >= 0 AND {p} > {w} THEN '{reason}'")
        writes = [values[c] for c in ("cache_write_tokens", "cache_write_1h_tokens")
                  if c in m and not (c == "cache_write_1h_tokens"
                                     and mapping.cache_write_includes_1h)
                  ] if whole == "input_tokens" and writes_inside else []
        if writes:  # HUGEINT: counts near 2^63 are rejected by their checks, not an overflow
            held = " + ".join(f"CAST({x} AS HUGEINT)" for x in (p, *writes))
            values[whole] = f"TRY_CAST(CAST({w} AS HUGEINT) - ({held}) AS BIGINT)"
            out_of_range.append(f"WHEN {w} >= 0 AND {held} > {w} "
                                f"THEN '{CACHE_READS_WRITES_ABOVE_INPUT}'")
    select.append(f"CASE {' '.join(out_of_range)} END AS count_problem" if out_of_range
                  else "NULL::VARCHAR AS count_problem")
    provided = set(preset.fallback(types) if preset.fallback is not None else {})
    if preset.tokens is not None:
        replaced = preset.tokens(types, values)
        provided |= set(replaced)
        values.update(replaced)
    missing, alike = unmapped.candidates(types, mapping, provided,
                                         [c for c, _ in fallbacks] + list(preset.uses))
    texts = [c for c in alike if not unmapped.is_number(types[c])]
    if texts:
        holding = _holding_numbers(con, source, reader or reader_sql(source),
                                   {c: types[c] for c in texts})
        alike = [c for c in alike if c not in texts or c in holding]
    unread = unmapped.note(missing, alike)
    if unread:
        mapping = replace(mapping, unread=unread, unread_classes=tuple(missing))
    params: dict[str, Any] = {"cost_divisor": cost_divisor}
    if estimating:
        logged = values["requests"]
        prompt = [values[c] for c in ("input_tokens", "cache_write_tokens",
                                      "cache_write_1h_tokens", "cache_read_tokens")]
        values["requests"] = f"coalesce({logged}, {estimated_requests(prompt)})"
        select.append(f"({logged}) IS NULL AS requests_estimated")
        params["bucket_prompt_tokens"] = preset.bucket_prompt_tokens
    else:
        select.append("false AS requests_estimated")
    select += [f"{values[c]} AS {c}" for c in (*TOKEN_COLUMNS, "requests")]
    numbered = False
    computed = dict(preset.row_columns(types)) if preset.row_columns is not None else {}
    if "event_id" not in m and preset.event_id is not None:
        built = preset.event_id(types, values)
        if built and preset.number_repeated_ids and not checked_once(source):
            computed[_ID_COLUMN] = built  # computed once per row, read twice
            built = _numbered_in_place(f"src.{quote_ident(_ID_COLUMN)}", values)
        elif built:
            numbered = preset.number_repeated_ids
        if built:
            select[0] = f"{built} AS event_id"
    uncounted: dict[str, str] = {}
    if preset.uncounted is not None:  # columns of their own, summed by the load
        for i, (field_name, expr) in enumerate(preset.uncounted(types, values).items()):
            uncounted[field_name] = f"__planalyzer_uncounted_{i}"
            select.append(f"{expr} AS {quote_ident(uncounted[field_name])}")
    if preset.kept is not None:
        select += [f"{e} AS {quote_ident(n)}" for n, e in preset.kept(types).items()]
    select += [f"{f'NOT {given[c]}' if c in given else 'false'} AS {c}_empty"
               for c in TOKEN_COLUMNS]
    if "logged_cost_usd" in m:
        cost, cost_bad = _cost_exprs(q("logged_cost_usd"), types[m["logged_cost_usd"]])
        for part in preset.cost_parts:
            if part in types and part != m["logged_cost_usd"]:
                more, more_bad = _cost_exprs("src." + quote_ident(part), types[part])
                cost = f"CASE WHEN NOT {more_bad} THEN {cost} + coalesce({more}, 0) END"
                cost_bad = f"({cost_bad} OR {more_bad})"
        select += [f"{cost} / $cost_divisor AS logged_cost_usd", f"{cost_bad} AS logged_cost_bad"]
    else:
        select += ["NULL::DOUBLE AS logged_cost_usd", "false AS logged_cost_bad"]
    skip = preset.skip(types) if preset.skip is not None else None
    select.append(f"{skip or 'NULL'}::VARCHAR AS skip_kind")
    if source.stage is not None:
        select += [f"src.{quote_ident(STAGE_ROW)} AS source_row",
                   f"src.{quote_ident(STAGE_RAW)} AS raw_json"]
    else:
        select += ["src.file_row_number + 1 AS source_row" if source.format == "parquet"
                   else "row_number() OVER () AS source_row", "to_json(src) AS raw_json"]
    reader = reader or reader_sql(source)
    rows = reader
    if computed:  # computed once per row, read by the expressions above
        if source.stage is None:  # the raw row without the computed columns
            select[-1] = f"src.{quote_ident(STAGE_RAW)} AS raw_json"
        for i, (n, e) in enumerate(computed.items()):
            # each in a SELECT of its own, so that a later one reads an earlier one as a
            # column (named in the same SELECT, its expression would be repeated at each use)
            extra = [f"{e} AS {quote_ident(n)}"]
            if i == 0 and source.stage is None:
                extra.append(f"to_json(src) AS {quote_ident(STAGE_RAW)}")
            rows = f"(SELECT src.*, {', '.join(extra)} FROM {rows}) AS src"
    sql = "SELECT " + ",\n       ".join(select) + f"\nFROM {rows}"
    return Projection(sql=sql, reader=reader, mapping=mapping,
                      type_problem="; ".join(problems) if problems else None,
                      params=params, user_from=user_from,
                      extra_columns=tuple(c for c, _ in fallbacks) + tuple(preset.uses),
                      local_ts=True, estimates_requests=estimating,
                      empty_columns={c: m[c] for c in given}, uncounted=uncounted,
                      uncounted_why=preset.uncounted_why if uncounted else "",
                      number_repeated_ids=numbered)


_ID_COLUMN = "__planalyzer_event_id"  # the id of a row read in place, before its number


def _numbered_in_place(event_id: str, values: dict[str, str]) -> str:
    """An event_id (SQL over ``src``) numbered where it repeats in the file, for a file whose
    checked rows the load reads in place, not from the temp table that
    sql/number_repeated_event_ids.sql numbers (parquet: DuckDB leaves this window out of the
    passes that read no event_id): the same numbers (rows grouped by the id, ordered by the
    same counts: the total of the token classes, then each class and the requests), by a
    window over every row."""
    classes = ("input_tokens", "cache_read_tokens", "cache_write_tokens",
               "cache_write_1h_tokens", "output_tokens")
    total = " + ".join(f"CAST({values[c]} AS HUGEINT)" for c in classes)
    order = ", ".join(f"{e} DESC" for e in (total, *(values[c] for c in classes),
                                            values["requests"]))
    n = f"row_number() OVER (PARTITION BY {event_id} ORDER BY {order})"
    return f"{event_id} || CASE WHEN {n} > 1 THEN '#' || CAST({n} AS VARCHAR) ELSE '' END"


def _holding_numbers(con: duckdb.DuckDBPyConnection, source: SourceFile, reader: str,
                     columns: dict[str, str]) -> set[str]:
    """Of some text columns (name -> type), those whose non-empty cells in the file's first
    rows are all numbers (a CSV's count columns are read as text)."""
    cells = {c: present_text("src." + quote_ident(c), t) for c, t in columns.items()}
    checks = ", ".join(f"coalesce(count({v}) > 0 AND bool_and(TRY_CAST({v} AS DOUBLE) "
                       f"IS NOT NULL OR {v} IS NULL), false)" for v in cells.values())
    row = sqlfiles.run(con, "columns_holding_numbers", {"path": source.key},
                       {"checks": checks, "reader": reader}).fetchone()
    return {c for c, ok in zip(columns, row or (), strict=False) if ok}


def _sql_str(text: str) -> str:
    """A SQL string literal (values built into the projection are column names and fixed
    prefixes of the source modules, never data)."""
    return "'" + text.replace("'", "''") + "'"


class Tabular(Source):
    """Any parquet, CSV or JSON-lines file whose columns map onto the events schema."""

    name = "tabular"
    description = "parquet, CSV or JSON lines with recognisable columns (--map to name them)"
    tabular_readers = True

    def projection(
        self, con: duckdb.DuckDBPyConnection, src: SourceFile, opts: LoadOptions
    ) -> Projection:
        # a mapped requests column's empty cell: a bucket of unknown count, estimated
        try:
            return build_projection(con, src, opts.mapping, preset=Preset(
                bucket_prompt_tokens=opts.bucket_prompt_tokens, estimate_only_empty_cells=True))
        except UnmappedColumns as exc:
            from planalyzer.sources import registry  # registry imports this module

            names = {normalise(c) for c, _ in file_columns(con, src)}
            looks = next((m for m in registry.modules() if m.resembles(names)), None)
            if looks is None:
                raise
            raise UnmappedColumns(f"{exc}; or, as its columns look like a {looks.name} "
                                  f"export, load it with --source {looks.name}") from None
