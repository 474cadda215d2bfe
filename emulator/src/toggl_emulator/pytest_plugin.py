"""pytest fixtures for testing code that talks to Toggl, against a stateful emulator.

Installed with the package (a `pytest11` entry point): no import or conftest needed.

    def test_renaming(toggl_client):                    # the SDK's `Toggl`, bound to a fresh emulator
        created = toggl_client.clients.create(1001, name="Acme")
        toggl_client.clients.update(1001, created.id, name="Acme Corp")

    @pytest.mark.toggl_emulator(rate_limit=1, hourly_quota=30)
    def test_under_toggls_limits(toggl_http, toggl_emulator):   # plain httpx, no SDK needed
        assert toggl_http.get("/workspaces/1001/clients").status_code == 200
        assert toggl_emulator.clients(1001)[0]["name"] == "Acme Corporation"

Fixtures:

- `toggl_emulator`: a fresh in-process `Emulator` per test (no socket). Its state is there for
  assertions: `.clients(workspace_id)`, `.state()`, `.store`; what it was asked, in `.journal`
  (`.journal.assert_called("create_client")`); planned failures, in `.faults`
  (`.faults.fail_next("update_client", status=503)`).
- `toggl_intercept`: the same emulator, also answering every httpx request to Toggl's live URL
  (for code that builds its own `Toggl()`); other hosts are refused.
- `toggl_http` / `toggl_async_http`: `httpx.Client` / `httpx.AsyncClient` bound to it with the
  default user's credentials (`toggl_user`, the seed's admin unless overridden).
- `toggl_client` / `toggl_async_client`: the SDK's `Toggl` / `AsyncToggl` bound to it;
  `toggl_low_level_client`: its `AuthenticatedClient` (for the per-operation modules). They skip
  the test with a clear message when `toggl-track-client` is not installed.
- `toggl_server`: a real server on a free loopback port, started once per session and reset
  (with this test's options) before each test that uses it; `.base_url`, `.state()`.
- `toggl_seed`: the seed's named entries (`toggl_seed.users["admin"].api_token`, ...).

Options per test: `@pytest.mark.toggl_emulator(**EmulatorOptions fields)` (`seed`, `rate_limit`,
`hourly_quota`, `error_rate`, `fault_seed`, `latency_ms`, `max_body_bytes`, `journal`), on a test, a class or
a module (`pytestmark`); or override the `toggl_emulator_options` fixture.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import asdict, fields, replace
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from .emulator import CONTROL_PREFIX, Emulator
from .intercept import intercept
from .options import EmulatorOptions
from .seed import Seed, SeedUser, load_seed
from .server import EmulatorProcess
from .transport import BASE_URL, AsyncEmulatorTransport, EmulatorTransport

if TYPE_CHECKING:  # the SDK is optional: these names are for type checkers only
    from toggl_track_client import AsyncToggl, AuthenticatedClient, Toggl

MARKER = "toggl_emulator"
_OPTION_NAMES = {f.name for f in fields(EmulatorOptions)}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): options of the Toggl emulator for this test "
        "(seed, rate_limit, hourly_quota, error_rate, fault_seed, latency_ms, max_body_bytes)",
    )


@pytest.fixture
def toggl_emulator_options(request: pytest.FixtureRequest) -> EmulatorOptions:
    """The options of this test's emulator: the closest `toggl_emulator` marker's keywords."""
    overrides: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers(MARKER))):  # the closest wins
        unknown = set(marker.kwargs) - _OPTION_NAMES
        if unknown or marker.args:
            raise pytest.UsageError(
                f"@pytest.mark.{MARKER} takes keywords among {sorted(_OPTION_NAMES)}; "
                f"got {sorted(unknown) or list(marker.args)}"
            )
        overrides.update(marker.kwargs)
    return replace(EmulatorOptions(), **overrides)


@pytest.fixture
def toggl_emulator(toggl_emulator_options: EmulatorOptions) -> Emulator:
    """A fresh emulator in this process, configured by `toggl_emulator_options`."""
    return Emulator(toggl_emulator_options)


@pytest.fixture
def toggl_intercept(toggl_emulator: Emulator) -> Iterator[Emulator]:
    """This test's emulator answers every httpx request to Toggl's live API (code that builds its
    own `Toggl()` or `httpx.Client` included); other hosts are refused."""
    with intercept(emulator=toggl_emulator) as emulator:
        yield emulator


@pytest.fixture
def toggl_seed(toggl_emulator_options: EmulatorOptions) -> Seed:
    """The named entries of this test's seed."""
    return Seed.of(load_seed(toggl_emulator_options.seed))


