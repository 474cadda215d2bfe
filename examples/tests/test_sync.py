"""The sync job against the Toggl emulator, through the plugin's fixtures."""

from __future__ import annotations

import httpx
import pytest
from acme_sync import Customer, sync_customers
from toggl_emulator import Emulator
from toggl_emulator.pytest_plugin import RunningEmulator
from toggl_track_client import NameTakenError, RateLimitError, Toggl

WORKSPACE = 1001  # the default seed's premium workspace

CUSTOMERS = [
    Customer("crm-1", "Northwind Traders", notes="Key account", projects=("Website", "Support")),
    Customer("crm-2", "Contoso"),
]


def test_new_customers_become_clients(toggl_client: Toggl, toggl_emulator: Emulator) -> None:
    report = sync_customers(toggl_client, WORKSPACE, CUSTOMERS)
    assert report.created == ["Northwind Traders", "Contoso"]
    stored = {
        c["external_reference"]: c
        for c in toggl_emulator.clients(WORKSPACE)
        if c.get("external_reference")
    }
    assert (
        stored["crm-1"]["name"] == "Northwind Traders" and stored["crm-1"]["notes"] == "Key account"
    )
    # Clients that are not the CRM's (the seed's Acme, Globex, Initech) are untouched.
    assert {c["name"] for c in toggl_emulator.clients(WORKSPACE)} >= {"Acme Corporation", "Globex"}


def test_a_customer_s_projects_are_made_active_under_its_client(
    toggl_client: Toggl, toggl_emulator: Emulator
) -> None:
    report = sync_customers(toggl_client, WORKSPACE, CUSTOMERS)
    assert report.projects_created == ["Northwind Traders: Website", "Northwind Traders: Support"]
    northwind = next(
        c for c in toggl_emulator.clients(WORKSPACE) if c["name"] == "Northwind Traders"
    )
    projects = {p["name"]: p for p in toggl_emulator.projects(WORKSPACE)}
    assert projects["Website"]["client_id"] == northwind["id"] and projects["Website"]["active"]
    assert projects["Support"]["status"] == "active"


def test_a_gone_customer_s_projects_are_archived_with_it_and_come_back(
    toggl_client: Toggl, toggl_emulator: Emulator
) -> None:
    sync_customers(toggl_client, WORKSPACE, CUSTOMERS)
    sync_customers(toggl_client, WORKSPACE, [Customer("crm-2", "Contoso")])  # Northwind is gone
    assert {p["name"]: p["active"] for p in toggl_emulator.projects(WORKSPACE)}["Website"] is False
    report = sync_customers(toggl_client, WORKSPACE, CUSTOMERS)
    assert report.restored == ["Northwind Traders"] and report.projects_created == []
    assert {p["name"]: p["active"] for p in toggl_emulator.projects(WORKSPACE)}["Website"] is True


def test_a_second_run_changes_nothing(toggl_client: Toggl) -> None:
    sync_customers(toggl_client, WORKSPACE, CUSTOMERS)
    assert sync_customers(toggl_client, WORKSPACE, CUSTOMERS).changes == 0


def test_renamed_gone_and_returning_customers(
    toggl_client: Toggl, toggl_emulator: Emulator
) -> None:
    sync_customers(toggl_client, WORKSPACE, CUSTOMERS)
    report = sync_customers(toggl_client, WORKSPACE, [Customer("crm-1", "Northwind Ltd")])
    assert report.renamed == ["Northwind Ltd"] and report.archived == ["Contoso"]
    report = sync_customers(toggl_client, WORKSPACE, CUSTOMERS)
    assert report.restored == ["Contoso"] and report.renamed == ["Northwind Traders"]
    archived = {c["name"]: c["archived"] for c in toggl_emulator.clients(WORKSPACE)}
    assert archived["Contoso"] is False


def test_a_name_someone_else_took_is_a_typed_error(toggl_client: Toggl) -> None:
    with pytest.raises(NameTakenError):
        sync_customers(toggl_client, WORKSPACE, [Customer("crm-9", "acme corporation")])


@pytest.mark.toggl_emulator(rate_limit=1)
def test_under_toggls_rate_limit_the_sdk_waits_and_every_call_succeeds(toggl_client: Toggl) -> None:
    # Toggl's leaky bucket at one request per second: the SDK's retries wait it out.
    report = sync_customers(toggl_client, WORKSPACE, CUSTOMERS)
    assert len(report.created) == 2


@pytest.mark.toggl_emulator(rate_limit=1)
def test_without_retries_the_rate_limit_shows(toggl_client: Toggl) -> None:
    impatient = toggl_client.with_options(max_retries=0)
    with pytest.raises(RateLimitError):
        for _ in range(5):
            impatient.clients.list(WORKSPACE)


@pytest.mark.toggl_emulator(error_rate=0.3, fault_seed=7)
def test_random_server_errors_are_retried(toggl_client: Toggl, toggl_emulator: Emulator) -> None:
    for _ in range(5):
        toggl_client.clients.list(WORKSPACE)  # GETs are retried on 5xx
    assert len(toggl_emulator.clients(WORKSPACE)) == 3


def test_over_a_real_socket(toggl_server: RunningEmulator) -> None:
    with Toggl(api_token="admin-token", base_url=toggl_server.base_url) as toggl:
        sync_customers(toggl, WORKSPACE, CUSTOMERS)
    names = {c["name"] for c in toggl_server.state()["clients"]}
    assert {"Northwind Traders", "Contoso"} <= names


def test_each_test_gets_the_server_back_as_seeded(toggl_server: RunningEmulator) -> None:
    names = {c["name"] for c in toggl_server.state()["clients"]}
    assert "Northwind Traders" not in names


@pytest.mark.toggl_emulator(hourly_quota=3)
def test_the_hourly_quota_over_http(toggl_server: RunningEmulator) -> None:
    with httpx.Client(base_url=toggl_server.base_url, auth=("admin-token", "api_token")) as http:
        statuses = [http.get(f"/workspaces/{WORKSPACE}/clients").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 402]


def test_plain_httpx_needs_no_sdk(toggl_http: httpx.Client) -> None:
    created = toggl_http.post(f"/workspaces/{WORKSPACE}/clients", json={"name": "Fabrikam"})
    assert created.status_code == 200 and created.json()["name"] == "Fabrikam"
