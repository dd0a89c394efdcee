"""Shared fixtures: pinned time zone, locale and terminal width; small event files."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer.main
import typer.testing
from hypothesis import settings

os.environ["TZ"] = "UTC"
os.environ["LC_ALL"] = "C"
os.environ["COLUMNS"] = "120"
os.environ["NO_COLOR"] = "1"
os.environ.pop("FORCE_COLOR", None)
if hasattr(time, "tzset"):
    time.tzset()

GOLDEN = Path(__file__).parent / "golden"

# Property tests are deterministic (the same examples on every run and machine, no example
# database); PLANALYZER_HYPOTHESIS=explore draws fresh random examples to hunt for new cases.
settings.register_profile("pinned", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False, database=None)
settings.load_profile(os.environ.get("PLANALYZER_HYPOTHESIS", "pinned"))

# typer's CliRunner.invoke builds the click command from the app on every call (signatures,
# type hints and help of every command: ~45 ms, a sixth of the suite's time); the app does not
# change between tests, so each app's command is built once. A process running `planalyzer`
# builds it once too.
_COMMANDS: dict[int, tuple[typer.Typer, Any]] = {}


def _command_once(app: typer.Typer) -> Any:
    built = _COMMANDS.get(id(app))
    if built is None or built[0] is not app:
        built = _COMMANDS[id(app)] = (app, typer.main.get_command(app))
    return built[1]


typer.testing._get_command = _command_once  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _pinned_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("LC_ALL", "C")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")
    yield


def event_row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "event_id": None,
        "ts": "2026-10-01T12:00:00Z",
        "user_id": "u1",
        "plan": "pro",
        "model": "claude-sonnet-4-5",
        "input_tokens": 10,
        "cache_write_tokens": 0,
        "cache_write_1h_tokens": 0,
        "cache_read_tokens": 100,
        "output_tokens": 5,
    }
    row.update(overrides)
    return row


def write_parquet(path: Path, rows: list[dict[str, Any]], schema: pa.Schema | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(rows, schema=schema)
    pq.write_table(table, path)
    return path


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(header)]
    lines += [",".join("" if v is None else str(v) for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def check_golden(name: str, text: str) -> None:
    """Compare with tests/golden/<name>; PLANALYZER_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if os.environ.get("PLANALYZER_UPDATE_GOLDEN") == "1" or not path.exists():
        if os.environ.get("CI") and not path.exists():
            raise AssertionError(f"golden file {path} is missing")
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"output differs from {path}"


FIXTURES = Path(__file__).parent / "fixtures"
SMALL = FIXTURES / "report_small.csv"
# the columns of hand-made event CSVs: the events schema's, plan and request count included
EVENT_HEADER = ["event_id", "ts", "user_id", "plan", "model", "input_tokens",
                "cache_write_tokens", "cache_write_1h_tokens", "cache_read_tokens",
                "output_tokens", "requests"]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A --db store file holding tests/fixtures/report_small.csv."""
    from planalyzer.store import Store

    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        store.load([str(SMALL)])
    return path


def check_golden_json(name: str, data: Any) -> None:
    """Compare JSON-able ``data`` with tests/golden/<name> (written as sorted, indented JSON)."""
    check_golden(name, json.dumps(_round_floats(data), indent=2, sort_keys=True, default=str)
                 + "\n")


def _round_floats(data: Any) -> Any:
    """Floats to 12 significant digits: DuckDB's parallel sums may differ in the last bits."""
    if isinstance(data, float):
        return float(f"{data:.12g}")
    if isinstance(data, dict):
        return {k: _round_floats(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_round_floats(v) for v in data]
    return data


def relative(source: str) -> str:
    """A source path relative to tests/fixtures (golden files must not hold absolute paths)."""
    try:
        return Path(source).relative_to(FIXTURES.resolve()).as_posix()
    except ValueError:
        return Path(source).name


@pytest.fixture(scope="module")
def evaluator() -> Iterator[Any]:
    """The what-if evaluator over tests/fixtures/report_small.csv (one per test module)."""
    from planalyzer.store import LoadOptions, Store
    from planalyzer.whatif import prepare

    store = Store(None)
    store.load([str(FIXTURES / "report_small.csv")], LoadOptions())
    ev, _ = prepare(store.con)
    yield ev
    store.close()


def cli_json(args: list[str]) -> dict[str, Any]:
    """Run the CLI with --format json; it must succeed; the parsed document."""
    from typer.testing import CliRunner

    from planalyzer.cli import app

    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def cli_error(args: list[str]) -> str:
    """Run the CLI on bad input: exit 2, no traceback, one line on stderr (returned)."""
    from typer.testing import CliRunner

    from planalyzer.cli import app

    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    return result.stderr.strip()


def assert_balanced(con: Any) -> None:
    """A store's accounting: read = loaded + rejected + duplicates per manifest row; events
    and rejected rows per source as the manifest counts them; no event of a file the manifest
    does not know."""
    bad = con.execute("""
        SELECT m.source FROM load_manifest m
        WHERE m.rows_read != m.rows_loaded + m.rows_rejected + m.duplicates_dropped
           OR m.rows_loaded != (SELECT count(*) FROM events e WHERE e.source = m.source)
           OR m.rows_rejected != (SELECT count(*) FROM rejected_rows r
                                  WHERE r.source = m.source)
        UNION ALL
        SELECT DISTINCT source FROM events
        WHERE source NOT IN (SELECT source FROM load_manifest)""").fetchall()
    assert bad == []
