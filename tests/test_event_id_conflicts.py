"""Copies of one event id that are not one request (another user or model, or more than a day
apart: an ``id`` numbering each file's rows) are refused, never merged by the dedupe;
``--map event_id=`` loads such files without an event id (planalyzer.id_conflicts)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import cli_error, cli_json, write_csv

from planalyzer.errors import ConfigError, InputError
from planalyzer.sources.mapping import MappingSpec, parse_map_options, read_mapping_file
from planalyzer.store import LoadOptions, Store

HEAD = ["id", "timestamp", "user", "model", "input_tokens", "output_tokens"]
FIXTURES = Path(__file__).parent / "fixtures"
NO_ID = LoadOptions(mapping=MappingSpec({"event_id": ""}))


def _teams(root: Path) -> tuple[Path, Path]:
    """The QA repro: two exports numbering their rows 1, 2."""
    a = write_csv(root / "team_a.csv", HEAD, [
        [1, "2026-10-01T09:00:00Z", "alice", "claude-sonnet-4-5", 1000, 200],
        [2, "2026-10-01T10:00:00Z", "alice", "claude-sonnet-4-5", 3000, 400]])
    b = write_csv(root / "team_b.csv", HEAD, [
        [1, "2026-10-02T15:00:00Z", "bob", "gpt-5", 5000, 900],
        [2, "2026-10-02T16:00:00Z", "bob", "gpt-5", 100, 10]])
    return a, b


def _totals(store: Store) -> tuple[int, int, int]:
    row = store.con.execute("SELECT count(*), sum(input_tokens), sum(output_tokens) "
                            "FROM events").fetchone()
    assert row is not None
    return int(row[0]), int(row[1] or 0), int(row[2] or 0)


def test_cli_refuses_row_numbers_of_two_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    _teams(tmp_path)
    monkeypatch.chdir(tmp_path)
    err = cli_error(["load", "team_a.csv", "team_b.csv"])
    assert err.startswith("error: team_a.csv row 1 and team_b.csv row 1 hold the same event id "
                          "'1' (event_id=id) but are not one request: user_id alice / bob, "
                          "model claude-sonnet-4-5 / gpt-5, ts 2026-10-01 09:00:00 / "
                          "2026-10-02 15:00:00 UTC (30 hours apart); 2 event id(s)"), err
    assert "If 'id' numbers each file's rows" in err
    assert "--map event_id= (no event id)" in err
    assert "--map event_id=COLUMN" in err and "--dedupe-on user_id,ts,model" in err


def test_map_event_id_empty_loads_every_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    _teams(tmp_path)
    monkeypatch.chdir(tmp_path)
    doc = cli_json(["load", "team_a.csv", "team_b.csv", "--map", "event_id="])
    usage = doc["usage_summary"]["rows"][0]
    assert (usage["requests"], usage["input_tokens"], usage["output_tokens"]) \
        == (4, 9100, 1510)
    assert sum(f["duplicates_dropped"] for f in doc["load_accounting"]["rows"]) == 0
    store = Store()
    store.load([str(tmp_path / "team_a.csv"), str(tmp_path / "team_b.csv")], NO_ID)
    assert _totals(store) == (4, 9100, 1510)
    assert store.con.execute("SELECT count(*) FROM events WHERE event_id IS NOT NULL"
                             ).fetchone() == (0,)


def test_library_raises_and_loads_nothing(tmp_path: Path) -> None:
    a, b = _teams(tmp_path)
    store = Store()
    with pytest.raises(InputError, match=r"team_b\.csv row 1 hold the same event id '1' "
                                         r"\(event_id=id\) but are not one request"):
        store.load([str(a), str(b)])
    assert _totals(store) == (0, 0, 0)


def test_across_db_loads_the_stored_row_is_named(tmp_path: Path) -> None:
    a, b = _teams(tmp_path)
    db = tmp_path / "u.duckdb"
    with Store(db) as store:
        store.load([str(a)])
    with Store(db) as store:
        with pytest.raises(InputError, match=r"team_a\.csv row 1 \(in the --db file\) and "
                                             r".*team_b\.csv row 1 hold the same event id '1' "
                                             r"\(event_id=id\)"):
            store.load([str(b)])
        assert _totals(store) == (2, 4000, 600)  # the store as it was
        store.load([str(b)], NO_ID)
        assert _totals(store) == (4, 9100, 1510)


def test_across_db_a_small_file_against_a_large_store(tmp_path: Path) -> None:
    """A file read now holding few of the events: only its ids are grouped (the slot of
    sql/conflicting_event_ids.sql), and the conflict is found as well."""
    rows = [[i, f"2026-10-01T{i % 24:02d}:00:00Z", "alice", "claude-sonnet-4-5", 100, 10]
            for i in range(1, 41)]
    a = write_csv(tmp_path / "a.csv", HEAD, rows)
    b = write_csv(tmp_path / "b.csv", HEAD, [
        [7, "2026-10-01T07:00:00Z", "alice", "claude-sonnet-4-5", 150, 10],  # a copy
        [9, "2026-10-01T09:30:00Z", "bob", "claude-sonnet-4-5", 100, 10]])   # not one
    db = tmp_path / "u.duckdb"
    with Store(db) as store:
        store.load([str(a)])
    with Store(db) as store, pytest.raises(
            InputError, match=r"a\.csv row 9 \(in the --db file\) and .*b\.csv row 2 hold the "
                              r"same event id '9' .*user_id alice / bob; 1 event id\(s\)"):
        store.load([str(b)])


def test_genuine_copies_still_dedupe(tmp_path: Path) -> None:
    """The same request in two exports (its tokens grown, logged a few hours apart): one
    request, the larger copy kept."""
    a = write_csv(tmp_path / "a.csv", HEAD, [
        ["req-1", "2026-10-01T09:00:00Z", "alice", "gpt-5", 100, 10],
        ["req-2", "2026-10-01T10:00:00Z", "bob", "gpt-5", 200, 20]])
    b = write_csv(tmp_path / "b.csv", HEAD, [
        ["req-1", "2026-10-01T09:00:00Z", "alice", "gpt-5", 100, 50],
        ["req-2", "2026-10-02T09:59:00Z", "bob", "gpt-5", 200, 20]])  # 23 h 59 min later
    store = Store()
    report = store.load([str(a), str(b)])
    assert report.duplicates_dropped == 2
    assert _totals(store) == (2, 300, 70)


def test_copies_more_than_a_day_apart_are_refused(tmp_path: Path) -> None:
    """One user and one model: only the times tell per-file row numbers apart."""
    a = write_csv(tmp_path / "jan.csv", HEAD, [
        [1, "2026-01-05T09:00:00Z", "alice", "gpt-5", 100, 10]])
    b = write_csv(tmp_path / "feb.csv", HEAD, [
        [1, "2026-02-03T09:00:00Z", "alice", "gpt-5", 100, 10]])
    with pytest.raises(InputError, match=r"ts 2026-01-05 09:00:00 / 2026-02-03 09:00:00 UTC "
                                         r"\(29 days apart\)"):
        Store().load([str(a), str(b)])


def test_the_span_of_all_copies_counts(tmp_path: Path) -> None:
    """Three copies of one id, each within a day of the next: their span (26 hours) is what
    is refused, not each copy's distance from the one kept."""
    a = write_csv(tmp_path / "a.csv", HEAD, [
        ["r1", "2026-10-01T00:00:00Z", "alice", "gpt-5", 100, 10],
        ["r1", "2026-10-01T13:00:00Z", "alice", "gpt-5", 900, 10],
        ["r1", "2026-10-02T02:00:00Z", "alice", "gpt-5", 100, 10]])
    with pytest.raises(InputError, match=r"a\.csv row 1 and .*a\.csv row 3 hold the same event "
                                         r"id 'r1' .*\(26 hours apart\); 1 event id\(s\)"):
        Store().load([str(a)])


