"""Toggl's limits and the emulator's faults, each off unless its flag is given.

- `RateLimiter`: the leaky bucket per token (Toggl: about 1 request per second) → 429.
- `HourlyQuota`: requests per user and workspace in a sliding 60-minute window → 402, with the
  quota headers on every counted response.
- `Faults`: random 500s (reproducible with a seed), failures planned for an operation's next
  calls (a status, no answer, or an answer lost after the write), latency per operation.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict, deque
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Fault:
    """One planned failure of an operation's call.

    `status`: the status answered (500 by default); `timeout`: no answer at all (in process the
    client gets `httpx.ReadTimeout`; over HTTP the answer comes after `TIMEOUT_SECONDS`, as 504);
    `applied`: the call is carried out first, then its answer is lost (the write happened)."""

    status: int = 500
    timeout: bool = False
    applied: bool = False


TIMEOUT_SECONDS = 30.0


class Faults:
    """Random 500s at `error_rate` (0..1), the same sequence for the same `seed`; failures planned
    for the next calls of an operation (`fail_next`); latency per operation (`delay`)."""

    def __init__(
        self, error_rate: float, seed: int | None, operations: Collection[str] = ()
    ) -> None:
        if not 0 <= error_rate <= 1:
            raise ValueError("error rate must be between 0 and 1")
        self.error_rate = error_rate
        self.operations = tuple(operations)
        """The names `fail_next` and `delay` take (the emulator's operations)."""
        self._seed = seed
        self._random = random.Random(seed)
        self._planned: dict[str, deque[Fault]] = {}
        self._delays: dict[str, float] = {}

    def maybe_fail(self) -> None:
        if self.error_rate and self._random.random() < self.error_rate:
            raise TogglError(500, errors.INTERNAL)

    def fail_next(
        self,
        operation: str,
        *,
        times: int = 1,
        status: int = 500,
        timeout: bool = False,
        applied: bool = False,
    ) -> None:
        """The next `times` calls of `operation` fail so (see `Fault`)."""
        self._known(operation)
        if not 400 <= status <= 599 or times < 1:
            raise ValueError("status must be 400..599 and times at least 1")
        self._planned.setdefault(operation, deque()).extend(
            [Fault(status, timeout, applied)] * times
        )

    def delay(self, operation: str, ms: float) -> None:
        """Every call of `operation` takes `ms` milliseconds more (0 removes the delay)."""
        self._known(operation)
        if not 0 <= ms <= 60_000:
            raise ValueError("ms must be 0..60000")
        self._delays[operation] = ms / 1000

    def _known(self, operation: str) -> None:
        if operation not in self.operations:
            raise ValueError(
                f"no operation {operation!r}; the operations: {', '.join(self.operations)}"
            )

    def planned(self, operation: str) -> Fault | None:
        """The planned failure of this call of `operation`, if any (used up)."""
        queue = self._planned.get(operation)
        return queue.popleft() if queue else None

    def delay_of(self, operation: str) -> float:
        return self._delays.get(operation, 0.0)

    def reset(self) -> None:
        self._random = random.Random(self._seed)
        self._planned.clear()
        self._delays.clear()
