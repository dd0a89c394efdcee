"""Paths a load cannot read as files: a pipe (FIFO) in a folder or named as the source, a file
deleted while the load runs, a file or folder without read permission. Each is passed over
with a note or is a one-line error saying what it is; none hangs, none is called empty."""

from __future__ import annotations

import errno
import os
import pathlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, cli_error, write_csv

from planalyzer.errors import InputError
from planalyzer.sources import base, registry
from planalyzer.store import Store

HEADER = ["user_id", "ts", "model", "input_tokens", "output_tokens"]
ROWS = [["u1", "2026-10-01T00:00:00Z", "claude-sonnet-4-5", 10, 5],
        ["u2", "2026-10-02T00:00:00Z", "claude-sonnet-4-5", 20, 7]]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_csv(tmp_path / "logs" / "a.csv", HEADER, ROWS)
    return tmp_path / "logs"


def _resolved(specs: list[str]) -> tuple[list[str], list[str]]:
    passed: list[str] = []
    found = registry.resolve(specs, broken=[], passed=passed)
    return [Path(f.key).name for f in found], passed


# -- pipes ------------------------------------------------------------------------------------

def test_fifo_in_a_folder_is_passed_over_with_a_note(folder: Path) -> None:
    os.mkfifo(folder / "x.jsonl")  # opening it would block until a writer came
    os.mkfifo(folder / "y.csv")
    names, passed = _resolved([str(folder)])  # the walk itself opens nothing
    assert names == ["a.csv"]
    assert sorted(Path(p.partition(": ")[0]).name for p in passed) == ["x.jsonl", "y.csv"]
    assert all("a pipe (FIFO), not a regular file" in p for p in passed)
    # and the whole load, in a process that cannot outlive the test
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "planalyzer", "load", str(folder)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert "x.jsonl: not read: a pipe (FIFO), not a regular file; copy its content" in \
        " ".join(done.stdout.split())


def test_fifo_in_a_transcript_folder_and_through_a_glob(tmp_path: Path) -> None:
    projects = tmp_path / "cc" / "projects" / "p"
    projects.mkdir(parents=True)
    shutil.copy(next((FIXTURES / "claude_code" / "loose").glob("*.jsonl")), projects / "s.jsonl")
    os.mkfifo(projects / "f.jsonl")
    names, passed = _resolved([str(tmp_path / "cc")])
    assert names == ["s.jsonl"]
    assert len(passed) == 1 and "f.jsonl: a pipe (FIFO)" in passed[0]
    # a --db store's remembered listing: the rerun passes it over too
    store = Store(tmp_path / "s.duckdb")
    for _ in range(2):
        report = store.load([str(tmp_path / "cc")])
        assert any("f.jsonl: not read: a pipe" in n for n in report.notes), report.notes
    store.close()
    names, passed = _resolved([str(projects / "*.jsonl")])
    assert names == ["s.jsonl"] and "f.jsonl: a pipe (FIFO)" in passed[0]


def test_a_pipe_named_as_the_source_is_an_error(tmp_path: Path) -> None:
    # `cat x.csv | planalyzer load /dev/stdin`, `load <(zcat x.csv.gz)`: read once, then gone
    r, w = os.pipe()
    os.write(w, b"user_id,ts,model,input_tokens,output_tokens\n")
    os.close(w)
    try:
        err = cli_error(["load", f"/dev/fd/{r}", "--input-format", "csv"])
    finally:
        os.close(r)
    assert err == (f"error: /dev/fd/{r}: a pipe (FIFO), not a file or folder; write it to a "
                   "file first (planalyzer reads files it can re-read and hash) and load that")
    fifo = tmp_path / "named"
    os.mkfifo(fifo)
    assert "a pipe (FIFO), not a file or folder" in cli_error(["report", str(fifo)])


# -- a file deleted while loading --------------------------------------------------------------