def test_the_dedupe_leaves_no_temp_table(tmp_path: Path) -> None:
    """The copies staged for the check and the ranking (sql/stage_duplicate_copies.sql) are
    dropped after a load that dedupes and after one refused; the store loads on."""
    a, b = _teams(tmp_path)
    temp = "SELECT count(*) FROM duckdb_tables() WHERE temporary"
    store = Store()
    with pytest.raises(InputError, match="not one request"):
        store.load([str(a), str(b)])
    assert store.con.execute(temp).fetchone() == (0,)
    c = write_csv(tmp_path / "c.csv", HEAD, [
        [1, "2026-10-01T09:00:00Z", "alice", "claude-sonnet-4-5", 1000, 300]])
    report = store.load([str(a), str(c)])
    assert report.duplicates_dropped == 1
    assert store.con.execute(temp).fetchone() == (0,)
    assert _totals(store) == (2, 4000, 700)


def test_one_file_repeating_an_id_for_two_users(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "dump.csv", HEAD, [
        [5, "2026-10-01T09:00:00Z", "alice", "gpt-5", 100, 10],
        [5, "2026-10-01T09:05:00Z", "bob", "gpt-5", 100, 10]])
    with pytest.raises(InputError, match=r"dump\.csv row 1 and .*dump\.csv row 2 hold the same "
                                         r"event id '5'"):
        Store().load([str(f)])


