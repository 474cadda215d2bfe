"""The harness of the rules' verdict tests (this package): each rule of `rules.py` judged
on a real server, the in-process emulator (faithful to Toggl), and on the same request with one
thing of its answer changed, as a drifting server would answer it.

No socket and no gateway: the rules read the emulator again through `Server.send` (a `Reader`), so
that each verdict takes milliseconds (the contract runs test the same rules end to end, over HTTP,
in seconds). `make mutation` runs these files first for `rules.py`."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from toggl_contract.apimap import ApiMap, Operation
from toggl_contract.exchange import Exchange
from toggl_contract.rules import RuleViolation, Semantics

from tests.support import PREMIUM, ROOT, SEED, api_client

API = ApiMap.load(ROOT / "openapi.yaml")
CLIENTS = f"/workspaces/{PREMIUM}/clients"
PROJECTS = f"/workspaces/{PREMIUM}/projects"
RETAINER = SEED.projects["retainer"].id  # Acme's other project
Drift = Callable[[Exchange], Exchange]


def answering(body: Any = None, status: int | None = None) -> Drift:
    """A drift: the answer replaced (its JSON body, its status or both)."""

    def drift(exchange: Exchange) -> Exchange:
        raw = exchange.body if body is None else json.dumps(body).encode()
        return replace(exchange, body=raw, status=exchange.status if status is None else status)

    return drift


def changing(change: Callable[[Any], Any]) -> Drift:
    """A drift: the answer's JSON as `change` returns it (given a copy)."""

    def drift(exchange: Exchange) -> Exchange:
        return replace(exchange, body=json.dumps(change(json.loads(exchange.body))).encode())

    return drift


@dataclass
class Verdict:
    reached: set[str]  # the rules checked
    failed: dict[str, list[str]]  # rule id -> the messages of its failed checks
    raised: str | None  # the violation's message

    @property
    def broken(self) -> set[str]:
        return set(self.failed)


@dataclass
class Server:
    """The in-process emulator, judged by the rules, which read it again through `send`."""

    http: Any = field(default_factory=api_client)
    reads: list[Drift] = field(default_factory=list)  # drifts of the follow-up reads, in order
    sent: list[str] = field(default_factory=list)  # the follow-ups, as "METHOD path"
    bodies: list[Any] = field(default_factory=list)  # the follow-ups' JSON bodies

    def __post_init__(self) -> None:
        self.semantics = Semantics(API, PREMIUM, self)

    def send(
        self,
        operation: Operation,
        params: dict[str, object],
        *,
        query: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Exchange:
        path = operation.path(**params)
        self.sent.append(f"{operation.method} {path}")
        self.bodies.append(json)
        exchange = self.exchange(operation.method, path, query=query, json=json)
        return self.reads.pop(0)(exchange) if self.reads else exchange

    def exchange(self, method: str, path: str, **request: Any) -> Exchange:
        response = self.http.request(method, path, params=request.get("query"),
                                     json=request.get("json"))  # fmt: skip
        return Exchange.of(response, "/api/v9")

    def judge(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        json: Any = None,
        drift: Drift | None = None,
        follow_up: bool = True,
    ) -> Verdict:
        """Send a request, judge its answer (changed by `drift`): what the rules made of it."""
        exchange = self.exchange(method, path, query=query, json=json)
        return self.verdict(drift(exchange) if drift else exchange, follow_up=follow_up)

    def verdict(self, exchange: Exchange, *, follow_up: bool = True) -> Verdict:
        """Judge an exchange (one the server was never sent, say): what the rules made of it."""
        coverage = self.semantics.coverage
        checked, failed = (
            Counter(coverage.checked),
            {k: list(v) for k, v in coverage.failed.items()},
        )
        raised = None
        try:
            self.semantics.check(exchange, follow_up=follow_up)
        except RuleViolation as violation:
            raised = str(violation)
        return Verdict(
            {rule for (rule, _), n in coverage.checked.items() if n > checked[(rule, _)]},
            {rule: messages[len(failed.get((rule, r), [])):]
             for (rule, r), messages in coverage.failed.items()
             if len(messages) > len(failed.get((rule, r), []))},
            raised,
        )  # fmt: skip

    def create(self, resource: str = "clients", **fields: Any) -> dict[str, Any]:
        """A resource created and known to the rules (judged: it must pass)."""
        path = CLIENTS if resource == "clients" else PROJECTS
        verdict = self.judge("POST", path, json=fields, follow_up=False)
        assert verdict.raised is None and not verdict.failed, verdict
        created: dict[str, Any] = self.http.get(f"{path}/{self.last_id(path)}").json()
        return created

    def last_id(self, path: str) -> int:
        items: list[dict[str, Any]] = self.http.get(path, params={"status": "both"}).json()
        return max(int(item["id"]) for item in items)


def refused(path: str, sent: Any, text: str, method: str = "POST", status: int = 400) -> Exchange:
    """A write refused with `text`, as a server answered it (never sent to the emulator)."""
    return Exchange(method, path, request_body=json.dumps(sent).encode(), status=status,
                    body=json.dumps(text).encode())  # fmt: skip


def without(item: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in item.items() if key not in keys}


def passes(verdict: Verdict) -> Verdict:
    assert verdict.raised is None and not verdict.failed, verdict
    return verdict


class Marked(Server):
    """A reader that marks what the run creates, as the gateway does."""

    marker = "run-x"

    def carrying_proof(self, operation: Operation, body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "notes": "proof"}


def client_with_projects(
    server: Server, active: int = 2, archived: int = 0
) -> tuple[int, list[int]]:
    client = server.create(name="Zeta")["id"]
    projects = [
        server.create("projects", name=f"Plan {n}", client_id=client, active=n < active)["id"]
        for n in range(active + archived)
    ]
    return client, projects


NOW = int(time.time())


def quota(
    remaining: str, resets_in: str = "3600", status: int = 200, path: str = CLIENTS
) -> Exchange:
    headers = {"x-toggl-quota-remaining": remaining, "x-toggl-quota-resets-in": resets_in}
    return Exchange("GET", path, status=status, headers=headers, body=b"[]")


class CopyingProof(Marked):
    """A proof that leaves the name as it was, in a new string."""

    def carrying_proof(self, operation: Operation, body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "name": body["name"].encode().decode()}


class ShorteningProof(Marked):
    def carrying_proof(self, operation: Operation, body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "name": "A"}


LONG = "x" * 300  # longer than what a message shows of a body
