"""The ASGI app of the emulator: routing, the request pipeline, and Toggl-shaped responses.

A request to `/api/v9` passes, in order: the route and method (404, 405 with `Allow` and no body),
latency, authentication (401 without a header, 403 with wrong credentials), the rate limit (429),
the hourly quota (402), random faults (500), the path ids (400), the body (400), then the handler.
Every refusal is a `TogglError`, answered as a bare JSON string.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from . import errors
from .errors import TogglError
from .handlers import EMPTY, ROUTES, Call, Operation
from .limits import Faults, HourlyQuota, RateLimiter
from .payloads import INT64_MAX, Body, decode
from .seed import load_seed
from .store import Store, User

API_PREFIX = "/api/v9"
JSON_TYPE = "application/json; charset=utf-8"


@dataclass(frozen=True)
class MockOptions:
    """What `python -m mock` takes as flags; all limits and faults are off by default."""

    seed: Path | str | dict[str, Any] | None = None
    rate_limit: float | None = None  # requests per second per token
    hourly_quota: int | None = None  # requests per user and workspace per sliding hour
    error_rate: float = 0.0  # share of requests answered with a random 500
    fault_seed: int | None = None
    latency_ms: float = 0.0
    max_body_bytes: int = 1 << 20  # [infer] Toggl's limit is not documented
    clock: Callable[[], float] = field(default=time.time)


def json_response(status: int, value: Any, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(body, status_code=status, headers=headers, media_type=JSON_TYPE)


def error_response(error: TogglError, headers: dict[str, str] | None = None) -> Response:
    merged = {**(headers or {}), **error.headers}
    if error.message is None:
        return Response(status_code=error.status, headers=merged)
    return json_response(error.status, error.message, merged)


def parse_id(raw: str, name: str) -> int:
    """A path id: decimal digits, 1..2^63-1; anything else is a 400 [infer: the text]."""
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= INT64_MAX:
        return int(raw)
    raise TogglError(400, errors.invalid_parameter(name))


class Emulator:
    """One emulator instance: its state, its limits, and the ASGI endpoints that use them."""

    def __init__(self, options: MockOptions) -> None:
        self.options = options
        self.store = Store(load_seed(options.seed), options.clock)
        self.rate_limiter = (
            RateLimiter(options.rate_limit, options.clock) if options.rate_limit else None
        )
        self.quota = (
            HourlyQuota(options.hourly_quota, options.clock) if options.hourly_quota else None
        )
        self.faults = Faults(options.error_rate, options.fault_seed)

    def reset(self) -> None:
        self.store.reset()
        for limit in (self.rate_limiter, self.quota, self.faults):
            if limit is not None:
                limit.reset()

    def authenticate(self, request: Request) -> User:
        header = request.headers.get("authorization")
        if header is None:
            raise TogglError(401, None, {"X-Authorization-Missing": "true"})
        scheme, _, encoded = header.partition(" ")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        username, separator, password = decoded.partition(":")
        user = self.store.authenticate(username, password) if separator else None
        if scheme.lower() != "basic" or user is None:
            raise TogglError(403, errors.WRONG_CREDENTIALS)
        return user

    async def read_body(self, request: Request, mode: str) -> Body | None:
        if mode == "none":
            return None
        limit = self.options.max_body_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise TogglError(400, errors.BODY_TOO_LARGE)
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise TogglError(400, errors.BODY_TOO_LARGE)
            chunks.append(chunk)
        # Like Toggl's Go backend, the body is read as JSON whatever the Content-Type says [infer].
        return decode(b"".join(chunks), required=mode == "required")

    def endpoint(self, operations: dict[str, Operation]) -> ASGIApp:
        """An ASGI app for one path: Starlette then passes every method through to it."""
        allow = ", ".join(operations)

        async def handle(request: Request) -> Response:
            operation = operations.get(request.method)
            if operation is None:
                return Response(status_code=405, headers={"Allow": allow})
            quota_headers: dict[str, str] = {}
            try:
                if self.options.latency_ms:
                    await asyncio.sleep(self.options.latency_ms / 1000)
                user = self.authenticate(request)
                if self.rate_limiter:
                    self.rate_limiter.check(user.id)
                if self.quota:
                    scope = request.path_params.get("workspace_id", "me")
                    quota_headers = self.quota.consume((user.id, scope))
                self.faults.maybe_fail()
                ids = {name: parse_id(raw, name) for name, raw in request.path_params.items()}
                body = await self.read_body(request, operation.body)
                query = {key: value for key, value in request.query_params.items()}
                call = Call(self.store, user, ids, query, body)
                result = operation.handler(call)
            except TogglError as error:
                return error_response(error, quota_headers)
            if result is EMPTY:
                return Response(status_code=200, headers=quota_headers)
            return json_response(200, result, quota_headers)

        return _AsgiEndpoint(handle)

    async def health(self, request: Request) -> Response:
        return json_response(200, {"status": "ok"})

    async def reset_endpoint(self, request: Request) -> Response:
        self.reset()
        return json_response(200, {"status": "reset"})


class _AsgiEndpoint:
    """Wraps a request handler as an ASGI app, which Starlette routes for every HTTP method."""

    def __init__(self, handle: Callable[[Request], Awaitable[Response]]) -> None:
        self._handle = handle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._handle(Request(scope, receive))
        await response(scope, receive, send)


async def _http_exception(request: Request, exc: Exception) -> Response:
    """Unknown paths: a Toggl-shaped 404 instead of Starlette's plain text."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return Response(status_code=405, headers=exc.headers)
    return json_response(exc.status_code, errors.NOT_FOUND_ROUTE)


def create_app(options: MockOptions | None = None, **overrides: Any) -> Starlette:
    """The emulator as an ASGI app; `overrides` are `MockOptions` fields."""
    options = options or MockOptions()
    if overrides:
        options = MockOptions(**{**options.__dict__, **overrides})
    emulator = Emulator(options)
    routes: list[BaseRoute] = [
        Route(API_PREFIX + path, emulator.endpoint(operations), methods=None)
        for path, operations in ROUTES
    ]
    routes += [
        Route("/_mock/health", emulator.health, methods=["GET"]),
        Route("/_mock/reset", emulator.reset_endpoint, methods=["POST"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_exception})
    app.router.redirect_slashes = False
    app.state.emulator = emulator
    return app
