"""The default client against the emulator with Toggl's limits and faults on: no call is lost.

In-process, the emulator's clock is a fake one that the client's waits advance, so a hundred
calls at one request per second take no real time; one run over HTTP keeps real time honest.
"""

from __future__ import annotations

import time

import httpx
import pytest
from toggl_emulator import Emulator, EmulatorOptions
from toggl_emulator.pytest_plugin import RunningEmulator
from toggl_emulator.transport import BASE_URL, EmulatorTransport
from toggl_track_client import InternalServerError, Toggl

from tests.support import ACME, ADMIN_TOKEN, PREMIUM

pytestmark = pytest.mark.emulator


class FakeTime:
    """One clock for the emulator and the client: the client's sleeps move it forward."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class Counting(httpx.BaseTransport):
    """Counts what reaches the emulator, by status."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.statuses = inner, list[int]()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.statuses.append(response.status_code)
        return response


def client_on(
    emulator: Emulator, clock: FakeTime, monkeypatch: pytest.MonkeyPatch
) -> tuple[Toggl, Counting]:
    monkeypatch.setattr("toggl_track_client._runtime.transport.time.sleep", clock.sleep)
    counting = Counting(EmulatorTransport(emulator))
    return Toggl(api_token=ADMIN_TOKEN, base_url=BASE_URL, transport=counting), counting


@pytest.mark.parametrize("calls", [10, 100])
def test_sequential_calls_at_one_request_per_second_all_succeed_with_defaults(
    calls: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeTime()
    emulator = Emulator(EmulatorOptions(rate_limit=1, clock=clock))
    toggl, counting = client_on(emulator, clock, monkeypatch)
    for _ in range(calls):
        assert toggl.clients.list(PREMIUM)
    assert counting.statuses.count(200) == calls
    throttled = counting.statuses.count(429)
    assert throttled <= calls  # at most one 429 per call: a wait of >= 1 s drains the bucket
    assert len(counting.statuses) == calls + throttled


def test_random_500s_are_retried_and_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeTime()
    emulator = Emulator(EmulatorOptions(error_rate=0.3, fault_seed=4, clock=clock))
    toggl, counting = client_on(emulator, clock, monkeypatch)
    patient = toggl.with_options(max_retries=6)  # 0.3**7: no call of 30 runs out of retries
    names = {patient.clients.get(PREMIUM, ACME).name for _ in range(30)}
    assert names == {"Acme Corporation"}
    assert counting.statuses.count(200) == 30 and counting.statuses.count(500) > 0
    without = toggl.with_options(max_retries=0)
    failures = 0
    for _ in range(20):
        try:
            without.clients.get(PREMIUM, ACME)
        except InternalServerError:
            failures += 1
    assert failures > 0  # nothing hides the faults when retries are off


@pytest.mark.slow
@pytest.mark.toggl_emulator(rate_limit=1)
def test_ten_calls_over_http_at_one_request_per_second(toggl_server: RunningEmulator) -> None:
    started = time.monotonic()
    with Toggl(api_token=ADMIN_TOKEN, base_url=toggl_server.base_url) as toggl:
        for _ in range(10):
            assert toggl.clients.get(PREMIUM, ACME).id == ACME
    assert time.monotonic() - started >= 7  # the bucket holds 2: the rest waited their turn
