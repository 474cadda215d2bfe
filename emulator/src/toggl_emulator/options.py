"""What an emulator is configured with: the seed, Toggl's limits, faults, and input limits."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class EmulatorOptions:
    """The `toggl-emulator` flags as one value; all limits and faults are off by default."""

    seed: Path | str | Mapping[str, Any] | None = None
    """A seed file (JSON or YAML) or mapping; None: the default seed."""
    rate_limit: float | None = None
    """Requests per second per token (a leaky bucket) before 429."""
    hourly_quota: int | None = None
    """Requests per user and workspace per sliding hour before 402."""
    error_rate: float = 0.0
    """Share of requests answered with a random 500."""
    fault_seed: int | None = None
    """Seed of the random faults: the same seed gives the same sequence."""
    latency_ms: float = 0.0
    """Added to every API request."""
    max_body_bytes: int = 1 << 20
    """Larger bodies are refused with a 400 [infer: Toggl's limit is not documented]."""
    clock: Callable[[], float] = field(default=time.time)
    """Seconds since the epoch; tests pass a fake one to drive limits and timestamps."""
    journal: bool = True
    """Record every API exchange in `Emulator.journal` (off: a little faster)."""
    control_token: str | None = None
    """When set, `/_emulator/*` answers only requests with it in an `X-Emulator-Token` header
    (`toggl-emulator --allow-remote` sets one)."""

    def __post_init__(self) -> None:
        """Refuse what cannot work, naming the option: a bad value never reaches a request."""
        _number("rate_limit", self.rate_limit, low=0, optional=True, strict=True)
        _number("hourly_quota", self.hourly_quota, low=1, optional=True, integer=True)
        _number("error_rate", self.error_rate, low=0, high=1)
        _number("fault_seed", self.fault_seed, optional=True, integer=True)
        _number("latency_ms", self.latency_ms, low=0, high=MAX_LATENCY_MS)
        _number("max_body_bytes", self.max_body_bytes, low=1, high=MAX_BODY_LIMIT, integer=True)
        if self.seed is not None and not isinstance(self.seed, Path | str | Mapping):
            raise ValueError("seed: expected a file path or a seed mapping")
        if not callable(self.clock):
            raise ValueError("clock: expected a function answering seconds since the epoch")


MAX_LATENCY_MS = 60_000.0
MAX_BODY_LIMIT = 64 << 20


def _number(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    optional: bool = False,
    integer: bool = False,
    strict: bool = False,
) -> None:
    if value is None and optional:
        return
    kind = int if integer else int | float
    if isinstance(value, bool) or not isinstance(value, kind):
        raise ValueError(
            f"{name}: expected {'an integer' if integer else 'a number'}, got {value!r}"
        )
    if value != value or (low is not None and (value <= low if strict else value < low)):
        raise ValueError(f"{name}: {value!r} is {'not above' if strict else 'below'} {low}")
    if high is not None and value > high:
        raise ValueError(f"{name}: {value!r} is above {high}")
