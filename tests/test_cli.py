"""The real CLI: golden outputs of `load` in every format, exit codes for bad input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import check_golden, write_csv
from typer.testing import CliRunner

from planalyzer.cli import app

runner = CliRunner()


@pytest.fixture
def small_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "usage.csv",
              ["request_id", "account", "created_at", "model", "prompt_tokens",
               "cached_tokens", "completion_tokens"],
              [["r1", "alice", "2026-10-01T09:00:00Z", "gpt-5", 1200, 1000, 80],
               ["r2", "alice", "2026-10-01T09:05:00Z", "gpt-5", 2200, 2000, 120],
               ["r2", "alice", "2026-10-01T09:05:00Z", "gpt-5", 2200, 2000, 120],
               ["r3", "bob", "2026-10-02 18:30:00", "gpt-5-mini", 300, 0, 40],
               ["r4", "", "2026-10-02T18:31:00Z", "gpt-5-mini", 300, 0, 40],
               ["r5", "carol", "2026-10-03T07:00:00Z", "gpt-5", -5, 0, 1]])
    write_csv(tmp_path / "rejected.csv",
              ["user_id", "timestamp", "model", "input_tokens", "output_tokens"],
              [["u1", "2026-10-01T00:00:00Z", "claude-sonnet-4-5", 10, "abc"],
               ["u2", "notatime", "claude-sonnet-4-5", 5, 5]])
    write_csv(tmp_path / "empty.csv",
              ["user_id", "timestamp", "model", "input_tokens", "output_tokens"], [])
    return "usage.csv"


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_load_golden(small_csv: str, fmt: str) -> None:
    result = runner.invoke(app, ["load", small_csv, "--format", fmt])
    assert result.exit_code == 0, result.output
    text = re.sub(r"\(1 file\(s\), [0-9.]+ s\)", "(1 file(s), N s)", result.output)
    text = re.sub(r'"seconds": [0-9.]+', '"seconds": N', text)
    check_golden(f"load.{fmt}", text)


def test_load_json_balances(small_csv: str) -> None:
    import json
    result = runner.invoke(app, ["load", small_csv, "--format", "json"])
    doc = json.loads(result.output)
    (row,) = doc["load_accounting"]["rows"]
    assert row["rows_read"] == 6
    assert row["rows_read"] == row["rows_loaded"] + row["rows_rejected"] + row[
        "duplicates_dropped"]


@pytest.mark.parametrize(("args", "message"), [
    (["load", "missing.parquet"], "missing.parquet: no such file or folder"),
    (["load", "usage.csv", "--format", "xml"], "--format 'xml'"),
    (["load", "usage.csv", "--map", "nonsense"], "write it as canonical=their_column"),
    (["load", "usage.csv", "--timezone", "Nowhere/City"], "unknown time zone"),
    (["load", "usage.csv", "--strict"], "--strict: 2 row(s) rejected"),
    (["load", "usage.csv", "--dedupe-on", "colour"], "'colour' is not a canonical column"),
    (["load", "usage.csv", "--input-format", "xls"], "--input-format 'xls'"),
    (["load", "usage.csv", "--mapping", "none.toml"], "none.toml: mapping file not found"),
    (["report", "rejected.csv"],
     "rejected.csv: no usable events (2 rows read; rejected: non-integer token count x1, "
     "unparseable timestamp x1)"),
    (["whatif", "rejected.csv", "--scenario", "max20x_weekly_cap_overage"],
     "rejected.csv: no usable events"),
    (["costs", "empty.csv"], "empty.csv: no usable events (0 rows read)"),
    (["report", "usage.csv", "--top", "-3"], "--top -3: must be at least 1 (users to list)"),
    (["report", "usage.csv", "--top", "0"], "--top 0: must be at least 1 (users to list)"),
    (["load", "usage.csv", "--max-tokens", "-1"],
     "--max-tokens -1: must be at least 1"),
    (["load", "usage.csv", "--max-tokens", "0"],
     "--max-tokens 0: must be at least 1"),
])
def test_bad_input_exits_2_with_one_line(small_csv: str, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_report_says_which_rows_it_could_not_use(small_csv: str) -> None:
    # two rows rejected, one duplicate: the report goes on with the rest and says so on stderr
    result = runner.invoke(app, ["report", small_csv, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        "6 rows read = 3 loaded + 2 rejected + 1 duplicates "
        + re.search(r"\(1 file\(s\), [0-9.]+ s\)", result.stderr).group(0),  # type: ignore[union-attr]
        "rejected: missing user_id x1, negative token count x1 (`planalyzer load` on the same "
        "files lists them; with --db they are kept in its rejected_rows table)"]
    assert '"plans"' in result.stdout
    # rejected rows are a warning: -q hides progress and notes, not them (QA round 8 B)
    for command in ("report", "costs"):
        quiet = runner.invoke(app, [command, small_csv, "--format", "json", "--quiet"])
        assert quiet.exit_code == 0
        assert quiet.stderr.splitlines()[1:] == result.stderr.splitlines()[1:], command


def test_map_command_shows_detection(small_csv: str) -> None:
    result = runner.invoke(app, ["map", small_csv, "--format", "csv"])
    assert result.exit_code == 0
    assert "usage.csv,user_id,account,VARCHAR,recognised" in result.output


def test_db_second_load_reads_nothing(small_csv: str, tmp_path: Path) -> None:
    db = str(tmp_path / "u.duckdb")
    first = runner.invoke(app, ["load", small_csv, "--db", db, "--format", "json"])
    second = runner.invoke(app, ["load", small_csv, "--db", db, "--format", "json"])
    assert '"status": "loaded"' in first.output
    assert '"status": "unchanged"' in second.output and '"rows_read": 0' in second.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("planalyzer ")


def test_demo_reads_the_sample_logs() -> None:
    import json
    result = runner.invoke(app, ["demo", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    (summary,) = doc["usage_summary"]["rows"]
    assert summary["users"] == 299 and summary["requests"] == 3_548_895
    acct = doc["load_accounting"]["rows"]
    assert sum(r["rows_loaded"] for r in acct if r["source"] != "total") == 3_548_895


def test_csv_and_jsonl_slices_equal_the_parquet_rows() -> None:
    from planalyzer.samples import sample_logs_dir
    from planalyzer.store import Store

    root = sample_logs_dir()
    totals = []
    for sub in ("csv", "jsonl"):
        with Store() as store:
            report = store.load([str(root / sub)])
            assert report.rows_rejected == 0
            totals.append(store.con.execute(
                "SELECT count(*), sum(output_tokens), sum(cache_read_tokens), "
                "count(DISTINCT user_id), max(epoch_us(ts)) FROM events").fetchall()[0])
    with Store() as store:
        store.load([str(root / "parquet")])
        users = [r[0] for r in store.con.execute(
            "SELECT DISTINCT user_id FROM events ORDER BY 1 LIMIT 12").fetchall()]
        parquet = store.con.execute(
            "SELECT count(*), sum(output_tokens), sum(cache_read_tokens), "
            "count(DISTINCT user_id), max(epoch_us(ts)) FROM events "
            "WHERE list_contains($u, user_id)", {"u": users}).fetchall()[0]
    assert totals[0] == parquet and totals[1] == parquet


def test_terminal_accounting_folds_many_files() -> None:
    """The terminal lists at most N files: unchanged ones become one row, files read beyond N
    one row of their sums; the total row and the JSON/CSV view (every file) are unchanged."""
    from planalyzer.accounting import FileLoad, LoadReport, accounting_tables

    files = [FileLoad(f"/l/u{i:03}.jsonl", "claude-code", "unchanged") for i in range(70)]
    files += [FileLoad(f"/l/r{i:03}.jsonl", "claude-code", "loaded", 3, 2, 1, 0)
              for i in range(8)]
    report = LoadReport(files)
    full = accounting_tables(report)[0]
    assert len(full.rows) == 79  # 78 files and the total
    short = accounting_tables(report, 5)[0]
    assert [r[0] for r in short.rows] == [
        *[f"/l/r{i:03}.jsonl" for i in range(5)],
        "(3 more files read: --format csv lists every file)", "(70 unchanged files)", "total"]
    assert short.rows[5][3:] == (9, 6, 3, 0)
    assert short.rows[-1] == full.rows[-1] == ("total", "", "", 24, 16, 8, 0)
    few = accounting_tables(LoadReport(files[:3]), 5)[0]
    assert len(few.rows) == 4  # few files: every one listed


def test_db_report_says_it_covers_every_file_in_the_db(tmp_path: Path) -> None:
    import json
    header = ["user_id", "ts", "model", "input_tokens", "output_tokens"]
    write_csv(tmp_path / "good.csv", header,
              [["u1", "2026-10-01T00:00:00Z", "claude-sonnet-4-5", 10, 5],
               ["u2", "2026-10-02T00:00:00Z", "claude-sonnet-4-5", 20, 7]])
    write_csv(tmp_path / "a.csv", header, [["a1", "2026-10-01T00:00:00Z", "claude-sonnet-4-5",
                                            10, 5]])
    db = str(tmp_path / "t.duckdb")
    assert runner.invoke(app, ["load", str(tmp_path / "good.csv"), "--db", db]).exit_code == 0
    note = (f"--db {db}: covers all 2 source file(s) in it, 1 of them not named in this run "
            "(each run with --db adds the sources it names to the file); give a new --db file, "
            "or none, to cover only the sources named")
    args = ["--assign", "*=claude_pro", "--format", "json"]
    res = runner.invoke(app, ["report", str(tmp_path / "a.csv"), "--db", db, *args])
    doc = json.loads(res.stdout)
    assert note in doc["plans"]["notes"]
    assert doc["plans"]["rows"][0]["subscribers"] == 3  # the semantics stay: every file's users
    costs = json.loads(runner.invoke(app, ["costs", str(tmp_path / "a.csv"), "--db", db,
                                           "--format", "json"]).stdout)
    assert note in costs["cost_per_mtok"]["notes"]
    both = runner.invoke(app, ["report", str(tmp_path / "a.csv"), str(tmp_path / "good.csv"),
                               "--db", db, *args])
    assert "covers all" not in both.stdout
    plain = runner.invoke(app, ["report", str(tmp_path / "a.csv"), *args])
    assert "covers all" not in plain.stdout
