"""Each test gets a fresh in-process emulator, judged by a fresh `Semantics`."""

from __future__ import annotations

import pytest

from tests.contract.verdicts.harness import Server


@pytest.fixture
def server() -> Server:
    return Server()
