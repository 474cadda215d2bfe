"""Request bodies, decoded the way Toggl's Go backend does, but stricter where Go would corrupt.

Go's `encoding/json` rejects a field of the wrong JSON type with an offset into the body; Toggl
words that as `Unexpected "name" type number, offset=12`. When a field appears twice, Go decodes
every occurrence (the first type error wins, otherwise the last value), and so does the emulator.
It also rejects what Go would silently mangle (invalid UTF-8, lone surrogates, `null` for a typed
field), so that a bad request never changes stored data.

Limits come before any parsing that could blow up: nesting deeper than `MAX_DEPTH` and more than
`MAX_IDS` ids are refused with a 400 (the body size limit is the emulator's option).
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
MAX_DEPTH = 100  # [infer] Go allows 10,000; Python's parser recurses, so the emulator stops here
MAX_IDS = 1000  # [infer] ids in one bulk or by-ids request


def _integer(text: str) -> int:
    """A JSON integer; one too long for Python's `int()` (4,300 digits) is past int64 anyway."""
    return int(text) if len(text) <= 40 else 2**64


_DECODER = json.JSONDecoder(parse_int=_integer)  # for offsets in error messages
_WHITESPACE = " \t\n\r"
# A JSON string (skipped whole) or a bracket: enough to measure nesting without parsing.
_STRINGS_AND_BRACKETS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class JsonObject(dict[str, Any]):
    """A decoded JSON object that remembers every member, repeated names included, in order."""

    members: list[tuple[str, Any]]


def _object(pairs: list[tuple[str, Any]]) -> JsonObject:
    obj = JsonObject(pairs)
    obj.members = pairs
    return obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# NaN and Infinity are not JSON; objects keep their repeated members.
_STRICT_DECODER = json.JSONDecoder(
    parse_constant=_reject_constant, object_pairs_hook=_object, parse_int=_integer
)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SCAN: Any = _STRICT_DECODER.scan_once  # type: ignore[attr-defined]  # set by __init__, untyped


@dataclass(frozen=True)
class Body:
    """A decoded JSON body and its text, for the offsets of error messages."""

    value: Any
    text: str

    def bad_type(self, field: str, value: Any, offset: int) -> TogglError:
        return TogglError(400, errors.wrong_type(field, json_type(value), offset))

    def first_bad_member(self, field: str, accepts: Any) -> TogglError | None:
        """The 400 for the first top-level member `field` whose value `accepts` refuses."""
        for name, value, offset in _members_with_offsets(self.text):
            if name == field and not accepts(value):
                return self.bad_type(field, value, offset)
        return None


