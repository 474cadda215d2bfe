"""The gateway: the one place every request of a contract run passes, whoever sends it.

Schemathesis (its phases, its checks' own requests, its probes), the run's rule follow-ups and
the deterministic walk all talk to `http://127.0.0.1:<port>/api/v9`, the gateway's loopback
address; the gateway alone talks to the server under test. Against a server the run did not
start, it also:

- guards: a request the `Guard` refuses is not sent and is answered `499` with
  `X-Contract-Guard: not-ours` (the runner counts it as "not sent: not ours");
- budgets: every attempt sent upstream counts, cleanup's reserve included, and the budget is
  never exceeded; it also stops before Toggl's hourly quota runs out (`X-Contract-Guard: budget`
  or `quota`);
- paces requests at Toggl's safe rate and waits out 429s (the SDK's transport, pacer and quota);
- records each create's id in the ledger the moment it answers, and each delete;
- swaps the run's placeholder credentials for the real ones, so the real token never reaches
  schemathesis, its reports, a cassette or a printed reproduction.

Every exchange is offered to the recorder (the cassette), redacted there.
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from toggl_track_client._runtime.exceptions import APIConnectionError
from toggl_track_client._runtime.pacing import Pacer
from toggl_track_client._runtime.quota import Quota
from toggl_track_client._runtime.retry import RETRYABLE_STATUSES, RetryPolicy
from toggl_track_client._runtime.transport import RetryTransport

from .exchange import Exchange
from .guard import Guard
from .ledger import Ledger
from .rules import trimmed

GUARD_HEADER = "X-Contract-Guard"
REFUSED_STATUS = 499
API_PREFIX = "/api/v9"
UPSTREAM_TIMEOUT = float(os.environ.get("TOGGL_CONTRACT_TIMEOUT") or 30)
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "host",
    "content-encoding",
}


def basic_header(user: str, password: str = "api_token") -> str:
    """An `Authorization` value of HTTP Basic, as Toggl takes a token: `<token>:api_token`."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class NotSent(Exception):
    """A request the gateway did not send upstream.

    `kind`: not-ours, budget, quota, deadline, or unsendable (no HTTP client can send it: a NUL in
    a header, say; schemathesis' coverage phase makes such requests).
    """

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass
class Budget:
    """Requests the run may send upstream; `reserve()` of them are kept for cleanup."""

    total: int | None
    reserve: Callable[[], int] = lambda: 0
    sent: int = 0

    def left(self, *, cleanup: bool) -> int | None:
        if self.total is None:
            return None
        return self.total - self.sent - (0 if cleanup else self.reserve())


@dataclass
class Tally:
    sent: int = 0
    not_ours: Counter[str] = field(default_factory=Counter)
    throttled: int = 0


class _Upstream(httpx.BaseTransport):
    """Counts each attempt against the budget and stops before the quota, below the retries."""

    def __init__(self, gateway: Gateway, inner: httpx.BaseTransport | None) -> None:
        self._gateway = gateway
        self._inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        gateway = self._gateway
        cleanup = request.extensions.get("toggl_cleanup", False)
        if not cleanup and gateway.deadline is not None and time.monotonic() > gateway.deadline:
            raise NotSent("deadline", "the run reached its longest allowed duration")
        left = gateway.budget.left(cleanup=cleanup)
        # A create must leave room for itself and for deleting it later (a delete and a read).
        needed = 3 if request.method == "POST" and request.url.path.endswith("/clients") else 1
        if left is not None and left < needed:
            raise NotSent("budget", f"the request budget of {gateway.budget.total} is spent")
        reading = gateway.quota.me if "/me/" in request.url.path else gateway.quota.workspace
        keep = 0 if cleanup else gateway.budget.reserve()
        if reading is not None and reading.remaining <= keep:
            raise NotSent(
                "quota",
                f"Toggl's hourly quota is down to {reading.remaining} (resets in {reading.resets_in} s)",
            )
        gateway.budget.sent += 1
        gateway.tally.sent += 1
        response = self._inner.handle_request(request)
        if response.status_code == 429:
            gateway.tally.throttled += 1
        return response

    def close(self) -> None:
        self._inner.close()


