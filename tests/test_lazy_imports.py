"""`planalyzer load` starts without polars and the report modules (they cost ~0.4 s of
import time on every cold load; the report commands import them when they run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CC = Path(__file__).parent / "fixtures" / "claude_code"


def test_cli_import_leaves_out_polars_and_report_modules() -> None:
    code = ("import sys, planalyzer.cli; "
            "print(sorted(m for m in ('polars', 'planalyzer.analysis', 'planalyzer.report', "
            "'planalyzer.report_tables', 'planalyzer.source_checks') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_claude_code_load_never_imports_pyarrow(tmp_path: Path) -> None:
    """Loading Claude Code transcripts (library and `planalyzer load`, with --db) hands chunks
    and the manifest to DuckDB as bound values: pyarrow (~27 MB resident) stays unloaded."""
    code = ("import sys; from planalyzer.cli import app\n"
            "try:\n"
            f"    app(['load', {str(CC / 'single')!r}, '--db', {str(tmp_path / 'cc.duckdb')!r}])\n"
            "except SystemExit as e:\n"
            "    assert not e.code, e.code\n"
            "from planalyzer.store import Store\n"
            f"Store().load([{str(CC / 'users')!r}])\n"
            "print('pyarrow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "False"


def test_loads_never_import_polars(tmp_path: Path) -> None:
    """A load (library or `planalyzer load`), with the default or another --timezone, leaves
    polars (~0.1 s of import) unloaded: a --db rerun in a fresh process stays at its ~50 ms.
    The analysis checks a zone name against polars where it uses it."""
    code = ("import sys; from planalyzer.cli import app\n"
            "for tz in ('UTC', 'america/new_york'):\n"
            "    try:\n"
            f"        app(['load', {str(CC / 'single')!r}, '--db', "
            f"{str(tmp_path / 'cc.duckdb')!r}, '--timezone', tz, '-q'])\n"
            "    except SystemExit as e:\n"
            "        assert not e.code, e.code\n"
            "from planalyzer.store import LoadOptions, Store\n"
            f"Store().load([{str(CC / 'users')!r}], LoadOptions(timezone='Asia/Tokyo'))\n"
            "print('polars' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "False"
