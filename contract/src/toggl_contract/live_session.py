"""An HTTP session for runs against the live Toggl API that cannot hurt the account it runs in.

- Pinned to one workspace: a request to any other workspace is refused before it is sent.
- Owns what it creates: a request that addresses a client id is refused unless this session got
  that id from its own create (or was told to adopt it by the leftover cleanup, by name prefix).
- Paced: at most one request per `interval` seconds (Toggl's documented safe rate is 1/s).
- Budgeted: never more than `budget` requests; `reserve` of them are kept for cleanup.
- Quota-aware: it reads `X-Toggl-Quota-Remaining` and stops before the hourly quota is used up; a
  429 is waited out (counted against the budget), a 402 stops the run.
- Credentials never leave it: requests are described with the Authorization header redacted.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from typing import Any

import httpx

LIVE_API_URL = "https://api.track.toggl.com/api/v9"
_CLIENT_PATH = re.compile(r"^/workspaces/(\d+)/clients/(\d+)(/|$)")
_WORKSPACE_PATH = re.compile(r"^/workspaces/(\d+)(/|$)")


class StopRun(Exception):
    """The run must stop: budget or quota exhausted, or the server refused for the whole hour."""


class UnsafeRequest(Exception):
    """A request that would touch something the run did not create (a bug in the run)."""


class LiveSession:
    def __init__(
        self,
        base_url: str,
        token: str,
        workspace_id: int,
        *,
        budget: int = 30,
        reserve: int = 2,
        interval: float = 1.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.workspace_id = workspace_id
        self.budget = budget
        self.reserve = reserve
        self.interval = interval
        self.sent = 0
        self.quota_remaining: int | None = None
        self.quota_resets_in: int | None = None
        self.owned: set[int] = set()
        self._sleep = sleep
        self._clock = clock
        self._last_sent: float | None = None
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            auth=(token, "api_token"),
            timeout=httpx.Timeout(30.0),
            transport=transport,
        )
        self._secrets = [token, base64.b64encode(f"{token}:api_token".encode()).decode()]

    # --- what may be sent ---------------------------------------------------------------------

    def left(self, *, for_cleanup: bool = False) -> int:
        """Requests still allowed; ordinary steps leave `reserve` for cleanup."""
        limit = self.budget if for_cleanup else self.budget - self.reserve
        by_budget = limit - self.sent
        if self.quota_remaining is not None:
            quota = self.quota_remaining if for_cleanup else self.quota_remaining - self.reserve
            return max(0, min(by_budget, quota))
        return max(0, by_budget)

    def _check_safe(self, path: str) -> None:
        workspace = _WORKSPACE_PATH.match(path)
        if workspace and int(workspace.group(1)) != self.workspace_id:
            raise UnsafeRequest(f"{path}: not the pinned workspace {self.workspace_id}")
        client = _CLIENT_PATH.match(path)
        if client and int(client.group(2)) not in self.owned:
            raise UnsafeRequest(f"{path}: client {client.group(2)} was not created by this run")

    def _check_safe_body(self, path: str, body: Any) -> None:
        if path.endswith(("/clients/archive", "/clients/delete")):
            foreign = set(body) - self.owned if isinstance(body, list) else {"?"}
            if foreign:
                raise UnsafeRequest(f"{path}: ids {sorted(map(str, foreign))} are not this run's")

    # --- sending ------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        anonymous: bool = False,
        cleanup: bool = False,
    ) -> httpx.Response:
        self._check_safe(path)
        self._check_safe_body(path, json)
        while True:
            if self.left(for_cleanup=cleanup) < 1:
                raise StopRun(self.limit_reason())
            self._pace()
            self.sent += 1
            extra: dict[str, Any] = {"auth": None} if anonymous else {}
            response = self._http.request(method, path, json=json, params=params, **extra)
            self._read_quota(response)
            if response.status_code == 429:
                # The leaky bucket is full: wait for it to drain, then send again.
                self._sleep(max(self.interval, 2.0))
                continue
            if response.status_code == 402 and self.quota_remaining == 0:
                raise StopRun(
                    f"the hourly quota is used up (resets in {self.quota_resets_in} s); stopping"
                )
            return response

    def adopt(self, client_id: int) -> None:
        """Let this session address a client it created (or, for cleanup, one of an earlier run)."""
        self.owned.add(client_id)

    def _pace(self) -> None:
        if self._last_sent is not None:
            wait = self._last_sent + self.interval - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last_sent = self._clock()

    def _read_quota(self, response: httpx.Response) -> None:
        for header, attribute in (
            ("x-toggl-quota-remaining", "quota_remaining"),
            ("x-toggl-quota-resets-in", "quota_resets_in"),
        ):
            value = response.headers.get(header, "")
            if value.isdigit():
                setattr(self, attribute, int(value))

    def limit_reason(self) -> str:
        """What limits this run now: the hourly quota or the request budget."""
        by_budget = self.budget - self.sent
        if self.quota_remaining is not None and self.quota_remaining < by_budget:
            return (
                f"stopping before the hourly quota runs out ({self.quota_remaining} left, "
                f"resets in {self.quota_resets_in} s)"
            )
        return f"stopping at the request budget ({self.sent} of {self.budget} sent)"

    # --- reporting ----------------------------------------------------------------------------

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def curl(self, response: httpx.Response) -> str:
        """A curl command that reproduces the request, with the credentials redacted."""
        request = response.request
        parts = ["curl", "-X", request.method, "-u", "'[redacted]:api_token'"]
        if request.content:
            parts += [
                "-H",
                "'Content-Type: application/json'",
                "-d",
                f"'{request.content.decode()}'",
            ]
        parts.append(f"'{request.url}'")
        return self.redact(" ".join(parts))

    def close(self) -> None:
        self._http.close()
