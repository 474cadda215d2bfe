"""The client against the emulator with Toggl's limits and faults switched on."""

from __future__ import annotations

import pytest
from mock_server import MockServer
from toggl_track_client import (
    AuthenticatedClient,
    InternalServerError,
    PremiumRequiredError,
    QuotaExceededError,
    RateLimitError,
)
from toggl_track_client.api.clients import archive_client, get_client, list_clients

pytestmark = pytest.mark.mock


def test_retries_ride_out_random_server_errors() -> None:
    with MockServer(["--error-rate", "0.3", "--fault-seed", "4"]) as server:
        client = AuthenticatedClient(
            api_token="mock-admin-token", base_url=server.base_url, max_retries=6
        )
        names = {get_client.sync(1001, 61250143, client=client).name for _ in range(20)}
        assert names == {"Acme Corporation"}
        without = AuthenticatedClient(
            api_token="mock-admin-token", base_url=server.base_url, max_retries=0
        )
        with pytest.raises(InternalServerError):
            for _ in range(20):
                get_client.sync(1001, 61250143, client=without)


def test_the_throttle_keeps_a_client_under_the_rate_limit() -> None:
    with MockServer(["--rate-limit", "4"]) as server:
        paced = AuthenticatedClient(
            api_token="mock-admin-token",
            base_url=server.base_url,
            max_retries=0,
            max_requests_per_second=4,
        )
        for _ in range(12):
            list_clients.sync(1001, client=paced)
        burst = AuthenticatedClient(
            api_token="mock-member-token", base_url=server.base_url, max_retries=0
        )
        with pytest.raises(RateLimitError):
            for _ in range(12):
                list_clients.sync(1001, client=burst)


def test_an_exhausted_quota_is_reported_with_its_reset_time_and_not_retried() -> None:
    with MockServer(["--hourly-quota", "3"]) as server:
        client = AuthenticatedClient(
            api_token="mock-admin-token", base_url=server.base_url, max_retries=5
        )
        for expected in (2, 1, 0):
            list_clients.sync(1001, client=client)
            assert client.quota.remaining == expected
        with pytest.raises(QuotaExceededError) as raised:
            list_clients.sync(1001, client=client)
        assert raised.value.remaining == 0
        assert raised.value.resets_in is not None and 3590 <= raised.value.resets_in <= 3600


def test_premium_only_archive_is_not_mistaken_for_the_quota() -> None:
    with MockServer(["--hourly-quota", "30"]) as server:
        client = AuthenticatedClient(api_token="mock-admin-token", base_url=server.base_url)
        with pytest.raises(PremiumRequiredError) as raised:
            archive_client.sync(1002, 61250315, client=client)
        assert not isinstance(raised.value, QuotaExceededError)
        assert client.quota.remaining == 29  # the 402 was sent once, not retried
