"""The control plane (`/_emulator/*`) cannot be broken or reached: bad reset options are refused
with the state unchanged, no server-side path is read over HTTP, and a server listening beyond
this machine needs a token."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from toggl_emulator import Emulator, EmulatorOptions, SeedError, check_seed
from toggl_emulator.transport import EmulatorTransport

from tests.support import ADMIN, CONTROL, PREMIUM, W, api_client

pytestmark = pytest.mark.emulator


@pytest.mark.parametrize(
    "options",
    [
        {"max_body_bytes": "x"}, {"max_body_bytes": 0}, {"latency_ms": "5"}, {"latency_ms": -1},
        {"error_rate": 2}, {"error_rate": True}, {"rate_limit": 0}, {"hourly_quota": 1.5},
        {"fault_seed": "seven"}, {"seed": "/etc/passwd"}, {"seed": "/dev/zero"},
        {"seed": {"users": []}}, {"seed": {"workspaces": [], "users": [{"id": 1}]}},
        {"clock": 5}, {"control_token": "mine"}, {"nonsense": 1}, [1, 2],
    ],
)  # fmt: skip
def test_a_bad_reset_is_refused_and_changes_nothing(options: Any) -> None:
    emulator = Emulator()
    with httpx.Client(transport=EmulatorTransport(emulator), auth=ADMIN) as http:
        http.post(f"http://toggl.emulator/api/v9{W}", json={"name": "Kept"}).raise_for_status()
        before = emulator.state()
        refused = http.post(f"{CONTROL}/reset", content=json.dumps(options))
        assert refused.status_code == 400, refused.text
        assert refused.json().startswith("Invalid reset options: ")
        assert emulator.state() == before
        assert http.get(f"{CONTROL}/health").status_code == 200
        listed = http.get(f"http://toggl.emulator/api/v9{W}")
        assert listed.status_code == 200 and "Kept" in listed.text


def test_a_reset_with_good_options_applies_them() -> None:
    with api_client() as http:
        assert (
            http.post(f"{CONTROL}/reset", json={"hourly_quota": 5, "latency_ms": 0}).status_code
            == 200
        )
        answer = http.get(W)
        assert answer.headers["x-toggl-quota-remaining"] == "4"


def test_with_a_control_token_the_control_plane_needs_it() -> None:
    emulator = Emulator(EmulatorOptions(control_token="s3cret"))
    with httpx.Client(transport=EmulatorTransport(emulator)) as http:
        assert http.get(f"{CONTROL}/state").status_code == 403
        assert (
            http.post(f"{CONTROL}/reset", headers={"X-Emulator-Token": "wrong"}).status_code == 403
        )
        assert (
            http.get(f"{CONTROL}/state", headers={"X-Emulator-Token": "s3cret"}).status_code == 200
        )
        # The API itself is Toggl's: credentials, not the token.
        assert (
            http.get(
                f"http://toggl.emulator/api/v9/workspaces/{PREMIUM}/clients", auth=ADMIN
            ).status_code
            == 200
        )


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ({"workspaces": [{"id": 1}]}, "users: expected a list of entries"),
        ({"workspaces": [{"id": 1}], "users": [], "clients": [{"key": "acme", "id": 5, "wid": 1}]},
         "clients[0] (key 'acme'): name is missing"),
        ({"workspaces": [{"id": 1}], "users": [], "clients": [{"id": 5, "wid": 2, "name": "A"}]},
         "clients[0]: wid: no workspace 2 in the seed"),
        ({"workspaces": [{"id": 1, "premuim": True}], "users": []},
         "workspaces[0]: unknown field 'premuim'; it takes key, id, name, premium"),
        ({"workspaces": [{"id": 1}], "users": [{"id": 7, "email": "a", "password": "b",
          "api_token": "c", "workspaces": {1: "owner"}}]}, "users[0]: workspaces: expected a mapping"),
        ({"workspaces": [{"id": 1}], "users": [], "projects": [{"id": 9, "wid": 1, "color": "red"}]},
         "projects[0]: color: expected a lower-case #rrggbb colour, got 'red'"),
        ({"workspaces": [{"id": 1}, {"id": 1}], "users": []}, "workspaces[1]: id 1 is taken"),
    ],
)  # fmt: skip
def test_a_bad_seed_is_refused_naming_entry_and_field(seed: dict[str, Any], message: str) -> None:
    with pytest.raises(SeedError) as raised:
        check_seed(seed)
    assert message in str(raised.value)
    with pytest.raises(SeedError, match="^seed: "):
        Emulator(EmulatorOptions(seed=seed))


def test_the_shipped_json_schema_is_the_checker_s_format() -> None:
    from importlib.resources import files

    from toggl_emulator.seed_schema import json_schema

    shipped = json.loads(files("toggl_emulator").joinpath("seed.schema.json").read_text())
    assert shipped == json_schema()


def test_the_default_seed_fits_the_shipped_json_schema() -> None:
    import jsonschema
    import yaml
    from toggl_emulator.seed import DEFAULT_SEED_PATH
    from toggl_emulator.seed_schema import json_schema

    jsonschema.validate(yaml.safe_load(DEFAULT_SEED_PATH.read_text()), json_schema())
