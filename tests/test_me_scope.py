"""`planalyzer me` analyses only its own rows, and with both tools' logs sets each vendor's
plans against that tool's usage (planalyzer.me_scope)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, event_row, write_parquet

from planalyzer.me import load_my_usage, me_tables
from planalyzer.plans import load_plan_catalog
from planalyzer.store import LoadOptions, Store

CC = FIXTURES / "claude_code" / "single"
CODEX = FIXTURES / "codex" / "home"


def _tables(store: Store, plan: str | None = None) -> dict[str, Any]:
    return {t.name: t for t in me_tables(store.con, load_plan_catalog(), "UTC",
                                         your_plan=plan)}


def _strip(tables: dict[str, Any]) -> dict[str, Any]:
    return {k: [tuple(round(v, 9) if isinstance(v, float) else v for v in r) for r in t.rows]
            for k, t in tables.items()}


def test_me_db_with_other_users_reads_only_its_own_rows(tmp_path: Path) -> None:
    """A --db store that also holds other users (a team store) gives the same tables as a
    store of your rows alone, and says what it left out (QA 8C #1: they were summed in)."""
    team = write_parquet(tmp_path / "team.parquet", [
        event_row(user_id=f"u{i}", ts=f"2026-10-0{1 + i % 9}T12:00:00Z",
                  input_tokens=1_000_000, output_tokens=100_000) for i in range(40)])
    with Store(tmp_path / "team.duckdb") as store:
        store.load([str(team)], LoadOptions())
        load_my_usage(store, [str(CC), str(CODEX)])
        shared = _tables(store, "claude_pro")
    with Store() as store:
        load_my_usage(store, [str(CC), str(CODEX)])
        alone = _tables(store, "claude_pro")
    assert _strip(shared) == _strip(alone)
    note = shared["me_monthly"].notes[0]
    assert note.startswith("the --db store also holds 40 events of files me did not read "
                           "(40 user id(s): u0, u1, u10, u11, u12 ...): left out")
    assert not any("left out" in n for n in alone["me_monthly"].notes)


def test_me_sets_each_tool_against_its_vendors_plans() -> None:
    """Claude plans against Claude Code usage, ChatGPT plans against Codex usage, the others
    against both; per-tool rows sum to the both-tools row (QA 8C #3)."""
    with Store() as store:
        load_my_usage(store, [str(CC), str(CODEX)])
        t = _tables(store, "claude_max_5x")
    months = {r["usage"]: r for r in t["me_monthly"].as_dicts()}
    assert set(months) == {"Claude Code", "Codex", "both tools"}
    for col in ("requests", "input_tokens", "output_tokens", "cache_read_tokens"):
        assert months["Claude Code"][col] + months["Codex"][col] == months["both tools"][col]
    assert months["Claude Code"]["api_value_usd"] + months["Codex"]["api_value_usd"] == \
        pytest.approx(months["both tools"]["api_value_usd"])
    usage_of = {r["plan"]: r["usage"] for r in t["me_plan_cost"].as_dicts()}
    assert usage_of["claude_max_5x"] == usage_of["claude_pro"] == "Claude Code"
    assert usage_of["chatgpt_plus"] == usage_of["chatgpt_pro"] == "Codex"
    assert usage_of["cursor_pro"] == usage_of["api_tier_1"] == "both tools"
    assert {r["usage"] for r in t["me_limits"].as_dicts() if r["plan"] == "chatgpt_plus"} \
        == {"Codex"}
    verdict = next(n for n in t["me_plan_cost"].notes if n.startswith("2026-10: on "))
    assert verdict.startswith("2026-10: on claude_max_5x you paid $100 for your Claude Code "
                              "usage worth $0.0395 at API list prices")
    api = next(r for r in t["me_plan_cost"].as_dicts() if r["plan"] == "api_tier_1")
    assert api["your_cost_usd"] == pytest.approx(months["both tools"]["api_value_usd"])


TIE = """
[meter.requests]
unit = "requests"
[[meter.requests.weight]]
models = "*"
request = 1.0
""" + "".join(f"""
[plan.{key}]
name = "{key}"
price_usd = 20.0
source = "test"
as_of = "2026-11-24"
{tool}
[[plan.{key}.limit]]
name = "session_5h"
meter = "requests"
window = "rolling"
hours = 5
cap = 1000
""" for key, tool in (("a_any", ""), ("b_codex", 'tool = "codex"'),
                      ("c_claude", 'tool = "claude-code"')))


@pytest.mark.parametrize(("folders", "best"), [
    ([CC], "c_claude"), ([CODEX], "b_codex")])
def test_me_best_fit_tie_prefers_the_vendor_of_your_tool(
        tmp_path: Path, folders: list[Path], best: str) -> None:
    """Three plans at one price that all serve everything: your own tool's vendor's plan is
    the best fit, not the first key (QA 8C #11: a Claude-only user got chatgpt_plus)."""
    (tmp_path / "plans.toml").write_text(TIE, encoding="utf-8")
    with Store() as store:
        load_my_usage(store, [str(f) for f in folders])
        t = {x.name: x for x in me_tables(store.con, load_plan_catalog(tmp_path / "plans.toml"),
                                          "UTC")}
    label = "Claude Code" if folders == [CC] else "Codex"
    assert {r["usage"] for r in t["me_monthly"].as_dicts()} == {label}
    assert {r["usage"] for r in t["me_plan_cost"].as_dicts()} == {
        label, f"{label} (hypothetical)"}  # the other tool's plan
    fits = [n for n in t["me_plan_cost"].notes if n.startswith("2026-10: best fit")]
    assert fits == [f"2026-10: best fit {best} at $20.00 (the cheapest plan in the catalog that "
                    "would have served every request, whichever vendor's: your models may not "
                    "be on it)"]


def test_plan_tool_must_be_a_known_tool(tmp_path: Path) -> None:
    from planalyzer.errors import ConfigError
    (tmp_path / "plans.toml").write_text(TIE.replace('"codex"', '"vscode"'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"plan.b_codex.tool: 'vscode' is not one of "
                       "claude-code, codex"):
        load_plan_catalog(tmp_path / "plans.toml")


def _codex_copy(tmp_path: Path, model: str, only_first: bool) -> Path:
    """The Codex fixture home with ``gpt-5-codex`` renamed to ``model`` (in the first rollout
    only when ``only_first``: a month of priced and unpriced requests)."""
    import shutil
    home = tmp_path / "codex"
    shutil.copytree(CODEX, home)
    files = sorted((home / "sessions").rglob("rollout-*.jsonl"))
    for i, f in enumerate(files):
        if only_first and i:
            continue
        text = f.read_text(encoding="utf-8")
        f.write_text(text.replace('"model":"gpt-5-codex"', f'"model":"{model}"')
                     .replace('"model":"gpt-5"', f'"model":"{model}"'), encoding="utf-8")
    return home


def test_me_unpriced_models_leave_window_and_limit_values_empty(tmp_path: Path) -> None:
    """A month holding requests with no API list price: peak window values, the API-value
    limits' peaks, shares and windows at cap are empty (never $0 or a partial sum), with a
    note naming the models; the rate-limit check says why it has no rows (QA 8C #2)."""
    home = _codex_copy(tmp_path, "gpt-5.1-codex-max", only_first=True)
    with Store() as store:
        load_my_usage(store, [str(home)])
        t = _tables(store, "chatgpt_plus")
    (month,) = t["me_monthly"].as_dicts()
    assert month["api_value_usd"] is None
    (win,) = t["me_windows"].as_dicts()
    assert win["peak_5h_api_value_usd"] is None and win["peak_week_api_value_usd"] is None
    assert win["peak_5h_tokens"] > 0
    assert any("never a partial sum" in n for n in t["me_windows"].notes)
    limits = {(r["plan"], r["limit"].split()[0]): r for r in t["me_limits"].as_dicts()}
    for key in (("chatgpt_plus", "session_5h"), ("cursor_pro", "monthly_pool"),
                ("api_tier_1", "monthly_spend")):
        r = limits[key]
        assert r["peak"] is None and r["peak_share"] is None and r["at_cap"] is None, key
    claude = limits[("claude_pro", "session_5h")]  # credits by token: known
    assert claude["peak"] is not None and claude["peak"] > 0
    assert any("gpt-5.1-codex-max" in n and n.startswith("empty = unknown")
               for n in t["me_limits"].notes)
    check = t["rate_limit_check"]
    assert any(n.startswith("left out, their windows hold requests with no API list price")
               and "gpt-5.1-codex-max" in n for n in check.notes)


def test_me_says_where_logged_rate_limits_disagree_with_the_catalogs_cap() -> None:
    """rate_limit_check's implied cap far from the catalog's: the plan rows resting on that
    cap carry a note (QA 8C #5: the verdict ignored the client's own readings)."""
    with Store() as store:
        load_my_usage(store, [str(CODEX)])
        t = _tables(store, "chatgpt_plus")
    ratio = next(r["implied_to_catalog_share"] for r in t["rate_limit_check"].as_dicts()
                 if r["plan"] == "chatgpt_plus" and r["window"] == "5 h")
    assert ratio < 0.5
    flagged = [r for r in t["me_limits"].as_dicts() if r["limit"].endswith("!")]
    assert {r["plan"] for r in flagged} == {"chatgpt_plus"}
    note = f"chatgpt_plus session_5h: the cap your client's readings imply is {ratio:.2g}x"
    assert any(n.startswith(f"! {note}") for n in t["me_limits"].notes)
    assert any(n.startswith(f"! {note}") for n in t["me_plan_cost"].notes)


def test_me_copilot_premium_requests_are_labelled_an_upper_bound() -> None:
    """Transcripts log every API call of a tool loop; GitHub counts prompts: the Copilot
    limit rows and the plan-cost notes say the figures are an upper bound (QA 8C #4)."""
    with Store() as store:
        load_my_usage(store, [str(CC)])
        t = _tables(store)
    units = {r["plan"]: r["unit"] for r in t["me_limits"].as_dicts()}
    assert units["copilot_pro"] == units["copilot_pro_plus"] == \
        "premium requests (upper bound)"
    assert units["claude_pro"] == "credits (estimated)"
    for name in ("me_limits", "me_plan_cost"):
        assert any(n.startswith("upper bound (copilot_pro, copilot_pro_plus): the meter counts "
                                "every API call") for n in t[name].notes), name


def test_me_db_counts_its_files_whatever_user_id_an_earlier_load_gave_them(
        tmp_path: Path) -> None:
    """`load --user ann` then `me` on the same folder and --db: the rows of the files me read
    are yours, whatever their user id (verification 8C, NEW-1: exit 2 'no token usage found',
    or a Codex-only result with both tools)."""
    db = tmp_path / "ann.duckdb"
    with Store(db) as store:
        store.load([str(CC)], LoadOptions(user_id="ann"))
    with Store(db) as store:
        report = load_my_usage(store, [str(CC), str(CODEX)])
        shared = {t.name: t for t in me_tables(
            store.con, load_plan_catalog(), "UTC", your_plan="claude_pro",
            files=[f.source for f in report.files])}
    with Store() as store:
        load_my_usage(store, [str(CC), str(CODEX)])
        alone = _tables(store, "claude_pro")
    assert _strip(shared) == _strip(alone)
    assert "some of the files me read were stored under other user id(s) by an earlier " \
        "planalyzer load (ann (6 events)): counted here as yours" in shared["me_monthly"].notes
    assert not any("left out" in n for n in shared["me_monthly"].notes)


def test_me_db_leaves_out_a_colleagues_folder_loaded_under_the_default_user(
        tmp_path: Path) -> None:
    """A colleague's folder loaded earlier into the same --db under load's default user (me)
    is not added to your totals (verification 8C, NEW-1 b)."""
    db = tmp_path / "col.duckdb"
    with Store(db) as store:
        store.load([str(CODEX)], LoadOptions(user_id="me"))
    with Store(db) as store:
        report = load_my_usage(store, [str(CC)])
        shared = {t.name: t for t in me_tables(
            store.con, load_plan_catalog(), "UTC", files=[f.source for f in report.files])}
    with Store() as store:
        load_my_usage(store, [str(CC)])
        alone = _tables(store)
    assert _strip(shared) == _strip(alone)
    assert {r["usage"] for r in shared["me_monthly"].as_dicts()} == {"Claude Code"}
    note = shared["me_monthly"].notes[0]
    assert note.startswith("the --db store also holds ") and "(1 user id(s): me): left out" in note


def test_me_cli_db_with_files_loaded_under_another_user(tmp_path: Path) -> None:
    """The CLI passes the files it read: an earlier `load --user ann` of the same folder no
    longer gives 'no token usage found' (verification 8C, NEW-1 a)."""
    from conftest import cli_json

    db = tmp_path / "ann.duckdb"
    with Store(db) as store:
        store.load([str(CC)], LoadOptions(user_id="ann"))
    out = cli_json(["me", "--claude-dir", str(CC), "--db", str(db)])
    (month,) = out["me_monthly"]["rows"]
    assert month["requests"] > 0
