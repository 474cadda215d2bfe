"""The gateway: the one place every request of a contract run passes, whoever sends it.

Schemathesis (its phases, its checks' own requests and probes), the rules' follow-up reads and the
deterministic walk all talk to the relay on loopback (`relay.py`), which hands each request of the
run (and only of the run: it must carry the run's credential) to `Gateway.send`; the gateway alone
talks to the server under test, with the real credentials. Every answer is scrubbed of secrets
before anything of the run sees it, and offered to the recorder (the cassette).

Against a server the run did not start, the gateway also:

- guards (`guard.py`): only the spec's operations, on paths read one way; writes only to what the
  run proved it created, each after a fresh read shows the proof again; a refused request is not
  sent (`NotSent`, answered 499 with `X-Contract-Guard`);
- proves ownership (`ownership.py`): before the first create of a resource it reads the workspace
  (the snapshot); a create is the run's when its id is new, its answer carries the name sent and
  the run's proof, and a read right after agrees; anything else is evidence of drift, not
  adopted;
- learns deletions only from reads: a delete answered 200 is pending until a read shows the
  resource gone;
- budgets: every attempt sent upstream counts, cleanup's reserve included, and the budget is never
  exceeded; it stops before Toggl's hourly quota runs out;
- bounds time: each call has a deadline for the whole call (the SDK's transport), never past the
  run's longest allowed duration (cleanup has its own), and it paces at Toggl's safe rate and
  waits out 429s;
- never holds a lock across an upstream call, so cleanup after a signal does not wait for a
  request still in flight (`drain` waits for those, at most a bounded time).
"""

from __future__ import annotations

import base64
import json
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from toggl_track_client.client import (
    DEADLINE_EXTENSION,
    RETRYABLE_STATUSES,
    TOGGL_SAFE_RATE,
    Pacer,
    Quota,
    RetryPolicy,
    RetryTransport,
    SharedPacer,
    open_store,
    release_store,
    token_key,
)
from toggl_track_client.errors import APITimeoutError, QuotaExceededError, TogglError

from .apimap import ApiMap, Match, Operation, Pages, Unclear, split_target
from .exchange import Exchange, auth_kind
from .guard import Guard, members
from .ledger import Ledger
from .ownership import carries
from .rules import trimmed
from .scrub import Scrubber

GUARD_HEADER = "X-Contract-Guard"
RUN_HEADER = "X-Contract-Run"
"""The run's own credential: the relay serves no request without it."""
REFUSED_STATUS = 499
API_PREFIX = "/api/v9"
READ_COST = 1
CLEANUP_COST = 3
"""What cleaning up one resource costs: a fresh read, the delete, a read that shows it gone."""
CREATE_COST = 1 + READ_COST + CLEANUP_COST
"""A create needs room for itself, the read that proves it, and its own cleanup."""
_HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "transfer-encoding", "content-length", "host", "content-encoding",
    "te", "trailer", "upgrade", "proxy-authorization", "proxy-connection", RUN_HEADER.lower(),
})  # fmt: skip


def basic_header(user: str, password: str = "api_token") -> str:
    """An `Authorization` value of HTTP Basic, as Toggl takes a token: `<token>:api_token`."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class NotSent(Exception):
    """A request the gateway did not send upstream.

    `kind`: not-ours (the guard), unclear (a path read two ways), budget, quota, deadline,
    interrupted, or unsendable (no HTTP client can send it: a NUL in a header, say).
    """

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


class Fault(Exception):
    """A fault of the kit itself while handling a request: not the server's, never drift."""


class KitFault(BaseException):
    """The kit failed handling a request (the gateway noted the traceback): the run ends, exit 5.

    A BaseException, so that Hypothesis does not take it for a failure of a case and shrink it.
    """


