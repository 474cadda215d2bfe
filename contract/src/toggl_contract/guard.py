"""What a run against a server it did not start may send: the one rule, decided in one place.

Reads are free in the pinned workspace (and `/me`); a create is allowed there; anything that
changes or deletes an existing client is allowed only for a client this run created (the
ledger's ids): by path id, and for every id-like token in a bulk body. Everything else is not
sent. The rule is conservative where a server could be lenient: a path segment is read as Go
would (percent-decoding, leading zeros), any run of digits in a bulk body counts as an id, and
a write to a route the guard does not know is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from .ledger import Ledger

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str  # "read", "create", "ours", or why not: "not ours: client 61250143"


def _as_id(digits: str) -> int | None:
    """Digits as an int64 id (leading zeros allowed, as Go reads them); None past int64."""
    significant = digits.lstrip("0") or "0"
    return int(significant) if len(significant) <= 19 else None


def _segment_id(raw: str) -> int | None | str:
    """A path segment as an id: an int, None when it cannot address anything, "?" when unclear."""
    text = unquote(raw)
    if not _DIGITS.search(text):
        return None  # no digit at all: no server reads an id out of it
    if text.isascii() and text.isdigit():
        return _as_id(text)
    return "?"


class Guard:
    def __init__(self, workspace_id: int, ledger: Ledger) -> None:
        self.workspace_id = workspace_id
        self.ledger = ledger

    def decide(self, method: str, path: str, body: bytes = b"") -> Verdict:
        """`path` is relative to the API root: `/workspaces/1001/clients/5`."""
        parts = path.strip("/").split("/")
        method = method.upper()
        if parts[:1] == ["me"]:
            return Verdict(
                method in READ_METHODS, "read" if method in READ_METHODS else "not ours: /me writes"
            )
        if len(parts) < 3 or parts[0] != "workspaces" or parts[2] != "clients":
            if method in READ_METHODS:
                return Verdict(True, "read")
            return Verdict(False, f"not ours: {method} {path} is no route the guard knows")
        workspace = _segment_id(parts[1])
        if workspace is not None and workspace != self.workspace_id:
            return Verdict(False, f"not ours: workspace {unquote(parts[1])}")
        rest = parts[3:]
        if method in READ_METHODS or (method == "POST" and rest == ["data"]):
            return Verdict(True, "read")
        if method == "POST" and not rest:
            return Verdict(True, "create")
        if method == "POST" and rest in (["archive"], ["delete"]):
            return self._bulk(body)
        if (
            len(rest) == 1
            and method in ("PUT", "DELETE")
            or (len(rest) == 2 and method == "POST" and rest[1] in ("archive", "restore"))
        ):
            return self._client(rest[0])
        return Verdict(False, f"not ours: {method} {path} is no route the guard knows")

    def _client(self, raw: str) -> Verdict:
        client = _segment_id(raw)
        if client is None:
            return Verdict(True, "ours")  # no id in it: the server can only refuse it
        if isinstance(client, int) and client in self.ledger.owned:
            return Verdict(True, "ours")
        return Verdict(False, f"not ours: client {unquote(raw)}")

    def _bulk(self, body: bytes) -> Verdict:
        tokens = _DIGITS.findall(body.decode("utf-8", errors="replace"))
        ids = {_as_id(token) for token in tokens}
        foreign = sorted(i for i in ids if i and i not in self.ledger.owned)
        if foreign:
            return Verdict(False, f"not ours: clients {', '.join(map(str, foreign[:5]))}")
        return Verdict(True, "ours")
