"""Shared fixtures: the spec, the emulator in-process (ASGI) and over a socket."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from mock_server import MockServer
from starlette.testclient import TestClient

from mock import MockOptions, create_app

ROOT = Path(__file__).resolve().parent.parent
ADMIN = ("mock-admin-token", "api_token")
MEMBER = ("mock-member-token", "api_token")
OUTSIDER = ("mock-outsider-token", "api_token")


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    return loaded


def api_client(auth: tuple[str, str] | None = ADMIN, **options: Any) -> httpx.Client:
    """An httpx client talking to a fresh emulator in-process."""
    client = TestClient(create_app(MockOptions(**options)), base_url="http://mock/api/v9")
    if auth is not None:
        client.auth = auth
    return client


@pytest.fixture
def api() -> Iterator[httpx.Client]:
    """The admin of workspace 1001 on a fresh emulator, in-process."""
    with api_client() as client:
        yield client


@pytest.fixture(scope="session")
def mock_server() -> Iterator[MockServer]:
    """One emulator over a real socket for the session; reset it in tests that change it."""
    with MockServer() as server:
        yield server
