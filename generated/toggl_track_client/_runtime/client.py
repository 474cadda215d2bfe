# Copied from sdk/runtime/client.py by `make generate`. Do not edit here.
"""The low-level HTTP clients the operation modules take: credentials, timeouts, retries, quota.

    from toggl_track_client import AuthenticatedClient
    from toggl_track_client.api.clients import get_client

    toggl = AuthenticatedClient(api_token="...")            # or email=..., password=...
    get_client.sync(1001, 61250143, client=toggl)
    fast = toggl.with_options(max_retries=0, timeout=5)    # shares pacer, quota and connections

The resource clients (`Toggl`, `AsyncToggl`) hold one of these; most code never builds it.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self, TypedDict, Unpack

import httpx

from .constants import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    LIVE_API_URL,
    TOGGL_SAFE_RATE,
)
from .logs import setup_from_environment
from .pacing import Pacer
from .quota import Quota
from .retry import RetryPolicy
from .shared_limits import LimitsStore, SharedPacer, open_store, release_store, token_key
from .transport import AsyncRetryTransport, RetryTransport

# httpx arguments the client decides itself; httpx_args may not override them.
_MANAGED_ARGS = ("base_url", "auth", "transport", "async_transport", "timeout")


def to_timeout(value: httpx.Timeout | float | int | None, where: str = "timeout") -> httpx.Timeout:
    """A per-attempt timeout; None is refused, since a call without one can hang forever."""
    if value is None:
        raise ValueError(f"{where} must not be None: a request without a timeout can hang forever")
    if isinstance(value, httpx.Timeout):
        if None in (value.connect, value.read, value.write, value.pool):
            raise ValueError(f"{where} must set connect, read, write and pool timeouts")
        return value
    return httpx.Timeout(float(value))


class _Pool:
    """The transports (connection pools) a client and its copies send through, built on first use."""

    def __init__(
        self,
        verify_ssl: str | bool | ssl.SSLContext,
        transport: httpx.BaseTransport | None,
        async_transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        self.verify_ssl = verify_ssl
        self.transport = transport
        self.async_transport = async_transport

    def sync(self) -> httpx.BaseTransport:
        if self.transport is None:
            self.transport = httpx.HTTPTransport(verify=self.verify_ssl)
        return self.transport

    def asynchronous(self) -> httpx.AsyncBaseTransport:
        if self.async_transport is None:
            self.async_transport = httpx.AsyncHTTPTransport(verify=self.verify_ssl)
        return self.async_transport


@dataclass
class _Family:
    """What a client and its `with_options` copies share: every pool any of them opened (a copy
    with its own transport or `verify_ssl` has a pool of its own), which the client they all came
    from closes."""

    pools: list[_Pool] = field(default_factory=list)
    stores: list[LimitsStore] = field(default_factory=list)  # `limits=` stores, opened the same way

    def close_stores(self) -> None:
        stores, self.stores = self.stores, []  # a second close releases nothing twice
        for store in stores:
            release_store(store)


@dataclass(frozen=True)
class _Settings:
    base_url: str
    timeout: httpx.Timeout
    deadline: float | None
    max_response_bytes: int | None
    max_retries: int
    retry_post: bool
    headers: Mapping[str, str]
    cookies: Mapping[str, str]
    follow_redirects: bool
    httpx_args: Mapping[str, Any]
    raise_on_unexpected_status: bool
    url_prefix: str | None
    """`base_url` where an operation's path may simply be appended to it (None: no plain join)."""

    def policy(self) -> RetryPolicy:
        return RetryPolicy(max_retries=self.max_retries, retry_post=self.retry_post)


def _url_prefix(base_url: str) -> str | None:
    """The prefix an absolute URL is built from, when appending a path to `base_url` gives the
    URL httpx's own join would (no query or fragment in the way)."""
    url = httpx.URL(base_url)
    return None if url.query or url.fragment or not url.is_absolute_url else base_url


class ClientOptions(TypedDict, total=False):
    """The keyword arguments every client takes (see `Client`), in its constructor and in
    `with_options`."""

    base_url: str | None
    timeout: httpx.Timeout | float
    deadline: float | None
    max_response_bytes: int | None
    max_retries: int
    retry_post: bool
    max_requests_per_second: float | None
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None
    async_transport: httpx.AsyncBaseTransport | None
    headers: Mapping[str, str] | None
    cookies: Mapping[str, str] | None
    verify_ssl: str | bool | ssl.SSLContext
    follow_redirects: bool
    httpx_args: Mapping[str, Any] | None
    raise_on_unexpected_status: bool
    allow_insecure_http: bool
    limits: str | None


