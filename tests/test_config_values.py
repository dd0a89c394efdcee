"""Every TOML file planalyzer reads refuses nan and inf, reads UTF-8 (a BOM allowed) and
nothing else, and checks time-zone names where it reads them: one test per error path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import FIXTURES, cli_error

from planalyzer.costs.catalog import load_cost_catalog
from planalyzer.costs.prices import load_price_catalog
from planalyzer.errors import ConfigError
from planalyzer.plans import check_user_file, default_plans_path, load_plan_catalog
from planalyzer.report import build_report
from planalyzer.sources.mapping import parse_map_options, read_mapping_file
from planalyzer.sources.registry import read_user_map
from planalyzer.store import Store
from planalyzer.timezones import check_timezone
from planalyzer.whatif import prepare
from planalyzer.whatif.scenario import apply_scenario, load_scenario, parse_scenario

SMALL = FIXTURES / "report_small.csv"
SHIPPED = default_plans_path().read_text(encoding="utf-8")


def _write(tmp_path: Path, text: str | bytes, name: str = "f.toml") -> Path:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "+nan", "1e400"])
def test_scenario_non_finite_cap(tmp_path: Path, value: str) -> None:
    p = _write(tmp_path, f"[plans.claude_max_20x.limits.weekly]\ncap = {value}\n")
    with pytest.raises(ConfigError, match=r"plans\.claude_max_20x\.limits\.weekly\.cap: .* not "
                                          "a finite number"):
        load_scenario(p)


def test_scenario_inf_price_cli(tmp_path: Path) -> None:
    p = _write(tmp_path, "[plans.claude_pro]\nprice_usd = 1e400\n")
    msg = cli_error(["whatif", str(SMALL), "--scenario", str(p)])
    assert "plans.claude_pro.price_usd: inf is not a finite number" in msg


def test_scenario_dict_nan_from_library() -> None:
    with pytest.raises(ConfigError, match="not a finite number"):
        parse_scenario({"cost": {"gpu_price_factor": float("nan")}}, "lib")


def test_plan_catalog_nan_price(tmp_path: Path) -> None:
    text = SHIPPED.replace("price_usd = 20.0", "price_usd = nan", 1)
    assert text != SHIPPED
    p = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=r"price_usd: nan is not a finite number"):
        load_plan_catalog(p)


def test_plan_catalog_inf_in_array_of_tables(tmp_path: Path) -> None:
    text = SHIPPED.replace("request = 1.0", "request = inf", 1)
    assert text != SHIPPED
    with pytest.raises(ConfigError, match=r"meter\.requests\.weight\[0\]\.request: inf"):
        load_plan_catalog(_write(tmp_path, text))


def test_cost_catalog_nan(tmp_path: Path) -> None:
    p = _write(tmp_path, "[hardware.H100]\nusd_per_gpu_hour = nan\n")
    with pytest.raises(ConfigError, match=r"hardware\.H100\.usd_per_gpu_hour: nan is not a "
                                          "finite number"):
        load_cost_catalog(p)


def test_price_catalog_inf(tmp_path: Path) -> None:
    p = _write(tmp_path, '[price.m]\nmatch = ["m"]\ninput = inf\noutput = 1.0\n')
    with pytest.raises(ConfigError, match=r"price\.m\.input: inf is not a finite number"):
        load_price_catalog(p)


def test_not_utf8_toml_every_reader(tmp_path: Path) -> None:
    p = _write(tmp_path, b"\xff\xfe[plans]\n")
    for read in (load_scenario, load_plan_catalog, load_cost_catalog, load_price_catalog,
                 read_mapping_file, read_user_map):
        with pytest.raises(ConfigError, match=r"not UTF-8 text \(byte 0xff on line 1\); save "
                                              "it as UTF-8"):
            read(p)


def test_not_utf8_scenario_cli(tmp_path: Path) -> None:
    p = _write(tmp_path, "[scenario]\nname = 'caf\u00e9'\n".encode("latin-1"))
    assert "not UTF-8 text" in cli_error(["whatif", str(SMALL), "--scenario", str(p)])


def test_bom_is_read(tmp_path: Path) -> None:
    p = _write(tmp_path, b"\xef\xbb\xbf[scenario]\nname = 'bom'\n")
    assert load_scenario(p).name == "bom"


def test_scenario_bad_timezone(tmp_path: Path) -> None:
    p = _write(tmp_path, '[plans.claude_max_20x.limits.weekly]\nwindow = "calendar_week"\n'
                         'timezone = "Mars/Olympus"\n')
    s = load_scenario(p)
    with pytest.raises(ConfigError, match=r"plans\.claude_max_20x\.limits\.weekly\.timezone: "
                                          "unknown time zone 'Mars/Olympus'"):
        apply_scenario(load_plan_catalog(), s)
    assert "unknown time zone" in cli_error(["whatif", str(SMALL), "--scenario", str(p)])


def test_plan_catalog_bad_timezone(tmp_path: Path) -> None:
    text = SHIPPED.replace('window = "calendar_month"',
                           'window = "calendar_month"\ntimezone = "Mars/Olympus"', 1)
    assert text != SHIPPED
    p = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=r"limit\[\d\]\.timezone: unknown time zone"):
        load_plan_catalog(p)


def test_report_timezone_with_db_and_no_sources(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    with Store(db) as store:
        store.load([str(SMALL)])
    msg = cli_error(["report", "--db", str(db), "--timezone", "Mars/Olympus"])
    assert msg == ("error: --timezone: unknown time zone 'Mars/Olympus'; use an IANA name such "
                   "as UTC, Europe/Berlin or America/New_York")


@pytest.mark.parametrize("command", [["report"], ["me"], ["load"],
                                     ["whatif", "--scenario", "baseline"]])
@pytest.mark.parametrize("abbr", ["CST", "IST", "PST", "EST", "EST5EDT", "cet"])
def test_timezone_abbreviations_refused(command: list[str], abbr: str) -> None:
    """--timezone refuses abbreviations as timestamps do: ICU reads CST as Chicago (not China)
    and IST as India (QA 8C #7); IANA names, UTC and GMT still work."""
    msg = cli_error([*command, str(SMALL), "--timezone", abbr])
    assert msg == (f"error: --timezone: {abbr!r} is a time zone abbreviation (ambiguous: CST is "
                   "both US Central and China, IST India, Israel and Ireland); use an IANA name "
                   "such as UTC, Europe/Berlin or America/New_York")


@pytest.mark.parametrize("tz", ["UTC", "utc", "GMT", "Asia/Kolkata", "America/Chicago",
                                "Etc/GMT+5", "America/Argentina/Buenos_Aires", "Japan",
                                "Singapore", "Zulu"])
def test_timezone_iana_names_and_utc_accepted(tz: str) -> None:
    assert check_timezone(tz) == ("UTC" if tz == "utc" else tz)  # the IANA spelling


@pytest.mark.parametrize(("tz", "name"), [("japan", "Japan"), ("JAPAN", "Japan"),
                                          ("egypt", "Egypt"), ("zulu", "Zulu"),
                                          ("eire", "Eire"), ("america/new_york",
                                                             "America/New_York")])
def test_single_word_iana_names_in_any_case(tz: str, name: str) -> None:
    """One-word IANA names in one case read as names, not abbreviations (qa15B #6): ICU lists
    them in mixed case (Japan), abbreviations in capitals (CST, EST5EDT)."""
    assert check_timezone(tz) == name


@pytest.mark.parametrize("tz", ["+05:30", "-0330", "+5", "UTC+5", "gmt-8"])
def test_offsets_get_the_offset_message(tz: str) -> None:
    with pytest.raises(ConfigError, match=f"{re.escape(repr(tz))} is not a time zone name "
                                          r"\(an offset is not"):
        check_timezone(tz)


@pytest.mark.parametrize("tz", ["FOO", "Foo", "Z", "Mars/Olympus"])
def test_unknown_timezone_is_not_called_an_abbreviation(tz: str) -> None:
    """A typo or an offset is an unknown zone; only names ICU knows as abbreviations get the
    abbreviation message (verification 8C, NEW-4)."""
    with pytest.raises(ConfigError, match=f"unknown time zone {re.escape(repr(tz))}"):
        check_timezone(tz)


def test_library_bad_timezone() -> None:
    with Store() as store:
        store.load([str(SMALL)])
        with pytest.raises(ConfigError, match="unknown time zone"):
            build_report(store.con, timezone="Mars/Olympus")
        with pytest.raises(ConfigError, match="unknown time zone"):
            prepare(store.con, timezone="Mars/Olympus")


def test_plan_file_user_twice_with_different_plans() -> None:
    cat = load_plan_catalog()
    with pytest.raises(ConfigError, match=r"p\.csv: rows 1 and 3: user 'alice' is listed "
                                          "twice, on claude_pro and on claude_max_5x"):
        check_user_file([("alice", "claude_pro"), ("bob", "claude_pro"),
                         ("alice", "claude_max_5x")], cat, "p.csv")


def test_plan_file_user_twice_with_the_same_plan_is_fine() -> None:
    cat = load_plan_catalog()
    got = check_user_file([("alice", "claude_pro"), ("alice", "Claude Pro")], cat, "p.csv")
    assert got == {"alice": "claude_pro"}


def test_plan_file_user_twice_cli(tmp_path: Path) -> None:
    p = tmp_path / "plans.csv"
    p.write_text("user_id,plan\nalice,claude_pro\nalice,claude_max_5x\n", encoding="utf-8")
    msg = cli_error(["report", str(SMALL), "--plan-file", str(p)])
    assert "rows 1 and 2: user 'alice' is listed twice" in msg


def test_removed_plan_moving_to_itself(tmp_path: Path) -> None:
    p = _write(tmp_path, '[plans.claude_pro]\nremove = true\nmove_to = "claude_pro"\n')
    with pytest.raises(ConfigError, match=r"plans\.claude_pro\.move_to: a removed plan cannot "
                                          "take its own users"):
        apply_scenario(load_plan_catalog(), load_scenario(p))


def test_map_same_column_twice() -> None:
    with pytest.raises(ConfigError, match=r"--map: user_id is mapped twice \(user_id=plan and "
                                          r"user_id=model\)"):
        parse_map_options(["user_id=plan", "user_id=model"])
    assert parse_map_options(["user_id=a", "user_id=a"]) == {"user_id": "a"}


@pytest.mark.parametrize(("text", "line"), [
    ("user_id,plan,extra\nalice,claude_max_5x\n", 2),
    ("user_id,plan\nalice,claude_pro\nbob\ncarol,claude_pro\n", 3),
])
def test_plan_file_short_line_is_named(tmp_path: Path, text: str, line: int) -> None:
    p = tmp_path / "plans.csv"
    p.write_text(text)
    msg = cli_error(["report", str(SMALL), "--plan-file", str(p)])
    assert f"line {line} has" in msg and f"fix or remove line {line}" in msg
    assert "missing column" not in msg


def test_plan_file_given_a_catalog_toml_says_so(tmp_path: Path) -> None:
    p = tmp_path / "plans.toml"
    p.write_text('[users]\nalice = "claude_pro"\n')
    msg = cli_error(["report", str(SMALL), "--plan-file", str(p)])
    assert "a TOML file" in msg and "--plans" in msg


def test_timezone_names_take_their_iana_spelling() -> None:
    """DuckDB reads names in any case; polars (me's calendar windows) only in IANA's."""
    assert check_timezone("america/los_angeles") == "America/Los_Angeles"
    assert check_timezone("EUROPE/BERLIN") == "Europe/Berlin"
    assert check_timezone("utc") == "UTC"
    assert check_timezone("asia/KOLKATA") == "Asia/Kolkata"


@pytest.mark.parametrize("tz", ["UTC+5", "SystemV/PST8"])
def test_timezone_that_duckdb_reads_but_polars_does_not_is_refused(tz: str) -> None:
    with pytest.raises(ConfigError, match=f"f.toml: x: '{re.escape(tz)}' is not"):
        check_timezone(tz, "f.toml: x")


def _lower_catalog(tmp_path: Path, tz: str) -> Path:
    text = (FIXTURES / "me" / "plans.toml").read_text(encoding="utf-8")
    text += ('\n[plan.cal]\nname = "cal"\nprice_usd = 1.0\nsource = "t"\nas_of = "2026-01-01"\n'
             '[[plan.cal.limit]]\nname = "day"\nmeter = "tokens"\nwindow = "calendar_day"\n'
             f'timezone = "{tz}"\ncap = 100\n')
    return _write(tmp_path, text, "plans.toml")


def test_me_reads_a_lower_case_catalog_zone(tmp_path: Path) -> None:
    from conftest import cli_json

    p = _lower_catalog(tmp_path, "america/los_angeles")
    doc = cli_json(["me", "--claude-dir", str(FIXTURES / "claude_code" / "single"),
                    "--plans", str(p), "-q"])
    windows = {r["window"] for r in doc["me_limits"]["rows"] if r["plan"] == "cal"}
    assert windows == {"calendar day (America/Los_Angeles)"}


CC_SINGLE = str(FIXTURES / "claude_code" / "single")


@pytest.mark.parametrize("command", [["me", "--claude-dir", CC_SINGLE], ["report", str(SMALL)],
                                     ["plans"],
                                     ["whatif", str(SMALL), "--scenario", "pro_price_25_elastic"]])
def test_an_offset_as_catalog_zone_is_refused_in_every_command(tmp_path: Path,
                                                               command: list[str]) -> None:
    p = _lower_catalog(tmp_path, "UTC+5")
    msg = cli_error([*command, "--plans", str(p)])
    assert msg.startswith(f"error: {p}: plan.cal.limit[0].timezone: 'UTC+5' is not a time "
                          "zone name")


def test_scenario_zone_takes_its_iana_spelling(tmp_path: Path) -> None:
    p = _write(tmp_path, '[plans.claude_max_20x.limits.weekly]\nwindow = "calendar_week"\n'
                         'timezone = "asia/tokyo"\n')
    cat, _ = apply_scenario(load_plan_catalog(), load_scenario(p))
    lim = next(x for x in cat.plans["claude_max_20x"].limits if x.name == "weekly")
    assert lim.window.timezone == "Asia/Tokyo"
