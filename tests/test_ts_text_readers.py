"""Timestamp text on every reader (qa16B #1, #9): an offset outside -12:00..+14:00 is rejected
with the CSV reader's reason on JSON lines, JSON arrays, vendor exports, Claude Code and Codex
(never stored days away); a space before the offset, a lower-case z and a decimal comma are
read, as the pattern allows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, write_csv

from planalyzer.sources.ts_text import OFFSET_OUT_OF_RANGE, iso_text
from planalyzer.store import LoadOptions, Store

BAD_OFFSETS = ["+99:00", "+05:75", "+14:30", "-13:00"]
ROW = {"user_id": "a", "model": "claude-sonnet-4-5", "input_tokens": 100, "output_tokens": 10}


def utc(store: Store) -> list[str]:
    return [r[0] for r in store.con.execute(
        "SELECT strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') FROM events "
        "ORDER BY source_row").fetchall()]


def reasons(store: Store) -> dict[str, int]:
    return {str(r): int(n) for r, n in store.con.execute(
        "SELECT reason, count(*) FROM rejected_rows GROUP BY reason").fetchall()}


def one_bad_one_good(store: Store, path: Path, report_rows: int = 1) -> None:
    report = store.load([path])
    assert report.rows_loaded == report_rows and report.rows_rejected == 1
    assert reasons(store) == {OFFSET_OUT_OF_RANGE: 1}


@pytest.mark.parametrize("offset", BAD_OFFSETS)
def test_json_lines_offset_out_of_range_is_rejected(tmp_path: Path, offset: str) -> None:
    f = tmp_path / "o.jsonl"
    f.write_text(json.dumps({"ts": f"2026-10-01T10:00:00{offset}", **ROW}) + "\n"
                 + json.dumps({"ts": "2026-10-01T11:00:00Z", **ROW}) + "\n")
    store = Store()
    one_bad_one_good(store, f)
    assert utc(store) == ["2026-10-01 11:00:00"]


def test_json_array_offset_out_of_range_is_rejected(tmp_path: Path) -> None:
    f = tmp_path / "o.json"
    f.write_text(json.dumps([{"ts": "2026-10-01T10:00:00+99:00", **ROW},
                             {"ts": "2026-10-01T11:00:00Z", **ROW}]))
    one_bad_one_good(Store(), f)


def test_json_lines_naive_text_keeps_the_timezone_option(tmp_path: Path) -> None:
    # JSON timestamps are read as text now, as CSV's: a naive one is still in --timezone
    f = tmp_path / "n.jsonl"
    f.write_text(json.dumps({"ts": "2026-10-01 12:00:00", **ROW}) + "\n")
    store = Store()
    assert store.load([f], LoadOptions(timezone="America/New_York")).rows_loaded == 1
    assert utc(store) == ["2026-10-01 16:00:00"]


def vendor_row_rejected(tmp_path: Path, fixture: Path, old: str, new: str, fmt: str) -> None:
    """``fixture`` with one timestamp given an impossible offset: that row is rejected for it,
    the others load as from the fixture."""
    text = fixture.read_text()
    assert text.count(old) == 1
    f = tmp_path / fixture.name
    f.write_text(text.replace(old, new))
    base_store, store = Store(), Store()
    base, report = base_store.load([fixture]), store.load([f])
    assert report.files[0].format.startswith(fmt)
    assert report.rows_loaded == base.rows_loaded - 1
    assert reasons(store) == {**reasons(base_store), OFFSET_OUT_OF_RANGE: 1}


def test_langfuse_offset_out_of_range_is_rejected(tmp_path: Path) -> None:
    vendor_row_rejected(tmp_path, FIXTURES / "langfuse" / "observations.jsonl",
                        "2026-10-06T14:00:00.000Z", "2026-10-06T14:00:00.000+99:00", "langfuse")


def test_helicone_offset_out_of_range_is_rejected(tmp_path: Path) -> None:
    vendor_row_rejected(tmp_path, FIXTURES / "helicone" / "requests.jsonl",
                        "2026-10-05T08:30:00.000Z", "2026-10-05T08:30:00.000+05:75", "helicone")


def test_anthropic_usage_report_offset_out_of_range_is_rejected(tmp_path: Path) -> None:
    text = (FIXTURES / "anthropic_usage" / "messages_buckets_list.json").read_text()
    start = '"starting_at": "2026-10-01T01:00:00Z"'
    assert start in text
    f = tmp_path / "messages.json"
    f.write_text(text.replace(start, '"starting_at": "2026-10-01T01:00:00+99:00"'))
    store = Store()
    report = store.load([f])
    assert report.rows_rejected >= 1
    assert set(reasons(store)) == {OFFSET_OUT_OF_RANGE}


CC_TURN = {
    "parentUuid": None, "isSidechain": False, "userType": "external", "cwd": "/x",
    "sessionId": "s1", "version": "2.0.14", "type": "assistant", "uuid": "a1",
    "timestamp": "2026-10-05T09:00:03.000Z", "requestId": "req_1",
    "message": {"id": "msg_1", "type": "message", "role": "assistant",
                "model": "claude-sonnet-4-5-20250929", "content": [],
                "usage": {"input_tokens": 10, "cache_creation_input_tokens": 0,
                          "cache_read_input_tokens": 300, "output_tokens": 20}}}


def cc_line(n: int, timestamp: str = "2026-10-05T09:00:03.000Z", **usage: object) -> str:
    t = json.loads(json.dumps(CC_TURN))
    t["uuid"], t["requestId"], t["message"]["id"] = f"a{n}", f"req_{n}", f"msg_{n}"
    t["timestamp"] = timestamp
    t["message"]["usage"].update(usage)
    return json.dumps(t)


def load_cc(tmp_path: Path, *lines: str) -> Store:
    f = tmp_path / "5f0c0a4e-1111-4c4c-9a9a-000000000009.jsonl"
    f.write_text("\n".join([cc_line(1), *lines]) + "\n")
    store = Store()
    report = store.load([f])
    assert report.files[0].format == "claude-code"
    assert report.rows_loaded == 1 and report.rows_rejected == len(lines)
    return store


def test_claude_code_offset_out_of_range_is_rejected(tmp_path: Path) -> None:
    store = load_cc(tmp_path, cc_line(2, "2026-10-05T09:00:03+99:00"))
    assert reasons(store) == {OFFSET_OUT_OF_RANGE: 1}


def test_claude_code_1h_writes_above_total_say_so(tmp_path: Path) -> None:
    line = cc_line(2, cache_creation_input_tokens=5,
                   cache_creation={"ephemeral_1h_input_tokens": 9})
    store = load_cc(tmp_path, line)
    assert reasons(store) == {"1-hour cache writes above the cache writes that include them": 1}


def test_claude_code_count_beyond_64_bits_is_out_of_range(tmp_path: Path) -> None:
    store = load_cc(tmp_path, cc_line(2, output_tokens=2**63))
    assert reasons(store) == {"token count out of range": 1}


CODEX = (FIXTURES / "codex" / "limits" / "weekly" / "sessions" / "2026" / "11" / "24"
         / "rollout-2026-11-24T08-00-00-019b0002-0000-7000-8000-000000000002.jsonl")


def test_codex_offset_checked_and_basic_iso_read(tmp_path: Path) -> None:
    # 20261124T080100Z: ISO 8601 Python reads and DuckDB's cast does not (was a traceback)
    text = CODEX.read_text()
    first = '"timestamp":"2026-11-24T08:01:00.000Z","type":"event_msg"'
    second = '"timestamp":"2026-11-24T08:30:00.000Z","type":"event_msg"'
    assert first in text and second in text
    f = tmp_path / CODEX.name
    f.write_text(text.replace(first, first.replace("2026-11-24T08:01:00.000Z",
                                                    "20261124T080100Z"))
                 .replace(second, second.replace(".000Z", ".000+99:00")))
    store = Store()
    report = store.load([f])
    assert report.files[0].format == "codex"
    assert reasons(store) == {OFFSET_OUT_OF_RANGE: 1}
    assert utc(store) == ["2026-11-24 08:01:00"]


SPELLINGS = [
    ("2026-10-01 10:30:00 +0000", "2026-10-01 10:30:00"),
    ("2026-10-01 10:30:00 -0700", "2026-10-01 17:30:00"),
    ("2026-10-01 10:30:00 +05:30", "2026-10-01 05:00:00"),
    ("2026-10-01 10:30:00 Z", "2026-10-01 10:30:00"),
    ("2026-10-01T10:00:00z", "2026-10-01 10:00:00"),
    ("2026-10-01T10:00:00,5Z", "2026-10-01 10:00:00"),
]


@pytest.mark.parametrize(("raw", "want"), SPELLINGS)
def test_offset_spellings_are_read_in_csv(tmp_path: Path, raw: str, want: str) -> None:
    f = tmp_path / "x.csv"
    f.write_text(f'ts,user_id,model,input_tokens\n"{raw}",u1,m,1\n')
    store = Store()
    assert store.load([f]).rows_loaded == 1, reasons(store)
    assert utc(store) == [want]


@pytest.mark.parametrize(("raw", "want"), SPELLINGS)
def test_offset_spellings_are_read_in_json_lines(tmp_path: Path, raw: str, want: str) -> None:
    f = tmp_path / "x.jsonl"
    f.write_text(json.dumps({"ts": raw, **ROW}) + "\n")
    store = Store()
    assert store.load([f]).rows_loaded == 1, reasons(store)
    assert utc(store) == [want]


def test_space_before_an_out_of_range_offset_is_still_rejected(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "x.csv", ["ts", "user_id", "model", "input_tokens"],
                  [["2026-10-01 10:30:00 +9900", "u1", "m", 1]])
    store = Store()
    assert store.load([f]).rows_loaded == 0
    assert reasons(store) == {OFFSET_OUT_OF_RANGE: 1}


@pytest.mark.parametrize(("raw", "want"), [
    ("2026-10-01T10:00:00z", ("2026-10-01T10:00:00+00:00", None)),
    ("2026-10-01 10:30:00 +0530", ("2026-10-01T10:30:00+05:30", None)),
    ("2026-10-01T10:00:00+99:00", (None, OFFSET_OUT_OF_RANGE)),
    ("2026-10-01T10:00:00+05:75", (None, OFFSET_OUT_OF_RANGE)),
    ("yesterday", (None, "unparseable timestamp")),
])
def test_iso_text(raw: str, want: tuple[str | None, str | None]) -> None:
    assert iso_text(raw) == want


def test_claude_code_fixture_unchanged(tmp_path: Path) -> None:
    # the transcripts' own Z timestamps read as before
    src = FIXTURES / "claude_code" / "loose"
    shutil.copytree(src, tmp_path / "loose")
    store = Store()
    report = store.load([tmp_path / "loose"])
    assert report.rows_rejected == 0 and report.rows_loaded > 0
