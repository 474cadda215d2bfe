"""Defaults of a client; each one is documented where a user meets it (README, docstrings)."""

from __future__ import annotations

import httpx

LIVE_API_URL = "https://api.track.toggl.com/api/v9"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
"""Per attempt: 10 s to connect, 30 s for each read, write and pool wait."""
DEFAULT_DEADLINE = 60.0
"""Seconds one call may take in all: every attempt, every backoff wait, every pacing wait."""
DEFAULT_MAX_RETRIES = 2
TOGGL_SAFE_RATE = 1.0
"""Requests per second that Toggl documents as safe for one API token."""
RATE_LIMIT_MIN_WAIT = 1.0 / TOGGL_SAFE_RATE
"""A 429 without `Retry-After` waits at least this long: the time Toggl's bucket needs to drain
one request at the safe rate."""
MAX_RETRY_AFTER = 60.0
"""A `Retry-After` longer than this is not slept through: the error is raised with `retry_after`."""
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
"""The largest answer a call reads (64 MiB); a larger one raises `ResponseTooLargeError`. Ten
thousand clients are about 2 MB."""