def check_depth(raw: bytes) -> None:
    """Refuse nesting deeper than MAX_DEPTH before a recursive parser sees it."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return  # cannot be that deep: the common case costs two counts
    depth = 0
    for match in _STRINGS_AND_BRACKETS.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                raise TogglError(400, errors.JSON_TOO_DEEP)
        elif token in (b"]", b"}"):
            depth -= 1


def decode(raw: bytes, *, required: bool = True) -> Body | None:
    """Decode a request body; None for an empty optional one."""
    if not raw.strip():
        if required:
            raise TogglError(400, errors.INVALID_JSON)
        return None
    check_depth(raw)
    try:
        text = raw.decode("utf-8")
        # The C scanner itself: `JSONDecoder.decode` adds two Python calls and two regex matches.
        start = len(text) - len(text.lstrip(_WHITESPACE))
        value, end = _SCAN(text, start)
        if text[end:].strip(_WHITESPACE):
            raise ValueError("extra data")
    except StopIteration:
        raise TogglError(400, errors.INVALID_JSON) from None
    except (UnicodeDecodeError, ValueError, RecursionError):
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


def _is_int64_list(value: Any) -> bool:
    return isinstance(value, list) and all(is_int64(item) for item in value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def object_fields(
    body: Body, schema: dict[str, type], *, nullable: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The known fields of a JSON object body, type-checked; unknown fields are ignored.

    `schema` maps a field name to `str`, `int` (int64), `float` (any JSON number), `bool`, `dict`
    (a JSON object) or `list` (of int64); a field in `nullable` may also be `null` (Go's pointer
    fields). Every occurrence of a repeated field is checked; the last one wins.
    """
    if not isinstance(body.value, JsonObject):
        raise TogglError(400, errors.INVALID_JSON)
    fields: dict[str, Any] = {}
    for name, value in body.value.members:
        expected = schema.get(name)
        if expected is None:
            continue
        if value is None and name in nullable:
            fields[name] = None
            continue
        if expected is list:
            accepts: Any = _is_int64_list
        elif expected is int:
            accepts = is_int64
        elif expected is float:
            accepts = _is_number
        elif expected is dict:
            accepts = lambda v: isinstance(v, JsonObject)  # noqa: E731
        else:
            accepts = lambda v, t=expected: type(v) is t  # noqa: E731
        if name in nullable:
            accepts = lambda v, typed=accepts: v is None or typed(v)  # noqa: E731
        if not accepts(value):
            if expected is list and isinstance(value, list):
                raise _bad_element(body, name, value)
            error = body.first_bad_member(name, accepts)
            raise error or body.bad_type(name, value, 0)
        if expected is list:
            value = [int(item) for item in value]
            _check_count(value)
        elif expected is int:
            value = int(value)
        fields[name] = value
    return fields


def id_array(body: Body, name: str) -> list[int]:
    """A top-level JSON array of int64 ids; a bad element is named `name` in the error."""
    if not isinstance(body.value, list):
        raise TogglError(400, errors.INVALID_JSON)
    if not all(is_int64(item) for item in body.value):
        raise _bad_element(body, name, body.value, top_level=True)
    _check_count(body.value)
    return [int(item) for item in body.value]


def _check_count(ids: list[Any]) -> None:
    if len(ids) > MAX_IDS:
        raise TogglError(400, errors.TOO_MANY_IDS)


def _bad_element(body: Body, name: str, items: list[Any], *, top_level: bool = False) -> TogglError:
    """The 400 for the first non-int64 element of an id array, with Go's offset after it."""
    text = body.text
    if top_level:
        index = _skip(text, 0) + 1  # past "["
    else:
        index = next(
            offset_before for member, offset_before in _member_value_starts(text) if member == name
        )
        index = _skip(text, index) + 1
    for item in items:
        index = _skip(text, index)
        _, index = _DECODER.raw_decode(text, index)
        if not is_int64(item):
            return body.bad_type(name, item, len(text[:index].encode("utf-8")))
        index = _skip(text, index) + 1  # past "," or "]"
    return body.bad_type(name, items, 0)  # unreachable: one element was bad


def _member_value_starts(text: str) -> Iterator[tuple[str, int]]:
    """(name, index where its value starts) for each member of a top-level JSON object."""
    index = _skip(text, 0) + 1  # past "{"
    while True:
        index = _skip(text, index)
        if text[index] == "}":
            return
        name, index = json.decoder.scanstring(text, index + 1)  # type: ignore[attr-defined]
        index = _skip(text, _skip(text, index) + 1)  # past ":"
        yield name, index
        _, index = _DECODER.raw_decode(text, index)
        index = _skip(text, index)
        if text[index] == ",":
            index += 1


def _members_with_offsets(text: str) -> Iterator[tuple[str, Any, int]]:
    """(name, value, UTF-8 offset after the value) for each member of a top-level JSON object."""
    for name, start in _member_value_starts(text):
        value, end = _DECODER.raw_decode(text, start)
        yield name, value, len(text[:end].encode("utf-8"))


def _skip(text: str, index: int) -> int:
    while text[index] in _WHITESPACE:
        index += 1
    return index


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
