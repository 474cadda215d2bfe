"""The pytest plugin, run by pytest itself (pytester) as a user's test suite would run it."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_user=source)
    return pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider", *args)


def test_the_fixtures_need_no_conftest(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_create_and_read_back(toggl_http, toggl_emulator):
            created = toggl_http.post("/workspaces/1001/clients", json={"name": "Acme 2"}).json()
            assert toggl_http.get(f"/workspaces/1001/clients/{created['id']}").json()["name"] == "Acme 2"
            assert any(c["name"] == "Acme 2" for c in toggl_emulator.clients(1001))

        def test_a_fresh_emulator_per_test(toggl_emulator):
            assert not any(c["name"] == "Acme 2" for c in toggl_emulator.clients(1001))

        def test_the_seed_by_name(toggl_seed, toggl_user):
            assert toggl_user.api_token == toggl_seed.users["admin"].api_token
            assert toggl_seed.workspaces["premium"].id == 1001
            assert toggl_seed.projects["relaunch"].client_id == toggl_seed.clients["acme"].id

        def test_projects_too(toggl_http, toggl_emulator, toggl_seed):
            acme = toggl_seed.clients["acme"].id
            made = toggl_http.post("/workspaces/1001/projects", json={"name": "Site", "client_id": acme}).json()
            toggl_http.delete(f"/workspaces/1001/clients/{acme}")
            stored = {p["id"]: p for p in toggl_emulator.projects(1001)}
            assert stored[made["id"]]["client_id"] is None and stored[made["id"]]["active"] is False
            deleted = toggl_http.delete(f"/workspaces/1001/projects/{made['id']}")
            assert deleted.json() == made["id"] and made["id"] not in {p["id"] for p in toggl_emulator.projects(1001)}
            assert made["id"] in {p["id"] for p in toggl_emulator.projects(1001, deleted=True)}
        """,
    )
    result.assert_outcomes(passed=4)


def test_limits_and_faults_per_test_module_and_class(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        pytestmark = pytest.mark.toggl_emulator(hourly_quota=2)

        def test_module_quota(toggl_http):
            codes = [toggl_http.get("/workspaces/1001/clients").status_code for _ in range(3)]
            assert codes == [200, 200, 402]

        @pytest.mark.toggl_emulator(hourly_quota=None, rate_limit=1)
        def test_the_closest_marker_wins(toggl_http):
            codes = [toggl_http.get("/workspaces/1001/clients").status_code for _ in range(4)]
            assert 429 in codes and 402 not in codes

        @pytest.mark.toggl_emulator(error_rate=1.0)
        class TestFaults:
            def test_every_request_fails(self, toggl_http):
                assert toggl_http.get("/workspaces/1001/clients").status_code == 500
        """,
    )
    result.assert_outcomes(passed=3)


def test_an_unknown_option_is_a_clear_usage_error(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.toggl_emulator(rate_limt=1)
        def test_typo(toggl_http):
            pass
        """,
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*toggl_emulator takes keywords among*rate_limit*rate_limt*"])


def test_the_sdk_fixtures_bind_the_resource_and_low_level_clients(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        import asyncio
        from toggl_track_client.api.clients import get_client

        def test_resource_client(toggl_client, toggl_emulator):
            created = toggl_client.clients.create(1001, name="Via the SDK")
            assert toggl_emulator.clients(1001)[-1]["name"] == "Via the SDK"
            assert toggl_client.clients.get(1001, created.id).name == "Via the SDK"

        def test_low_level_client(toggl_low_level_client):
            assert get_client.sync(1001, 61250143, client=toggl_low_level_client).name == "Acme Corporation"

        def test_async_client(toggl_async_client):
            async def main():
                async with toggl_async_client as toggl:
                    return [c.name for c in await toggl.clients.list(1001)]
            assert "Acme Corporation" in asyncio.run(main())
        """,
    )
    result.assert_outcomes(passed=3)


def test_without_the_sdk_its_fixtures_skip_and_plain_httpx_works(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import sys
        sys.modules["toggl_track_client"] = None  # as if it were not installed
        """
    )
    result = run(
        pytester,
        """
        def test_sdk(toggl_client):
            pass

        def test_plain(toggl_http):
            assert toggl_http.get("/workspaces/1001/clients").status_code == 200
        """,
        "-rs",
    )
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*pip install toggl-track-client*"])


def test_the_socket_server_is_shared_and_reset_between_tests(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import httpx
        import pytest

        PORTS = set()

        def test_writes(toggl_server):
            PORTS.add(toggl_server.base_url)
            with httpx.Client(base_url=toggl_server.base_url, auth=("admin-token", "api_token")) as http:
                assert http.post("/workspaces/1001/clients", json={"name": "Over HTTP"}).status_code == 200
            assert any(c["name"] == "Over HTTP" for c in toggl_server.state()["clients"])

        @pytest.mark.toggl_emulator(hourly_quota=1)
        def test_reset_with_this_tests_options(toggl_server):
            PORTS.add(toggl_server.base_url)
            assert not any(c["name"] == "Over HTTP" for c in toggl_server.state()["clients"])
            with httpx.Client(base_url=toggl_server.base_url, auth=("admin-token", "api_token")) as http:
                codes = [http.get("/workspaces/1001/clients").status_code for _ in range(2)]
            assert codes == [200, 402]

        def test_one_process_for_the_session():
            assert len(PORTS) == 1
        """,
    )
    result.assert_outcomes(passed=3)
