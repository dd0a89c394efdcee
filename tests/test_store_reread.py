"""A --db store over its life: files read again keep the options they were loaded with, the
store keeps one dedupe key, moved files take over their rows, copies need a kept original."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import assert_balanced, cli_error, cli_json, write_csv

from planalyzer.accounting import display_path
from planalyzer.errors import InputError, StrictModeError
from planalyzer.sources.mapping import MappingSpec
from planalyzer.store import LoadOptions, Store

NY = "America/New_York"
HEAD = ["event_id", "ts", "user_id", "model", "input_tokens", "output_tokens"]
FIXTURES = Path(__file__).parent / "fixtures"


def _alice(n: int) -> list[list[object]]:
    return [[f"e{i}", f"2026-10-31 22:{i:02d}:00", "alice", "claude-sonnet-4-5", 1000, 100 + i]
            for i in range(n)]


def _two_folders(root: Path, user_col: str = "account") -> tuple[Path, Path]:
    """X/a.csv: alice's e0..e19; Y/b.csv: copies of e0..e9 and bob's f0..f9 (23:0x local),
    its user column named ``user_col``."""
    a = write_csv(root / "X" / "a.csv", HEAD, _alice(20))
    bob = [[f"f{i}", f"2026-10-31 23:{i:02d}:00", "bob", "claude-sonnet-4-5", 2000, 200 + i]
           for i in range(10)]
    write_csv(root / "Y" / "b.csv", [*HEAD[:2], user_col, *HEAD[3:]], _alice(10) + bob)
    return a, root / "Y" / "b.csv"


def _append(path: Path, line: str) -> None:
    with path.open("a") as fh:
        fh.write(line + "\n")


def _events(db: Path) -> list[tuple[object, ...]]:
    with Store(db, read_only=True) as store:
        return store.con.execute(
            "SELECT event_id, user_id, ts::VARCHAR, input_tokens, output_tokens FROM events "
            "ORDER BY event_id").fetchall()


def _balanced(db: Path) -> None:
    """read = loaded + rejected + duplicates per manifest row; events and rejected rows per
    source as the manifest counts them (the checks QA's chk.py makes)."""
    with Store(db, read_only=True) as store:
        assert_balanced(store.con)


def test_unchanged_file_read_again_for_the_dedupe_keeps_its_timezone_and_map(
        tmp_path: Path) -> None:
    # qa9C #1a/b: a.csv changes; b.csv (unchanged, not named) is read again for the dedupe
    a, b = _two_folders(tmp_path / "logs")
    db, fresh = tmp_path / "s.duckdb", tmp_path / "fresh.duckdb"
    with Store(db) as store:
        store.load(a.parent, LoadOptions(timezone=NY))
        store.load(b.parent, LoadOptions(timezone=NY,
                                         mapping=MappingSpec({"user_id": "account"})))
    _append(a, "e100,2026-10-31 21:00:00,alice,claude-sonnet-4-5,1000,5")
    with Store(db) as store:  # the nightly load: no options (it once failed on b's map)
        report = store.load(a.parent)
    assert {fl.source: fl.status for fl in report.files} == {str(a): "reloaded",
                                                            str(b): "reloaded"}
    assert any("with the options they were loaded with (--timezone, --map/--mapping)" in n
               for n in report.notes)
    with Store(fresh) as store:  # a fresh load of the same files with the same options
        store.load(a.parent, LoadOptions(timezone=NY))
        store.load(b.parent, LoadOptions(timezone=NY,
                                         mapping=MappingSpec({"user_id": "account"})))
    got = _events(db)
    assert got == _events(fresh)
    assert ("f0", "bob", "2026-11-01 03:00:00+00", 2000, 200) in got  # not moved into October
    assert ("e100", "alice", "2026-11-01 01:00:00+00", 1000, 5) in got  # a's own timezone
    _balanced(db)


def test_changed_file_takes_an_option_given_now_and_the_recorded_others(tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", HEAD, _alice(2))
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load(a, LoadOptions(timezone=NY, max_tokens=10_000))
    _append(a, "e9,2026-10-31 21:00:00,alice,claude-sonnet-4-5,20000,5")
    with Store(db) as store:  # no --max-tokens: the recorded bound rejects the new row
        assert store.load(a, LoadOptions(timezone="Europe/Paris")).rows_rejected == 1
    # the timezone given now applies to the changed file: 22:00 in Paris is 21:00 UTC
    assert _events(db)[0] == ("e0", "alice", "2026-10-31 21:00:00+00", 1000, 100)


def test_max_tokens_recorded_for_a_file_read_again(tmp_path: Path) -> None:
    a, b = _two_folders(tmp_path / "logs", user_col="user_id")
    _append(b, "g1,2026-10-31 23:30:00,bob,claude-sonnet-4-5,50000,1")
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load([a, b], LoadOptions(max_tokens=100_000))
    _append(a, "e100,2026-10-31 21:00:00,alice,claude-sonnet-4-5,1000,5")
    with Store(db) as store:
        report = store.load(a, LoadOptions(max_tokens=1_000))
    assert report.rows_rejected == 0  # b.csv's g1 fits its own bound (and a's bound is given)
    assert ("g1", "bob", "2026-10-31 23:30:00+00", 50000, 1) in _events(db)
    _balanced(db)


def test_a_store_keeps_one_dedupe_key(tmp_path: Path) -> None:
    # qa9C #1c: rerun without --dedupe-on brought the 50 dropped copies back
    logs = tmp_path / "logs"
    rows = [["2026-10-12 10:00:00", "carol", "claude-sonnet-4-5", 1, i] for i in range(3)]
    p = write_csv(logs / "p.csv", HEAD[1:], rows)
    write_csv(logs / "q.csv", HEAD[1:], rows[:2])
    db = tmp_path / "s.duckdb"
    key = ("user_id", "ts", "model")
    with Store(db) as store:
        assert store.load(logs, LoadOptions(dedupe_on=key)).rows_loaded == 1
    _append(p, "2026-10-12 11:00:00,carol,claude-sonnet-4-5,1,1")
    with Store(db) as store, pytest.raises(InputError) as err:
        store.load(logs, LoadOptions(dedupe_on=("user_id", "ts")))
    assert "deduplicated on user_id,ts,model" in str(err.value)
    with Store(db) as store:  # the same key, in another order, is the same key
        assert store.load(logs, LoadOptions(dedupe_on=("ts", "model", "user_id"))
                          ).rows_loaded == 2
    assert len(_events(db)) == 2
    _append(p, "2026-10-12 12:00:00,carol,claude-sonnet-4-5,1,1")
    with Store(db) as store:  # qa9C #7: no key given: the store's (not event_id: 5 rows)
        assert store.load(logs).rows_loaded == 3
    assert len(_events(db)) == 3
    _balanced(db)


def test_cli_refuses_another_dedupe_key(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "p.csv", HEAD[1:],
                  [["2026-10-12 10:00:00", "carol", "claude-sonnet-4-5", 1, 1]])
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load(f, LoadOptions(dedupe_on=("user_id", "ts")))
    line = cli_error(["load", str(f), "--db", str(db), "--dedupe-on", "model"])
    assert line == (
        f"error: --db {db}: its rows were deduplicated on user_id,ts (--dedupe-on user_id,ts); "
        "this load asks for model (--dedupe-on model): a store keeps one dedupe key (the rows "
        "kept so far were chosen by it); load with --dedupe-on user_id,ts (or leave "
        "--dedupe-on out), or give a new --db file to dedupe on model")
    # qa9C #7: a run that leaves the flag out (a cron line) uses the store's key
    assert cli_json(["report", str(f), "--db", str(db), "-q"])["meta"] is not None
    # qa16C #3: --dedupe-on event_id (the default key, written out) is given too: refused
    # (the store's key was used, dropping a request with its own id as a copy)
    assert cli_error(["load", str(f), "--db", str(db), "--dedupe-on", "event_id"]) == (
        f"error: --db {db}: its rows were deduplicated on user_id,ts (--dedupe-on user_id,ts); "
        "this load asks for event_id (--dedupe-on event_id): a store keeps one dedupe key (the "
        "rows kept so far were chosen by it); load with --dedupe-on user_id,ts (or leave "
        "--dedupe-on out), or give a new --db file to dedupe on event_id")
    g = write_csv(tmp_path / "g.csv", HEAD[1:],
                  [["2026-10-12 10:00:00", "carol", "claude-sonnet-4-5", 1, 1]])
    db2 = tmp_path / "default.duckdb"  # recorded with the default key: event_id is the same
    cli_json(["load", str(g), "--db", str(db2), "-q"])
    cli_json(["load", str(g), "--db", str(db2), "--dedupe-on", "event_id", "-q"])


def test_appended_transcript_lines_keep_the_recorded_user(tmp_path: Path) -> None:
    # qa9C #1d: one transcript, two users
    cc = tmp_path / "cc"
    shutil.copytree(FIXTURES / "claude_code" / "users" / "alice" / ".claude", cc)
    (f,) = (cc / "projects" / "-w").glob("*.jsonl")
    last = f.read_text().splitlines()[-1]
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load(cc, LoadOptions(user_id="ann"))
    _append(f, last.replace("msg_U1", "msg_X9").replace("req_U1", "req_X9")
            .replace("09:00:03", "11:00:03"))
    with Store(db) as store:
        report = store.load(cc)
    assert [fl.status for fl in report.files] == ["appended"]
    assert {r[1] for r in _events(db)} == {"ann"}
    # the folder named alone keeps the store's user for it (qa15C #4), so no option of this
    # run differs from the recorded ones: the note says the user was kept
    assert any(n.startswith("new transcripts of a folder whose earlier ones the --db file "
                            "holds keep their user") and f"{display_path(str(cc))} as ann" in n
               for n in report.notes)
    _balanced(db)


def test_strict_judges_only_this_runs_files(tmp_path: Path) -> None:
    # qa9C #1e: b.csv's old rejected row, read again for the dedupe, failed a --strict load
    a, b = _two_folders(tmp_path / "logs", user_col="user_id")
    _append(b, "g1,notatime,bob,claude-sonnet-4-5,1,1")
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load(a.parent.parent)
    _append(a, "e100,2026-10-31 21:00:00,alice,claude-sonnet-4-5,1000,5")
    with Store(db) as store:
        report = store.load(a.parent, LoadOptions(strict=True))
    assert report.rows_rejected == 1  # still counted, not judged
    _append(a, "e101,notatime,alice,claude-sonnet-4-5,1000,5")
    with Store(db) as store, pytest.raises(StrictModeError, match=r"1 row\(s\) rejected \(a.csv"):
        store.load(a.parent, LoadOptions(strict=True))
    _balanced(db)


def test_older_store_without_recorded_options_says_so(tmp_path: Path) -> None:
    a, _b = _two_folders(tmp_path / "logs", user_col="user_id")
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load(a.parent.parent, LoadOptions(timezone=NY))
        # as an older planalyzer made it: no read_options column, no store_settings table
        store.con.execute("ALTER TABLE load_manifest DROP COLUMN read_options")
        store.con.execute("DROP TABLE store_settings")
    with Store(db, read_only=True) as store:  # analysis opens it read-only as it is
        assert store.read_only
    _append(a, "e100,2026-10-31 21:00:00,alice,claude-sonnet-4-5,1000,5")
    with Store(db) as store:
        report = store.load(a.parent.parent)
    notes = " | ".join(report.notes)
    assert "did not record the dedupe key of its earlier loads" in notes
    assert ("2 file(s) read again" in notes and "did not record their load options" in notes
            and "(none given: the defaults)" in notes)
    with Store(db) as store:  # recorded from now on
        assert store.con.execute("SELECT count(*) FROM load_manifest WHERE read_options "
                                 "IS NULL").fetchall() == [(0,)]
    _balanced(db)


def _total(db: Path) -> tuple[object, ...]:
    with Store(db, read_only=True) as store:
        row = store.con.execute("SELECT count(*), sum(output_tokens) FROM events").fetchone()
    assert row is not None
    return tuple(row)


def test_moved_folder_then_changed_file_is_counted_once(tmp_path: Path) -> None:
    # qa9C #2: files without event_id; the folder is renamed, then one file gets a row more
    root = tmp_path / "mv"
    rows = [[f"2026-11-10 10:{i:02d}:00", f"u{i % 3}", "claude-sonnet-4-5", 10, i]
            for i in range(40)]
    write_csv(root / "logs" / "b0.csv", HEAD[1:], rows[:20])
    write_csv(root / "logs" / "b1.csv", HEAD[1:], rows[20:])
    db, fresh = tmp_path / "s.duckdb", tmp_path / "fresh.duckdb"
    with Store(db) as store:
        store.load(root)
    (root / "logs").rename(root / "logs2025")
    with Store(db) as store:
        report = store.load(root)
    assert [fl.status for fl in report.files] == ["unchanged", "unchanged"]
    assert any("taken as moved" in n for n in report.notes)
    assert not any("gone from disk;" in n for n in report.notes)
    with Store(db, read_only=True) as store:
        assert store.sources() == [str(root / "logs2025" / "b0.csv"),
                                   str(root / "logs2025" / "b1.csv")]
    _append(root / "logs2025" / "b0.csv", "2026-11-11 10:00:00,u1,claude-sonnet-4-5,10,99")
    with Store(db) as store:
        report = store.load(root)
    assert [fl.status for fl in report.files] == ["reloaded", "unchanged"]
    with Store(fresh) as store:
        store.load(root)
    assert _total(db) == _total(fresh) == (41, sum(range(40)) + 99)
    _balanced(db)


def test_copy_of_a_file_that_kept_no_rows_is_loaded(tmp_path: Path) -> None:
    # qa9C #3: usage.csv all rejected (--max-tokens 1000), then "usage (1).csv" with a higher one
    rows = [[f"2026-11-10 10:{i:02d}:00", "u1", "claude-sonnet-4-5", 5000, i] for i in range(5)]
    a = write_csv(tmp_path / "usage.csv", HEAD[1:], rows)
    b = tmp_path / "usage (1).csv"
    b.write_bytes(a.read_bytes())
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        assert store.load(a, LoadOptions(max_tokens=1000)).rows_rejected == 5
    with Store(db) as store:
        report = store.load(b, LoadOptions(max_tokens=100_000_000))
    assert (report.rows_loaded, report.duplicates_dropped) == (5, 0)
    assert not any("same bytes" in n for n in report.notes)
    assert len(_events(db)) == 5
    _balanced(db)


def test_bucket_prompt_tokens_is_recorded_and_used_again() -> None:
    """--bucket-prompt-tokens changes the rows a count-less usage bucket makes: a file read
    again keeps the value it was loaded with; a changed file takes one given in this run."""
    from planalyzer import file_options
    from planalyzer.sources.files import SourceFile

    rec = file_options.record(LoadOptions(bucket_prompt_tokens=20_000), None)
    src = SourceFile("/data/usage.json", "jsonl", "anthropic-usage")
    again = file_options.options_for(LoadOptions(), rec, src, changed=False)
    assert again.bucket_prompt_tokens == 20_000
    given = LoadOptions(bucket_prompt_tokens=30_000)
    assert file_options.options_for(given, rec, src, changed=False).bucket_prompt_tokens == 20_000
    assert file_options.options_for(given, rec, src, changed=True).bucket_prompt_tokens == 30_000
    assert file_options.differing(rec, file_options.record(LoadOptions(), None)) == [
        "--bucket-prompt-tokens"]


def _token_totals(store: Store) -> list[tuple[object, ...]]:
    return store.con.sql(
        "SELECT source, count(*), sum(input_tokens), sum(cache_read_tokens), sum(output_tokens) "
        "FROM events GROUP BY source ORDER BY source").fetchall()


def test_a_changed_codex_rollout_does_not_read_claude_code_transcripts_again(
        tmp_path: Path) -> None:
    # `me --db` over both tools: a Codex rollout that grew is reloaded whole (Codex files are
    # not append-only), which made the store read again every file that dropped duplicates:
    # nearly every Claude Code transcript (streamed lines repeat a message). Their event ids
    # are never a Codex event's, so they are left as they are; the totals are a fresh load's.
    claude = tmp_path / "claude"
    codex = tmp_path / "codex"
    shutil.copytree(FIXTURES / "claude_code" / "single", claude)
    shutil.copytree(FIXTURES / "codex" / "home", codex)
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        first = s.load([str(claude), str(codex)])
    cc_dups = [fl.source for fl in first.files
               if fl.format.startswith("claude-code") and fl.duplicates_dropped]
    assert cc_dups, "the fixture's transcripts must drop streamed copies"
    rollout = next((codex / "sessions").rglob("rollout-*4a5b.jsonl"))
    _append(rollout, '{"timestamp":"2026-10-10T09:30:00.000Z","type":"event_msg",'
                     '"payload":{"type":"agent_message","message":"done"}}')
    with Store(db) as s:
        again = s.load([str(claude), str(codex)])
        stored = _token_totals(s)
    read = {fl.source: fl.format for fl in again.files if fl.status != "unchanged"}
    # alone: the other session's archived copy dropped copies of its own active copy's
    # events, not of this one's (planalyzer/duplicate_links.py); no transcript is read
    assert read == {str(rollout.resolve()): "codex"}, read
    with Store() as fresh:
        fresh.load([str(claude), str(codex)])
        assert stored == _token_totals(fresh)


def test_a_transcript_not_named_is_said_not_read_as_a_table(tmp_path: Path) -> None:
    # the manifest records a transcript source's files by the source's name alone ('codex'):
    # read back for the dedupe rerun as a table file of format 'codex' it failed with a
    # KeyError traceback; it is a transcript not named in this load, and said so
    home = tmp_path / "a" / "codex"
    shutil.copytree(FIXTURES / "codex" / "home", home)
    other = tmp_path / "b" / "codex"
    shutil.copytree(FIXTURES / "codex" / "home", other)
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        s.load([str(home)])
    active = next((home / "sessions").rglob("rollout-*4a66.jsonl"))
    active.unlink()  # the archived copy stays: it now holds the session's requests
    with Store(db) as s:
        report = s.load([str(other)])
    assert any("transcripts not named in this load" in n for n in report.notes), report.notes
