"""Plan meters resolve a logged model name the way prices do (qa7F N1): an OpenRouter,
version-first or Bedrock spelling of Opus 4.5 takes Opus 4.5's credit weights, not the
older Opus weights that a raw glob on "*opus*" would give."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import cli_json, write_csv

from planalyzer.plans import load_plan_catalog

OPUS_45 = ["claude-opus-4-5", "anthropic/claude-opus-4.5", "claude-4.5-opus",
           "us.anthropic.claude-opus-4-5-20251101-v1:0", "claude-opus-4-5@20251101"]


@pytest.mark.parametrize("model", OPUS_45)
def test_meter_weight_follows_price_names(model: str) -> None:
    meter = load_plan_catalog().meters["claude_credits"]
    w = meter.weight_for(model)
    assert w is not None and w.models == "*opus-4-5*"


def test_meter_weight_first_match_still_wins() -> None:
    meter = load_plan_catalog().meters["claude_credits"]
    assert meter.weight_for("claude-opus-4-1").models == "*opus*"  # type: ignore[union-attr]
    assert meter.weight_for("anthropic/claude-haiku-4.5").models == "*haiku*"  # type: ignore[union-attr]


def test_limits_bind_alike_for_every_spelling(tmp_path: Path) -> None:
    header = ["event_id", "ts", "user_id", "plan", "model", "input_tokens", "output_tokens"]
    rows = [[f"u{i}-{k}", f"2026-10-01T10:{k:02d}:00Z", f"u{i}", "claude_pro", model,
             100_000, 2_000] for i, model in enumerate(OPUS_45[:4]) for k in range(20)]
    csv = write_csv(tmp_path / "ev.csv", header, rows)
    doc = cli_json(["report", str(csv), "--no-fit", "--by", "user"])
    served = {r["user_id"]: (r["requests"], r["blocked_requests"]) for r in doc["users"]["rows"]}
    assert set(served.values()) == {(8, 12)}, served
