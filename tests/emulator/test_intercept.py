"""Interception, the journal and planned faults, used as the docs show them."""

from __future__ import annotations

import asyncio
import unittest

import httpx
import pytest
from toggl_emulator import Emulator, EmulatorOptions, intercept
from toggl_emulator.seed import extended
from toggl_emulator.transport import BASE_URL, EmulatorTransport
from toggl_track_client import APITimeoutError, AsyncToggl, InternalServerError, Toggl

from tests.support import ACME, ADMIN, ADMIN_TOKEN, PREMIUM

pytestmark = pytest.mark.emulator
LIVE = "https://api.track.toggl.com/api/v9"


def code_under_test() -> list[str]:
    """Code that builds its own client from the environment, as a user's sync job does."""
    with Toggl(api_token=ADMIN_TOKEN) as toggl:
        toggl.clients.create(PREMIUM, name="New customer")
        return [client.name for client in toggl.clients.list(PREMIUM)]


def test_a_context_manager_answers_toggl_s_live_url_in_process() -> None:
    with intercept() as toggl:
        assert "New customer" in code_under_test()
        assert "New customer" in [c["name"] for c in toggl.clients(PREMIUM)]
        toggl.journal.assert_called("create_client", times=1)
        assert toggl.journal.last("create_client").body == {"name": "New customer"}


def test_other_hosts_are_refused_or_passed_as_chosen() -> None:
    with intercept(), pytest.raises(Exception, match="not mocked"):
        httpx.get("http://127.0.0.1:9/elsewhere")
    with intercept(pass_through=True), pytest.raises(httpx.ConnectError):
        httpx.get("http://127.0.0.1:9/elsewhere")  # reached the network: nothing listens on 9


@intercept("https://toggl.internal/proxy", options=EmulatorOptions(hourly_quota=5))
def test_a_decorator_with_a_base_url_of_your_own(toggl: Emulator) -> None:
    answer = httpx.get(f"https://toggl.internal/proxy/workspaces/{PREMIUM}/clients", auth=ADMIN)
    assert answer.status_code == 200 and answer.headers["x-toggl-quota-remaining"] == "4"
    assert toggl.journal.last().path == f"/api/v9/workspaces/{PREMIUM}/clients"


@intercept()
def test_each_decorated_call_gets_a_fresh_emulator(toggl: Emulator) -> None:
    assert "New customer" not in [c["name"] for c in toggl.clients(PREMIUM)]
    code_under_test()


def test_async_code_is_intercepted_too() -> None:
    @intercept()
    async def sync_job(toggl: Emulator) -> int:
        async with AsyncToggl(api_token=ADMIN_TOKEN) as client:
            return len(await client.clients.list(PREMIUM))

    assert asyncio.run(sync_job()) == 2


class UnittestStyle(unittest.TestCase):
    def setUp(self) -> None:
        interception = intercept()
        self.toggl = interception.start()
        self.addCleanup(interception.stop)

    def test_start_and_stop(self) -> None:
        code_under_test()
        self.toggl.journal.assert_called("list_clients")


def test_the_plugin_s_fixture_intercepts_with_the_test_s_emulator(
    toggl_intercept: Emulator,
) -> None:
    code_under_test()
    toggl_intercept.journal.assert_called("create_client")


# --- the journal --------------------------------------------------------------------------------


def test_the_journal_records_operation_method_path_query_body_status() -> None:
    with intercept() as toggl:
        httpx.get(f"{LIVE}/workspaces/{PREMIUM}/clients?status=both&name=ac", auth=ADMIN)
        httpx.put(f"{LIVE}/workspaces/{PREMIUM}/clients/{ACME}", json={"notes": "x"}, auth=ADMIN)
        httpx.get(f"{LIVE}/nowhere", auth=ADMIN)
        listed, updated, unknown = toggl.journal
        assert (listed.operation, listed.method, listed.query, listed.status) == (
            "list_clients", "GET", {"status": "both", "name": "ac"}, 200,
        )  # fmt: skip
        assert (updated.operation, updated.body) == ("update_client", {"notes": "x"})
        assert (unknown.operation, unknown.status) == (None, 404)
        with pytest.raises(AssertionError, match="delete_client was called 0 time.*list_clients"):
            toggl.journal.assert_called("delete_client")
        toggl.journal.assert_not_called("delete_client")
        toggl.journal.clear()
        assert len(toggl.journal) == 0


def test_the_journal_can_be_switched_off() -> None:
    with intercept(options=EmulatorOptions(journal=False)) as toggl:
        code_under_test()
        assert len(toggl.journal) == 0


def test_the_journal_is_read_over_http_too(toggl_server: object) -> None:
    from toggl_emulator.pytest_plugin import RunningEmulator

    assert isinstance(toggl_server, RunningEmulator)
    httpx.get(f"{toggl_server.base_url}/workspaces/{PREMIUM}/clients", auth=ADMIN)
    journal = httpx.get(f"{toggl_server.origin}/_emulator/journal").json()
    assert journal[-1]["operation"] == "list_clients" and journal[-1]["status"] == 200


