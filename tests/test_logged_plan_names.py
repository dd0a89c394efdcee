"""Plan names in the logs (qa13B #3): one that differs from a catalog plan's key or name only
in case, '-', '_' or spaces is that plan, said in a note; one two plans match so is an error
(no guess); any other leaves its users with no plan, said on stderr with a did-you-mean, and
--strict makes it an error, in report and in whatif, sweep and optimize alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import write_csv
from typer.testing import CliRunner

from planalyzer.cli import app
from planalyzer.errors import ConfigError
from planalyzer.plan_names import near_plan, unknown_plans_message
from planalyzer.plans import NO_PLAN, assign_plans, load_plan_catalog, loose_name

HEADER = ["user_id", "ts", "model", "input_tokens", "output_tokens", "plan"]

GOOD = """
[meter.req]
unit = "requests"
[[meter.req.weight]]
models = "*"
request = 1

[plan.team_pro]
name = "Team Pro"
price_usd = 10
source = "test"
as_of = "2026-11-22"

[plan.team-pro]
name = "Team Pro (old)"
price_usd = 12
source = "test"
as_of = "2026-11-22"
"""

WHATIF = [["whatif", "-s", "pro_price_25_elastic"],
          ["sweep", "--grid", "plans.claude_pro.price_usd=20,25"],
          ["optimize", "--grid", "plans.claude_pro.price_usd=20,25"]]


def _logs(tmp_path: Path, plans: list[str], months: list[str] | None = None) -> Path:
    rows = [[f"u{i}", f"{(months or ['2026-10'] * len(plans))[i]}-05T10:00:00Z",
             "claude-sonnet-4-5", 1000, 100, plan] for i, plan in enumerate(plans)]
    return write_csv(tmp_path / "logs.csv", HEADER, rows)


def _run(args: list[str]) -> Any:
    return CliRunner().invoke(app, args)


def _json(args: list[str]) -> tuple[dict[str, Any], str]:
    result = _run([*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def _notes(doc: dict[str, Any]) -> list[str]:
    return [n for k, t in doc.items() if k != "meta" for n in t.get("notes", [])]


def _plan_rows(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["plan"]: r for r in doc["plans"]["rows"]}


# -- the matching ---------------------------------------------------------------------------

def test_loose_name_sets_aside_case_dashes_underscores_and_spaces() -> None:
    assert loose_name("Claude-Pro") == loose_name(" claude  pro ") == "claude_pro"
    assert loose_name("claude_max_20x") == loose_name("CLAUDE-MAX-20X")
    assert loose_name("claudepro") != loose_name("claude_pro")  # letters are never dropped


def test_find_logged_matches_loosely_only_one_plan() -> None:
    cat = load_plan_catalog()
    for logged in ("claude-pro", "CLAUDE_PRO", "claude--pro", "claude-max-20x", "Claude-Max 20X"):
        found = cat.find_logged(logged)
        assert found is not None, logged
    assert cat.find_logged("claude-pro").key == "claude_pro"  # type: ignore[union-attr]
    assert cat.find_logged("claude-prp") is None
    assert cat.find_logged("claudepro") is None
    a = assign_plans([("u1", "claude-pro"), ("u2", "claude_pro"), ("u3", "Claude Pro"),
                      ("u4", "claude-prp")], cat)
    assert a.plan_of == {"u1": "claude_pro", "u2": "claude_pro", "u3": "claude_pro",
                         "u4": NO_PLAN}
    assert a.read_as == {"claude-pro": "claude_pro"}  # 'Claude Pro' is its name: no note
    assert a.unknown_logged == {"claude-prp": 1}


def test_two_plans_matching_loosely_is_an_error_naming_both(tmp_path: Path) -> None:
    (tmp_path / "plans.toml").write_text(GOOD, encoding="utf-8")
    cat = load_plan_catalog(tmp_path / "plans.toml")
    assert cat.find_logged("team-pro").key == "team-pro"  # type: ignore[union-attr]
    assert cat.find_logged("Team Pro").key == "team_pro"  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="matches both team_pro and team-pro"):
        cat.find_logged("TEAM--PRO")
    # with --assign for that user, the logged name is never looked up
    assert assign_plans([("u1", "TEAM--PRO")], cat, [], {"u1": "team_pro"}).plan_of == {
        "u1": "team_pro"}
    write_csv(tmp_path / "logs.csv", HEADER,
              [["u1", "2026-10-05T10:00:00Z", "claude-sonnet-4-5", 10, 5, "team  pro"]])
    result = _run(["report", str(tmp_path / "logs.csv"), "--plans", str(tmp_path / "plans.toml"),
                   "--no-fit"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert ("error: the logs name plan 'team  pro', which matches both team_pro and team-pro"
            in result.stderr)


def test_near_plan_and_the_unknown_message() -> None:
    cat = load_plan_catalog()
    assert near_plan("claude-prp", cat) == "claude_pro"
    assert near_plan("Claude Max 20", cat) == "claude_max_20x"
    assert near_plan("enterprise", cat) is None
    a = assign_plans([("u1", "claude-prp"), ("u2", "claude-prp"), ("u3", "enterprise")], cat)
    msg = unknown_plans_message(a, cat)
    assert msg is not None
    assert "'claude-prp' (2 user(s); did you mean 'claude_pro'?), 'enterprise' (1 user(s))" in msg


# -- report ---------------------------------------------------------------------------------

def test_report_reads_a_loosely_named_plan_as_that_plan(tmp_path: Path) -> None:
    logs = _logs(tmp_path, ["claude_pro", "claude-pro", "claude-pro", "CLAUDE PRO"])
    for fit in ([], ["--no-fit"]):  # the scan and the month-first pass resolve alike
        doc, err = _json(["report", str(logs), *fit])
        rows = _plan_rows(doc)
        assert rows["claude_pro"]["subscribers"] == 4
        assert rows["claude_pro"]["revenue_usd"] == 80.0
        assert "(no plan)" not in rows
        assert err == ""
        assert ("logged 'claude-pro' read as claude_pro (a plan name in the logs that differs "
                "from a catalog plan's key or name only in case, '-', '_' or spaces is that "
                "plan)") in _notes(doc)


def test_report_warns_on_an_unknown_logged_plan_and_strict_fails(tmp_path: Path) -> None:
    logs = _logs(tmp_path, ["claude_pro", "claude-prp", "claude-prp"])
    warning = ("plans in the logs not in the plan catalog, so their users have no plan (no "
               "revenue): 'claude-prp' (2 user(s); did you mean 'claude_pro'?); correct the "
               "logs' plan column, add the plan to a --plans catalog, or give those users' plan "
               "with --assign or --plan-file")
    doc, err = _json(["report", str(logs), "--no-fit"])
    assert err == f"warning: {warning}\n"
    assert warning in _notes(doc)
    assert _plan_rows(doc)["(no plan)"]["subscribers"] == 2
    _, quiet = _json(["report", str(logs), "--no-fit", "-q"])
    assert quiet == f"warning: {warning}\n"  # revenue left out: said even with -q
    result = _run(["report", str(logs), "--no-fit", "--strict"])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"error: {warning}\n"
    # the logged name overridden for those users: nothing to say
    doc, err = _json(["report", str(logs), "--no-fit", "--strict", "--assign", "*=claude_pro"])
    assert err == "" and not any("not in the plan catalog" in n for n in _notes(doc))


def test_a_plan_change_between_spellings_is_no_change(tmp_path: Path) -> None:
    logs = write_csv(tmp_path / "logs.csv", HEADER, [
        ["u1", "2026-10-05T10:00:00Z", "claude-sonnet-4-5", 1000, 100, "claude-pro"],
        ["u1", "2026-11-05T10:00:00Z", "claude-sonnet-4-5", 1000, 100, "claude_pro"],
        ["u2", "2026-10-05T10:00:00Z", "claude-sonnet-4-5", 1000, 100, "Claude-Max-5x"],
        ["u2", "2026-11-05T10:00:00Z", "claude-sonnet-4-5", 1000, 100, "claude_pro"]])
    doc, err = _json(["report", str(logs), "--no-fit", "--by", "month"])
    assert err == ""
    notes = " ".join(_notes(doc))
    assert "logged 'Claude-Max-5x' read as claude_max_5x" in notes  # an earlier month's name
    assert "logged 'claude-pro' read as claude_pro" in notes
    assert "1 user(s) logged a different plan" in notes  # u2 changed plan; u1 did not
    assert "u2 (2026-10 Claude-Max-5x, 2026-11 claude_pro)" in notes
    assert "u1 (" not in notes


# -- whatif, sweep, optimize ----------------------------------------------------------------

@pytest.mark.parametrize("command", WHATIF)
def test_whatif_commands_resolve_plans_as_the_report(tmp_path: Path,
                                                     command: list[str]) -> None:
    logs = _logs(tmp_path, ["claude_pro", "claude-pro", "CLAUDE PRO"])
    doc, err = _json([*command, str(logs)])
    assert err == ""
    notes = " ".join(_notes(doc))
    assert "logged 'claude-pro' read as claude_pro" in notes
    assert "no plan" not in notes
    logs = _logs(tmp_path, ["claude_pro", "claude-prp", "claude-prp"])
    doc, err = _json([*command, str(logs)])
    assert err.startswith("warning: plans in the logs not in the plan catalog")
    assert "'claude-prp' (2 user(s); did you mean 'claude_pro'?)" in err
    assert "did you mean 'claude_pro'?" in " ".join(_notes(doc))
    result = _run([*command, str(logs), "--strict"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: plans in the logs not in the plan catalog")


def test_whatif_with_every_plan_unknown_names_them(tmp_path: Path) -> None:
    logs = _logs(tmp_path, ["claude-prp", "claude-prp"])
    result = _run(["whatif", "-s", "pro_price_25_elastic", str(logs)])
    assert result.exit_code == 2, result.output
    assert "no user is on a plan of the catalog" in result.stderr
    assert "'claude-prp' (2 user(s); did you mean 'claude_pro'?)" in result.stderr
