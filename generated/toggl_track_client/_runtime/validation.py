# Copied from sdk/runtime/validation.py by `make generate`. Do not edit here.
"""Checks that a parsed success body has the types the spec gives it.

The generated models' `from_dict` trusts what it reads (`"id": "x"` would become a string in an
`int` field); `check` walks the parsed value against the type the operation declares and raises
`Mismatch` naming the first place that differs.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, Union

import attrs


class Mismatch(Exception):
    """The value at `path` is not of the declared type."""


def check(value: Any, expected: Any, path: str = "body") -> None:
    if expected is Any or expected is object:
        return
    if expected is None:
        expected = type(None)
    origin = typing.get_origin(expected)
    if origin in (Union, types.UnionType):
        errors = []
        for option in typing.get_args(expected):
            try:
                check(value, option, path)
                return
            except Mismatch as error:
                errors.append(str(error))
        raise Mismatch(
            errors[0]
            if len(errors) == 1
            else f"{path}: {_name(value)} fits none of {_type_name(expected)}"
        )
    if origin is Literal:
        if value not in typing.get_args(expected):
            raise Mismatch(f"{path}: {value!r} is not one of {list(typing.get_args(expected))}")
        return
    if origin is list:
        if not isinstance(value, list):
            raise Mismatch(f"{path}: expected a list, got {_name(value)}")
        (item_type,) = typing.get_args(expected) or (Any,)
        for index, item in enumerate(value):
            check(item, item_type, f"{path}[{index}]")
        return
    if origin is dict:
        if not isinstance(value, dict):
            raise Mismatch(f"{path}: expected an object, got {_name(value)}")
        return
    if expected is type(None):
        if value is not None:
            raise Mismatch(f"{path}: expected nothing, got {_name(value)}")
        return
    if expected is bool:
        if not isinstance(value, bool):
            raise Mismatch(f"{path}: expected a boolean, got {_name(value)}")
        return
    if expected is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise Mismatch(f"{path}: expected an integer, got {_name(value)}")
        return
    if expected is float:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise Mismatch(f"{path}: expected a number, got {_name(value)}")
        return
    if expected is str:
        if not isinstance(value, str):
            raise Mismatch(f"{path}: expected a string, got {_name(value)}")
        return
    if isinstance(expected, type) and attrs.has(expected):
        if not isinstance(value, expected):
            raise Mismatch(f"{path}: expected {expected.__name__}, got {_name(value)}")
        hints = typing.get_type_hints(expected)
        for field in attrs.fields(expected):
            if field.name != "additional_properties":
                check(getattr(value, field.name), hints[field.name], f"{path}.{field.name}")
        return
    if isinstance(expected, type) and not isinstance(value, expected):
        raise Mismatch(f"{path}: expected {expected.__name__}, got {_name(value)}")


def _name(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"[:80]


def _type_name(expected: Any) -> str:
    return getattr(expected, "__name__", None) or str(expected).replace("typing.", "")


__all__ = ["Mismatch", "check"]
