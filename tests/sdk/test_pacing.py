"""The pacer hands out send slots `1 / rate` seconds apart, on a clock the test moves."""

from __future__ import annotations

import asyncio

import pytest
from toggl_track_client.client import Pacer


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_slots_are_one_interval_apart_and_a_late_caller_does_not_wait() -> None:
    clock = Clock(0.25)
    pacer = Pacer(2.0, clock)  # a slot every 0.5 s
    assert pacer.reserve() == 0.0  # the first goes at once
    assert pacer.reserve() == 0.5  # the next waits for its slot
    clock.now = 0.35
    assert pacer.reserve() == pytest.approx(0.9)  # the third slot is at 1.25
    clock.now = 10.0
    assert pacer.reserve() == 0.0  # long after: no wait, and slots count from now
    assert pacer.reserve() == 0.5


def test_without_a_rate_nothing_waits_and_a_rate_must_be_positive() -> None:
    pacer = Pacer(None, Clock(5.0))
    assert [pacer.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert Pacer(0.5, Clock(0.0)).interval == 2.0  # below one a second is fine
    for rate in (0, -1):
        with pytest.raises(ValueError, match="must be positive"):
            Pacer(rate, Clock(0.0))


def test_the_async_reserve_is_the_same() -> None:
    pacer = Pacer(4.0, Clock(1.0))
    assert asyncio.run(pacer.areserve()) == 0.0
    assert asyncio.run(pacer.areserve()) == 0.25
