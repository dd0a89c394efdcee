"""Rich rendering of report tables for a terminal. Only the CLI imports this module.

A figure is never cut short: a number column is always as wide as its widest value, and a
table too wide for the terminal is printed in blocks of columns, each repeating the table's key
columns (``Table.keys``: plan, month, user ...), the way wide data frames are shown. Text never
ends in an ellipsis either: long text (an assumption, a path, a long id in a narrow terminal)
wraps onto more lines. A key is on one line where the keys and the widest number column fit;
else (or where it prints fewer lines) a key wider than 24 cells folds at 24, so one long id
does not change every row's layout; where even that cannot share a line, each row is printed
as ``header  value`` lines instead (a stacked layout), a long value wrapping under itself.
Widths are terminal cells (``rich.cells.cell_len``): a CJK character or an emoji takes two,
so a wide id is given its whole width.

Text from the logs (user ids, model names, file paths) is never read as rich markup: the CLI's
consoles have markup off, and notes are printed with ``markup=False`` (a model named
``acme[/bold]`` prints as it is).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.cells import cell_len
from rich.console import Console, JustifyMethod
from rich.table import Table as RichTable
from rich.text import Text

from planalyzer.render.formats import human
from planalyzer.tables import Table

# Identifiers a user types back (--plan, --month, a user id): the key columns of a table that
# names none (Table.keys) are its leading columns among these.
KEY_COLUMNS = frozenset({"plan", "user_id", "model", "month", "limit", "from_plan", "to_plan",
                         "plan_before", "plan_after", "scenario", "metric"})
_TEXT_WIDTH = 24  # free text (names, notes) wraps down to this width
_WRAP_MIN = 10  # a record's measure and text value wrap down to this width where needed;
# free text in a grid, too, before the rows are stacked
_PAD = 3  # per column: a space each side and the (blank) rule between columns


def print_tables(console: Console, tables: Sequence[Table]) -> None:
    for t in tables:
        if t.record and len(t.rows) == 1:
            _print_record(console, t)
        else:
            _print_grid(console, t)
        for note in t.notes:  # a wrapped note goes on under its indent
            for line in _wrapped(console, note, max(_WRAP_MIN, console.width - 2)):
                console.print(f"  {line}", style="dim", markup=False, soft_wrap=True)
        console.print()


def key_columns(t: Table) -> list[int]:
    """Indexes of the columns that say what a row is, in table order."""
    if t.keys:
        named = [i for i, c in enumerate(t.columns) if c.key in t.keys]
        if named:
            return named
    keys = []
    for i, c in enumerate(t.columns):
        if c.key not in KEY_COLUMNS:
            break
        keys.append(i)
    return keys or [0]


def _widths(t: Table, cells: list[list[str]], keys: list[int]) -> tuple[list[int], list[int]]:
    """Per column, the width it gets when there is room (its widest value; free text wraps
    between words down to _TEXT_WIDTH; the longest word of its header, headers wrap too),
    and the least it can take: a number or a key its full width, free text _TEXT_WIDTH
    (wrapping, and breaking a longer word). In terminal cells."""
    natural, least = [], []
    for i, c in enumerate(t.columns):
        widest = max((cell_len(r[i]) for r in cells), default=1)
        word = max((cell_len(w) for w in c.header.split()), default=1)
        if c.kind != "str":
            natural.append(max(widest, word, 1))
            least.append(natural[-1])
            continue
        if i not in keys:
            longest_word = max((cell_len(w) for r in cells for w in r[i].split()), default=1)
            widest = min(widest, max(_TEXT_WIDTH, longest_word))
        natural.append(max(widest, word, 1))
        least.append(natural[-1] if i in keys else min(natural[-1], _TEXT_WIDTH))
    return natural, least


def _shrink(widths: list[int], least: list[int], budget: int) -> list[int] | None:
    """``widths`` cut (the widest first, none below its least) to sum to at most ``budget``;
    None when even the least widths don't fit."""
    if sum(least) > budget:
        return None
    out = list(widths)
    while sum(out) > budget:
        k = max(range(len(out)), key=lambda j: (out[j] - least[j] > 0, out[j]))
        out[k] -= 1
    return out


