"""Claude Code transcripts and Codex rollouts compressed by hand (``.jsonl.gz``, ``.jsonl.zst``:
old sessions kept from Claude Code's 30-day clean-up) are read decompressed: named, or found
in ``projects/`` or ``sessions/``, they load as their plain copies do. They loaded 0 rows with
exit 0 (the reader took the compressed bytes for lines without a type), and a walk passed
them over without a word (qa16B #2). A compressed transcript is read whole: a --db reload of
a changed one reads it again, never on from an offset into its compressed bytes."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, assert_balanced, cli_error

from planalyzer.store import LoadOptions, Store

CC = FIXTURES / "claude_code" / "single"
CODEX = FIXTURES / "codex" / "home"


def _compress(path: Path, how: str) -> Path:
    """Replace ``path`` by its compressed copy (``how``: gz or zst)."""
    out = path.with_name(path.name + "." + how)
    data = path.read_bytes()
    if how == "gz":
        out.write_bytes(gzip.compress(data))
    else:
        import pyarrow as pa

        with pa.output_stream(str(out), compression="zstd") as fh:
            fh.write(data)
    path.unlink()
    return out


def _figures(paths: list[Path], db: Path | None = None) -> tuple[Any, ...]:
    """Rows read/loaded/rejected/duplicates, lines skipped by kind, and the events' tokens."""
    with Store(db) as store:
        report = store.load([str(p) for p in paths], LoadOptions())
        files = [f for f in report.files if f.status != "unchanged"]
        skipped: dict[str, int] = {}
        for f in files:
            for kind, n in f.skipped_by_kind.items():
                skipped[kind] = skipped.get(kind, 0) + n
        tokens = store.con.execute(
            "SELECT count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), "
            "sum(cache_write_tokens) FROM events").fetchone()
        assert_balanced(store.con)
    return (sum(f.rows_read for f in files), sum(f.rows_loaded for f in files),
            sum(f.rows_rejected for f in files), sum(f.duplicates_dropped for f in files),
            skipped, tokens)


@pytest.mark.parametrize("how", ["gz", "zst"])
def test_compressed_claude_code_folder_loads_as_the_plain_one(tmp_path: Path, how: str) -> None:
    shutil.copytree(CC, tmp_path / "cc")
    for i, path in enumerate(sorted((tmp_path / "cc").rglob("*.jsonl"))):
        if i % 2 == 0:  # a folder of both: the older sessions compressed
            _compress(path, how)
    assert list((tmp_path / "cc").rglob(f"*.jsonl.{how}"))
    assert _figures([tmp_path / "cc"]) == _figures([CC])


def test_a_compressed_transcript_named_as_a_source_loads(tmp_path: Path) -> None:
    plain = sorted((CC / "projects").rglob("*.jsonl"))[0]
    shutil.copy(plain, tmp_path / plain.name)
    named = _compress(tmp_path / plain.name, "gz")
    got = _figures([named])
    assert got == _figures([plain]) and got[1] > 0  # it loaded 0 rows


def test_compressed_codex_rollouts_load_as_the_plain_ones(tmp_path: Path) -> None:
    shutil.copytree(CODEX, tmp_path / "codex")
    for path in (tmp_path / "codex").rglob("rollout-*.jsonl"):
        _compress(path, "gz")
    got = _figures([tmp_path / "codex"])
    assert got == _figures([CODEX]) and got[1] > 0
    named = next((tmp_path / "codex" / "sessions").rglob("rollout-*.jsonl.gz"))
    assert _figures([named])[1] > 0


def test_a_changed_compressed_transcript_is_read_again_whole(tmp_path: Path) -> None:
    shutil.copytree(CC, tmp_path / "cc")
    path = _compress(sorted((tmp_path / "cc").rglob("*.jsonl"))[0], "gz")
    db = tmp_path / "s.duckdb"
    first = _figures([tmp_path / "cc"], db)
    assert _figures([tmp_path / "cc"], db)[0] == 0  # unchanged: nothing read
    # the same lines and one more (recompressed): its bytes are no longer a prefix
    text = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(text + text.splitlines(keepends=True)[0]))
    with Store(db) as store:
        report = store.load([str(tmp_path / "cc")], LoadOptions())
        (changed,) = [f for f in report.files if f.status != "unchanged"]
        assert changed.status == "reloaded" and changed.read_offset is None
        n = store.con.execute("SELECT count(*) FROM events").fetchone()
        assert_balanced(store.con)
    assert n == (first[1],)  # the line added is a copy of a line kept: no new event


def test_a_compressed_transcript_cut_short_is_an_error(tmp_path: Path) -> None:
    shutil.copytree(CC, tmp_path / "cc")
    path = _compress(sorted((tmp_path / "cc").rglob("*.jsonl"))[0], "gz")
    path.write_bytes(path.read_bytes()[:-30])
    err = cli_error(["load", str(tmp_path / "cc")])
    assert f"{path}: a gzip file that is cut short or corrupt" in err


def test_compressed_bytes_under_a_transcript_name_are_an_error(tmp_path: Path) -> None:
    shutil.copytree(CC, tmp_path / "cc")
    path = sorted((tmp_path / "cc").rglob("*.jsonl"))[0]
    path.write_bytes(gzip.compress(path.read_bytes()))
    err = cli_error(["load", str(tmp_path / "cc")])
    assert f"{path}: gzip-compressed data, though named .jsonl; rename it to " \
           f"{path.name}.gz" in err
    rollout = next(CODEX.rglob("rollout-*.jsonl"))
    (tmp_path / rollout.name).write_bytes(gzip.compress(rollout.read_bytes()))
    err = cli_error(["load", str(tmp_path / rollout.name), "--source", "codex"])
    assert "gzip-compressed data, though named .jsonl" in err


def test_a_store_listed_by_an_older_planalyzer_finds_compressed_transcripts(
        tmp_path: Path) -> None:
    """Folder listings an older planalyzer kept name .jsonl files only: a folder unchanged
    since would be replayed without its .jsonl.gz. Such a store (no listing setting) has its
    folders listed afresh once, and the setting recorded."""
    import os
    import time

    shutil.copytree(CC, tmp_path / "cc")
    path = _compress(sorted((tmp_path / "cc").rglob("*.jsonl"))[0], "gz")
    past = time.time_ns() - 60 * 10**9  # listings of folders this old are trusted
    for folder, _dirs, files in os.walk(tmp_path / "cc"):
        for name in [*files, "."]:
            os.utime(os.path.join(folder, name), ns=(past, past))
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load([str(tmp_path / "cc")])
        # as an older planalyzer left it: no .gz in its listing, no setting, no rows of it
        store.con.execute("UPDATE folder_listings SET files = replace(files, $n, '')",
                          {"n": path.name})
        store.con.execute("DELETE FROM store_settings WHERE name = 'folder_listings'")
        store.con.execute("DELETE FROM events WHERE source = $s", {"s": str(path)})
        store.con.execute("DELETE FROM load_manifest WHERE source = $s", {"s": str(path)})
    with Store(db) as store:
        report = store.load([str(tmp_path / "cc")])
        assert [f.source for f in report.files if f.status == "loaded"] == [str(path)]
        assert store.con.execute("SELECT value FROM store_settings WHERE name = "
                                 "'folder_listings'").fetchall() == [
            (".jsonl .jsonl.gz .jsonl.zst",)]
        assert store.con.execute("SELECT count(*) FROM folder_listings WHERE contains("
                                 "files, $n)", {"n": path.name}).fetchone() == (1,)
