"""Claude Code transcripts: accounting, dedupe rules, users, ccusage identity, appends."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, GOLDEN, check_golden_json

from planalyzer.errors import ConfigError, InputError
from planalyzer.store import LoadOptions, Store
from planalyzer.usage import daily_tokens
from tests.load_helpers import describe

CC = FIXTURES / "claude_code"
QUIRKS_SESSION = "9e9e9e9e-0000-4000-8000-000000000009"


def load(path: Path | str, **kw: object) -> tuple[Store, dict[str, object]]:
    store = Store()
    report = store.load([str(path)], LoadOptions(**kw))  # type: ignore[arg-type]
    return store, describe(store, report)


def test_single_user_folder_golden() -> None:
    _store, got = load(CC / "single")
    check_golden_json("claude_code/load_single.json", got)
    assert {f["format"] for f in got["files"]} == {"claude-code"}  # type: ignore[index]


def test_daily_totals_equal_ccusage() -> None:
    """tests/golden/claude_code/ccusage_daily_single.json: ccusage 20.0.24 `daily --json
    --offline` with TZ=UTC on the same folder (the figures were first derived by hand)."""
    store, _ = load(CC / "single")
    expected = json.loads((GOLDEN / "claude_code" / "ccusage_daily_single.json").read_text())
    ours = {r["day"]: r for r in daily_tokens(store.con, "UTC").as_dicts()}
    assert sorted(ours) == [d["period"] for d in expected["daily"]]
    for d in expected["daily"]:
        r = ours[d["period"]]
        assert (r["input_tokens"], r["output_tokens"], r["cache_creation_tokens"],
                r["cache_read_tokens"]) == (d["inputTokens"], d["outputTokens"],
                                            d["cacheCreationTokens"], d["cacheReadTokens"])


def test_quirks_golden() -> None:
    """Largest copy wins, a copy without requestId is its own request (message.id + session:
    ccusage 20.0.24 counts it apart from the copies with one), a sidechain replay of the
    session's message dropped, bad values rejected with reasons, unknown line types and an
    unterminated last line counted."""
    _, got = load(CC / "quirks")
    check_golden_json("claude_code/load_quirks.json", got)
    events = got["events"]
    assert [(e["event_id"], e["output_tokens"]) for e in events] == [  # type: ignore[union-attr]
        ("msg_Q1:req_Q1", 90), (f"msg_Q1:~{QUIRKS_SESSION}", 90),
        (f"msg_Q2:~{QUIRKS_SESSION}", 10)]


def test_folder_of_users_names_users_by_folder() -> None:
    store, _ = load(CC / "users")
    users = store.con.execute("SELECT DISTINCT user_id FROM events ORDER BY 1").fetchall()
    assert users == [("alice",), ("bob",)]
    store, _ = load(CC / "users", user_map={"alice": "alice@example.com"})
    users = store.con.execute("SELECT DISTINCT user_id FROM events ORDER BY 1").fetchall()
    assert users == [("alice@example.com",), ("bob",)]


def test_single_file_detected_from_content() -> None:
    one = next((CC / "single" / "projects").rglob("*0002.jsonl"))
    _, got = load(one)
    assert got["files"][0]["format"] == "claude-code"  # type: ignore[index]
    _, forced = load(one, source="claude-code", user_id="ann")
    assert {e["user_id"] for e in forced["events"]} == {"ann"}  # type: ignore[union-attr]


def test_unknown_source_is_an_error() -> None:
    with pytest.raises(ConfigError, match="--source 'claude': unknown source"):
        Store().load([str(CC / "single")], LoadOptions(source="claude"))


def test_forced_source_on_folder_without_transcripts(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no claude-code log files found"):
        Store().load([str(tmp_path / "empty")], LoadOptions(source="claude-code"))


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "cc"
    shutil.copytree(CC / "single", dst)
    return dst


def test_second_db_load_reads_nothing(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    db = tmp_path / "u.duckdb"
    with Store(db) as s:
        first = s.load([str(folder)])
    with Store(db) as s:
        again = s.load([str(folder)])
        n = s.con.execute("SELECT count(*) FROM events").fetchall()[0][0]
    assert first.rows_loaded == n == 6
    assert {f.status for f in again.files} == {"unchanged"}
    assert again.rows_read == 0


def test_deleted_transcripts_keep_their_rows_with_a_note(tmp_path: Path) -> None:
    """Claude Code deletes transcripts after 30 days: a --db file keeps their rows and says so
    (once per named folder; no note when nothing is gone, nor for a folder not named)."""
    folder = _copy(tmp_path)
    db = tmp_path / "u.duckdb"
    with Store(db) as s:
        first = s.load([str(folder)])
    assert not any("gone from disk" in n for n in first.notes)
    victim = next(folder.rglob("*0002.jsonl"))
    victim.unlink()
    with Store(db) as s:
        again = s.load([str(folder)])
        n = s.con.execute("SELECT count(*) FROM events").fetchall()[0][0]
        sources = s.con.execute("SELECT count(DISTINCT source) FROM events").fetchall()[0][0]
    assert n == first.rows_loaded == 6
    assert sources == 3  # the gone file's rows are still there (3 files with usage)
    gone = [x for x in again.notes if "gone from disk;" in x]
    assert gone == [f"1 file(s) under {folder.resolve()} read into --db {db} earlier are gone "
                    "from disk; their rows stay in it (a --db file keeps the history of logs "
                    "that tools delete: Claude Code removes transcripts after 30 days by "
                    "default); load into a new --db file to leave them out"]
    # no transcript on disk names its messages: none is read again (planalyzer.store_gone),
    # now or later
    assert again.rows_read == 0 and not any("read again" in x for x in again.notes)
    with Store(db) as s:
        third = s.load([str(folder)])
    assert third.rows_read == 0 and any("gone from disk;" in x for x in third.notes)
    other = tmp_path / "other"
    shutil.copytree(CC / "users", other)
    with Store(db) as s:
        elsewhere = s.load([str(other)])
    assert not any("gone from disk" in x for x in elsewhere.notes)


def test_append_reads_only_new_lines(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    db = tmp_path / "u.duckdb"
    with Store(db) as s:
        s.load([str(folder)])
    target = next(folder.rglob("*0002.jsonl"))
    lines_before = target.read_text().count("\n")
    new = json.loads(target.read_text().splitlines()[-1])
    new["message"]["id"], new["requestId"] = "msg_NEW", "req_NEW"
    new["timestamp"] = "2026-10-04T08:00:00.000Z"
    repeat = target.read_text().splitlines()[1]  # msg_01C again: a duplicate
    with target.open("a") as fh:
        fh.write(json.dumps(new, separators=(",", ":")) + "\n" + repeat + "\n")
    with Store(db) as s:
        rep = s.load([str(folder)])
        grown = [f for f in rep.files if f.status == "appended"]
        assert [f.source for f in grown] == [str(target.resolve())]
        assert (grown[0].rows_read, grown[0].rows_loaded, grown[0].duplicates_dropped) == (2, 1, 1)
        assert grown[0].read_lines == lines_before + 2
        assert sum(f.rows_read for f in rep.files) == 2  # the other files were not read
        rows = s.con.execute(
            "SELECT count(*), sum(output_tokens) FROM events").fetchall()[0]
        manifest = s.con.execute(
            "SELECT rows_read, rows_loaded, duplicates_dropped FROM load_manifest "
            "WHERE source = ?", [str(target.resolve())]).fetchall()[0]
    assert rows == (7, 790 + new["message"]["usage"]["output_tokens"])
    assert manifest == (4, 2, 2)


def test_unterminated_line_is_read_once_completed(tmp_path: Path) -> None:
    dst = tmp_path / "q"
    shutil.copytree(CC / "quirks", dst)
    db = tmp_path / "q.duckdb"
    with Store(db) as s:
        s.load([str(dst)])
    target = next(p for p in dst.rglob("*.jsonl") if "subagents" not in p.parts)
    with target.open("a") as fh:
        fh.write("\n")
    with Store(db) as s:
        rep = s.load([str(dst)])
        appended = next(f for f in rep.files if f.status == "appended")
        assert (appended.rows_read, appended.rows_loaded) == (1, 1)
        ids = [r[0] for r in s.con.execute("SELECT event_id FROM events ORDER BY 1").fetchall()]
    assert ids == ["msg_Q1:req_Q1", f"msg_Q1:~{QUIRKS_SESSION}", f"msg_Q2:~{QUIRKS_SESSION}",
                   "msg_Q6:req_Q6"]


def test_rewritten_file_is_reloaded(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    db = tmp_path / "u.duckdb"
    with Store(db) as s:
        s.load([str(folder)])
    target = next(folder.rglob("*0002.jsonl"))
    target.write_text(target.read_text().replace('"output_tokens":300', '"output_tokens":301'))
    with Store(db) as s:
        rep = s.load([str(folder)])
        again = {Path(f.source).name for f in rep.files if f.status != "unchanged"}
        # alone: the files that dropped duplicates dropped copies of their own rows (streamed
        # lines) or of the other session's (a subagent's replay), none of its rows
        dups = {Path(str(r[0])).name for r in s.con.execute(
            "SELECT source FROM load_manifest WHERE duplicates_dropped > 0").fetchall()}
        assert again == {target.name} and len(dups - again) == 2
        assert {f.status for f in rep.files if f.status != "unchanged"} == {"reloaded"}
        assert s.con.execute("SELECT sum(output_tokens) FROM events").fetchall()[0][0] == 791


def test_line_with_bytes_not_utf8_still_loads(tmp_path: Path) -> None:
    """A usage line with a byte that is not UTF-8 is parsed with U+FFFD in its place (each
    line on its own: its neighbours in the same chunk are unaffected)."""
    dst = tmp_path / "bad"
    shutil.copytree(CC / "single", dst)
    target = next(dst.rglob("*0002.jsonl"))
    data = target.read_bytes()
    assert b'"cwd":"' in data
    target.write_bytes(data.replace(b'"cwd":"', b'"cwd":"\xff\xfe', 1))
    _, got = load(dst)
    _, want = load(CC / "single")

    def tokens(d: dict[str, object]) -> list[tuple[object, ...]]:
        return [(e["event_id"], e["ts"], e["input_tokens"], e["output_tokens"])
                for e in d["events"]]  # type: ignore[attr-defined]

    assert tokens(got) == tokens(want) and len(tokens(got)) == 6
    assert got["summary"] == want["summary"]


def test_touched_transcript_with_same_bytes_is_unchanged(tmp_path: Path) -> None:
    """Size equal, mtime new: the manifest's fingerprint differs, so the full entry is read and
    the tail hash decides (unchanged); a file whose size changed beside it is read on."""
    import os

    folder = _copy(tmp_path)
    db = tmp_path / "u.duckdb"
    with Store(db) as s:
        s.load([str(folder)])
    files = sorted(folder.rglob("*.jsonl"))
    touched, grown = files[0], files[-1]
    st = touched.stat()
    os.utime(touched, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    with grown.open("a") as fh:
        fh.write('{"type":"summary","summary":"s","leafUuid":"x"}\n')
    with Store(db) as s:
        rep = s.load([str(folder)])
    status = {f.source: f.status for f in rep.files}
    assert status[str(touched)] == "unchanged"
    assert status[str(grown)] == "appended"
    assert [f.status for f in rep.files].count("unchanged") == len(files) - 1
    assert rep.rows_read == 0


def test_folder_walk_reads_size_and_mtime(tmp_path: Path) -> None:
    """The walk gives every transcript's (size, mtime_ns) as os.stat does, enters dot folders
    and subagents/ but not symlinked folders, and keys files by their resolved path."""
    import os

    from planalyzer.sources import registry
    from planalyzer.sources.files import SourceFile

    folder = _copy(tmp_path)
    hidden = folder / "projects" / ".hidden"
    hidden.mkdir()
    (hidden / "h.jsonl").write_text('{"type":"summary","summary":"s","leafUuid":"x"}\n')
    (folder / "projects" / "linked").symlink_to(CC / "single" / "projects",
                                                target_is_directory=True)
    found = registry.resolve([str(folder)])
    assert [f.key for f in found] == sorted(
        str(p) for p in folder.rglob("*.jsonl") if "linked" not in p.parts)
    assert str(hidden / "h.jsonl") in [f.key for f in found]
    for f in found:
        st = os.stat(f.key)
        assert f.stat == (st.st_size, st.st_mtime_ns)
        assert f.path == Path(f.key) and f.source == "claude-code"
    one = found[0]
    assert SourceFile(one.path, "jsonl", "claude-code") == SourceFile(one.key, "jsonl",
                                                                      "claude-code", None, (1, 2))


def _totals(store: Store) -> tuple[int, int]:
    row = store.con.execute("SELECT count(*), sum(output_tokens) FROM events").fetchall()[0]
    return int(row[0]), int(row[1])


def test_rewritten_transcript_keeps_requests_another_one_repeated(tmp_path: Path) -> None:
    # a resumed session repeats the first one's requests: one file holds the copies kept
    folder = _copy(tmp_path)
    first = next(folder.rglob("*0002.jsonl"))
    resumed = first.with_name("resumed-" + first.name)
    resumed.write_bytes(first.read_bytes())
    db = tmp_path / "u.duckdb"
    with Store(db) as s:
        assert s.load([str(folder)]).duplicates_dropped > 0
        before = _totals(s)
        kept = {str(r[0]) for r in s.con.execute(
            "SELECT DISTINCT source FROM events").fetchall()} & {str(first), str(resumed)}
    assert len(kept) == 1
    # the file holding the kept copies is rewritten without them (not grown: reloaded)
    Path(kept.pop()).write_text("\n")
    with Store(db) as s:
        report = s.load([str(folder)])
        assert any("read again" in n for n in report.notes)
        assert _totals(s) == before  # the other file's copies are loaded now
    with Store() as s:
        s.load([str(folder)])
        assert _totals(s) == before
