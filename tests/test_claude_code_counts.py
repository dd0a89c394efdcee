"""Token counts in Claude Code transcripts are read as the tabular reader reads a count cell
(qa16B #11): 10.0 or 1e3 is a whole count, 2.5 is not, 2^63 is out of range whatever its form,
never rounded or wrapped. Claude Code writes JSON integers: the stage reads those, and stages
again the rare lines it rejected for a count (planalyzer.sources.claude_code._restage_counts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planalyzer.store import LoadOptions, Store

TURN = {
    "parentUuid": None, "isSidechain": False, "userType": "external", "cwd": "/x",
    "sessionId": "s1", "version": "2.0.14", "type": "assistant",
    "timestamp": "2026-10-05T09:00:03.000Z",
    "message": {"type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
                "content": [], "usage": {"input_tokens": 10, "cache_creation_input_tokens": 0,
                                         "cache_read_input_tokens": 300, "output_tokens": 20}}}
ROW = '{"ts": "2026-10-05T09:00:03Z", "user_id": "u", "model": "m", "output_tokens": 20, '


def cc_line(n: int, input_tokens: str) -> str:
    """A turn whose input count is written as ``input_tokens`` (JSON text, as it stands)."""
    t = json.loads(json.dumps(TURN))
    t["uuid"], t["requestId"], t["message"]["id"] = f"a{n}", f"req_{n}", f"msg_{n}"
    return json.dumps(t).replace('"input_tokens": 10,', f'"input_tokens": {input_tokens},')


def outcome(store: Store, row: int) -> object:
    """The input count the row was loaded with, or why it was rejected."""
    got = store.con.execute("SELECT input_tokens FROM events WHERE source_row = ?",
                            [row]).fetchall()
    if got:
        return int(got[0][0])
    return store.con.execute("SELECT reason FROM rejected_rows WHERE source_row = ?",
                             [row]).fetchall()[0][0]


@pytest.mark.parametrize("written", [
    "10.0", "1e3", "1E3", "-0", '"+5"', '"10.0"', "2.5", "1e-3", "-3.0", "9223372036854775808",
    "1e20", '"1e20"', "99999999999999999999", "9223372036854775807", '"nan"', "true",
])
def test_a_count_means_what_it_means_in_a_json_lines_file(tmp_path: Path, written: str) -> None:
    cc = tmp_path / "5f0c0a4e-1111-4c4c-9a9a-000000000009.jsonl"
    cc.write_text(f"{cc_line(1, '10')}\n{cc_line(2, written)}\n{cc_line(3, '7')}\n")
    tab = tmp_path / "t.jsonl"
    tab.write_text(f'{ROW}"input_tokens": 1}}\n{ROW}"input_tokens": {written}}}\n')
    cc_store, tab_store = Store(), Store()
    report = cc_store.load([cc], LoadOptions(source="claude-code"))
    tab_store.load([tab])
    assert report.files[0].format == "claude-code"
    assert outcome(cc_store, 2) == outcome(tab_store, 2)
    assert (outcome(cc_store, 1), outcome(cc_store, 3)) == (10, 7)


def test_restaged_lines_keep_their_row_and_raw_line(tmp_path: Path) -> None:
    """A line staged again keeps its line number (the row named in rejected_rows and events)
    and its raw line; lines of two files in one batch stay apart."""
    a = tmp_path / "projects" / "p" / "5f0c0a4e-1111-4c4c-9a9a-00000000000a.jsonl"
    b = a.with_name("5f0c0a4e-1111-4c4c-9a9a-00000000000b.jsonl")
    a.parent.mkdir(parents=True)
    bad = cc_line(3, "2.5")
    a.write_text("\n".join([cc_line(1, "1"), '{"type": "user"}', bad, cc_line(4, "4.0")]) + "\n")
    b.write_text("\n".join([cc_line(5, "5e0"), cc_line(6, "6")]) + "\n")
    store = Store()
    report = store.load([tmp_path])
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (5, 4, 1)
    got = store.con.execute("SELECT source, source_row, input_tokens FROM events "
                            "ORDER BY source, source_row").fetchall()
    assert [(Path(s).name[-7:], r, n) for s, r, n in got] == [
        ("a.jsonl", 1, 1), ("a.jsonl", 4, 4), ("b.jsonl", 1, 5), ("b.jsonl", 2, 6)]
    rejected = store.con.execute("SELECT source, source_row, reason, raw_json "
                                 "FROM rejected_rows").fetchall()
    assert [(Path(s).name[-7:], r, why, json.loads(raw)["uuid"])
            for s, r, why, raw in rejected] == [("a.jsonl", 3, "non-integer token count", "a3")]


@pytest.mark.parametrize("empty", ['""', '"  "'])
def test_an_empty_count_is_an_absent_one(tmp_path: Path, empty: str) -> None:
    """A count written "" was 'non-integer token count'. It is an empty cell, as in a CSV
    (fix18a): an empty input count is a missing one ('usage without input or output
    tokens'), an empty cache count is 0, as an absent one."""
    cc = tmp_path / "5f0c0a4e-1111-4c4c-9a9a-00000000000c.jsonl"
    read = '"cache_read_input_tokens": 300'
    lines = [cc_line(1, empty), cc_line(2, "10").replace('"input_tokens": 10, ', ""),
             cc_line(3, "10").replace(read, f'"cache_read_input_tokens": {empty}'),
             cc_line(4, "10").replace(read + ", ", "")]
    assert '"input_tokens"' not in lines[1] and '"cache_read_input_tokens"' not in lines[3]
    cc.write_text("\n".join(lines) + "\n")
    store = Store()
    store.load([cc], LoadOptions(source="claude-code"))
    assert outcome(store, 1) == outcome(store, 2) == "usage without input or output tokens"
    reads = store.con.execute("SELECT source_row, cache_read_tokens FROM events "
                              "ORDER BY source_row").fetchall()
    assert reads == [(3, 0), (4, 0)]
