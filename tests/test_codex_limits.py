"""Codex rate-limit readings: the limit they read (limit_id / limit_name), the window named from
its length, one plan type at a time, readings written again by a resume, the plan `me` marks
as yours against the logged plan types, and turns logged before any turn_context.
Fixtures: tests/fixtures/codex/make_limit_fixtures.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import FIXTURES, cli_error, cli_json
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.plans import load_plan_catalog
from planalyzer.pricing_step import price
from planalyzer.source_checks import rate_limit_check_table
from planalyzer.store import LoadOptions, Store

LIMITS = FIXTURES / "codex" / "limits"


def _me(folder: str, *args: str) -> dict[str, Any]:
    return cli_json(["me", "--codex-dir", str(LIMITS / folder), "-q", *args])


def _rows(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(r["month"], r["plan_type"], r["limit"], r["window"], r["window_minutes"],
             r["max_used_share"], r["readings"]) for r in doc["me_rate_limits"]["rows"]]


def _value_at(con: duckdb.DuckDBPyConnection, ts: str) -> float:
    (v,) = con.sql(f"SELECT api_value_usd FROM priced_events WHERE ts = TIMESTAMPTZ '{ts}'"
                   ).fetchall()[0]
    return float(v)


def test_limit_id_and_name_are_stored() -> None:
    with Store() as store:
        store.load([str(LIMITS / "spark")], LoadOptions())
        got = store.con.sql("SELECT DISTINCT limit_id, limit_name FROM rate_limit_snapshots "
                            "ORDER BY ALL").fetchall()
    assert got == [("codex", None), ("codex_bengalfox", "GPT-5.3-Codex-Spark")]


def test_a_models_own_limit_is_shown_apart_and_left_out_of_the_plans() -> None:
    """The Spark turn's 100% readings are its own bucket's: shown apart, never the plan's 5 h /
    week maximum, never a "logged 100%" note, not checked against the catalog; and its request
    is not in the plan's windows (counted against its own bucket)."""
    doc = _me("spark", "--plan", "chatgpt_pro")
    assert _rows(doc) == [
        ("2026-11", "pro", "codex", "5 h", 300, 0.45, 2),
        ("2026-11", "pro", "codex", "week", 10080, 0.12, 2),
        ("2026-11", "pro", "GPT-5.3-Codex-Spark", "5 h", 300, 1.0, 1),
        ("2026-11", "pro", "GPT-5.3-Codex-Spark", "week", 10080, 1.0, 1)]
    assert any("GPT-5.3-Codex-Spark: a model's own limit" in n
               for n in doc["me_rate_limits"]["notes"])
    check = doc["rate_limit_check"]
    assert any("not checked, readings of a limit other than the plan's own "
               "(GPT-5.3-Codex-Spark: 2 reading(s))" in n for n in check["notes"])
    assert not any("left out" in n for n in check["notes"])  # the unpriced Spark request
    assert not any("100%" in n for n in doc["me_plan_cost"]["notes"])
    with Store() as store:
        store.load([str(LIMITS / "spark")], LoadOptions())
        price(store.con)
        first = _value_at(store.con, "2026-11-24 08:01:00+00")
        last = _value_at(store.con, "2026-11-24 10:01:00+00")
    # each reading's window opened an hour before it: the Spark turn (09:01) is in the 10:01
    # reading's window, and left out of it
    rows = {r["window"]: r for r in check["rows"]}
    assert rows["5 h"]["implied_cap"] == pytest.approx((first / 0.40 + last / 0.45) / 2)
    assert rows["week"]["implied_cap"] == pytest.approx((first / 0.10 + last / 0.12) / 2)


def test_a_weekly_window_logged_as_primary_is_the_week() -> None:
    doc = _me("weekly", "--plan", "chatgpt_plus")
    assert _rows(doc) == [("2026-11", "plus", "codex", "week", 10080, 1.0, 2)]
    (row,) = doc["rate_limit_check"]["rows"]
    assert (row["window"], row["limit"]) == ("week", "weekly")
    assert doc["me_plan_cost"]["notes"][0].startswith(
        "! chatgpt_plus weekly: your client logged 100% of its week limit in 2026-11; ")


def test_a_plan_change_within_a_month_keeps_each_plans_readings() -> None:
    """Plus reached 100% on Nov 3; Pro, from Nov 10, read 8% at most: one row per plan type,
    and the "logged 100%" note only on Plus's."""
    doc = _me("upgrade", "--plan", "chatgpt_pro")
    assert _rows(doc) == [
        ("2026-11", "plus", "codex", "5 h", 300, 1.0, 2),
        ("2026-11", "plus", "codex", "week", 10080, 0.99, 2),
        ("2026-11", "pro", "codex", "5 h", 300, 0.08, 2),
        ("2026-11", "pro", "codex", "week", 10080, 0.11, 2)]
    notes = [n for n in doc["me_plan_cost"]["notes"] if n.startswith("! ")]
    plus = [n for n in notes if n.startswith("! chatgpt_plus session_5h")]
    assert plus and "logged 100% of its 5 h limit in 2026-11" in plus[0]
    assert [n for n in notes if n.startswith("! chatgpt_pro")]
    assert not any("100%" in n for n in notes if n.startswith("! chatgpt_pro"))


