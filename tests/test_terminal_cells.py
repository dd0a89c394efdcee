"""Terminal widths in cells (verification 9, new findings 1-3 and 5): wide (CJK, emoji) ids are
shown whole, key headers wrap rather than being cropped, free text wraps before rows stack,
stacked lines stay within the terminal, and a record's folded text reads from the left."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.render.terminal import print_tables
from planalyzer.tables import Col, Table

FIXTURES = Path(__file__).parent / "fixtures"
WIDE = ["経理部の山田太郎さん", "経理部の山田花子さん", "財務チーム🙂🙂"]


def render(t: Table, width: int) -> str:
    out = io.StringIO()
    print_tables(Console(file=out, width=width, color_system=None, force_terminal=False), [t])
    return out.getvalue()


def _widest(text: str) -> int:
    return max(cell_len(line.rstrip()) for line in text.splitlines())


def _users(n_measures: int) -> Table:
    cols = [Col("user_id"), Col("month"),
            *[Col(f"m{i}_usd", "usd", f"measure {i}") for i in range(n_measures)]]
    return Table("u", "Users", cols, [(u, "2026-10", *[12.5] * n_measures) for u in WIDE])


@pytest.mark.parametrize("width", [60, 80, 120, 200])
def test_double_width_ids_are_shown_whole(width: int) -> None:
    out = render(_users(12), width)
    assert "━" in out  # a grid, with the ids on one line each
    for u in WIDE:
        assert u in out, (u, out)
    assert _widest(out) <= width


def test_double_width_ids_stacked_stay_within_the_terminal() -> None:
    out = render(_users(3), 22)
    assert "━" not in out
    assert _widest(out) <= 22
    joined = re.sub(r"\s+", "", out)
    for u in WIDE:
        assert u in joined


def test_key_headers_wrap_and_are_never_cropped() -> None:
    cols = [Col("logged_tier", "str", "logged tier"), Col("catalog_plan", "str", "catalog plan"),
            *[Col(f"m{i}", "float", f"implied {i}") for i in range(8)]]
    t = Table("r", "Logged limits", cols, [("plus", "chatgpt_plus", *[0.324] * 8)],
              keys=("logged_tier", "catalog_plan"))
    for width in (60, 80, 120):
        out = render(t, width)
        blocks = [b for b in out.split("Logged limits") if b.strip()]
        assert blocks
        for b in blocks:
            head = b.split("━")[0]
            assert re.search(r"\btier\b", head) and re.search(r"\blogged\b", head), b
            assert "logged t " not in head and "logged ti " not in head


def test_free_text_wraps_before_the_rows_stack() -> None:
    cols = [Col("month"), Col("usage"), Col("plan"), Col("limit"),
            Col("unit", "str", "unit"), Col("cap", "int", "cap"),
            Col("peak", "float", "peak")]
    rows = [("2026-10", "Claude Code", "claude_max_20x", "session_5h *",
             "USD at API list price (estimated)", 11_000_000, 612.0)]
    t = Table("m", "How close", cols, rows, keys=("month", "usage", "plan", "limit"))
    out = render(t, 80)
    assert "━" in out  # a grid, not `header  value` lines
    assert "11,000,000" in out and _widest(out) <= 80


def test_me_limits_table_is_a_grid_at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = CliRunner().invoke(app, [
        "me", "--claude-dir", str(FIXTURES / "claude_code" / "users"), "--codex-dir",
        str(FIXTURES / "codex" / "home"), "--plan", "claude_max_5x"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    title = "How close you came to each plan's limits"
    at = out.index(title)
    nxt = out[at:].split("\n")[:4]
    assert any("━" in line for line in nxt), "\n".join(nxt)


def test_me_key_headers_not_cropped_at_120(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    result = CliRunner().invoke(app, [
        "me", "--claude-dir", str(FIXTURES / "me_tz"), "--codex-dir",
        str(FIXTURES / "codex" / "home"), "--plan", "claude_max_5x"])
    assert result.exit_code == 0, result.output
    section = result.stdout.split("Logged rate limits against the plan catalog")[1]
    head = section.split("━")[0]
    assert re.search(r"\bplan\b", head.replace("catalog plan", "")), head


def test_stacked_lines_never_exceed_the_width() -> None:
    cols = [Col("model"), Col("assumption", "str", "assumption"),
            Col("gpu_cost_usd", "usd", "GPU cost per request")]
    t = Table("c", "Costs", cols, [("claude-sonnet-4-5-20250929-very-long-name",
                                    "an assumed profile: " + "dense 70B weights " * 6, 0.00103)])
    for width in (24, 30, 40):
        out = render(t, width)
        assert _widest(out) <= width, out
        assert "claude-sonnet-4-5-20250929-very-long-name" in re.sub(r"\s+", "", out)


def test_a_records_folded_path_reads_from_the_left() -> None:
    path = "/tmp/ver9A/generated_output_folder/with/a/long/name/events.parquet"
    t = Table("g", "Generated", [Col("events", "int", "events"), Col("out", "str", "folder")],
              [(1_891_023, path)], record=True)
    out = render(t, 40)
    lines = out.splitlines()
    k = next(i for i, line in enumerate(lines) if "folder" in line)
    starts = [lines[k].index("/tmp")]
    for line in lines[k + 1:]:
        if not line.strip():
            break
        starts.append(len(line) - len(line.lstrip()))
    assert len(starts) > 1 and len(set(starts)) == 1, out  # each piece from the same column
    assert _widest(out) <= 40