def _layout(t: Table, cells: list[list[str]], natural: list[int], least: list[int],
            keys: list[int], room: int) -> list[tuple[list[int], list[int]]] | None:
    """Blocks of (column indexes, widths): the key columns and as many others as fit, in the
    table's order. A key is shown whole, on one line, where the keys fit beside the widest
    other column; keys wider than _TEXT_WIDTH fold at it (onto more lines, shorter keys stay
    whole) where they would not, or where folding prints fewer lines (one long id would
    otherwise leave room for one column per block). None when even folded keys cannot share
    a line with that column: print the rows stacked. A free text column wraps below its least
    (down to _WRAP_MIN) where only that keeps the rows in a grid."""
    rest = [i for i in range(len(t.columns)) if i not in keys]
    text = {i for i in rest if t.columns[i].kind == "str"}
    floor = [min(least[i], _WRAP_MIN) if i in text else least[i]
             for i in range(len(t.columns))]
    whole = [natural[i] for i in keys]
    folded = [min(w, _TEXT_WIDTH) for w in whole]
    options = [_chunks(rest, natural, floor, key_w, room) for key_w in (whole, folded)]
    if options[0] is None or (options[1] is not None and folded != whole
                              and _lines(cells, keys, folded, options[1])
                              < _lines(cells, keys, whole, options[0])):
        key_w, chunks = folded, options[1]
    else:
        key_w, chunks = whole, options[0]
    if chunks is None:
        return None
    blocks = []
    for chunk in chunks:  # the keys and the chunk's columns, in the table's order
        chunk.update(zip(keys, key_w, strict=True))
        order = sorted(chunk)
        blocks.append((order, [chunk[i] for i in order]))
    return blocks


def _chunks(rest: list[int], natural: list[int], floor: list[int], key_w: list[int],
            room: int) -> list[dict[int, int]] | None:
    """The non-key columns (index: width) of each block beside keys of widths ``key_w``;
    None when the keys and the widest column cannot share a line."""
    base = 1 + sum(w + _PAD for w in key_w)  # + the table's right edge
    if base + max((floor[i] + _PAD for i in rest), default=0) > room:
        return None
    chunks: list[dict[int, int]] = []
    cur: dict[int, int] = {}
    used = base
    for i in rest:
        w = min(natural[i], max(floor[i], room - base - _PAD))
        if cur and used + w + _PAD > room:
            chunks.append(cur)
            cur, used = {}, base
        cur[i] = w
        used += w + _PAD
    if cur or not chunks:
        chunks.append(cur)
    return chunks


