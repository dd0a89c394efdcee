"""Rich rendering of report tables for a terminal. Only the CLI imports this module.

A figure is never cut short: every column is at least as wide as its widest value, and a table
too wide for the terminal is printed in blocks of columns, each repeating the table's key
columns (plan, month, user ...), the way wide data frames are shown.

Text from the logs (user ids, model names, file paths) is never read as rich markup: the CLI's
consoles have markup off, and notes are printed with ``markup=False`` (a model named
``acme[/bold]`` prints as it is).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console, JustifyMethod
from rich.table import Table as RichTable

from planalyzer.render.formats import human
from planalyzer.tables import Table

# Identifiers a user types back (--plan, --month, a user id): never wrapped or cut short.
KEY_COLUMNS = frozenset({"plan", "user_id", "model", "month", "limit", "from_plan", "to_plan",
                         "plan_before", "plan_after", "source", "assumption", "scenario",
                         "metric"})
_TEXT_WIDTH = 24  # free text (names, notes) wraps down to this width
_PAD = 3  # per column: a space each side and the (blank) rule between columns


def print_tables(console: Console, tables: Sequence[Table]) -> None:
    for t in tables:
        if t.record and len(t.rows) == 1:
            _print_record(console, t)
        else:
            _print_grid(console, t)
        for note in t.notes:
            console.print(f"  {note}", style="dim", markup=False)
        console.print()


def _widths(t: Table, cells: list[list[str]]) -> list[int]:
    """The narrowest each column can be: its widest value (free text wraps between words,
    down to _TEXT_WIDTH) and the longest word of its header (headers wrap too)."""
    out = []
    for i, c in enumerate(t.columns):
        widest = max((len(r[i]) for r in cells), default=1)
        if c.kind == "str" and c.key not in KEY_COLUMNS:
            longest_word = max((len(w) for r in cells for w in r[i].split()), default=1)
            widest = min(widest, max(_TEXT_WIDTH, longest_word))
        word = max((len(w) for w in c.header.split()), default=1)
        out.append(max(widest, word, 1))
    return out


def _blocks(t: Table, widths: list[int], room: int) -> list[list[int]]:
    """Column indexes per printed block: the leading key columns, then as many others as fit."""
    keys = []
    for i, c in enumerate(t.columns):
        if c.key not in KEY_COLUMNS:
            break
        keys.append(i)
    if not keys:
        keys = [0]
    rest = [i for i in range(len(t.columns)) if i not in keys]
    base = 1 + sum(widths[i] + _PAD for i in keys)  # + the table's right edge
    blocks: list[list[int]] = []
    cur: list[int] = []
    used = base
    for i in rest:
        w = widths[i] + _PAD
        if cur and used + w > room:
            blocks.append(keys + cur)
            cur, used = [], base
        cur.append(i)
        used += w
    if cur or not blocks:
        blocks.append(keys + cur)
    return blocks


def _fit(t: Table, block: list[int], widths: list[int], room: int) -> list[int]:
    """Fixed widths for one block: the narrowest widths, then spare room to the columns whose
    header would otherwise wrap (left to right), so rich never has to crop or cut a value."""
    out = [widths[i] for i in block]
    spare = room - (1 + sum(w + _PAD for w in out))
    for k, i in enumerate(block):
        want = len(t.columns[i].header) - out[k]
        if want > 0 and spare > 0:
            add = min(want, spare)
            out[k] += add
            spare -= add
    return out


def _print_grid(console: Console, t: Table) -> None:
    cells = [[human(v, c) for c, v in zip(t.columns, row, strict=True)] for row in t.rows]
    for r, level in zip(cells, t.levels, strict=False):
        r[0] = "  " * level + r[0]
    widths = _widths(t, cells)
    blocks = _blocks(t, widths, console.width)
    for n, block in enumerate(blocks):
        title = t.title if n == 0 else f"{t.title} (continued, {n + 1}/{len(blocks)})"
        rt = RichTable(title=title, box=box.SIMPLE_HEAVY, title_justify="left",
                       min_width=min(len(title), console.width))  # the title on one line
        for i, width in zip(block, _fit(t, block, widths, console.width), strict=True):
            c = t.columns[i]
            justify: JustifyMethod = "left" if c.kind in ("str", "bool") else "right"
            rt.add_column(c.header, justify=justify, no_wrap=c.key in KEY_COLUMNS, width=width)
        for r in cells:
            rt.add_row(*(r[i] for i in block))
        console.print(rt)


def _print_record(console: Console, t: Table) -> None:
    rt = RichTable(title=t.title, box=box.SIMPLE_HEAVY, title_justify="left", show_header=False)
    rt.add_column("measure")
    rt.add_column("value", justify="right")
    for c, v in zip(t.columns, t.rows[0], strict=True):
        rt.add_row(c.header, human(v, c))
    console.print(rt)
