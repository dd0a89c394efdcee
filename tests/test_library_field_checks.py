"""Library values checked when made, named as the fields or arguments a library user sets
(qa9D round 9 #6): a PlanalyzerError subclass with a clear message, never a raw TypeError,
DuckDB exception or a CLI flag's name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from planalyzer.analysis import Period
from planalyzer.errors import PlanalyzerError
from planalyzer.store import LoadOptions, Store


def _closed_sources() -> object:
    store = Store()
    store.close()
    return store.sources()


@pytest.mark.parametrize(("make", "message"), [
    (lambda: LoadOptions(max_tokens=1.5),  # type: ignore[arg-type]
     "LoadOptions.max_tokens 1.5: give a whole number"),
    (lambda: LoadOptions(timezone=""), "LoadOptions.timezone: unknown time zone ''"),
    (lambda: LoadOptions(timezone=None),  # type: ignore[arg-type]
     "LoadOptions.timezone: unknown time zone None"),
    (lambda: LoadOptions(bucket_prompt_tokens=0),
     "LoadOptions.bucket_prompt_tokens 0: must be at least 1"),
    (lambda: Period(months=None),  # type: ignore[arg-type]
     "Period.months None: give 'YYYY-MM' strings"),
    (lambda: Period(months=202610),  # type: ignore[arg-type]
     "Period.months 202610: give 'YYYY-MM' strings"),
    (lambda: Store(5),  # type: ignore[arg-type]
     "Store db 5: give the --db file's path as a str or Path"),
    (_closed_sources, "Store.sources: the store is closed"),
])
def test_library_values_are_checked_with_their_names(make: Callable[[], object],
                                                     message: str) -> None:
    with pytest.raises(PlanalyzerError) as err:
        make()
    assert str(err.value).startswith(message)


def test_missing_file_opened_read_only_is_no_such_file(tmp_path: Path) -> None:
    db = tmp_path / "missing.duckdb"
    with pytest.raises(PlanalyzerError) as err:
        Store(db, read_only=True)
    assert str(err.value).startswith(f"--db {db}: no such file (opened read-only")
    assert not db.exists()
