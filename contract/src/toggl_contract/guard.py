"""What a run against a server it did not start may send: the one rule, decided in one place.

Only the spec's operations pass (`ApiMap.match`, on a path normalised one way; a path a server
or an HTTP client could read differently is refused before this). Then:

- reads are free, in the pinned workspace and elsewhere (`/me` included, but only the spec's
  operations: `GET /me` itself is none);
- a create in the pinned workspace passes when its body carries the run's proof in the resource's
  proof field (so that what it creates can be proven the run's) and names no other workspace;
- a create or update that refers to another resource (a project's client) may name only what the
  run owns, by id (or `null`): a name cannot be proven to be the run's;
- anything that changes or deletes passes only for resources the run proved it created (the
  ledger's), in the pinned workspace: the id in the path, and every run of digits in the body
  (a bulk body, a restore's project ids); a body that would erase the proof, or name another
  workspace, is refused too. Such a write must then find the proof again on a fresh read
  (`Verdict.prove`), which the gateway does before sending it.

A request that carries no credentials, or credentials other than the run's, cannot act as the
run's user: it passes (it tests the server's 401 and 403), and nothing is learnt from it.
The rule is conservative where a server could be lenient: an id is read as Go reads it (leading
zeros, percent-encoding), and an unclear one is refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .apimap import MANY_ID_ACTIONS, Match, Operation, body_ids
from .ledger import Ledger
from .ownership import keeps_proof

WORKSPACE_FIELDS = ("wid", "workspace_id")


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str  # "read", "create", "ours", or why not: "not ours: client 61250143"
    prove: tuple[int, ...] = field(default=())  # owned ids a fresh read must show still ours
    create: bool = False


def _refused(reason: str) -> Verdict:
    return Verdict(False, f"not ours: {reason}")


def members(body: bytes) -> list[tuple[str, Any]] | None:
    """The top-level members of a JSON object body, every occurrence of a repeated name
    included; None when the body is not a JSON object."""
    try:
        value = json.loads(body, object_pairs_hook=lambda pairs: pairs)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, list) and all(isinstance(p, tuple) for p in value) else None


class Guard:
    def __init__(self, workspace_id: int, ledger: Ledger, marker: str) -> None:
        self.workspace_id = workspace_id
        self.ledger = ledger
        self.marker = marker

    def decide(
        self, method: str, match: Match | None, body: bytes = b"", *, as_user: bool = True
    ) -> Verdict:
        if match is None:
            return _refused(f"{method} is no operation of the spec on this path")
        operation = match.operation
        if operation.reads:
            return Verdict(True, "read")
        if not as_user:
            return Verdict(True, "read")  # no credentials of the run's: it cannot change anything
        workspace = match.read_id("workspace_id") if "workspace_id" in match.params else None
        if workspace != self.workspace_id:
            return _refused(f"workspace {match.params.get('workspace_id', '(none)')}")
        foreign_workspace = self._names_another_workspace(body)
        if foreign_workspace:
            return _refused(foreign_workspace)
        foreign_reference = self._refers_to_another(operation, body)
        if foreign_reference:
            return _refused(foreign_reference)
        if operation.action == "create":
            return self._create(operation, body)
        if operation.action in MANY_ID_ACTIONS:
            return self._owned(body_ids(body), operation.resource, "ids in the body")
        if operation.id_parameter is None:
            return _refused(f"{operation.label} changes something the guard cannot tell")
        target = match.target
        if target is None:
            return Verdict(True, "ours")  # no id at all: the server can only refuse it
        if not isinstance(target, int):
            return _refused(f"{operation.resource} {match.params[operation.id_parameter]!r}")
        erasing = self._erases_proof(operation, body)
        if erasing:
            return _refused(erasing)
        verdict = self._owned({target}, operation.resource, f"{operation.resource} {target}")
        if not verdict.allowed:
            return verdict
        others = body_ids(body) - {target}
        if operation.action != "update" and others:  # a restore's project ids, say
            extra = self._owned(others, None, "ids in the body")
            if not extra.allowed:
                return extra
            return Verdict(True, "ours", tuple(sorted({target} | others)))
        return verdict

    # --- the parts ------------------------------------------------------------------------------

    def _create(self, operation: Operation, body: bytes) -> Verdict:
        fields = members(body)
        proof = operation.proof_field
        if fields is None or proof is None:
            return _refused("a create whose body cannot carry the run's proof")
        proofs = [value for name, value in fields if name == proof]
        if not proofs or not all(keeps_proof(value, self.marker) for value in proofs):
            return _refused(f"a create without the run's proof in `{proof}`")
        return Verdict(True, "create", create=True)

    def _refers_to_another(self, operation: Operation, body: bytes) -> str | None:
        """A field naming another resource (a project's client) may name only the run's."""
        for name, value in members(body) or []:
            field_ = operation.body_fields.get(name)
            if field_ is None or field_.refers_to is None or value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                return f"`{name}` names {field_.refers_to} by something other than an id: {value!r}"
            if not self.ledger.owns(value, field_.refers_to):
                return f"`{name}` names {field_.refers_to[:-1]} {value}, which is not the run's"
        return None

    def _owned(self, ids: Iterable[int], resource: str | None, what: str) -> Verdict:
        ids = set(ids)
        foreign = sorted(i for i in ids if not self.ledger.owns(i, resource))
        if foreign:
            shown = ", ".join(map(str, foreign[:5]))
            return _refused(
                f"{resource or 'resource'} {shown}" if len(ids) == 1 else f"{what}: {shown}"
            )
        return Verdict(True, "ours", tuple(sorted(ids)))

    def _erases_proof(self, operation: Operation, body: bytes) -> str | None:
        fields = members(body)
        proof = operation.proof_field
        if fields is None or proof is None:
            return None  # not an object: no field of it can change
        if any(name == proof and not keeps_proof(v, self.marker) for name, v in fields):
            return f"a write that would erase the run's proof from `{proof}`"
        return None

    def _names_another_workspace(self, body: bytes) -> str | None:
        for name, value in members(body) or []:
            if name in WORKSPACE_FIELDS and not (
                isinstance(value, int)
                and not isinstance(value, bool)
                and value == self.workspace_id
            ):
                return f"a body naming workspace {value!r} in `{name}`"
        return None
