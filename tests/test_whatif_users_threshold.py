"""whatif_users lists users whose bill and blocked API value change by more than a cent; a note
counts the others whose access changes (requests of little API value blocked, or unblocked)."""

from __future__ import annotations

from pathlib import Path

from conftest import cli_json, write_csv

PLANS = """[meter.requests]
unit = "requests"
[[meter.requests.weight]]
models = "*"
request = 1.0

[plan.r5h]
name = "rolling 5 h cap 3"
price_usd = 10.0
source = "test"
as_of = "2026-11-24"
[[plan.r5h.limit]]
name = "s5h"
meter = "requests"
window = "rolling"
hours = 5
cap = 3
"""


def test_users_below_a_cent_are_counted_in_a_note(tmp_path: Path) -> None:
    plans = tmp_path / "plans.toml"
    plans.write_text(PLANS)
    sc = tmp_path / "sc.toml"
    sc.write_text('[scenario]\nname = "cap 2"\n[plans.r5h.limits.s5h]\ncap = 2\n')
    # 4 requests in 5 hours each: cap 2 blocks one more; tiny (1,100 tokens, under a cent of
    # API value) for small, large (1M input tokens) for big
    rows = [[u, f"2026-11-02T0{h}:00:00Z", "claude-sonnet-4-5", tokens, 100]
            for u, tokens in (("small", 1000), ("big", 1_000_000)) for h in range(1, 5)]
    ev = write_csv(tmp_path / "ev.csv",
                   ["user_id", "ts", "model", "input_tokens", "output_tokens"], rows)
    doc = cli_json(["whatif", str(ev), "--plans", str(plans), "--assign", "*=r5h",
                    "--scenario", str(sc)])
    people = {r["key"]: r for r in doc["whatif_people"]["rows"]}
    assert people["users_affected"]["scenario_1"] == 2
    assert [r["user_id"] for r in doc["whatif_users"]["rows"]] == ["big"]
    assert doc["whatif_users"]["notes"] == [
        "not listed: users whose bill and blocked API value change by $0.01 or less in all "
        "(1 in scenario 1; requests of little API value blocked that were served, or the "
        "reverse), though whatif_people counts them among the users whose bill or access "
        "changes",
        "bill, blocked and margin: the user's totals over the period (1 month: 2026-11), not "
        "per month"]
