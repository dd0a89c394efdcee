"""OpenAI dashboard CSV rows of one bucket and grouping that tie on their total (qa15C #3).

A file's rows of one bucket and grouping are numbered '#2', '#3' ... by their tokens, most
first (sql/number_repeated_event_ids.sql). Two rows of equal totals in a mid-day export swap
numbers once one of them grows by the final export: the copies of one id then tie, and the
copy kept must be the final's (the export holding more of that bucket and grouping:
sql/tied_bucket_copies.sql), not the stored one or the first file by path, in one load and
across --db loads in either order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import write_csv

from planalyzer.store import LoadOptions, LoadReport, Store

HEADER = ["start_time", "end_time", "project_id", "num_model_requests", "user_id", "model",
          "batch", "input_tokens", "output_tokens", "input_cached_tokens"]
B = [1790812800, 1790899200, "proj_A"]
MODEL = "gpt-4o-2024-08-06"
TOTALS = "SELECT sum(requests), sum(input_tokens), sum(output_tokens) FROM events"
X = (3, 60, 40)  # requests, input, output: total 100
Y = (1, 50, 50)  # total 100, ties with X
Y_FINAL = (2, 50, 60)  # Y grown by the final export: 110
W = (2, 70, 30)  # a row the final export adds, total 100


def _csv(path: Path, *rows: tuple[int, int, int]) -> Path:
    return write_csv(path, HEADER, [[*B, n, "user-a", MODEL, "False", inp, out, 0]
                                    for n, inp, out in rows])


def _load(*paths: Path, db: Path | None = None) -> tuple[LoadReport, list[Any]]:
    with Store(db) as store:
        report = store.load([str(p) for p in paths], LoadOptions())
        return report, store.con.execute(TOTALS).fetchall()


def _orders(tmp_path: Path, midday: tuple[tuple[int, int, int], ...],
            final: tuple[tuple[int, int, int], ...]) -> list[tuple[Path, Path]]:
    """(mid-day, final) exports, named so that the mid-day one sorts first, then last."""
    return [(_csv(tmp_path / "a" / "export_1400.csv", *midday),
             _csv(tmp_path / "a" / "export_final.csv", *final)),
            (_csv(tmp_path / "b" / "z_export_1400.csv", *midday),
             _csv(tmp_path / "b" / "export_final.csv", *final))]


def _check(tmp_path: Path, midday: tuple[tuple[int, int, int], ...],
           final: tuple[tuple[int, int, int], ...]) -> None:
    """Every way of loading the two exports keeps the final export's rows."""
    want = [tuple(map(sum, zip(*final, strict=True)))]
    for i, (noon, last) in enumerate(_orders(tmp_path, midday, final)):
        assert _load(last)[1] == want
        assert _load(noon, last)[1] == want
        assert _load(noon.parent)[1] == want
        for j, order in enumerate(((noon, last), (last, noon))):
            db = tmp_path / f"s{i}{j}.duckdb"
            for path in order:
                _, totals = _load(path, db=db)
            assert totals == want, (noon.name, order)


def test_a_row_grown_past_its_tie_keeps_the_final_rows(tmp_path: Path) -> None:
    # qa15C #3: mid-day X '', Y '#2' (tie on 100, input first); final Y '' (110), X '#2':
    # the '#2' copies (mid-day Y, final X) tie; X was lost and Y counted at its mid-day size
    _check(tmp_path, (X, Y), (X, Y_FINAL))


def test_a_tied_row_the_final_export_adds_keeps_the_final_rows(tmp_path: Path) -> None:
    # the final adds W (70 + 30) beside X and Y: W '', X '#2', Y '#3'; each id's copies tie
    # on 100, and the two exports hold as many tokens of the ids they share
    _check(tmp_path, (X, Y), (X, Y, W))


def test_the_same_export_twice_still_drops_its_copies(tmp_path: Path) -> None:
    a = _csv(tmp_path / "a.csv", X, Y)
    b = _csv(tmp_path / "b.csv", X, Y)
    report, totals = _load(a, b)
    assert totals == [(4, 110, 90)] and report.duplicates_dropped == 2
    db = tmp_path / "s.duckdb"
    _load(a, db=db)
    report, totals = _load(b, db=db)
    assert totals == [(4, 110, 90)] and report.duplicates_dropped == 2
    assert not any("replaced" in n for n in report.notes)  # the stored copies stay


def test_the_replaced_rows_are_said_to_tie(tmp_path: Path) -> None:
    noon, last = _orders(tmp_path, (X, Y), (X, Y_FINAL))[0]
    db = tmp_path / "s.duckdb"
    _load(noon, db=db)
    report, _ = _load(last, db=db)
    assert any(n.startswith(
        "2 row(s) stored by earlier loads were replaced by later copies of the same event with "
        "more tokens (a usage bucket fetched again after it grew, a generation exported again "
        "once finished; or as many, of an OpenAI dashboard CSV row, from an export holding "
        "more of its bucket)") for n in report.notes), report.notes
