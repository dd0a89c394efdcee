"""The README's two commands are the ones CI and the demo use."""

from __future__ import annotations

from pathlib import Path

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
