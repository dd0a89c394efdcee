"""Every SQL file declares exactly the parameters and slots it uses."""

from __future__ import annotations

import pytest

from planalyzer import sqlfiles


@pytest.mark.parametrize("sql", sqlfiles.all_files(), ids=lambda s: s.name)
def test_header_matches_body(sql: sqlfiles.SqlFile) -> None:
    assert sql.text.startswith(f"-- {sql.name}:"), "header must start with '-- <name>:'"
    if sql.declared_slots:  # a slot may carry the parameters (a reader over $path)
        assert sql.used_params() <= sql.declared_params
    else:
        assert sql.used_params() == sql.declared_params
    assert sql.used_slots() == sql.declared_slots