def test_a_file_deleted_while_loading_says_so(folder: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    write_csv(folder / "b.csv", HEADER, ROWS)
    resolve = registry.resolve

    def listed_then_deleted(*args: Any, **kwargs: Any) -> Any:
        found = resolve(*args, **kwargs)
        (folder / "b.csv").unlink()  # a rotating export, Claude Code's 30-day cleanup
        return found

    monkeypatch.setattr(registry, "resolve", listed_then_deleted)
    with pytest.raises(InputError) as exc:
        Store().load([str(folder)])
    assert str(exc.value) == (f"{folder / 'b.csv'}: disappeared while loading (deleted or moved "
                              "since the folder was listed); rerun the load")


def test_access_error_after_a_reader_failed(tmp_path: Path) -> None:
    # DuckDB's own read error on a vanished file is not about its content either
    err = base.access_error(str(tmp_path / "gone.parquet"))
    assert err is not None and "disappeared while loading" in str(err)
    write_csv(tmp_path / "here.csv", HEADER, ROWS)
    assert base.access_error(str(tmp_path / "here.csv")) is None


# -- no read permission (simulated: the tests may run as root, whom chmod does not stop) ------

@pytest.fixture
def denied(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    """Paths (and everything below them) that behave as chmod 000 for a non-root user."""
    paths: set[str] = set()

    def is_denied(p: object) -> bool:
        s = os.fspath(p)  # type: ignore[call-overload]
        s = s.decode() if isinstance(s, bytes) else s
        return any(s == d or s.startswith(d + os.sep) for d in paths)

    def refuse(p: object) -> OSError:
        return PermissionError(errno.EACCES, "Permission denied", os.fspath(p))  # type: ignore[call-overload]

    real_open = base.open_bytes
    real_scandir = os.scandir
    real_is_dir = pathlib.Path.is_dir

    def open_bytes(path: Path) -> Any:
        if is_denied(path):
            raise refuse(path)
        return real_open(path)

    def scandir(p: Any = ".") -> Any:
        if is_denied(p):
            raise refuse(p)
        return real_scandir(p)

    def is_dir(self: Path) -> bool:
        if is_denied(self.parent):  # a stat below a folder without permission
            raise refuse(self)
        return real_is_dir(self)

    monkeypatch.setattr(base, "open_bytes", open_bytes)
    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(pathlib.Path, "is_dir", is_dir)
    yield paths


def test_a_file_without_read_permission_says_so(folder: Path, denied: set[str]) -> None:
    write_csv(folder / "b.csv", HEADER, ROWS)
    denied.add(str(folder / "b.csv"))
    err = cli_error(["load", str(folder)])
    assert err == (f"error: {folder / 'b.csv'}: cannot be read (permission denied): check its "
                   "permissions (chmod), or leave it out")


def test_a_subfolder_without_permission_is_passed_over(folder: Path, denied: set[str]) -> None:
    write_csv(folder / "sub" / "c.csv", HEADER, ROWS)
    denied.add(str(folder / "sub"))
    report = Store().load([str(folder)])
    assert report.rows_loaded == 2  # a.csv; sub/ passed over, no traceback
    assert any(n.endswith("sub: not read: a folder that cannot be listed (permission denied); "
                          "check its permissions") for n in report.notes), report.notes
    err = cli_error(["load", str(folder / "sub")])
    assert err == (f"error: {folder / 'sub'}: a folder that cannot be listed (permission "
                   "denied): check its permissions")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_real_permissions(folder: Path) -> None:  # pragma: no cover - only as a normal user
    write_csv(folder / "b.csv", HEADER, ROWS)
    write_csv(folder / "sub" / "c.csv", HEADER, ROWS)
    (folder / "b.csv").chmod(0)
    try:
        assert "b.csv: cannot be read (permission denied)" in cli_error(["load", str(folder)])
        (folder / "b.csv").chmod(0o644)
        (folder / "sub").chmod(0)
        report = Store().load([str(folder)])
        assert any("cannot be listed" in n for n in report.notes)
    finally:
        (folder / "b.csv").chmod(0o644)
        (folder / "sub").chmod(0o755)


# -- symbolic links to folders ------------------------------------------------------------------

def test_a_linked_subfolder_is_passed_over_with_a_note(folder: Path, tmp_path: Path) -> None:
    # exports/2026-10 -> /mnt/...: the walk does not enter it (qa16B #8); said, never silent
    write_csv(tmp_path / "elsewhere" / "x.csv", HEADER, [[u + "x", *r] for u, *r in ROWS])
    (folder / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (folder / "loop").symlink_to(folder, target_is_directory=True)  # into the folder: silent
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to(folder / "sub", target_is_directory=True)
    report = Store().load([str(folder)])
    assert report.rows_loaded == 2  # a.csv only
    linked = [n for n in report.notes if "symbolic link to a folder" in n]
    assert linked == [f"{folder / 'linked'}: not read: a symbolic link to a folder "
                      f"({(tmp_path / 'elsewhere').resolve()}), which a walk does not enter "
                      "(a link may loop or repeat another folder); name that folder as a "
                      "source too to read it"], report.notes
    both = Store().load([str(folder), str(tmp_path / "elsewhere")])
    assert both.rows_loaded == 4  # its target named too: read, and no note
    assert not [n for n in both.notes if "symbolic link to a folder" in n], both.notes
