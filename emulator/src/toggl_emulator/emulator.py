"""The emulator's request pipeline, synchronous and independent of any server or framework.

A request to the API passes, in order: the route and method (404; 405 with no body and no
`Allow`, as recorded live), authentication (401 without a header, 403 with wrong credentials), the
rate limit (429), the hourly quota (402), random faults (500), the path ids (400), the query
(400), the body (400), then the operation. Every refusal is a `TogglError`, answered as a bare
JSON string.

The ASGI app (`app.py`) and the in-process httpx transports (`transport.py`) are thin adapters
around `Emulator.handle`, so that a test suite driving the emulator without a socket runs the very
code a server does.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import parse_qsl

from . import errors, payloads
from .errors import TogglError
from .handlers import EMPTY, ROUTES, Call, Operation, RawJson, parse_int64
from .journal import Journal
from .limits import Fault, Faults, HourlyQuota, RateLimiter
from .options import EmulatorOptions
from .project_handlers import ROUTES as PROJECT_ROUTES
from .seed import Seed, extended, load_seed
from .store import Store, User

API_PREFIX = "/api/v9"
CONTROL_PREFIX = "/_emulator"  # endpoints only the emulator has: health, reset, state
JSON_TYPE = b"application/json; charset=utf-8"
MAX_QUERY_BYTES = 8192  # [infer]
MAX_AUTHORIZATION_BYTES = 4096  # longer headers are wrong credentials, whatever they hold
_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass(slots=True)
class Reply:
    status: int
    body: bytes = b""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    delay: float = 0.0
    """Seconds the transport waits before answering (latency planned for the operation)."""
    timeout: bool = False
    """No answer at all: the transport times out (a planned fault)."""

    @classmethod
    def json(
        cls, status: int, value: Any, headers: list[tuple[bytes, bytes]] | None = None
    ) -> Reply:
        body = value.data if isinstance(value, RawJson) else _encode_json(value).encode("utf-8")
        return cls(status, body, [(b"content-type", JSON_TYPE), *(headers or ())])

    @classmethod
    def error(cls, error: TogglError, headers: list[tuple[bytes, bytes]]) -> Reply:
        merged = headers + [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
        if error.message is None:
            return cls(error.status, b"", merged)
        return cls.json(error.status, error.message, merged)


@dataclass(slots=True)
class Request:
    """What the pipeline needs of a request; `body` is None when it was over the size limit."""

    method: str
    path: str
    query_string: bytes = b""
    headers: Sequence[tuple[bytes, bytes]] = ()
    body: bytes | None = b""

    def header(self, name: bytes) -> bytes | None:
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


def _split(template: str) -> tuple[str | None, ...]:
    """`/workspaces/{workspace_id}/clients` → ("workspaces", None, "clients"); None is a parameter."""
    return tuple(None if part.startswith("{") else part for part in template.strip("/").split("/"))


def _parameters(template: str) -> tuple[str, ...]:
    return tuple(part[1:-1] for part in template.strip("/").split("/") if part.startswith("{"))


@dataclass(frozen=True)
class Route:
    segments: tuple[str | None, ...]
    parameters: tuple[str, ...]
    operations: dict[str, Operation]

    def match(self, parts: list[str]) -> dict[str, str] | None:
        if len(parts) != len(self.segments):
            return None
        values = []
        for part, segment in zip(parts, self.segments, strict=True):
            if segment is None:
                if not part:
                    return None  # `/clients/` is no client: a 404, not an invalid id
                values.append(part)
            elif part != segment:
                return None
        return dict(zip(self.parameters, values, strict=True))


ROUTING = [
    Route(_split(path), _parameters(path), operations)
    for path, operations in [*ROUTES, *PROJECT_ROUTES]
]
OPERATION_NAMES = tuple(
    operation.name for route in ROUTING for operation in route.operations.values()
)
"""Every operation's name, as the journal and `Faults.fail_next` take it."""
_LITERALS = frozenset(segment for route in ROUTING for segment in route.segments if segment)
# The route of each path shape (literal segments kept, the others None): one dict lookup for a
# request. A shape it does not know (an id that spells a literal) goes through the routes in order.
_BY_SHAPE = {route.segments: route for route in reversed(ROUTING)}


