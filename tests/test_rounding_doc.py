"""The terminal and markdown rounding of amounts is documented where the output formats are
(README "Output formats", docs/report.md "JSON schema"), and the documented examples are what
the renderer prints."""

from __future__ import annotations

from pathlib import Path

from planalyzer.render.formats import human
from planalyzer.tables import Col

ROOT = Path(__file__).resolve().parent.parent


def test_documented_amount_rounding_is_what_is_printed() -> None:
    usd, rate = Col("x_usd", "usd"), Col("x_usd_per_mtok", "usd_rate")
    assert human(853.80355, usd) == "$854"  # whole dollars from $100
    assert human(259.90, usd) == "$260"
    assert human(9.47, usd) == "$9.47"
    assert human(0.0123, usd) == "$0.0123"
    assert human(853.80355, rate) == "$853.80"  # a unit price: cents up to $1,000
    assert human(1234.5, rate) == "$1,234"
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "whole dollars from $100 ($854 for 853.80355)" in readme
    assert "whole dollars from $1,000" in readme
    report = " ".join((ROOT / "docs" / "report.md").read_text(encoding="utf-8").split())
    assert "amounts in whole dollars from $100" in report
