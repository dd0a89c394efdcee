"""Overlapping exports reject a bad row once per file holding it: the load says how many of
its rejected rows are such copies (the accounting still counts each per file)."""

from __future__ import annotations

from pathlib import Path

from conftest import write_csv, write_parquet

from planalyzer.accounting import FileLoad
from planalyzer.rejected_copies import rejected_copy_notes
from planalyzer.store import LoadOptions, Store

HEADER = ["event_id", "user_id", "ts", "model", "input_tokens", "output_tokens"]
DAY1 = [["e1", "a", "2026-10-01T10:00:00Z", "m", 1, 1],
        ["bad1", "a", "2026-10-01T10:00:00Z", "m", -5, 1]]
DAY2 = [["e2", "a", "2026-10-02T10:00:00Z", "m", 1, 1],
        ["bad2", "a", "2026-10-02T10:00:00Z", "m", -5, 1]]
DAY3 = [["e3", "a", "2026-10-03T10:00:00Z", "m", 1, 1]]


def _copies_note(notes: list[str]) -> str | None:
    found = [n for n in notes if "copies of a row rejected in another file" in n]
    assert len(found) <= 1
    return found[0] if found else None


def test_overlapping_monthly_csvs_say_how_many_rejected_rows_are_copies(tmp_path: Path) -> None:
    # October holds days 1-2, November days 2-3: day 2 (one good, one bad row) is in both
    oct_ = write_csv(tmp_path / "oct.csv", HEADER, DAY1 + DAY2)
    nov = write_csv(tmp_path / "nov.csv", HEADER, DAY2 + DAY3)
    report = Store().load([oct_, nov])
    assert (report.rows_read, report.rows_loaded, report.rows_rejected,
            report.duplicates_dropped) == (7, 3, 3, 1)
    note = _copies_note(report.notes)
    assert note is not None and note.startswith("1 of the 3 rejected row(s) are copies")
    assert "the distinct bad rows are 2" in note


def test_a_later_load_into_db_counts_copies_of_earlier_files(tmp_path: Path) -> None:
    oct_ = write_csv(tmp_path / "oct.csv", HEADER, DAY1 + DAY2)
    nov = write_csv(tmp_path / "nov.csv", HEADER, DAY2 + DAY3)
    with Store(tmp_path / "s.duckdb") as store:
        assert _copies_note(store.load([oct_]).notes) is None
        note = _copies_note(store.load([nov]).notes)
    assert note is not None and note.startswith("1 of the 1 rejected row(s) are copies")
    # the two files holding the row, never the new one twice (where it sorts last)
    m00 = write_csv(tmp_path / "m00.csv", HEADER, DAY1 + DAY2)
    m01 = write_csv(tmp_path / "m01.csv", HEADER, DAY2 + DAY3)
    with Store(tmp_path / "m.duckdb") as store:
        store.load([m00])
        note = _copies_note(store.load([m01]).notes)
    assert note is not None
    assert "such as m01.csv and m00.csv)" in note.replace(str(tmp_path) + "/", "")


def test_a_db_load_says_which_distinct_bad_rows_an_earlier_load_rejected(
        tmp_path: Path) -> None:
    """qa14A #6: a --db load whose one rejected row repeats a row an earlier load rejected said
    'the distinct bad rows are 0'; there is one, none of them new."""
    oct_ = write_csv(tmp_path / "oct.csv", HEADER, DAY1 + DAY2)
    nov = write_csv(tmp_path / "nov.csv", HEADER, DAY2 + DAY3)
    bad3 = ["bad3", "a", "2026-10-03T11:00:00Z", "m", -7, 1]
    dec = write_csv(tmp_path / "dec.csv", HEADER, [*DAY2, *DAY3, bad3])
    dec2 = write_csv(tmp_path / "dec2.csv", HEADER, [*DAY3, bad3])
    with Store(tmp_path / "s.duckdb") as store:
        store.load([oct_])
        note = _copies_note(store.load([nov]).notes)
        assert note is not None and note.endswith(
            "so the distinct bad rows are 1, none of them new (each was rejected in a file an "
            "earlier load read too)")
        # bad2 again (rejected earlier) and bad3 twice (new): 2 of the 3 rows are copies
        note = _copies_note(store.load([dec, dec2]).notes)
    assert note is not None and note.startswith("2 of the 3 rejected row(s) are copies")
    assert note.endswith("so the distinct bad rows are 2, 1 of them new (the other 1 rejected "
                         "in a file an earlier load read too)")


