"""Token counts read from a JSON column of a vendor export: LiteLLM's ``metadata`` (the usage
it normalised), Langfuse's ``usageDetails`` (a map of usage type to units).

The column is parsed once per row (a subquery over the file's reader computes the per-row
columns below) into the text at each of a fixed list of JSON paths, and each text into a
whole, non-negative count below 9e15 (exact through a float), NULL where there is none or it
is no such count. A count the load reads that is there but cannot be used rejects the row with
the reason a count cell would get (``problem``): never read as 0 (a cache read of 9e15 would
price the whole prompt as fresh input).
"""

from __future__ import annotations

from dataclasses import dataclass

from planalyzer.sqlfiles import quote_ident

# the reasons a row is rejected for a count in the JSON (those of a count column's cell)
OUT_OF_RANGE = "token count out of range"
NEGATIVE = "negative token count"
NON_INTEGER = "non-integer token count"
# above this a count read through a float may be inexact (2^53 is 9.007e15)
_EXACT_BELOW = "9e15"


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
        """BIGINT[]: the whole, non-negative count below 9e15 at each path, from the row's
        texts (a column of the same SELECT); NULL where there is none or it is no such
        count."""
        return (f"list_transform({quote_ident(self.text_column)}, lambda s: list_transform("
                "[TRY_CAST(s AS DOUBLE)], lambda d: CASE WHEN d >= 0 AND d = trunc(d) "
                f"AND d < {_EXACT_BELOW} THEN CAST(d AS BIGINT) END)[1])")

    def _problem(self, read: list[tuple[str, str]]) -> str:
        """The reject reason of a row where a count the load reads is there but is no usable
        count, else NULL."""
        whens = []
        for path, when in read:
            i = self.paths.index(path) + 1
            text = f"{quote_ident(self.text_column)}[{i}]"
            count = f"{quote_ident(self.count_column)}[{i}]"
            d = f"TRY_CAST({text} AS DOUBLE)"
            whens.append(
                f"WHEN {text} IS NOT NULL AND {count} IS NULL AND {when} THEN CASE "
                f"WHEN {d} >= {_EXACT_BELOW} OR {d} <= -{_EXACT_BELOW} THEN '{OUT_OF_RANGE}' "
                f"WHEN {d} < 0 AND {d} = trunc({d}) THEN '{NEGATIVE}' "
                f"ELSE '{NON_INTEGER}' END")
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
