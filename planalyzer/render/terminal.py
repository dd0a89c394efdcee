"""Rich rendering of report tables for a terminal. Only the CLI imports this module."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table as RichTable

from planalyzer.render.formats import human
from planalyzer.tables import Table


def print_tables(console: Console, tables: Sequence[Table]) -> None:
    for t in tables:
        if t.record and len(t.rows) == 1:
            _print_record(console, t)
            continue
        rt = RichTable(title=t.title, box=box.SIMPLE_HEAVY, title_justify="left")
        for c in t.columns:
            rt.add_column(c.header, justify="left" if c.kind in ("str", "bool") else "right")
        for row in t.rows:
            rt.add_row(*(human(v, c) for c, v in zip(t.columns, row, strict=True)))
        console.print(rt)
        for note in t.notes:
            console.print(f"  [dim]{note}[/dim]")
        console.print()


def _print_record(console: Console, t: Table) -> None:
    rt = RichTable(title=t.title, box=box.SIMPLE_HEAVY, title_justify="left", show_header=False)
    rt.add_column("measure")
    rt.add_column("value", justify="right")
    for c, v in zip(t.columns, t.rows[0], strict=True):
        rt.add_row(c.header, human(v, c))
    console.print(rt)
    for note in t.notes:
        console.print(f"  [dim]{note}[/dim]")
    console.print()
