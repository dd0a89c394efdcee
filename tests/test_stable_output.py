"""The same input gives the same bytes: money in JSON/CSV rounded like the report's, sums
that do not depend on the order rows arrive in, generate's summary typed and its describe
stable for a seed (QA round 9, engineer A)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import polars as pl
from conftest import cli_json
from typer.testing import CliRunner

from planalyzer.analysis import TOKENS, _engine_agg
from planalyzer.cli import app
from planalyzer.render.formats import to_csv, to_json
from planalyzer.run_meta import shipped_catalog
from planalyzer.tables import Col, Table

FIXTURES = Path(__file__).parent / "fixtures"


def test_floats_are_written_rounded() -> None:
    t = Table("t", "T", [Col("peak_usd", "usd"), Col("rate_usd_per_mtok", "usd_rate"),
                         Col("x_share", "share"), Col("n", "int")],
              [(0.023996999999999997, 4.84e-05, 0.16666666666666663, 3),
               (15073.157173058342, 7.22e-08, -0.0, 4)])
    rows = json.loads(to_json([t]))["t"]["rows"]
    assert rows[0] == {"peak_usd": 0.023997, "rate_usd_per_mtok": 4.84e-05,
                       "x_share": 0.166666666666667, "n": 3}
    assert rows[1]["peak_usd"] == 15073.157173 and rows[1]["rate_usd_per_mtok"] == 7.22e-08
    assert to_csv([t]).splitlines()[1:] == ["0.023997,4.84e-05,0.166666666666667,3",
                                            "15073.157173,7.22e-08,0.0,4"]


def _usd_floats(doc: dict[str, Any]) -> list[float]:
    out = []
    for name, table in doc.items():
        if name == "meta":
            continue
        for row in table["rows"]:
            out += [v for k, v in row.items() if k.endswith("_usd") and isinstance(v, float)]
    return out


def test_me_and_whatif_money_has_six_decimals() -> None:
    me = cli_json(["me", "--claude-dir", str(FIXTURES / "me_tz"), "--codex-dir",
                   str(FIXTURES / "codex" / "home"), "--plan", "claude_max_5x"])
    whatif = cli_json(["whatif", str(FIXTURES / "report_small.csv"), "--scenario",
                       "max20x_weekly_cap_overage"])
    for doc in (me, whatif):
        money = _usd_floats(doc)
        assert money and all(round(v, 6) == v for v in money)


def _engine_frame(n: int, seed: int) -> pl.DataFrame:
    rng = random.Random(seed)
    return pl.DataFrame({
        "user_id": [f"u{i % 3}" for i in range(n)], "month_key": [24321] * n,
        "plan_order": [0] * n, "requests": [1] * n,
        "served": [rng.random() < 0.9 for _ in range(n)],
        **{t: [rng.randrange(1000) for _ in range(n)] for t in TOKENS},
        **{c: [rng.random() * 10 ** rng.randint(-6, 1) for _ in range(n)]
           for c in ("gpu_cost_usd", "loaded_cost_usd", "api_value_usd", "overage_usd",
                     "usage_usd")},
        "cost_assumed": [False] * n, "hour_key": [rng.randrange(700) for _ in range(n)],
    }, schema_overrides={"plan_order": pl.Int32})


def test_engine_sums_do_not_depend_on_row_order() -> None:
    df = _engine_frame(3000, 1)
    want = _engine_agg(df).sort("user_id")
    for seed in range(6):
        got = _engine_agg(df.sample(fraction=1.0, shuffle=True, seed=seed)).sort("user_id")
        assert got.equals(want), seed  # bit for bit, not approximately


def test_generate_summary_is_typed_and_describe_is_stable(tmp_path: Path) -> None:
    args = ["generate", "--users", "4", "--months", "1", "--seed", "7", "--out",
            str(tmp_path / "g"), "--overwrite", "--describe"]
    doc = cli_json(args)
    row = doc["generate_summary"]["rows"][0]
    assert row["seed"] == 7 and row["users"] == 4 and isinstance(row["events"], int)
    assert isinstance(row["bytes"], int) and "seconds" not in row
    assert isinstance(doc["meta"]["seconds"], float)
    runs = []
    for _ in range(2):
        res = CliRunner().invoke(app, [*args, "--format", "csv"])
        assert res.exit_code == 0, res.output
        runs.append(res.stdout)
    assert runs[0] == runs[1]
    assert "seconds" not in runs[0]


def test_json_meta_records_what_shapes_the_figures() -> None:
    doc = cli_json(["report", str(FIXTURES / "report_small.csv"), "--no-fit", "--month",
                    "2026-10", "--timezone", "America/New_York", "--assign", "*=claude_pro"])
    shipped = {kind: {"file": None, "shipped": shipped_catalog(kind)}
               for kind in ("plans", "costs", "prices")}
    sources = doc["meta"].pop("sources")  # tests/test_meta_sources.py
    assert sources["given"][0]["rows_loaded"] == 5690 and sources["db"] is None
    assert doc["meta"] == {
        "timezone": "America/New_York",
        "period": {"months": ["2026-10"], "since": None, "until": None,
                   "covered": ["2026-10"], "partial": ["2026-10"]},
        "catalogs": shipped,
        "assignments": {"assign": ["*=claude_pro"], "plan_file": None}}
    costs = cli_json(["costs"])
    assert costs["meta"] == {"timezone": "UTC", "catalogs": {
        "costs": shipped["costs"], "prices": shipped["prices"]}}


def test_json_meta_names_the_months_covered_and_the_shipped_catalogs() -> None:
    """Verification 9, new 4: with no --month the period says which months the figures
    cover (not an empty list); a catalog left to the default names the shipped files, their
    latest as_of and the planalyzer version; a --plans file replaces the shipped plans."""
    from planalyzer import __version__

    plans = Path(__file__).parents[1] / "planalyzer" / "data" / "plans.toml"
    doc = cli_json(["report", str(FIXTURES / "report_small.csv"), "--no-fit",
                    "--plans", str(plans)])
    period, catalogs = doc["meta"]["period"], doc["meta"]["catalogs"]
    assert period["months"] == [] and period["covered"] == ["2026-09", "2026-10"]
    assert catalogs["plans"] == {"file": str(plans), "shipped": None}
    prices = catalogs["prices"]["shipped"]
    assert prices["files"] == ["api_prices.toml"] and prices["planalyzer"] == __version__
    assert prices["as_of"] and prices["as_of"][:2] == "20"
    assert catalogs["costs"]["shipped"]["files"] == ["hardware.toml", "models.toml",
                                                     "serving.toml"]


def test_me_json_meta_records_timezone_and_catalogs() -> None:
    me_tz = FIXTURES / "me_tz"
    doc = cli_json(["me", "--claude-dir", str(me_tz), "--codex-dir",
                    str(FIXTURES / "codex" / "home"), "--timezone", "asia/tokyo"])
    meta = doc["meta"]
    assert meta["timezone"] == "Asia/Tokyo"  # the IANA spelling, as typed in any case
    assert meta["catalogs"]["plans"] == {"file": None, "shipped": shipped_catalog("plans")}
    assert set(meta["catalogs"]) == {"plans", "costs", "prices"}
