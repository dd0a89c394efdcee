"""`sweep`/`optimize --grid PATH=VALUES`: each value once (a repeat, `20,20` or `20,2e1`,
would evaluate the same design twice: refused, exit 2, naming it); one value, values listed
going down, and spaces around values are taken as written."""

from __future__ import annotations

import pytest
from conftest import cli_error, cli_json
from whatif_helpers import FIXTURE

from planalyzer.errors import ConfigError
from planalyzer.whatif.sweep import parse_axis

PRICE = "plans.claude_pro.price_usd"


@pytest.mark.parametrize(("values", "again", "once"), [
    ("20,20", "20", "20"),
    ("20, 2e1,30", "20", "20,30"),
    ("20,25,20,25,30", "20, 25", "20,25,30"),
])
def test_a_value_listed_twice_is_refused(values: str, again: str, once: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_axis(f"{PRICE}={values}")
    assert str(err.value) == (
        f"--grid '{PRICE}={values}': {again} listed more than once (each value makes one "
        f"design); list each value once, e.g. --grid {PRICE}={once}")


def test_text_and_true_are_compared_as_written() -> None:
    with pytest.raises(ConfigError, match="block listed more than once"):
        parse_axis("plans.claude_pro.overage.policy=block,payg,block")
    # true is a bool, 1 a number: not the same value
    assert parse_axis("plans.free.remove=true,1").values == (True, 1)


def test_one_value_going_down_and_spaces() -> None:
    assert parse_axis(f"{PRICE}=20").values == (20,)
    assert parse_axis(f"{PRICE}=30,20,10").values == (30, 20, 10)
    assert parse_axis(f" {PRICE} = 20 , 30 ,").values == (20, 30)
    assert parse_axis(f"{PRICE}= 10 : 30 : 10").values == (10, 20, 30)
    with pytest.raises(ConfigError, match=r"to go down, list the values: PATH=30,25,20"):
        parse_axis(f"{PRICE}=30:10:5")


@pytest.mark.parametrize("cmd", ["sweep", "optimize"])
def test_the_command_refuses_a_repeat_with_exit_2(cmd: str) -> None:
    err = cli_error([cmd, str(FIXTURE), "--grid", f"{PRICE}=20,20"])
    assert f"--grid '{PRICE}=20,20': 20 listed more than once" in err


def test_descending_values_are_evaluated_in_the_order_given() -> None:
    doc = cli_json(["sweep", str(FIXTURE), "--grid", f"{PRICE}=30,20"])
    rows = doc["sweep_points"]["rows"]
    assert [r[PRICE] for r in rows] == [30, 20]
    assert rows[0]["revenue_usd"] > rows[1]["revenue_usd"]


@pytest.mark.parametrize(("spec", "values"), [
    (f"{PRICE}=15:25:5", (15.0, 20.0, 25.0)),
    (f"{PRICE}=20,25", (20.0, 25.0)),
    (f"{PRICE}=2e1,2.5e1", (20.0, 25.0)),
    ("plans.claude_pro.limits.session_5h.cap=1e5:3e5:1e5", (100_000, 200_000, 300_000)),
    ("plans.claude_pro.limits.session_5h.cap=1e5,550000,1M", (100_000, 550_000, 1_000_000)),
    ("plans.claude_pro.limits.session_5h.cap=0.5,1", (0.5, 1.0)),
    ("cost.route[0].min_prompt_tokens=1k,2k", (1000, 2000)),
    ("behaviour.return_share=0,1", (0.0, 1.0)),
])
def test_a_keys_values_have_one_type(spec: str, values: tuple[float, ...]) -> None:
    """qa14B #8: an axis's numbers are one type whichever way they were written: a count key
    (cap, hours, days, prompt tokens) integers when every value is whole, any other number
    key (dollars, shares, factors) floats."""
    got = parse_axis(spec).values
    assert got == values
    assert [type(v) for v in got] == [type(v) for v in values]


def test_json_axis_columns_keep_their_type() -> None:
    """A range and a list of the same kind of key write the same JSON type (20.0 and 100.0,
    not 20.0 and 100); caps from a range are integers (300000, not 300000.0)."""
    doc = cli_json(["sweep", str(FIXTURE), "--grid", f"{PRICE}=15:25:5",
                    "--grid", "plans.claude_max_5x.price_usd=80,100",
                    "--grid", "plans.claude_pro.limits.session_5h.cap=1e5:3e5:1e5"])
    rows = doc["sweep_points"]["rows"]
    assert len(rows) == 18
    for key, kind in ((PRICE, float), ("plans.claude_max_5x.price_usd", float),
                      ("plans.claude_pro.limits.session_5h.cap", int)):
        assert {type(r[key]) for r in rows} == {kind}, key
    assert {r["plans.claude_pro.limits.session_5h.cap"] for r in rows} == {
        100_000, 200_000, 300_000}
