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

import math
import re
import threading
import time
from dataclasses import dataclass

import httpx

from .exceptions import QuotaExceededError
from .shared_limits import LimitsStore, StoredReading

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
    """The latest quota reading per scope (None until a response of that scope carries one).

    With a shared store (`limits=`), readings are also written there, per token and scope, and a
    request first takes one off the stored reading: none left raises `QuotaExceededError` without
    sending (see `shared_limits`)."""

    def __init__(self, store: LimitsStore | None = None, token_key: str = "") -> None:
        self.store = store
        self._token_key = token_key
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

    def scope(self, path: str) -> str | None:
        """The store's key of a request's quota: per token, a workspace or `/me`."""
        workspace = _WORKSPACE.search(path)
        if workspace:
            return f"{self._token_key}:ws:{int(workspace.group(1))}"
        return f"{self._token_key}:me" if _ME.search(path) else None

    def before_send(self, request: httpx.Request) -> None:
        """With a shared store: take one request off the stored reading, or raise
        `QuotaExceededError` when another process has seen none left."""
        scope = self.scope(request.url.path) if self.store is not None else None
        if scope is None or self.store is None:
            return
        now = time.time()
        reading = self.store.take(scope, now)
        if reading is not None and reading.remaining <= 0:
            resets_in = max(0, math.ceil(reading.resets_at - now))
            raise QuotaExceededError(
                402,
                f"the hourly quota of this token is used up (a reading shared through "
                f"{self.store.url}); not sent",
                remaining=0,
                resets_in=resets_in,
            )

    def record(self, request: httpx.Request, response: httpx.Response) -> None:
        remaining = response.headers.get("X-Toggl-Quota-Remaining", "")
        if not remaining.isdigit():
            return
        resets_in = response.headers.get("X-Toggl-Quota-Resets-In", "")
        reading = QuotaReading(
            int(remaining), int(resets_in) if resets_in.isdigit() else None, time.monotonic()
        )
        scope = self.scope(request.url.path) if self.store is not None else None
        if scope is not None and self.store is not None:
            now = time.time()
            resets_at = now + (reading.resets_in if reading.resets_in is not None else 3600)
            self.store.record(scope, StoredReading(reading.remaining, resets_at), now)
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