Resolved = tuple[Route, dict[str, str], dict[str, int] | None]
_NO_ROUTE: Any = object()
# What each path resolves to (its route, raw ids and parsed ids, or None where an id is invalid):
# requests repeat their paths, so most of them skip routing and id parsing. Bounded.
_PATHS: dict[str, Resolved] = {}
_PATHS_KEPT = 4096
_CACHED_PATH_BYTES = 128  # ids of 19 digits fit: 4096 entries are at most about 1 MB


def _resolve(path: str) -> Resolved:
    found = _route(path.split("/"))
    if found is None:
        return _NO_ROUTE  # type: ignore[no-any-return]
    route, raw_ids = found
    try:
        parsed = {name: _parse_id(raw, name) for name, raw in raw_ids.items()}
    except TogglError:
        parsed = None  # raised again in order, after authentication and the limits
    return route, raw_ids, parsed


def _route(parts: list[str]) -> tuple[Route, dict[str, str]] | None:
    route = _BY_SHAPE.get(tuple(part if part in _LITERALS else None for part in parts))
    if route is not None:
        raw_ids = route.match(parts)
        if raw_ids is not None:
            return route, raw_ids
    for route in ROUTING:
        raw_ids = route.match(parts)
        if raw_ids is not None:
            return route, raw_ids
    return None