def test_files_naming_other_id_columns_are_both_named(tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", HEAD, [
        [1, "2026-10-01T09:00:00Z", "alice", "gpt-5", 100, 10]])
    b = write_csv(tmp_path / "b.csv", ["request_id", *HEAD[1:]], [
        [1, "2026-10-01T09:00:00Z", "bob", "gpt-5", 100, 10]])
    with pytest.raises(InputError, match=r"\(event_id=id in the first, event_id=request_id in "
                                         r"the second\) .* If the id column numbers"):
        Store().load([str(a), str(b)])


def test_a_key_the_user_named_is_not_checked(tmp_path: Path) -> None:
    a, b = _teams(tmp_path)
    store = Store()
    report = store.load([str(a), str(b)], LoadOptions(dedupe_on=("user_id", "ts", "model")))
    assert report.duplicates_dropped == 0
    assert _totals(store) == (4, 9100, 1510)


def test_vendor_export_with_real_ids_still_dedupes(tmp_path: Path) -> None:
    """A Langfuse export downloaded again with a generation finished since (more tokens): the
    copies agree on user, model and time, so they are one request."""
    src = FIXTURES / "langfuse" / "observations.csv"
    first = tmp_path / "first.csv"
    shutil.copy(src, first)
    lines = src.read_text().splitlines()
    cells = lines[1].split(",")
    cells[-3] = str(int(cells[-3]) + 100)  # outputTokens of the first observation
    again = tmp_path / "again.csv"
    again.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n")
    one = Store()
    alone = one.load([str(first)])
    store = Store()
    report = store.load([str(first), str(again)])
    assert report.rows_loaded == alone.rows_loaded
    assert report.duplicates_dropped == alone.rows_loaded
    assert store.con.execute("SELECT count(*), max(output_tokens) FROM events WHERE event_id "
                             "= $id", {"id": cells[0]}).fetchone() == (1, int(cells[-3]))


def test_vendor_preset_takes_map_event_id_empty(tmp_path: Path) -> None:
    store = Store()
    report = store.load([str(FIXTURES / "langfuse" / "observations.csv")], NO_ID)
    assert "no event_id (--map event_id=)" in report.files[0].mapping
    assert store.con.execute("SELECT count(*) FROM events WHERE event_id IS NOT NULL"
                             ).fetchone() == (0,)


def test_an_empty_column_is_for_event_id_only(tmp_path: Path) -> None:
    assert parse_map_options(["event_id="]) == {"event_id": ""}
    with pytest.raises(ConfigError, match="an empty column is for event_id only"):
        parse_map_options(["model="])
    with pytest.raises(ConfigError, match="give the file's column name"):
        MappingSpec({"user_id": ""})
    toml = tmp_path / "m.toml"
    toml.write_text('[columns]\nevent_id = ""\n')
    assert read_mapping_file(toml).explicit == {"event_id": ""}
    toml.write_text('[columns]\nmodel = ""\n')
    with pytest.raises(ConfigError, match=r"columns\.model must be a string \(a column name"):
        read_mapping_file(toml)


