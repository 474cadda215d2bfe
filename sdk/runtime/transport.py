"""The transports every request of a client goes through: pace, send, record quota, retry, log.

`RetryTransport` (sync) and `AsyncRetryTransport` wrap the real httpx transport. One httpx send is
one call: its attempts, backoff waits, pacing waits and the reading of the answer's body all fit
in the call's `deadline`, and each attempt's timeouts are cut to what is left of it. A body that
trickles in past the deadline, or grows past `max_response_bytes`, is not read on: the call
raises `APITimeoutError` or `ResponseTooLargeError`. A request may carry its own deadline in
seconds as `extensions={"toggl_deadline": s}`.

A retried DELETE whose earlier attempt may have succeeded (a 5xx or a lost answer) and whose
retry then answers 404 has done its job: the answer becomes an empty 200, marked
`extensions["toggl_deleted_on_retry"] = True`, and is logged.

Transport errors leave as this package's `APIConnectionError` / `APITimeoutError`, so raw-response
calls raise the same tree as typed ones.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, cast

import httpx

from .constants import DEFAULT_MAX_RESPONSE_BYTES
from .exceptions import (
    ATTEMPTS,
    APIConnectionError,
    APITimeoutError,
    ResponseTooLargeError,
    describe,
    timed_out,
)
from .logs import logger
from .pacing import Pacer
from .quota import Quota
from .retry import Retry, RetryPolicy
from .shared_limits import SharedPacer
from .watchdog import WATCHDOG

_TIMEOUT_KEYS = ("connect", "read", "write", "pool")
DEADLINE_EXTENSION = "toggl_deadline"
"""A request extension: this call's deadline in seconds, instead of the client's."""


class _Call:
    """The state of one call across its attempts: attempt count, deadline, what happened so far."""

    def __init__(
        self,
        request: httpx.Request,
        policy: RetryPolicy,
        deadline: float | None,
        max_response_bytes: int | None = None,
    ) -> None:
        self.request = request
        self.policy = policy
        self.attempt = 0
        self.started = time.monotonic()
        deadline = request.extensions.get(DEADLINE_EXTENSION, deadline)
        self.deadline = None if deadline is None else self.started + deadline
        self._deadline_seconds = deadline
        self.max_response_bytes = max_response_bytes
        self._maybe_done = False  # an earlier attempt may have been processed

    def left(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def fits(self, wait: float) -> bool:
        left = self.left()
        return left is None or wait < left

    def expired(self) -> APITimeoutError:
        return APITimeoutError(
            f"{describe(self.request)} did not complete within the call's deadline of "
            f"{self._deadline_seconds:g} s (attempt {self.attempt + 1}). Allow more with deadline="
        )

    def cap_timeouts(self) -> None:
        """Cut this attempt's timeouts to what is left of the deadline."""
        left = self.left()
        if left is None:
            return
        if left <= 0:
            raise self.expired()
        timeout: dict[str, float | None] = self.request.extensions.get("timeout", {})
        values = [timeout.get(key) for key in _TIMEOUT_KEYS]
        if None not in values and max(cast("list[float]", values)) <= left:
            return  # every timeout ends before the deadline: nothing to cut
        self.request.extensions["timeout"] = {
            key: left if timeout.get(key) is None else min(left, timeout[key])  # type: ignore[type-var]
            for key in _TIMEOUT_KEYS
        }

    def check_size(self, response: httpx.Response) -> None:
        """Refuse an answer whose declared length is over the limit before reading any of it."""
        declared = response.headers.get("content-length", "")
        limit = self.max_response_bytes
        if limit is not None and declared.isdigit() and int(declared) > limit:
            response.close()
            raise self.too_large(int(declared))

    def too_large(self, size: int) -> ResponseTooLargeError:
        return ResponseTooLargeError(
            f"{describe(self.request)}: the answer is over the limit of "
            f"{self.max_response_bytes} bytes ({size} bytes so far); raise `max_response_bytes` "
            "if this is expected",
            limit=self.max_response_bytes or 0,
        )

    def after_error(self, error: httpx.TransportError) -> Retry:
        """The retry after a transport error; raises ours when there is none."""
        if not isinstance(error, httpx.ConnectError | httpx.ConnectTimeout):
            self._maybe_done = True
        retry = self.policy.after_error(self.request, error, self.attempt)
        if retry is not None and self.fits(retry.wait):
            return self._log(retry)
        if isinstance(error, httpx.TimeoutException):
            raise timed_out(
                self.request, error, attempts=self.attempt + 1, deadline=self._deadline_seconds
            ) from error
        raise APIConnectionError(
            f"{describe(self.request)}: connection failed on attempt {self.attempt + 1}: {error}"
        ) from error

    def after_response(self, response: httpx.Response) -> Retry | None:
        retry = self.policy.after_response(self.request, response, self.attempt)
        if response.status_code >= 500:
            self._maybe_done = True
        if retry is None or not self.fits(retry.wait):
            return None
        return self._log(retry)

    def settle(self, response: httpx.Response) -> httpx.Response:
        """The call's answer, with its attempt count; a 404 to a DELETE whose earlier attempt may
        have deleted means the delete is done."""
        response.extensions[ATTEMPTS] = self.attempt + 1
        if self.request.method == "DELETE" and response.status_code == 404 and self._maybe_done:
            logger.info(
                "%s %s answered 404 after an attempt that may have succeeded: taken as deleted",
                self.request.method, self.request.url,
            )  # fmt: skip
            response.read()
            return httpx.Response(
                200,
                headers={k: v for k, v in response.headers.items() if k.lower() != "content-length"
                         and k.lower() != "content-type"},
                request=self.request,
                extensions={"toggl_deleted_on_retry": True, ATTEMPTS: self.attempt + 1},
            )  # fmt: skip
        return response

    def _log(self, retry: Retry) -> Retry:
        self.attempt += 1
        logger.info(
            "retrying %s %s in %.2f s (attempt %d of %d): %s",
            self.request.method, self.request.url, retry.wait, self.attempt + 1,
            self.policy.max_retries + 1, retry.reason,
        )  # fmt: skip
        return retry


