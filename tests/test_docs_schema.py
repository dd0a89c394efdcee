"""The documented table schemas (README "Output formats", docs/report.md "JSON schema",
docs/costs.md "Output tables") list exactly the columns the commands write."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import FIXTURES, write_csv
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.report import build_report
from planalyzer.report_tables import headline
from planalyzer.store import LoadOptions, Store
from planalyzer.tables import Table
from planalyzer.usage import top_users_by_tokens, usage_summary

ROOT = Path(__file__).resolve().parent.parent
SMALL = FIXTURES / "report_small.csv"


def documented(path: Path) -> dict[str, list[str]]:
    """``| `table` | ... | col, col, ... |`` rows of a markdown file: table -> columns."""
    out: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        cols = re.sub(r"\s*\([^)]*\)", "", cells[-1])  # "status (loaded, ...)": a gloss
        # "`column_mapping` (`map`)": the table of that name one command writes
        out[cells[0].replace("`", "")] = [c.strip() for c in cols.split(",")]
    return out


def written(*args: str) -> dict[str, list[str]]:
    res = CliRunner().invoke(app, [*args, "-f", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    return {k: v["columns"] for k, v in doc.items() if isinstance(v, dict) and "columns" in v}


def check(doc: Path, tables: dict[str, list[str]]) -> None:
    want = documented(doc)
    for name, cols in tables.items():
        assert name in want, f"{doc.name} does not document table {name}"
        assert want[name] == cols, f"{doc.name}: {name}"


def test_readme_documents_load_and_catalog_tables(tmp_path: Path) -> None:
    header = ["ts", "user_id", "model", "input_tokens", "output_tokens"]
    bad = write_csv(tmp_path / "bad.csv", header,
                    [["2026-10-01T00:00:00Z", "a", "m", 1, 1], ["not a time", "b", "m", 1, 1]])
    tables = written("load", str(bad))
    assert tables.get("rejected_rows"), "the fixture should reject a row"
    tables |= written("plans")
    tables |= {f"{name} (map)": cols for name, cols in written("map", str(SMALL)).items()}
    with Store() as store:
        store.load([str(SMALL)], LoadOptions())
        shown: list[Table] = [usage_summary(store.con), top_users_by_tokens(store.con, 3),
                              headline(build_report(store.con, plan_fit=False))]
    tables |= {t.name: [c.key for c in t.columns] for t in shown}
    check(ROOT / "README.md", tables)


def test_report_doc_lists_every_report_column() -> None:
    tables = written("report", str(SMALL), "--sensitivity", "--fixed-cost", "1000",
                     "--project", "2")
    assert {"plans", "users", "plan_fit", "margin_sensitivity", "break_even",
            "margin_projection"} <= set(tables)
    check(ROOT / "docs" / "report.md", tables)


@pytest.mark.parametrize("extra", [[], ["--sensitivity"], [str(SMALL)]])
def test_costs_doc_lists_every_costs_column(extra: list[str]) -> None:
    check(ROOT / "docs" / "costs.md", written("costs", *extra))