def _lines(cells: list[list[str]], keys: list[int], key_w: list[int],
           chunks: list[dict[int, int]]) -> int:
    """About how many lines the rows take: per block, a line per row and one more for each
    time a key folds."""
    per_block = sum(max(-(-cell_len(r[i]) // w) for i, w in zip(keys, key_w, strict=True))
                    for r in cells)
    return len(chunks) * (per_block + 4)  # + title, header, rules


def _fit(t: Table, block: list[int], widths: list[int], room: int) -> list[int]:
    """Spare room to the columns whose header would otherwise wrap (left to right)."""
    out = list(widths)
    spare = room - (1 + sum(w + _PAD for w in out))
    for k, i in enumerate(block):
        want = cell_len(t.columns[i].header) - out[k]
        if want > 0 and spare > 0:
            add = min(want, spare)
            out[k] += add
            spare -= add
    return out


def _print_grid(console: Console, t: Table) -> None:
    cells = [[human(v, c) for c, v in zip(t.columns, row, strict=True)] for row in t.rows]
    for r, level in zip(cells, t.levels, strict=False):
        r[0] = "  " * level + r[0]
    keys = key_columns(t)
    natural, least = _widths(t, cells, keys)
    blocks = _layout(t, cells, natural, least, keys, console.width)
    if blocks is None:
        _print_stacked(console, t, cells, keys)
        return
    for n, (block, widths) in enumerate(blocks):
        title = t.title if n == 0 else f"{t.title} (continued, {n + 1}/{len(blocks)})"
        rt = RichTable(title=title, box=box.SIMPLE_HEAVY, title_justify="left",
                       min_width=min(cell_len(title), console.width))  # title on one line
        for i, width in zip(block, _fit(t, block, widths, console.width), strict=True):
            c = t.columns[i]
            justify: JustifyMethod = "left" if c.kind in ("str", "bool") else "right"
            # a key is as wide as its widest value (in cells), so it is on one line, unless it
            # had to fold; numbers always fit their width; free text and headers wrap
            rt.add_column(c.header, justify=justify, width=width, overflow="fold")
        for r in cells:
            rt.add_row(*(r[i] for i in block))
        console.print(rt)


def _print_stacked(console: Console, t: Table, cells: list[list[str]],
                   keys: list[int]) -> None:
    """Each row as ``header  value`` lines, its key columns first: for a terminal too narrow
    for even one number column beside the keys. No line is wider than the terminal: a long
    value wraps under itself (between words, else folded), a header wider than its column
    has its value on the next line."""
    for line in _wrapped(console, t.title, console.width):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    order = keys + [i for i in range(len(t.columns)) if i not in keys]
    width = min(max(cell_len(c.header) for c in t.columns), max(8, console.width // 2))
    for r in cells:
        console.print()
        for i in order:
            for line in _stacked_lines(console, t.columns[i].header, r[i], width):
                console.print(line, markup=False, highlight=False, soft_wrap=True)
    console.print()


def _stacked_lines(console: Console, header: str, value: str, width: int) -> list[str]:
    """``  header  value`` as lines of at most the console's width (in cells)."""
    room = console.width
    indent = 2 + width + 2
    if cell_len(header) > width or room - indent < _WRAP_MIN:
        head = _wrapped(console, header, max(1, room - 2))
        indent = min(indent, 4) if room - indent < _WRAP_MIN else indent
        body = _wrapped(console, value, max(1, room - indent))
        return [f"  {h}" for h in head] + [" " * indent + v for v in body]
    body = _wrapped(console, value, max(1, room - indent))
    pad = " " * (width - cell_len(header))
    return [f"  {header}{pad}  {body[0]}"] + [" " * indent + v for v in body[1:]]


def _wrapped(console: Console, text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells: between words, a longer word folded."""
    if cell_len(text) <= width:
        return [text]
    return [line.plain.rstrip() for line in Text(text).wrap(console, width, overflow="fold")]


def _print_record(console: Console, t: Table) -> None:
    values = [human(v, c) for c, v in zip(t.columns, t.rows[0], strict=True)]
    headers = [c.header for c in t.columns]
    numbers = [v for v, c in zip(values, t.columns, strict=True) if c.kind != "str"]
    value_w = max((cell_len(v) for v in values), default=1)
    measure_w = max((cell_len(h) for h in headers), default=1)
    room = console.width - 1 - 2 * _PAD
    if value_w + measure_w > room:  # wrap the measure, then the text values
        value_least = max((cell_len(v) for v in numbers), default=1)
        fit = _shrink([measure_w, value_w], [min(measure_w, _WRAP_MIN),
                                             min(value_w, max(value_least, _WRAP_MIN))], room)
        if fit is None:
            _print_stacked(console, t, [values], [])
            return
        measure_w, value_w = fit
    rt = RichTable(title=t.title, box=box.SIMPLE_HEAVY, title_justify="left", show_header=False)
    rt.add_column("measure", width=measure_w, overflow="fold")
    rt.add_column("value", justify="right", width=value_w, overflow="fold")
    for h, v, c in zip(headers, values, t.columns, strict=True):
        # figures line up on the right; text that wraps (a path) reads from the left
        folded = c.kind == "str" and cell_len(v) > value_w
        rt.add_row(h, Text(v, justify="left") if folded else v)
    console.print(rt)
