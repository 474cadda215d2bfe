# Copied from sdk/runtime/quota.py by `make generate`. Do not edit here.
"""Toggl's hourly quota as the responses report it, per scope.

Toggl counts requests per user and organization, and `/me` calls apart (30 an hour on every
plan). `Quota` keeps what the last response of each scope said; one scope never overwrites the
other.

    toggl.quota.workspace           # the last reading of a workspace call: .remaining, .resets_in
    toggl.quota.me                  # the last reading of a /me call
    toggl.quota.for_workspace(1001) # the last reading of calls to that workspace
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

import httpx

_WORKSPACE = re.compile(r"/workspaces/(\d+)(?:/|$)")
_ME = re.compile(r"/me(?:/|$)")


@dataclass(frozen=True)
class QuotaReading:
    remaining: int
    """Requests left in the sliding hour."""
    resets_in: int | None
    """Seconds until the window frees a request again."""
    observed_at: float
    """`time.monotonic()` when the response arrived."""


class Quota:
    """The latest quota reading per scope (None until a response of that scope carries one)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._me: QuotaReading | None = None
        self._workspace: QuotaReading | None = None
        self._by_workspace: dict[int, QuotaReading] = {}

    @property
    def me(self) -> QuotaReading | None:
        return self._me

    @property
    def workspace(self) -> QuotaReading | None:
        return self._workspace

    def for_workspace(self, workspace_id: int) -> QuotaReading | None:
        return self._by_workspace.get(workspace_id)

    def record(self, request: httpx.Request, response: httpx.Response) -> None:
        remaining = response.headers.get("X-Toggl-Quota-Remaining", "")
        if not remaining.isdigit():
            return
        resets_in = response.headers.get("X-Toggl-Quota-Resets-In", "")
        reading = QuotaReading(
            int(remaining), int(resets_in) if resets_in.isdigit() else None, time.monotonic()
        )
        path = request.url.path
        with self._lock:
            workspace = _WORKSPACE.search(path)
            if workspace:
                self._workspace = reading
                self._by_workspace[int(workspace.group(1))] = reading
            elif _ME.search(path):
                self._me = reading

    def __repr__(self) -> str:
        return f"Quota(workspace={self._workspace!r}, me={self._me!r})"