def _debug(call: _Call, response: httpx.Response) -> None:
    if not logger.isEnabledFor(logging.DEBUG):
        return  # not even the arguments: this runs on every response
    logger.debug(
        "%s %s -> %d (%.0f ms)", call.request.method, call.request.url, response.status_code,
        (time.monotonic() - call.started) * 1000,
    )  # fmt: skip


class _BoundedStream(httpx.SyncByteStream):
    """A response body read within its call's deadline and size limit.

    While it is read, the watchdog holds its socket: a read still blocked at the deadline is cut
    there (a read timeout alone bounds each read, not the body).
    """

    def __init__(
        self, inner: httpx.SyncByteStream, call: _Call, sock: socket.socket | None
    ) -> None:
        self._inner, self._call, self._sock = inner, call, sock

    def __iter__(self) -> Iterator[bytes]:
        call = self._call
        watch = None
        if call.deadline is not None and self._sock is not None:
            watch = WATCHDOG.watch(call.deadline, self._sock)
        size = 0
        try:
            for chunk in self._inner:
                size += len(chunk)
                if call.max_response_bytes is not None and size > call.max_response_bytes:
                    raise call.too_large(size)
                left = call.left()
                if left is not None and left < 0:
                    raise call.expired()
                yield chunk
        except httpx.TransportError as error:
            if watch is not None and watch[1].fired:
                raise call.expired() from None
            raise _translated(error, call) from error
        finally:
            if watch is not None:
                WATCHDOG.unwatch(watch[0])

    def close(self) -> None:
        self._inner.close()


class _AsyncBoundedStream(httpx.AsyncByteStream):
    """The asynchronous twin of `_BoundedStream`; a stalled read is also cut at the deadline."""

    def __init__(self, inner: httpx.AsyncByteStream, call: _Call) -> None:
        self._inner, self._call = inner, call

    async def __aiter__(self) -> AsyncIterator[bytes]:
        size = 0
        limit = self._call.max_response_bytes
        chunks = self._inner.__aiter__()
        while True:
            left = self._call.left()
            try:
                if left is None:
                    chunk = await chunks.__anext__()
                else:
                    chunk = await asyncio.wait_for(chunks.__anext__(), max(left, 0.0))
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise self._call.expired() from None
            except httpx.TransportError as error:
                raise _translated(error, self._call) from error
            size += len(chunk)
            if limit is not None and size > limit:
                raise self._call.too_large(size)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


