"""What a run created, written down the moment each create answers, durable across a kill.

One JSON-lines file per run (`reports/contract-ledgers/<run id>.jsonl`):

    {"event": "start", "run_id": ..., "workspace_id": ..., "base_url": ..., "started": <unix>, "deadline": <unix>}
    {"event": "created", "id": 61300001, "name": "...", "wid": 1001, "creator_id": 9876543}
    {"event": "deleted", "id": 61300001}
    {"event": "end", "leftovers": []}

The guard allows changes only to `owned` (created, not yet deleted); cleanup deletes by these ids;
`make contract-cleanup` reads the files of runs that ended with leftovers or never ended.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class Ledger:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.owned: set[int] = set()
        self.created: dict[int, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def start(self, **fields: Any) -> None:
        self._write({"event": "start", **fields})

    def record_created(self, client: dict[str, Any]) -> None:
        with self._lock:
            client_id = int(client["id"])
            self.owned.add(client_id)
            self.created[client_id] = client
        self._write(
            {"event": "created", "id": client_id, "name": client.get("name"), "wid": client.get("wid"),
             "creator_id": client.get("creator_id")}
        )  # fmt: skip

    def record_deleted(self, client_id: int) -> None:
        """The server said it deleted it; cleanup still checks that it is gone."""
        with self._lock:
            if client_id not in self.owned:
                return
            self.owned.discard(client_id)
        self._write({"event": "deleted", "id": client_id})

    def end(self) -> None:
        self._write({"event": "end", "leftovers": sorted(self.owned)})

    def _write(self, event: dict[str, Any]) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(event) + "\n")
            handle.flush()
            os.fsync(handle.fileno())


@dataclass
class LedgerFile:
    """A ledger read back: what a run said it created, deleted, and whether it ended."""

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
        with self.path.open("a", encoding="utf-8") as handle:
            for client_id in ids:
                handle.write(
                    json.dumps({"event": "deleted", "id": client_id, "by": "contract-cleanup"})
                    + "\n"
                )
                self.deleted.add(client_id)

    @classmethod
    def read(cls, path: Path) -> LedgerFile:
        ledger = cls(path)
        for line in path.read_text(encoding="utf-8").split("\n"):
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a line cut by a kill
            kind = event.get("event")
            if kind == "start":
                ledger.start = event
            elif kind == "created":
                ledger.created[int(event["id"])] = event
            elif kind == "deleted":
                ledger.deleted.add(int(event["id"]))
            elif kind == "end":
                ledger.ended = True
        return ledger
