"""Toggl's limits shared by processes and machines (`limits=`), with real processes, a real
SQLite file, a real Redis server and the emulator's own limits to hold them to."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from toggl_emulator import EmulatorProcess
from toggl_emulator.server import free_port
from toggl_track_client import LimitsUnavailableError, Toggl

from tests.support import ADMIN_TOKEN, ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def redis_server() -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is missing in CI: .ci/run installs it with apt-get")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The module's Redis, emptied: a quota reading outlives a test, as it would a CI job."""
    import redis

    with redis.Redis.from_url(redis_server) as client:
        client.flushdb()
    return redis_server


def workers(base_url: str, limits: str, count: int, calls: int, rate: float,
            limits_of: list[str] | None = None) -> list[list[dict[str, float | str]]]:  # fmt: skip
    """`count` worker processes, each making `calls` calls from the same moment on (a few
    seconds from now, once every process is up); what each saw, call by call."""
    start_at = time.time() + 3
    started = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.sdk.limits_worker",
                base_url,
                (limits_of[n] if limits_of else limits),
                str(calls),
                str(rate),
                str(start_at),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for n in range(count)
    ]
    seen = []
    for process in started:
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, output
        seen.append([json.loads(line) for line in output.splitlines()])
    return seen


def flat(seen: list[list[dict[str, float | str]]]) -> list[dict[str, float | str]]:
    return sorted((call for calls in seen for call in calls), key=lambda call: float(call["at"]))


def rate_of(calls: list[dict[str, float | str]]) -> float:
    times = [float(call["at"]) for call in calls]
    return (len(times) - 1) / (times[-1] - times[0])


def test_eight_processes_sharing_a_sqlite_store_get_no_429_at_toggls_pace(tmp_path: Path) -> None:
    with EmulatorProcess(["--rate-limit", "1"]) as emulator:
        without = flat(workers(emulator.base_url, "none", 8, 1, 1.0))
        assert any(call["outcome"] == "429" for call in without)  # each process alone: throttled
        time.sleep(2.5)  # the bucket drains
        shared = flat(workers(emulator.base_url, f"sqlite:///{tmp_path / 'limits.db'}", 8, 1, 1.0))
    assert [call["outcome"] for call in shared] == ["ok"] * 8
    assert 0.9 <= rate_of(shared) <= 1.1, rate_of(shared)


def test_processes_sharing_redis_share_the_quota_and_send_nothing_past_it(redis_url: str) -> None:
    with EmulatorProcess(["--hourly-quota", "10"]) as emulator:
        seen = flat(workers(emulator.base_url, redis_url + "?machine=quota", 4, 4, 8.0))
        journal = httpx.get(f"{emulator.origin}/_emulator/journal").json()
    outcomes = [call["outcome"] for call in seen]
    assert outcomes.count("ok") == 10 and outcomes.count("402") == 0, outcomes
    assert outcomes.count("quota-refused") == 6
    assert [e["status"] for e in journal] == [200] * 10  # no request went past the quota


def test_two_machines_keep_their_own_pace_and_share_one_quota(redis_url: str) -> None:
    with EmulatorProcess(["--hourly-quota", "12"]) as emulator:
        machines = [f"{redis_url}?machine=a"] * 3 + [f"{redis_url}?machine=b"] * 3
        seen = workers(emulator.base_url, "", 6, 3, 4.0, limits_of=machines)
    on_a, on_b = flat(seen[:3]), flat(seen[3:])
    # Every call waits its machine's turn (4 a second; times taken after each answer, so with some
    # jitter), and the two machines pace apart (about 8 a second together), not as one.
    for machine in (on_a, on_b):
        assert rate_of(machine) <= 4 * 1.25, rate_of(machine)
    assert rate_of(flat(seen)) >= 6, rate_of(flat(seen))
    outcomes = [call["outcome"] for call in on_a + on_b]
    assert outcomes.count("ok") == 12 and outcomes.count("402") == 0, outcomes


def test_an_unreachable_store_is_a_clear_error_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(LimitsUnavailableError, match=r"redis://127\.0\.0\.1:1/0 cannot be reached"):
        Toggl(api_token=ADMIN_TOKEN, limits="redis://127.0.0.1:1/0")
    assert time.monotonic() - started < 5
    with pytest.raises(ValueError, match="expected memory://, sqlite:///PATH or redis://"):
        Toggl(api_token=ADMIN_TOKEN, limits="postgres://nowhere")


def test_the_environment_names_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOGGL_LIMITS", f"sqlite:///{tmp_path / 'env.db'}")
    toggl = Toggl(api_token=ADMIN_TOKEN, base_url="http://127.0.0.1:9/api/v9")
    assert toggl.quota.store is not None and toggl.quota.store.url.endswith("env.db")


@pytest.mark.parametrize("store", ["sqlite", "memory"])
def test_the_last_client_of_a_store_closes_it(tmp_path: Path, store: str) -> None:
    """A store (its connection, its pacing threads) lives while a client uses it: the last
    client's close closes it, and the next client opens a fresh one."""
    from toggl_track_client.client import open_store, release_store

    url = f"sqlite:///{tmp_path}/limits.db" if store == "sqlite" else "memory://?machine=closing"
    canned = httpx.MockTransport(lambda request: httpx.Response(200, json=[]))
    options = {"api_token": "t", "base_url": "https://toggl.test/api/v9", "transport": canned}
    first = Toggl(**options, limits=url, max_requests_per_second=1000)  # type: ignore[arg-type]
    second = Toggl(**options, limits=url, max_requests_per_second=1000)  # type: ignore[arg-type]
    first.clients.list(1001)
    shared = open_store(url)
    release_store(shared)
    first.close()
    first.close()  # a second close must not release the store a second time
    second.clients.list(1001)  # the store is still the other client's
    assert open_store(url) is shared
    release_store(shared)
    second.close()
    if store == "sqlite":
        with pytest.raises(Exception, match="closed database"):
            shared.take("any", time.time())
    fresh = open_store(url)
    assert fresh is not shared
    release_store(fresh)
