"""The base of the generated resource clients: raw responses and iteration over pages.

`toggl.clients` is a generated `ClientsResource(Resource)`: one method per operation, which calls
the operation module's typed call with this client. `toggl.clients.with_raw_response` has the same
methods, returning the `Response` (status, headers, parsed body) and raising the same errors.
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterator, MutableMapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Generic, Protocol, Self, TypeVar, Unpack, cast

import httpx

from .client import CREDENTIALS, AuthenticatedClient, Client, ClientOptions, check_options
from .exceptions import TooManyPagesError, error_for
from .quota import Quota

T = TypeVar("T")


class Clear:
    """The type of `CLEAR`."""

    _instance: Clear | None = None

    def __new__(cls) -> Clear:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "CLEAR"

    def __bool__(self) -> bool:
        return False


CLEAR = Clear()
"""Sets a field that may be empty to `null`, e.g. `toggl.projects.update(wid, pid, client_id=CLEAR)`
detaches the project from its client. `None` (the default) leaves a field as it is; a text field
Toggl keeps empty as absent (a client's `notes`) is cleared with `""`."""

B = TypeVar("B")


def given(value: T | Clear) -> T | None:
    """A field's value for the body model: `CLEAR` goes into the body by `clearing`, not here."""
    return None if isinstance(value, Clear) else value


def clearing(body: B, fields: dict[str, Any]) -> B:
    """`body` with each field given as `CLEAR` sent as `null` (the models leave out every None)."""
    for name, value in fields.items():
        if isinstance(value, Clear):
            body.additional_properties[name] = None  # type: ignore[attr-defined]
    return body


class Resource:
    """A namespace of operations bound to one low-level client."""

    def __init__(self, client: Client) -> None:
        self._client = client


T_co = TypeVar("T_co", covariant=True)


class _RawResponse(Protocol[T_co]):
    @property
    def status_code(self) -> int: ...
    @property
    def content(self) -> bytes: ...
    @property
    def headers(self) -> MutableMapping[str, str]: ...
    @property
    def parsed(self) -> T_co | None: ...


@dataclass(frozen=True)
class RawSuccess(Generic[T]):
    """The raw answer of a success (`toggl.<resource>.with_raw_response.<method>(...)`): status,
    headers, bytes, and the parsed body, which a success always has."""

    status_code: HTTPStatus
    content: bytes
    headers: MutableMapping[str, str]
    parsed: T


def raise_unless_success(response: _RawResponse[T]) -> RawSuccess[T]:
    """A raw response of a success, or the error tree's error for anything else."""
    if not 200 <= response.status_code < 300:
        raise error_for(
            httpx.Response(response.status_code, headers=response.headers, content=response.content)
        )
    return RawSuccess(
        HTTPStatus(response.status_code), response.content, response.headers,
        cast(T, response.parsed),  # the operation module checked it against the spec
    )  # fmt: skip


def _key(item: Any) -> Hashable:
    return getattr(item, "id", None) or repr(item)


def _total(items: list[Any]) -> int | None:
    """Toggl repeats the number of matching items on each one (`total_count`)."""
    for item in items:
        total = getattr(item, "total_count", None)
        if isinstance(total, int):
            return total
    return None


MAX_PAGES = 1000
"""`list_all` reads at most this many pages (200 000 items at 200 a page), then raises
`TooManyPagesError`: a server that keeps sending new ids without `total_count` would otherwise
keep it reading for ever."""


class _Pages:
    """What the page walk has seen; shared by the sync and async walks."""

    def __init__(self, per_page: int, max_pages: int = MAX_PAGES) -> None:
        self.per_page = per_page
        self.max_pages = max_pages
        self.page = 1
        self.seen: set[Hashable] = set()

    def take(self, items: list[T]) -> tuple[list[T], bool]:
        """The new items of this page, and whether to fetch the next one.

        It stops at an empty page, at a page with nothing new (a server that ignores paging
        answers page 1 again), once `total_count` items were seen, or at a short page.
        """
        new = [item for item in items if _key(item) not in self.seen]
        self.seen.update(_key(item) for item in new)
        total = _total(items)
        more = bool(new) and (
            len(self.seen) < total if total is not None else len(items) >= self.per_page
        )
        self.page += 1
        return new, more

    def next_page(self) -> int:
        """The page to fetch next; past `max_pages`, `TooManyPagesError`."""
        if self.page > self.max_pages:
            raise TooManyPagesError(
                f"list_all read {self.max_pages} pages ({len(self.seen)} items) and the server "
                f"still had more (no total_count, full pages of new items): stopped at the limit "
                f"of {self.max_pages} pages; narrow the query, or page with `list(page=...)`"
            )
        return self.page


def iterate_pages(fetch: Callable[[int, int], list[T]], per_page: int) -> Iterator[T]:
    """Every item of a paged list, page by page: `fetch(page, per_page)` gives one page."""
    pages = _Pages(per_page)
    more = True
    while more:
        new, more = pages.take(fetch(pages.next_page(), per_page))
        yield from new


async def aiterate_pages(
    fetch: Callable[[int, int], Awaitable[list[T]]], per_page: int
) -> AsyncIterator[T]:
    pages = _Pages(per_page)
    more = True
    while more:
        new, more = pages.take(await fetch(pages.next_page(), per_page))
        for item in new:
            yield item


class ResourceClient:
    """The base of `Toggl`: credentials and options in, one attribute per resource out.

    The generated subclass binds its resources in `_bind`; everything else is here.
    """

    def __init__(
        self,
        *,
        api_token: str | None = None,
        email: str | None = None,
        password: str | None = None,
        low_level: AuthenticatedClient | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        check_options(options, type(self).__name__, also=("low_level", *CREDENTIALS))
        if low_level is not None and (api_token or email or password or options):
            raise ValueError("give either low_level, or credentials and options")
        self.low_level = low_level or AuthenticatedClient(
            api_token=api_token, email=email, password=password, **options
        )
        """The client the per-operation modules take (`toggl_track_client.api.*`)."""
        self._bind()

    def _bind(self) -> None:
        raise NotImplementedError

    @property
    def quota(self) -> Quota:
        """Toggl's hourly quota as the last responses reported it, per scope."""
        return self.low_level.quota

    def with_options(self, **changes: Unpack[ClientOptions]) -> Self:
        """A copy for some calls with other options (those the constructor takes: `max_retries`,
        `timeout`, `deadline`, `retry_post`, `headers`, ...), sharing this client's quota, pacer and
        connections (see `AuthenticatedClient.with_options`). Closing this client closes what the
        copy opened."""
        check_options(changes, f"{type(self).__name__}.with_options()")
        copy = object.__new__(type(self))
        copy.low_level = self.low_level.with_options(**changes)
        copy._bind()
        return copy

    def close(self) -> None:
        self.low_level.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.low_level!r})"


class AsyncResourceClient(ResourceClient):
    """The base of `AsyncToggl`."""

    async def aclose(self) -> None:
        await self.low_level.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.aclose()


def unix_seconds(value: int | datetime.datetime | None) -> int | None:
    """A Unix time in seconds from an int or a datetime (a naive one is taken as UTC)."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        return int(value.timestamp())
    return value
