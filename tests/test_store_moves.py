"""A --db store's files that moved or whose original is gone (QA 13A #4, #6): a renamed folder
takes its rows with it (re-read where the values the rows take from the path changed), and a
byte copy on disk takes over the rows of a gone original; the store ends as a cold load of the
folder as it is now."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import assert_balanced, cli_json, write_csv

from planalyzer.manifest import path_values
from planalyzer.store import Store

HEAD = ["ts", "user_id", "model", "input_tokens", "output_tokens"]
ROWS = [["2026-10-01T09:00:00Z", "alice", "claude-sonnet-4-5", 1000, 200],
        ["2026-10-02T09:00:00Z", "bob", "gpt-5", 3000, 400]]
EXTRA = "2026-10-03T09:00:00Z,carol,gpt-5,10,10\n"


def _totals(store: Store) -> tuple[object, ...]:
    row = store.con.execute("SELECT count(*), sum(input_tokens), sum(output_tokens), "
                            "string_agg(DISTINCT user_id, ',' ORDER BY user_id) "
                            "FROM events").fetchone()
    assert row is not None
    return tuple(row)


def _cold(root: Path) -> tuple[object, ...]:
    with Store() as store:
        store.load(root)
        return _totals(store)


def _balanced(db: Path) -> None:
    """read = loaded + rejected + duplicates per manifest row; events per source as counted;
    no event of a file the manifest does not know."""
    with Store(db, read_only=True) as store:
        assert_balanced(store.con)


def test_path_values_are_the_folders_that_can_fill_a_column() -> None:
    assert path_values("/l/month=2026-10/input_tokens=5/usage.csv") == ()
    assert path_values("/l/user=alice/month=10/x.csv") == ("user_id=alice",)
    assert path_values("/l/user_id=bob/plan=pro/user_id=alice/x.csv") == (
        "plan=pro", "user_id=alice")


@pytest.mark.parametrize(("before", "after"), [
    ("month=2026-10", "month=10"),  # a folder the loader ignores
    ("oct", "october"),
    ("user=alice", "user_id=alice"),  # the same value under another spelling
])
def test_a_renamed_folder_whose_values_no_row_takes_is_a_move(
        tmp_path: Path, before: str, after: str) -> None:
    root = tmp_path / "logs"
    write_csv(root / before / "usage.csv", HEAD, ROWS)
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load(root)
    (root / before).rename(root / after)
    with Store(db) as store:
        report = store.load(root)
        got = _totals(store)
    assert [fl.status for fl in report.files] == ["unchanged"]
    assert any("taken as moved" in n for n in report.notes), report.notes
    assert not any("gone from disk;" in n for n in report.notes)
    assert got == _cold(root) == (2, 4000, 600, "alice,bob")
    _balanced(db)


@pytest.mark.parametrize(("before", "after"), [
    ("user_id=alcie", "user_id=alice"),  # a typo fixed
    ("user_id=alice", "user_id=Alice"),
])
def test_a_moved_file_whose_folder_gives_another_user_is_read_again(
        tmp_path: Path, before: str, after: str) -> None:
    root = tmp_path / "logs"
    write_csv(root / before / "u.csv", HEAD[:1] + HEAD[2:], [[r[0], *r[2:]] for r in ROWS])
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load(root)
    (root / before).rename(root / after)
    with Store(db) as store:
        report = store.load(root)
        got = _totals(store)
        sources = store.sources()
    assert [fl.status for fl in report.files] == ["reloaded"]
    old, new = before.split("=")[1], after.split("=")[1]
    assert any(f"moved, and its user_id changed from {old} to {new}" in n
               and "re-read" in n for n in report.notes), report.notes
    assert not any("gone from disk;" in n for n in report.notes)
    assert got == _cold(root) == (2, 4000, 600, new)
    assert sources == [str(root / after / "u.csv")]
    _balanced(db)


def test_a_moved_file_with_its_own_user_column_is_read_again_to_the_same_rows(
        tmp_path: Path) -> None:
    # the folder could give the rows a user; here the file's column wins: the same rows
    root = tmp_path / "logs"
    write_csv(root / "user_id=x" / "u.csv", HEAD, ROWS)
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load(root)
    (root / "user_id=x").rename(root / "user_id=y")
    with Store(db) as store:
        report = store.load(root)
        got = _totals(store)
    assert [fl.status for fl in report.files] == ["reloaded"]
    assert got == _cold(root) == (2, 4000, 600, "alice,bob")
    _balanced(db)


def test_cli_a_typo_fixed_in_a_user_folder_counts_once(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    write_csv(root / "month=2026-10" / "user_id=alcie" / "u.csv", HEAD[:1] + HEAD[2:],
              [[r[0], *r[2:]] for r in ROWS])
    db = str(tmp_path / "u.duckdb")
    cli_json(["load", str(root), "--db", db])
    (root / "month=2026-10").rename(root / "month=10")
    (root / "month=10" / "user_id=alcie").rename(root / "month=10" / "user_id=alice")
    doc = cli_json(["load", str(root), "--db", db])
    cold = cli_json(["load", str(root)])
    assert doc["usage_summary"]["rows"] == cold["usage_summary"]["rows"]
    assert doc["usage_summary"]["rows"][0]["requests"] == 2
    notes = " ".join(doc["load_accounting"]["notes"])
    assert "its user_id changed from alcie to alice" in notes
    assert "gone from disk;" not in notes


def _copies(root: Path, header: list[str], rows: list[list[object]],
            n: int = 1) -> tuple[Path, list[Path]]:
    original = write_csv(root / "usage.csv", header, rows)
    copies = [root / f"usage ({i}).csv" for i in range(1, n + 1)]
    for c in copies:
        shutil.copyfile(original, c)
    return original, copies


@pytest.mark.parametrize("with_ids", [False, True])
def test_a_byte_copy_takes_over_the_rows_of_its_gone_original(
        tmp_path: Path, with_ids: bool) -> None:
    root = tmp_path / "dl"
    header = ["event_id", *HEAD] if with_ids else HEAD
    rows = [[f"e{i}", *r] for i, r in enumerate(ROWS)] if with_ids else ROWS
    original, (copy,) = _copies(root, header, rows)
    db = tmp_path / "s.duckdb"
    with Store(db) as store:  # the original first, then the copy: its rows are dropped
        store.load(original)
    with Store(db) as store:
        first = store.load(root)
    assert (first.rows_loaded, first.duplicates_dropped) == (0, 2)
    original.unlink()
    with Store(db) as store:  # the original is gone: its rows pass to the copy
        report = store.load(root)
        got = _totals(store)
        sources = store.sources()
    assert any("the copy takes over their rows" in n and "usage (1).csv" in n
               for n in report.notes), report.notes
    assert not any("gone from disk;" in n for n in report.notes)
    assert sources == [str(copy)]
    assert got == _cold(root) == (2, 4000, 600, "alice,bob")
    _balanced(db)
    with copy.open("a") as fh:  # a newer export in its place: its rows replace the old ones
        fh.write(("e9," if with_ids else "") + EXTRA)
    with Store(db) as store:
        report = store.load(root)
        got = _totals(store)
    assert [fl.status for fl in report.files] == ["reloaded"]
    assert got == _cold(root) == (3, 4010, 610, "alice,bob,carol")
    _balanced(db)


def test_cli_original_deleted_and_copy_replaced_in_one_go(tmp_path: Path) -> None:
    # the QA repro: usage.csv + "usage (1).csv"; usage.csv deleted and the copy replaced by a
    # newer export before the next load: 5 requests (the old rows twice), a cold load 3
    root = tmp_path / "dl"
    original, (copy,) = _copies(root, HEAD, ROWS)
    db = str(tmp_path / "u.duckdb")
    cli_json(["load", str(root), "--db", db])
    original.unlink()
    with copy.open("a") as fh:
        fh.write(EXTRA)
    doc = cli_json(["load", str(root), "--db", db])
    cold = cli_json(["load", str(root)])
    assert doc["usage_summary"]["rows"] == cold["usage_summary"]["rows"]
    assert doc["usage_summary"]["rows"][0]["requests"] == 3
    assert "the copy takes over their rows" in " ".join(doc["load_accounting"]["notes"])
    _balanced(Path(db))


def test_of_two_copies_the_shorter_name_takes_over(tmp_path: Path) -> None:
    root = tmp_path / "dl"
    original, (one, two) = _copies(root, HEAD, ROWS, n=2)
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load(root)
    original.unlink()
    with Store(db) as store:
        store.load(root)
        held = store.con.execute("SELECT source, rows_loaded, duplicates_dropped "
                                 "FROM load_manifest ORDER BY source").fetchall()
    assert held == [(str(one), 2, 0), (str(two), 0, 2)]
    with two.open("a") as fh:  # the other copy grows: a file of its own now
        fh.write(EXTRA)
    with Store(db) as store:
        store.load(root)
        got = _totals(store)
    assert got == _cold(root) == (5, 8010, 1210, "alice,bob,carol")
    _balanced(db)


def test_an_original_on_disk_keeps_its_rows(tmp_path: Path) -> None:
    # only the copy is named: the original is not gone, nothing passes
    root = tmp_path / "dl"
    original, (copy,) = _copies(root, HEAD, ROWS)
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load(root)
    with Store(db) as store:
        report = store.load(copy)
        held = store.con.execute("SELECT source, rows_loaded FROM load_manifest "
                                 "ORDER BY source").fetchall()
    assert not any("takes over" in n for n in report.notes)
    assert held == [(str(copy), 0), (str(original), 2)]
