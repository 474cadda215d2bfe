"""The limits and faults as units, on a clock the test moves: the exact edges of each rule.

`test_limits.py` shows them through the API; here each rule's arithmetic is pinned where an
off-by-one or a swapped operator would change what a client sees.
"""

from __future__ import annotations

import pytest
from toggl_emulator.errors import TogglError
from toggl_emulator.limits import (
    QUOTA_WINDOW_SECONDS,
    SWEEP_AT,
    Fault,
    Faults,
    HourlyQuota,
    RateLimiter,
)


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def passes(limiter: RateLimiter, key: str) -> bool:
    try:
        limiter.check(key)
    except TogglError as error:
        assert error.status == 429
        return False
    return True


@pytest.mark.parametrize("rate", [0, -1])
def test_a_rate_must_be_positive(rate: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(rate, Clock())


@pytest.mark.parametrize(("rate", "burst"), [(0.5, 2), (1, 2), (5, 5)])
def test_the_bucket_holds_the_rate_or_two_whichever_is_more(rate: float, burst: int) -> None:
    limiter = RateLimiter(rate, Clock())
    assert [passes(limiter, "a") for _ in range(burst + 1)] == [True] * burst + [False]
    assert passes(limiter, "b")  # a bucket per key


def test_the_bucket_drains_at_the_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(2, clock)
    assert [passes(limiter, "a") for _ in range(3)] == [True, True, False]
    clock.now += 0.25  # half a request drained: 1.5 + 1 is over 2
    assert not passes(limiter, "a")
    clock.now += 0.25  # one drained since the last refusal
    assert passes(limiter, "a")
    assert not passes(limiter, "a")


def test_a_sweep_forgets_drained_buckets_and_keeps_the_others() -> None:
    clock = Clock()
    limiter = RateLimiter(2, clock)
    for n in range(SWEEP_AT - 2):
        limiter.check(f"idle {n}")  # level 1 at t=1000: drained by t=1000.5
    clock.now = 1001.25
    limiter.check("almost")  # level 1, drained by 1001.75
    clock.now = 1001.75
    limiter.check("busy")
    limiter.check("busy")  # full: level 2
    clock.now = 1002.0  # "busy" is at 1.5, "almost" drained
    limiter.check("new")  # the 1024th key: the sweep runs first
    assert sorted(map(str, limiter._buckets)) == ["busy", "new"]
    assert not passes(limiter, "busy")  # what was kept still counts


def test_the_quota_counts_a_sliding_hour_to_the_second() -> None:
    clock = Clock()
    quota = HourlyQuota(2, clock)
    assert quota.consume("w") == [(b"x-toggl-quota-remaining", b"1"),
                                  (b"x-toggl-quota-resets-in", b"3600")]  # fmt: skip
    clock.now += 0.5
    assert quota.consume("w") == [(b"x-toggl-quota-remaining", b"0"),
                                  (b"x-toggl-quota-resets-in", b"3600")]  # fmt: skip
    clock.now = 1000 + QUOTA_WINDOW_SECONDS - 1
    with pytest.raises(TogglError) as refused:
        quota.consume("w")
    assert refused.value.status == 402
    assert refused.value.headers == {"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": "1"}
    clock.now = 1000 + QUOTA_WINDOW_SECONDS  # the first request leaves the window exactly now
    assert quota.consume("w")[0] == (b"x-toggl-quota-remaining", b"0")
    assert quota.consume("other")[0] == (b"x-toggl-quota-remaining", b"1")
    clock.now += 5000  # every request of "w" long out of the hour
    assert quota.consume("w")[0] == (b"x-toggl-quota-remaining", b"1")


def test_a_quota_sweep_forgets_only_windows_with_nothing_in_the_hour() -> None:
    clock = Clock()
    quota = HourlyQuota(5, clock)
    for n in range(SWEEP_AT - 1):
        quota.consume(f"old {n}")
    clock.now += 1
    quota.consume("recent")
    clock.now = 1000 + QUOTA_WINDOW_SECONDS  # the old ones' last request is exactly an hour ago
    quota.consume("new")
    assert sorted(map(str, quota._windows)) == ["new", "recent"]
    assert quota.consume("recent")[0] == (b"x-toggl-quota-remaining", b"3")


@pytest.mark.parametrize("limit", [0, -1])
def test_a_quota_needs_at_least_one_request(limit: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        HourlyQuota(limit, Clock())


@pytest.mark.parametrize(("rate", "ok"), [(-0.1, False), (0, True), (1, True), (1.1, False)])
def test_an_error_rate_is_between_0_and_1(rate: float, ok: bool) -> None:
    if ok:
        Faults(rate, 1)
    else:
        with pytest.raises(ValueError, match="between 0 and 1"):
            Faults(rate, 1)


def test_an_error_rate_of_one_fails_every_call_and_zero_none() -> None:
    always, never = Faults(1.0, 7), Faults(0.0, 7)
    for _ in range(20):
        with pytest.raises(TogglError) as failed:
            always.maybe_fail()
        assert failed.value.status == 500
        never.maybe_fail()


@pytest.mark.parametrize(
    ("status", "times", "ok"),
    [(400, 1, True), (599, 1, True), (399, 1, False), (600, 1, False), (500, 0, False),
     (500, 3, True)],
)  # fmt: skip
def test_a_planned_failure_is_an_error_status_at_least_once(
    status: int, times: int, ok: bool
) -> None:
    faults = Faults(0, None, ["getClient"])
    if not ok:
        with pytest.raises(ValueError, match="400..599"):
            faults.fail_next("getClient", times=times, status=status)
        return
    faults.fail_next("getClient", times=times, status=status)
    planned = [faults.planned("getClient") for _ in range(times + 1)]
    assert planned == [Fault(status)] * times + [None]


@pytest.mark.parametrize(("ms", "ok"), [(-1, False), (0, True), (60_000, True), (60_001, False)])
def test_a_delay_is_up_to_a_minute(ms: float, ok: bool) -> None:
    faults = Faults(0, None, ["getClient"])
    if not ok:
        with pytest.raises(ValueError, match="0..60000"):
            faults.delay("getClient", ms)
        return
    faults.delay("getClient", ms)
    assert faults.delay_of("getClient") == ms / 1000


def test_a_long_idle_bucket_gives_no_credit_past_its_burst() -> None:
    clock = Clock()
    limiter = RateLimiter(1, clock)
    limiter.check("a")
    clock.now += 100  # drained long ago: empty, never below empty
    assert [passes(limiter, "a") for _ in range(3)] == [True, True, False]


def test_the_sweeps_run_only_past_their_threshold_and_then_every_time() -> None:
    clock = Clock()
    limiter, quota = RateLimiter(1, clock), HourlyQuota(5, clock)
    for key in ("a", "b"):
        limiter.check(key)
        quota.consume(key)
    clock.now += QUOTA_WINDOW_SECONDS + 1  # both drained and out of the hour
    limiter.check("c")
    quota.consume("c")
    assert len(limiter._buckets) == 3 and len(quota._windows) == 3  # few keys: no sweep (O(n))
    clock.now = 10_000.0
    for n in range(SWEEP_AT + 1):  # none drained yet: a sweep at SWEEP_AT drops nothing
        limiter.check(f"busy {n}")
        quota.consume(f"busy {n}")
    assert len(limiter._buckets) > SWEEP_AT and len(quota._windows) > SWEEP_AT
    clock.now += QUOTA_WINDOW_SECONDS + 1
    limiter.check("late")
    quota.consume("late")
    assert list(limiter._buckets) == ["late"] and list(quota._windows) == ["late"]


def test_a_window_is_kept_by_its_latest_request_and_frees_slots_as_they_age() -> None:
    clock = Clock()
    quota = HourlyQuota(5, clock)
    quota.consume("kept")  # at 1000: out of the hour at 4600
    clock.now += 1
    quota.consume("kept")
    for n in range(SWEEP_AT):
        quota.consume(f"other {n}")
    clock.now = 1000 + QUOTA_WINDOW_SECONDS + 0.5
    quota.consume("new")  # a sweep: "kept" still has its second request in the hour
    assert "kept" in quota._windows
    clock.now += 5000  # long after: every slot free again
    assert quota.consume("kept")[0] == (b"x-toggl-quota-remaining", b"4")


def test_a_limit_past_the_small_integers_is_counted_exactly() -> None:
    quota = HourlyQuota(300, Clock())
    for _ in range(300):
        quota.consume("w")
    with pytest.raises(TogglError):
        quota.consume("w")


def test_a_planned_failure_is_one_500_by_default() -> None:
    faults = Faults(0, None, ["getClient"])
    faults.fail_next("getClient")
    assert [faults.planned("getClient"), faults.planned("getClient")] == [Fault(), None]
    assert Fault() == Fault(500, timeout=False, applied=False)
