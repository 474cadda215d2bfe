# Copied from sdk/runtime/pacing.py by `make generate`. Do not edit here.
"""The pacer: spaces requests at least `1 / rate` seconds apart, across threads and tasks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """Hands out send slots `interval` seconds apart; with no rate it never waits."""

    def __init__(self, rate: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("max_requests_per_second must be positive")
        self.interval = 1.0 / rate if rate else 0.0
        self._clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def reserve(self, timeout: float | None = None) -> float:
        """Claim the next slot; the seconds to wait for it (the caller waits: `timeout` is for
        pacers that wait themselves, as the shared one does)."""
        if not self.interval:
            return 0.0
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
            return slot - now

    async def areserve(self, timeout: float | None = None) -> float:
        return self.reserve(timeout)
