"""docs/whatif.md's Python example runs (on the small fixture instead of the sample logs)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from conftest import FIXTURES

DOC = (Path(__file__).resolve().parent.parent / "docs" / "whatif.md").read_text(encoding="utf-8")


def test_whatif_python_example_runs() -> None:
    section = DOC.split("## From Python\n", 1)[1]
    code = section.split("```python\n", 1)[1].split("\n```", 1)[0]
    assert 'store.load(["sample_logs/parquet"])' in code
    code = code.replace("sample_logs/parquet", str(FIXTURES / "report_small.csv"))
    out = io.StringIO()
    scope: dict[str, object] = {}
    with contextlib.redirect_stdout(out):
        exec(compile(code, "docs/whatif.md", "exec"), scope)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Max 20x weekly 40M + overage at list ")
    assert lines[1].startswith("pro25 ")
    assert lines[2].startswith("{'metric': 'revenue', 'baseline': ")
    assert len(scope["users"]) > 0  # type: ignore[arg-type]
