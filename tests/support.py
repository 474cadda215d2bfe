"""What tests of every area share: the repository root, the seed's names, a scripted transport, a
loopback server for misbehaving on the wire.

Fixtures live in `conftest.py`; the Toggl emulator's own fixtures come from its pytest plugin
(`toggl_emulator`, `toggl_http`, `toggl_server`, ...), which the test suite uses as users do.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from toggl_emulator import Emulator, EmulatorOptions
from toggl_emulator.emulator import API_PREFIX, CONTROL_PREFIX
from toggl_emulator.seed import DEFAULT_SEED
from toggl_emulator.transport import BASE_URL, EmulatorTransport

ROOT = Path(__file__).resolve().parent.parent
SEED = DEFAULT_SEED
ADMIN = SEED.users["admin"].basic_auth
ADMIN_TOKEN = SEED.users["admin"].api_token
MEMBER = SEED.users["member"].basic_auth
OUTSIDER = SEED.users["outsider"].basic_auth
PREMIUM = SEED.workspaces["premium"].id  # premium plan, members may manage clients
FREE = SEED.workspaces["free"].id  # free plan, only admins manage clients
ACME = SEED.clients["acme"].id  # active, two active projects
GLOBEX = SEED.clients["globex"].id  # active, one project
INITECH = SEED.clients["initech"].id  # archived
HOBBY = SEED.clients["hobby"].id  # in the free workspace
ADMIN_ID = SEED.users["admin"].id
RELAUNCH = SEED.projects["relaunch"].id  # Acme's, active, with tracked time
ONBOARDING = SEED.projects["onboarding"].id  # Globex's, premium fields set
AUDIT = SEED.projects["audit"].id  # Initech's, archived
GARDEN = SEED.projects["garden"].id  # in the free workspace, no client
W = f"/workspaces/{PREMIUM}/clients"
CONTROL = (
    BASE_URL.removesuffix(API_PREFIX) + CONTROL_PREFIX
)  # the in-process emulator's control URL


def api_client(auth: tuple[str, str] | None = ADMIN, **options: Any) -> httpx.Client:
    """An httpx client on a fresh in-process emulator with these `EmulatorOptions`."""
    emulator = Emulator(EmulatorOptions(**options))
    return httpx.Client(base_url=BASE_URL, auth=auth, transport=EmulatorTransport(emulator))


CLIENT: dict[str, Any] = {
    "id": 5,
    "wid": 1001,
    "archived": False,
    "name": "Acme",
    "at": "2024-03-17T10:55:38+00:00",
}
"""A client as a scripted server answers it (the required fields only)."""


class Script:
    """A scripted server: answers requests from a list, in order, and records them.

    An answer is an `httpx.Response` or an exception to raise (a transport error).
    """

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def answer(status: int, body: Any = None, **headers: str) -> httpx.Response:
    """A response with a JSON body (none when `body` is None)."""
    if body is None:
        return httpx.Response(status, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


def operation_module(operation: dict[str, Any]) -> Any:
    """The generated module of a spec operation (`toggl_track_client.api.<tag>.<snake_case id>`)."""
    import importlib

    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in operation["operationId"])
    return importlib.import_module(f"toggl_track_client.api.{operation['tags'][0].lower()}.{snake}")


@contextlib.contextmanager
def loopback_server(
    serve: Callable[[socket.socket], None],
) -> Iterator[tuple[str, list[socket.socket]]]:
    """A TCP server on 127.0.0.1 that hands each connection to `serve` in a thread of its own:
    the API base URL it answers on, and the connections it has accepted so far."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return  # the server was closed
            accepted.append(connection)
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/api/v9", accepted
    finally:
        server.close()
