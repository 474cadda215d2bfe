"""Request bodies, decoded the way Toggl's Go backend does, but stricter where Go would corrupt.

Go's `encoding/json` rejects a field of the wrong JSON type with an offset into the body; Toggl
words that as `Unexpected "name" type number, offset=12`. The emulator reproduces that, and rejects
what Go would silently mangle (invalid UTF-8, lone surrogates, `null` for a typed field), so that a
bad request never changes stored data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from . import errors
from .errors import TogglError

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"


@dataclass(frozen=True)
class Body:
    """A decoded JSON body and its text, for the offsets of error messages."""

    value: Any
    text: str

    def bad_type(self, field: str, value: Any, offset: int | None = None) -> TogglError:
        """The 400 for `value` in `field`; the offset is found only now, on the error path."""
        if offset is None:
            offset = self.offset_after(field)
        return TogglError(400, errors.wrong_type(field, json_type(value), offset))

    def offset_after(self, field: str) -> int:
        """UTF-8 offset just past the value of the (last) top-level member `field`."""
        found = 0
        for name, _, offset in _members_with_offsets(self.text):
            if name == field:
                found = offset
        return found


def decode(raw: bytes, *, required: bool = True) -> Body | None:
    """Decode a request body; None for an empty optional one."""
    if not raw.strip():
        if required:
            raise TogglError(400, errors.INVALID_JSON)
        return None
    try:
        text = raw.decode("utf-8")
        value = _STRICT_DECODER.decode(text)
    except (UnicodeDecodeError, ValueError):
        raise TogglError(400, errors.INVALID_JSON) from None
    # Strict UTF-8 decoding let no surrogate through; only a `\udXXX` escape can make one.
    if _SURROGATE_ESCAPE.search(text) and not _is_valid_unicode(value):
        raise TogglError(400, errors.INVALID_JSON)
    return Body(value, text)


def json_type(value: Any) -> str:
    """The JSON type name Go's decoder reports."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def is_int64(value: Any) -> bool:
    """An integer in int64 range; `3.0` counts, as JSON Schema says it does [infer]."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return (
        isinstance(value, int) and not isinstance(value, bool) and INT64_MIN <= value <= INT64_MAX
    )


def object_fields(body: Body, schema: dict[str, type]) -> dict[str, Any]:
    """The known fields of a JSON object body, type-checked; unknown fields are ignored.

    `schema` maps a field name to `str`, `int` (int64), `bool` or `list` (of int64).
    """
    if not isinstance(body.value, dict):
        raise TogglError(400, errors.INVALID_JSON)
    fields: dict[str, Any] = {}
    for name, value in body.value.items():
        expected = schema.get(name)
        if expected is None:
            continue
        if expected is list:
            fields[name] = int64_list(body, value, name)
        elif expected is int:
            if not is_int64(value):
                raise body.bad_type(name, value)
            fields[name] = int(value)
        elif type(value) is not expected:
            raise body.bad_type(name, value)
        else:
            fields[name] = value
    return fields


def int64_list(body: Body, value: Any, name: str) -> list[int]:
    """A JSON array of int64 ids in member `name`, named in the error for a bad element."""
    if not isinstance(value, list):
        raise body.bad_type(name, value)
    for item in value:
        if not is_int64(item):
            raise body.bad_type(name, item)
    return [int(item) for item in value]


def id_array(body: Body, name: str) -> list[int]:
    """A top-level JSON array of int64 ids; a bad element is named `name` in the error."""
    if not isinstance(body.value, list):
        raise TogglError(400, errors.INVALID_JSON)
    if all(is_int64(item) for item in body.value):
        return [int(item) for item in body.value]
    index = _skip(body.text, 0) + 1  # past "["; find the bad element's offset
    for item in body.value:
        index = _skip(body.text, index)
        _, index = _DECODER.raw_decode(body.text, index)
        if not is_int64(item):
            raise body.bad_type(name, item, len(body.text[:index].encode("utf-8")))
        index = _skip(body.text, index) + 1  # past "," or "]"
    return [int(item) for item in body.value]


def _members_with_offsets(text: str) -> Iterator[tuple[str, Any, int]]:
    """(name, value, UTF-8 offset after the value) for each member of a top-level JSON object."""
    index = _skip(text, 0) + 1  # past "{"
    while True:
        index = _skip(text, index)
        if text[index] == "}":
            return
        name, index = json.decoder.scanstring(text, index + 1)  # type: ignore[attr-defined]
        index = _skip(text, _skip(text, index) + 1)  # past ":"
        value, index = _DECODER.raw_decode(text, index)
        yield name, value, len(text[:index].encode("utf-8"))
        index = _skip(text, index)
        if text[index] == ",":
            index += 1


def _skip(text: str, index: int) -> int:
    while text[index] in _WHITESPACE:
        index += 1
    return index


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_STRICT_DECODER = json.JSONDecoder(parse_constant=_reject_constant)  # NaN and Infinity are not JSON
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _is_valid_unicode(value: Any) -> bool:
    """False when a string holds a lone surrogate (`"\\ud800"`), which JSON allows but UTF-8 not."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, list):
        return all(_is_valid_unicode(item) for item in value)
    if isinstance(value, dict):
        return all(_is_valid_unicode(k) and _is_valid_unicode(v) for k, v in value.items())
    return True
