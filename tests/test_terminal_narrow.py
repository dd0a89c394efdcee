"""Narrow terminals: no figure, id or key is ever cut with an ellipsis; a table too wide is
continued in blocks that repeat the columns saying what each row is (Table.keys), and where
the keys and the widest number column cannot share a line, an over-long key folds, and where
even that cannot, the rows are stacked."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.render.formats import human
from planalyzer.render.terminal import print_tables
from planalyzer.tables import Col, Table

FIXTURES = Path(__file__).parent / "fixtures"
SMALL = str(FIXTURES / "report_small.csv")


def render(t: Table, width: int) -> str:
    out = io.StringIO()
    print_tables(Console(file=out, width=width, color_system=None, force_terminal=False), [t])
    return out.getvalue()


def _blocks(text: str, title: str) -> list[str]:
    """The printed blocks of a table: each from its title line to the end of its rows."""
    parts = re.split(r"(?m)^(?=" + re.escape(title) + ")", text)
    out = []
    for p in parts:
        if not p.startswith(title):
            continue
        lines = p.splitlines()
        rule = next(i for i, line in enumerate(lines) if "━" in line)
        end = next((i for i in range(rule, len(lines)) if not lines[i].strip()), len(lines))
        out.append("\n".join(lines[:end]))
    return out


def _unwrap(text: str) -> str:
    """Stacked output with each wrapped value joined back onto its line (a continuation line
    is indented deeper than a ``header  value`` line)."""
    out: list[str] = []
    for line in text.splitlines():
        if out and line.startswith("    ") and line.strip():
            out[-1] += line.strip()
        else:
            out.append(line)
    return "\n".join(out)


ids = st.text(alphabet="abcdefghij_-/.0123456789", min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(width=st.integers(24, 140), keys=st.lists(ids, min_size=1, max_size=3),
       values=st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=1, max_size=9),
       text=st.text(alphabet="abc defgh", max_size=80))
def test_no_cell_is_cut(width: int, keys: list[str], values: list[float], text: str) -> None:
    cols = [Col("source"), Col("usage"), Col("note")] + [
        Col(f"m{i}_usd", "usd", f"measure {i}") for i in range(len(values))]
    rows = [(k, f"tool {j}", text, *values) for j, k in enumerate(keys)]
    t = Table("t", "T", cols, rows, keys=("source", "usage"))
    out = render(t, width)
    assert "…" not in out
    flat = out.replace("\n", "")
    for row in rows:
        for c, v in zip(cols, row, strict=True):
            shown = human(v, c)
            if c.kind != "str":
                assert re.search(r"(?<![\d$,.])" + re.escape(shown) + r"(?![\d,.])", out), shown
            elif c.key != "note":  # keys are whole, on one line in a grid, or folded
                assert shown in (out if "━" in out else _unwrap(out)) or (
                    "━" in out and cell_len(shown) > 24 and _folded_key(out, shown)), shown
        assert _in_order(row[2].replace(" ", ""), flat.replace(" ", ""))


def _in_order(text: str, out: str) -> bool:
    """Whether every character of ``text`` is in ``out``, in order (wrapped free text has the
    next columns' cells between its lines)."""
    rest = iter(out)
    return all(ch in rest for ch in text)


def test_continued_blocks_repeat_named_keys_that_are_not_leading() -> None:
    cols = [Col("month"), Col("usage"), *[Col(f"m{i}_usd", "usd", f"measure number {i}")
                                          for i in range(10)]]
    t = Table("t", "Usage", cols, [("2026-10", "Claude Code", *[1234.5] * 10),
                                   ("2026-10", "Codex", *[1.5] * 10)], keys=("month", "usage"))
    blocks = _blocks(render(t, 80), "Usage")
    assert len(blocks) > 1
    for b in blocks:
        assert "Claude Code" in b and "Codex" in b and "2026-10" in b


def _folded_key(out: str, key: str) -> bool:
    """Whether ``key`` is shown folded in a grid: its pieces start lines at the same column,
    one under the other."""
    lines = out.splitlines()
    for k, line in enumerate(lines):
        x = line.find(key[:8])
        if x < 0:
            continue
        joined = ""
        for below in lines[k:]:
            joined += below[x:].split(" ")[0]
            if not key.startswith(joined):
                break
            if joined == key:
                return True
    return False


PATH = "very/long/finance/exports/usage_by_account/year=2026/month=10/export_final.csv"


def test_a_key_too_wide_for_the_terminal_folds_in_the_grid() -> None:
    t = Table("load", "Load accounting", [Col("source"), Col("rows_read", "int", "read")],
              [(PATH, 5690), ("short.csv", 12)])
    out = render(t, 60)
    # a grid: the long path folds under itself, the short one stays on its line
    assert "━" in out and "5,690" in out and "…" not in out and "short.csv" in out
    assert PATH not in out and _folded_key(out, PATH)
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 60


def test_one_long_id_does_not_stack_every_row() -> None:
    email = "firstname.lastname.contractor@bigcorp-subsidiary.example.com"  # qa15B #8
    cols = [Col("user_id"), *[Col(f"m{i}_usd", "usd", f"measure {i}") for i in range(6)]]
    rows = [(email, *[1234.56] * 6)] + [(f"u{j:02d}", *[12.5] * 6) for j in range(29)]
    out = render(Table("u", "Users", cols, rows), 80)
    assert "━" in out and _folded_key(out, email)
    assert all(f"u{j:02d}" in out for j in range(29))
    assert len(out.splitlines()) < 120  # stacked, 30 users x 7 lines would be over 240
    wide = [(email, *[12_345_678_901.0] * 6)] + [(f"u{j:02d}", *[1.0] * 6) for j in range(29)]
    out = render(Table("u", "Users", cols, wide), 80)  # the email and one figure: 81 cells
    assert "━" in out and _folded_key(out, email) and len(out.splitlines()) < 240


def test_a_key_too_wide_even_folded_stacks_the_rows() -> None:
    t = Table("load", "Load accounting", [Col("source"), Col("rows_read", "int", "read")],
              [(PATH, 5690)])
    out = render(t, 30)
    # keys fold no narrower than 24 cells: stacked, the path wrapping under itself
    assert "━" not in out and "5,690" in out and "…" not in out
    assert PATH in _unwrap(out)
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 30


def test_a_record_is_never_cut() -> None:
    t = Table("u", "Usage", [Col("cache_read_tokens", "tokens", "cache read tokens"),
                             Col("first", "str", "first request (UTC)")],
              [(1_997_200_000, "2026-09-28 00:00")], record=True)
    for width in (20, 30, 40):
        out = render(t, width)
        assert "1,997,200,000" in out and "…" not in out


def _cli(args: list[str], width: int, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.stdout


COMMANDS = {
    "report": ["report", SMALL, "--by", "user"],
    "costs": ["costs", SMALL],
    "me": ["me", "--claude-dir", str(FIXTURES / "me_tz"), "--codex-dir",
           str(FIXTURES / "codex" / "home"), "--plan", "claude_max_5x"],
    "plans": ["plans"],
    "load": ["load", SMALL],
}


@pytest.mark.parametrize("width", [40, 80, 120])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_commands_never_cut_a_cell(command: str, width: int,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    out = _cli(COMMANDS[command], width, monkeypatch)
    assert "…" not in out


def test_me_continued_blocks_name_the_tool_and_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    out = _cli(COMMANDS["me"], 80, monkeypatch)
    usage = _blocks(out, "Your usage by month")
    assert len(usage) > 1 and all("Claude Code" in b and "Codex" in b for b in usage)
    cost = _blocks(out, "What each plan would cost you")
    assert len(cost) > 1 and all("claude_max_5x" in b and "Codex" in b for b in cost)


def test_costs_and_plans_continued_blocks_keep_their_keys(
        monkeypatch: pytest.MonkeyPatch) -> None:
    out = _cli(COMMANDS["costs"], 80, monkeypatch)
    ctx = _blocks(out, "A typical request at each context length")
    assert len(ctx) > 1 and all("128,000" in b and "gpt-5-mini" in b for b in ctx)
    meters = _blocks(_cli(COMMANDS["plans"], 80, monkeypatch), "Meters")
    assert len(meters) > 1 and all("*opus-4-5*" in b for b in meters)
