"""Token counts read from JSON: a JSON column of a vendor export (LiteLLM's ``metadata``, the
usage it normalised; Langfuse's ``usageDetails``, a map of usage type to units), and a value
of a JSON document parsed in Python (Codex rollouts: ``json_count``).

Every count is read as the tabular reader reads a count cell (planalyzer.sources.tabular):
10, 10.0, 1e3 or "12" is a whole count; "" (or blank) is an empty cell, no count; 10.5 or "x"
is 'non-integer token count'; a whole number beyond a BIGINT (2^63), or beyond 2^53 written
as a float (9007199254740993.0 is read as the float 9007199254740992.0: never another
integer), is 'token count out of range'; "1,200" is the thousands-separator reason.

The JSON column is parsed once per row (a subquery over the file's reader computes the
per-row columns below) into the text at each of a fixed list of JSON paths, and each text into
a whole, non-negative count (``planalyzer.sources.tabular.text_count``), NULL where there is
none or it is no such count. A count the load reads that is there but cannot be used rejects
the row with the reason a count cell would get (``problem``): never read as 0 (a cache read of
9e15 would price the whole prompt as fresh input).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from planalyzer.sources.tabular import (
    DIGITS,
    EXACT_DOUBLE,
    NEGATIVE,
    NON_INTEGER,
    OUT_OF_RANGE,
    SEPARATED,
    THOUSANDS_SEPARATOR,
    text_count,
)
from planalyzer.sqlfiles import quote_ident

# the range of a BIGINT, and of the whole numbers a DOUBLE holds exactly enough to be read as
# counts (the tabular reader's: below 9e15, under 2^53 = 9.007e15)
_BIGINT = (-(2**63), 2**63 - 1)
_EXACT_FLOAT = float(EXACT_DOUBLE)
# count text, as the tabular reader tells it: whole digits read exactly, thousands separators
# refused; other text read as a number where DuckDB's cast to DOUBLE reads one (10.0, 1e3,
# .5, 5., 1_000: an underscore between digits; not inf, nan or 0x1A)
_DIGITS = re.compile(DIGITS)
_SEPARATED = re.compile(SEPARATED)
_INT = r"[0-9](_?[0-9])*"
_NUMBER = re.compile(rf"[+-]?({_INT}\.?({_INT})?|\.{_INT})([eE][+-]?{_INT})?")


def json_count(value: object) -> tuple[int | None, str | None]:
    """A count in a JSON document parsed by ``json.loads`` (an int, a float, a string, null),
    read as the tabular reader reads a count cell: (the count, None); (None, None) where there
    is none (null, absent: None; "" or blank); (None, the reason) where it cannot be used. A
    negative whole number is a count here (the reader says 'negative token count' after the
    other reasons, as sql/checked_rows.sql does). tests/test_json_count_forms.py checks it
    against the SQL rule over the same texts."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, NON_INTEGER
    if isinstance(value, int):  # exact, any size (json.loads keeps a JSON integer's digits)
        return (value, None) if _BIGINT[0] <= value <= _BIGINT[1] else (None, OUT_OF_RANGE)
    if isinstance(value, float):
        return _float_count(value)
    if not isinstance(value, str):  # a list or an object
        return None, NON_INTEGER
    text = value.strip(" ")  # as SQL's trim: spaces only
    if not text:
        return None, None
    if _DIGITS.fullmatch(text):
        return json_count(int(text))
    if _SEPARATED.fullmatch(text):
        return None, THOUSANDS_SEPARATOR
    number = text.strip(" \t\n\v\f\r")  # the cast to DOUBLE skips ASCII white space
    if _NUMBER.fullmatch(number):
        return _float_count(float(number))
    return None, NON_INTEGER


def _float_count(d: float) -> tuple[int | None, str | None]:
    """A count written as a float: whole and below 9e15 (exact), else out of range where it
    is whole, else non-integer (10.5, NaN, infinity)."""
    if not math.isfinite(d) or d % 1 != 0:
        return None, NON_INTEGER
    if abs(d) >= _EXACT_FLOAT:
        return None, OUT_OF_RANGE
    return int(d), None


