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
