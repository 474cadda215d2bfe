# Copied from sdk/runtime/exceptions.py by `make generate`. Do not edit here.
"""Errors a caller can catch; every call of the package raises from this one tree.

    TogglError
    ├── APIConnectionError             no response: the connection failed
    │   └── APITimeoutError            no response in time (the timeout or the call's deadline)
    ├── APIResponseValidationError     a success whose body does not match the spec (.response)
    ├── ResponseTooLargeError          an answer over `max_response_bytes` (.limit); not read on
    ├── TooManyPagesError              `list_all` read its page limit and the server had more
    ├── LimitsUnavailableError         the shared limits store (`limits=`) cannot be reached
    └── APIStatusError                 an error status (.status_code, .message, .response)
        ├── BadRequestError            400, with Toggl's message
        │   └── NameTakenError         400, the name is taken in the workspace
        ├── AuthenticationError        401 (no credentials) or 403 with wrong credentials
        ├── PaymentRequiredError       402
        │   ├── QuotaExceededError     402, hourly quota used up (.remaining, .resets_in)
        │   └── PremiumRequiredError   402, a feature of paid plans
        ├── PermissionDeniedError      403, no access to the workspace or resource
        ├── NotFoundError              404
        ├── RateLimitError             429, too many requests per second (.retry_after)
        ├── InternalServerError        5xx
        └── UnexpectedStatus           any other status, redirects included

Toggl answers 402 for two things: an exhausted hourly quota (the quota headers say 0 remaining)
and a premium-only feature. Neither is fixed by retrying soon, so neither is retried; a
`QuotaExceededError` says when the quota frees a request again (`resets_in`, seconds).

Error bodies are read as Toggl sends them (a bare JSON string), and also as proxies send them:
an HTML page (nginx's 429) or nothing at all still gives a readable `message`.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
from collections.abc import Iterator
from http import HTTPStatus

import httpx

from .retry import parse_retry_after

WRONG_CREDENTIALS = "Incorrect username and/or password"
NAME_TAKEN = "Name has already been taken"
OPERATION = "toggl_operation"
"""A request extension: the spec's `operationId` of the call (the generated modules set it)."""
ATTEMPTS = "toggl_attempts"
"""A response extension: how many attempts the call made (the retry transport sets it)."""
API_PATH = "/api/v9/"
_ROUTE_NOT_FOUND = ("Not Found", "404 page not found", "")


def describe(request: httpx.Request) -> str:
    """Which call a request is: `getClient (GET https://.../clients/5)`, with no credentials."""
    url = request.url.copy_with(username=None, password=None)
    where = f"{request.method} {url}"
    operation = request.extensions.get(OPERATION)
    return f"{operation} ({where})" if operation else where


def attempts_of(response: httpx.Response) -> int:
    attempts = response.extensions.get(ATTEMPTS)
    return attempts if isinstance(attempts, int) else 1


def _request_of(response: httpx.Response | None) -> httpx.Request | None:
    try:
        return None if response is None else response.request
    except RuntimeError:  # a response built by hand, with no request
        return None


class TogglError(Exception):
    """Base of every error this package raises."""


class APIConnectionError(TogglError):
    """The request got no response."""


class APITimeoutError(APIConnectionError):
    """The request got no response within the timeout, or the call ran out of its deadline."""


class APIResponseValidationError(TogglError):
    """The server answered success with a body that does not match the spec."""

    def __init__(self, message: str, response: httpx.Response) -> None:
        super().__init__(
            f"{response.status_code} with a body that does not match the spec: {message}"
        )
        self.response = response
        self.status_code = response.status_code


