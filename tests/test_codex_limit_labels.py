"""Codex rate-limit readings that `me` could not tell apart or check: two limit ids with the
same display name (each labelled with its id, so no two rows share a key), and readings that
log no window length (counted in a note in me_rate_limits and in rate_limit_check, which
cannot match them to a catalog limit). Built from the spark fixture
(tests/fixtures/codex/make_limit_fixtures.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import FIXTURES, cli_json

SPARK = next((FIXTURES / "codex" / "limits" / "spark").rglob("*.jsonl"))


def _codex_dir(tmp_path: Path, *, same_name: bool, no_length: bool) -> Path:
    """The spark rollout; ``same_name``: one more reading, of another limit id with the Spark
    bucket's name (50% / 20% used); ``no_length``: the plan's own last reading logs its 5-hour
    window with no window_minutes."""
    lines = [json.loads(x) for x in SPARK.read_text(encoding="utf-8").splitlines()]
    out = []
    for d in lines:
        rl = d.get("payload", {}).get("rate_limits")
        if no_length and rl and rl["limit_id"] == "codex" and d["timestamp"] >= "2026-11-24T10":
            del rl["primary"]["window_minutes"]
        out.append(d)
        if same_name and rl and rl["limit_id"] == "codex_bengalfox":
            other = json.loads(json.dumps(d))
            other["timestamp"] = "2026-11-24T09:30:00.000Z"
            info = other["payload"]["info"]
            last = {"input_tokens": 1000, "cached_input_tokens": 0, "output_tokens": 100,
                    "reasoning_output_tokens": 0, "total_tokens": 1100}
            info["total_token_usage"] = {k: v + last[k] for k, v in
                                         info["total_token_usage"].items()}
            info["last_token_usage"] = last
            orl = other["payload"]["rate_limits"]
            orl["limit_id"] = "codex_other"
            orl["primary"]["used_percent"], orl["secondary"]["used_percent"] = 50.0, 20.0
            out.append(other)
    folder = tmp_path / "codex" / SPARK.relative_to(SPARK.parents[4]).parent
    folder.mkdir(parents=True)
    (folder / SPARK.name).write_text("".join(json.dumps(d) + "\n" for d in out),
                                     encoding="utf-8")
    return tmp_path / "codex"


def _me(folder: Path) -> dict[str, Any]:
    return cli_json(["me", "--codex-dir", str(folder), "-q", "--plan", "chatgpt_pro"])


def test_limit_ids_with_the_same_name_are_labelled_apart(tmp_path: Path) -> None:
    doc = _me(_codex_dir(tmp_path, same_name=True, no_length=False))
    rows = doc["me_rate_limits"]["rows"]
    keys = [(r["month"], r["plan_type"], r["limit"], r["window"]) for r in rows]
    assert len(keys) == len(set(keys))
    got = {(r["limit"], r["window"]): r["max_used_share"] for r in rows}
    assert got[("GPT-5.3-Codex-Spark (codex_bengalfox)", "5 h")] == 1.0
    assert got[("GPT-5.3-Codex-Spark (codex_other)", "5 h")] == 0.5
    assert got[("codex", "5 h")] == 0.45
    assert any(n.startswith("GPT-5.3-Codex-Spark (codex_bengalfox), GPT-5.3-Codex-Spark "
                            "(codex_other): limits with the same name but different limit ids")
               for n in doc["me_rate_limits"]["notes"])
    check = " ".join(doc["rate_limit_check"]["notes"])
    assert ("GPT-5.3-Codex-Spark (codex_bengalfox): 2 reading(s), GPT-5.3-Codex-Spark "
            "(codex_other): 2 reading(s)") in check


def test_a_unique_name_keeps_its_plain_label(tmp_path: Path) -> None:
    doc = _me(_codex_dir(tmp_path, same_name=False, no_length=False))
    limits = {r["limit"] for r in doc["me_rate_limits"]["rows"]}
    assert limits == {"codex", "GPT-5.3-Codex-Spark"}
    assert not any("same name" in n for n in doc["me_rate_limits"]["notes"])


def test_readings_without_a_window_length_are_counted_as_unchecked(tmp_path: Path) -> None:
    plain = _me(_codex_dir(tmp_path / "a", same_name=False, no_length=False))
    doc = _me(_codex_dir(tmp_path / "b", same_name=False, no_length=True))
    # me_rate_limits still shows the reading, named by its position (primary: 5 h)
    five = next(r for r in doc["me_rate_limits"]["rows"]
                if r["limit"] == "codex" and r["window"] == "5 h")
    assert five["readings"] == 2
    assert any(n.startswith("1 reading(s) logged no window length: named by their position")
               for n in doc["me_rate_limits"]["notes"])
    # rate_limit_check cannot match it to a catalog limit: one reading fewer, and said
    def checked(d: dict[str, Any]) -> int:
        return next(r["readings"] for r in d["rate_limit_check"]["rows"] if r["window"] == "5 h")
    assert checked(doc) == checked(plain) - 1
    assert any(n.startswith("not checked, 1 reading(s) of the plan's own limit that log no "
                            "window length") for n in doc["rate_limit_check"]["notes"])
    assert not any("no window length" in n for n in plain["rate_limit_check"]["notes"]
                   + plain["me_rate_limits"]["notes"])