def test_the_example_files_share_the_row(tmp_path: Path) -> None:
    """The example files were taken per group independently: two files sharing no row."""
    store = Store()
    store.con.execute("INSERT INTO rejected_rows VALUES "
                      "('a.csv', 1, 'bad', '{\"r\": 1}'), ('z.csv', 1, 'bad', '{\"r\": 1}'), "
                      "('b.csv', 1, 'bad', '{\"r\": 2}'), ('c.csv', 1, 'bad', '{\"r\": 2}')")
    loads = [FileLoad(f, "csv", "loaded", 1, 0, 1) for f in ("a.csv", "b.csv", "c.csv", "z.csv")]
    (note,) = rejected_copy_notes(store.con, loads)
    assert "such as a.csv and z.csv)" in note


def test_different_bad_rows_and_parquet_row_numbers(tmp_path: Path) -> None:
    # distinct bad rows are no copies; a parquet row's own row number does not tell copies apart
    a = write_csv(tmp_path / "a.csv", HEADER, DAY1)
    b = write_csv(tmp_path / "b.csv", HEADER, DAY2)
    assert _copies_note(Store().load([a, b]).notes) is None
    rows = [dict(zip(HEADER, r, strict=True)) for r in DAY1]
    p1 = write_parquet(tmp_path / "p1.parquet", rows)
    p2 = write_parquet(tmp_path / "p2.parquet", rows[::-1])
    note = _copies_note(Store().load([p1, p2]).notes)
    assert note is not None and note.startswith("1 of the 2 rejected row(s) are copies")


def test_raw_rows_that_are_no_json_are_compared_as_text(tmp_path: Path) -> None:
    # a transcript's bad line keeps its text, which need not be JSON
    store = Store()
    store.con.execute("INSERT INTO rejected_rows VALUES ('x.jsonl', 1, 'malformed JSON line', "
                      "'{\"file_row_number\": 1, \"a\": tru'), ('y.jsonl', 1, "
                      "'malformed JSON line', '{\"file_row_number\": 1, \"a\": tru')")
    loads = [FileLoad("x.jsonl", "jsonl", "loaded", 1, 0, 1),
             FileLoad("y.jsonl", "jsonl", "loaded", 1, 0, 1)]
    (note,) = rejected_copy_notes(store.con, loads)
    assert note.startswith("1 of the 2 rejected row(s) are copies")


def test_overlapping_files_without_event_ids_say_their_good_rows_count_twice(
        tmp_path: Path) -> None:
    """qa16C #10c: with no event id no row is a duplicate, so the good row two overlapping
    exports share is loaded from each; the note that found the overlap says so, with the
    count and the remedy (which then drops the copy, and the clause)."""
    header = HEADER[1:]
    rows = [["a", "2026-10-01T00:00:00Z", "m", -5, 10], ["a", "2026-10-02T00:00:00Z", "m", 5, 10]]
    r1 = write_csv(tmp_path / "r1.csv", header, rows)
    r2 = write_csv(tmp_path / "r2.csv", header, rows[::-1])
    report = Store().load([r1, r2])
    assert (report.rows_loaded, report.duplicates_dropped) == (2, 0)
    note = _copies_note(report.notes)
    assert note is not None and note.endswith(
        "so the distinct bad rows are 1; rows without an event id are no duplicates, so a good "
        "row these files share was loaded from each: 1 loaded row(s) repeat a row of another "
        "of them (the same time, user, model and tokens) and count the request again; give "
        "--dedupe-on user_id,ts,model (or --map event_id=COLUMN naming their request ids) to "
        "keep one")
    deduped = Store().load([r1, r2], LoadOptions(dedupe_on=("user_id", "ts", "model")))
    assert (deduped.rows_loaded, deduped.duplicates_dropped) == (1, 1)
    note = _copies_note(deduped.notes)
    assert note is not None and note.endswith("so the distinct bad rows are 1")
    # rows with event ids were deduped on them: nothing loaded twice (the first test's files)
    oct_ = write_csv(tmp_path / "oct.csv", HEADER, DAY1 + DAY2)
    nov = write_csv(tmp_path / "nov.csv", HEADER, DAY2 + DAY3)
    note = _copies_note(Store().load([oct_, nov]).notes)
    assert note is not None and "without an event id" not in note
