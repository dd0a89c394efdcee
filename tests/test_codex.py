"""Codex rollouts: per-turn usage, cached input, model, archived copies, rate limits."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES, check_golden_json, relative

from planalyzer.store import LoadOptions, Store
from tests.load_helpers import describe

HOME = FIXTURES / "codex" / "home"


def test_codex_home_golden() -> None:
    store = Store()
    report = store.load([str(HOME)])
    got = describe(store, report)
    cur = store.con.execute(
        "SELECT source, CAST(ts AS VARCHAR), user_id, plan_type, \"window\", window_minutes, "
        "used_percent, CAST(resets_at AS VARCHAR) FROM rate_limit_snapshots ORDER BY ALL")
    got["rate_limit_snapshots"] = [[relative(r[0]), *r[1:]] for r in cur.fetchall()]
    check_golden_json("codex/load_home.json", got)
    # history.jsonl in the Codex home is not a rollout: not read
    assert all("history" not in f["source"] for f in got["files"])  # type: ignore[index]


def test_turns_from_last_usage_and_differenced_totals() -> None:
    store = Store()
    store.load([str(HOME / "sessions")])
    rows = store.con.execute(
        "SELECT model, input_tokens, cache_read_tokens, output_tokens FROM events "
        "WHERE event_id LIKE '%4a5b%' ORDER BY source_row").fetchall()
    # turn 1 (last_token_usage): 1000 input of which 800 cached; turn 2: totals differenced
    # (3500-1000, 2800-800, 300-100) under the newer turn_context model; then a restart
    assert rows == [("gpt-5-codex", 200, 800, 100), ("gpt-5", 500, 2000, 200),
                    ("gpt-5", 3400, 0, 350)]


def test_archived_copy_only_is_loaded(tmp_path: Path) -> None:
    store = Store()
    arch = next((HOME / "archived_sessions").glob("*.jsonl"))
    report = store.load([str(arch)])
    assert report.files[0].format == "codex"
    assert report.rows_loaded == 2


def test_rollout_file_with_source_option_and_user() -> None:
    store = Store()
    one = next((HOME / "sessions").rglob("*4a66.jsonl"))
    store.load([str(one)], LoadOptions(source="codex", user_id="ann"))
    assert store.con.execute("SELECT DISTINCT user_id FROM events").fetchall() == [("ann",)]
    assert store.con.execute("SELECT count(*) FROM rate_limit_snapshots").fetchall() == [(8,)]


def test_reload_replaces_rate_limit_snapshots(tmp_path: Path) -> None:
    import shutil
    dst = tmp_path / "codex"
    shutil.copytree(HOME, dst)
    db = tmp_path / "c.duckdb"
    with Store(db) as s:
        s.load([str(dst)])
        before = s.con.execute("SELECT count(*) FROM rate_limit_snapshots").fetchall()
    f = next((dst / "sessions").rglob("*4a5b.jsonl"))
    f.write_text(f.read_text() + "\n")
    with Store(db) as s:
        s.load([str(dst)])
        after = s.con.execute("SELECT count(*) FROM rate_limit_snapshots").fetchall()
    assert before == after