class Gateway:
    def __init__(
        self,
        upstream_url: str,
        *,
        authorization: str,
        placeholder: str,
        guard: Guard | None = None,
        ledger: Ledger | None = None,
        budget: Budget | None = None,
        interval: float = 0.0,
        recorder: Callable[[Exchange], None] | None = None,
        deadline: float | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.upstream_url = upstream_url.rstrip("/")
        self.guard = guard
        self.ledger = ledger or (guard.ledger if guard else Ledger())
        self.budget = budget or Budget(None)
        self.quota = Quota()
        self.tally = Tally()
        self.recorder = recorder
        self.deadline = deadline  # time.monotonic() after which the run sends nothing but cleanup
        self._authorization = authorization
        self._placeholder = placeholder
        self._lock = threading.Lock()
        pacer = Pacer(1.0 / interval if interval > 0 else None)
        upstream = _Upstream(self, transport)

        def client(policy: RetryPolicy) -> httpx.Client:
            transport = RetryTransport(
                upstream, policy, self.quota, pacer, deadline=None, owns_inner=False
            )
            return httpx.Client(
                transport=transport,
                timeout=httpx.Timeout(UPSTREAM_TIMEOUT, connect=min(10.0, UPSTREAM_TIMEOUT)),
            )

        # The run sees every status as the server sent it, but for 429s, which are waited out.
        self._run = client(RetryPolicy(max_retries=6, retry_statuses=frozenset({429})))
        # Cleanup also retries 5xx and lost answers (DELETE is idempotent; a 404 after a lost
        # answer counts as deleted).
        self._cleanup = client(RetryPolicy(max_retries=4, retry_statuses=RETRYABLE_STATUSES))
        self._upstream = upstream
        self._server: http.server.ThreadingHTTPServer | None = None
        self._existing: set[int] | None = None  # the workspace's ids before the run's first create
        self._creator: int | None = None  # the run's user, from its creates' answers
        self.lost_creates: list[str] = []  # creates that may have happened but could not be proven

    # --- sending ----------------------------------------------------------------------------

    def send(
        self,
        method: str,
        target: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        cleanup: bool = False,
    ) -> httpx.Response:
        """Send `method target` (a path under the API root, with its query) upstream, or raise NotSent."""
        path = target.split("?", 1)[0]
        if self.guard is not None:
            verdict = self.guard.decide(method, path, body)
            if not verdict.allowed:
                self.tally.not_ours[f"{method} {path}"] += 1
                raise NotSent("not-ours", verdict.reason)
        kept = [(k, v) for k, v in (headers or {}).items() if k.lower() not in _HOP_BY_HOP]
        auth = next((v for k, v in kept if k.lower() == "authorization"), None)
        if auth == self._placeholder:
            kept = [(k, v) for k, v in kept if k.lower() != "authorization"]
            kept.append(("Authorization", self._authorization))
        # As received: http.server read the header bytes as latin-1, so they go out unchanged.
        outgoing = [
            (k.encode("latin-1", "replace"), v.encode("latin-1", "replace")) for k, v in kept
        ]
        creates = self.guard is not None and _is_create(method, path) and auth == self._placeholder
        with self._lock:
            if creates and self._existing is None:
                self._existing = self._ids_now()
            try:
                response = (self._cleanup if cleanup else self._run).request(
                    method, self.upstream_url + target, headers=outgoing, content=body or None,
                    extensions={"toggl_cleanup": cleanup},
                )  # fmt: skip
            except (httpx.LocalProtocolError, httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
                raise NotSent(
                    "unsendable", f"an HTTP client cannot send this request: {error}"
                ) from None
            except APIConnectionError as error:
                if isinstance(error.__cause__, httpx.LocalProtocolError):
                    raise NotSent(
                        "unsendable", f"an HTTP client cannot send this request: {error.__cause__}"
                    ) from None
                if creates:
                    self._adopt_lost_create(body)
                raise
            if creates and response.status_code >= 500:
                self._adopt_lost_create(body)
        self._learn(method, path, response)
        if self.recorder is not None:
            self.recorder(
                _exchange(method, target, body, response, _auth_kind(auth, self._placeholder))
            )
        return response

    # --- creates that got no answer ----------------------------------------------------------

    def _ids_now(self) -> set[int]:
        """Every client id of the pinned workspace now (taken once, before the run's first create)."""
        assert self.guard is not None
        return {int(c["id"]) for c in self._list(None) if isinstance(c.get("id"), int)}

    def _list(self, name: str | None) -> list[dict[str, Any]]:
        assert self.guard is not None
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            params: dict[str, Any] = {"status": "both", "page": page, "per_page": 200}
            if name:
                params["name"] = name
            response = self._cleanup.get(
                f"{self.upstream_url}/workspaces/{self.guard.workspace_id}/clients", params=params,
                headers={"Authorization": self._authorization}, extensions={"toggl_cleanup": True},
            )  # fmt: skip
            items = (
                [i for i in response.json() if isinstance(i, dict)]
                if response.status_code == 200
                else []
            )
            found += items
            total = next(
                (i.get("total_count") for i in items if isinstance(i.get("total_count"), int)), None
            )
            if len(items) < 200 or (total is not None and len(found) >= total):
                return found
            page += 1

    def _adopt_lost_create(self, body: bytes) -> None:
        """A create that answered nothing (or 5xx) may still have created the client: find it.

        It is this run's when it has exactly the name sent (trimmed), was not there before the
        run's first create, and was created by the run's user. Anything less is not adopted, and
        the report names it.
        """
        try:
            sent = json.loads(body)
            name = trimmed(sent["name"])
        except (ValueError, TypeError, KeyError, AttributeError):
            return  # no name, no client
        try:
            candidates = [c for c in self._list(name) if c.get("name") == name]
        except (NotSent, httpx.HTTPError, APIConnectionError):
            self.lost_creates.append(
                f"a create named {name!r} got no answer, and the workspace could not be read"
            )
            return
        for client in candidates:
            if client["id"] in (self._existing or set()) or client["id"] in self.ledger.created:
                continue
            if self._creator is not None and client.get("creator_id") == self._creator:
                self.ledger.record_created(client)
            else:
                self.lost_creates.append(
                    f"client {client['id']} {name!r} may be this run's lost create; not proven"
                )

    def _learn(self, method: str, path: str, response: httpx.Response) -> None:
        """The ledger learns each create and each delete from the answer."""
        if response.status_code != 200:
            return
        parts = path.strip("/").split("/")
        if method == "POST" and len(parts) == 3 and parts[2] == "clients":
            try:
                created = response.json()
            except ValueError:
                return
            if isinstance(created, dict) and isinstance(created.get("id"), int):
                self.ledger.record_created(created)
                if isinstance(created.get("creator_id"), int):
                    self._creator = created["creator_id"]
        elif method == "DELETE" and len(parts) == 4 and parts[3].isdigit():
            self.ledger.record_deleted(int(parts[3]))

    def learn_bulk_delete(self, ids: list[int]) -> None:
        for client_id in ids:
            self.ledger.record_deleted(client_id)

    # --- serving ------------------------------------------------------------------------------

    def start(self) -> str:
        """Serve on a free loopback port; the API root URL to point every client at."""
        gateway = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Keep-alive clients wait for the body written after the headers: without this,
                # Nagle's algorithm and delayed ACKs hold each answer back for 40 ms.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                target = self.path
                if not target.startswith(API_PREFIX):
                    self._reply(404, {}, json.dumps("Not Found").encode())
                    return
                target = target[len(API_PREFIX) :]
                try:
                    response = gateway.send(
                        self.command, target, headers=dict(self.headers.items()), body=body
                    )
                except NotSent as refused:
                    self._reply(
                        REFUSED_STATUS,
                        {GUARD_HEADER: refused.kind, "Content-Type": "application/json"},
                        json.dumps(f"not sent: {refused.reason}").encode(),
                    )
                    return
                except Exception as error:  # no answer from the server: the run reports it as such
                    self._reply(
                        REFUSED_STATUS,
                        {GUARD_HEADER: "no-answer", "Content-Type": "application/json"},
                        json.dumps(f"no answer from the server: {error}").encode(),
                    )
                    return
                if method_is_bulk_delete(self.command, target) and response.status_code == 200:
                    gateway.learn_bulk_delete(_ids(body))
                headers = {
                    k: v for k, v in response.headers.items() if k.lower() not in _HOP_BY_HOP
                }
                self._reply(response.status_code, headers, response.content)

            def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response_only(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def __getattr__(self, name: str) -> Any:
                if name.startswith("do_"):  # every method, TRACE and invented ones included
                    return self._handle
                raise AttributeError(name)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the run reports what matters; no request line with a URL goes to stderr

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, name="contract-gateway", daemon=True
        ).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}{API_PREFIX}"

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self._run.close()
        self._cleanup.close()
        self._upstream.close()


def _is_create(method: str, path: str) -> bool:
    parts = path.strip("/").split("/")
    return (
        method == "POST" and len(parts) == 3 and parts[0] == "workspaces" and parts[2] == "clients"
    )


def method_is_bulk_delete(method: str, target: str) -> bool:
    parts = target.split("?", 1)[0].strip("/").split("/")
    return method == "POST" and len(parts) == 4 and parts[2:] == ["clients", "delete"]


def _ids(body: bytes) -> list[int]:
    try:
        value = json.loads(body)
    except ValueError:
        return []
    return (
        [int(v) for v in value if isinstance(v, int) and not isinstance(v, bool)]
        if isinstance(value, list)
        else []
    )


def _auth_kind(header: str | None, placeholder: str) -> str:
    if header is None:
        return "none"
    return "credentials" if header == placeholder else "other"


def _exchange(
    method: str, target: str, body: bytes, response: httpx.Response, auth: str
) -> Exchange:
    path, _, query = target.partition("?")
    exchange = Exchange.of(response, "")
    return Exchange(
        method=method, path=path, query=exchange.query, request_body=body, status=exchange.status,
        headers=exchange.headers, body=exchange.body, auth=auth,
    )  # fmt: skip
