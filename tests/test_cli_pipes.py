"""Standard output into a pipe its reader has closed (`planalyzer report ... | head -1`): every
command that prints tables ends quietly with exit code 141 (128 + SIGPIPE, as a shell reports
for `seq 1000000 | head -1`), no traceback and no message; typer and rich would make it exit
code 1, which means a finding asked to fail on (planalyzer.cli_pipes). Run as processes whose
stdout is a pipe closed before they start, so every write fails, whatever the timing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SMALL = "tests/fixtures/report_small.csv"


def run_closed(args: list[str]) -> subprocess.CompletedProcess[str]:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the command writes a byte
    try:
        return subprocess.run([sys.executable, "-m", "planalyzer", *args], stdout=write,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=300,
                              env={**os.environ, "PYTHONPATH": str(ROOT), "TZ": "UTC"})
    finally:
        os.close(write)


@pytest.mark.parametrize("args", [
    ["load", SMALL],
    ["report", SMALL, "--no-fit"],
    ["report", SMALL, "--no-fit", "-f", "json"],
    ["report", SMALL, "--no-fit", "-f", "csv", "--fail-if-unprofitable"],
    ["costs"],
    ["whatif", SMALL, "--scenario", "max20x_weekly_cap_overage"],
    ["me", "--claude-dir", "tests/fixtures/claude_code/single", "-q"],
    ["plans", "-f", "markdown"],
    ["map", "sample_logs/csv"],
])
def test_a_closed_pipe_ends_quietly(args: list[str]) -> None:
    res = run_closed(args)
    assert res.returncode == 141, res.stderr
    assert "Traceback" not in res.stderr and "Error" not in res.stderr
    assert "Exception ignored" not in res.stderr


def test_a_load_into_a_store_is_kept(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    assert run_closed(["load", SMALL, "--db", str(db)]).returncode == 141
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM events").fetchall()[0][0] > 0
    finally:
        con.close()


def test_pipe_guard_passes_the_stream_through() -> None:
    import io

    from planalyzer.cli_pipes import OutputClosed, PipeGuard

    buf = io.StringIO()
    guard = PipeGuard(buf)
    guard.writelines(["a\n", "b\n"])
    assert guard.write("c") == 1 and guard.getvalue() == "a\nb\nc"

    class Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(OutputClosed):
        PipeGuard(Closed()).write("x")
