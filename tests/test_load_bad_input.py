"""Bad input that used to get a weak or misleading message (fix round 8): UTF-16 text, byte-order
marks, compressions, counts beyond 64 bits, nested or time-of-day columns, CSV line numbers after
a quoted field spanning lines, and the CSV formula guard on numbers."""

from __future__ import annotations

import bz2
import datetime as dt
import gzip
import json
import lzma
import zipfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import cli_error

from planalyzer.store import Store

CSV_TEXT = ("user_id,ts,model,input_tokens,output_tokens\n"
            "u1,2026-10-01T10:00:00Z,m,100,10\n"
            "u2,2026-10-01T11:00:00Z,m,200,20\n")
JSONL_TEXT = "".join(json.dumps({"user_id": "u", "ts": "2026-10-01T10:00:00Z", "model": "m",
                                 "output_tokens": i}) + "\n" for i in (1, 2))


def reasons(store: Store) -> dict[str, int]:
    rows = store.con.execute("SELECT reason, count(*) FROM rejected_rows GROUP BY 1").fetchall()
    return {str(r): int(n) for r, n in rows}


# 1. UTF-16 and byte-order marks

@pytest.mark.parametrize(("name", "data"), [
    ("a.csv", CSV_TEXT.encode("utf-16")),  # with a byte-order mark (Excel "Unicode text")
    ("a.jsonl", JSONL_TEXT.encode("utf-16")),
    ("b.csv", CSV_TEXT.encode("utf-16-le")),  # without one (PowerShell's > redirection)
])
def test_utf16_file_is_named_with_the_fix(tmp_path: Path, name: str, data: bytes) -> None:
    f = tmp_path / name
    f.write_bytes(data)
    err = cli_error(["load", str(f)])
    assert f"{name}: file is UTF-16" in err and "re-save it as UTF-8" in err


