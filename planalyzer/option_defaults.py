"""Defaults of ``LoadOptions`` fields that tell "not given" from "given with the default's
value": ``LoadOptions(timezone="UTC")`` (or ``--timezone UTC``) is an option given, which
applies to the new and changed files of a --db store like any other value, while
``LoadOptions()`` leaves each file of the store with the options it was loaded with.

A default is an instance of a subclass of ``str``/``int``: it equals, hashes, formats and binds
like the plain value everywhere it is used; only ``given`` looks at its type."""

from __future__ import annotations


class DefaultStr(str):
    """A ``str`` field's default (not given)."""

    __slots__ = ()


class DefaultInt(int):
    """An ``int`` field's default (not given)."""

    __slots__ = ()


def given(value: object) -> bool:
    """Whether a field's value was given (set by the caller), not left at its default."""
    return not isinstance(value, DefaultStr | DefaultInt)
