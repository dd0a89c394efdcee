"""The README's two commands are the ones CI and the demo use."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from planalyzer.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    command = ci[-1]
    assert "pytest" in command
    assert command in README.splitlines()


def test_readme_demo_command() -> None:
    demo = ("python3 -m venv .venv && .venv/bin/pip install -r requirements.lock -e . "
            "&& .venv/bin/planalyzer demo")
    assert demo in README.splitlines()


def _normalize(text: str) -> list[str]:
    """Trailing spaces dropped; the load's wall time (the only thing that varies) blanked."""
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    return [re.sub(r"file\(s\), [0-9.]+ s\)", "file(s), N s)", line) for line in lines]


def test_readme_quickstart_is_the_demo_output() -> None:
    block = README.split("$ planalyzer demo\n", 1)[1].split("\n```", 1)[0]
    result = CliRunner().invoke(app, ["demo"], terminal_width=120)
    assert result.exit_code == 0, result.output
    assert _normalize(result.output) == _normalize(block)


def test_readme_says_what_costs_json_meta_holds() -> None:
    """README "Output formats": costs given no logs has no period, assignments or sources in
    its meta."""
    from conftest import cli_json

    meta = cli_json(["costs"])["meta"]
    assert set(meta) == {"timezone", "catalogs"} and set(meta["catalogs"]) == {"costs",
                                                                                "prices"}
    flat = " ".join(README.split())
    assert ("`costs` assigns no plans: given no logs, its meta has only `timezone` and "
            "`catalogs` (`costs`, `prices`); given logs, also `sources` (below)") in flat
    assert "`whatif`, `sweep`, `optimize` and `costs` put first" not in flat


def test_readme_python_example_runs() -> None:
    """README "Library use" runs as written (qa13B #8), on the small fixture instead of the
    sample logs."""
    import contextlib
    import io

    from conftest import SMALL

    code = README.split("## Library use\n", 1)[1].split("```python\n", 1)[1].split("\n```", 1)[0]
    assert 'store.load("sample_logs/parquet")' in code
    code = code.replace("sample_logs/parquet", str(SMALL))
    out = io.StringIO()
    scope: dict[str, object] = {}
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), scope)
    lines = out.getvalue().splitlines()
    assert lines[0] == "5690 5690 0 0"
    assert lines[2].startswith("plans [{'plan': ")
    assert len(scope["df"]) == 5  # type: ignore[arg-type]
