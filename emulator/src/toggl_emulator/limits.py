"""Toggl's limits and the emulator's faults, each off unless its flag is given.

- `RateLimiter`: the leaky bucket per token (Toggl: about 1 request per second) → 429.
- `HourlyQuota`: requests per user and workspace in a sliding 60-minute window → 402, with the
  quota headers on every counted response.
- `Faults`: random 500s (reproducible with a seed) and added latency.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict, deque
from collections.abc import Callable, Hashable

from . import errors
from .errors import TogglError

QUOTA_WINDOW_SECONDS = 3600
SWEEP_AT = 1024
"""Past this many keys (tokens, users and workspaces), the idle ones are dropped first."""


class RateLimiter:
    """A leaky bucket per key: it drains `rate` requests per second and holds `burst` of them."""

    def __init__(self, rate: float, clock: Callable[[], float], burst: float | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        # A bucket of at least 2 lets a client that paces itself at exactly `rate` through despite
        # jitter ([infer] Toggl's bucket size is not documented).
        self.burst = burst if burst is not None else max(2.0, rate)
        self._clock = clock
        self._buckets: dict[Hashable, tuple[float, float]] = {}

    def check(self, key: Hashable) -> None:
        now = self._clock()
        if len(self._buckets) >= SWEEP_AT:
            self._sweep(now)
        level, last = self._buckets.get(key, (0.0, now))
        level = max(0.0, level - (now - last) * self.rate)
        if level + 1 > self.burst:
            self._buckets[key] = (level, now)
            raise TogglError(429, errors.TOO_MANY_REQUESTS)
        self._buckets[key] = (level + 1, now)

    def _sweep(self, now: float) -> None:
        """Forget the buckets that have drained: an idle token costs nothing."""
        self._buckets = {
            key: (level, last) for key, (level, last) in self._buckets.items()
            if level - (now - last) * self.rate > 0
        }  # fmt: skip

    def reset(self) -> None:
        self._buckets.clear()


class HourlyQuota:
    """At most `limit` requests per key in any sliding window of `QUOTA_WINDOW_SECONDS`."""

    def __init__(self, limit: int, clock: Callable[[], float]) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self._clock = clock
        self._windows: dict[Hashable, deque[float]] = defaultdict(deque)

    def consume(self, key: Hashable) -> list[tuple[bytes, bytes]]:
        """Count one request; the quota headers for its response, or a 402 when none is left."""
        now = self._clock()
        if len(self._windows) >= SWEEP_AT:
            self._sweep(now)
        window = self._windows[key]
        while window and window[0] <= now - QUOTA_WINDOW_SECONDS:
            window.popleft()
        if len(window) >= self.limit:
            resets_in = self._resets_in(window, now)
            raise TogglError(
                402,
                errors.quota_exhausted(resets_in),
                {"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": str(resets_in)},
            )
        window.append(now)
        return [
            (b"x-toggl-quota-remaining", b"%d" % (self.limit - len(window))),
            (b"x-toggl-quota-resets-in", b"%d" % self._resets_in(window, now)),
        ]

    @staticmethod
    def _resets_in(window: deque[float], now: float) -> int:
        """Seconds until the oldest request of the window leaves it."""
        return max(0, math.ceil(window[0] + QUOTA_WINDOW_SECONDS - now)) if window else 0

    def _sweep(self, now: float) -> None:
        """Forget the windows with nothing left in the hour: an idle workspace costs nothing."""
        cutoff = now - QUOTA_WINDOW_SECONDS
        for key in [k for k, window in self._windows.items() if not window or window[-1] <= cutoff]:
            del self._windows[key]

    def reset(self) -> None:
        self._windows.clear()


class Faults:
    """Random 500s at `error_rate` (0..1), the same sequence for the same `seed`."""

    def __init__(self, error_rate: float, seed: int | None) -> None:
        if not 0 <= error_rate <= 1:
            raise ValueError("error rate must be between 0 and 1")
        self.error_rate = error_rate
        self._seed = seed
        self._random = random.Random(seed)

    def maybe_fail(self) -> None:
        if self.error_rate and self._random.random() < self.error_rate:
            raise TogglError(500, errors.INTERNAL)

    def reset(self) -> None:
        self._random = random.Random(self._seed)
