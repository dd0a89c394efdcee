"""A small strict reader for planalyzer's TOML files (costs, prices, plans, scenarios,
mappings, user maps).

``read_toml`` is the one place every TOML file is read: UTF-8 (a byte-order mark is allowed),
and no number may be nan or inf (TOML allows both; a NaN cap would silently act as no cap).
Every table is then checked against a spec: an unknown key or a value of the wrong type is a
``ConfigError`` that names the file and the dotted key, and says what to do.
"""

from __future__ import annotations

import builtins
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planalyzer.errors import ConfigError

_TYPE_NAMES = {float: "a number", int: "an integer", str: "a string", bool: "true or false",
               list: "a list"}


@dataclass(frozen=True)
class Field:
    """One allowed key: its type, whether it must be present, and its default."""

    type: type
    required: bool = True
    default: Any = None
    item_type: builtins.type | None = None  # for lists
    choices: tuple[str, ...] = ()
    label: str = ""  # how messages name the expected kind (default: from the type)


def read_toml(path: Path, hint: str = "check the path", what: str = "file") -> dict[str, Any]:
    """Parse a TOML file; a syntax error, a file that is not UTF-8 text, a number that is nan
    or inf, or an unreadable file becomes a ConfigError naming the file (and the key). ``hint``
    ends the message for a missing file (e.g. "check the --plans path"); ``what`` names the
    kind of file in it ("mapping file")."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found; {hint}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} on line "
                          f"{line}); save it as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax") from None
    check_finite(data, path)
    return data


def check_finite(data: Any, path: Path | str, where: str = "") -> None:
    """Every number in ``data`` (nested tables and arrays) is finite: nan or inf is a
    ConfigError naming the dotted key."""
    if isinstance(data, float) and not math.isfinite(data):
        raise ConfigError(f"{path}: {where or 'value'}: {data!r} is not a finite number; give "
                          "a number")
    if isinstance(data, dict):
        for k, v in data.items():
            check_finite(v, path, f"{where}.{k}" if where else str(k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            check_finite(v, path, f"{where}[{i}]")


def _type_ok(value: Any, expected: type) -> bool:
    if expected is float:  # finite: a nan or inf value is never a usable number
        return isinstance(value, int | float) and not isinstance(value, bool) \
            and math.isfinite(value)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def _describe(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value!r} (not a finite number)"
    kind = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)
    return f"{kind} ({value!r})" if not isinstance(value, dict | list) else kind


def check_table(data: Any, spec: Mapping[str, Field], where: str, path: Path | str
                ) -> dict[str, Any]:
    """Validate one table against ``spec``; return it with defaults filled in. ``where``
    names the table in messages ("" for a file's top level: keys are then named alone)."""
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: {where} must be a table, got {_describe(data)}")
    def at(key: str) -> str:
        return f"{where}.{key}" if where else key

    for key in data:
        if key not in spec:
            allowed = ", ".join(sorted(spec))
            raise ConfigError(f"{path}: {at(key)}: unknown key; allowed keys are "
                              f"{allowed}. Remove it or fix the spelling")
    out: dict[str, Any] = {}
    for key, field in spec.items():
        kind = field.label or _TYPE_NAMES.get(field.type, field.type.__name__)
        if key not in data:
            if field.required:
                raise ConfigError(f"{path}: {at(key)}: missing; add it ({kind})")
            out[key] = field.default
            continue
        value = data[key]
        if not _type_ok(value, field.type):
            raise ConfigError(f"{path}: {at(key)}: expected {kind}, got "
                              f"{_describe(value)}")
        if field.item_type is not None:
            for i, item in enumerate(value):
                if not _type_ok(item, field.item_type):
                    raise ConfigError(f"{path}: {at(key)}[{i}]: expected "
                                      f"{_TYPE_NAMES.get(field.item_type, 'a value')}, got "
                                      f"{_describe(item)}")
        if field.choices and value not in field.choices:
            raise ConfigError(f"{path}: {at(key)}: {value!r} is not one of "
                              f"{', '.join(field.choices)}")
        if field.type is float:
            value = float(value)
        out[key] = value
    return out


def check_sections(data: dict[str, Any], allowed: Mapping[str, type], path: Path | str) -> None:
    """Top-level keys must be known sections of the expected kind (table or array)."""
    for key, value in data.items():
        if key not in allowed:
            raise ConfigError(f"{path}: {key}: unknown section; allowed sections are "
                              f"{', '.join(sorted(allowed))}")
        if not isinstance(value, allowed[key]):
            kind = "a table ([" + key + ".NAME])" if allowed[key] is dict else \
                "an array of tables ([[" + key + "]])"
            raise ConfigError(f"{path}: {key}: expected {kind}, got {_describe(value)}")


def check_entry_names(entries: Mapping[str, Any], section: str, allowed: Mapping[str, Field],
                      path: Path | str) -> None:
    """``[section.NAME]`` entries: an unquoted NAME with a dot (``[model.llama-3.3-70b]``) is
    read by TOML as nested tables (llama-3 > 3-70b), which would otherwise be reported as an
    unknown key of an entry the user never wrote; say so, and how to quote it."""
    for key, raw in entries.items():
        parts, table = [key], raw
        while isinstance(table, dict):
            sub = next((k for k, v in table.items() if isinstance(v, dict) and k not in allowed),
                       None)
            if sub is None:
                break
            parts.append(sub)
            table = table[sub]
        if len(parts) > 1:
            name = ".".join(parts)
            raise ConfigError(f"{path}: [{section}.{name}]: TOML reads an unquoted name with a "
                              f"dot as nested tables ({' > '.join([section, *parts])}); quote "
                              f"the name: [{section}.\"{name}\"]")
