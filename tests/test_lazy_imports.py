"""`planalyzer load` starts without polars and the report modules (they cost ~0.4 s of
import time on every cold load; the report commands import them when they run)."""

from __future__ import annotations

import subprocess
import sys


def test_cli_import_leaves_out_polars_and_report_modules() -> None:
    code = ("import sys, planalyzer.cli; "
            "print(sorted(m for m in ('polars', 'planalyzer.analysis', 'planalyzer.report', "
            "'planalyzer.report_tables', 'planalyzer.source_checks') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
