"""What the emulator was asked and what it answered, for tests to assert on.

    emulator.journal.calls("update_client")          # every update, oldest first
    emulator.journal.last("create_client").body      # {"name": "Acme", ...}
    emulator.journal.assert_called("archive_client", times=1)
    emulator.journal.assert_not_called("delete_client")

Each API request is one `Exchange`: the emulator's name of the operation (None for a path it has
no route for), method, path, query, the JSON body as sent (or the raw bytes when it is not JSON)
and the status answered. The journal keeps the newest `JOURNAL_SIZE` exchanges;
`EmulatorOptions(journal=False)` turns it off.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qsl

JOURNAL_SIZE = 1000
BODY_KEPT = 16 * 1024
PATH_KEPT = 1024
"""A path or query longer than this is cut (a hostile client cannot fill the journal)."""


@dataclass(frozen=True, slots=True)
class Exchange:
    operation: str | None
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if isinstance(self.body, bytes):
            data["body"] = self.body.decode("utf-8", errors="replace")
        return data


def decoded(body: bytes | None) -> Any:
    """A request body as a test wants to compare it: JSON, else the bytes (None when empty); one
    over `BODY_KEPT` bytes is not kept (the journal's memory stays bounded)."""
    if not body:
        return None
    if len(body) > BODY_KEPT:
        return f"<{len(body)} bytes, not kept>"
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return body


class Journal:
    def __init__(self, size: int = JOURNAL_SIZE) -> None:
        self._exchanges: deque[Exchange] = deque(maxlen=size)

    def record(self, exchange: Exchange) -> None:
        self._exchanges.append(exchange)

    def add(
        self,
        operation: str | None,
        method: str,
        path: str,
        query_string: bytes,
        body: bytes | None,
        status: int,
    ) -> None:
        """Record one exchange, cutting what is too long to keep."""
        query = parse_qsl(query_string[:PATH_KEPT].decode("latin-1"), keep_blank_values=True)
        self.record(Exchange(operation, method, path[:PATH_KEPT], dict(reversed(query)),
                             decoded(body), status))  # fmt: skip

    def __iter__(self) -> Iterator[Exchange]:
        return iter(list(self._exchanges))

    def __len__(self) -> int:
        return len(self._exchanges)

    def calls(
        self, operation: str | None = None, *, method: str | None = None, path: str | None = None
    ) -> list[Exchange]:
        """The exchanges of an operation (and/or method, path), oldest first."""
        return [
            e for e in self
            if (operation is None or e.operation == operation)
            and (method is None or e.method == method.upper())
            and (path is None or e.path == path)
        ]  # fmt: skip

    def last(self, operation: str | None = None) -> Exchange:
        found = self.calls(operation)
        if not found:
            raise AssertionError(f"no {operation or 'request'} in the journal{self._seen()}")
        return found[-1]

    def assert_called(self, operation: str, *, times: int | None = None) -> list[Exchange]:
        found = self.calls(operation)
        if not found or (times is not None and len(found) != times):
            expected = "at least once" if times is None else f"{times} time(s)"
            raise AssertionError(
                f"{operation} was called {len(found)} time(s), expected {expected}{self._seen()}"
            )
        return found

    def assert_not_called(self, operation: str) -> None:
        found = self.calls(operation)
        if found:
            raise AssertionError(f"{operation} was called {len(found)} time(s){self._seen()}")

    def clear(self) -> None:
        self._exchanges.clear()

    def _seen(self) -> str:
        names = [e.operation or f"{e.method} {e.path}" for e in self]
        return f"; the journal holds: {', '.join(names[-20:]) or 'nothing'}"
