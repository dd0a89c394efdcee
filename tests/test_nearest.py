"""The one did-you-mean (planalyzer.checks.nearest) that the plan, model, scenario key and
route target messages share: difflib's nearest at a cutoff, optionally the first usable of
the few nearest."""

from __future__ import annotations

from planalyzer.checks import did_you_mean, nearest


def test_nearest_default_cutoff() -> None:
    assert nearest("scenari", ["scenario", "plans", "cost"]) == "scenario"
    assert nearest("zzz", ["scenario", "plans"]) is None
    assert nearest("x", []) is None


def test_nearest_cutoff_and_usable() -> None:
    names = ["claude-opus-4-1", "claude-opus-4-5", "gpt-5"]
    assert nearest("claude-opus-4-4", names, 0.8) in {"claude-opus-4-1", "claude-opus-4-5"}
    assert nearest("claude-opu", names, 0.95) is None
    # the nearest usable one among the few nearest, not an unusable nearer one
    assert nearest("claude-opus-4-1x", names, 0.8, usable=lambda n: n.endswith("5"),
                   among=3) == "claude-opus-4-5"
    assert nearest("claude-opus-4-1x", names, 0.8, usable=lambda n: n.endswith("5")) is None


def test_did_you_mean() -> None:
    assert did_you_mean("scenario") == " (did you mean 'scenario'?)"
    assert did_you_mean(None) == ""
