"""--plan-file input the fuzzing audit found (qa16B #10): a byte that is not UTF-8 and
compressed bytes are one line naming the file (not DuckDB's 25-line dump), and user ids and
plan names are trimmed as the logs' ids are."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from conftest import FIXTURES, cli_error

from planalyzer.errors import ConfigError
from planalyzer.plans import check_user_file, load_plan_catalog
from planalyzer.report import read_user_plan_file
from planalyzer.store import Store

HAND = FIXTURES / "whatif_hand"


def report_error(plan_file: Path) -> str:
    return cli_error(["report", str(HAND / "ev.csv"), "--plans", str(HAND / "plans.toml"),
                      "--plan-file", str(plan_file), "-q"])


def test_latin1_byte_names_its_line_and_the_resave(tmp_path: Path) -> None:
    pf = tmp_path / "pf.csv"
    pf.write_bytes(b"user_id,plan\nu1,basic\nu\xe92,basic\n")
    err = report_error(pf)
    assert f"{pf}: line 3 is not UTF-8 text; the file is not UTF-8" in err
    assert "re-save it as UTF-8" in err and "ignore_errors" not in err


def test_gzip_bytes_under_a_csv_name_say_so(tmp_path: Path) -> None:
    pf = tmp_path / "pf.csv"
    pf.write_bytes(gzip.compress(b"user_id,plan\nu1,basic\n"))
    err = report_error(pf)
    assert err.endswith(f"{pf}: gzip-compressed data; name it pf.csv.gz or decompress it "
                        "(gunzip) and give that")


def test_pzstd_bytes_under_a_csv_name_say_so(tmp_path: Path) -> None:
    """zstd data opening with a skippable frame (pzstd's) is zstd data too (qa18A #5)."""
    import pyarrow as pa

    frame = pa.compress(b"user_id,plan\nu1,basic\n", codec="zstd", asbytes=True)
    skippable = (0x184D2A50).to_bytes(4, "little") + (4).to_bytes(4, "little")
    pf = tmp_path / "pf.csv"
    pf.write_bytes(skippable + len(frame).to_bytes(4, "little") + frame)
    err = report_error(pf)
    assert err.endswith(f"{pf}: zstd-compressed data; name it pf.csv.zst or decompress it "
                        "(unzstd) and give that")
    pf.rename(tmp_path / "pf.csv.zst")
    got = read_user_plan_file(Store().con, tmp_path / "pf.csv.zst",
                              load_plan_catalog(HAND / "plans.toml"))
    assert got == {"u1": "basic"}


def test_gzipped_plan_file_named_so_is_read(tmp_path: Path) -> None:
    pf = tmp_path / "pf.csv.gz"
    pf.write_bytes(gzip.compress(b"user_id,plan\nu1,basic\n"))
    got = read_user_plan_file(Store().con, pf, load_plan_catalog(HAND / "plans.toml"))
    assert got == {"u1": "basic"}


def test_other_duckdb_errors_are_one_line(tmp_path: Path) -> None:
    pf = tmp_path / "pf.parquet"
    pf.write_bytes(b"PAR1 not really parquet")
    err = report_error(pf)
    assert err.startswith(f"error: {pf}: cannot read as CSV or parquet (")
    assert err.endswith("); give a CSV or parquet file with columns user_id and plan")


def test_user_ids_and_plans_are_trimmed(tmp_path: Path) -> None:
    pf = tmp_path / "pf.csv"
    pf.write_text("user_id,plan\n u1 , pro \nu2 ,basic\n")
    got = read_user_plan_file(Store().con, pf, load_plan_catalog(HAND / "plans.toml"))
    assert got == {"u1": "pro", "u2": "basic"}


@pytest.mark.parametrize("row", [("  ", "basic"), ("u1", " ")])
def test_blank_user_or_plan_is_missing(row: tuple[str, str]) -> None:
    with pytest.raises(ConfigError, match="row 1: user_id and plan must both be given"):
        check_user_file([row], load_plan_catalog(HAND / "plans.toml"), "pf.csv")


def test_long_user_id_is_cut_in_the_message() -> None:
    uid = "u" * 100_000
    with pytest.raises(ConfigError) as err:
        check_user_file([(uid, "basic"), (uid, "pro")], load_plan_catalog(HAND / "plans.toml"),
                        "pf.csv")
    assert len(str(err.value)) < 300
    assert "... (100,000 characters)" in str(err.value)