def test_map_command_shows_no_event_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _teams(tmp_path)
    monkeypatch.chdir(tmp_path)
    doc = cli_json(["map", "team_a.csv", "--map", "event_id="])
    table = doc["column_mapping"]
    row = next(r for r in table["rows"] if r["canonical"] == "event_id")
    assert row["column"] is None and row["how"] == "given"
    assert any("no event_id (--map event_id=)" in n for n in table["notes"])


def test_one_export_under_two_user_folders(tmp_path: Path) -> None:
    """The same bytes under user_id=alice/ and user_id=bob/ are two users' rows (README): their
    row numbers are no copies either."""
    rows = [[1, "2026-10-01T09:00:00Z", "gpt-5", 100, 10]]
    head = ["id", "timestamp", "model", "input_tokens", "output_tokens"]
    write_csv(tmp_path / "user_id=alice" / "usage.csv", head, rows)
    write_csv(tmp_path / "user_id=bob" / "usage.csv", head, rows)
    with pytest.raises(InputError, match=r"user_id alice / bob"):
        Store().load([str(tmp_path)])
    store = Store()
    store.load([str(tmp_path)], NO_ID)
    assert _totals(store) == (2, 200, 20)


def test_dedupe_on_event_id_is_the_default_key(tmp_path: Path) -> None:
    """``--dedupe-on event_id`` writes the default out: the same refusal of ids that are not
    one request, and rows without an id are never duplicates of each other (it once became
    row(event_id): two id-less rows were one, and the id checks were skipped)."""
    a, b = _teams(tmp_path)
    assert LoadOptions(dedupe_on=("event_id",)).dedupe_on == ()
    with pytest.raises(InputError, match="same event id"):
        Store().load([str(a), str(b)], LoadOptions(dedupe_on=("event_id",)))
    no_ids = write_csv(tmp_path / "no_ids.csv", HEAD, [
        ["", "2026-10-01T10:00:00Z", "alice", "gpt-5", 20, 0],
        ["", "2026-10-01T11:00:00Z", "alice", "gpt-5", 30, 0]])
    store = Store()
    store.load([str(no_ids)], LoadOptions(dedupe_on=("event_id",)))
    assert _totals(store) == (2, 50, 0)


def test_cli_dedupe_on_event_id_refuses_like_the_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = _teams(tmp_path)
    monkeypatch.chdir(tmp_path)
    err = cli_error(["load", str(a), str(b), "--dedupe-on", "event_id"])
    assert "same event id" in err


# -- qa16C #1: one user's and model's daily or chunked files numbering their rows -------------

def _days(root: Path) -> tuple[Path, Path]:
    """The QA repro: one user's two daily exports, pandas ids 0 and 1, within a day."""
    a = write_csv(root / "day1.csv", HEAD, [
        [0, "2026-10-01T20:00:00Z", "me", "claude-sonnet-4-5", 1000, 10],
        [1, "2026-10-01T21:00:00Z", "me", "claude-sonnet-4-5", 2000, 10]])
    b = write_csv(root / "day2.csv", HEAD, [
        [0, "2026-10-02T08:00:00Z", "me", "claude-sonnet-4-5", 3000, 10],
        [1, "2026-10-02T09:00:00Z", "me", "claude-sonnet-4-5", 4000, 10]])
    return a, b