class Emulator:
    """One emulator: its state, its limits, and `handle`, which answers one request."""

    def __init__(self, options: EmulatorOptions | None = None) -> None:
        self.initial_options = options or EmulatorOptions()
        self.configure(self.initial_options)

    def configure(self, options: EmulatorOptions) -> None:
        """Start afresh with `options`: the seed's state, these limits and faults.

        Everything is built before anything is replaced: invalid options leave the emulator as it was.
        """
        clock = options.clock
        store = Store(load_seed(options.seed), clock)
        rate_limiter = RateLimiter(options.rate_limit, clock) if options.rate_limit else None
        quota = HourlyQuota(options.hourly_quota, clock) if options.hourly_quota else None
        faults = Faults(options.error_rate, options.fault_seed, OPERATION_NAMES)
        self.options, self.store = options, store
        self.rate_limiter, self.quota, self.faults = rate_limiter, quota, faults
        self.journal = Journal()
        self._users_by_header: dict[bytes, User] = {}

    def reset(self) -> None:
        """Back to the seed: clients, projects, limits and the fault sequence as at start."""
        self.configure(self.options)

    def arrange(self, **entries: Sequence[Mapping[str, Any]]) -> Seed:
        """Start afresh from this emulator's seed with these entries added (`workspaces`, `users`,
        `clients`, `projects`; see `seed.extended`); call it before acting, it resets the state.
        Answers the named entries, new ones included."""
        seed = extended(self.options.seed, **entries)
        self.configure(replace(self.options, seed=seed))
        return Seed.of(seed)

    # --- state, for assertions ----------------------------------------------------------------

    def clients(
        self, workspace_id: int | None = None, *, deleted: bool = False
    ) -> list[dict[str, Any]]:
        """Clients as Toggl would send them (deleted ones, with `server_deleted_at`, on request)."""
        return [
            client.to_json()
            for client in sorted(self.store.all_clients(), key=lambda c: c.id)
            if (workspace_id is None or client.wid == workspace_id)
            and (deleted or client.deleted_at is None)
        ]

    def projects(
        self, workspace_id: int | None = None, *, deleted: bool = False
    ) -> list[dict[str, Any]]:
        """Projects as Toggl would send them (deleted ones, with `server_deleted_at`, on request)."""
        today = self.store.projects.today()
        with self.store.lock:
            projects = sorted(self.store.projects.by_id.values(), key=lambda p: p.id)
        return [
            project.to_json(today)
            for project in projects
            if (workspace_id is None or project.wid == workspace_id)
            and (deleted or project.deleted_at is None)
        ]

    def state(self) -> dict[str, Any]:
        """Everything stored: what `GET /_emulator/state` answers."""
        return {"clients": self.clients(deleted=True), "projects": self.projects(deleted=True)}

    # --- the pipeline -------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        path = request.path
        if path.startswith(API_PREFIX + "/"):
            operation: list[str | None] = [None]
            reply = self._api(request, path[len(API_PREFIX) + 1 :], operation)
            if self.options.journal:
                self.journal.add(operation[0], request.method, path, request.query_string,
                                 request.body, 504 if reply.timeout else reply.status)  # fmt: skip
            return reply
        if path.startswith(CONTROL_PREFIX + "/"):
            token = self.options.control_token
            if token is not None and not hmac.compare_digest(
                request.header(b"x-emulator-token") or b"", token.encode()
            ):
                return Reply.json(
                    403, "The control plane needs the X-Emulator-Token printed at start"
                )
            return self._control(request.method, path[len(CONTROL_PREFIX) + 1 :], request.body)
        return Reply.json(404, errors.NOT_FOUND_ROUTE)

    def _control(self, method: str, name: str, body: bytes | None) -> Reply:
        allowed = {"health": "GET", "reset": "POST", "state": "GET", "journal": "GET",
                   "faults": "POST"}.get(name)  # fmt: skip
        if allowed is None:
            return Reply.json(404, errors.NOT_FOUND_ROUTE)
        if method != allowed:
            return Reply(405, headers=[(b"allow", allowed.encode())])
        if name == "reset":
            try:
                self.configure(_reset_options(self.initial_options, body))
            except (ValueError, TypeError, KeyError) as error:
                return Reply.json(400, f"Invalid reset options: {error}")
            return Reply.json(200, {"status": "reset"})
        if name == "state":
            return Reply.json(200, self.state())
        if name == "journal":
            return Reply.json(200, [exchange.to_json() for exchange in self.journal])
        if name == "faults":
            try:
                self._plan(body)
            except (ValueError, TypeError) as error:
                return Reply.json(400, f"Invalid fault: {error}")
            return Reply.json(200, {"status": "planned"})
        return Reply.json(200, {"status": "ok"})

    def _plan(self, body: bytes | None) -> None:
        """`POST /_emulator/faults`: {"operation": ..., then `fail_next`'s or `delay`'s options}."""
        plan = json.loads(body or b"null")
        if not isinstance(plan, dict) or not isinstance(plan.get("operation"), str):
            raise ValueError('expected {"operation": name, ...}')
        operation = plan.pop("operation")
        if "delay_ms" in plan:
            self.faults.delay(operation, float(plan.pop("delay_ms")))
            if not plan:
                return
        # What is left plans failures (nothing more: the next call answers 500).
        allowed = {"times": int, "status": int, "timeout": bool, "applied": bool}
        for key, value in plan.items():
            kind = allowed.get(key)
            if kind is None or type(value) is not kind:
                raise ValueError(f"{key}: expected one of {sorted(allowed)} with its type")
        self.faults.fail_next(operation, **plan)

    def _api(self, request: Request, path: str, named: list[str | None]) -> Reply:
        found = _PATHS.get(path)
        cached = found is not None
        if found is None:
            found = _resolve(path)
        if found is _NO_ROUTE:
            return Reply.json(404, errors.NOT_FOUND_ROUTE)
        route, raw_ids, parsed_ids = found
        operation = route.operations.get(request.method)
        if operation is None:
            return Reply(405)  # as recorded live: no body, no `Allow`
        named[0] = operation.name
        quota_headers: list[tuple[bytes, bytes]] = []
        fault = None
        try:
            user = self.authenticate(request.header(b"authorization"))
            if not cached and len(path) <= _CACHED_PATH_BYTES:
                # Kept only for a caller who proved who they are, and short: the cache is
                # bounded in entries and so in bytes.
                if len(_PATHS) >= _PATHS_KEPT:
                    _PATHS.clear()
                _PATHS[path] = found
            if self.rate_limiter:
                self.rate_limiter.check(user.id)
            if self.quota:
                quota_headers = self.quota.consume(_quota_key(user, raw_ids))
            self.faults.maybe_fail()
            fault = self.faults.planned(operation.name)
            if fault is not None and not fault.applied:
                return self._failed(fault, operation)
            ids = parsed_ids or {name: _parse_id(raw, name) for name, raw in raw_ids.items()}
            query = _parse_query(request.query_string)
            body = self._body(request.body, operation)
            result = operation.handler(Call(self.store, user, ids, query, body))
        except TogglError as error:
            reply = Reply.error(error, quota_headers)
        else:
            reply = (Reply(200, headers=quota_headers) if result is EMPTY
                     else Reply.json(200, result, quota_headers))  # fmt: skip
        if fault is not None:  # carried out; now the answer is lost
            return self._failed(fault, operation)
        reply.delay = self.faults.delay_of(operation.name)
        return reply

    def _failed(self, fault: Fault, operation: Operation) -> Reply:
        if fault.timeout:
            return Reply(504, delay=self.faults.delay_of(operation.name), timeout=True)
        reply = Reply.json(
            fault.status, errors.INTERNAL if fault.status >= 500 else "Planned fault"
        )
        reply.delay = self.faults.delay_of(operation.name)
        return reply

    def authenticate(self, header: bytes | None) -> User:
        if header is None:
            raise TogglError(401, None, {"X-Authorization-Missing": "true"})
        user = self._users_by_header.get(header)
        if user is not None:
            return user
        found = None
        scheme, _, encoded = header.partition(b" ")
        if len(header) <= MAX_AUTHORIZATION_BYTES and scheme.lower() == b"basic":
            try:
                decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            username, separator, password = decoded.partition(":")
            found = self.store.authenticate(username, password) if separator else None
        if found is None:
            raise TogglError(403, errors.WRONG_CREDENTIALS)
        if len(self._users_by_header) < 1024:  # a cache of good headers, bounded
            self._users_by_header[header] = found
        return found

    def _body(self, raw: bytes | None, operation: Operation) -> payloads.Body | None:
        if operation.body == "none":
            return None
        if raw is None:
            raise TogglError(400, errors.BODY_TOO_LARGE)
        # Like Toggl's Go backend, the body is read as JSON whatever the Content-Type says [infer].
        return payloads.decode(raw, required=operation.body == "required")