@dataclass
class Budget:
    """Requests the run may send upstream; `reserve()` of them are kept for cleanup."""

    total: int | None
    reserve: Callable[[], int] = lambda: 0
    sent: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def left(self, *, cleanup: bool) -> int | None:
        if self.total is None:
            return None
        return self.total - self.sent - (0 if cleanup else self.reserve())

    def spend(self, needed: int, *, cleanup: bool) -> bool:
        """Count one request, when `needed` requests fit; whether it did."""
        with self._lock:
            left = self.left(cleanup=cleanup)
            if left is not None and left < needed:
                return False
            self.sent += 1
            return True


@dataclass
class Tally:
    sent: int = 0
    not_ours: Counter[str] = field(default_factory=Counter)
    throttled: int = 0


class _Counting(httpx.BaseTransport):
    """Below the retries: each attempt counts against the budget, and stops before the quota."""

    def __init__(self, gateway: Gateway, inner: httpx.BaseTransport) -> None:
        self._gateway = gateway
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        gateway = self._gateway
        cleanup = bool(request.extensions.get("toggl_cleanup"))
        needed = int(request.extensions.get("toggl_needed", 1))
        if not cleanup and gateway.stopping:
            raise NotSent("interrupted", "the run was interrupted")
        reading = gateway.quota.me if "/me/" in request.url.path else gateway.quota.workspace
        keep = 0 if cleanup else gateway.budget.reserve()
        if reading is not None and reading.remaining <= keep:
            raise NotSent(
                "quota",
                f"Toggl's hourly quota is down to {reading.remaining} (resets in {reading.resets_in} s)",
            )
        if not gateway.budget.spend(needed, cleanup=cleanup):
            raise NotSent("budget", f"the request budget of {gateway.budget.total} is spent")
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
        api: ApiMap,
        authorization: str,
        placeholder: str,
        guard: Guard | None = None,
        ledger: Ledger | None = None,
        budget: Budget | None = None,
        interval: float = 0.0,
        limits: str | None = None,
        token: str | None = None,
        recorder: Callable[[Exchange], None] | None = None,
        deadline: float | None = None,
        timeout: float = 30.0,
        scrubber: Scrubber | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.upstream_url = upstream_url.rstrip("/")
        self.api = api
        self.guard = guard
        self.ledger = ledger or (guard.ledger if guard else Ledger())
        self.budget = budget or Budget(None)
        # With a shared store, this run paces and reads the quota with every other run and
        # process of the token (pace: Toggl's safe rate unless the interval is longer).
        self._store = store = open_store(limits) if limits else None
        key = token_key(token)
        self.quota = Quota(store, key) if store else Quota()
        self.tally = Tally()
        self.recorder = recorder
        self.deadline = deadline  # time.monotonic() after which the run sends nothing but cleanup
        self.cleanup_deadline: float | None = None  # set when cleanup starts
        self.timeout = timeout
        self.scrubber = scrubber or Scrubber([])
        self.stopping = False  # interrupted: only cleanup goes out
        self.evidence: list[str] = []  # drift that ownership checks found
        self.evidence_at: list[tuple[int, Exchange | None]] = []  # where each shows in the cassette
        self.last: Exchange | None = None  # the last exchange recorded
        self.recorded = 0  # exchanges recorded: the cassette position of the last one
        self.faults: list[str] = []  # tracebacks of the kit's own faults
        self.snapshot_pages = 0
        self.creates_sent = 0
        # Creates that may have stored something the run could not prove then (a wrong answer, a
        # 5xx, no answer): cleanup's sweep may find and delete each, so the budget keeps room.
        self.unproven_creates = 0
        self._authorization = authorization
        self._placeholder = placeholder
        self._upstream_path = httpx.URL(self.upstream_url).raw_path.decode("ascii")
        self._before: dict[str, set[int]] = {}  # resource -> its ids before the run's first create
        self._snapshot_lock = threading.Lock()
        self._inflight = 0
        self._idle = threading.Condition()
        self.pacer: Pacer | SharedPacer = (
            SharedPacer(store, key, min(TOGGL_SAFE_RATE, 1.0 / interval if interval > 0 else TOGGL_SAFE_RATE))
            if store else Pacer(1.0 / interval if interval > 0 else None)
        )  # fmt: skip
        self._upstream = _Counting(self, transport or httpx.HTTPTransport())

        def client(policy: RetryPolicy) -> httpx.Client:
            retrying = RetryTransport(
                self._upstream, policy, self.quota, self.pacer, deadline=timeout, owns_inner=False
            )
            return httpx.Client(
                transport=retrying, timeout=httpx.Timeout(timeout, connect=min(10.0, timeout))
            )

        # The run sees every status as the server sent it, but for 429s, which are waited out.
        self._run = client(RetryPolicy(max_retries=6, retry_statuses=frozenset({429})))
        # Cleanup also retries 5xx and lost answers: what it sends is safe to send again.
        self._cleanup = client(RetryPolicy(max_retries=4, retry_statuses=RETRYABLE_STATUSES))

    # --- one request of the run -----------------------------------------------------------------

    def send(
        self,
        method: str,
        target: str,
        *,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        cleanup: bool = False,
    ) -> httpx.Response:
        """Send `method target` (a path under the API root, with its query) upstream, or raise
        NotSent. The answer comes back scrubbed of secrets."""
        path, _ = split_target(target)
        kept = [(k, v) for k, v in headers if k.lower() not in _HOP_BY_HOP]
        given = [v for k, v in kept if k.lower() == "authorization"]
        if len(given) > 1:
            raise NotSent("unclear", "a request with more than one Authorization header")
        auth = given[0] if given else None
        as_user = auth == self._placeholder
        if as_user:
            kept = [(k, v) for k, v in kept if k.lower() != "authorization"]
            kept.append(("Authorization", self._authorization))
        match = self._match(method, path)
        needed = 1
        if self.guard is not None:
            verdict = self.guard.decide(method, match, body, as_user=as_user)
            if not verdict.allowed:
                self.tally.not_ours[f"{method} {path}"] += 1
                raise NotSent("not-ours", verdict.reason)
            assert match is not None  # the guard refuses what matches no operation
            if verdict.create:
                self._snapshot(match.operation)
                needed = CREATE_COST
                self.creates_sent += 1
            elif verdict.prove:
                self._prove_again(match.operation, verdict.prove, cleanup=cleanup)
        creating = needed == CREATE_COST
        try:
            response = self._forward(method, target, kept, body, cleanup=cleanup, needed=needed)
        except (TogglError, httpx.HTTPError):
            self.unproven_creates += creating  # no answer: what it stored is unknown
            raise
        self._record(method, target, body, response, auth_kind(auth, self._placeholder))
        if self.guard is not None and as_user and match is not None:
            adopted = self._learn(match, body, response)
            if creating and not adopted and not 400 <= response.status_code < 500:
                self.unproven_creates += 1
        return response

    def _match(self, method: str, path: str) -> Match | None:
        try:
            return self.api.match(method, path)
        except Unclear as unclear:
            if self.guard is not None:
                self.tally.not_ours[f"{method} {path}"] += 1
                raise NotSent("unclear", str(unclear)) from None
            return None  # the run's own emulator: whatever the path, it must answer well

    def _forward(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes,
        *,
        cleanup: bool,
        needed: int = 1,
    ) -> httpx.Response:
        try:
            parsed = httpx.URL(self.upstream_url + target)
        except httpx.InvalidURL as error:
            raise NotSent(
                "unsendable", f"an HTTP client cannot send this request: {error}"
            ) from None
        judged = (self._upstream_path + split_target(target)[0]).encode("latin-1", "replace")
        if self.guard is not None and parsed.raw_path.partition(b"?")[0] != judged:
            raise NotSent(
                "unclear", f"an HTTP client would send {parsed.raw_path!r} for {target!r}"
            )
        outgoing = [
            (k.encode("latin-1", "replace"), v.encode("latin-1", "replace")) for k, v in headers
        ]
        extensions: dict[str, Any] = {
            "toggl_cleanup": cleanup,
            "toggl_needed": needed,
            DEADLINE_EXTENSION: self._call_deadline(cleanup),
        }
        with self._busy():
            try:
                response = (self._cleanup if cleanup else self._run).request(
                    method, parsed, headers=outgoing, content=body or None, extensions=extensions
                )
            except (httpx.LocalProtocolError, httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
                raise NotSent(
                    "unsendable", f"an HTTP client cannot send this request: {error}"
                ) from None
            except TogglError as error:
                cause = error.__cause__
                if isinstance(cause, httpx.LocalProtocolError):
                    raise NotSent(
                        "unsendable", f"an HTTP client cannot send this request: {cause}"
                    ) from None
                if isinstance(error, QuotaExceededError) and error.response is None:
                    # Another run or process of this token spent the shared quota: not sent.
                    raise NotSent(
                        "budget",
                        f"the shared hourly quota is used up ({error}); it frees "
                        f"requests again in {error.resets_in} s",
                    ) from None
                end = self.cleanup_deadline if cleanup else self.deadline
                if (
                    isinstance(error, APITimeoutError)
                    and end is not None
                    and time.monotonic() >= end
                ):
                    # Cut by the run's own end, not by the server: nothing to hold against it.
                    raise NotSent(
                        "deadline", "the run reached its longest allowed duration"
                    ) from None
                raise
        return httpx.Response(
            response.status_code,
            headers=[
                (k, self.scrubber.text(v)) for k, v in response.headers.multi_items()
                if k.lower() not in _HOP_BY_HOP
            ],
            content=self.scrubber.data(response.content),
            request=response.request,
        )  # fmt: skip

    def _call_deadline(self, cleanup: bool) -> float:
        """Seconds this call may take: the timeout, cut to the run's (or cleanup's) end."""
        end = self.cleanup_deadline if cleanup else self.deadline
        if end is None:
            return self.timeout
        left = end - time.monotonic()
        if left <= 0:
            raise NotSent("deadline", "the run reached its longest allowed duration")
        return min(self.timeout, left)

    # --- reads the gateway makes itself ---------------------------------------------------------

    def read(
        self, operation: Operation, params: Mapping[str, object], *, cleanup: bool, query: str = ""
    ) -> httpx.Response:
        """One read with the run's credentials (budgeted, recorded)."""
        target = operation.path(**params) + (f"?{query}" if query else "")
        headers = [("Authorization", self._authorization)]
        response = self._forward(operation.method, target, headers, b"", cleanup=cleanup)
        self._record(operation.method, target, b"", response, "credentials")
        return response

    def list_all(self, resource: str, *, cleanup: bool) -> tuple[list[dict[str, Any]], int]:
        """Every item of a resource in the pinned workspace (every status), and the pages read."""
        assert self.guard is not None
        operation = self.api.find(resource, "list")
        if operation is None:
            raise Fault(f"the spec has no list operation of {resource}")
        every = "&".join(
            f"{f.parameter}={value}" for f in operation.filters
            for value, meaning in f.values.items() if meaning == "any"
        )  # fmt: skip
        pages = Pages(operation.max_per_page)
        while True:
            query = every
            if operation.paged:
                query += f"&page={pages.page}&per_page={pages.per_page}"
            response = self.read(
                operation,
                {"workspace_id": self.guard.workspace_id},
                cleanup=cleanup,
                query=query.lstrip("&"),
            )
            if response.status_code != 200:
                raise NotSent(
                    "not-ours",
                    f"the workspace could not be read ({operation.label} answered {response.status_code})",
                )
            if not pages.take(_json(response)):
                return pages.items, pages.page - 1

    def _snapshot(self, create: Operation) -> None:
        """Before the first create of a resource: every id of it in the workspace."""
        resource = create.resource or ""
        with self._snapshot_lock:
            if resource in self._before:
                return
            items, pages = self.list_all(resource, cleanup=False)
            self._before[resource] = {i["id"] for i in items if isinstance(i.get("id"), int)}
            self.snapshot_pages += pages  # cleanup's look for what the run created reads as many

    def created_resources(self) -> list[str]:
        """The resources the run sent creates of (a snapshot was taken of each)."""
        return list(self._before)

    def existed_before(self, resource: str, resource_id: int) -> bool:
        return resource_id in self._before.get(resource, set())

    def _prove_again(self, operation: Operation, ids: Iterable[int], *, cleanup: bool) -> None:
        """A fresh read of each id before a write: it must show the run's proof, or be gone.

        An id that now holds something without the proof is disowned (never written to again)
        and reported; one that cannot be read now is simply not written to.
        """
        assert self.guard is not None
        ids = list(ids)
        resource = operation.resource or ""
        proven = self._proven_together(resource, ids, cleanup=cleanup) if len(ids) > 1 else set()
        for resource_id in ids:
            if resource_id in proven:
                continue
            entry = self.ledger.created.get(resource_id, {})
            state, shown = self.proof_state(
                entry.get("resource") or resource, resource_id, cleanup=cleanup
            )
            if state in ("ours", "gone"):
                continue  # gone: nothing holds the id, the write can only be refused
            if state == "other":
                why = f"{resource} {resource_id}, created by this run, now reads as {shown}"
                self._found(f"{why}: it does not carry the run's proof, so it is left alone")
                self.ledger.record_disowned(resource_id, why)
                raise NotSent(
                    "not-ours", f"{resource} {resource_id} no longer carries the run's proof"
                )
            raise NotSent(
                "not-ours",
                f"{resource} {resource_id} could not be read to prove it the run's ({shown})",
            )

    def _proven_together(self, resource: str, ids: list[int], *, cleanup: bool) -> set[int]:
        """The ids one read of several (the resource's get-many) shows with the run's proof; the
        others are read one by one (an id a list leaves out is not proven gone)."""
        assert self.guard is not None
        operation = self.api.find(resource, "get-many")
        if operation is None:
            return set()
        target = operation.path(**{operation.parameters[0]: self.guard.workspace_id})
        headers = [("Authorization", self._authorization), ("Content-Type", "application/json")]
        body = json.dumps(ids).encode()
        response = self._forward(operation.method, target, headers, body, cleanup=cleanup)
        self._record(operation.method, target, body, response, "credentials")
        items = _json(response)
        field = self.api.proof_field(resource)
        if response.status_code != 200 or not isinstance(items, list) or field is None:
            return set()
        return {
            item["id"] for item in items
            if isinstance(item, dict) and item.get("id") in ids
            and carries(item, self.ledger.markers.get(item["id"], self.guard.marker), field)
        }  # fmt: skip

    def proof_state(self, resource: str, resource_id: int, *, cleanup: bool) -> tuple[str, str]:
        """What a fresh read of one of the run's ids shows, and the answer in short: "ours" (the
        proof), "gone" (404 or 410), "other" (something without the proof), or "unknown"."""
        assert self.guard is not None
        operation = self.api.find(resource, "get")
        if operation is None:
            raise Fault(f"the spec has no get operation of {resource}")
        params = {
            operation.parameters[0]: self.guard.workspace_id,
            operation.parameters[-1]: resource_id,
        }
        response = self.read(operation, params, cleanup=cleanup)
        shown = f"{response.status_code} {_short(response.content)}"
        if response.status_code in (404, 410):
            self.ledger.record_gone(resource_id)
            return "gone", shown
        item = _json(response)
        if response.status_code != 200 or not isinstance(item, dict):
            return "unknown", shown
        mark = self.ledger.markers.get(resource_id, self.guard.marker)
        field = self.api.proof_field(resource) or ""
        if item.get("id") == resource_id and carries(item, mark, field):
            return "ours", shown
        return "other", shown

    # --- what the gateway learns from answers ---------------------------------------------------

    def _learn(self, match: Match, body: bytes, response: httpx.Response) -> bool:
        """Note what the answer shows; whether it proved a create the run's."""
        operation = match.operation
        status = response.status_code
        if operation.action == "create" and status == 200:
            return self._adopt(operation, body, response)
        if operation.action == "delete" and 200 <= status < 300 and isinstance(match.target, int):
            self.ledger.record_delete_answered(match.target)
        elif operation.action == "delete-many" and 200 <= status < 300:
            for resource_id in _ids(body):
                self.ledger.record_delete_answered(resource_id)
        elif (
            operation.action == "get"
            and status in (404, 410)  # as `proof_state` reads them: gone
            and isinstance(match.target, int)
            and match.target in self.ledger.delete_answered
        ):
            self.ledger.record_gone(match.target)
        return False

    def _adopt(self, operation: Operation, body: bytes, response: httpx.Response) -> bool:
        """A create answered 200: its id is the run's only if the answer and a read prove it."""
        assert self.guard is not None
        resource = operation.resource or ""
        answer = _json(response)
        sent = dict(members(body) or [])
        name = sent.get("name")
        field = operation.body_fields.get("name")
        if isinstance(name, str) and field is not None and field.trimmed:
            name = trimmed(name)
        problems = []
        resource_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(resource_id, int) or isinstance(resource_id, bool):
            problems.append("no id")
        else:
            if self.existed_before(resource, resource_id):
                problems.append(f"{resource} {resource_id} was in the workspace before the run")
            elif resource_id in self.ledger.created:
                problems.append(f"{resource} {resource_id} is one the run created earlier")
            if answer.get("name") != name:
                problems.append(f"the name {answer.get('name')!r}, not the {name!r} sent")
            if not carries(answer, self.guard.marker, operation.proof_field or ""):
                problems.append("no run's proof")
        if not problems:
            assert isinstance(resource_id, int)
            state, shown = self.proof_state(resource, resource_id, cleanup=False)
            if state == "ours":
                self.ledger.record_created(resource, answer)
                return True
            problems.append(f"a read right after answered {shown}")
        self._found(
            f"{operation.label}: a create answered {_short(response.content)}: {'; '.join(problems)}; "
            "not taken for the run's (cleanup looks for what the run created by its proof)"
        )
        return False

    # --- bookkeeping ------------------------------------------------------------------------------

    def _record(
        self, method: str, target: str, body: bytes, response: httpx.Response, auth: str
    ) -> None:
        if self.recorder is None:
            return
        path, _, query = target.partition("?")
        exchange = Exchange.of(response, "")
        self.last = Exchange(
            method=method, path=path, query=exchange.query, request_body=body,
            status=exchange.status, headers=exchange.headers, body=exchange.body, auth=auth,
        )  # fmt: skip
        self.recorder(self.last)
        self.recorded += 1

    def _found(self, evidence: str) -> None:
        """Drift an ownership check found, with the exchange that showed it."""
        self.evidence.append(evidence)
        self.evidence_at.append((self.recorded, self.last))

    def fault(self) -> str:
        """Note the exception being handled as a fault of the kit; its one-line summary."""
        self.faults.append(self.scrubber.text(traceback.format_exc()))
        return self.faults[-1].strip().splitlines()[-1]

    class _Busy:
        def __init__(self, gateway: Gateway) -> None:
            self.gateway = gateway

        def __enter__(self) -> None:
            with self.gateway._idle:
                self.gateway._inflight += 1

        def __exit__(self, *exc: object) -> None:
            with self.gateway._idle:
                self.gateway._inflight -= 1
                self.gateway._idle.notify_all()

    def _busy(self) -> Gateway._Busy:
        return Gateway._Busy(self)

    def interrupt(self) -> None:
        """From now on only cleanup goes out."""
        self.stopping = True

    def drain(self, seconds: float) -> bool:
        """Wait up to `seconds` for requests in flight; whether none is left."""
        end = time.monotonic() + seconds
        with self._idle:
            while self._inflight:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def close(self) -> None:
        self._run.close()
        self._cleanup.close()
        self._upstream.close()
        if self._store is not None:
            release_store(self._store)
            self._store = None


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _ids(body: bytes) -> list[int]:
    try:
        value = json.loads(body)
    except ValueError:
        return []
    if isinstance(value, dict):
        value = next((v for v in value.values() if isinstance(v, list)), [])
    return (
        [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
        if isinstance(value, list)
        else []
    )


def _short(content: bytes) -> str:
    text = content[:160].decode("utf-8", errors="replace")
    return repr(text + ("..." if len(content) > 160 else ""))
