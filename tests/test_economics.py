"""Economics (docs/economics.md): hand-computed cases, exact re-pricing, properties, goldens,
and one test per error path."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import polars as pl
import pytest
from conftest import check_golden, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from planalyzer.analysis import ReportData
from planalyzer.cli import app
from planalyzer.costs import (
    coefficient_cost,
    coefficients_for,
    load_cost_catalog,
    load_price_catalog,
)
from planalyzer.costs.roofline import Tokens
from planalyzer.economics import (
    ALL,
    EconomicsOptions,
    Repricer,
    break_even,
    economics_tables,
    plan_bases,
    project,
    served_requests,
    tornado,
)
from planalyzer.economics.knobs import DEFAULT_KNOBS, apply_setting, parse_ranges
from planalyzer.errors import ConfigError
from planalyzer.render.formats import render_text
from planalyzer.render.terminal import print_tables
from planalyzer.report import build_report
from planalyzer.store import LoadOptions, Store

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "report_small.csv"
ENV = {"COLUMNS": "120", "LINES": "50", "TZ": "UTC", "LC_ALL": "C", "NO_COLOR": "1",
       "TERM": "dumb"}

# A measured serving profile: $36 per replica-hour at utilization 0.5 = $0.02 per busy
# replica-second; prefill 1,000 tokens/s, decode 100 tokens/s, cache reads 10,000 tokens/s.
TOY_COSTS = """
[serving.toy-measured]
mode = "measured"
usd_per_hour = 36.0
prefill_tokens_per_s = 1000.0
decode_tokens_per_s = 100.0
cache_read_tokens_per_s = 10000.0
utilization = 0.5
overhead_share = 0.0
source = "test"
as_of = "2026-11"

