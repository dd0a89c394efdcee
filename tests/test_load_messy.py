"""Messy input to the generic load path (QA round 7): token bounds per request, zone names,
out-of-range timestamps, zoned ns parquet, bad logged costs, malformed lines, odd paths."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import cli_error, write_csv, write_parquet

from planalyzer.sources.mapping import read_mapping_file
from planalyzer.store import LoadOptions, Store

HEADER = ["user_id", "ts", "model", "input_tokens", "output_tokens", "requests"]


def utc_strings(store: Store) -> list[str]:
    rows = store.con.execute(
        "SELECT strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') FROM events "
        "ORDER BY source_row").fetchall()
    return [r[0] for r in rows]


def reasons(store: Store) -> dict[str, int]:
    rows = store.con.execute(
        "SELECT reason, count(*) FROM rejected_rows GROUP BY reason").fetchall()
    return {str(r): int(n) for r, n in rows}


def test_token_bound_is_per_request(tmp_path: Path) -> None:
    # a bucket of 1,000 requests with 50M input tokens: 50k per request, far under the bound
    f = write_csv(tmp_path / "b.csv", HEADER,
                  [["u", "2026-10-01T10:00:00Z", "m", 50_000_000, 10, 1000],
                   ["u", "2026-10-01T11:00:00Z", "m", 50_000_000, 10, 1]])
    store = Store()
    report = store.load([f], LoadOptions(max_tokens=10_000_000))
    assert report.rows_loaded == 1
    assert reasons(store) == {"token count over bound": 1}


def test_anthropic_claude_code_heavy_day_is_not_over_bound(tmp_path: Path) -> None:
    day = {"date": "2026-10-01T00:00:00Z", "actor": {"type": "user_actor",
                                                     "email_address": "heavy@x.com"},
           "subscription_type": "max", "customer_type": "subscription", "core_metrics": {},
           "model_breakdown": [{"model": "claude-sonnet-4-5", "tokens": {
               "input": 1000, "output": 2000, "cache_read": 480_000_000,
               "cache_creation": 1000}, "estimated_cost": {"currency": "USD", "amount": 100}}]}
    f = tmp_path / "cc.json"
    f.write_text(json.dumps({"data": [day], "has_more": False}))
    store = Store()
    report = store.load([f])
    assert report.rows_loaded == 1, store.con.execute("FROM rejected_rows").fetchall()


@pytest.mark.parametrize(("raw", "utc"), [
    ("2026-10-01T10:00:00+14:00", "2026-09-30 20:00:00"),
    ("2026-10-01T10:00:00-12:00", "2026-10-01 22:00:00"),
    ("2026-10-01T10:00:00+0530", "2026-10-01 04:30:00"),
    ("2026-10-01T10:00:00-09:30", "2026-10-01 19:30:00"),
])
def test_real_offsets_are_read(tmp_path: Path, raw: str, utc: str) -> None:
    f = write_csv(tmp_path / "x.csv", ["user_id", "ts", "model", "output_tokens"],
                  [["u", raw, "m", 1]])
    store = Store()
    assert store.load([f]).rows_loaded == 1
    assert utc_strings(store) == [utc]


@pytest.mark.parametrize(("raw", "tz", "utc"), [
    ("2026-10-01 10:00:00 UTC", "America/New_York", "2026-10-01 10:00:00"),
    ("2026-10-01 10:00:00.5 UTC", "Asia/Tokyo", "2026-10-01 10:00:00"),
    ("2026-10-01 10:00:00 GMT", "America/New_York", "2026-10-01 10:00:00"),
    ("2026-10-01 10:00:00 Europe/Berlin", "UTC", "2026-10-01 08:00:00"),
    ("2026-10-01T10:00:00 America/Los_Angeles", "Asia/Tokyo", "2026-10-01 17:00:00"),
    ("1790848800000000000", "UTC", "2026-10-01 10:00:00"),  # epoch ns (pandas, Arrow)
])
def test_zone_names_and_ns_epochs(tmp_path: Path, raw: str, tz: str, utc: str) -> None:
    f = write_csv(tmp_path / "x.csv", ["user_id", "ts", "model", "output_tokens"],
                  [["u", raw, "m", 1]])
    store = Store()
    assert store.load([f], LoadOptions(timezone=tz)).rows_loaded == 1
    assert utc_strings(store) == [utc]


@pytest.mark.parametrize(("raw", "reason"), [
    ("2026-10-01 10:00:00 PST", "time zone abbreviation"),
    ("2026-10-01 10:00:00 CET", "time zone abbreviation"),
    ("2026-10-01 10:00:00 Mars/Olympus", "unparseable timestamp"),
    ("0", "timestamp out of range"),
    ("-1", "timestamp out of range"),
    ("0001-01-01T00:00:00Z", "timestamp out of range"),
    ("9999-12-31T23:59:59Z", "timestamp out of range"),
    ("2019-12-31T23:59:59Z", "timestamp out of range"),
    ("1e300", "unparseable timestamp"),
    ("99999999999999999999999", "timestamp out of range"),
    # impossible UTC offsets (real ones lie within -12:00..+14:00): not a shift of days
    ("2026-10-01T10:00:00+99:00", "timestamp offset out of range"),
    ("2026-10-01T10:00:00+14:30", "timestamp offset out of range"),
    ("2026-10-01T10:00:00-1300", "timestamp offset out of range"),
    ("2026-10-01T10:00:00+05:75", "timestamp offset out of range"),
])
def test_bad_timestamps_are_rejected(tmp_path: Path, raw: str, reason: str) -> None:
    f = write_csv(tmp_path / "x.csv", ["user_id", "ts", "model", "output_tokens"],
                  [["u", raw, "m", 1], ["u", "2026-10-01T10:00:00Z", "m", 1]])
    store = Store()
    report = store.load([f])
    assert report.rows_loaded == 1
    (got,) = reasons(store)
    assert got.startswith(reason)


def test_epoch_column_out_of_range(tmp_path: Path) -> None:
    f = write_parquet(tmp_path / "a.parquet",
                      [{"user_id": "u", "created": v, "model": "m", "output_tokens": 1}
                       for v in (0.0, 1790848800000000000.0, 9.5e19)])
    store = Store()
    assert store.load([f]).rows_loaded == 1
    assert utc_strings(store) == ["2026-10-01 10:00:00"]
    assert reasons(store) == {"timestamp out of range": 2}


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
@pytest.mark.parametrize("tz", [None, "UTC", "America/New_York"])
def test_parquet_timestamp_units(tmp_path: Path, unit: str, tz: str | None) -> None:
    schema = pa.schema([("user_id", pa.string()), ("ts", pa.timestamp(unit, tz=tz)),
                        ("model", pa.string()), ("output_tokens", pa.int64())])
    f = write_parquet(tmp_path / "a.parquet",
                      [{"user_id": "u", "ts": datetime(2026, 7, 1, 9), "model": "m",
                        "output_tokens": 1}], schema)
    store = Store()
    assert store.load([f]).rows_loaded == 1
    assert utc_strings(store) == ["2026-07-01 09:00:00"]


def test_logged_cost_and_id_hygiene(tmp_path: Path) -> None:
    # a logged cost that cannot be read never costs the row its tokens: kept, cost NULL, counted
    f = write_csv(tmp_path / "c.csv", ["user_id", "ts", "model", "output_tokens",
                                       "logged_cost_usd"],
                  [["alice ", "2026-10-01T10:00:00Z", " m ", 1, "0.5"],
                   ["alice", "2026-10-01T10:00:00Z", "m", 1, ""],
                   ["bob", "2026-10-01T10:00:00Z", "m", 1, "abc"],
                   ["bob", "2026-10-01T10:00:00Z", "m", 1, "-1"],
                   ["bob", "2026-10-01T10:00:00Z", "m", 1, "NaN"]])
    store = Store()
    report = store.load([f])
    assert report.rows_loaded == 5 and report.rows_rejected == 0
    assert store.con.execute(
        "SELECT user_id, model, sum(output_tokens), sum(logged_cost_usd) FROM events "
        "GROUP BY ALL ORDER BY 1").fetchall() == [("alice", "m", 2, 0.5), ("bob", "m", 3, None)]
    assert reasons(store) == {}
    assert report.files[0].kept_without == {"logged cost": 3}
    assert any("logged cost not a number" in n and "in 3 row(s): kept without it" in n
               for n in report.notes)


def test_decimal_comma_logged_cost(tmp_path: Path) -> None:
    # a ';'-separated export from a German or French spreadsheet: '0,45' is 0.45; '1,200' may
    # be a thousands separator: not read (kept without it, counted)
    f = tmp_path / "euro.csv"
    f.write_text("user;timestamp;model;input_tokens;output_tokens;cost\n"
                 "alice;2026-10-01 10:00;m;1000;100;0,45\n"
                 "bob;2026-10-01 11:00;m;2000;100;1,20\n"
                 "carol;2026-10-01 12:00;m;3000;100;1,200\n"
                 "dave;2026-10-01 13:00;m;4000;100;0,450\n")
    store = Store()
    report = store.load([f])
    assert report.rows_loaded == 4
    assert store.con.execute("SELECT user_id, logged_cost_usd FROM events ORDER BY 1"
                             ).fetchall() == [("alice", 0.45), ("bob", 1.2), ("carol", None),
                                              ("dave", 0.45)]
    assert report.files[0].kept_without == {"logged cost": 1}


def test_thousands_separator_in_a_token_count_says_what_to_write(tmp_path: Path) -> None:
    # Excel writes 1,200 for 1200: rejected, as the logged cost's '1,200' is left unread (a
    # comma may be a decimal comma), but with a reason saying what to write; only the strict
    # thousands shape gets it ('1,20' and '1,2000' stay non-integer)
    f = tmp_path / "excel.csv"
    f.write_text('user_id,ts,model,input_tokens,output_tokens\n'
                 'alice,2026-10-01T10:00:00Z,m,"1,200",5\n'
                 'bob,2026-10-01T10:00:00Z,m,1200,"12,345,678"\n'
                 'carol,2026-10-01T10:00:00Z,m,"1,20",5\n'
                 'dave,2026-10-01T10:00:00Z,m,"1,2000",5\n'
                 'erin,2026-10-01T10:00:00Z,m,1200,5\n')
    store = Store()
    report = store.load([f])
    assert report.rows_loaded == 1
    assert report.files[0].rejected_by_reason == {
        "token count with thousands separators (write 1200, not 1,200)": 2,
        "non-integer token count": 2}
    from typer.testing import CliRunner

    from planalyzer.cli import app

    done = CliRunner().invoke(app, ["report", str(f), "--no-fit", "-q", "-f", "json"])
    assert done.exit_code == 0, done.output
    assert "token count with thousands separators (write 1200, not 1,200) x2" in done.stderr


def test_sqlite_db_is_refused_without_reaching_out(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "other.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE t (x)")
    before = db.read_bytes()
    f = write_csv(tmp_path / "a.csv", HEADER, [["u", "2026-10-01T10:00:00Z", "m", 1, 1, 1]])
    err = cli_error(["load", str(f), "--db", str(db)])
    assert "a SQLite database" in err and "http" not in err
    assert db.read_bytes() == before


def test_every_connection_is_offline() -> None:
    store = Store()
    got = store.con.execute("SELECT current_setting('autoinstall_known_extensions'), "
                            "current_setting('autoload_known_extensions')").fetchone()
    assert got == (False, False)
    # and no module opens a connection any other way
    root = Path(__file__).resolve().parents[1] / "planalyzer"
    opened = [p.name for p in root.rglob("*.py")
              if "duckdb.connect(" in p.read_text() and p.name != "duck.py"]
    assert opened == []


def rejected(store: Store) -> list[tuple[int, str, dict[str, object]]]:
    rows = store.con.execute(
        "SELECT source_row, reason, raw_json FROM rejected_rows ORDER BY source_row").fetchall()
    return [(int(r), str(why), json.loads(raw)) for r, why, raw in rows]


def test_csv_line_with_wrong_field_count_is_one_rejected_row(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text("user_id,ts,model,output_tokens\n"
                 "u1,2026-10-01T10:00:00Z,m,1\n"
                 "u2,2026-10-01T11:00:00Z,m,1,extra\n"
                 "u3,2026-10-01T12:00:00Z,m,1\n"
                 "u4,2026-10-01T13:00:00Z,m\n"
                 "u5,2026-10-01T14:00:00Z,m,1\n"
                 "u6,2026-10-")  # cut off mid-row
    store = Store()
    report = store.load(f)
    fl = report.files[0]
    assert (fl.rows_read, fl.rows_loaded, fl.rows_rejected) == (6, 3, 3)
    assert fl.rejected_by_reason == {"wrong number of fields (too many)": 1,
                                     "wrong number of fields (too few)": 2}
    assert [(r, why.split(" (")[0], raw["line"]) for r, why, raw in rejected(store)] == [
        (2, "wrong number of fields", 3), (4, "wrong number of fields", 5),
        (6, "wrong number of fields", 7)]
    # the rows read keep their own data-row numbers
    assert store.con.execute("SELECT user_id, source_row FROM events ORDER BY source_row"
                             ).fetchall() == [("u1", 1), ("u3", 3), ("u5", 5)]


@pytest.mark.parametrize("sep", [",", ";"])
def test_csv_header_with_trailing_delimiter_reads_the_rows(tmp_path: Path, sep: str) -> None:
    # a spreadsheet's header with one more (empty) field than its rows: the rows are read under
    # the header's names; a row short of those is still one rejected row
    f = tmp_path / "a.csv"
    f.write_text(sep.join(["user_id", "ts", "model", "input_tokens", "output_tokens", ""]) + "\n"
                 + "".join(sep.join(r) + "\n" for r in [
                     ["u1", "2026-10-01T10:00:00Z", "m", "100", "10"],
                     ["u2", "2026-10-01T11:00:00Z", "m"],
                     ["u3", "2026-10-01T12:00:00Z", "m", "300", "10"]]))
    store = Store()
    fl = store.load(f).files[0]
    assert (fl.rows_read, fl.rows_loaded, fl.rows_rejected) == (3, 2, 1)
    assert fl.rejected_by_reason == {"wrong number of fields (too few)": 1}
    assert store.con.execute("SELECT user_id, source_row, input_tokens FROM events ORDER BY 2"
                             ).fetchall() == [("u1", 1, 100), ("u3", 3, 300)]
    assert [(r, raw["line"]) for r, _, raw in rejected(store)] == [(2, 3)]


def test_jsonl_bad_lines_are_rejected_with_their_line(tmp_path: Path) -> None:
    good = json.dumps({"user_id": "u", "ts": "2026-10-01T10:00:00Z", "model": "m",
                       "output_tokens": 1})
    f = tmp_path / "a.jsonl"
    f.write_text(f"{good}\nBAD\n\n{good}\n{good[:30]}")
    store = Store()
    fl = store.load(f).files[0]
    assert (fl.rows_read, fl.rows_loaded, fl.rows_rejected) == (4, 2, 2)
    assert [(r, why, raw["line"]) for r, why, raw in rejected(store)] == [
        (2, "malformed JSON line", 2), (4, "malformed JSON line", 5)]


def test_jsonl_line_not_an_object_is_named(tmp_path: Path) -> None:
    good = json.dumps({"user_id": "u", "ts": "2026-10-01T10:00:00Z", "model": "m",
                       "output_tokens": 1})
    f = tmp_path / "a.jsonl"
    f.write_text(f"{good}\nnot json\n{good}\n[1, 2]\n")
    err = cli_error(["load", str(f)])
    assert "a.jsonl: cannot be read as jsonl (line 4 is not a JSON object)" in err


def test_json_array_file_is_read(tmp_path: Path) -> None:
    rows = [{"user_id": "u", "ts": "2026-10-01T10:00:00Z", "model": "m", "output_tokens": i}
            for i in (1, 2)]
    f = tmp_path / "export.json"
    f.write_text(json.dumps(rows, indent=2))
    assert Store().load([str(f)]).rows_loaded == 2


def test_library_load_takes_a_str_a_path_or_a_list(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "a.csv", HEADER, [["u", "2026-10-01T10:00:00Z", "m", 1, 1, 1]])
    for specs in (str(f), f, [f], (str(f),)):
        assert Store().load(specs).rows_loaded == 1


def test_library_errors_are_planalyzer_errors(tmp_path: Path) -> None:
    from planalyzer.errors import ConfigError, InputError

    (tmp_path / "logs").mkdir()
    write_csv(tmp_path / "logs" / "a.csv", HEADER, [["u", "2026-10-01T10:00:00Z", "m", 1, 1, 1]])
    (tmp_path / "logs" / "b.csv").symlink_to(tmp_path / "gone.csv")
    # a dangling link in a folder is passed over with a note (tests/test_load_inputs.py)
    report = Store().load(tmp_path / "logs")
    assert report.rows_loaded == 1
    assert any("symbolic link" in n for n in report.notes)
    bad = tmp_path / "map.toml"
    bad.write_bytes(b"\xff\xfe[columns]\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        Store().load(tmp_path / "logs" / "a.csv",
                     LoadOptions(mapping=read_mapping_file(bad)))
    with pytest.raises(InputError, match="not a path"):
        Store().load([3])  # type: ignore[list-item]


def test_mapping_file_with_bom_is_read(tmp_path: Path) -> None:
    f = tmp_path / "map.toml"
    f.write_bytes('\ufeff[columns]\nuser_id = "who"\n'.encode())
    assert read_mapping_file(f).explicit == {"user_id": "who"}


def test_byte_identical_copy_is_dropped_with_a_note(tmp_path: Path) -> None:
    rows = [["u", "2026-10-01T10:00:00Z", "m", 100, 10, 1]]
    a = write_csv(tmp_path / "usage.csv", HEADER, rows)
    b = tmp_path / "usage (1).csv"
    b.write_bytes(a.read_bytes())
    write_csv(tmp_path / "other.csv", HEADER, [["v", "2026-10-01T10:00:00Z", "m", 100, 10, 1]])
    report = Store().load(tmp_path)
    assert report.rows_loaded == 2 and report.duplicates_dropped == 1
    (copy,) = [fl for fl in report.files if fl.duplicates_dropped]
    assert copy.source == str(b)
    assert any(n.startswith(f"{b}: the same bytes as {a}") for n in report.notes)


def test_byte_identical_copy_of_a_file_in_the_db(tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a" / "usage.csv", HEADER,
                  [["u", "2026-10-01T10:00:00Z", "m", 100, 10, 1]])
    b = tmp_path / "b.csv"
    b.write_bytes(a.read_bytes())
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load(a)
    with Store(db) as store:
        report = store.load(b)
        assert report.duplicates_dropped == 1 and store.events_count() == 1


def test_same_bytes_in_other_hive_folders_are_not_copies(tmp_path: Path) -> None:
    head = ["ts", "model", "input_tokens", "output_tokens"]
    row = [["2026-10-01T10:00:00Z", "claude-sonnet-4-5", 100, 10]]
    a = write_csv(tmp_path / "user_id=alice" / "part-0.csv", head, row)
    b = write_csv(tmp_path / "user_id=bob" / "part-0.csv", head, row)
    assert a.read_bytes() == b.read_bytes()
    with Store() as store:
        report = store.load(tmp_path)
        assert report.rows_loaded == 2 and report.duplicates_dropped == 0
        assert store.con.execute("SELECT list(user_id ORDER BY user_id) FROM events"
                                 ).fetchall() == [(["alice", "bob"],)]
    # a copy within the same partition is still one
    (tmp_path / "user_id=bob" / "part-0 (1).csv").write_bytes(b.read_bytes())
    report = Store().load(tmp_path)
    assert report.rows_loaded == 2 and report.duplicates_dropped == 1


def test_untrusted_ids_in_csv_markdown_and_terminal_output() -> None:
    from planalyzer.render.formats import human, to_csv, to_markdown
    from planalyzer.tables import Col, Table

    t = Table("users", "Users", [Col("user_id", "str", "user"), Col("n", "int", "n")],
              [("=cmd|calc", -1), ("multi\nline", 2), ("\x1b[31mred", 3), ("-x", 4)])
    csv_text = to_csv([t])
    assert "'=cmd|calc,-1" in csv_text and "'-x,4" in csv_text  # text only, not numbers
    assert to_csv([Table("t", "T", [Col("a")], [("-",), ("-5",), ("+1.5",)])]) == "a\n-\n-5\n+1.5\n"
    assert "\x1b" in csv_text  # CSV keeps the value (quoted); only a formula start changes
    md = to_markdown([t])
    assert "| multi\\nline | 2 |" in md and "| \\x1b\\[31mred | 3 |" in md and "\x1b" not in md
    assert human("a\u200bb", Col("user_id", "str", "user")) == "a\\u200bb"


def test_markdown_escapes_what_would_format_an_id() -> None:
    """qa13B: an id *bold*_x_ rendered in bold in markdown output; now every character that
    would format a cell is backslash-escaped, and an underscore inside a word (claude_max_20x),
    "<=" and "->" stay as they are."""
    from planalyzer.render.formats import md_text, to_markdown
    from planalyzer.tables import Col, Table

    ids = ["*bold*_x_", "claude_max_20x", "[a](http://x)", "<img src=x>", "`c`", "~~s~~",
           "a|b", "&amp;", "a\\*b", "multi\\nline"]
    t = Table("users", "Users", [Col("user_id", "str", "*user*"), Col("n", "int")],
              [(i, n) for n, i in enumerate(ids)])
    md = to_markdown([t]).splitlines()
    assert md[2] == "| \\*user\\* | n |"
    assert md[4:] == [
        "| \\*bold\\*\\_x\\_ | 0 |", "| claude_max_20x | 1 |", "| \\[a](http://x) | 2 |",
        "| \\<img src=x> | 3 |", "| \\`c\\` | 4 |", "| \\~\\~s\\~\\~ | 5 |", "| a\\|b | 6 |",
        "| \\&amp; | 7 |", "| a\\\\\\*b | 8 |", "| multi\\nline | 9 |"]
    assert md_text("hit_share:claude_pro.session_5h <= 0.5 -> x") == \
        "hit_share:claude_pro.session_5h <= 0.5 -> x"
    assert md_text("_lead and trail_") == "\\_lead and trail\\_"


def test_csv_line_over_2mb_loads(tmp_path: Path) -> None:
    """A 3 MB prompt field (over DuckDB's default 2 MB line) loads with the file's other rows."""
    f = tmp_path / "long.csv"
    f.write_text("user_id,ts,model,input_tokens,output_tokens,prompt\n"
                 "u1,2026-10-01T10:00:00Z,m,100,1,short\n"
                 f'u2,2026-10-01T11:00:00Z,m,200,2,"{"x" * 3_000_000}"\n'
                 "u3,2026-10-01T12:00:00Z,m,300,3,short\n", encoding="utf-8")
    store = Store()
    report = store.load([f])
    assert (report.rows_read, report.rows_loaded) == (3, 3)
    assert store.con.execute("SELECT sum(input_tokens) FROM events").fetchone() == (600,)


def test_csv_line_over_the_bound_names_it(tmp_path: Path) -> None:
    """DuckDB's error for a line over max_line_size (it names line 1 and no reason) becomes
    one naming the bound and the fix (a smaller bound here: a 64 MB line takes 25 s to load)."""
    import duckdb

    from planalyzer.sources.tabular import line_too_long

    f = tmp_path / "long.csv"
    f.write_text(f'user_id,prompt\nu1,"{"x" * 3_000_000}"\n', encoding="utf-8")
    with pytest.raises(duckdb.Error) as caught:
        duckdb.connect().execute(
            "SELECT count(*) FROM read_csv($p, max_line_size = 1048576, buffer_size = 1048576)",
            {"p": str(f)}).fetchall()
    err = line_too_long("long.csv", caught.value)
    assert err is not None
    assert str(err).startswith("long.csv: cannot be read as csv (a line is longer than 64 MB")
    assert line_too_long("x.csv", duckdb.Error("CSV Error on Line: 3")) is None
