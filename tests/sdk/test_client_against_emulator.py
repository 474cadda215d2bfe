"""The client against the emulator with Toggl's limits and faults switched on."""

from __future__ import annotations

import pytest
from toggl_emulator.server import EmulatorProcess
from toggl_track_client import (
    AuthenticatedClient,
    InternalServerError,
    PremiumRequiredError,
    QuotaExceededError,
    RateLimitError,
)
from toggl_track_client.api.clients import archive_client, get_client, list_clients

from tests.support import ACME, ADMIN_TOKEN, FREE, HOBBY, PREMIUM, SEED

pytestmark = pytest.mark.emulator


def test_retries_ride_out_random_server_errors() -> None:
    with EmulatorProcess(["--error-rate", "0.3", "--fault-seed", "4"]) as server:
        client = AuthenticatedClient(api_token=ADMIN_TOKEN, base_url=server.base_url, max_retries=6)
        names = {get_client.sync(PREMIUM, ACME, client=client).name for _ in range(20)}
        assert names == {"Acme Corporation"}
        without = AuthenticatedClient(
            api_token=ADMIN_TOKEN, base_url=server.base_url, max_retries=0
        )
        with pytest.raises(InternalServerError):
            for _ in range(20):
                get_client.sync(PREMIUM, ACME, client=without)


def test_the_throttle_keeps_a_client_under_the_rate_limit() -> None:
    with EmulatorProcess(["--rate-limit", "4"]) as server:
        paced = AuthenticatedClient(
            api_token=ADMIN_TOKEN,
            base_url=server.base_url,
            max_retries=0,
            max_requests_per_second=4,
        )
        for _ in range(12):
            list_clients.sync(PREMIUM, client=paced)
        burst = AuthenticatedClient(
            api_token=SEED.users["member"].api_token, base_url=server.base_url, max_retries=0
        )
        with pytest.raises(RateLimitError):
            for _ in range(12):
                list_clients.sync(PREMIUM, client=burst)


def test_an_exhausted_quota_is_reported_with_its_reset_time_and_not_retried() -> None:
    with EmulatorProcess(["--hourly-quota", "3"]) as server:
        client = AuthenticatedClient(api_token=ADMIN_TOKEN, base_url=server.base_url, max_retries=5)
        for expected in (2, 1, 0):
            list_clients.sync(PREMIUM, client=client)
            assert client.quota.remaining == expected
        with pytest.raises(QuotaExceededError) as raised:
            list_clients.sync(PREMIUM, client=client)
        assert raised.value.remaining == 0
        assert raised.value.resets_in is not None and 3590 <= raised.value.resets_in <= 3600


def test_premium_only_archive_is_not_mistaken_for_the_quota() -> None:
    with EmulatorProcess(["--hourly-quota", "30"]) as server:
        client = AuthenticatedClient(api_token=ADMIN_TOKEN, base_url=server.base_url)
        with pytest.raises(PremiumRequiredError) as raised:
            archive_client.sync(FREE, HOBBY, client=client)
        assert not isinstance(raised.value, QuotaExceededError)
        assert client.quota.remaining == 29  # the 402 was sent once, not retried
