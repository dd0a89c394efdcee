"""JSON, CSV and markdown writers for report tables. No rich here: the library may use these."""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from planalyzer.tables import Col, Table

FORMATS = ("table", "json", "csv", "markdown")


MONEY_DECIMALS = 6
"""Amounts (kind ``usd``) are written to JSON and CSV to this many decimals, as the report's
tables round them: float noise (0.023996999999999997, a sum that differs in its last bits
between runs) never shows, and the same input gives the same bytes."""
_SIGNIFICANT = 15  # other floats (rates, shares, measures): this many significant figures


def stable(value: Any, col: Col) -> Any:
    """``value`` as JSON and CSV write it: an amount rounded to MONEY_DECIMALS, another float
    to _SIGNIFICANT figures (a rate of $0.0000484 keeps its digits), -0.0 as 0.0; anything
    else as it is."""
    if isinstance(value, Decimal):
        value = float(value)
    if not isinstance(value, float) or not math.isfinite(value):
        return value
    if col.kind == "usd":
        return round(value, MONEY_DECIMALS) + 0.0
    return float(f"{value:.{_SIGNIFICANT}g}") + 0.0


def _json_value(value: Any, col: Col) -> Any:
    value = stable(value, col)
    if isinstance(value, float):
        # -0.0 (a loss of nothing, rounded) is written as 0.0
        return value + 0.0 if math.isfinite(value) else None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def to_json(tables: Sequence[Table], meta: dict[str, Any] | None = None) -> str:
    """One JSON document: ``{"meta": {...}, "<table name>": {"title", "rows", "notes"}}``."""
    doc: dict[str, Any] = {}
    if meta:
        doc["meta"] = meta
    for t in tables:
        doc[t.name] = {
            "title": t.title,
            "columns": [c.key for c in t.columns],
            "rows": [{c.key: _json_value(v, c) for c, v in zip(t.columns, row, strict=True)}
                     for row in t.rows],
            "notes": t.notes,
        }
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return repr(value + 0.0)  # -0.0 as 0.0
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


# A text cell starting with one of these is a formula to a spreadsheet (CSV injection): in CSV
# output such a cell is written with a leading ' (the values themselves, in JSON, are exact).
# A lone "-" (a placeholder) or a number (signed or not, with a fraction or an exponent, or a
# percentage: -3, +1.5, -1e5, -.5, -50%) is data, no formula, and stays as it is.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?%?")


def _csv_cell(value: Any) -> str:
    text = _plain(value)
    if (isinstance(value, str) and text.startswith(_FORMULA_START) and text not in ("-", "+")
            and not _PLAIN_NUMBER.fullmatch(text)):
        return "'" + text
    return text


# A cell with one of these is quoted. csv needs the first four quoted; "#" is quoted because a
# reader that skips comment lines (pandas ``comment='#'``, polars ``comment_prefix='#'``) cuts a
# line at a bare "#" (pandas, anywhere in it) or skips a line that starts with one.
_QUOTE_IF = (",", '"', "\n", "\r", "#")


def _csv_line(cells: Sequence[str]) -> str:
    """One CSV line: a cell quoted (its quotes doubled) only where it must be, as csv's
    QUOTE_MINIMAL does, and also where it holds a "#"."""
    if len(cells) == 1 and cells[0] == "":
        return '""\n'  # a lone empty cell, not a blank line
    out = []
    for text in cells:
        if any(ch in text for ch in _QUOTE_IF):
            text = '"' + text.replace('"', '""') + '"'
        out.append(text)
    return ",".join(out) + "\n"


