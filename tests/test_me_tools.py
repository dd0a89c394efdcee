"""`planalyzer me`: plans tied to a tool the logs lack, the best fit for both tools, months
with one tool's usage, flat plans with unpriced models (verification 8C, NEW-2/3/5)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from conftest import FIXTURES

from planalyzer.me import load_my_usage, me_tables
from planalyzer.plans import load_plan_catalog
from planalyzer.store import Store

CC = FIXTURES / "claude_code" / "single"
CODEX = FIXTURES / "codex" / "home"


def _catalog(tmp_path: Path, plans: list[tuple[str, str, float]]) -> Path:
    """A catalog of plans (key, tool or '', price) that each serve 1,000 requests per 5 h."""
    text = ('[meter.requests]\nunit = "requests"\n[[meter.requests.weight]]\nmodels = "*"\n'
            'request = 1.0\n')
    for key, tool, price in plans:
        text += (f'\n[plan.{key}]\nname = "{key}"\nprice_usd = {price}\nsource = "test"\n'
                 f'as_of = "2026-11-24"\n' + (f'tool = "{tool}"\n' if tool else "")
                 + f'[[plan.{key}.limit]]\nname = "session_5h"\nmeter = "requests"\n'
                 'window = "rolling"\nhours = 5\ncap = 1000\n')
    path = tmp_path / "plans.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _tables(folders: list[Path], plans: Path | None = None,
            plan: str | None = None) -> dict[str, Any]:
    with Store() as store:
        load_my_usage(store, [str(f) for f in folders])
        return {t.name: t for t in me_tables(store.con, load_plan_catalog(plans), "UTC",
                                             your_plan=plan)}


def test_other_tools_plan_is_a_labelled_hypothetical_and_no_best_fit(tmp_path: Path) -> None:
    """Claude Code logs only: a Codex plan set against that usage is labelled hypothetical in
    its rows and verdict, and is no best fit even when cheapest (NEW-2: "on chatgpt_plus you
    paid $20.00 for usage worth ..." on Claude Code usage, and best fit a ChatGPT plan)."""
    cat = _catalog(tmp_path, [("a_codex", "codex", 5.0), ("b_claude", "claude-code", 20.0),
                              ("c_any", "", 30.0)])
    t = _tables([CC], cat, "a_codex")
    usage = {r["plan"]: r["usage"] for r in t["me_plan_cost"].as_dicts()}
    assert usage == {"a_codex": "Claude Code (hypothetical)", "b_claude": "Claude Code",
                     "c_any": "Claude Code"}
    assert {r["usage"] for r in t["me_limits"].as_dicts() if r["plan"] == "a_codex"} == \
        {"Claude Code (hypothetical)"}
    notes = t["me_plan_cost"].notes
    assert any(n.startswith("2026-10: if you had used a_codex for your Claude Code usage, you "
                            "would have paid $5.00 for it (worth $0.0395") for n in notes)
    assert "2026-10: best fit b_claude at $20.00" in " ".join(notes)
    assert any(n.startswith("Claude Code (hypothetical): a_codex are plans of Codex")
               for n in notes)


def test_both_tools_best_fit_weighs_the_pair_of_each_tools_plans(tmp_path: Path) -> None:
    """Both tools: each tool's own best fit together ($40) beats a plan for both ($59): the
    'both tools' best fit says so (NEW-3: it named the $59 plan)."""
    cat = _catalog(tmp_path, [("a_claude", "claude-code", 20.0), ("b_codex", "codex", 20.0),
                              ("c_any", "", 59.0)])
    notes = _tables([CC, CODEX], cat)["me_plan_cost"].notes
    assert ("2026-10: best fit for the usage of both tools: a_claude + b_codex at $40.00 (each "
            "tool's own best fit together; the cheapest single plan for both, c_any, costs "
            "$59.00)") in notes
    cheap = _catalog(tmp_path, [("a_claude", "claude-code", 20.0), ("b_codex", "codex", 20.0),
                                ("c_any", "", 30.0)])
    notes = _tables([CC, CODEX], cheap)["me_plan_cost"].notes
    assert any(n.startswith("2026-10: best fit for the usage of both tools: c_any at $30.00 (")
               and "a_claude + b_codex, costs $40.00" in n for n in notes)


def test_a_month_with_one_tools_usage_has_no_both_tools_row(tmp_path: Path) -> None:
    """Claude Code in September and October, Codex in October only: September has no 'both
    tools' rows, and every plan is set against its Claude Code usage (NEW-3)."""
    cc = tmp_path / "cc"
    shutil.copytree(CC, cc)
    moved = next(cc.rglob("5f0c0a4e-2222-*.jsonl"))
    moved.write_text(moved.read_text(encoding="utf-8").replace("2026-10-0", "2026-09-0"),
                     encoding="utf-8")
    cat = _catalog(tmp_path, [("a_claude", "claude-code", 20.0), ("b_codex", "codex", 20.0),
                              ("c_any", "", 10.0)])
    t = _tables([cc, CODEX], cat)
    for name in ("me_monthly", "me_windows", "me_limits", "me_plan_cost"):
        sept = {r["usage"] for r in t[name].as_dicts() if r["month"] == "2026-09"}
        assert sept == {"Claude Code"}, name
        octo = {r["usage"] for r in t[name].as_dicts() if r["month"] == "2026-10"}
        assert "both tools" in octo, name
    notes = t["me_plan_cost"].notes
    assert "2026-09: best fit for your Claude Code usage: c_any at $10.00 (the cheapest of " \
        "these plans that would have served every request)" in notes
    assert not any(n.startswith("2026-09: best fit for the usage of both tools") for n in notes)


def test_split_note_with_a_catalog_without_tools(tmp_path: Path) -> None:
    """No plan names a tool: the note does not claim plans are kept apart (NEW-3)."""
    cat = _catalog(tmp_path, [("a", "", 20.0), ("b", "", 30.0)])
    t = _tables([CC, CODEX], cat)
    for name in ("me_limits", "me_plan_cost"):
        assert ("usage: your logs hold Claude Code and Codex usage; no plan in the catalog "
                "names a `tool`, so every plan is set against both tools' usage together") \
            in t[name].notes, name


def test_flat_plan_with_unpriced_models_costs_its_price(tmp_path: Path) -> None:
    """chatgpt_plus (no overage, no usage charge) on models with no list price: you paid its
    price; only what it blocks is unknown (NEW-5: 'an amount planalyzer cannot price')."""
    home = tmp_path / "codex"
    shutil.copytree(CODEX, home)
    for f in home.rglob("rollout-*.jsonl"):
        text = f.read_text(encoding="utf-8")
        f.write_text(text.replace('"model":"gpt-5-codex"', '"model":"gpt-5.1-codex-max"')
                     .replace('"model":"gpt-5"', '"model":"gpt-5.1-codex-max"'), encoding="utf-8")
    t = _tables([home], plan="chatgpt_plus")
    rows = {r["plan"]: r for r in t["me_plan_cost"].as_dicts()}
    assert rows["chatgpt_plus"]["your_cost_usd"] == 20.0
    assert rows["chatgpt_plus"]["blocked_requests"] is None
    assert rows["chatgpt_plus"]["seller_margin_usd"] is not None
    assert rows["cursor_pro"]["your_cost_usd"] is None  # on-demand at API rates: unknown
    assert any(n.startswith("2026-10: on chatgpt_plus you paid $20.00 (its price; how many "
                            "requests its limits would block is unknown) for usage of unknown")
               for n in t["me_plan_cost"].notes)


def test_the_shipped_free_tier_is_claudes() -> None:
    """The free plan meters Claude credits: with both tools it is set against Claude Code
    usage, not Codex requests weighed at Sonnet credit rates (verification 8C polish)."""
    assert load_plan_catalog().plans["free"].tool == "claude-code"
    t = _tables([CC, CODEX])
    assert {r["usage"] for r in t["me_plan_cost"].as_dicts() if r["plan"] == "free"} == \
        {"Claude Code"}
