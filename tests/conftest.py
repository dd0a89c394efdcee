"""Shared test helpers: fixture paths and golden files (UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"


def check_golden(name: str, data: Any) -> None:
    """Compare ``data`` (JSON-able) with tests/golden/<name>; rewrite it with UPDATE_GOLDEN=1."""
    path = GOLDEN / name
    text = json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"
    if os.environ.get("UPDATE_GOLDEN") or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not os.environ.get("UPDATE_GOLDEN"):
            pytest.fail(f"golden file {path} was missing and has been written; check it in")
    assert json.loads(text) == json.loads(path.read_text(encoding="utf-8"))


def relative(source: str) -> str:
    """A source path relative to tests/fixtures (golden files must not hold absolute paths)."""
    try:
        return Path(source).relative_to(FIXTURES.resolve()).as_posix()
    except ValueError:
        return Path(source).name