def test_readings_written_again_by_a_resume_count_once() -> None:
    """The resume's copies of the Oct 30 events (stamped Nov 3) are dropped as duplicates, and
    their readings with them: October keeps its 99%, November has the new turn's only."""
    doc = _me("resume", "--plan", "chatgpt_plus")
    assert _rows(doc) == [
        ("2026-10", "plus", "codex", "5 h", 300, 0.99, 2),
        ("2026-10", "plus", "codex", "week", 10080, 0.95, 2),
        ("2026-11", "plus", "codex", "5 h", 300, 0.02, 1),
        ("2026-11", "plus", "codex", "week", 10080, 0.1, 1)]
    assert [(r["month"], r["requests"]) for r in doc["me_monthly"]["rows"]] == [
        ("2026-10", 2), ("2026-11", 1)]


def test_a_store_without_the_limit_columns(tmp_path: Path) -> None:
    """A store an older planalyzer made: read read-only as the plan's own readings, with a
    note; a load into it adds the columns, NULL in the rows it held (their limit unknown),
    while a newly read reading that logs no limit (older Codex) is the plan's, 'codex'."""
    db = tmp_path / "old.duckdb"
    with Store(db) as store:
        store.load([str(LIMITS / "weekly")], LoadOptions())
        store.con.execute("ALTER TABLE rate_limit_snapshots DROP COLUMN limit_name")
        store.con.execute("ALTER TABLE rate_limit_snapshots DROP COLUMN limit_id")
    with Store(db, read_only=True) as store:
        price(store.con)
        table = rate_limit_check_table(store.con, load_plan_catalog())
    assert table is not None and [r["window"] for r in table.as_dicts()] == ["week"]
    assert any(n.startswith("2 reading(s) stored in --db by an older planalyzer, which kept "
                            "no limit id: checked as the plan's own limit") for n in table.notes)
    with Store(db) as store:
        store.load([str(LIMITS / "spark"), str(FIXTURES / "codex" / "old")], LoadOptions())
        got = store.con.sql("SELECT limit_id, count(*) FROM rate_limit_snapshots "
                            "GROUP BY ALL ORDER BY ALL").fetchall()
    assert got == [("codex", 6), ("codex_bengalfox", 2), (None, 2)]
    doc = cli_json(["me", "--codex-dir", str(LIMITS / "weekly"), "--db", str(db), "-q"])
    assert any(n.startswith("2 reading(s) stored in --db by an older planalyzer")
               for n in doc["me_rate_limits"]["notes"])


def test_me_plan_takes_a_codex_plan_type() -> None:
    doc = _me("weekly", "--plan", "plus")
    assert "--plan plus: taken as chatgpt_plus, the catalog plan of Codex's plan type plus" in (
        doc["me_monthly"]["notes"])
    assert any(n.startswith("2026-11: on chatgpt_plus you paid $20.00")
               for n in doc["me_plan_cost"]["notes"])


def test_me_plan_unknown_names_the_plan_types() -> None:
    msg = cli_error(["me", "--codex-dir", str(LIMITS / "weekly"), "--plan", "nope"])
    assert "--plan 'nope': not in the plan catalog" in msg
    assert "(or a plan type Codex logs: plus, pro)" in msg


def test_me_plan_against_the_logged_plan_type() -> None:
    doc = _me("weekly", "--plan", "chatgpt_pro")
    assert ("--plan chatgpt_pro: your Codex client logged plan type plus (chatgpt_plus; "
            "2026-11-24), not chatgpt_pro; the rows marked as yours are chatgpt_pro's as you "
            "asked: check --plan") in doc["me_monthly"]["notes"]
    # a plan of the other tool is no disagreement
    doc = _me("weekly", "--plan", "claude_pro")
    assert not any("your Codex client logged" in n for n in doc["me_monthly"]["notes"])


def test_me_without_plan_marks_the_logged_plan() -> None:
    doc = _me("weekly")
    assert ("--plan not given: chatgpt_plus is marked as your plan, from the plan type your "
            "Codex client logged, plus (chatgpt_plus; 2026-11-24); give --plan to mark "
            "another") in doc["me_monthly"]["notes"]
    assert [r["plan"] for r in doc["me_plan_cost"]["rows"] if r["yours"]] == ["chatgpt_plus"]
    doc = _me("upgrade")  # two plan types: named, none marked
    assert ("your Codex client logged plan types plus (chatgpt_plus; 2026-11-03), pro "
            "(chatgpt_pro; 2026-11-10): give --plan KEY to mark yours") in (
        doc["me_monthly"]["notes"])
    assert not any(r["yours"] for r in doc["me_plan_cost"]["rows"])


def test_turns_before_any_turn_context_say_how_to_count_them() -> None:
    res = CliRunner().invoke(app, ["me", str(LIMITS / "no_model"), "--codex-dir",
                                   str(LIMITS / "weekly")])
    assert res.exit_code == 0, res.output
    assert ("rejected: missing model (no turn_context before it) x2: left out of every figure"
            in res.stderr)
    flat = " ".join(res.stdout.split())
    assert ("2 token_count event(s) logged before any turn_context line, which names the model "
            "(Codex CLI builds of early September 2025 wrote none): rejected, so their usage "
            "is left out of every figure") in flat
    assert '"type":"turn_context","payload":{"model":"gpt-5"}}' in flat.replace(" ", "")


def test_only_turns_before_any_turn_context() -> None:
    msg = cli_error(["me", "--codex-dir", str(LIMITS / "no_model")])
    assert "no usable token usage found" in msg
    assert "2 rejected: missing model (no turn_context before it) x2" in msg
    assert "To count it, add a line naming the model you ran" in msg