# --- planned faults -----------------------------------------------------------------------------


def test_fail_the_next_calls_of_an_operation_then_it_works() -> None:
    with intercept() as toggl:
        toggl.faults.fail_next("list_clients", status=503, times=2)
        with Toggl(api_token=ADMIN_TOKEN, max_retries=0) as client:
            for _ in range(2):
                with pytest.raises(InternalServerError):
                    client.clients.list(PREMIUM)
            assert client.clients.list(PREMIUM)
        assert [e.status for e in toggl.journal.calls("list_clients")] == [503, 503, 200]


def test_a_write_applied_then_its_answer_lost() -> None:
    with intercept() as toggl:
        toggl.faults.fail_next("update_client", status=502, applied=True)
        with (
            Toggl(api_token=ADMIN_TOKEN, max_retries=0) as client,
            pytest.raises(InternalServerError),
        ):
            client.clients.update(PREMIUM, ACME, notes="written anyway")
        assert (
            next(c for c in toggl.clients(PREMIUM) if c["id"] == ACME)["notes"] == "written anyway"
        )


def test_a_planned_timeout_is_a_timeout_for_the_client() -> None:
    with intercept() as toggl:
        toggl.faults.fail_next("get_client", timeout=True)
        with Toggl(api_token=ADMIN_TOKEN, max_retries=0) as client, pytest.raises(APITimeoutError):
            client.clients.get(PREMIUM, ACME)


def test_latency_per_operation(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)  # what intercept() sleeps, not slept
    with intercept() as toggl:
        toggl.faults.delay("list_clients", ms=150)
        httpx.get(f"{LIVE}/workspaces/{PREMIUM}/clients/{ACME}", auth=ADMIN)
        httpx.get(f"{LIVE}/workspaces/{PREMIUM}/clients", auth=ADMIN)
        toggl.faults.delay("list_clients", ms=0)
        httpx.get(f"{LIVE}/workspaces/{PREMIUM}/clients", auth=ADMIN)
    assert slept == [0.15]  # the list once, nothing for the get, nothing once the delay is gone


def test_an_unknown_operation_is_refused_with_the_names() -> None:
    with pytest.raises(
        ValueError, match="no operation 'update_clients'; the operations: list_clients"
    ):
        Emulator().faults.fail_next("update_clients")


def test_faults_are_planned_over_http_too(toggl_server: object) -> None:
    from toggl_emulator.pytest_plugin import RunningEmulator

    assert isinstance(toggl_server, RunningEmulator)
    planned = httpx.post(f"{toggl_server.origin}/_emulator/faults",
                         json={"operation": "list_clients", "status": 503})  # fmt: skip
    assert planned.status_code == 200
    assert (
        httpx.get(f"{toggl_server.base_url}/workspaces/{PREMIUM}/clients", auth=ADMIN).status_code
        == 503
    )
    refused = httpx.post(f"{toggl_server.origin}/_emulator/faults", json={"operation": "x"})
    assert refused.status_code == 400 and "no operation 'x'" in refused.text


# --- arranging data on top of the default seed --------------------------------------------------


def test_arrange_adds_entries_on_top_of_the_seed_and_names_them() -> None:
    emulator = Emulator()
    seed = emulator.arrange(
        workspaces=[{"key": "lab", "premium": True}],
        users=[{"key": "carol", "workspaces": {1004: "admin"}}],
        clients=[{"key": "umbrella", "wid": PREMIUM, "name": "Umbrella"},
                 {"key": "lab-client", "wid": 1004, "name": "Lab"}],
        projects=[{"key": "vaccine", "wid": 1004, "client_id": None, "name": "Vaccine"}],
    )  # fmt: skip
    assert "Umbrella" in [c["name"] for c in emulator.clients(PREMIUM)]
    assert seed.workspaces["lab"].id == 1004 and seed.clients["acme"].id == ACME
    transport = EmulatorTransport(emulator)
    with httpx.Client(
        transport=transport, base_url=BASE_URL, auth=seed.users["carol"].basic_auth
    ) as http:
        archived = http.post(f"/workspaces/1004/clients/{seed.clients['lab-client'].id}/archive")
        assert archived.status_code == 200  # a premium workspace of its own


def test_a_bad_arranged_entry_is_refused_naming_it() -> None:
    from toggl_emulator import SeedError

    with pytest.raises(SeedError, match=r"clients\[4\] \(key 'typo'\): unknown field 'nmae'"):
        Emulator().arrange(clients=[{"key": "typo", "wid": PREMIUM, "nmae": "Oops"}])


@pytest.mark.toggl_emulator(
    seed=extended(clients=[{"key": "umbrella", "wid": 1001, "name": "Umbrella"}])
)
def test_an_extended_seed_through_the_marker(toggl_client: Toggl) -> None:
    assert "Umbrella" in [c.name for c in toggl_client.clients.list(PREMIUM)]
