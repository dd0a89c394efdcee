"""Files whose bytes are not what their name says, or that DuckDB's CSV sniffer cannot read as
they are (qa16B #5, #6, #7):

- gzip, zstd, parquet or zip data under a .csv/.jsonl name, a plain file named .gz, a gzip
  file cut short: one error naming what the file is and what to do (it was "file is empty",
  or its bytes listed as columns);
- a CSV whose lines end in CRLF and LF both (a Windows and a Unix export concatenated, a row
  added in Notepad) loads every row (it failed whole with DuckDB's sniffing error); a
  JSON-lines file whose lines end in CR alone loads too;
- a CSV whose header line is not UTF-8 (a Latin-1 "Coût") is an error with the re-save
  advice (its first data row was taken for the header)."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import pytest
from conftest import FIXTURES, cli_error, write_parquet

from planalyzer.errors import InputError
from planalyzer.sources import file_kind
from planalyzer.store import LoadOptions, Store

HEADER = "ts,user_id,model,input_tokens,output_tokens"
ROWS = ["2026-10-01T10:00:00Z,alice,claude-sonnet-4-5,100,10",
        "2026-10-01T11:00:00Z,bob,claude-sonnet-4-5,100,10",
        "2026-10-01T12:00:00Z,carol,claude-sonnet-4-5,100,10"]
TEXT = "\n".join([HEADER, *ROWS]) + "\n"
JSONL = "".join(json.dumps(dict(zip(HEADER.split(","), r.split(","), strict=True))) + "\n"
                for r in ROWS)


def _zstd(data: bytes) -> bytes:
    import pyarrow as pa

    out = pa.BufferOutputStream()
    with pa.CompressedOutputStream(out, "zstd") as z:
        z.write(data)
    return bytes(out.getvalue().to_pybytes())


def _load(path: Path) -> tuple[int, int, list[tuple[str, int]]]:
    """(loaded, rejected, [(reason, line)]) of one file."""
    with Store() as store:
        report = store.load([str(path)], LoadOptions())
        bad = store.con.execute(
            "SELECT reason, CAST(raw_json::JSON ->> 'line' AS INTEGER) FROM rejected_rows "
            "ORDER BY source_row").fetchall()
    return (sum(f.rows_loaded for f in report.files), sum(f.rows_rejected for f in report.files),
            [(str(r), int(n)) for r, n in bad])


# -- what the bytes are --------------------------------------------------------------------

@pytest.mark.parametrize(("name", "data", "says"), [
    ("gz_as.csv", gzip.compress(TEXT.encode(), mtime=0),
     "gz_as.csv: gzip-compressed data, though named .csv; rename it to gz_as.csv.gz"),
    ("gz_as.jsonl", gzip.compress(JSONL.encode(), mtime=0),
     "gz_as.jsonl: gzip-compressed data, though named .jsonl; rename it to gz_as.jsonl.gz"),
    ("zst_as.csv", _zstd(TEXT.encode()),
     "zst_as.csv: zstd-compressed data, though named .csv; rename it to zst_as.csv.zst"),
    ("plain.csv.gz", TEXT.encode(),
     "plain.csv.gz: named .gz but not gzip-compressed (plain text?); rename it to plain.csv"),
    ("plain.jsonl.zst", JSONL.encode(),
     "plain.jsonl.zst: named .zst but not zstd-compressed (plain text?); rename it to "
     "plain.jsonl"),
])
def test_compression_that_the_name_does_not_say_is_named(tmp_path: Path, name: str,
                                                        data: bytes, says: str) -> None:
    (tmp_path / name).write_bytes(data)
    err = cli_error(["load", str(tmp_path / name)])
    assert says in err and "empty" not in err


@pytest.mark.parametrize("name", ["pq_as.csv", "pq_as.jsonl"])
def test_parquet_under_a_text_name_is_named(tmp_path: Path, name: str) -> None:
    write_parquet(tmp_path / name, [dict(zip(HEADER.split(","), ROWS[0].split(","),
                                             strict=True))])
    err = cli_error(["load", str(tmp_path / name)])
    assert f"{name}: a parquet file, though named .{name.rsplit('.', 1)[1]}; rename it to " \
           "pq_as.parquet and load that" in err


def test_a_zip_archive_named_csv_says_to_unzip_it(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "usage.csv", "w") as z:  # an .xlsx renamed, say
        z.writestr("usage.csv", TEXT)
    err = cli_error(["load", str(tmp_path / "usage.csv")])
    assert "usage.csv: a zip archive (an Excel .xlsx workbook is one), though named .csv; " \
           "unzip it" in err


def test_a_gzip_file_cut_short_is_not_called_empty(tmp_path: Path) -> None:
    (tmp_path / "cut.csv.gz").write_bytes(gzip.compress(TEXT.encode())[:20])
    err = cli_error(["load", str(tmp_path / "cut.csv.gz")])
    assert "cut.csv.gz: a gzip file that is cut short or corrupt (Compressed file ended " \
           "before the end-of-stream marker was reached); copy or download it again " \
           "(gzip -t FILE checks one)" in err


def test_mismatch_reads_four_bytes_and_passes_parquet_names_to_their_reader() -> None:
    gz = gzip.compress(b"x")
    assert file_kind.mismatch("k", Path("a.parquet"), "parquet", b"PAR1") is None
    assert file_kind.mismatch("k", Path("a.parquet"), "parquet", b"\x00\x07\x93 ") is None
    assert file_kind.mismatch("k", Path("a.parquet"), "parquet", b"") is None
    assert file_kind.mismatch("k", Path("a.csv.gz"), "csv", gz[:4]) is None
    assert file_kind.mismatch("k", Path("a.csv"), "csv", b"ts,u") is None
    assert file_kind.mismatch("k", Path("a.csv.gz"), "csv", b"") is None  # empty: said so


# -- line ends -------------------------------------------------------------------------------

@pytest.mark.parametrize("ends", [
    ["\n", "\r\n", "\n", "\n"],      # one CRLF line in an LF file
    ["\r\n", "\r\n", "\n", "\r\n"],  # one LF line in a CRLF file
    ["\n", "\r", "\n", "\n"],        # one line ending in CR alone
])
def test_csv_with_mixed_line_ends_loads_every_row(tmp_path: Path, ends: list[str]) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes("".join(line + end for line, end in zip([HEADER, *ROWS], ends,
                                                           strict=True)).encode())
    assert _load(path) == (3, 0, [])


def test_mixed_line_ends_keep_a_bad_rows_line_number(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv.gz"
    text = f"{HEADER}\r\n{ROWS[0]}\r\nshort,row\n{ROWS[1]}\r\n"
    path.write_bytes(gzip.compress(text.encode()))
    assert _load(path) == (2, 1, [("wrong number of fields (too few)", 3)])


def test_mixed_line_ends_past_the_sniffed_rows_load(tmp_path: Path) -> None:
    # the sniffer reads the first 20,480 rows; one CRLF line after them failed the read
    rows = [f"2026-10-01T10:00:00Z,u{i},claude-sonnet-4-5,1,1" for i in range(21_000)]
    path = tmp_path / "late.csv"
    path.write_bytes(("\n".join([HEADER, *rows]) + "\r\n" + ROWS[0] + "\n").encode())
    assert _load(path)[:2] == (21_001, 0)


def test_map_names_mixed_line_ends(tmp_path: Path) -> None:
    # `map` reads the file in place: it says what is wrong and what to do
    path = tmp_path / "mixed.csv"
    path.write_bytes(f"{HEADER}\n{ROWS[0]}\r\n{ROWS[1]}\n".encode())
    err = cli_error(["map", str(path)])
    assert "mixed.csv: its lines end in more than one way (Windows CRLF and Unix LF, say)" \
           in err and "dos2unix" in err


def test_line_ends_error_reads_a_compressed_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "late.csv.gz"
    lf = "".join(f"{r}\n" for r in ROWS) * 40_000  # well past the first MB looked at
    path.write_bytes(gzip.compress(f"{HEADER}\n{lf}{ROWS[0]}\r\n".encode()))
    assert not file_kind.mixed_line_ends(path)
    err = file_kind.line_ends_error(str(path), path)
    assert err is not None and "dos2unix" in str(err)
    assert file_kind.line_ends_error("k", tmp_path / "none.csv") is None


def test_jsonl_whose_lines_end_in_cr_alone_loads(tmp_path: Path) -> None:
    path = tmp_path / "mac.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + JSONL.replace("\n", "\r").encode())
    assert _load(path) == (3, 0, [])


# -- encoding --------------------------------------------------------------------------------

def test_latin1_header_says_to_resave_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_bytes(f"{HEADER},co\xfbt\n".encode("latin-1")
                     + "".join(f"{r},0.1\n" for r in ROWS).encode())
    err = cli_error(["load", str(path)])
    assert err == (f"error: {path}: line 1 (the header) is not UTF-8 text, so its column names "
                   "cannot be read; the file is not UTF-8 (Latin-1 or Windows-1252?): re-save "
                   "it as UTF-8 (a CSV from Excel: Save As 'CSV UTF-8'; or iconv -f cp1252 -t "
                   f"utf-8 {path} > NEW_FILE) and load that")


def test_header_check_passes_a_character_cut_by_the_head() -> None:
    head = ("ts,user_id," + "é" * 3000).encode()[:4095]  # a 2-byte character cut in two
    assert file_kind.header_not_utf8(head) is None
    assert file_kind.header_not_utf8(b"\n\nts,co\xfbt\n1,2\n") == 3
    assert file_kind.header_not_utf8(b"ts,user\n\xff\n") is None  # a data row: rejected alone


def test_a_latin1_data_row_still_loads_the_others(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(f"{TEXT}2026-10-01T13:00:00Z,Jos\xe9,claude-sonnet-4-5,1,1\n"
                     .encode("latin-1"))
    loaded, rejected, _ = _load(path)
    assert (loaded, rejected) == (3, 1)


def test_library_load_raises_input_error(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_bytes(gzip.compress(TEXT.encode()))
    with Store() as store, pytest.raises(InputError, match="gzip-compressed data"):
        store.load([str(tmp_path / "x.csv")])


@pytest.mark.parametrize("kind", ["claude_code", "codex"])
def test_transcript_whose_lines_end_in_cr_alone_says_how_to_convert(tmp_path: Path,
                                                                    kind: str) -> None:
    # read line by line on LF, it was one unterminated line: 0 rows, exit 0
    source = (next((FIXTURES / "claude_code" / "loose").glob("*.jsonl")) if kind ==
              "claude_code" else next((FIXTURES / "codex" / "home").rglob("rollout-*.jsonl")))
    path = tmp_path / source.name
    path.write_bytes(source.read_bytes().replace(b"\n", b"\r"))
    err = cli_error(["load", str(path)])
    assert err == (f"error: {path}: its lines end in CR alone (an old Mac editor's), not LF; "
                   "convert them (mac2unix FILE, or tr '\\r' '\\n' < FILE > NEW_FILE) and load "
                   "that")


# -- zstd cut short --------------------------------------------------------------------------

def _frame(content: bytes, checksum: bool, rle: bool = False) -> bytes:
    """One zstd frame by hand (RFC 8878): single segment, a 4-byte content size, one raw block
    (or an RLE block of content[0]), and 4 checksum bytes where ``checksum`` (not checked by
    the walk: any 4 bytes)."""
    fhd = 0x80 | 0x20 | (0x04 if checksum else 0)
    header = file_kind.ZSTD + bytes([fhd]) + len(content).to_bytes(4, "little")
    kind = 1 if rle else 0
    block = (1 | kind << 1 | len(content) << 3).to_bytes(3, "little")
    body = content[:1] if rle else content
    return header + block + body + (b"\0\0\0\0" if checksum else b"")


def _skippable(data: bytes, magic: int = 0x184D2A50) -> bytes:
    """A zstd skippable frame (RFC 8878 3.1.2: magic 0x184D2A50..5F, a 4-byte size, data)."""
    return magic.to_bytes(4, "little") + len(data).to_bytes(4, "little") + data


def test_a_zstd_file_cut_short_is_an_error_not_the_rows_before_the_cut(tmp_path: Path) -> None:
    """DuckDB reads a .csv.zst up to the cut without a word (the rows after it lost, the cut
    line one rejected row); the frame walk finds the missing bytes first."""
    import pyarrow as pa

    text = (HEADER + "\n" + "".join(f"2026-10-01T10:00:00Z,u{i % 7},gpt-5,{i},{i * 7}\n"
                                     for i in range(9000))).encode()
    whole = pa.compress(text, codec="zstd", asbytes=True)
    (tmp_path / "cut.csv.zst").write_bytes(whole[: len(whole) // 2])
    err = cli_error(["load", str(tmp_path / "cut.csv.zst")])
    assert f"cut.csv.zst: a zstd file that is cut short or corrupt (the data stops inside a " \
           f"frame, at byte {len(whole) // 2:,}); copy or download it again" in err
    (tmp_path / "cut.csv.zst").write_bytes(whole)
    with Store() as s:
        assert s.load([str(tmp_path / "cut.csv.zst")]).rows_loaded == 9000


@pytest.mark.parametrize("checksum", [False, True])
def test_the_zstd_walk_flags_every_cut_and_no_whole_file(tmp_path: Path, checksum: bool) -> None:
    """Two frames (a raw block and an RLE block) and skippable frames before, between and
    after them: the whole file and a cut at the end of a frame are complete; a cut anywhere
    else is not."""
    first, second = _frame(b"ts,user_id\n", checksum), _frame(b"x" * 40, checksum, rle=True)
    skip = _skippable(b"abc", 0x184D2A53)
    data = skip + first + skip + second + skip  # skippable frames first, between, last
    f = tmp_path / "f.zst"
    ends = {len(skip), len(skip) + len(first), 2 * len(skip) + len(first),
            len(data) - len(skip), len(data)}
    for cut in range(4, len(data) + 1):
        f.write_bytes(data[:cut])
        assert (file_kind.zstd_cut_short(f) is None) == (cut in ends), cut


def _pzstd(data: bytes, parts: int = 2) -> bytes:
    """``data`` compressed as pzstd writes it: per part, a skippable frame holding the size of
    the zstd frame that follows it (4 bytes), then that frame."""
    import pyarrow as pa

    step = -(-len(data) // parts)
    out = b""
    for i in range(0, len(data), step):
        frame = pa.compress(data[i:i + step], codec="zstd", asbytes=True)
        out += _skippable(len(frame).to_bytes(4, "little")) + frame
    return out


@pytest.mark.parametrize("where", ["pzstd", "start", "middle", "end", "all"])
def test_a_zstd_file_with_skippable_frames_loads_every_row(tmp_path: Path, where: str) -> None:
    """A skippable frame before the first zstd frame (pzstd's output, the seekable format) was
    "named .zst but not zstd-compressed (plain text?)" (qa18A #5): zstd and DuckDB skip it."""
    import pyarrow as pa

    text = (HEADER + "\n" + "".join(f"2026-10-01T10:00:00Z,u{i % 7},gpt-5,{i},{i * 7}\n"
                                     for i in range(3000))).encode()
    half = len(text) // 2
    a, b = (pa.compress(t, codec="zstd", asbytes=True) for t in (text[:half], text[half:]))
    skip = _skippable(b"seek table?", 0x184D2A5F)
    data = {"pzstd": _pzstd(text), "start": skip + a + b, "middle": a + skip + b,
            "end": a + b + skip, "all": skip + a + skip + b + skip}[where]
    (tmp_path / "u.csv.zst").write_bytes(data)
    assert file_kind.zstd_cut_short(tmp_path / "u.csv.zst") is None
    assert _load(tmp_path / "u.csv.zst") == (3000, 0, [])
    (tmp_path / "u.csv.zst").write_bytes(data[:-9])  # cut short still said
    err = cli_error(["load", str(tmp_path / "u.csv.zst")])
    assert "u.csv.zst: a zstd file that is cut short or corrupt (" in err, err


def test_pzstd_bytes_under_a_plain_name_are_named_zstd(tmp_path: Path) -> None:
    """The rename advice of zstd data under a .csv or .jsonl name holds for pzstd's too (the
    .jsonl one, a transcript, was read as lines that are not JSON)."""
    (tmp_path / "pz.csv").write_bytes(_pzstd(TEXT.encode()))
    (tmp_path / "pz.jsonl").write_bytes(_pzstd(JSONL.encode()))
    for name in ("pz.csv", "pz.jsonl"):
        err = cli_error(["load", str(tmp_path / name)])
        assert f"{name}: zstd-compressed data, though named .{name[3:]}; rename it to " \
               f"{name}.zst (or decompress it) and load that" in err, err
    for magic in range(0x184D2A50, 0x184D2A60):
        assert file_kind.kind_of(magic.to_bytes(4, "little")) == "zstd"
    assert file_kind.kind_of((0x184D2A60).to_bytes(4, "little")) is None
    assert file_kind.mismatch("k", Path("a.csv.zst"), "csv", _pzstd(b"x")[:4]) is None


@pytest.mark.parametrize(("data", "said"), [
    (b"", "file is empty (no header, no rows)"),
    (_skippable(b"\0\0\0\0"), "file is empty (no header, no rows)"),
    (_skippable(b"\0\0\0\0")[:6], "a zstd file that is cut short or corrupt ("),
    (_skippable(b"\0\0\0\0")[:10], "a zstd file that is cut short or corrupt ("),
], ids=["empty", "skippable-only", "size-cut", "data-cut"])
def test_a_zst_file_of_no_zstd_frame_says_what_it_lacks(tmp_path: Path, data: bytes,
                                                         said: str) -> None:
    (tmp_path / "x.csv.zst").write_bytes(data)
    err = cli_error(["load", str(tmp_path / "x.csv.zst")])
    assert f"x.csv.zst: {said}" in err, err


@pytest.mark.parametrize(("data", "said"), [
    (HEADER.encode() + b"\n" + ROWS[0].encode() + b"\n",
     "text (a CSV export?), not a parquet file, though named .parquet; rename it to x.csv "
     "and load that"),
    (b'{"ts": "2026-10-01T10:00:00Z"}\n',
     "text (a JSON export?), not a parquet file, though named .parquet; rename it to "
     "x.jsonl (one object a line) or x.json and load that"),
    (gzip.compress(b"ts,user_id\n", mtime=0),
     "gzip-compressed data, though named .parquet (a compressed CSV or JSON-lines export?); "
     "rename it to x.csv.gz or x.jsonl.gz, as it holds, and load that"),
], ids=["csv", "json", "gzip"])
def test_a_file_named_parquet_holding_text_says_what_it_holds(tmp_path: Path, data: bytes,
                                                              said: str) -> None:
    """DuckDB's parquet reader said "No magic bytes found at end of file" and to check the file
    is complete, for a CSV saved under a .parquet name."""
    (tmp_path / "x.parquet").write_bytes(data)
    err = cli_error(["load", str(tmp_path / "x.parquet")])
    assert f"x.parquet: {said}" in err, err
