"""When a request is sent again, and how long to wait first.

- 429 (throttled): always retried, POST included, since a throttled request was not processed
  [infer]. The wait is the server's `Retry-After` when it sends one (up to `max_retry_after`;
  a longer one is not slept through, the `RateLimitError` carries it), otherwise at least
  `rate_limit_min_wait` (the time Toggl's leaky bucket needs to drain a request) plus jitter.
- 5xx and failures after the request may have reached the server (read timeouts, dropped
  connections): retried for idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE) and for the POSTs
  the spec marks `x-toggl-idempotent` (reads by POST, archive, restore: their requests carry the
  `RETRY_SAFE` extension), other POSTs only with `retry_post=True`; capped exponential backoff with
  full jitter.
- Failures before the request left (connect errors and timeouts): retried for every method.
- 402 is never retried: neither an exhausted hourly quota nor a premium-only feature is fixed soon.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import httpx

from .constants import DEFAULT_MAX_RETRIES, MAX_RETRY_AFTER, RATE_LIMIT_MIN_WAIT

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_SAFE = "toggl_retry_safe"
"""A request extension: sending this request again changes nothing more (the generated operation
modules set it on the POSTs the spec marks `x-toggl-idempotent`)."""
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout)
MAYBE_SENT_ERRORS = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.WriteError,
                     httpx.RemoteProtocolError, httpx.PoolTimeout)  # fmt: skip


_DELAY_SECONDS = re.compile(r"[0-9]+")
_HTTP_DATE = re.compile(
    r"[A-Za-z]{3}, [0-9]{2} [A-Za-z]{3} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT"
)


def parse_retry_after(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds, as RFC 9110 (10.2.3) has it: delay-seconds (ASCII digits only) or
    an HTTP-date (IMF-fixdate) from now. Anything else (`1.5`, `-1`, `1_0`) is ignored."""
    value = response.headers.get("Retry-After", "").strip()
    if _DELAY_SECONDS.fullmatch(value):
        return float(int(value))
    if not _HTTP_DATE.fullmatch(value):
        return None
    try:
        seconds = parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError):  # a month or day that is none (the pattern let it through)
        return None
    return max(0.0, seconds)


@dataclass(frozen=True)
class Retry:
    """One decision to send again: after `wait` seconds, because of `reason`."""

    wait: float
    reason: str


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = DEFAULT_MAX_RETRIES
    retry_post: bool = False
    base_delay: float = 0.5
    max_delay: float = 8.0
    rate_limit_min_wait: float = RATE_LIMIT_MIN_WAIT
    max_retry_after: float = MAX_RETRY_AFTER
    retry_statuses: frozenset[int] = RETRYABLE_STATUSES
    jitter: Callable[[], float] = field(default=random.random, compare=False)
    """A number in [0, 1) that scales each backoff (full jitter)."""

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be 0 or more")

    def after_response(
        self, request: httpx.Request, response: httpx.Response, attempt: int
    ) -> Retry | None:
        """Whether (and when) to send `request` again after `response` on attempt `attempt` (0-based)."""
        status = response.status_code
        if status not in self.retry_statuses or attempt >= self.max_retries:
            return None
        if status != 429 and not self._may_resend(request):
            return None
        retry_after = parse_retry_after(response)
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return None  # not slept through: the error says how long to wait
            return Retry(retry_after, f"{status}, Retry-After {retry_after:g} s")
        if status == 429:
            return Retry(
                self.rate_limit_min_wait + self.backoff(attempt), "429 without Retry-After"
            )
        return Retry(self.backoff(attempt), str(status))

    def after_error(self, request: httpx.Request, error: Exception, attempt: int) -> Retry | None:
        """Whether to send again after a transport error."""
        if attempt >= self.max_retries:
            return None
        if isinstance(error, NOT_SENT_ERRORS) or (
            isinstance(error, MAYBE_SENT_ERRORS) and self._may_resend(request)
        ):
            return Retry(self.backoff(attempt), type(error).__name__)
        return None

    def backoff(self, attempt: int) -> float:
        """Capped exponential backoff with full jitter."""
        return min(self.max_delay, self.base_delay * 2.0**attempt) * self.jitter()

    def _may_resend(self, request: httpx.Request) -> bool:
        """Whether a request that may have been processed can be sent again without harm."""
        return (
            request.method in IDEMPOTENT_METHODS
            or bool(request.extensions.get(RETRY_SAFE))
            or (self.retry_post and request.method == "POST")
        )