OPTION_NAMES = tuple(ClientOptions.__annotations__)
# A copy given one of these sends through a pool of its own; the others keep the parent's.
_POOL_OPTIONS = frozenset({"transport", "async_transport", "verify_ssl"})
_DEFAULTS: dict[str, Any] = {
    "base_url": None, "timeout": DEFAULT_TIMEOUT, "deadline": DEFAULT_DEADLINE,
    "max_response_bytes": DEFAULT_MAX_RESPONSE_BYTES, "max_retries": DEFAULT_MAX_RETRIES,
    "retry_post": False, "max_requests_per_second": None, "transport": None,
    "async_transport": None, "headers": None, "cookies": None, "verify_ssl": True,
    "follow_redirects": False, "httpx_args": None, "raise_on_unexpected_status": False,
    "allow_insecure_http": False, "limits": None,
}  # fmt: skip
# A copy given one of these paces (and reads the quota) apart from its parent.
_LIMIT_OPTIONS = frozenset({"max_requests_per_second", "limits"})
_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def _check_scheme(base_url: str, pool: _Pool, allowed: bool) -> None:
    """Refuse to send credentials in clear text over the network: `http://` only to this machine
    (or through an in-process transport), unless the caller opts in."""
    url = httpx.URL(base_url)
    networked = all(
        transport is None or isinstance(transport, httpx.HTTPTransport | httpx.AsyncHTTPTransport)
        for transport in (pool.transport, pool.async_transport)
    )
    loopback = url.host in _LOOPBACK_HOSTS or url.host.startswith("127.")
    if url.scheme == "http" and networked and not loopback and not allowed:
        raise ValueError(
            f"base_url {url.scheme}://{url.host}... is plain HTTP to another machine: the "
            "credentials would cross the network in clear text. Use https://, or pass "
            "allow_insecure_http=True if this network is trusted"
        )


CREDENTIALS = ("api_token", "email", "password")


def check_options(options: Mapping[str, Any], owner: str, *, also: Sequence[str] = ()) -> None:
    """Refuse what is not an option (a `TypeError`, as Python does), naming the class used."""
    unknown = sorted(set(options) - set(OPTION_NAMES) - set(also))
    if unknown:
        raise TypeError(
            f"{owner} got unknown keyword argument{'s' * (len(unknown) > 1)} "
            f"{', '.join(map(repr, unknown))}; it takes {', '.join((*also, *OPTION_NAMES))}"
        )


def _shown(name: str, value: Any) -> str:
    """An option as `repr` shows it: header and cookie names only (a header may hold a secret)."""
    if name in ("headers", "cookies"):
        return f"{name}=<{', '.join(value)}>"
    if name in ("transport", "async_transport"):
        return f"{name}={type(value).__name__}"
    return f"{name}={value!r}"


def _settings(options: Mapping[str, Any]) -> tuple[_Settings, _Pool]:
    """The settings and the (unopened) pool that these options describe."""
    args = dict(options["httpx_args"] or {})
    timeout = options["timeout"]
    if "timeout" in args:
        timeout = to_timeout(args.pop("timeout"), "httpx_args['timeout']")
    transport = options["transport"] or args.pop("transport", None)
    async_transport = options["async_transport"] or args.pop("async_transport", None)
    # One transport may serve both sides (httpx.MockTransport does), or only one of them.
    if async_transport is None and isinstance(transport, httpx.AsyncBaseTransport):
        async_transport = transport
    sync_transport = transport if isinstance(transport, httpx.BaseTransport) else None
    unsupported = sorted(set(args) & set(_MANAGED_ARGS))
    if unsupported:
        raise ValueError(f"pass {', '.join(unsupported)} as keyword arguments, not in httpx_args")
    deadline = options["deadline"]
    if deadline is not None and deadline <= 0:
        raise ValueError("deadline must be positive (or None for no bound)")
    base_url = (options["base_url"] or os.environ.get("TOGGL_API_URL") or LIVE_API_URL).rstrip("/")
    settings = _Settings(
        base_url=base_url,
        timeout=to_timeout(timeout),
        deadline=deadline,
        max_response_bytes=options["max_response_bytes"],
        max_retries=options["max_retries"],
        retry_post=options["retry_post"],
        headers=dict(options["headers"] or {}),
        cookies=dict(options["cookies"] or {}),
        follow_redirects=options["follow_redirects"],
        httpx_args=args,
        raise_on_unexpected_status=options["raise_on_unexpected_status"],
        url_prefix=_url_prefix(base_url),
    )
    settings.policy()  # validates max_retries now, not at the first call
    pool = _Pool(options["verify_ssl"], sync_transport, async_transport)
    _check_scheme(settings.base_url, pool, options["allow_insecure_http"])
    return settings, pool


