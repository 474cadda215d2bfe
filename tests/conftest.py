"""Fixtures shared by every test area (the emulator's own come from its pytest plugin)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import yaml

from tests.support import ROOT


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    return loaded


@pytest.fixture
def api(toggl_http: httpx.Client) -> httpx.Client:
    """The seed's admin on a fresh in-process emulator (the plugin's `toggl_http`)."""
    return toggl_http