def test_utf8_byte_order_mark_is_read_in_csv_jsonl_and_json_arrays(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_bytes(CSV_TEXT.encode("utf-8-sig"))
    (tmp_path / "b.jsonl").write_bytes(JSONL_TEXT.replace("\"u\"", "\"v\"").encode("utf-8-sig"))
    rows = [{"user_id": "w", "ts": "2026-10-01T10:00:00Z", "model": "m", "output_tokens": 3}]
    (tmp_path / "c.json").write_bytes(json.dumps(rows, indent=2).encode("utf-8-sig"))
    store = Store()
    report = store.load(tmp_path)
    assert (report.rows_loaded, report.rows_rejected) == (5, 0)  # the BOM line lost one before


HELICONE = ('{"request_id":"r%d","request_created_at":"2026-10-05T08:30:00.000Z",'
            '"user_id":"%s","model":"gpt-4o","prompt_tokens":4000,"completion_tokens":1500,'
            '"prompt_cache_read_tokens":0,"prompt_cache_write_tokens":0,"cost":0.01}\n')


def test_jsonl_export_with_a_latin1_first_line_is_still_recognised(tmp_path: Path) -> None:
    # detection read the first line's keys with json.loads on its bytes: one Latin-1 name hid
    # them all, and the file fell to the generic reader ("no usable columns ...; --map")
    f = tmp_path / "helicone.jsonl"
    f.write_bytes((HELICONE % (1, "Zo\xeb")).encode("latin-1") + (HELICONE % (2, "bob")).encode())
    store = Store()
    report = store.load([str(f)])
    assert report.files[0].format == "helicone jsonl"
    assert (report.rows_loaded, report.rows_rejected) == (1, 1)
    assert reasons(store) == {"malformed JSON line (invalid encoding)": 1}
    assert any("1 row(s) rejected for their encoding" in n and "re-save it as UTF-8" in n
               for n in report.notes), report.notes
    # every line Latin-1: an error saying so, not a --map hint
    f.write_bytes((HELICONE % (1, "Zo\xeb")).encode("latin-1"))
    err = cli_error(["load", str(f)])
    assert "line 1 is not UTF-8 text" in err and "iconv -f cp1252 -t utf-8" in err, err
    assert "--map" not in err


def test_latin1_csv_rejects_its_accented_rows_with_a_note_to_re_save(tmp_path: Path) -> None:
    # what Excel's plain "CSV" writes on Windows: the ASCII rows load, the others are rejected
    f = tmp_path / "excel.csv"
    f.write_bytes((CSV_TEXT + "Jos\xe9,2026-10-01T12:00:00Z,m,300,30\n").encode("latin-1"))
    store = Store()
    report = store.load([str(f)])
    assert (report.rows_loaded, report.rows_rejected) == (2, 1)
    assert reasons(store) == {"malformed CSV line (invalid encoding)": 1}
    note = next(n for n in report.notes if "encoding" in n)
    assert note.endswith("excel.csv: 1 row(s) rejected for their encoding: the file is not "
                         "UTF-8 (Latin-1 or Windows-1252?): re-save it as UTF-8 (a CSV from "
                         "Excel: Save As 'CSV UTF-8'; or iconv -f cp1252 -t utf-8 "
                         f"{f} > NEW_FILE) and load that"), note


# 2. compression

def _copy_to(path: Path, compression: str, fmt: str) -> Path:
    con = duckdb.connect()
    con.execute(f"COPY (SELECT 'u' AS user_id, '2026-10-01T10:00:00Z' AS ts, 'm' AS model, "
                f"range AS output_tokens FROM range(1, 4)) TO '{path}' "
                f"(FORMAT {fmt}, COMPRESSION {compression})")
    return path


@pytest.mark.parametrize(("name", "fmt"), [("a.csv.zst", "csv"), ("a.jsonl.zst", "json"),
                                           ("a.json.gz", "json"), ("a.tsv.gz", "csv")])
def test_zstd_and_gzip_text_files_load(tmp_path: Path, name: str, fmt: str) -> None:
    compression = "zstd" if name.endswith(".zst") else "gzip"
    f = _copy_to(tmp_path / name, compression, fmt)
    store = Store()
    assert store.load(f).rows_loaded == 3
    assert store.con.execute("SELECT sum(output_tokens) FROM events").fetchone() == (6,)


def test_zstd_jsonl_bad_line_is_rejected_with_its_line(tmp_path: Path) -> None:
    plain = tmp_path / "plain.jsonl"
    plain.write_text(JSONL_TEXT + "BAD\n" + JSONL_TEXT)
    f = tmp_path / "a.jsonl.zst"
    duckdb.connect().execute(f"COPY (FROM read_csv('{plain}', header = false, "
                             "columns = {'l': 'VARCHAR'}, delim = '\\x01', quote = '')) "
                             f"TO '{f}' (FORMAT csv, header false, quote '', "
                             "COMPRESSION zstd)")
    store = Store()
    fl = store.load(f).files[0]
    assert (fl.rows_read, fl.rows_loaded) == (5, 4)
    raw = store.con.execute("SELECT reason, raw_json FROM rejected_rows").fetchall()
    assert [(why, json.loads(r)["line"]) for why, r in raw] == [("malformed JSON line", 3)]


@pytest.mark.parametrize(("name", "kind", "pack"), [
    ("a.csv.bz2", "bzip2", bz2.compress), ("a.jsonl.xz", "xz", lzma.compress),
    ("a.csv.zip", "zip", None)])
def test_unreadable_compression_is_named(tmp_path: Path, name: str, kind: str, pack: object
                                         ) -> None:
    f = tmp_path / "logs" / name
    f.parent.mkdir()
    if pack is None:
        with zipfile.ZipFile(f, "w") as z:
            z.writestr("a.csv", CSV_TEXT)
    else:
        f.write_bytes(pack(CSV_TEXT.encode()))  # type: ignore[operator]
    (tmp_path / "logs" / "b.csv.gz").write_bytes(gzip.compress(CSV_TEXT.encode()))
    for target in (f, f.parent):  # named, or found in a folder: never passed over
        err = cli_error(["load", str(target)])
        assert f"{name}: {kind}-compressed, which planalyzer cannot read" in err
        assert "decompress it" in err


# 3. counts beyond 64 bits

def test_counts_out_of_range_in_csv_and_jsonl(tmp_path: Path) -> None:
    values = ["99999999999999999999", "-3", "12.5", "1e20", "12"]
    (tmp_path / "a.csv").write_text("user_id,ts,model,input_tokens,output_tokens\n" + "".join(
        f"u,2026-10-01T10:00:00Z,m,{v},1\n" for v in values))
    (tmp_path / "b.jsonl").write_text("".join(
        f'{{"user_id":"u","ts":"2026-10-0{i + 1}T10:00:00Z","model":"m","input_tokens":{v},'
        '"output_tokens":1}\n' for i, v in enumerate(values)))
    store = Store()
    for fl in store.load(tmp_path).files:
        assert fl.rows_loaded == 1, fl
        assert fl.rejected_by_reason == {"token count out of range": 2,  # was non-integer
                                         "negative token count": 1,
                                         "non-integer token count": 1}


def test_uint64_parquet_count_above_2_63_is_out_of_range(tmp_path: Path) -> None:
    ts = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    f = tmp_path / "a.parquet"
    pq.write_table(pa.table({
        "user_id": ["u"] * 3, "ts": [ts] * 3, "model": ["m"] * 3,
        "input_tokens": pa.array([2**64 - 1, 5, 2**63], pa.uint64())}), f)
    store = Store()
    fl = store.load(f).files[0]
    assert fl.rows_loaded == 1
    assert fl.rejected_by_reason == {"token count out of range": 2}


# 4. nested and time columns where a scalar is expected

@pytest.mark.parametrize(("column", "values", "found", "expected"), [
    ("input_tokens", pa.array([{"in": 1, "out": 2}]), 'STRUCT("in" BIGINT, "out" BIGINT)',
     "whole numbers"),
    ("input_tokens", pa.array([[1, 2]]), "BIGINT[]", "whole numbers"),
    ("ts", pa.array([dt.time(10, 0)]), "TIME", "a timestamp"),
    ("user_id", pa.array([{"id": "u"}]), "STRUCT(id VARCHAR)", "text or a number"),
])
def test_nested_or_time_column_is_named_with_its_type(tmp_path: Path, column: str,
                                                      values: pa.Array, found: str,
                                                      expected: str) -> None:
    cols: dict[str, pa.Array] = {
        "user_id": pa.array(["u"]), "model": pa.array(["m"]), "input_tokens": pa.array([1]),
        "ts": pa.array([dt.datetime(2026, 10, 1, tzinfo=dt.UTC)])}
    cols[column] = values
    f = tmp_path / "a.parquet"
    pq.write_table(pa.table(cols), f)
    store = Store()
    fl = store.load(f).files[0]
    assert fl.rows_loaded == 0  # a struct user id was loaded as its printed text before
    [(reason, _)] = fl.rejected_by_reason.items()
    assert reason.startswith(f"unusable column type: {column} is {found}, expected {expected}")


def test_interval_timestamp_column_is_named(tmp_path: Path) -> None:
    f = tmp_path / "a.parquet"
    duckdb.connect().execute(f"COPY (SELECT 'u' AS user_id, 'm' AS model, INTERVAL 5 SECOND "
                             f"AS ts, 1 AS input_tokens) TO '{f}'")
    fl = Store().load(f).files[0]
    assert list(fl.rejected_by_reason) == [
        "unusable column type: ts is INTERVAL, expected a timestamp, a date, epoch seconds "
        "or text"]


# 5. CSV line numbers after a quoted field spanning lines

@pytest.mark.parametrize("name", ["a.csv", "a.csv.gz"])
def test_csv_reject_line_is_the_physical_line(tmp_path: Path, name: str) -> None:
    text = ("user_id,ts,model,note,output_tokens\n"
            'u1,2026-10-01T10:00:00Z,m,"multi\nline\nnote",1\n'
            "u2,2026-10-01T10:00:00Z,m,x,1,extra\n"
            "u3,2026-10-01T10:00:00Z,m,x,1\n"
            "u4,2026-10-01T10:00:00Z,m,x\n")
    f = tmp_path / name
    f.write_bytes(gzip.compress(text.encode()) if name.endswith(".gz") else text.encode())
    store = Store()
    store.load(f)
    rows = store.con.execute("SELECT source_row, raw_json FROM rejected_rows ORDER BY 1"
                             ).fetchall()
    # source_row: the data record; line: the file's line (5 and 7, not records 3 and 5)
    assert [(r, json.loads(raw)["line"]) for r, raw in rows] == [(2, 5), (4, 7)]
    assert store.con.execute("SELECT user_id, source_row FROM events ORDER BY 2").fetchall() \
        == [("u1", 1), ("u3", 3)]


# 6. the CSV formula guard

def test_csv_formula_guard_leaves_every_number_alone() -> None:
    from planalyzer.render.formats import to_csv
    from planalyzer.tables import Col, Table

    cells = ["-3", "-1e5", "+1.5", "-.5", "1E-3", "-2.5e+10", "-", "=1+2", "-3+cmd", "@x",
             "+x", "\tx", "\rx", "-1e", "--3", "-inf", "-50%", "+80%", "-%", "-5%%"]
    from planalyzer.render.formats import _csv_cell

    text = to_csv([Table("t", "T", [Col("a")], [(c,) for c in cells])])
    assert "\n-3\n-1e5\n+1.5\n" in text  # was '-1e5, beside -3 unguarded
    guarded = [c for c in cells if _csv_cell(c).startswith("'")]
    # a percentage (economics settings -50%, +80%) is a number to a spreadsheet (qa16C #8)
    assert guarded == ["=1+2", "-3+cmd", "@x", "+x", "\tx", "\rx", "-1e", "--3", "-inf", "-%",
                       "-5%%"]
