"""What a run proved it created, and what it saw gone: written down as it happens, durable across
a kill.

One JSON-lines file per run (`reports/contract-ledgers/<run id>.jsonl`):

    {"event": "start", "run_id": ..., "workspace_id": ..., "base_url": ..., "proof": ..., "started": <unix>, "deadline": <unix>}
    {"event": "created", "id": 61300001, "resource": "clients", "name": "...", "wid": 1001}
    {"event": "delete-answered", "id": 61300001}
    {"event": "deleted", "id": 61300001}
    {"event": "disowned", "id": 61300002, "why": "..."}
    {"event": "end", "leftovers": []}

A resource is the run's (`owned`) from its proven create until a read shows it gone
(`deleted`): a delete the server answered 200 is only `delete-answered` until then. An id whose
fresh read no longer shows the run's proof is `disowned`: what it holds now is not the run's. The guard
allows changes only to owned resources; cleanup deletes them by id; `make contract-cleanup` reads
the files of runs that ended with leftovers or never ended.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .scrub import Scrubber


class Ledger:
    def __init__(self, path: Path | None = None, scrubber: Scrubber | None = None) -> None:
        self.path = path
        self.created: dict[int, dict[str, Any]] = {}  # in the order created
        self.gone: set[int] = set()
        self.disowned: set[int] = set()
        self.delete_answered: set[int] = set()
        self.markers: dict[int, str] = {}  # a proof other than the run's (contract-cleanup)
        self._scrub: Callable[[str], str] = scrubber.text if scrubber else (lambda text: text)
        self._lock = threading.Lock()

    @property
    def owned(self) -> set[int]:
        """Created by the run (proven), not yet seen gone, not disowned."""
        with self._lock:
            return set(self.created) - self.gone - self.disowned

    def owns(self, resource_id: int, resource: str | None = None) -> bool:
        """Whether the run proved it created this id (of this resource), and has not disowned it.

        An id seen gone still counts: a write to it, after a fresh read shows nothing there, can
        only be refused by the server (a second delete, say).
        """
        with self._lock:
            entry = self.created.get(resource_id)
            if entry is None or resource_id in self.disowned:
                return False
            return resource is None or entry.get("resource") in (None, resource)

    def start(self, **fields: Any) -> None:
        self._write({"event": "start", **fields})

    def record_created(
        self, resource: str | None, item: dict[str, Any], *, marker: str | None = None
    ) -> None:
        resource_id = int(item["id"])
        entry = {"id": resource_id, "resource": resource, "name": item.get("name"),
                 "wid": item.get("wid") or item.get("workspace_id")}  # fmt: skip
        with self._lock:
            if resource_id in self.created:
                return
            self.created[resource_id] = entry
            if marker is not None:
                self.markers[resource_id] = marker
        self._write({"event": "created", **entry})

    def record_delete_answered(self, resource_id: int) -> None:
        """The server said it deleted it: a read must still show it gone."""
        with self._lock:
            if (
                resource_id not in self.created
                or resource_id in self.gone
                or resource_id in self.delete_answered
            ):
                return
            self.delete_answered.add(resource_id)
        self._write({"event": "delete-answered", "id": resource_id})

    def record_gone(self, resource_id: int) -> None:
        """A read showed it gone: done."""
        with self._lock:
            if resource_id not in self.created or resource_id in self.gone:
                return
            self.gone.add(resource_id)
        self._write({"event": "deleted", "id": resource_id})

    def record_disowned(self, resource_id: int, why: str) -> None:
        """A fresh read no longer shows the proof: the id holds something that is not the run's."""
        with self._lock:
            if resource_id not in self.created or resource_id in self.disowned:
                return
            self.disowned.add(resource_id)
        self._write({"event": "disowned", "id": resource_id, "why": why})

    def end(self) -> None:
        self._write({"event": "end", "leftovers": sorted(self.owned)})

    def _write(self, event: dict[str, Any]) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = self._scrub(json.dumps(event, ensure_ascii=True))
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())


@dataclass
class LedgerFile:
    """A ledger read back: what a run said it created, saw gone, and whether it ended."""

    path: Path
    start: dict[str, Any] = field(default_factory=dict)
    created: dict[int, dict[str, Any]] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    ended: bool = False

    @property
    def run_id(self) -> str:
        return str(self.start.get("run_id", self.path.stem))

    @property
    def leftovers(self) -> dict[int, dict[str, Any]]:
        return {i: c for i, c in self.created.items() if i not in self.deleted}

    def abandoned(self, now: float | None = None) -> bool:
        """Ended with leftovers, or never ended and past its deadline (so not still running)."""
        if self.ended:
            return True
        return (now or time.time()) > float(self.start.get("deadline", 0))

    def append_deleted(self, ids: list[int]) -> None:
        """A later cleanup's deletions, so that the next one does not look for them again."""
        cut = self.path.read_bytes()[-1:] not in (b"", b"\n")  # a kill's half line at the end
        with self.path.open("a", encoding="utf-8") as handle:
            if cut:
                handle.write("\n")  # it ends here, not in the first line of ours
            for resource_id in ids:
                handle.write(
                    json.dumps({"event": "deleted", "id": resource_id, "by": "contract-cleanup"})
                    + "\n"
                )
                self.deleted.add(resource_id)

    @classmethod
    def read(cls, path: Path) -> LedgerFile:
        ledger = cls(path)
        for line in path.read_text(encoding="utf-8").split("\n"):
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a line cut by a kill
            if not isinstance(event, dict):
                continue
            kind = event.get("event")
            if kind == "start":
                ledger.start = event
            elif kind == "created" and isinstance(event.get("id"), int):
                ledger.created[event["id"]] = event
            elif kind == "deleted" and isinstance(event.get("id"), int):
                ledger.deleted.add(event["id"])
            elif kind == "end":
                ledger.ended = True
        return ledger