@pytest.fixture
def toggl_user(toggl_seed: Seed) -> SeedUser:
    """Whose credentials the bound clients send: the seed's `admin`, else its first user
    (override the fixture to choose another)."""
    return toggl_seed.users.get("admin") or next(iter(toggl_seed.users.values()))


@pytest.fixture
def toggl_http(toggl_emulator: Emulator, toggl_user: SeedUser) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=BASE_URL, auth=toggl_user.basic_auth, transport=EmulatorTransport(toggl_emulator)
    ) as client:
        yield client


@pytest.fixture
def toggl_async_http(toggl_emulator: Emulator, toggl_user: SeedUser) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` bound likewise (a plain fixture: works with any async test runner)."""
    return httpx.AsyncClient(
        base_url=BASE_URL,
        auth=toggl_user.basic_auth,
        transport=AsyncEmulatorTransport(toggl_emulator),
    )


def _sdk() -> Any:
    return pytest.importorskip(
        "toggl_track_client", reason="the SDK fixtures need `pip install toggl-track-client`"
    )


@pytest.fixture
def toggl_client(toggl_emulator: Emulator, toggl_user: SeedUser) -> Iterator[Toggl]:
    """The SDK's resource client, bound to this test's emulator."""
    sdk = _sdk()
    with sdk.Toggl(
        api_token=toggl_user.api_token,
        base_url=BASE_URL,
        transport=EmulatorTransport(toggl_emulator),
    ) as client:
        yield client


@pytest.fixture
def toggl_async_client(toggl_emulator: Emulator, toggl_user: SeedUser) -> AsyncToggl:
    """The SDK's async resource client, bound likewise (a plain fixture, any async runner)."""
    sdk = _sdk()
    client: AsyncToggl = sdk.AsyncToggl(
        api_token=toggl_user.api_token,
        base_url=BASE_URL,
        transport=AsyncEmulatorTransport(toggl_emulator),
    )
    return client


@pytest.fixture
def toggl_low_level_client(
    toggl_emulator: Emulator, toggl_user: SeedUser
) -> Iterator[AuthenticatedClient]:
    """The SDK's low-level client (for `toggl_track_client.api.*` modules), bound likewise."""
    sdk = _sdk()
    with sdk.AuthenticatedClient(
        api_token=toggl_user.api_token,
        base_url=BASE_URL,
        transport=EmulatorTransport(toggl_emulator),
    ) as client:
        yield client


class RunningEmulator:
    """A `toggl-emulator` process shared by a session; `reset()` gives each test a fresh one."""

    def __init__(self, process: EmulatorProcess) -> None:
        self.process = process
        self.base_url = process.base_url
        self.origin = process.origin

    def reset(self, options: EmulatorOptions | None = None) -> None:
        """Back to the seed, with these options (limits, faults, seed) from now on."""
        body = json.dumps(_options_json(options or EmulatorOptions())).encode()
        request = urllib.request.Request(
            f"{self.origin}{CONTROL_PREFIX}/reset",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10):
            pass

    def state(self) -> dict[str, Any]:
        """Everything the server stores (clients, deleted ones included; projects)."""
        with urllib.request.urlopen(f"{self.origin}{CONTROL_PREFIX}/state", timeout=10) as reply:
            state: dict[str, Any] = json.load(reply)
            return state


def _options_json(options: EmulatorOptions) -> dict[str, Any]:
    data = {k: v for k, v in asdict(options).items() if k not in ("clock", "control_token")}
    if data["seed"] is not None and not isinstance(data["seed"], Mapping):
        data["seed"] = load_seed(data["seed"])
    return data


@pytest.fixture(scope="session")
def _toggl_server_process() -> Iterator[RunningEmulator]:
    with EmulatorProcess() as process:
        yield RunningEmulator(process)


@pytest.fixture
def toggl_server(
    _toggl_server_process: RunningEmulator, toggl_emulator_options: EmulatorOptions
) -> RunningEmulator:
    """A real HTTP server on loopback, reset to this test's options before it runs."""
    _toggl_server_process.reset(toggl_emulator_options)
    return _toggl_server_process
