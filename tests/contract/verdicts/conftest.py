"""Each test gets a fresh in-process emulator, judged by a fresh `Semantics`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.contract.verdicts.harness import Server


@pytest.fixture
def server() -> Iterator[Server]:
    judged = Server()
    yield judged
    judged.http.close()