def _translated(error: httpx.TransportError, call: _Call) -> APIConnectionError:
    """A transport error while a body was read, as this package's error."""
    if isinstance(error, httpx.TimeoutException):
        return timed_out(
            call.request, error, attempts=call.attempt + 1, deadline=call._deadline_seconds
        )
    return APIConnectionError(
        f"{describe(call.request)}: connection failed while reading the answer: {error}"
    )


def _socket_of(response: httpx.Response) -> socket.socket | None:
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    return sock if isinstance(sock, socket.socket) else None


def _bounded(response: httpx.Response, call: _Call) -> httpx.Response:
    if isinstance(response.stream, httpx.SyncByteStream):
        response.stream = _BoundedStream(response.stream, call, _socket_of(response))
    return response


def _async_bounded(response: httpx.Response, call: _Call) -> httpx.Response:
    if isinstance(response.stream, httpx.AsyncByteStream):
        response.stream = _AsyncBoundedStream(response.stream, call)
    return response


class RetryTransport(httpx.BaseTransport):
    """Sends through `inner`, paced, retrying what the policy allows, recording the quota.

    `deadline`: seconds one call may take in all, its body included (None: no bound);
    `max_response_bytes`: the largest answer read (None: no limit).
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        policy: RetryPolicy,
        quota: Quota,
        pacer: Pacer | SharedPacer,
        *,
        deadline: float | None,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
        sleep: Callable[[float], Any] | None = None,
        owns_inner: bool = True,
    ) -> None:
        self._inner, self._policy, self._quota, self._pacer = inner, policy, quota, pacer
        self._deadline, self._owns_inner = deadline, owns_inner
        self._max_response_bytes = max_response_bytes
        self._sleep = sleep or (lambda seconds: time.sleep(seconds))  # looked up late: patchable

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        call = _Call(request, self._policy, self._deadline, self._max_response_bytes)
        while True:
            wait = self._pacer.reserve(call.left())
            if wait:
                if not call.fits(wait):
                    raise call.expired()
                self._sleep(wait)
            self._quota.before_send(request)
            call.cap_timeouts()
            try:
                response = self._inner.handle_request(request)
            except httpx.TransportError as error:
                self._sleep(call.after_error(error).wait)
                continue
            call.check_size(response)
            response = _bounded(response, call)
            self._quota.record(request, response)
            _debug(call, response)
            retry = call.after_response(response)
            if retry is None:
                return call.settle(response)
            try:
                response.read()
            finally:
                response.close()
            self._sleep(retry.wait)

    def close(self) -> None:
        if self._owns_inner:
            self._inner.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """The asynchronous twin of `RetryTransport`."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        policy: RetryPolicy,
        quota: Quota,
        pacer: Pacer | SharedPacer,
        *,
        deadline: float | None,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
        sleep: Callable[[float], Awaitable[Any]] | None = None,
        owns_inner: bool = True,
    ) -> None:
        self._inner, self._policy, self._quota, self._pacer = inner, policy, quota, pacer
        self._deadline, self._owns_inner = deadline, owns_inner
        self._max_response_bytes = max_response_bytes
        self._sleep = sleep or (lambda seconds: asyncio.sleep(seconds))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        call = _Call(request, self._policy, self._deadline, self._max_response_bytes)
        while True:
            wait = await self._pacer.areserve(call.left())
            if wait:
                if not call.fits(wait):
                    raise call.expired()
                await self._sleep(wait)
            self._quota.before_send(request)
            call.cap_timeouts()
            try:
                response = await self._inner.handle_async_request(request)
            except httpx.TransportError as error:
                await self._sleep(call.after_error(error).wait)
                continue
            call.check_size(response)
            response = _async_bounded(response, call)
            self._quota.record(request, response)
            _debug(call, response)
            retry = call.after_response(response)
            if retry is None:
                return call.settle(response)
            try:
                await response.aread()
            finally:
                await response.aclose()
            await self._sleep(retry.wait)

    async def aclose(self) -> None:
        if self._owns_inner:
            await self._inner.aclose()
