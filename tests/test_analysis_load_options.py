"""The analysis commands (report, costs, whatif, sweep, optimize) load the way `load` does:
the same source, user, mapping, dedupe, bound and format options; the what-if commands take
`--prices` as report does and refuse a period with no events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, cli_json, write_csv
from typer.testing import CliRunner

from planalyzer.cli import app

runner = CliRunner()
ANALYSES = {
    "report": ["report"],
    "costs": ["costs"],
    "whatif": ["whatif", "--scenario", "pro_price_25_elastic"],
    "sweep": ["sweep", "--grid", "plans.claude_pro.price_usd=20,25"],
    "optimize": ["optimize", "--grid", "plans.claude_pro.price_usd=20,25"],
}
PRICES_TOML = """\
[price.acme]
match = ["acme-*"]
input = 1.0
cache_read = 0.1
output = 2.0
source = "our contract"
as_of = "2026-11-01"
"""




@pytest.fixture
def logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    # a file that needs --map (its user and time columns have names no preset knows), with a
    # repeated row that only --dedupe-on drops and a row over a low --max-tokens
    write_csv(tmp_path / "odd.csv", ["who", "when", "model", "input_tokens", "output_tokens"],
              [["u1", "2026-10-01T00:00:00Z", "claude-sonnet-4-5", 1000, 100],
               ["u1", "2026-10-01T00:00:00Z", "claude-sonnet-4-5", 1000, 100],
               ["u2", "2026-10-02T00:00:00Z", "claude-sonnet-4-5", 5000, 100]])
    write_csv(tmp_path / "acme.csv", ["user_id", "ts", "model", "input_tokens", "output_tokens"],
              [["u1", "2026-10-01T00:00:00Z", "acme-model", 1_000_000, 500_000]])
    (tmp_path / "prices.toml").write_text(PRICES_TOML, encoding="utf-8")
    (tmp_path / "users.toml").write_text('[users]\nalice = "alice@example.com"\n',
                                         encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("command", list(ANALYSES))
def test_map_dedupe_and_bound_as_load_takes_them(logs: Path, command: str) -> None:
    args = [*ANALYSES[command], "odd.csv", "--map", "user_id=who", "--map", "ts=when",
            "--assign", "*=claude_pro"] if command != "costs" else \
        ["costs", "odd.csv", "--map", "user_id=who", "--map", "ts=when"]
    plain = runner.invoke(app, args)
    assert plain.exit_code == 0, plain.output
    assert "duplicates" not in plain.stderr  # nothing dropped without the options
    result = runner.invoke(app, [*args, "--dedupe-on", "user_id,ts,model",
                                 "--max-tokens", "2000"])
    assert result.exit_code == 0, result.output
    # said on stderr: one duplicate dropped, one row over the bound rejected
    assert "3 rows read = 1 loaded + 1 rejected + 1 duplicates" in result.stderr
    assert "token count over bound x1" in result.stderr


@pytest.mark.parametrize("command", ["report", "whatif", "sweep", "optimize"])
def test_transcript_folders_with_a_user_map(logs: Path, command: str) -> None:
    args = [*ANALYSES[command], str(FIXTURES / "claude_code" / "users"), "--source",
            "claude-code", "--user-map", "users.toml", "--assign", "*=claude_pro", "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    if command == "report":
        users = {r["user_id"] for r in cli_json([*args, "--by", "user"])["users"]["rows"]}
        assert users == {"alice@example.com", "bob"}


@pytest.mark.parametrize("command", ["whatif", "sweep", "optimize"])
def test_whatif_commands_take_prices(logs: Path, command: str) -> None:
    args = [*ANALYSES[command], "acme.csv", "--assign", "*=claude_pro"]
    without = runner.invoke(app, [*args, "--format", "json"])
    assert without.exit_code == 0, without.output
    assert "no API list price" in without.stdout
    assert "requests of models with no API list price count $0 of API value" in without.stdout
    doc = cli_json([*args, "--prices", "prices.toml"])
    assert "no API list price" not in json.dumps(doc)
    if command == "whatif":
        blocked = [r for r in doc["whatif_money"]["rows"]
                   if r["metric"] == "usage blocked (API list value)"]
        assert blocked and blocked[0]["baseline"] == 0.0


@pytest.mark.parametrize("command", ["whatif", "sweep", "optimize"])
def test_whatif_commands_refuse_a_period_without_events(logs: Path, command: str) -> None:
    result = runner.invoke(app, [*ANALYSES[command], "acme.csv", "--assign", "*=claude_pro",
                                 "--month", "2025-01"])
    assert result.exit_code == 2, result.output
    assert "no events in the report period (2025-01): the logs cover 2026-10-01" in \
        result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", list(ANALYSES))
def test_report_from_a_db_alone(logs: Path, command: str) -> None:
    """Load once, then analyse the --db file without naming (or keeping) the logs."""
    loaded = runner.invoke(app, ["load", "acme.csv", "--db", "w.duckdb", "-q"])
    assert loaded.exit_code == 0, loaded.output
    (logs / "acme.csv").unlink()
    args = [*ANALYSES[command], "--db", "w.duckdb"]
    if command != "costs":
        args += ["--assign", "*=claude_pro"]
    doc = cli_json(args)
    assert "acme-model" in json.dumps(doc)
    if command in ("report", "costs"):
        assert "the events of the 1 source file(s) it holds" in json.dumps(doc)


@pytest.mark.parametrize(("args", "message"), [
    (["report"], "no sources given: name log files, folders or globs, or a --db file"),
    (["report", "--db", "nope.duckdb"], "--db nope.duckdb: no such file"),
    (["costs", "--db", "nope.duckdb"], "--db nope.duckdb: no such file"),
    (["whatif", "-s", "pro_price_25_elastic", "--db", "empty.duckdb"],
     "--db empty.duckdb: holds no events; load logs into it first"),
])
def test_db_alone_errors(logs: Path, args: list[str], message: str) -> None:
    from planalyzer.store import Store

    Store(logs / "empty.duckdb").close()
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert not (logs / "nope.duckdb").exists()  # a mistyped --db is not created


def test_files_kept_in_a_db_say_they_ignore_new_read_options(logs: Path) -> None:
    """A file already in --db is not read again: the options given now (here --timezone)
    do not apply to it, and the run says so (on stderr for the analysis commands)."""
    write_csv(logs / "naive.csv", ["user_id", "ts", "model", "input_tokens", "output_tokens"],
              [["u1", "2026-10-31 20:00:00", "claude-sonnet-4-5", 10, 5]])
    assert runner.invoke(app, ["load", "naive.csv", "--db", "t.duckdb", "-q"]).exit_code == 0
    result = runner.invoke(app, ["report", "naive.csv", "--db", "t.duckdb", "--timezone",
                                 "Asia/Tokyo", "--assign", "*=claude_pro", "--no-fit", "-f",
                                 "json"])
    assert result.exit_code == 0, result.output
    assert ("note: 1 file(s) already in --db t.duckdb (naive.csv) were kept as they were "
            "loaded then (--timezone: UTC when loaded, Asia/Tokyo now): options given apply to "
            "new or changed files only") in result.stderr
    # the same options on a fresh store: nothing kept, nothing said
    fresh = runner.invoke(app, ["report", "naive.csv", "--db", "new.duckdb", "--timezone",
                                "Asia/Tokyo", "--assign", "*=claude_pro", "--no-fit", "-f",
                                "json"])
    assert fresh.exit_code == 0 and "kept as they were" not in fresh.stderr
    months = {r["month"] for r in json.loads(fresh.stdout)["plans"]["rows"]}
    assert months == {"2026-10"}  # 20:00 in Tokyo is 11:00 UTC, still October


def test_read_options_with_a_db_alone_are_said_unused(logs: Path) -> None:
    assert runner.invoke(app, ["load", "acme.csv", "--db", "w.duckdb", "-q"]).exit_code == 0
    result = runner.invoke(app, ["report", "--db", "w.duckdb", "--assign", "*=claude_pro",
                                 "--max-tokens", "100", "--source", "codex", "--timezone",
                                 "Europe/Berlin", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert ("note: no sources named, so nothing is read: --max-tokens, --source do not apply "
            "to the events --db w.duckdb holds") in result.stderr
    quiet = runner.invoke(app, ["report", "--db", "w.duckdb", "--assign", "*=claude_pro",
                                "--max-tokens", "100", "-q", "-f", "json"])
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_source_given_again_for_a_kept_file_is_said(logs: Path) -> None:
    assert runner.invoke(app, ["load", "acme.csv", "--db", "w.duckdb", "-q"]).exit_code == 0
    result = runner.invoke(app, ["report", "acme.csv", "--db", "w.duckdb", "--source", "codex",
                                 "--assign", "*=claude_pro", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert ("were kept as they were loaded then (--source: detected when loaded, codex now): "
            "options given apply to new or changed files only") in result.stderr


def test_whatif_with_nobody_on_a_plan_is_ancli_error(logs: Path) -> None:
    result = runner.invoke(app, ["whatif", "acme.csv", "-s", "pro_price_25_elastic"])
    assert result.exit_code == 2, result.output
    assert "no user is on a plan of the catalog (1 user(s) in the logs)" in result.stderr
    assert "--assign USER_GLOB=PLAN" in result.stderr


@pytest.mark.parametrize("command", ["whatif", "sweep", "optimize"])
def test_whatif_commands_say_aggregated_buckets(logs: Path, command: str) -> None:
    """Limit hits are what the replay computes: buckets make them approximate, said in the
    first table (also from a --db alone, and with --quiet)."""
    src = str(FIXTURES / "anthropic_usage" / "claude_code_report.json")
    assert runner.invoke(app, ["load", src, "--db", "an.duckdb", "-q"]).exit_code == 0
    doc = cli_json([*ANALYSES[command], "--db", "an.duckdb", "--assign", "*=claude_pro", "-q"])
    assert "are aggregated buckets of usage exports" in json.dumps(doc)
