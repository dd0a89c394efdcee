"""Inputs that used to load nothing without a word, or with a misleading error: a `--source`
that does not fit the file, and empty files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, cli_error, cli_json, write_csv, write_parquet
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.errors import InputError
from planalyzer.store import LoadOptions, Store

runner = CliRunner()
HEADER = ["user_id", "ts", "model", "input_tokens", "output_tokens"]
ROWS = [["u1", "2026-10-01T00:00:00Z", "claude-sonnet-4-5", 10, 5],
        ["u2", "2026-10-02T00:00:00Z", "claude-sonnet-4-5", 20, 7]]
CODEX_ROLLOUT = next((FIXTURES / "codex" / "home" / "sessions").rglob("rollout-*.jsonl"))


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "good.csv", HEADER, ROWS)
    return tmp_path






# -- a --source that does not fit -----------------------------------------------------------

def test_transcript_source_on_a_csv_is_ancli_error(here: Path) -> None:
    err = cli_error(["load", "good.csv", "--source", "codex"])
    assert err == (f"error: {here / 'good.csv'}: --source codex found no usable rows in it (it "
                   "looks like a table of rows: give --source tabular, or omit --source to "
                   "detect each file's format)")


def test_transcript_source_on_a_parquet_file_is_ancli_error(here: Path) -> None:
    write_parquet(here / "p.parquet", [dict(zip(HEADER, r, strict=True)) for r in ROWS])
    err = cli_error(["load", "p.parquet", "--source", "claude-code"])
    assert "p.parquet: --source claude-code found no usable rows in it" in err


def test_source_suggested_from_the_content(here: Path) -> None:
    shutil.copy(CODEX_ROLLOUT, here / "rollout.jsonl")
    err = cli_error(["load", "rollout.jsonl", "--source", "claude-code"])
    assert "(it looks like codex logs: give --source codex, or omit --source" in err


def test_wrong_source_in_a_library_load_is_an_inputcli_error(here: Path) -> None:
    with Store() as store, pytest.raises(InputError, match="--source codex found no usable"):
        store.load([str(here / "good.csv")], LoadOptions(source="codex"))
    with Store() as store:  # nothing was kept: the load is one transaction
        assert store.events_count() == 0


def test_wrong_source_beside_a_fitting_file_is_a_note(here: Path) -> None:
    shutil.copy(CODEX_ROLLOUT, here / "rollout.jsonl")
    doc = cli_json(["load", "rollout.jsonl", "good.csv", "--source", "codex"])
    acct = doc["load_accounting"]
    assert isinstance(acct, dict)
    assert any(n.startswith(f"{here / 'good.csv'}: --source codex found no usable rows")
               for n in acct["notes"])


def test_transcript_without_usage_under_its_own_source_is_fine(here: Path) -> None:
    line = {"parentUuid": None, "sessionId": "s1", "type": "user", "uuid": "u0",
            "timestamp": "2026-10-01T09:00:00.000Z", "message": {"role": "user",
                                                                  "content": "hi"}}
    (here / "s1.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    doc = cli_json(["load", "s1.jsonl", "--source", "claude-code"])
    acct = doc["load_accounting"]
    assert isinstance(acct, dict)
    assert not any("found no usable rows" in n for n in acct["notes"])


# -- empty files ----------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "content"), [
    ("empty.csv", b""), ("empty.jsonl", b""), ("empty.parquet", b""), ("blank.csv", b"\n \n"),
])
def test_empty_file_is_an_error_saying_so(here: Path, name: str, content: bytes) -> None:
    (here / name).write_bytes(content)
    err = cli_error(["load", name])
    assert err == (f"error: {here / name}: file is empty (no header, no rows); remove it from "
                   "the sources, or re-export it")


def test_header_only_csv_loads_no_rows(here: Path) -> None:
    write_csv(here / "header.csv", HEADER, [])
    assert runner.invoke(app, ["load", "header.csv"]).exit_code == 0


@pytest.mark.parametrize(("specs", "user", "user_map", "said"), [
    (["good.csv"], "bob", {}, ["--user bob: not used"]),
    ([str(FIXTURES / "claude_code" / "users")], "bob", {"alice": "a@x", "carol": "c@x"},
     ["--user bob: not used", "map them with --user-map",
      "--user-map: no users' folder named carol was loaded"]),
    ([str(FIXTURES / "claude_code" / "single")], "bob", {}, []),
    ([str(FIXTURES / "claude_code" / "users")], None, {"alice": "a@x", "bob": "b@x"}, []),
])
def test_unused_user_options_are_said(here: Path, specs: list[str], user: str | None,
                                      user_map: dict[str, str], said: list[str]) -> None:
    with Store() as store:
        report = store.load(specs, LoadOptions(user_id=user, user_map=user_map))
    notes = " | ".join(report.notes)
    for text in said:
        assert text in notes
    if not said:
        assert "--user" not in notes


# -- paths that name nothing usable ----------------------------------------------------------


def test_empty_source_path_is_an_error(here: Path) -> None:
    # '' would be the working folder (an unset $DIR): never loaded as such
    assert "empty source path" in cli_error(["load", ""])
    with pytest.raises(InputError, match="empty source path"):
        Store().load([" "])


def test_dangling_symlink_in_a_folder_is_skipped_with_a_note(here: Path) -> None:
    folder = here / "exports"
    folder.mkdir()
    shutil.copy(here / "good.csv", folder / "a.csv")
    (folder / "b.csv").symlink_to(here / "gone.csv")
    report = Store().load([str(folder)])
    assert report.rows_loaded == 2
    assert any("symbolic link" in n and "b.csv" in n for n in report.notes), report.notes
    # in a transcript folder too (the walk could not stat it)
    projects = here / "cc" / "projects" / "p"
    projects.mkdir(parents=True)
    shutil.copy(next((FIXTURES / "claude_code" / "loose").glob("*.jsonl")), projects / "s.jsonl")
    (projects / "dead.jsonl").symlink_to(here / "gone.jsonl")
    report = Store().load([str(here / "cc")])
    assert report.rows_loaded == 1
    assert any("dead.jsonl" in n for n in report.notes), report.notes


def test_dangling_symlink_through_a_glob(here: Path) -> None:
    (here / "b.csv").symlink_to(here / "gone.csv")
    out = cli_json(["load", str(here / "*.csv")])
    assert out["usage_summary"]["rows"]  # the good file loaded; no traceback


def test_claude_code_transcript_opening_with_queue_operations() -> None:
    one = next((FIXTURES / "claude_code" / "loose").glob("*.jsonl"))
    for spec in (one, one.parent):  # outside a projects/ folder: recognised by content
        store = Store()
        report = store.load([str(spec)])
        assert report.files[0].format == "claude-code"
        assert store.con.execute("SELECT input_tokens, cache_read_tokens, output_tokens "
                                 "FROM events").fetchall() == [(10, 300, 20)]
