"""How the run's own code (the walk, the rules' follow-up reads) talks to the gateway: a request
named by its operation in the one map, with the run's placeholder credentials, or none."""

from __future__ import annotations

from typing import Any

import httpx

from .apimap import Operation
from .exchange import Exchange
from .gateway import GUARD_HEADER, KitFault
from .rules import Unverified


class RunClient:
    def __init__(self, http: httpx.Client, workspace_id: int, marker: str) -> None:
        self.http = http  # bound to the relay, with the run's credential and placeholder auth
        self.workspace_id = workspace_id
        self.marker = marker  # what the run's creates carry in their proof field
        self.api_path = http.base_url.path.rstrip("/")

    @property
    def proof_fields(self) -> dict[str, Any]:
        """What a client create of the run sends besides its own fields (`carrying_proof` makes
        any resource's create carry the proof)."""
        return {"notes": self.marker}

    def carrying_proof(self, operation: Operation, body: dict[str, Any]) -> dict[str, Any]:
        """A create's body with the run's proof in the resource's proof field (appended to what
        the field holds; a field that carries it already is left as it is)."""
        field = operation.proof_field
        value = body.get(field) if field else None
        if field is None or (isinstance(value, str) and self.marker in value):
            return body
        return {**body, field: f"{value} {self.marker}" if value else self.marker}

    def request(
        self,
        operation: Operation,
        params: dict[str, object],
        *,
        query: dict[str, Any] | None = None,
        json: Any = None,
        anonymous: bool = False,
    ) -> httpx.Response:
        """`operation` with these path parameters (the pinned workspace unless given)."""
        path = operation.path(**{"workspace_id": self.workspace_id, **params})
        extra: dict[str, Any] = {"auth": None} if anonymous else {}
        if json is not None:
            extra["json"] = json
        response = self.http.request(operation.method, path, params=query or {}, **extra)
        if response.headers.get(GUARD_HEADER) == "fault":
            raise KitFault(response.json())
        return response

    def send(
        self,
        operation: Operation,
        params: dict[str, object],
        *,
        query: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Exchange:
        """A follow-up read (or a create) for a rule: what it needs, or `Unverified`."""
        response = self.request(operation, params, query=query, json=json)
        refused = response.headers.get(GUARD_HEADER)
        if refused:
            raise Unverified(f"{operation.label} was not sent ({refused}): {response.json()}")
        return Exchange.of(response, self.api_path)