def visible(text: str) -> str:
    """``text`` with control and other invisible characters (a newline, an ANSI escape, a
    zero-width space) written as escapes (\\n, \\x1b, \\u200b): an id from a log can then
    neither break a markdown row nor drive the terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def _comment(text: str) -> str:
    """A note on one comment line: line breaks as spaces, control characters as escapes."""
    return visible(" ".join(text.splitlines()))


def to_csv(tables: Sequence[Table]) -> str:
    """CSV with a header of stable keys; several tables are separated by a blank line and a
    ``# name`` line. A table's notes (the warnings among them) follow as ``# note: ...``
    lines before its header, so a redirected file keeps them and a reader that skips ``#``
    lines (pandas ``comment='#'``) still reads the rows. A text cell that a spreadsheet would
    run as a formula (=, +, -, @ first) starts with '; a text cell with a ``#`` is quoted, so
    such a reader keeps it whole."""
    out = io.StringIO()
    for i, t in enumerate(tables):
        if len(tables) > 1:
            if i:
                out.write("\n")
            out.write(f"# {t.name}\n")
        for note in t.notes:
            out.write(f"# note: {_comment(note)}\n")
        out.write(_csv_line([c.key for c in t.columns]))
        for row in t.rows:
            out.write(_csv_line([_csv_cell(stable(v, c))
                                 for c, v in zip(t.columns, row, strict=True)]))
    return out.getvalue()


def human(value: Any, col: Col) -> str:
    """A value as a person reads it: $1,234.56, 12.3%, 1,234,567."""
    if value is None:
        return "-"
    if isinstance(value, float) and not math.isfinite(value):
        return "-"
    kind = col.kind
    if kind == "usd":
        # whole dollars from $100, cents from $1, and below a dollar three significant
        # figures as unit prices (never an exponent: $0.0123 next to $0.0054, not $0.01)
        v = float(value)
        if round(abs(v), 2) >= 100:  # $99.997 is $100, not $100.00
            return f"{'-' if v < 0 else ''}${abs(v):,.0f}"
        if abs(v) >= 1:
            return f"{'-' if v < 0 else ''}${abs(v):,.2f}"
        return _usd_rate(v)
    if kind == "usd_rate":
        return _usd_rate(float(value))
    if kind == "share":
        return f"{float(value) * 100:.1f}%".replace("-0.0%", "0.0%")
    if kind in ("int", "tokens"):
        return f"{int(value):,}"
    if kind == "float":
        v = float(value)
        return f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}"
    if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        v = float(value)
        return f"{int(v):,}" if v.is_integer() and abs(v) < 1e15 else f"{v:,.12g}"
    if kind == "bool":
        return "yes" if value else "no"
    return visible(str(value))


def _usd_rate(v: float) -> str:
    """A unit price to three significant figures, never in exponent form, with no zeros
    past the cents that say nothing: $25.15, $0.50, $0.025, $0.0117, $0.0000485; whole
    dollars from $1,000."""
    sign = "-" if v < 0 else ""
    a = abs(v)
    if a >= 1000:
        return f"{sign}${a:,.0f}"
    if a >= 1 or a == 0:
        return f"{sign}${a:,.2f}"
    decimals = min(12, 2 - math.floor(math.log10(a)))
    text = f"{a:.{decimals}f}"
    whole, frac = text.split(".")
    frac = frac[:2] + frac[2:].rstrip("0")
    if whole == "0" and not frac.strip("0"):
        sign = ""  # float noise (-4.5e-13) rounds to $0.00, not -$0.00
    return f"{sign}${whole}.{frac}"


# Markdown that text from the logs could trigger in a table cell: emphasis (* _ ~), code (`),
# links ([), raw HTML and autolinks (< before a letter, / ! or ?), entities (& before a letter
# or #), a cell break (|) and a backslash before punctuation (before another character, as in
# visible's \n, it is no escape and stays) or at the end (where it would escape what follows:
# a note's closing _). An underscore inside a word (claude_max_20x) never makes emphasis and
# stays as it is; so does "<=" or "->".
_MD_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~]|$)")
_MD_ALWAYS = re.compile(r"([`*~|\[])")
_MD_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")  # at a word's edge
_MD_TAG = re.compile(r"([<&])(?=[A-Za-z/!?#])")


def md_text(text: str) -> str:
    """``text`` for a markdown table cell, header, title or note: the characters that would
    format it backslash-escaped, so an id ``*bold*_x_`` reads as written
    (``\\*bold\\*\\_x\\_``)."""
    text = _MD_BACKSLASH.sub(r"\\\\", text)
    text = _MD_ALWAYS.sub(r"\\\1", text)
    text = _MD_UNDERSCORE.sub(r"\\_", text)
    return _MD_TAG.sub(r"\\\1", text)


def _md_note(note: str) -> str:
    """A note in italics, on one line (as a CSV comment), its text escaped."""
    return f"_{md_text(_comment(note))}_"


def to_markdown(tables: Sequence[Table]) -> str:
    """Markdown tables (a ``###`` title, the header of column labels, the rows as ``human``
    shows them, the notes in italics); text in titles, headers, cells and notes is escaped
    (``md_text``): a plan or file name in a title or note reads as written."""
    parts: list[str] = []
    for t in tables:
        lines = [f"### {md_text(visible(t.title))}", ""]
        if t.record and len(t.rows) == 1:
            lines += ["| measure | value |", "| --- | ---: |"]
            lines += [f"| {md_text(c.header)} | {md_text(human(v, c))} |"
                      for c, v in zip(t.columns, t.rows[0], strict=True)]
            lines += [f"\n{_md_note(note)}" for note in t.notes]
            parts.append("\n".join(lines))
            continue
        lines.append("| " + " | ".join(md_text(c.header) for c in t.columns) + " |")
        aligns = ["---:" if c.kind not in ("str", "bool") else "---" for c in t.columns]
        lines.append("| " + " | ".join(aligns) + " |")
        for row in t.rows:
            cells = [md_text(human(v, c)) for c, v in zip(t.columns, row, strict=True)]
            lines.append("| " + " | ".join(cells) + " |")
        for note in t.notes:
            lines.append("")
            lines.append(_md_note(note))
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def render_text(tables: Sequence[Table], fmt: str, meta: dict[str, Any] | None = None) -> str:
    """Render for a non-terminal format (json, csv, markdown)."""
    if fmt == "json":
        return to_json(tables, meta)
    if fmt == "csv":
        return to_csv(tables)
    if fmt == "markdown":
        return to_markdown(tables)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
