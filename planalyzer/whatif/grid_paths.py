"""Grid paths: where a ``--grid PATH=VALUES`` axis sets a value in a scenario, and whose fault
an error is when a point is not a valid scenario (the grid's, not the base file's).

A path is the scenario's dotted keys (``plans.claude_pro.limits.weekly.cap``); a route, one
table of the ``[[cost.route]]`` array, is named by its index: ``cost.route[0].share`` (or
``cost.route.0.share``). No typer or rich here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from planalyzer.errors import ConfigError

_INDEXED = re.compile(r"^([A-Za-z_][\w-]*)\[(\d+)\]$")
ARRAYS = ("cost.route",)  # the arrays of tables a path can index into
_ROUTE_HINT = ("a grid varies the keys of the routes the base scenario defines (--scenario BASE "
               "with [[cost.route]] tables, each with to and share), one route by its index: "
               "--grid cost.route[0].share=0.2,0.5 (one more pass over the events per value)")


def steps(path: str) -> list[str | int]:
    """``cost.route[0].share`` or ``cost.route.0.share`` -> ['cost', 'route', 0, 'share']."""
    out: list[str | int] = []
    for part in path.split("."):
        m = _INDEXED.match(part)
        if m:
            out += [m.group(1), int(m.group(2))]
        elif part.isdigit() and ".".join(str(s) for s in out) in ARRAYS:
            out.append(int(part))
        else:
            out.append(part)
    return out


def canonical(path: str) -> str:
    """The one spelling of a path: indexes in brackets (``cost.route[0].share``)."""
    text = ""
    for s in steps(path):
        text += f"[{s}]" if isinstance(s, int) else f".{s}" if text else s
    return text


def show(value: Any) -> str:
    """A grid value as the command line writes it."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value)


def set_value(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` to ``value`` in a scenario's tables (made where missing; a route must be
    one the base scenario defines). A path that cannot be set is a ConfigError naming
    ``--grid PATH=VALUE``."""
    label = f"--grid {path}={show(value)}"
    parts = steps(path)
    node: Any = data
    where = ""
    for i, step in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(step, int):
            if step >= len(node):
                have = ", ".join(f"{where}[{j}]" for j in range(len(node)))
                raise ConfigError(f"{label}: {where}[{step}]: no such route; the base scenario "
                                  f"has {have}: {_ROUTE_HINT}")
            if last:
                raise ConfigError(f"{label}: name a key of {where}[{step}], e.g. "
                                  f"{where}[{step}].share")
            node, where = node[step], f"{where}[{step}]"
            continue
        if not isinstance(node, dict):
            raise ConfigError(f"{label}: {where} is not a table")
        here = f"{where}.{step}" if where else step
        nxt = node.get(step)
        indexed = not last and isinstance(parts[i + 1], int)
        if here in ARRAYS and not indexed:
            raise ConfigError(f"{label}: {here} is an array of tables ([[{here}]]): {_ROUTE_HINT}")
        if indexed and not isinstance(nxt, list):
            if here not in ARRAYS:
                raise ConfigError(f"{label}: {here} is not an array of tables; only "
                                  f"{', '.join(ARRAYS)} takes an index")
            raise ConfigError(f"{label}: {here}: the base scenario has no [[{here}]]: "
                              f"{_ROUTE_HINT}")
        if last:
            node[step] = value
            return
        if nxt is None:
            nxt = node[step] = {}
        if not isinstance(nxt, dict | list):
            raise ConfigError(f"{label}: {step} is not a table")
        node, where = nxt, here


def _related(path: str, key: str) -> bool:
    """Is the error about ``key`` one the axis ``path`` can cause: the key itself, a table
    above or below it, or another key of the same table (payg set, its meter missing)?"""
    if not key:
        return False
    if path == key or path.startswith((key + ".", key + "[")) \
            or key.startswith((path + ".", path + "[")):
        return True
    return path.rpartition(".")[0] == key.rpartition(".")[0] != ""


def grid_error(err: ConfigError, prefix: str, values: Mapping[str, Any]) -> ConfigError:
    """``err`` (raised with ``prefix``: the base file, or the point's name) as the fault of
    the grid values that cause it: ``--grid PATH=VALUE: KEY: ...``, naming the axes whose path
    is related to the key the message names (all of them when none is)."""
    msg = str(err)
    rest = msg[len(prefix) + 2:] if prefix and msg.startswith(f"{prefix}: ") else msg
    key = re.match(r"[^\s:]*", rest)
    named = key.group(0) if key else ""
    blame = [p for p in values if _related(p, named)] or list(values)
    return ConfigError(", ".join(f"--grid {p}={show(values[p])}" for p in blame) + f": {rest}")
