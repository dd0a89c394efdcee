"""Library errors name the library's parameters, not CLI flags (qa8E #7)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from planalyzer.errors import ConfigError
from planalyzer.plans import load_plan_catalog
from planalyzer.report import build_report
from planalyzer.store import LoadOptions, Store
from planalyzer.whatif.scenario import load_scenario


def test_build_report_names_the_timezone_parameter() -> None:
    with pytest.raises(ConfigError, match=r"^timezone: 'PST' is a time zone abbreviation"):
        build_report(duckdb.connect(), timezone="PST")


def test_store_load_names_the_options_field(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^LoadOptions.timezone: unknown time zone"):
        Store().load([str(tmp_path / "x.csv")], LoadOptions(timezone="Mars/Olympus"))


@pytest.mark.parametrize("load", [load_plan_catalog, load_scenario])
def test_missing_files_name_no_flag(tmp_path: Path, load: object) -> None:
    with pytest.raises(ConfigError) as err:
        load(tmp_path / "nope.toml")  # type: ignore[operator]
    assert "nope.toml" in str(err.value) and "--" not in str(err.value)
