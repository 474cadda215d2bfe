"""schemathesis' pytest API over the emulator's ASGI app (no socket): one test per operation,
and a state machine that walks clients through their life along the spec's links."""

from __future__ import annotations

import os
from base64 import b64encode

import pytest
import schemathesis
import toggl_contract.contract_checks  # noqa: F401  (registers the Toggl semantics checks)
from toggl_emulator import create_app

from tests.support import PREMIUM, ROOT

os.environ.setdefault("TOGGL_WORKSPACE_ID", f"{PREMIUM}")
os.environ.setdefault(
    "TOGGL_AUTHORIZATION", "Basic " + b64encode(b"admin-token:api_token").decode()
)

pytestmark = [pytest.mark.contract, pytest.mark.emulator]

schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml")
schema.app = create_app()


@schema.parametrize()
def test_each_operation_agrees_with_the_spec(case: schemathesis.Case) -> None:
    case.call_and_validate()


ClientLifecycle = schema.as_state_machine()
TestClientLifecycle = ClientLifecycle.TestCase