def test_cli_refuses_one_users_daily_row_numbers(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Same user and model, 12 hours apart: the copies differ in time and in tokens, which
    no copy of one request does (it grew and kept its time, or moved in time alike)."""
    _days(tmp_path)
    monkeypatch.chdir(tmp_path)
    err = cli_error(["load", "day1.csv", "day2.csv"])
    assert err.startswith("error: day1.csv row 1 and day2.csv row 1 hold the same event id "
                          "'0' (event_id=id) but are not one request: ts 2026-10-01 20:00:00 "
                          "/ 2026-10-02 08:00:00 UTC (12 hours apart) with other tokens "
                          "(input 1,000 / 3,000); 2 event id(s) are held so"), err
    assert "--map event_id= (no event id)" in err and "--dedupe-on user_id,ts,model" in err
    doc = cli_json(["load", "day1.csv", "day2.csv", "--map", "event_id="])
    assert doc["usage_summary"]["rows"][0]["input_tokens"] == 10_000


@pytest.mark.parametrize("first", [0, 1])
def test_daily_row_numbers_refused_across_db_loads_in_either_order(tmp_path: Path,
                                                                   first: int) -> None:
    """Loaded a day per --db run, in either order: refused, the stored day kept as it was
    (not replaced as 'a usage bucket fetched again after it grew')."""
    days = _days(tmp_path)
    stored, later = days[first], days[1 - first]
    db = tmp_path / "u.duckdb"
    with Store(db) as store:
        store.load([str(stored)])
        kept = _totals(store)
    with Store(db) as store:
        mark = [r" \(in the --db file\)" if p == stored else "" for p in days]
        with pytest.raises(InputError, match=rf"day1\.csv row 1{mark[0]} and .*day2\.csv "
                                             rf"row 1{mark[1]} hold the same event id '0' "
                                             r"\(event_id=id\) but are not one request: "
                                             r"ts .* \(12 hours apart\) with other tokens"):
            store.load([str(later)])
        assert _totals(store) == kept


def test_chunks_of_one_day_minutes_apart_are_refused(tmp_path: Path) -> None:
    """Chunked exports of one day: the copies of '0' lie 5 minutes apart with other tokens."""
    a = write_csv(tmp_path / "chunk0.csv", HEAD, [
        [0, "2026-10-01T10:00:00Z", "me", "gpt-5", 100, 10]])
    b = write_csv(tmp_path / "chunk1.csv", HEAD, [
        [0, "2026-10-01T10:05:00Z", "me", "gpt-5", 100, 30]])
    with pytest.raises(InputError, match=r"\(5 minutes apart\) with other tokens "
                                         r"\(output 10 / 30\)"):
        Store().load([str(a), str(b)])


def test_no_copy_differs_from_the_earliest_in_both(tmp_path: Path) -> None:
    """Copies A (10:00, 100), B (11:00, 100), C (10:00, 500): B and C differ in time and in
    tokens, though each agrees with A (the earliest) on one of them; they are the pair named."""
    f = write_csv(tmp_path / "abc.csv", HEAD, [
        ["r1", "2026-10-01T10:00:00Z", "me", "gpt-5", 100, 10],
        ["r1", "2026-10-01T11:00:00Z", "me", "gpt-5", 100, 10],
        ["r1", "2026-10-01T10:00:00Z", "me", "gpt-5", 500, 10]])
    with pytest.raises(InputError, match=r"abc\.csv row 3 and .*abc\.csv row 2 hold the same "
                                         r"event id 'r1' .*\(1 hour apart\) with other tokens "
                                         r"\(input 500 / 100\); 1 event id\(s\)"):
        Store().load([str(f)])


def test_copies_differing_in_time_or_in_tokens_alone_still_dedupe(tmp_path: Path) -> None:
    """A copy that grew at its time (a bucket or generation fetched again) and a copy moved in
    time with the same tokens (a time zone read another way, a request's duration): one
    request each, in one load and across --db loads in either order."""
    a = write_csv(tmp_path / "a.csv", HEAD, [
        ["req-1", "2026-10-01T09:00:00Z", "me", "gpt-5", 100, 10],
        ["req-2", "2026-10-01T10:00:00Z", "me", "gpt-5", 200, 20]])
    b = write_csv(tmp_path / "b.csv", HEAD, [
        ["req-1", "2026-10-01T09:00:00Z", "me", "gpt-5", 100, 90],   # grew
        ["req-2", "2026-10-01T17:00:00Z", "me", "gpt-5", 200, 20]])  # 7 hours later
    store = Store()
    assert store.load([str(a), str(b)]).duplicates_dropped == 2
    cold = _totals(store)
    assert cold == (2, 300, 110)
    for i, order in enumerate(((a, b), (b, a))):
        db = tmp_path / f"s{i}.duckdb"
        for path in order:
            with Store(db) as s:
                s.load([str(path)])
        with Store(db) as s:
            assert _totals(s) == cold
