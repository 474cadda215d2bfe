"""Deleting what runs created: at the end of a run, and later for runs that could not.

At the end of a run (`clean_up`), the run first looks for anything it created that it could not
prove at the time (a create whose answer was wrong, or never came): every resource of the
workspace that was not there before the run and carries the run's proof. Then each resource the
run owns is deleted by id, newest first (a project before its client), through the gateway like
any other write: a fresh read must show the proof (a resource that now reads as something else
is left alone and reported), the delete goes out, and only a read that shows it gone counts it as
deleted. Whatever is not seen gone is a leftover. Names play no part.

`make contract-cleanup` (`clean_abandoned`) deletes only resources it can prove an earlier run of
this token created and abandoned, the same way:

- those in the ledger of a run with this token (its start carries the run's proof) that ended
  with leftovers or never ended and is past its deadline, when a fresh read shows that run's proof;
- those named `toggl-contract-<run id>-...` whose proof field (a client's notes, a project's name)
  carries that run's proof (an HMAC of the run id keyed with this API token, so another user's
  runs never match) and whose run started longer ago than the longest allowed run.

It prints what it deleted and what it left, and why.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from toggl_track_client.errors import TogglError

from .gateway import Gateway, NotSent
from .ledger import LedgerFile
from .ownership import MAX_RUN_SECONDS, NAME_PREFIX, carries, marker, proof, run_started

FAILURES = (NotSent, TogglError, httpx.HTTPError)


@dataclass
class Outcome:
    deleted: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # not ours to delete, with the reason
    failed: list[str] = field(default_factory=list)  # ours, but not seen deleted: with the reason


def sweep(gateway: Gateway, outcome: Outcome) -> None:
    """Adopt what the run created but could not prove then: new, and carrying the run's proof."""
    assert gateway.guard is not None
    for resource in gateway.created_resources():
        try:
            items, _ = gateway.list_all(resource, cleanup=True)
        except FAILURES as error:
            outcome.failed.append(
                f"the workspace's {resource} could not be read for what the run created ({error})"
            )
            continue
        for item in items:
            resource_id = item.get("id")
            if (
                isinstance(resource_id, int)
                and not gateway.existed_before(resource, resource_id)
                and resource_id not in gateway.ledger.created
                and carries(item, gateway.guard.marker, gateway.api.proof_field(resource) or "")
            ):
                gateway.ledger.record_created(resource, item)


def delete_owned(
    gateway: Gateway, placeholder: str, outcome: Outcome, labels: dict[int, str] | None = None
) -> None:
    """Delete every resource the run owns, newest first, each after a fresh proof, each confirmed."""
    assert gateway.guard is not None
    headers = [("Authorization", placeholder)]
    owned = gateway.ledger.owned
    for resource_id in reversed(list(gateway.ledger.created)):
        if resource_id not in owned:
            continue
        entry = gateway.ledger.created[resource_id]
        resource = str(entry.get("resource") or "")
        label = (labels or {}).get(resource_id) or f"{resource} {resource_id}"
        delete = gateway.api.find(resource, "delete")
        read = gateway.api.find(resource, "get")
        if delete is None or read is None:
            outcome.failed.append(f"{label}: the spec has no delete or get operation for it")
            continue
        params = {
            delete.parameters[0]: gateway.guard.workspace_id,
            delete.parameters[-1]: resource_id,
        }
        evidence = len(gateway.evidence)
        try:
            answer = gateway.send("DELETE", delete.path(**params), headers=headers, cleanup=True)
            if resource_id not in gateway.ledger.gone:
                gateway.send("GET", read.path(**params), headers=headers, cleanup=True)
        except NotSent as refused:
            if len(gateway.evidence) > evidence:  # the fresh read showed something else
                outcome.left.append(f"{label}: {gateway.evidence[-1]}")
            else:
                outcome.failed.append(f"{label}: not deleted ({refused.reason})")
            continue
        except (TogglError, httpx.HTTPError) as error:
            outcome.failed.append(f"{label}: not deleted ({error})")
            continue
        if resource_id in gateway.ledger.gone:
            outcome.deleted.append(label)
        else:
            outcome.failed.append(
                f"{label}: still there after a delete answered {answer.status_code}"
            )


