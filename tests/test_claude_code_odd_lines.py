"""Claude Code lines that are unusual on the way from the scan to DuckDB's parse: CR LF line
ends, raw control bytes, lines of megabytes, and candidates parsed in many chunks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES

from planalyzer.sources import claude_code
from planalyzer.store import Store
from tests.load_helpers import describe

CC = FIXTURES / "claude_code"
TURN = {
    "parentUuid": None, "isSidechain": False, "userType": "external", "cwd": "/home/ann/app",
    "sessionId": "s-1", "version": "2.0.14", "gitBranch": "main",
    "message": {"id": "msg_X", "type": "message", "role": "assistant",
                "model": "claude-sonnet-4-5-20250929",
                "content": [{"type": "text", "text": "ok"}], "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 3, "cache_creation_input_tokens": 0,
                          "cache_read_input_tokens": 0, "output_tokens": 7}},
    "requestId": "req_X", "type": "assistant", "uuid": "a1",
    "timestamp": "2026-10-02T10:00:00.000Z",
}


def turn(msg_id: str, output: int, **changes: object) -> dict[str, Any]:
    t = json.loads(json.dumps(TURN))
    t["message"]["id"] = msg_id
    t["message"]["usage"]["output_tokens"] = output
    t["requestId"] = "req_" + msg_id
    t.update(changes)
    return t


def transcript(tmp_path: Path, lines: list[bytes]) -> Path:
    folder = tmp_path / "cc"
    (folder / "projects" / "p").mkdir(parents=True)
    (folder / "projects" / "p" / "s.jsonl").write_bytes(b"".join(lines))
    return folder


def line(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode() + b"\n"


def loaded(path: Path) -> dict[str, Any]:
    store = Store()
    return describe(store, store.load([str(path)])) | {"rejected": store.con.execute(
        "SELECT source_row, reason, raw_json FROM rejected_rows ORDER BY 1").fetchall()}


def events(got: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(e["event_id"], e["ts"], e["input_tokens"], e["output_tokens"])
            for e in got["events"]]


def test_crlf_transcripts_load_as_lf_ones(tmp_path: Path) -> None:
    """A folder whose lines end in CR LF (an editor or a copy through Windows): every usage
    line carries a carriage return, JSON whitespace; the rows are the LF folder's."""
    dst = tmp_path / "crlf"
    shutil.copytree(CC / "single", dst)
    for f in dst.rglob("*.jsonl"):
        f.write_bytes(f.read_bytes().replace(b"\n", b"\r\n"))
    got, want = loaded(dst), loaded(CC / "single")
    assert events(got) == events(want) and len(events(got)) == 6
    assert got["summary"] == want["summary"]
    # the fixture's truncated line, kept as read: with its carriage return
    assert [(n, why, raw.removesuffix("\r")) for n, why, raw in got["rejected"]] == \
        want["rejected"] and len(want["rejected"]) == 1


def test_lines_with_raw_control_bytes_reach_the_parser_intact(tmp_path: Path) -> None:
    """A raw SOH or CR inside a string (which DuckDB's JSON reader accepts) travels as a JSON
    string and is parsed as written; a truncated line holding them is rejected and kept as
    parsed (its message content elided, as for every line); the lines around them load."""
    soh = line(turn("m2", 20)).replace(b'"ok"', b'"o\x01k"')
    cr = line(turn("m3", 30)).replace(b'"ok"', b'"o\rk"')
    # outside the message content (which the scan elides), so the kept line holds them
    cut = line(turn("m4", 40)).replace(b'"/home/ann/app"', b'"/ho\rme\x01"')[:-30] + b"\n"
    got = loaded(transcript(tmp_path, [line(turn("m1", 10)), soh, cr, cut,
                                       line(turn("m5", 50))]))
    assert [e[3] for e in events(got)] == [10, 20, 30, 50]
    kept = cut[:-1].replace(b'"content":[{"type":"text","text":"ok"}]', b'"content":[]')
    assert got["rejected"] == [(4, "unparseable JSON (truncated line?)", kept.decode())]


def test_lines_over_a_mebibyte_are_parsed(tmp_path: Path) -> None:
    """A usage line of 3 MB whose content cannot be elided (a string, not the array the scan
    looks for) is parsed whole; one of 3 MB with a content array is elided as usual."""
    big = "x" * 3_000_000
    whole = turn("m1", 11)
    whole["message"]["content"] = big
    elided = turn("m2", 22)
    elided["message"]["content"] = [{"type": "text", "text": big}]
    bad = line(turn("m3", 33, cwd=big + "\x01"))[:-30] + b"\n"  # truncated
    got = loaded(transcript(tmp_path, [line(whole), line(elided), bad]))
    assert [(e[0], e[3]) for e in events(got)] == [("m1:req_m1", 11), ("m2:req_m2", 22)]
    assert [(r[0], r[1], len(r[2])) for r in got["rejected"]] == [
        (3, "unparseable JSON (truncated line?)", len(bad) - 1)]


@pytest.mark.parametrize("compressed", [False, True])
def test_lines_after_a_long_snapshot_in_its_last_block_are_read(tmp_path: Path,
                                                               compressed: bool) -> None:
    """A snapshot line over a mebibyte is skipped in pieces; the lines read with its end (in
    the same block, up to the end of the file) are read, in a plain or a compressed file."""
    snapshot = line({"type": "file-history-snapshot", "messageId": "x",
                     "snapshot": {"blob": "a" * 3_000_000}})
    folder = transcript(tmp_path, [line(turn("m1", 10)), snapshot, line(turn("m2", 20)),
                                   line(turn("m3", 30))])
    if compressed:
        import gzip

        path = folder / "projects" / "p" / "s.jsonl"
        path.with_name("s.jsonl.gz").write_bytes(gzip.compress(path.read_bytes()))
        path.unlink()
    got = loaded(folder)
    assert [e[3] for e in events(got)] == [10, 20, 30]
    assert got["files"][0]["skipped_by_kind"] == {"file-history-snapshot": 1}


def test_many_chunks_give_the_rows_of_one(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Candidates of 12 transcripts parsed in a chunk per file (a dozen statements, each on the
    worker while the scan goes on) load exactly as in one chunk: duplicates across chunks
    resolved as within one."""
    lines = [line(turn(f"m{i:03}", i)) for i in range(1, 121)]
    lines.insert(50, line(turn("m010", 500)))  # a later, larger copy of m010 wins
    folder = transcript(tmp_path, [])
    for n in range(12):
        (folder / "projects" / "p" / f"s{n:02}.jsonl").write_bytes(
            b"".join(lines[n * 10:(n + 1) * 10 + (n == 11)]))
    want = loaded(folder)
    parsed: list[int] = []
    parse = claude_code._Batch._parse

    def counted(self: claude_code._Batch, *args: Any) -> None:
        parsed.append(1)
        parse(self, *args)

    monkeypatch.setattr(claude_code, "_CHUNK_BYTES", 600)
    monkeypatch.setattr(claude_code._Batch, "_parse", counted)
    got = loaded(folder)
    assert got == want and len(parsed) == 12
    assert sum(e[3] for e in events(got)) == sum(range(1, 121)) - 10 + 500
