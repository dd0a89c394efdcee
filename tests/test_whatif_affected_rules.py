"""Users whose bill or access changes (``users_affected``, whatif_users) are counted on what the
plan rules block and bill, before return_share and buy_overage_share weigh blocked usage
(docs/whatif.md): those assumptions alone affect nobody, and with a tighter cap the user
counted is the one whose request the cap newly blocks (qa12A finding 1)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import cli_json, write_csv

PLANS = """[meter.requests]
unit = "requests"
[[meter.requests.weight]]
models = "*"
request = 1.0

[plan.tight]
name = "cap 3 a 5 h window (the scenarios tighten it)"
price_usd = 10.0
source = "test"
as_of = "2026-11-24"
[[plan.tight.limit]]
name = "s5h"
meter = "requests"
window = "rolling"
hours = 5
cap = 3

[plan.other]
name = "cap 2 a 5 h window (no scenario changes it)"
price_usd = 10.0
source = "test"
as_of = "2026-11-24"
[[plan.other.limit]]
name = "s5h"
meter = "requests"
window = "rolling"
hours = 5
cap = 2
"""

SCENARIOS = {  # name -> (scenario TOML, users affected)
    "cap": ('[plans.tight.limits.s5h]\ncap = 2\n', ["alice"]),
    "cap_return": ('[plans.tight.limits.s5h]\ncap = 2\n[behaviour]\nreturn_share = 0.5\n',
                   ["alice"]),
    "cap_buy": ('[plans.tight.limits.s5h]\ncap = 2\n[behaviour]\nbuy_overage_share = 0.5\n',
                ["alice"]),
    "return": ('[behaviour]\nreturn_share = 0.5\n', []),
    "buy": ('[behaviour]\nbuy_overage_share = 0.5\n', []),
    "both": ('[behaviour]\nreturn_share = 0.3\nbuy_overage_share = 0.7\n', []),
}


@pytest.fixture(scope="module")
def doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("affected")
    plans = tmp / "plans.toml"
    plans.write_text(PLANS)
    # 4 requests in 5 hours each ($0.315 of API value: 100k input, 1k output tokens of Sonnet
    # 4.5): alice (tight, cap 3)
    # has 1 blocked, 2 under cap 2; bob (other, cap 2) has 2 blocked in every scenario
    rows = [[u, f"2026-11-02T0{h}:00:00Z", "claude-sonnet-4-5", 100_000, 1_000]
            for u in ("alice", "bob") for h in range(1, 5)]
    ev = write_csv(tmp / "ev.csv", ["user_id", "ts", "model", "input_tokens", "output_tokens"],
                   rows)
    args = ["whatif", str(ev), "--plans", str(plans), "--assign", "alice=tight",
            "--assign", "bob=other"]
    for name, (body, _) in SCENARIOS.items():
        path = tmp / f"{name}.toml"
        path.write_text(f'[scenario]\nname = "{name}"\n{body}')
        args += ["--scenario", str(path)]
    return cli_json(args)


def test_users_affected_counts_what_the_rules_block(doc: dict[str, Any]) -> None:
    people = {r["key"]: r for r in doc["whatif_people"]["rows"]}
    got = [people["users_affected"][f"scenario_{i}"] for i in range(1, len(SCENARIOS) + 1)]
    assert got == [len(users) for _, users in SCENARIOS.values()]  # 1, 1, 1, 0, 0, 0
    # the weighted count still says what stays blocked: 3 blocked by the rules in the tighter
    # cap's scenarios (alice 2, bob 2), half of it with return_share 0.5
    blocked = people["blocked_requests"]
    assert (blocked["baseline"], blocked["scenario_1"], blocked["scenario_2"],
            blocked["scenario_4"], blocked["scenario_6"]) == (3.0, 4.0, 2.0, 1.5, 0.0)


def test_the_users_table_lists_the_same_users(doc: dict[str, Any]) -> None:
    listed: dict[int, list[str]] = {i: [] for i in range(1, len(SCENARIOS) + 1)}
    rows = doc["whatif_users"]["rows"]
    for r in rows:
        listed[r["scenario"]].append(r["user_id"])
    assert list(listed.values()) == [users for _, users in SCENARIOS.values()]
    # blocked before and after: what the rules block ($0.315 a request), whatever comes back
    assert {(r["blocked_before_usd"], r["blocked_after_usd"]) for r in rows} == {(0.315, 0.63)}
    # with buy_overage_share 0.5 alice buys half of her $0.63 blocked: her bill says so
    assert [r["bill_delta_usd"] for r in rows] == [0.0, 0.0, 0.315]
    notes = doc["whatif_users"]["notes"]
    assert not any(n.startswith("not listed") for n in notes)
    assert any(n.startswith("scenario(s) 2, 3, 4, 5, 6 assume some blocked usage comes back")
               for n in notes)
