"""Options given at their default's value are given (qa9C round 9 #2), and the notes on a --db
store's kept and changed files name the options that differ, with their values (#3)."""

from __future__ import annotations

from pathlib import Path

from conftest import cli_json, write_csv
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.store import LoadOptions, Store

NY = "America/New_York"
HEAD = ["event_id", "ts", "user_id", "model", "input_tokens", "output_tokens"]


def _file(tmp_path: Path, n: int = 3, out: int = 100) -> Path:
    return write_csv(tmp_path / "logs" / "a.csv", HEAD,
                     [[f"e{i}", f"2026-10-31 22:{i:02d}:00", "alice", "claude-sonnet-4-5",
                       1000, out + i] for i in range(n)])


def _first_ts(db: Path) -> str:
    with Store(db, read_only=True) as store:
        return str(store.con.execute("SELECT min(ts)::VARCHAR FROM events").fetchall()[0][0])


def _load_notes(args: list[str]) -> list[str]:
    doc = cli_json(["load", *args])
    return [n for table in doc.values() if isinstance(table, dict)
            for n in table.get("notes", [])]


def test_timezone_utc_given_applies_to_a_changed_file(tmp_path: Path) -> None:
    a, db = _file(tmp_path), tmp_path / "s.duckdb"
    _load_notes([str(a), "--db", str(db), "--tz", NY])
    assert _first_ts(db) == "2026-11-01 02:00:00+00"
    _file(tmp_path, out=200)  # re-exported: every row changed
    notes = _load_notes([str(a), "--db", str(db), "--timezone", "UTC"])
    assert _first_ts(db) == "2026-10-31 22:00:00+00"  # was read as New York again
    assert f"{a} (changed): --timezone: {NY} when loaded, UTC now: its rows were read with " \
        "UTC (the option given applies to a changed file)" in notes
    assert not [n for n in notes if "with the options they were loaded with" in n]


def test_max_tokens_given_at_its_default_applies_to_a_changed_file(tmp_path: Path) -> None:
    a, db = _file(tmp_path, out=5000), tmp_path / "s.duckdb"
    _load_notes([str(a), "--db", str(db), "--max-tokens", "1000"])
    _file(tmp_path, out=6000)
    _load_notes([str(a), "--db", str(db), "--max-tokens", "10000000"])
    with Store(db, read_only=True) as store:
        assert store.con.execute("SELECT count(*) FROM events").fetchall() == [(3,)]


def test_library_field_set_to_the_default_is_given(tmp_path: Path) -> None:
    assert "--timezone" in LoadOptions(timezone="UTC").read_options()
    assert "--bucket-prompt-tokens" in LoadOptions(bucket_prompt_tokens=80_000).read_options()
    assert LoadOptions().read_options() == []
    a, db = _file(tmp_path), tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load(a, LoadOptions(timezone=NY))
    _file(tmp_path, out=200)
    with Store(db) as store:  # nothing given: the recorded zone
        store.load(a)
    assert _first_ts(db) == "2026-11-01 02:00:00+00"
    _file(tmp_path, out=300)
    with Store(db) as store:
        store.load(a, LoadOptions(timezone="UTC"))
    assert _first_ts(db) == "2026-10-31 22:00:00+00"


def test_changed_file_note_names_the_recorded_and_given_values(tmp_path: Path) -> None:
    a, db = _file(tmp_path), tmp_path / "s.duckdb"
    with Store(db) as store:
        store.load(a, LoadOptions(timezone="Europe/Berlin"))
    _file(tmp_path, out=200)
    with Store(db) as store:
        notes = store.load(a, LoadOptions(timezone="Asia/Tokyo")).notes
    assert f"{a} (changed): --timezone: Europe/Berlin when loaded, Asia/Tokyo now: its rows " \
        "were read with Asia/Tokyo (the option given applies to a changed file)" in notes
    assert _first_ts(db) == "2026-10-31 13:00:00+00"


def test_kept_files_note_only_when_their_options_differ(tmp_path: Path) -> None:
    a, db = _file(tmp_path), tmp_path / "s.duckdb"
    _load_notes([str(a), "--db", str(db), "--tz", NY])
    # the nightly run with the store's own options: nothing to say
    assert not [n for n in _load_notes([str(a), "--db", str(db), "--tz", NY])
                if "kept as they were loaded" in n]
    result = CliRunner().invoke(app, ["report", str(a), "--db", str(db), "--tz", NY])
    assert result.exit_code == 0 and "kept as they" not in result.stderr
    notes = _load_notes([str(a), "--db", str(db), "--tz", "UTC"])
    assert (f"1 file(s) already in --db {db} ({a}) were kept as they were loaded then "
            f"(--timezone: {NY} when loaded, UTC now): options given apply to new or changed "
            "files only (use a new --db file to read them all with these options)") in notes
