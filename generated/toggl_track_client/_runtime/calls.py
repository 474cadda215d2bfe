# Copied from sdk/runtime/calls.py by `make generate`. Do not edit here.
"""What the generated operation modules do with a response, in one place.

Typed calls (`sync`, `asyncio`) return the success body parsed and checked, or raise; raw calls
(`sync_detailed`, `asyncio_detailed`) return status, headers and the parsed body, and raise the
same errors for what cannot be returned honestly: no response, or a success body that does not
match the spec.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from .exceptions import OPERATION as OPERATION  # the generated modules name each request's call
from .exceptions import (
    APIResponseValidationError,
    UnexpectedStatus,
    error_for,
    raise_for_status,
    translated,
)
from .retry import RETRY_SAFE as RETRY_SAFE  # the generated modules mark retry-safe POSTs
from .validation import Mismatch, check

if TYPE_CHECKING:
    from .client import Client

T = TypeVar("T")
# What a parser raises on a body of the wrong shape (missing keys, bad dates, not JSON at all).
PARSE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError, json.JSONDecodeError)


def send(client: Client, kwargs: dict[str, Any]) -> httpx.Response:
    """Send an operation's request (`_get_kwargs`) through the client's httpx client, its path
    joined to `base_url` here; httpx's connection and timeout errors leave as this package's."""
    kwargs["url"] = client.url_for(kwargs["url"])
    try:
        return client.get_httpx_client().request(**kwargs)
    except httpx.TransportError as error:
        raise translated(error) from error


async def asend(client: Client, kwargs: dict[str, Any]) -> httpx.Response:
    """The asynchronous `send`."""
    kwargs["url"] = client.url_for(kwargs["url"])
    try:
        return await client.get_async_httpx_client().request(**kwargs)
    except httpx.TransportError as error:
        raise translated(error) from error


def success(
    response: httpx.Response,
    parse: Callable[[], Any],
    expected: Any,
    *,
    documented: tuple[tuple[int, int], ...],
    may_be_empty: bool = False,
) -> Any:
    """The parsed success body of a typed call, or the typed error of any other response.

    A success status the spec does not document for the call is an `UnexpectedStatus`, never a
    `None` under a type that does not allow it; an empty body is None only where the spec says a
    success body may be empty.
    """
    raise_for_status(response)
    if not any(low <= response.status_code <= high for low, high in documented):
        raise UnexpectedStatus(response.status_code, response.content, response)
    if may_be_empty and not response.content.strip():
        return None
    return checked(response, parse, expected)


def checked(response: httpx.Response, parse: Callable[[], Any], expected: Any) -> Any:
    """`parse()` of a success, checked against `expected`; APIResponseValidationError otherwise."""
    try:
        parsed = parse()
        check(parsed, expected)
    except Mismatch as mismatch:
        raise APIResponseValidationError(str(mismatch), response) from None
    except PARSE_ERRORS as error:
        raise APIResponseValidationError(f"{type(error).__name__}: {error}", response) from None
    return parsed


def detailed(
    response: httpx.Response,
    build: Callable[[], T],
    unparsed: Callable[[HTTPStatus], T],
    expected: Any,
    *,
    may_be_empty: bool = False,
) -> T:
    """A raw call's response: `build()` when it can be parsed (a success checked against
    `expected`), `unparsed(status)` for an error status whose body cannot be (an HTML error page,
    an empty body) and for an empty success where the spec allows one."""
    if 200 <= response.status_code < 300:
        if may_be_empty and not response.content.strip():
            return unparsed(HTTPStatus(response.status_code))
        built = checked(response, build, Any)
        checked(response, lambda: built.parsed, expected)
        return built  # type: ignore[no-any-return]
    try:
        status = HTTPStatus(response.status_code)
    except ValueError:
        raise error_for(response) from None  # a status outside HTTP's registry (e.g. 520)
    try:
        return build()
    except PARSE_ERRORS:
        return unparsed(status)
