"""docs/economics.md: its "Real output" tables have the columns the command prints (the doc's
tornado once lacked four: qa13B #6), each row as many cells as the header; and its Python
example runs as written (on the small fixture instead of the sample logs: qa13B #8). The
figures themselves come from the sample logs (15-40 s a command, too slow here): regenerate
them by running the command shown."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import SMALL

from planalyzer.economics.tables import BREAK_EVEN_COLS, PROJECTION_COLS, TORNADO_COLS
from planalyzer.render.formats import to_markdown
from planalyzer.tables import Col, Table

DOC = (Path(__file__).resolve().parent.parent / "docs" / "economics.md").read_text(
    encoding="utf-8")


def _real_output(option: str) -> list[str]:
    """The table after the "Real output, `planalyzer report ... OPTION ...`" paragraph."""
    parts = re.split(r"\nReal output, `planalyzer report ", DOC)[1:]
    (part,) = [p for p in parts if option in p.split("`", 1)[0]]
    lines = part.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("|"))
    return lines[start:end]


@pytest.mark.parametrize(("option", "cols"), [("--sensitivity", TORNADO_COLS),
                                              ("--fixed-cost", BREAK_EVEN_COLS),
                                              ("--project", PROJECTION_COLS)])
def test_real_output_has_the_printed_columns(option: str, cols: Sequence[Col]) -> None:
    table = _real_output(option)
    printed = to_markdown([Table("t", "t", cols, [])]).split("\n")[2:4]
    assert table[:2] == printed
    assert len(table) > 2
    for row in table[2:]:
        assert row.replace("\\|", "").count("|") == printed[0].count("|"), row


def test_economics_python_example_runs() -> None:
    code = DOC.split("```python\n", 1)[1].split("\n```", 1)[0]
    assert 'store.load("sample_logs/parquet")' in code
    code = code.replace("sample_logs/parquet", str(SMALL))
    out = io.StringIO()
    scope: dict[str, object] = {}
    with contextlib.redirect_stdout(out):
        exec(compile(code, "docs/economics.md", "exec"), scope)
    names = [line.split()[0] for line in out.getvalue().splitlines()]
    assert names == ["margin_sensitivity", "break_even", "margin_projection"]