[[route]]
pattern = "toy-*"
model = "llama-3.3-70b"
serving = "toy-measured"
assumed = false
note = "hand-computable test model"
training_cost_usd = 0.0
"""


def _data(tmp_path: Path, rows: list[list[object]], costs: Path | None,
          assign: list[str]) -> ReportData:
    src = write_csv(tmp_path / "ev.csv",
                    ["ts", "user_id", "model", "input_tokens", "cache_write_tokens",
                     "cache_write_1h_tokens", "cache_read_tokens", "output_tokens"], rows)
    with Store() as store:
        store.load([str(src)], LoadOptions())
        return build_report(store.con, costs=costs, assign=assign, plan_fit=False,
                            keep_requests=True)


@pytest.fixture()
def toy(tmp_path: Path) -> tuple[ReportData, Path]:
    costs = tmp_path / "toy.toml"
    costs.write_text(TOY_COSTS, encoding="utf-8")
    # alice: 100 requests of 1,000 input + 100 output = 1 s prefill + 1 s decode = $0.04 each
    # (toy-* models count zero in the Claude credits meter: nothing is capped)
    rows: list[list[object]] = [[f"2026-10-01T{h:02d}:{m:02d}:00Z", "alice", "toy-1", 1000,
                                 0, 0, 0, 100] for h in range(10) for m in range(0, 50, 5)]
    # bob: 10 requests of 2,000 input + 10,000 cache reads + 50 output
    #      = 2 s + 1 s + 0.5 s = 3.5 s = $0.07 each
    rows += [[f"2026-10-02T{h:02d}:00:00Z", "bob", "toy-2", 2000, 0, 0, 10000, 50]
             for h in range(10)]
    return _data(tmp_path, rows, costs, ["alice=claude_pro", "bob=claude_max_5x"]), costs


def test_tornado_by_hand(toy: tuple[ReportData, Path]) -> None:
    data, costs = toy
    knobs = parse_ranges(["gpu_price=+50%:x2", "utilization=0.25:1", "cache_read=x0.5:x3"])
    bases = plan_bases(data)
    rep = Repricer(served_requests(data), load_cost_catalog(costs), load_price_catalog())
    rows = {(r.plan, r.knob.name): r for r in tornado(bases, rep, knobs)}
    rep.close()
    pro = rows[("claude_pro", "gpu_price")]
    assert pro.revenue_usd == 20.0
    assert pro.base_cost_usd == pytest.approx(4.0, rel=1e-12)       # 100 x $0.04
    assert pro.low_margin_usd == pytest.approx(20 - 6.0, rel=1e-12)  # +50% GPU price
    assert pro.high_margin_usd == pytest.approx(20 - 8.0, rel=1e-12)  # x2
    util = rows[("claude_pro", "utilization")]
    assert util.low_cost_usd == pytest.approx(4.0 * 0.5 / 0.25, rel=1e-12)
    assert util.high_cost_usd == pytest.approx(4.0 * 0.5 / 1.0, rel=1e-12)
    mx = rows[("claude_max_5x", "cache_read")]
    assert mx.base_cost_usd == pytest.approx(0.70, rel=1e-12)
    # cache reads are 1 s of the 3.5 s; xF scales the cache-read speed (tokens/s), as it
    # scales GB/s: x0.5 -> half the speed, 2 s (4.5 s), x3 -> 1/3 s (2.83 s)
    assert mx.low_cost_usd == pytest.approx(0.70 * 4.5 / 3.5, rel=1e-12)
    assert mx.high_cost_usd == pytest.approx(0.70 * (2.5 + 1 / 3) / 3.5, rel=1e-12)
    total = rows[(ALL, "gpu_price")]
    assert total.revenue_usd == 120.0
    assert total.low_margin_usd == pytest.approx(120 - 1.5 * 4.7, rel=1e-12)
    # a measured profile has no MFU/MBU/batch: those rows do not move
    assert rows[(ALL, "mfu")].swing_usd == 0.0


def test_break_even_and_projection_by_hand(toy: tuple[ReportData, Path]) -> None:
    data, _ = toy
    bases = {b.plan: b for b in plan_bases(data)}
    pro = break_even([bases["claude_pro"]], fixed_cost_usd=1200.0, payback_months=12)[0]
    # $100 a month to recover, $16 margin per subscriber -> ceil(6.25) = 7
    assert pro.fixed_per_month_usd == 100.0
    assert pro.margin_per_subscriber_usd == pytest.approx(16.0)
    assert pro.break_even_subscribers == 7
    assert pro.growth_needed == 7.0
    assert pro.break_even_tokens == pytest.approx(7 * 110_000)
    assert pro.verdict.startswith("growth pays back at 7")
    months = project(data, [bases["claude_pro"]], 2, usage_growth=0.5, cost_decline=0.1)
    # nothing is capped: cost = 4 x 1.5^m x 0.9^m, revenue stays $20
    assert [m.gpu_cost_usd for m in months] == pytest.approx([4.0, 5.4, 7.29])
    assert [m.revenue_usd for m in months] == [20.0, 20.0, 20.0]
    assert [m.month for m in months] == ["2026-10", "2026-11", "2026-12"]


def test_growth_cannot_fix_a_negative_margin(tmp_path: Path) -> None:
    costs = tmp_path / "toy.toml"
    costs.write_text(TOY_COSTS, encoding="utf-8")
    # 1,000 requests at $0.04 = $40 a month on a $20 plan
    rows: list[list[object]] = [[f"2026-10-{d:02d}T{h:02d}:{m:02d}:00Z", "carol", "toy-1",
                                 1000, 0, 0, 0, 100]
                                for d in range(1, 11) for h in range(10) for m in range(10)]
    data = _data(tmp_path, rows, costs, ["carol=claude_pro"])
    b = [x for x in plan_bases(data) if x.plan == "claude_pro"]
    r = break_even(b, 1000.0, 1)[0]
    assert r.margin_per_subscriber_usd == pytest.approx(-20.0)
    assert r.break_even_subscribers is None
    assert r.verdict.startswith("cannot")


# ---------------------------------------------------------------- exact non-linear re-pricing

@pytest.fixture(scope="module")
def small() -> ReportData:
    with Store() as store:
        store.load([str(FIXTURE)], LoadOptions())
        return build_report(store.con, plan_fit=False, keep_requests=True)


def test_repricer_base_equals_report(small: ReportData) -> None:
    rep = Repricer(served_requests(small), load_cost_catalog(), load_price_catalog())
    costs = rep.cost_by_plan()
    rep.close()
    um = small.user_months.group_by("plan_order").agg(pl.col("gpu_cost_usd").sum())
    for order, cost in zip(um["plan_order"], um["gpu_cost_usd"], strict=True):
        assert costs[int(order)][0] == pytest.approx(cost, rel=1e-9)


@pytest.mark.parametrize("knob", ["mfu", "mbu", "batch", "cache_read"])
def test_nonlinear_knobs_reprice_exactly(small: ReportData, knob: str) -> None:
    """Each end equals the pure cost function summed over the served requests."""
    catalog = load_cost_catalog()
    k = next(x for x in DEFAULT_KNOBS if x.name == knob)
    served = served_requests(small)
    rep = Repricer(served, catalog, load_price_catalog())
    bases = plan_bases(small)
    row = next(r for r in tornado(bases, rep, [k]) if r.plan == ALL)
    rep.close()
    expect = 0.0
    orders = next(b for b in bases if b.plan == ALL).plan_orders  # users with a plan
    for r in served.filter(pl.col("plan_order").is_in(list(orders))).iter_rows(named=True):
        res = apply_setting(catalog.resolve(r["model"]), knob, k.low)
        t = Tokens(r["input_tokens"], r["cache_write_tokens"], r["cache_write_1h_tokens"],
                   r["cache_read_tokens"], r["output_tokens"])
        expect += coefficient_cost(coefficients_for(res, None), t, r["requests"]).gpu_cost_usd
    months = small.user_months["month_key"].n_unique()
    assert row.low_cost_usd == pytest.approx(expect / months, rel=1e-9)


# ---------------------------------------------------------------- properties

FIXTURE_OK = [HealthCheck.function_scoped_fixture]


@settings(max_examples=12, deadline=None, suppress_health_check=FIXTURE_OK)
@given(lo=st.floats(0.2, 0.99), hi=st.floats(1.01, 4.0),
       knob=st.sampled_from(["gpu_price", "utilization", "mfu", "mbu", "batch", "cache_read"]))
def test_tornado_brackets_the_base(small: ReportData, lo: float, hi: float, knob: str) -> None:
    if knob in ("utilization", "mfu", "mbu"):
        hi = min(hi, 1.0 / 0.6)  # stay a share: the shipped values are at most 0.6
    k = parse_ranges([f"{knob}=x{lo!r}:x{hi!r}"])
    k = tuple(x for x in k if x.name == knob)
    rep = Repricer(served_requests(small), load_cost_catalog(), load_price_catalog())
    rows = tornado(plan_bases(small), rep, k)
    rep.close()
    for r in rows:
        lo_m, hi_m = sorted((r.low_margin_usd, r.high_margin_usd))
        assert lo_m - 1e-9 <= r.base_margin_usd <= hi_m + 1e-9


def test_zero_growth_zero_decline_is_today(small: ReportData) -> None:
    bases = plan_bases(small)
    for m in project(small, bases, 4):
        b = next(x for x in bases if x.plan == m.plan)
        assert (m.revenue_usd, m.gpu_cost_usd, m.loaded_cost_usd) == (
            b.revenue_usd, b.gpu_cost_usd, b.loaded_cost_usd)
        assert m.margin_usd == b.margin_usd


def test_recap_at_factor_one_is_the_report(small: ReportData) -> None:
    from planalyzer.economics import recap
    assert small.replay is not None
    out = recap(small, 1.0)
    assert out["served"].equals(small.replay.requests["served"])
    base = small.replay.requests["overage_usd"] + small.replay.requests["usage_usd"]
    assert (out["charges_usd"] - base).abs().max() == 0.0


def test_decline_alone_scales_cost(small: ReportData) -> None:
    bases = plan_bases(small)
    for m in project(small, bases, 3, cost_decline=0.2):
        b = next(x for x in bases if x.plan == m.plan)
        assert m.gpu_cost_usd == pytest.approx(b.gpu_cost_usd * 0.8 ** m.month_ahead)
        assert m.revenue_usd == b.revenue_usd


def test_growth_reapplies_caps(small: ReportData) -> None:
    """Copilot Pro caps premium requests: grown usage is partly blocked, so its cost grows
    less than the usage factor and its served share falls."""
    rows = [m for m in project(small, plan_bases(small), 2, usage_growth=1.0)
            if m.plan == "copilot_pro"]
    assert rows[2].served_share is not None and rows[0].served_share is not None
    assert rows[2].served_share < rows[0].served_share
    assert rows[2].gpu_cost_usd < 4 * rows[0].gpu_cost_usd


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURE_OK)
@given(fixed=st.floats(1.0, 1e9), payback=st.floats(0.5, 120))
def test_break_even_pays_back(small: ReportData, fixed: float, payback: float) -> None:
    for r in break_even(plan_bases(small), fixed, payback):
        n, m = r.break_even_subscribers, r.margin_per_subscriber_usd
        if m is None or m <= 0:
            assert n is None
            continue
        assert n is not None
        assert n * m >= r.fixed_per_month_usd
        assert (n - 1) * m < r.fixed_per_month_usd * (1 + 1e-12)


# ---------------------------------------------------------------- goldens (every format)

OPTIONS = EconomicsOptions(sensitivity=True, fixed_cost_usd=10_000.0, payback_months=12,
                           project_months=3, usage_growth=0.2, cost_decline=0.05)


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_economics_golden(small: ReportData, fmt: str) -> None:
    tables = economics_tables(small, OPTIONS)
    if fmt == "table":
        buf = io.StringIO()
        print_tables(Console(file=buf, width=120, highlight=False, soft_wrap=False,
                             color_system=None), tables)
        text = buf.getvalue()
    else:
        text = render_text(tables, fmt)
    check_golden(f"economics.{ {'table': 'txt', 'markdown': 'md'}.get(fmt, fmt) }", text)


def test_cli_adds_the_economics_tables() -> None:
    res = CliRunner().invoke(app, [
        "report", str(FIXTURE), "--no-fit", "--format", "json", "--sensitivity",
        "--fixed-cost", "10000", "--project", "3", "--usage-growth", "20",
        "--cost-decline", "5"], env=ENV)
    assert res.exit_code == 0, res.stdout
    doc = json.loads(res.stdout)
    for name in ("plans", "margin_sensitivity", "break_even", "margin_projection"):
        assert name in doc
    golden = json.loads((HERE / "golden" / "economics.json").read_text(encoding="utf-8"))
    for name in ("margin_sensitivity", "break_even", "margin_projection"):
        assert doc[name] == golden[name]


def test_range_alone_implies_sensitivity() -> None:
    res = CliRunner().invoke(app, ["report", str(FIXTURE), "--no-fit", "--format", "csv",
                                   "--range", "gpu_price=1.5:4.0"], env=ENV)
    assert res.exit_code == 0, res.stdout
    assert "# margin_sensitivity" in res.stdout
    assert '(all plans),gpu_price,"$1.41 H200, $1.95 B200",1.5,4.0,' in res.stdout


# ---------------------------------------------------------------- errors (exit 2, one line)

@pytest.mark.parametrize(("args", "needle"), [
    (["--range", "warp=1:2"], "--range 'warp=1:2'"),
    (["--range", "gpu_price=2"], "two ends"),
    (["--range", "gpu_price=cheap:2"], "is not a setting"),
    (["--range", "gpu_price=x0:x2"], "must be above 0"),
    (["--range", "utilization=x0.5:x2"], "must be in (0, 1]"),
    (["--usage-growth", "5"], "need --project"),
    (["--project", "0"], "--project 0"),
    (["--project", "3", "--cost-decline", "100"], "--cost-decline 100"),
    (["--project", "3", "--usage-growth", "-100"], "--usage-growth -100"),
    (["--fixed-cost", "0"], "--fixed-cost 0"),
    (["--fixed-cost", "10", "--payback-months", "0"], "--payback-months 0"),
    # an option that needs another is an error, never silently ignored (qa13B #4)
    (["--payback-months", "6"], "--payback-months needs --fixed-cost USD"),
    (["--payback-months", "12"], "--payback-months needs --fixed-cost USD"),  # its default
    (["--fit-plans", "claude_*"], "--fit-plans needs plan fit: leave out --no-fit"),
])
def test_bad_economics_options(args: list[str], needle: str) -> None:
    res = CliRunner().invoke(app, ["report", str(FIXTURE), "--no-fit", *args], env=ENV)
    assert res.exit_code == 2
    err = res.stderr
    assert err.startswith("error: ") and needle in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_money_and_percent_options_take_the_grid_number_forms() -> None:
    """--fixed-cost takes what --grid takes (100k, 1e5, 100_000) and a leading $; --usage-growth
    and --cost-decline take 10% as 10."""
    def tables(*args: str) -> dict[str, object]:
        res = CliRunner().invoke(app, ["report", str(FIXTURE), "--no-fit", "--format", "json",
                                       "--project", "2", *args], env=ENV)
        assert res.exit_code == 0, res.stdout + res.stderr
        doc = json.loads(res.stdout)
        return {k: doc[k] for k in ("break_even", "margin_projection")}

    want = tables("--fixed-cost", "100000", "--usage-growth", "10", "--cost-decline", "3")
    for cost in ("100k", "1e5", "100_000", "$100000", "$100k", "0.1M"):
        assert tables("--fixed-cost", cost, "--usage-growth", "10%", "--cost-decline",
                      "3%") == want, cost


def test_library_needs_the_request_frame(small: ReportData) -> None:
    from dataclasses import replace
    with pytest.raises(Exception, match="keep_requests=True"):
        economics_tables(replace(small, replay=None), EconomicsOptions(project_months=1))


def test_parse_setting_forms() -> None:
    (gpu,) = [k for k in parse_ranges(["gpu_price=-50%:+50%"]) if k.name == "gpu_price"]
    assert (gpu.low.factor, gpu.high.factor) == (0.5, 1.5)
    with pytest.raises(ConfigError):
        parse_ranges(["gpu_price=-100%:x2"])
    assert math.isclose(parse_ranges(["mfu=0.2:0.4"])[2].low.absolute or 0, 0.2)
    # one assumption given twice is refused, as --grid is (the last silently won; qa16C #9)
    with pytest.raises(ConfigError, match=r"^--range mfu: given twice \('mfu=0.2:0.3' and "
                       r"'mfu=0.4:0.5'\); give one range for it$"):
        parse_ranges(["mfu=0.2:0.3", "gpu_price=x1:x2", "mfu=0.4:0.5"])


def test_cache_read_multiple_scales_the_gb_per_s(small: ReportData) -> None:
    """``cache_read=x0.2:x5`` meant a fifth and five times the *cost* of a cached token while a
    bare number sets GB/s, so x0.2 (faster) and 5 (slower) moved opposite ways next to a base
    of "25 GB/s" (QA round 8 B, finding 3). Now xF is F times the GB/s, like every knob."""
    rep = Repricer(served_requests(small), load_cost_catalog(), load_price_catalog())
    bases = plan_bases(small)
    rel = {r.plan: r for r in tornado(bases, rep, parse_ranges(["cache_read=x0.2:x5"])[-1:])}
    ab = {r.plan: r for r in tornado(bases, rep, parse_ranges(["cache_read=5:125"])[-1:])}
    rep.close()
    for plan, r in rel.items():
        assert r.base_setting == "25 GB/s"
        assert r.low_margin_usd == pytest.approx(ab[plan].low_margin_usd, rel=1e-12)
        assert r.high_margin_usd == pytest.approx(ab[plan].high_margin_usd, rel=1e-12)
        assert r.low_margin_usd <= r.base_margin_usd <= r.high_margin_usd  # slower is dearer
    assert rel[ALL].low_margin_usd < rel[ALL].base_margin_usd