def clean_up(gateway: Gateway, placeholder: str, drain_seconds: float) -> Outcome:
    """The end of a run: wait for what is in flight, find what the run created, delete it."""
    outcome = Outcome()
    if not gateway.drain(drain_seconds):
        outcome.failed.append(
            "a request was still in flight when cleanup began: what it did is unknown"
        )
    if gateway.creates_sent:
        sweep(gateway, outcome)
    delete_owned(gateway, placeholder, outcome)
    return outcome


def abandoned_ledgers(folder: Path, workspace_id: int, token: str) -> list[LedgerFile]:
    """Ledgers of this token's runs in this workspace that ended with leftovers or never ended."""
    found = []
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        ledger = LedgerFile.read(path)
        mine = hmac.compare_digest(str(ledger.start.get("proof", "")), proof(token, ledger.run_id))
        if (
            mine
            and ledger.start.get("workspace_id") == workspace_id
            and ledger.leftovers
            and ledger.abandoned()
        ):
            found.append(ledger)
    return found


def clean_abandoned(
    gateway: Gateway, placeholder: str, token: str, workspace_id: int, ledgers: Path
) -> Outcome:
    """`make contract-cleanup`: what ledgers and proofs show to be abandoned, and nothing else."""
    outcome = Outcome()
    Key = tuple[str, int]  # (resource, id): ids are unique per resource only
    marks: dict[Key, str] = {}  # the proof each must still carry
    labels: dict[Key, str] = {}
    found = abandoned_ledgers(ledgers, workspace_id, token)
    for ledger in found:
        for resource_id, entry in ledger.leftovers.items():
            key = (str(entry.get("resource") or "clients"), resource_id)
            marks[key] = marker(token, ledger.run_id)
            labels[key] = f"{key[0][:-1]} {resource_id} {entry.get('name')!r}"
    listed: dict[Key, dict[str, Any]] = {}
    for resource in gateway.api.resources():
        try:
            items, _ = gateway.list_all(resource, cleanup=True)
        except FAILURES as error:
            outcome.failed.append(
                f"the workspace's {resource} could not be listed ({error}): nothing checked"
            )
            return outcome
        listed |= {(resource, i["id"]): i for i in items if isinstance(i.get("id"), int)}
    for key, item in listed.items():
        name = str(item.get("name", ""))
        field = gateway.api.proof_field(key[0]) or ""
        if key in marks or not name.startswith(NAME_PREFIX):
            continue
        label = f"{key[0][:-1]} {key[1]} {name!r}"
        run_id = name[len(NAME_PREFIX) :].split(" ", 1)[0].rsplit("-", 1)[0]
        started = run_started(run_id)
        if started is None:
            outcome.left.append(f"{label}: our prefix, but no well-formed run id")
        elif not carries(item, marker(token, run_id), field):
            outcome.left.append(
                f"{label}: no proof in its {field} that a run with this token made it"
            )
        elif time.time() - started < MAX_RUN_SECONDS + 300:
            outcome.left.append(
                f"{label}: its run may still be going (started {int(time.time() - started)} s ago)"
            )
        else:
            marks[key] = marker(token, run_id)
            labels[key] = label
    # Adopted in creation order (a client before its projects), so deleted projects first.
    order = gateway.api.in_creation_order()
    for key in sorted(marks, key=lambda k: (order.index(k[0]) if k[0] in order else 0, k[1])):
        current, mark = listed.get(key), marks[key]
        if current is None:
            outcome.left.append(f"{labels[key]}: already gone")
        elif not carries(current, mark, gateway.api.proof_field(key[0]) or ""):
            outcome.left.append(
                f"{labels[key]}: now named {current.get('name')!r} and without its run's proof: left alone"
            )
        else:
            gateway.ledger.record_created(key[0], current, marker=mark)
    delete_owned(gateway, placeholder, outcome, {k[1]: label for k, label in labels.items()})
    for ledger in found:
        ledger.append_deleted(sorted(gateway.ledger.gone & ledger.leftovers.keys()))
    return outcome


__all__ = ["Outcome", "clean_abandoned", "clean_up", "delete_owned", "marker", "proof"]
