"""The command line where its environment is odd (qa11C): stdout closed, a stream encoding
that cannot write every user id, COLUMNS=0, a DuckDB memory limit too small or not a size,
and generate's --out where no folder can be made. Each is one line and an exit code, never a
traceback. Run as processes: planalyzer.cli.main sets the streams up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def run(args: list[str], env: dict[str, str] | None = None, **kw: object
        ) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "planalyzer", *args], capture_output=True,
                          text=True, env=full, cwd=ROOT, timeout=120, **kw)  # type: ignore


@pytest.fixture()
def logs(tmp_path: Path) -> Path:
    path = tmp_path / "zh.csv"
    path.write_text("user_id,ts,model,input_tokens,output_tokens\n"
                    "张伟,2026-10-01T00:00:00Z,claude-sonnet-4-5,10,10\n", encoding="utf-8")
    return path


def test_closed_stdout_runs_and_says_the_output_is_discarded(logs: Path) -> None:
    full = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run(f'"{sys.executable}" -m planalyzer load "{logs}" >&-', shell=True,
                         capture_output=False, stderr=subprocess.PIPE, text=True, env=full,
                         cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    assert "standard output is closed; the command's output is discarded" in res.stderr


def test_stdout_encoding_without_the_characters_escapes_them(logs: Path) -> None:
    res = run(["report", str(logs), "--assign", "*=claude_pro", "--by", "user", "-f", "csv",
               "-q"], env={"PYTHONIOENCODING": "cp1252"})
    assert res.returncode == 0, res.stderr
    assert "\\u5f20\\u4f1f,2026-10,claude_pro" in res.stdout


def test_an_option_missing_its_value_points_at_the_commands_help() -> None:
    """click raises it without a context: the line named the top-level help (qa16C #10b)."""
    res = run(["whatif", "x", "--top"])
    assert res.returncode == 2
    assert res.stderr == ("error: Option '--top' requires an argument. (planalyzer whatif "
                          "--help for usage)\n")


def test_columns_zero_is_passed_over() -> None:
    res = run(["plans"], env={"COLUMNS": "0"})
    assert res.returncode == 0, res.stderr
    assert "claude_max_20x" in res.stdout


@pytest.mark.parametrize("limit", ["1KB", "50MB"])
def test_memory_limit_too_small_is_one_line(limit: str) -> None:
    res = run(["report", "sample_logs/parquet", "--no-fit", "-q"],
              env={"PLANALYZER_MEMORY_LIMIT": limit})
    assert res.returncode == 2
    assert res.stderr == (
        f"error: DuckDB ran out of memory under planalyzer's memory limit "
        f"(PLANALYZER_MEMORY_LIMIT={limit}): raise it, e.g. PLANALYZER_MEMORY_LIMIT=8GB, or "
        "analyse a shorter period (--month, --since)\n")


_PERIOD = ", or analyse a shorter period (--month, --since)"
_FEWER = (", or load fewer files at a time, or a large file in parts (a usage API export: its "
          "pages in files of their own)")


@pytest.mark.parametrize(("args", "advice"), [
    (["load"], _FEWER),  # load and costs take no --month or --since (qa18B #1)
    (["costs"], _FEWER),
    (["report", "--no-fit"], _PERIOD),
    (["whatif", "--scenario", "pro_price_25_elastic"], _PERIOD),
    (["sweep", "--grid", "plans.claude_pro.price_usd=20,25"], _PERIOD),
    (["optimize", "--grid", "plans.claude_pro.price_usd=20,25"], _PERIOD),
])
def test_memory_advice_names_only_the_commands_options(args: list[str], advice: str) -> None:
    res = run([*args[:1], "sample_logs/parquet", *args[1:], "-q"],
              env={"PLANALYZER_MEMORY_LIMIT": "1KB"})
    assert res.returncode == 2
    assert res.stderr == ("error: DuckDB ran out of memory under planalyzer's memory limit "
                          "(PLANALYZER_MEMORY_LIMIT=1KB): raise it, e.g. "
                          f"PLANALYZER_MEMORY_LIMIT=8GB{advice}\n")


def test_memory_advice_of_a_command_without_other_options(tmp_path: Path) -> None:
    """me reads one person's folders: raising the limit is all it can say."""
    claude = tmp_path / "claude" / "projects" / "p"
    claude.mkdir(parents=True)
    (claude / "s.jsonl").write_text(
        '{"type":"assistant","timestamp":"2026-10-01T00:00:00Z","sessionId":"s","message":'
        '{"id":"m1","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"output_tokens":5}}}'
        "\n", encoding="utf-8")
    res = run(["me", str(tmp_path / "claude"), "-q"], env={"PLANALYZER_MEMORY_LIMIT": "1KB"})
    assert res.returncode == 2
    assert res.stderr == ("error: DuckDB ran out of memory under planalyzer's memory limit "
                          "(PLANALYZER_MEMORY_LIMIT=1KB): raise it, e.g. "
                          "PLANALYZER_MEMORY_LIMIT=8GB\n")


@pytest.mark.parametrize("limit", ["-1GB", "lots", "2 G"])
def test_memory_limit_not_a_size(limit: str) -> None:
    res = run(["plans"], env={"PLANALYZER_MEMORY_LIMIT": limit})
    assert res.returncode == 0  # plans opens no store
    res = run(["report", "sample_logs/parquet", "--no-fit", "-q"],
              env={"PLANALYZER_MEMORY_LIMIT": limit})
    assert res.returncode == 2
    assert res.stderr == (f"error: PLANALYZER_MEMORY_LIMIT {limit!r}: write it like 2GB or "
                          "500MB\n")


def test_generate_out_under_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    res = run(["generate", "--users", "2", "--out", str(blocker / "pop")])
    assert res.returncode == 2
    assert res.stderr == (f"error: --out {blocker / 'pop'}: cannot create the folder (Not a "
                          "directory); choose a writable place\n")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_output_to_a_full_disk_is_one_line() -> None:
    """Exit 2, as other errors: not 1, which is a finding asked to fail on (a CI gate with
    --fail-if-unprofitable would read a full disk as unprofitable users)."""
    with open("/dev/full", "w", encoding="utf-8") as full:
        res = subprocess.run([sys.executable, "-m", "planalyzer", "plans"], stdout=full,
                             stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert res.returncode == 2
    assert res.stderr == "error: cannot write the output: no space left on its device\n"


def test_memory_limit_too_small_for_a_store_is_one_line(tmp_path: Path, logs: Path) -> None:
    """Setting the limit itself runs out of memory on a store that holds data: it was called
    badly written ('write it like 2GB')."""
    db = tmp_path / "s.duckdb"
    assert run(["load", str(logs), "--db", str(db), "-q"]).returncode == 0
    res = run(["report", "--db", str(db), "-q"], env={"PLANALYZER_MEMORY_LIMIT": "1KB"})
    assert res.returncode == 2
    assert "ran out of memory under planalyzer's memory limit (PLANALYZER_MEMORY_LIMIT=1KB)" \
        in res.stderr


def test_interrupt_after_the_load_committed_says_it_was_saved(
        tmp_path: Path, logs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from planalyzer import cli

    def stop(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "accounting_tables", stop)
    db = tmp_path / "s.duckdb"
    res = CliRunner().invoke(cli.app, ["load", str(logs), "--db", str(db)])
    assert res.exit_code == 130
    assert "interrupted after the load was saved (the --db file holds it)" in res.stderr
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM events").fetchall() == [(1,)]
    con.close()


# Ctrl-C while the named module imports (the first ~0.2 s: typer, rich, the library; or a
# module a command imports before its error handling), in a fresh process
_IMPORT_INTERRUPTED = """
import sys

class Finder:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == {name!r}:
            raise KeyboardInterrupt

sys.meta_path.insert(0, Finder)
sys.argv = ["planalyzer", *{args!r}]
from planalyzer.entry import main
main()
"""


@pytest.mark.parametrize(("name", "args"), [
    ("typer", ["plans"]),  # planalyzer.cli's imports, before main() runs
    ("planalyzer.source_checks", ["report", "sample_logs/csv"]),  # report's, in click
], ids=["start-up", "a command's imports"])
def test_ctrl_c_while_importing_is_one_line(name: str, args: list[str]) -> None:
    code = _IMPORT_INTERRUPTED.format(name=name, args=args)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert (res.returncode, res.stderr, res.stdout) == (130, "interrupted\n", "")