def json_of(q: str, type_name: str) -> str:
    """A column as JSON: a JSON column as it is, text parsed (NULL where it is not JSON), a
    struct or map (a JSON-lines or parquet dump) converted."""
    base = type_name.strip().upper()
    if base == "JSON":
        return q
    if base == "VARCHAR":
        return f"TRY_CAST(nullif(trim({q}), '') AS JSON)"
    return f"to_json({q})"


@dataclass(frozen=True)
class JsonCounts:
    """The counts at ``paths`` (JSONPath, '$.a.b') in one JSON column; ``name`` names the
    per-row columns (``__planalyzer_<name>_text``, ``__planalyzer_<name>``,
    ``__planalyzer_<name>_problem``)."""

    paths: tuple[str, ...]
    name: str

    @property
    def text_column(self) -> str:  # VARCHAR[]: the text at each path (NULL: none)
        return f"__planalyzer_{self.name}_text"

    @property
    def count_column(self) -> str:  # BIGINT[]: the count at each path (NULL: none or bad)
        return f"__planalyzer_{self.name}"

    @property
    def problem_column(self) -> str:  # VARCHAR: why a count read cannot be used, or NULL
        return f"__planalyzer_{self.name}_problem"

    def row_columns(self, q: str, type_name: str,
                    read: list[tuple[str, str]]) -> dict[str, str]:
        """The per-row columns (name -> SQL over ``src``) for the JSON column ``q``: its texts,
        counts and problem; ``read``: (path, the condition under which the load reads it)."""
        return {self.text_column: self._texts(q, type_name),
                self.count_column: self._counts(),
                self.problem_column: self._problem(read)}

    def _texts(self, q: str, type_name: str) -> str:
        """VARCHAR[]: the text at each path, the JSON parsed once."""
        paths = ", ".join(f"'{p}'" for p in self.paths)
        return f"json_extract_string({json_of(q, type_name)}, [{paths}])"

    def _counts(self) -> str:
        """BIGINT[]: the whole, non-negative count at each path, from the row's texts (a
        column of the SELECT below), read as a count cell's text is; NULL where there is none
        or it is no such count. The common count (a JSON integer below 9e15) is read by its
        cast alone, which is the tabular rule's first reading (the cast skips the white space
        that rule trims); any other text by the whole rule (a nested list_transform around it
        doubled the cost of a Langfuse load's counts, every text read through the whole rule
        half again)."""
        value = text_count("s").value
        d = "TRY_CAST(s AS DOUBLE)"
        return (f"list_transform({quote_ident(self.text_column)}, lambda s: CASE "
                f"WHEN {d} >= 0 AND {d} < {EXACT_DOUBLE} AND {d} % 1 = 0 "
                f"THEN CAST({d} AS BIGINT) "
                f"WHEN s IS NOT NULL AND ({value}) >= 0 THEN ({value}) END)")

    def _problem(self, read: list[tuple[str, str]]) -> str:
        """The reject reason of a row where a count the load reads is there (not null, not
        blank) but is no usable count, else NULL (the cheap tests first: most paths hold no
        text, or a count)."""
        whens = []
        for path, when in read:
            i = self.paths.index(path) + 1
            text = f"{quote_ident(self.text_column)}[{i}]"
            c = text_count(text)
            count = f"{quote_ident(self.count_column)}[{i}]"
            whens.append(
                f"WHEN {text} IS NOT NULL AND {count} IS NULL AND {when} AND {c.given} "
                f"THEN CASE WHEN {c.out_of_range} THEN '{OUT_OF_RANGE}' "
                f"WHEN {c.separated} THEN '{THOUSANDS_SEPARATOR}' "
                f"WHEN {c.bad} THEN '{NON_INTEGER}' ELSE '{NEGATIVE}' END")
        return f"CASE {' '.join(whens)} END" if whens else "NULL::VARCHAR"

    def problem(self) -> str:
        """SQL over ``src``: the row's reject reason for a count read, or NULL."""
        return f"src.{quote_ident(self.problem_column)}"

    def at(self, path: str) -> str:
        """The count at one of ``paths`` (BIGINT or NULL)."""
        return f"src.{quote_ident(self.count_column)}[{self.paths.index(path) + 1}]"

    def largest(self, paths: tuple[str, ...]) -> str:
        """The largest count found at any of ``paths`` (0 where none is): alternative
        spellings of one count, of which a row holds one."""
        return f"coalesce(greatest({', '.join(self.at(p) for p in paths)}), 0)"
