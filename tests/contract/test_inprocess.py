"""schemathesis' own pytest API over the emulator's ASGI app (no socket, no gateway): one test per
operation and a state machine along the spec's links, with the kit's checks and filters. It is how
a user of the kit would test their own ASGI app; the full runs are `toggl-contract run`."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
import schemathesis
import yaml
from schemathesis.config import SchemathesisConfig
from toggl_contract.apimap import ApiMap
from toggl_contract.checks import (
    NoBodyWhereNoneDeclared,
    RefusedOnlyForState,
    install_hooks,
    method_not_allowed_as_recorded,
)
from toggl_contract.session import basic_auth
from toggl_emulator import create_app

from tests.support import ADMIN_TOKEN, PREMIUM, ROOT

pytestmark = [pytest.mark.contract, pytest.mark.emulator]

config = tomllib.loads((ROOT / "schemathesis.toml").read_text())
config["auth"] = basic_auth(ROOT / "openapi.yaml", ADMIN_TOKEN, "api_token")
config["parameters"] = {"path.workspace_id": PREMIUM}
schema = schemathesis.openapi.from_path(
    ROOT / "openapi.yaml", config=SchemathesisConfig.from_dict(config)
)
app = create_app()
schema.app = app
install_hooks(schema, PREMIUM)
CHECKS: list[Any] = [
    RefusedOnlyForState(ApiMap.load(ROOT / "openapi.yaml")),
    method_not_allowed_as_recorded,
    NoBodyWhereNoneDeclared(yaml.safe_load((ROOT / "openapi.yaml").read_text())),
]


@schema.parametrize()
def test_each_operation_agrees_with_the_spec(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate(additional_checks=CHECKS)


class Lifecycle(schema.as_state_machine()):  # type: ignore[misc]
    """Sequences along the spec's links, across clients and projects, each from the seed's state
    (so that Hypothesis can replay one: what a step can draw depends on what earlier ones made)."""

    def setup(self) -> None:
        app.reset()


TestLifecycle = Lifecycle.TestCase
