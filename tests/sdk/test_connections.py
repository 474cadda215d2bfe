"""Every connection the SDK opens is closed by the client that owns it.

A `with_options` copy shares its parent's pool and may be the first to use it: the parent's
`close()` / `aclose()` / context exit must close the pool whoever opened it. The suite runs with
`error::ResourceWarning` (pyproject's `filterwarnings`), so a socket left for the garbage collector
fails the test that leaked it; these tests check the pool directly as well.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import warnings

import httpx
import pytest
from toggl_emulator.pytest_plugin import RunningEmulator
from toggl_track_client import AsyncToggl, AuthenticatedClient, Toggl

from tests.support import ADMIN_TOKEN, PREMIUM


def _open_connections(transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None) -> int:
    assert isinstance(transport, httpx.HTTPTransport | httpx.AsyncHTTPTransport)
    return len(transport._pool.connections)


def test_a_copy_s_connections_are_closed_with_the_client(toggl_server: RunningEmulator) -> None:
    with Toggl(api_token=ADMIN_TOKEN, base_url=toggl_server.base_url) as toggl:
        toggl.with_options(max_retries=0).clients.list(PREMIUM)
        shared = toggl.low_level._pool.transport
        assert _open_connections(shared) == 1
    assert _open_connections(shared) == 0


def test_closing_a_copy_leaves_the_parent_s_pool_usable(toggl_server: RunningEmulator) -> None:
    client = AuthenticatedClient(api_token=ADMIN_TOKEN, base_url=toggl_server.base_url)
    copy = client.with_options(timeout=5)
    copy.get_httpx_client().get(f"/workspaces/{PREMIUM}/clients").raise_for_status()
    copy.close()
    assert client.get_httpx_client().get(f"/workspaces/{PREMIUM}/clients").status_code == 200
    client.close()
    assert _open_connections(client._pool.transport) == 0


def test_an_async_copy_s_connections_are_closed_with_the_client(
    toggl_server: RunningEmulator,
) -> None:
    async def job() -> httpx.AsyncBaseTransport | None:
        async with AsyncToggl(api_token=ADMIN_TOKEN, base_url=toggl_server.base_url) as toggl:
            await toggl.with_options(max_retries=0).clients.list(PREMIUM)
            shared = toggl.low_level._pool.async_transport
            assert _open_connections(shared) == 1
        return shared

    assert _open_connections(asyncio.run(job())) == 0


@pytest.mark.slow
def test_user_style_code_leaves_no_socket_for_the_garbage_collector(
    toggl_server: RunningEmulator,
) -> None:
    """Sync and async, copies first, under `-W error::ResourceWarning` in a process of its own."""
    script = textwrap.dedent(
        f"""
        import asyncio, gc, sys
        from toggl_track_client import AsyncToggl, Toggl

        leaks = []
        sys.unraisablehook = lambda hook: leaks.append(repr(hook.exc_value))
        url = {toggl_server.base_url!r}

        def sync_job():
            with Toggl(api_token={ADMIN_TOKEN!r}, base_url=url) as toggl:
                toggl.with_options(max_retries=0).clients.list({PREMIUM})
                toggl.with_options(timeout=5).with_options(deadline=9).projects.list({PREMIUM})
                toggl.clients.list({PREMIUM})

        async def async_job():
            async with AsyncToggl(api_token={ADMIN_TOKEN!r}, base_url=url) as toggl:
                await toggl.with_options(max_retries=0).clients.list({PREMIUM})

        sync_job()
        asyncio.run(async_job())
        gc.collect()
        print(leaks)
        sys.exit(1 if leaks else 0)
        """
    )
    done = subprocess.run(
        [sys.executable, "-W", "error::ResourceWarning", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_suite_fails_on_a_resource_warning() -> None:
    """The `filterwarnings` that makes every test here a leak check is in force."""
    with pytest.raises(ResourceWarning):
        warnings.warn("unclosed <socket>", ResourceWarning, stacklevel=1)
