"""The sql/ loader: one statement per file, a header that declares what it uses.

Every file in ``sql/`` starts with comment lines::

    -- <name>: what it makes
    -- inputs: tables or files it reads
    -- outputs: what it creates or changes
    -- params: $a, $b        (values, bound by DuckDB; never formatted into the text)
    -- slots: {{select_list}} (identifier lists built by ``quote_ident``; 'none' if none)

Values are always bound as named parameters. Slots carry only SQL that the library built from
identifiers quoted by :func:`quote_ident` (a user's column names, say), never values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

_PARAM_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_SLOT_RE = re.compile(r"\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}")
# string literals, quoted identifiers (a user's column named "cost_$usd" or "t--s") and
# comments: none of them holds a parameter
_STRING_OR_COMMENT_RE = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*")
# parameters that name one file for a DuckDB reader (read_csv($path), parquet_metadata($path)):
# DuckDB expands *, ? and [...] in them, so a file named 'a*.csv' read its neighbours too
_PATH_PARAMS = frozenset({"path"})
_GLOB_CHARS = re.compile(r"([*?\[])")


def literal_path(path: str) -> str:
    """``path`` for a DuckDB reader that names that file only: its glob characters escaped as
    one-character classes ('a*.csv' -> 'a[*].csv')."""
    return _GLOB_CHARS.sub(r"[\1]", path)


def sql_dir() -> Path:
    """Where the SQL files are: inside the installed package, or the source tree's sql/."""
    packaged = Path(__file__).parent / "sql"
    if packaged.is_dir():
        return packaged
    return Path(__file__).parent.parent / "sql"


def quote_ident(name: str) -> str:
    """Quote a table or column name for SQL; the one place user-given names become SQL."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class SqlFile:
    name: str
    text: str
    declared_params: frozenset[str]
    declared_slots: frozenset[str]

    def used_params(self) -> frozenset[str]:
        return frozenset(_PARAM_RE.findall(_STRING_OR_COMMENT_RE.sub("", self.body)))

    @property
    def body(self) -> str:
        """The statement without its full-line comments (the header and notes)."""
        return "\n".join(ln for ln in self.text.splitlines() if not ln.lstrip().startswith("--"))

    def used_slots(self) -> frozenset[str]:
        return frozenset(_SLOT_RE.findall(self.body))

    def render(self, slots: dict[str, str] | None = None) -> str:
        slots = slots or {}
        missing = self.declared_slots - slots.keys()
        extra = slots.keys() - self.declared_slots
        if missing or extra:
            raise ValueError(f"sql/{self.name}.sql: slots missing {sorted(missing)}, "
                             f"unexpected {sorted(extra)}")
        return _SLOT_RE.sub(lambda m: slots[m.group(1)], self.body)


def _declared(text: str, key: str, pattern: re.Pattern[str]) -> frozenset[str]:
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("--"):
            break
        body = stripped[2:].strip()
        if body.lower().startswith(key + ":"):
            return frozenset(pattern.findall(body))
    return frozenset()


@cache
def load(name: str) -> SqlFile:
    """Read ``sql/<name>.sql`` and its header."""
    path = sql_dir() / f"{name}.sql"
    text = path.read_text(encoding="utf-8")
    return SqlFile(
        name=name,
        text=text,
        declared_params=_declared(text, "params", _PARAM_RE),
        declared_slots=_declared(text, "slots", _SLOT_RE),
    )


def all_files() -> list[SqlFile]:
    return [load(p.stem) for p in sorted(sql_dir().glob("*.sql"))]


def _bind(sql: SqlFile, text: str, params: dict[str, Any] | None) -> dict[str, Any]:
    """The parameters the rendered statement uses; every declared one must be given."""
    params = params or {}
    missing = sql.declared_params - params.keys()
    if missing:
        raise ValueError(f"sql/{sql.name}.sql needs parameters {sorted(missing)}")
    used = set(_PARAM_RE.findall(_STRING_OR_COMMENT_RE.sub("", text)))
    unknown = used - params.keys()
    if unknown:
        raise ValueError(f"sql/{sql.name}.sql (with its slots) uses unbound {sorted(unknown)}")
    return {k: literal_path(v) if k in _PATH_PARAMS and isinstance(v, str) else v
            for k, v in params.items() if k in used}


def run(
    con: duckdb.DuckDBPyConnection,
    name: str,
    params: dict[str, Any] | None = None,
    slots: dict[str, str] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Execute one SQL file with its named parameters bound.

    ``params`` may hold more values than the file uses (slots may use some of them); every
    parameter the file declares must be present.
    """
    sql = load(name)
    text = sql.render(slots)
    bound = _bind(sql, text, params)
    return con.execute(text, bound) if bound else con.execute(text)


def relation(
    con: duckdb.DuckDBPyConnection,
    name: str,
    params: dict[str, Any] | None = None,
    slots: dict[str, str] | None = None,
) -> duckdb.DuckDBPyRelation:
    """A lazy relation over one SELECT file (for ``.pl()`` or ``.to_arrow_table()``)."""
    sql = load(name)
    text = sql.render(slots)
    bound = _bind(sql, text, params)
    return con.sql(text, params=bound or None)


def run_over(rel: duckdb.DuckDBPyRelation, view: str, name: str) -> list[Any]:
    """Execute one SQL file that reads the relation ``rel`` under the name ``view``.

    For statements over an Arrow object: ``relation.query`` keeps no reference to it once
    done, where a registered object would live until the transaction ends. Such files take no
    parameters (they read bound values with getvariable, set by a file that binds them).
    """
    sql = load(name)
    if sql.declared_params:
        raise ValueError(f"sql/{name}.sql: run_over cannot bind parameters")
    result = rel.query(view, sql.render())
    return result.fetchall() if result is not None else []
