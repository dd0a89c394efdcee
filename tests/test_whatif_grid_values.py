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
