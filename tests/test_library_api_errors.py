"""The library's entry points raise PlanalyzerError subclasses naming the field, parameter or
file, never a raw KeyError/AttributeError/ValueError or DuckDB exception (qa9D #2), and what
they leave on a user's connection is as documented (qa9D #4, #6)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from conftest import FIXTURES

from planalyzer.analysis import Period, ReportData
from planalyzer.economics import EconomicsOptions, economics_tables
from planalyzer.errors import ConfigError, InputError, UsageError
from planalyzer.report import build_report
from planalyzer.report_tables import report_tables
from planalyzer.sources.mapping import MappingSpec
from planalyzer.store import LoadOptions, Store
from planalyzer.usage import daily_tokens, top_users_by_tokens, usage_summary
from planalyzer.whatif import prepare

SMALL = FIXTURES / "report_small.csv"
DATA = Path(str(resources.files("planalyzer.data")))


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    with Store() as s:
        s.load(SMALL)
        yield s


@pytest.fixture(scope="module")
def data(store: Store) -> ReportData:
    return build_report(store.con, plan_fit=False, keep_requests=True)


# -- LoadOptions, MappingSpec, Period: checked when made, named as fields ----------------------

def test_load_options_input_format_is_checked() -> None:
    with pytest.raises(UsageError, match=r"^LoadOptions.input_format 'xlsx': use parquet, csv "
                                         r"or jsonl$"):
        LoadOptions(input_format="xlsx")


def test_load_options_max_tokens_below_one() -> None:
    with pytest.raises(UsageError, match=r"^LoadOptions.max_tokens -1: must be at least 1"):
        LoadOptions(max_tokens=-1)


def test_mapping_spec_names_an_unknown_field() -> None:
    with pytest.raises(ConfigError, match=r"^MappingSpec: 'bogus_field' is not a canonical "
                                          r"column; use one of event_id, ts, user_id"):
        MappingSpec({"bogus_field": "user_id"})


def test_period_months_are_parsed_like_the_cli() -> None:
    with pytest.raises(ConfigError, match=r"^Period.months 'October': write YYYY-MM"):
        Period(months=("October",))
    assert Period(months="2026-10").months == ("2026-10",)  # type: ignore[arg-type]
    assert Period(months=("2026-1",)).months == ("2026-01",)


def test_period_days_may_be_text_and_are_checked() -> None:
    assert Period(since="2026-10-02").since == date(2026, 10, 2)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"^Period.until '2026-13-01': give a datetime.date"):
        Period(until="2026-13-01")  # type: ignore[arg-type]


# -- file arguments: str or Path ---------------------------------------------------------------

@pytest.mark.parametrize("key", ["costs", "prices", "plan_file"])
@pytest.mark.parametrize("entry", ["build_report", "prepare"])
def test_file_arguments_take_str(store: Store, tmp_path: Path, key: str, entry: str) -> None:
    missing = str(tmp_path / "missing.toml")
    fn: Callable[..., Any] = build_report if entry == "build_report" else prepare
    with pytest.raises(ConfigError, match=r"missing\.toml"):
        fn(store.con, **{key: missing})


def test_str_catalogs_price_like_paths(store: Store) -> None:
    as_str = build_report(store.con, plan_fit=False, keep_requests=True,
                          costs=str(DATA / "hardware.toml"), prices=str(DATA / "api_prices.toml"),
                          plans=str(DATA / "plans.toml"))
    as_path = build_report(store.con, plan_fit=False, costs=DATA / "hardware.toml")
    assert as_str.user_months["margin_usd"].sum() == as_path.user_months["margin_usd"].sum()
    tables = economics_tables(as_str, EconomicsOptions(sensitivity=True),
                              costs=str(DATA / "hardware.toml"),
                              prices=str(DATA / "api_prices.toml"))
    assert tables


# -- connections without planalyzer's tables, closed stores -----------------------------------

@pytest.mark.parametrize("entry", [build_report, prepare, usage_summary, top_users_by_tokens,
                                   daily_tokens])
def test_connection_without_events_is_not_a_store(entry: Callable[..., Any]) -> None:
    con = duckdb.connect()
    with pytest.raises(InputError, match=r"^not a planalyzer store: .* load events with "
                                         r"Store.load first"):
        entry(con)


def test_prepare_works_on_events_alone(store: Store, tmp_path: Path) -> None:
    # a user's own connection holding only an events table (no load_manifest): as build_report
    path = tmp_path / "events.parquet"
    store.con.execute(f"COPY events TO '{path}' (FORMAT parquet)")
    con = duckdb.connect()
    con.execute(f"CREATE TABLE events AS FROM read_parquet('{path}')")
    ev, _ = prepare(con)
    ours, _ = prepare(store.con)
    assert ev.baseline.frame["margin_usd"].sum() == pytest.approx(
        ours.baseline.frame["margin_usd"].sum())


def test_load_after_close() -> None:
    s = Store()
    s.close()
    with pytest.raises(UsageError, match=r"^Store.load: the store is closed"):
        s.load(SMALL)


def test_closed_connection() -> None:
    s = Store()
    s.close()
    with pytest.raises(UsageError, match=r"^the DuckDB connection is closed"):
        usage_summary(s.con)


# -- argument values ---------------------------------------------------------------------------

def test_top_users_negative_limit(store: Store) -> None:
    with pytest.raises(UsageError, match=r"^limit -1: must be at least 0"):
        top_users_by_tokens(store.con, -1)


def test_report_tables_bad_by(data: ReportData) -> None:
    with pytest.raises(UsageError, match=r"^by 'bogus': use plan, user or month$"):
        report_tables(data, "bogus")  # type: ignore[arg-type]


def test_report_tables_negative_top(data: ReportData) -> None:
    with pytest.raises(UsageError, match=r"^top -1: must be at least 1"):
        report_tables(data, "plan", -1)


def test_daily_tokens_refuses_abbreviations(store: Store) -> None:
    with pytest.raises(ConfigError, match=r"^tz: 'PST' is a time zone abbreviation"):
        daily_tokens(store.con, tz="PST")


# -- what the library leaves on a connection ---------------------------------------------------

def test_usage_summary_times_are_utc_whatever_the_connection_zone() -> None:
    with Store() as s:
        s.load(SMALL)
        utc = usage_summary(s.con).as_dicts()[0]
        s.con.execute("SET TimeZone = 'America/New_York'")
        ny = usage_summary(s.con).as_dicts()[0]
    assert utc["first_ts_utc"] == "2026-09-28 00:00"
    assert (ny["first_ts_utc"], ny["last_ts_utc"]) == (utc["first_ts_utc"], utc["last_ts_utc"])


def test_a_users_cost_coefficients_table_is_left_alone(store: Store) -> None:
    store.con.execute("CREATE OR REPLACE TEMP TABLE cost_coefficients AS SELECT 42 AS mine")
    build_report(store.con, plan_fit=False)
    assert store.con.sql("SELECT * FROM cost_coefficients").fetchall() == [(42,)]


def test_report_tables_convert_to_polars(data: ReportData) -> None:
    # README: pl.DataFrame(table.as_dicts()) for any report table
    for table in report_tables(data, "plan", 5):
        frame = pl.DataFrame(table.as_dicts())
        assert frame.columns == [c.key for c in table.columns] or not table.rows
