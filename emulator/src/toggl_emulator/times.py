"""Toggl's timestamps: `2024-03-17T10:58:41+00:00`, second precision, never `Z`."""

from __future__ import annotations

from datetime import UTC, datetime


def format_time(epoch: float) -> str:
    second = int(epoch)
    text = _TIMES.get(second)
    if text is None:
        if len(_TIMES) > 4096:  # a bounded cache: writes within a second share their `at`
            _TIMES.clear()
        text = _TIMES[second] = datetime.fromtimestamp(second, UTC).isoformat()
    return text


_TIMES: dict[int, str] = {}


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()