def _reset_options(initial: EmulatorOptions, body: bytes | None) -> EmulatorOptions:
    """The options a reset asks for: the server's own, overridden by a JSON object body."""
    if not body or not body.strip():
        return initial
    overrides = json.loads(body)
    if not isinstance(overrides, dict):
        raise ValueError("a JSON object of emulator options is expected")
    unknown = set(overrides) - {f.name for f in fields(EmulatorOptions)} | (
        {"clock", "control_token"} & set(overrides)  # set where the emulator starts, only
    )
    if unknown:
        raise ValueError(f"unknown options {sorted(unknown)}")
    if "seed" in overrides and not isinstance(overrides["seed"], dict | None):
        # The server reads no file named over HTTP: a seed comes as the object itself.
        raise ValueError("seed: expected a seed object; a path is read only from the command line")
    return replace(initial, **overrides)


def _parse_id(raw: str, name: str) -> int:
    """A path id: decimal digits, leading zeros allowed as Go reads them, 1..2^63-1 [infer]."""
    value = parse_int64(raw)
    if value is None or value < 1:
        raise TogglError(400, errors.invalid_parameter(name))
    return value


def _quota_key(user: User, raw_ids: dict[str, str]) -> tuple[int, int | str]:
    """The quota is counted per user and workspace (`/me` calls apart), on the id's value."""
    raw = raw_ids.get("workspace_id")
    if raw is None:
        return (user.id, "me")
    value = parse_int64(raw)
    return (user.id, value if value is not None else "invalid")


def _parse_query(query_string: bytes) -> dict[str, str]:
    if not query_string:
        return {}
    if len(query_string) > MAX_QUERY_BYTES:
        raise TogglError(400, errors.QUERY_TOO_LONG)
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    # The first value of a repeated parameter wins, as Go's `url.Values.Get` does.
    return dict(reversed(pairs))