class ResponseTooLargeError(TogglError):
    """The answer is larger than the client's `max_response_bytes`; it was not read on."""

    def __init__(self, message: str, *, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


class LimitsUnavailableError(TogglError):
    """The store of shared limits (`limits=` / `$TOGGL_LIMITS`) cannot be reached or used; no
    request was sent (there is no silent fallback to limits of this process alone)."""


class TooManyPagesError(TogglError):
    """`list_all` read its limit of pages (`MAX_PAGES`) and the server still had more."""


class APIStatusError(TogglError):
    """The server answered with an error status."""

    def __init__(
        self, status_code: int, message: str, response: httpx.Response | None = None
    ) -> None:
        self.status_code = status_code
        self.message = message
        self.response = response
        text = f"{status_code}: {message}" if message else str(status_code)
        request = _request_of(response)
        if request is not None and response is not None:
            text += f", from {describe(request)}"
            hint = self.hint(request, response)
            if hint:
                text += f". {hint}"
        super().__init__(text)

    def hint(self, request: httpx.Request, response: httpx.Response) -> str:
        """What to do about it, where the cause is recognisable (the subclasses know theirs)."""
        return ""


class BadRequestError(APIStatusError):
    """400: the request broke a rule; `message` is Toggl's explanation."""


class NameTakenError(BadRequestError):
    """400: another client of the workspace has this name (names are unique per workspace)."""


class AuthenticationError(APIStatusError):
    """401 (no credentials sent) or 403 with wrong credentials."""


class PaymentRequiredError(APIStatusError):
    """402: the hourly quota is used up, or the feature needs a paid plan."""


class QuotaExceededError(PaymentRequiredError):
    """402: the hourly request quota is used up; wait `resets_in` seconds."""

    def __init__(
        self,
        status_code: int,
        message: str,
        response: httpx.Response | None = None,
        *,
        remaining: int = 0,
        resets_in: int | None = None,
    ) -> None:
        self.remaining = remaining
        self.resets_in = resets_in
        super().__init__(status_code, message, response)

    def hint(self, request: httpx.Request, response: httpx.Response) -> str:
        when = "" if self.resets_in is None else f" in {self.resets_in} s"
        return f"The hourly request quota is used up; it frees requests again{when}"


class PremiumRequiredError(PaymentRequiredError):
    """402: the workspace's plan does not include this feature (e.g. archiving clients)."""


class PermissionDeniedError(APIStatusError):
    """403: the user may not do this in this workspace."""


class NotFoundError(APIStatusError):
    """404: no such resource (or, with a bare "Not Found", no such route: check `base_url`)."""

    def hint(self, request: httpx.Request, response: httpx.Response) -> str:
        if API_PATH not in request.url.path:
            return (
                f"The path lacks {API_PATH.rstrip('/')}: check base_url (Toggl's is "
                "https://api.track.toggl.com/api/v9)"
            )
        if self.message in _ROUTE_NOT_FOUND:
            return "The server knows no such route: check base_url and the server's API version"
        return ""


class RateLimitError(APIStatusError):
    """429: over Toggl's per-second limit; `retry_after` (seconds) when the server said."""

    def __init__(
        self,
        status_code: int,
        message: str,
        response: httpx.Response | None = None,
        *,
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(status_code, message, response)

    def hint(self, request: httpx.Request, response: httpx.Response) -> str:
        attempts = attempts_of(response)
        said = (
            "" if self.retry_after is None else f"; the server asks to wait {self.retry_after:g} s"
        )
        return (
            f"Still throttled after {attempts} attempt{'s' * (attempts > 1)}{said}. Toggl allows "
            "about one request per second per token: pace the client with "
            "max_requests_per_second=TOGGL_SAFE_RATE, or allow more max_retries"
        )


class InternalServerError(APIStatusError):
    """5xx: the server failed."""


class UnexpectedStatus(APIStatusError):
    """A status the spec does not document for this call (redirects included)."""

    def __init__(
        self, status_code: int, content: bytes, response: httpx.Response | None = None
    ) -> None:
        super().__init__(status_code, message_of(status_code, content, response), response)
        self.content = content


_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


def message_of(status_code: int, content: bytes, response: httpx.Response | None = None) -> str:
    """A readable message from an error body: Toggl's JSON string, an HTML page's title, or text."""
    text = content.decode("utf-8", errors="replace").strip()
    content_type = response.headers.get("content-type", "") if response is not None else ""
    if "html" in content_type or text.startswith("<"):
        title = _TITLE.search(content)
        found = title.group(1).decode("utf-8", errors="replace") if title else _TAGS.sub(" ", text)
        text = " ".join(html.unescape(found).split())
    else:
        with contextlib.suppress(ValueError):
            value = json.loads(text)
            text = value if isinstance(value, str) else json.dumps(value)
    if text:
        return text[:500]
    with contextlib.suppress(ValueError):
        return HTTPStatus(status_code).phrase
    return ""


def _header_int(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name, "")
    return int(value) if value.isdigit() else None


def error_for(response: httpx.Response) -> APIStatusError:
    """The typed error for a response that is not a success."""
    status = response.status_code
    message = message_of(status, response.content, response)
    if status == 400:
        error_class = NameTakenError if message == NAME_TAKEN else BadRequestError
        return error_class(status, message, response)
    if status == 401 or (status == 403 and message == WRONG_CREDENTIALS):
        return AuthenticationError(
            status, message if status == 403 else "no credentials were sent", response
        )
    if status == 402:
        if _header_int(response, "X-Toggl-Quota-Remaining") == 0:
            resets_in = _header_int(response, "X-Toggl-Quota-Resets-In")
            return QuotaExceededError(status, message, response, remaining=0, resets_in=resets_in)
        return PremiumRequiredError(status, message, response)
    if status == 403:
        return PermissionDeniedError(status, message, response)
    if status == 404:
        return NotFoundError(status, message, response)
    if status == 429:
        return RateLimitError(status, message, response, retry_after=parse_retry_after(response))
    if status >= 500:
        return InternalServerError(status, message, response)
    return UnexpectedStatus(status, response.content, response)


def raise_for_status(response: httpx.Response) -> None:
    """Raise the typed error unless the response is a success (2xx)."""
    if not 200 <= response.status_code < 300:
        raise error_for(response)


@contextlib.contextmanager
def translate_transport_errors() -> Iterator[None]:
    """httpx's connection and timeout errors, as this package's."""
    try:
        yield
    except httpx.TransportError as error:
        raise translated(error) from error


def translated(error: httpx.TransportError) -> APIConnectionError:
    """An httpx connection or timeout error as this package's."""
    if isinstance(error, httpx.TimeoutException):
        return timed_out(error.request, error, attempts=1)
    return APIConnectionError(f"{describe(error.request)}: connection failed: {error}")


_PHASES = {httpx.ConnectTimeout: "connect", httpx.ReadTimeout: "read",
           httpx.WriteTimeout: "write", httpx.PoolTimeout: "pool"}  # fmt: skip


def timed_out(
    request: httpx.Request,
    error: httpx.TimeoutException,
    *,
    attempts: int,
    deadline: float | None = None,
) -> APITimeoutError:
    """The error for a call whose last attempt timed out: which timeout, how many attempts, and
    the two knobs."""
    phase = _PHASES.get(type(error), "read")
    limit = request.extensions.get("timeout", {}).get(phase)
    within = f"the {phase} timeout" + ("" if limit is None else f" of {limit:g} s")
    budget = "no deadline" if deadline is None else f"a deadline of {deadline:g} s"
    return APITimeoutError(
        f"{describe(request)}: no response within {within} (attempt {attempts}, {budget}). "
        "Allow more time per attempt with timeout=, or for the whole call with deadline="
    )
