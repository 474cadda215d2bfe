"""Deleting what runs created: at the end of a run, and later for runs that could not.

At the end of a run, every client the ledger still owns is deleted by id through the gateway (its
reserve of the budget, retries on 5xx and lost answers) and the deletion confirmed by a read; a
second Ctrl-C or SIGTERM during it is noted, not obeyed. Names play no part: a fuzzed name of any
shape is deleted like any other.

`make contract-cleanup` deletes only clients it can prove an earlier run of this project created
and abandoned:

- those in the ledger of a run with this token (its start carries the run's proof) that ended
  with leftovers or never ended and is past its deadline, when the client still has the name the
  ledger recorded;
- those named `toggl-contract-<run id>-...` whose notes carry that run's proof (an HMAC of the run
  id keyed with this API token, so another user's runs never match) and whose run started longer
  ago than the longest allowed run.

It prints what it deleted and what it left, and why.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .gateway import Gateway, NotSent
from .ledger import Ledger, LedgerFile

NAME_PREFIX = "toggl-contract-"
RUN_ID = re.compile(r"^(\d{14})-([0-9a-f]{6})$")
MAX_RUN_SECONDS = 3600
"""A run stops itself after this long; an older run id is not running any more."""


def proof(token: str, run_id: str) -> str:
    """What a run writes into its clients' notes: only a holder of the same token can write it."""
    return hmac.new(token.encode(), run_id.encode(), hashlib.sha256).hexdigest()[:20]


def marker(token: str, run_id: str) -> str:
    return f"toggl-contract run {run_id} proof {proof(token, run_id)}"


def new_run_id() -> str:
    """`<UTC time>-<6 hex digits>`: sortable, and its start time readable by a later cleanup."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)


def run_started(run_id: str) -> float | None:
    match = RUN_ID.match(run_id)
    if match is None:
        return None
    return float(calendar.timegm(time.strptime(match.group(1), "%Y%m%d%H%M%S")))


@dataclass
class Outcome:
    deleted: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # not ours to delete, with the reason
    failed: list[str] = field(default_factory=list)  # ours, but not deleted: with the reason


def delete_owned(
    gateway: Gateway,
    placeholder: str,
    workspace_id: int,
    outcome: Outcome,
    names: dict[int, str] | None = None,
) -> None:
    """Delete every client the run created that the server still has, by id, and confirm each.

    What the server still has is read first (one by-ids read): a delete the server answered 200
    but did not do is caught here, whatever the ledger was told.
    """
    headers = {"Authorization": placeholder}
    ledger = gateway.ledger
    created = sorted(ledger.created)
    if created:
        try:
            still = gateway.send(
                "POST", f"/workspaces/{workspace_id}/clients/data", headers={**headers, "Content-Type": "application/json"},
                body=json.dumps(created).encode(), cleanup=True,
            )  # fmt: skip
            if still.status_code == 200:
                present = {
                    item["id"] for item in still.json() if isinstance(item, dict) and "id" in item
                }
                ledger.owned |= present & set(created)
        except (NotSent, httpx.HTTPError, ValueError):
            pass  # the ledger's own view has to do
    for client_id in sorted(ledger.owned):
        label = (
            f"{client_id} {names[client_id]!r}" if names and client_id in names else str(client_id)
        )
        path = f"/workspaces/{workspace_id}/clients/{client_id}"
        try:
            gateway.send("DELETE", path, headers=headers, cleanup=True)
            confirm = gateway.send("GET", path, headers=headers, cleanup=True)
        except (NotSent, httpx.HTTPError) as error:
            outcome.failed.append(f"{label}: not deleted ({error})")
            continue
        if confirm.status_code == 404:
            ledger.record_deleted(client_id)
            outcome.deleted.append(label)
        else:
            outcome.failed.append(f"{label}: still reads as {confirm.status_code} after its delete")


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
    headers = {"Authorization": placeholder}
    candidates: dict[int, str] = {}  # id -> the name it must still have
    found = abandoned_ledgers(ledgers, workspace_id, token)
    for ledger in found:
        for client_id, entry in ledger.leftovers.items():
            candidates[client_id] = str(entry.get("name"))
    try:
        listed = _listed(gateway, headers, workspace_id)
    except (NotSent, httpx.HTTPError, ValueError) as error:
        outcome.failed.append(f"the workspace could not be listed ({error}): nothing checked")
        return outcome
    for client in listed:
        name, notes = str(client.get("name", "")), str(client.get("notes", ""))
        if client["id"] in candidates or not name.startswith(NAME_PREFIX):
            continue
        run_id = name[len(NAME_PREFIX) :].rsplit("-", 1)[0]
        started = run_started(run_id)
        if started is None:
            outcome.left.append(f"{client['id']} {name!r}: our prefix, but no well-formed run id")
        elif not hmac.compare_digest(notes, marker(token, run_id)):
            outcome.left.append(
                f"{client['id']} {name!r}: no proof in its notes that a run with this token made it"
            )
        elif time.time() - started < MAX_RUN_SECONDS + 300:
            outcome.left.append(
                f"{client['id']} {name!r}: its run may still be going (started {int(time.time() - started)} s ago)"
            )
        else:
            candidates[int(str(client["id"]))] = name
    by_id = {c["id"]: c for c in listed}
    for client_id, name in sorted(candidates.items()):
        current = by_id.get(client_id)
        if current is None:
            outcome.left.append(f"{client_id} {name!r}: already gone")
            continue
        if current.get("name") != name:
            outcome.left.append(
                f"{client_id}: now named {current.get('name')!r}, not {name!r}: left alone"
            )
            continue
        gateway.ledger.owned.add(client_id)  # proven: the guard may now let its delete through
    delete_owned(gateway, placeholder, workspace_id, outcome, candidates)
    gone = candidates.keys() - gateway.ledger.owned
    for ledger in found:
        ledger.append_deleted(sorted(gone & ledger.leftovers.keys()))
    return outcome


def _listed(
    gateway: Gateway, headers: dict[str, str], workspace_id: int
) -> list[dict[str, object]]:
    """Every client of the workspace, active and archived, all pages."""
    clients: list[dict[str, object]] = []
    seen: set[object] = set()
    page = 1
    while True:
        response = gateway.send(
            "GET",
            f"/workspaces/{workspace_id}/clients?status=both&page={page}&per_page=200",
            headers=headers,
            cleanup=True,
        )
        if response.status_code != 200:
            raise ValueError(f"{response.status_code} {response.text[:200]}")
        items = response.json()
        if not isinstance(items, list):
            raise ValueError(f"a list was expected, not {response.text[:200]}")
        new = [item for item in items if isinstance(item, dict) and item.get("id") not in seen]
        seen.update(item.get("id") for item in new)
        clients += new
        total = next((item.get("total_count") for item in items if isinstance(item, dict)), None)
        if not new or (isinstance(total, int) and len(seen) >= total) or len(items) < 200:
            return clients
        page += 1


__all__ = ["Ledger", "Outcome", "clean_abandoned", "delete_owned", "marker", "proof"]