class Client:
    """A client without credentials (every Toggl operation needs them: see `AuthenticatedClient`).

    Keyword arguments:

    - `base_url`: default `$TOGGL_API_URL`, else the live API.
    - `timeout`: per attempt, an `httpx.Timeout` or seconds (default 30 s, 10 s to connect); never None.
    - `deadline`: seconds one call may take in all, retries, waits and the answer's body included
      (default 60; None: no bound).
    - `max_response_bytes`: the largest answer read (default 64 MiB; None: no limit); a larger one
      raises `ResponseTooLargeError`.
    - `max_retries` (default 2; 0 turns retries off), `retry_post` (retry every POST after a 5xx or
      a lost answer, not only those the spec marks safe).
    - `max_requests_per_second`: an optional pacer (`TOGGL_SAFE_RATE` = 1.0 is Toggl's safe rate).
    - `transport` / `async_transport`: the httpx transport to send through (wrapped, not replaced,
      by the retry layer; an async one given as `transport` serves the async client); `headers`,
      `cookies`, `verify_ssl`, `follow_redirects`, and
      `httpx_args` for anything else `httpx.Client` takes.
    - `raise_on_unexpected_status`: `*_detailed` calls raise `UnexpectedStatus` for an undocumented status.
    - `allow_insecure_http`: send to an `http://` URL of another machine (refused by default:
      credentials would travel in clear text; loopback and in-process transports are fine).
    - `limits`: where pacing and quota readings live, shared by every process that names the same
      store: `sqlite:///PATH` (one machine) or `redis://HOST:PORT/DB` (several); default
      `$TOGGL_LIMITS`, else this object alone. With a store, pacing is on at
      `max_requests_per_second` (default `TOGGL_SAFE_RATE`). See `shared_limits`.
    """

    def __init__(self, **options: Unpack[ClientOptions]) -> None:
        check_options(options, type(self).__name__)
        setup_from_environment()
        self._options: dict[str, Any] = {**_DEFAULTS, **options}
        self._settings, self._pool = _settings(self._options)
        self._family = _Family(pools=[self._pool])
        self._pacer, self._quota = self._limits(self._options)
        self._owner = True
        self._client: httpx.Client | None = None
        self._async_client: httpx.AsyncClient | None = None

    # --- what a caller reads ------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    @property
    def timeout(self) -> httpx.Timeout:
        return self._settings.timeout

    @property
    def deadline(self) -> float | None:
        return self._settings.deadline

    @property
    def max_retries(self) -> int:
        return self._settings.max_retries

    @property
    def raise_on_unexpected_status(self) -> bool:
        return self._settings.raise_on_unexpected_status

    @property
    def quota(self) -> Quota:
        """Toggl's hourly quota as the last responses reported it (shared with every copy)."""
        return self._quota

    def _limits(self, options: Mapping[str, Any]) -> tuple[Pacer | SharedPacer, Quota]:
        """The pacer and the quota: this object's own, or a shared store's (`limits`)."""
        url = options["limits"] or os.environ.get("TOGGL_LIMITS")
        rate = options["max_requests_per_second"]
        if not url:
            return Pacer(rate), Quota()
        store = open_store(url)
        self._family.stores.append(store)
        key = token_key(getattr(self, "api_token", None) or getattr(self, "email", None))
        return SharedPacer(store, key, rate or TOGGL_SAFE_RATE), Quota(store, key)

    # --- copies -------------------------------------------------------------------------------

    def with_options(self, **changes: Unpack[ClientOptions]) -> Self:
        """A copy with other options for some calls: the constructor's keyword arguments, the
        others as they are here (`headers` are added to these). The copy shares the quota, the
        pacer (unless given `max_requests_per_second`) and the connection pool (unless given a
        transport or `verify_ssl`); closing it closes nothing, closing this client closes every
        pool its copies opened."""
        check_options(changes, f"{type(self).__name__}.with_options()")
        added = changes.get("headers")
        if added:
            changes["headers"] = {**self._settings.headers, **added}
        options = {**self._options, **changes}
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy._options = options
        copy._settings, pool = _settings(options)
        if _POOL_OPTIONS & set(changes):
            copy._pool = pool
            self._family.pools.append(pool)
        if _LIMIT_OPTIONS & set(changes):
            copy._pacer, copy._quota = self._limits(options)
        copy._owner = False
        copy._client = copy._async_client = None
        return copy

    def with_headers(self, headers: Mapping[str, str]) -> Self:
        """A copy that sends these headers too (shares pacer, quota and connections)."""
        return self.with_options(headers=headers)

    def with_timeout(self, timeout: httpx.Timeout | float) -> Self:
        """A copy with another per-attempt timeout (shares pacer, quota and connections)."""
        return self.with_options(timeout=timeout)

    # --- the httpx clients --------------------------------------------------------------------

    def _auth(self) -> httpx.Auth | None:
        return None

    def _client_args(self) -> dict[str, Any]:
        settings = self._settings
        return {
            "base_url": settings.base_url,
            "cookies": dict(settings.cookies),
            "headers": dict(settings.headers),
            "timeout": settings.timeout,
            "follow_redirects": settings.follow_redirects,
            "auth": self._auth(),
            **settings.httpx_args,
        }

    def url_for(self, path: str) -> httpx.URL | str:
        """An operation's path as the absolute URL httpx would join it to `base_url`, parsed once
        here (httpx's join parses the path and then the joined URL: a sixth of a call's cost)."""
        prefix = self._settings.url_prefix
        if prefix is None or not path.startswith("/"):
            return path
        return httpx.URL(prefix + path)

    def get_httpx_client(self) -> httpx.Client:
        """The underlying `httpx.Client`, with the retry layer, built on first use."""
        if self._client is None:
            transport = RetryTransport(
                self._pool.sync(), self._settings.policy(), self._quota, self._pacer,
                deadline=self._settings.deadline, owns_inner=self._owner,
                max_response_bytes=self._settings.max_response_bytes,
            )  # fmt: skip
            self._client = httpx.Client(transport=transport, **self._client_args())
        return self._client

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        """The underlying `httpx.AsyncClient`, with the retry layer, built on first use."""
        if self._async_client is None:
            transport = AsyncRetryTransport(
                self._pool.asynchronous(), self._settings.policy(), self._quota, self._pacer,
                deadline=self._settings.deadline, owns_inner=self._owner,
                max_response_bytes=self._settings.max_response_bytes,
            )  # fmt: skip
            self._async_client = httpx.AsyncClient(transport=transport, **self._client_args())
        return self._async_client

    def close(self) -> None:
        """Close the connections; the client the copies came from closes theirs too (they share
        one pool, which any of them may have opened)."""
        if self._client is not None:
            self._client.close()
        if self._owner:
            for pool in self._family.pools:
                if pool.transport is not None:
                    pool.transport.close()
            self._family.close_stores()

    async def aclose(self) -> None:
        """The asynchronous `close`."""
        if self._async_client is not None:
            await self._async_client.aclose()
        if self._owner:
            for pool in self._family.pools:
                if pool.async_transport is not None:
                    await pool.async_transport.aclose()
            self._family.close_stores()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.aclose()

    def _options_repr(self) -> str:
        """`base_url` and every option not at its default (a copy shows what it changed)."""
        shown = [f"base_url={self.base_url!r}"]
        for name, value in self._options.items():
            if name != "base_url" and value is not _DEFAULTS[name] and value != _DEFAULTS[name]:
                shown.append(_shown(name, value))
        return ", ".join(shown)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._options_repr()})"


class AuthenticatedClient(Client):
    """A client with Toggl credentials: an API token, or an email and a password (HTTP Basic).

    `api_token` defaults to `$TOGGL_API_TOKEN` when neither it nor `email` is given. Credentials
    never appear in `repr()` or in log lines.
    """

    def __init__(
        self,
        *,
        api_token: str | None = None,
        email: str | None = None,
        password: str | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        check_options(options, type(self).__name__, also=CREDENTIALS)
        if api_token is None and email is None:
            api_token = os.environ.get("TOGGL_API_TOKEN")
        if (api_token is None) == (email is None):
            raise ValueError("give either api_token (or $TOGGL_API_TOKEN), or email and password")
        if email is not None and password is None:
            raise ValueError("email needs a password")
        self.api_token = api_token
        self.email = email
        self._password = password
        super().__init__(**options)

    def _auth(self) -> httpx.Auth:
        if self.api_token is not None:
            return httpx.BasicAuth(self.api_token, "api_token")
        assert self.email is not None and self._password is not None
        return httpx.BasicAuth(self.email, self._password)

    def __repr__(self) -> str:
        who = f"email={self.email!r}" if self.email else "api_token=<hidden>"
        return f"{type(self).__name__}({who}, {self._options_repr()})"
