"""Checks that a parsed success body has the types the spec gives it.

The generated models' `from_dict` trusts what it reads (`"id": "x"` would become a string in an
`int` field); `check` walks the parsed value against the type the operation declares and raises
`Mismatch` naming the first place that differs.

Each declared type is compiled once into a fast test (no exceptions, no type-hint evaluation on
the way); the words of a mismatch are worked out only when there is one.
"""

from __future__ import annotations

import functools
import importlib
import sys
import types
import typing
from collections.abc import Callable
from typing import Any, Literal, Union

import attrs


class Mismatch(Exception):
    """The value at `path` is not of the declared type."""


def check(value: Any, expected: Any, path: str = "body") -> None:
    compiled = _compile(expected)
    if not compiled.ok(value):
        raise Mismatch(compiled.why(value, path))


class _Compiled:
    """A declared type as a test (`ok`) and, for a value that fails it, the reason (`why`)."""

    def __init__(self, ok: Callable[[Any], bool], why: Callable[[Any, str], str]) -> None:
        self.ok = ok
        self.why = why


def _simple(test: Callable[[Any], bool], expected_words: str) -> _Compiled:
    return _Compiled(
        test, lambda value, path: f"{path}: expected {expected_words}, got {_name(value)}"
    )


_ACCEPT = _Compiled(lambda value: True, lambda value, path: "")
_SIMPLE = {
    type(None): _simple(lambda v: v is None, "nothing"),
    bool: _simple(lambda v: isinstance(v, bool), "a boolean"),
    int: _simple(lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    float: _simple(lambda v: isinstance(v, int | float) and not isinstance(v, bool), "a number"),
    str: _simple(lambda v: isinstance(v, str), "a string"),
}


@functools.cache
def _compile(expected: Any) -> _Compiled:
    if expected is Any or expected is object:
        return _ACCEPT
    if expected is None:
        expected = type(None)
    if expected in _SIMPLE:
        return _SIMPLE[expected]
    origin = typing.get_origin(expected)
    if origin in (Union, types.UnionType):
        return _union(expected)
    if origin is Literal:
        allowed = typing.get_args(expected)
        return _Compiled(
            lambda v: v in allowed, lambda v, path: f"{path}: {v!r} is not one of {list(allowed)}"
        )
    if origin is list:
        return _list((typing.get_args(expected) or (Any,))[0])
    if origin is dict:
        return _simple(lambda v: isinstance(v, dict), "an object")
    if isinstance(expected, type) and attrs.has(expected):
        return _model(expected)
    if isinstance(expected, type):
        return _simple(lambda v: isinstance(v, expected), expected.__name__)
    return _ACCEPT


# The exact types a JSON value of each simple type may have: a union of simple types is then one
# set lookup (this check runs on every field of every answer).
_EXACT: dict[Any, frozenset[type]] = {
    type(None): frozenset({type(None)}), bool: frozenset({bool}), int: frozenset({int}),
    float: frozenset({int, float}), str: frozenset({str}),
}  # fmt: skip


def _union(expected: Any) -> _Compiled:
    arguments = typing.get_args(expected)
    options = [_compile(option) for option in arguments]

    def why(value: Any, path: str) -> str:
        reasons = [option.why(value, path) for option in options]
        if len(reasons) == 1:
            return reasons[0]
        return f"{path}: {_name(value)} fits none of {_type_name(expected)}"

    simple = [type(None) if a is None else a for a in arguments]
    if all(option in _EXACT for option in simple):
        exact: frozenset[type] = frozenset().union(*(_EXACT[option] for option in simple))
        return _Compiled(lambda v: type(v) in exact, why)

    def ok(value: Any) -> bool:
        # A loop, not any(<generator>): this runs for every field of every answer.
        for option in options:  # noqa: SIM110
            if option.ok(value):
                return True
        return False

    return _Compiled(ok, why)


def _list(item_type: Any) -> _Compiled:
    item = _compile(item_type)

    def why(value: Any, path: str) -> str:
        if not isinstance(value, list):
            return f"{path}: expected a list, got {_name(value)}"
        index = next(i for i, element in enumerate(value) if not item.ok(element))
        return item.why(value[index], f"{path}[{index}]")

    return _Compiled(lambda v: isinstance(v, list) and all(item.ok(e) for e in v), why)


def _model(model: type) -> _Compiled:
    fields: list[
        tuple[str, _Compiled]
    ] = []  # compiled on first use: models may refer to themselves

    def compiled_fields() -> list[tuple[str, _Compiled]]:
        if not fields:
            # A model names the models of its nested objects in annotations it imports only for
            # type checkers; the models package exports them all.
            package = importlib.import_module(model.__module__.rpartition(".")[0])
            hints = typing.get_type_hints(
                model, {**vars(package), **vars(sys.modules[model.__module__])}
            )
            fields.extend(
                (field.name, _compile(hints[field.name]))
                for field in attrs.fields(model)
                if field.name != "additional_properties"
            )
        return fields

    def ok(value: Any) -> bool:
        if not isinstance(value, model):
            return False
        for name, compiled in fields or compiled_fields():
            if not compiled.ok(getattr(value, name)):
                return False
        return True

    def why(value: Any, path: str) -> str:
        if not isinstance(value, model):
            return f"{path}: expected {model.__name__}, got {_name(value)}"
        name, compiled = next(
            (name, c) for name, c in compiled_fields() if not c.ok(getattr(value, name))
        )
        return compiled.why(getattr(value, name), f"{path}.{name}")

    return _Compiled(ok, why)


def _name(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"[:80]


def _type_name(expected: Any) -> str:
    return getattr(expected, "__name__", None) or str(expected).replace("typing.", "")


__all__ = ["Mismatch", "check"]
