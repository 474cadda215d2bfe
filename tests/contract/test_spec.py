"""The spec: every operation of the Clients and Projects resources, every status, valid examples."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import pytest
from openapi_spec_validator import validate
from toggl_emulator.errors import TogglError
from toggl_emulator.store import validate_name

OPERATIONS = {
    ("get", "/workspaces/{workspace_id}/clients"): "listClients",
    ("post", "/workspaces/{workspace_id}/clients"): "createClient",
    ("get", "/workspaces/{workspace_id}/clients/{client_id}"): "getClient",
    ("put", "/workspaces/{workspace_id}/clients/{client_id}"): "updateClient",
    ("delete", "/workspaces/{workspace_id}/clients/{client_id}"): "deleteClient",
    ("post", "/workspaces/{workspace_id}/clients/{client_id}/archive"): "archiveClient",
    ("post", "/workspaces/{workspace_id}/clients/{client_id}/restore"): "restoreClient",
    ("post", "/workspaces/{workspace_id}/clients/data"): "getClientsByIds",
    ("post", "/workspaces/{workspace_id}/clients/archive"): "archiveClients",
    ("post", "/workspaces/{workspace_id}/clients/delete"): "deleteClients",
    ("get", "/me/clients"): "listMyClients",
    ("get", "/workspaces/{workspace_id}/projects"): "listProjects",
    ("post", "/workspaces/{workspace_id}/projects"): "createProject",
    ("get", "/workspaces/{workspace_id}/projects/{project_id}"): "getProject",
    ("put", "/workspaces/{workspace_id}/projects/{project_id}"): "updateProject",
    ("delete", "/workspaces/{workspace_id}/projects/{project_id}"): "deleteProject",
    ("get", "/me/projects"): "listMyProjects",
}
ADDRESSES_A_CLIENT = {"getClient", "updateClient", "deleteClient", "archiveClient", "restoreClient"}
ADDRESSES_A_PROJECT = {"getProject", "updateProject", "deleteProject"}
METHODS = {"get", "put", "post", "delete", "patch"}


def resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def operations(spec: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        op["operationId"]: (method, path, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


def validator(spec: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    """A validator for a schema of the spec, with the spec's components resolvable."""
    root = {**schema, "components": spec["components"]}
    return jsonschema.Draft202012Validator(
        root, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def test_the_spec_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    assert spec["servers"] == [
        {"url": "https://api.track.toggl.com/api/v9", "description": "Toggl Track production API"}
    ]


def test_every_operation_of_clients_and_projects_is_described(spec: dict[str, Any]) -> None:
    found = {
        (method, path): op["operationId"]
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }
    assert found == OPERATIONS
    for method, path, op in operations(spec).values():
        assert op["summary"] and op["description"], f"{method} {path}"
        assert len(op["tags"]) == 1, f"{method} {path} has tags {op['tags']}"


def test_every_operation_needs_basic_auth(spec: dict[str, Any]) -> None:
    assert spec["components"]["securitySchemes"]["basicAuth"] == {
        **spec["components"]["securitySchemes"]["basicAuth"],
        "type": "http",
        "scheme": "basic",
    }
    assert spec["security"] == [{"basicAuth": []}]
    assert all("security" not in op for _, _, op in operations(spec).values())


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS.values()))
def test_every_status_the_server_can_send_is_documented(
    spec: dict[str, Any], operation_id: str
) -> None:
    _, path, op = operations(spec)[operation_id]
    statuses = set(op["responses"])
    expected = {"200", "400", "401", "402", "403", "429", "500"}
    if operation_id in ADDRESSES_A_CLIENT | ADDRESSES_A_PROJECT | {
        "archiveClients",
        "deleteClients",
    }:
        expected.add("404")
    assert statuses == expected
    unauthorized = resolve(spec, op["responses"]["401"])
    assert "content" not in unauthorized, "401 has an empty body"
    assert "X-Authorization-Missing" in unauthorized["headers"]


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS.values()))
def test_quota_headers_are_optional_integers_on_counted_responses(
    spec: dict[str, Any], operation_id: str
) -> None:
    _, _, op = operations(spec)[operation_id]
    for status in ("200", "400", "402", "403", "429"):
        headers = resolve(spec, op["responses"][status])["headers"]
        for name in ("X-Toggl-Quota-Remaining", "X-Toggl-Quota-Resets-In"):
            header = resolve(spec, headers[name])
            assert header["schema"]["type"] == "integer" and not header.get("required")


def test_path_ids_are_positive_64_bit_integers(spec: dict[str, Any]) -> None:
    for name in ("WorkspaceId", "ClientId"):
        schema = resolve(spec, spec["components"]["parameters"][name]["schema"])
        assert schema["type"] == "integer" and schema["format"] == "int64"
        assert (schema["minimum"], schema["maximum"]) == (1, 2**63 - 1)


def test_the_seed_page_is_in_the_update_operation(spec: dict[str, Any]) -> None:
    _, _, update = operations(spec)["updateClient"]
    path_params = [
        resolve(spec, p)["name"] for p in spec["paths"][OPERATIONS_PATH_UPDATE]["parameters"]
    ]
    assert path_params == ["workspace_id", "client_id"]
    body = resolve(spec, update["requestBody"]["content"]["application/json"]["schema"])
    assert {"name", "notes", "wid"} <= set(body["properties"])
    client = spec["components"]["schemas"]["Client"]["properties"]
    seed_fields = {
        "archived", "at", "creator_id", "id", "integration_ext_id", "integration_ext_type",
        "integration_provider", "name", "notes", "permissions", "wid",
    }  # fmt: skip
    assert seed_fields <= set(client)
    assert {"200", "400", "403", "404", "500"} <= set(update["responses"])
    bad_request = validator(
        spec, resolve(spec, update["responses"]["400"])["content"]["application/json"]["schema"]
    )
    for message in ("Client name maximum length is 255", "Client name cannot be empty"):
        assert bad_request.is_valid(message), message
    not_found = resolve(spec, update["responses"]["404"])["content"]["application/json"]["schema"]
    assert validator(spec, not_found).is_valid("Client doesn't exist in the workspace.")


OPERATIONS_PATH_UPDATE = "/workspaces/{workspace_id}/clients/{client_id}"


@pytest.mark.parametrize(
    ("operation_id", "status", "message", "valid"),
    [
        ("getClient", "404", "No client with ID 61250143 was found", True),
        ("getClient", "404", "Client not found", False),
        ("updateClient", "404", "Client doesn't exist in the workspace.", True),
        ("updateClient", "404", "No client with ID 1 was found", False),
        ("listClients", "400", "Client status is invalid", True),
        ("listClients", "400", "status is invalid", False),
        ("createClient", "400", "Name has already been taken", True),
        ("createClient", "400", "Client name is too long", False),
        ("createClient", "403", "User does not have access to this resource", True),
        ("createClient", "403", "Forbidden", False),
        ("createClient", "400", 'Unexpected "name" type number, offset=9', True),
    ],
)
def test_error_messages_are_pinned_so_that_a_changed_text_is_noticed(
    spec: dict[str, Any], operation_id: str, status: str, message: str, valid: bool
) -> None:
    _, _, op = operations(spec)[operation_id]
    schema = resolve(spec, op["responses"][status])["content"]["application/json"]["schema"]
    assert validator(spec, schema).is_valid(message) is valid


def test_client_schema_accepts_what_the_live_api_returns(spec: dict[str, Any]) -> None:
    client = validator(spec, {"$ref": "#/components/schemas/Client"})
    recorded = {
        "id": 61250143,
        "wid": 1001,
        "archived": False,
        "name": "Acme",
        "at": "2024-03-17T10:55:38+00:00",
        "creator_id": 5,
    }
    assert client.is_valid(recorded)
    assert client.is_valid({**recorded, "permissions": ["archive", "update", "remove"]})
    assert client.is_valid({**recorded, "permissions": "archive,update"})
    assert client.is_valid({**recorded, "a_field_toggl_adds_next_year": {"x": 1}})
    assert not client.is_valid({k: v for k, v in recorded.items() if k != "at"})
    assert spec["components"]["schemas"]["Client"]["required"] == [
        "id",
        "wid",
        "name",
        "archived",
        "at",
    ]


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("Acme", True),
        ("  Acme  ", True),
        ("", False),
        (" ", False),
        ("\t\n", False),
        ("\u3000\u00a0", False),
        ("\x85", False),
        ("\ufeff", True),  # not whitespace to Go's unicode.IsSpace
        ("\x1e", True),  # whitespace to Python's str.strip, not to Go
        ("x" * 255, True),
        ("x" * 256, False),
        ("é" * 255, True),  # code points, not UTF-8 bytes
    ],
)
def test_name_rules_in_the_schema_match_the_emulator(
    spec: dict[str, Any], name: str, valid: bool
) -> None:
    schema = validator(spec, {"$ref": "#/components/schemas/ClientName"})
    assert schema.is_valid(name) is valid
    assert emulator_accepts(name) is valid


def emulator_accepts(name: str) -> bool:
    try:
        validate_name(name)
    except TogglError:
        return False
    return True


def _examples(spec: dict[str, Any]) -> list[tuple[str, Any, dict[str, Any]]]:
    found = []
    for op_id, (_, _, op) in operations(spec).items():
        media = []
        if "requestBody" in op:
            media.append(("request", op["requestBody"]["content"]["application/json"]))
        for status, response in op["responses"].items():
            content = resolve(spec, response).get("content", {})
            if "application/json" in content:
                media.append((status, content["application/json"]))
        for where, item in media:
            values = [item["example"]] if "example" in item else []
            values += [resolve(spec, e)["value"] for e in item.get("examples", {}).values()]
            for value in values:
                found.append((f"{op_id} {where}", value, item["schema"]))
    return found


def test_every_operation_has_an_example_request_and_response(spec: dict[str, Any]) -> None:
    labels = {label for label, _, _ in _examples(spec)}
    for op_id, (_, _, op) in operations(spec).items():
        assert f"{op_id} 200" in labels or op_id == "deleteClient", op_id
        if "requestBody" in op:
            assert f"{op_id} request" in labels, op_id


def test_every_example_is_valid_against_its_schema(spec: dict[str, Any]) -> None:
    examples = _examples(spec)
    assert len(examples) > 30
    for label, value, schema in examples:
        errors = [e.message for e in validator(spec, schema).iter_errors(value)]
        assert not errors, f"{label}: {errors}"


def test_timestamps_in_examples_are_written_as_the_live_api_writes_them(
    spec: dict[str, Any],
) -> None:
    text = str(_examples(spec))
    stamps = re.findall(r"'at': '([^']+)'", text)
    assert stamps and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", s) for s in stamps)


def links_of(spec: dict[str, Any], operation_id: str) -> set[str]:
    _, _, operation = operations(spec)[operation_id]
    return {
        resolve(spec, link)["operationId"]
        for link in operation["responses"]["200"].get("links", {}).values()
    }


def test_create_links_to_every_operation_on_the_created_resource(spec: dict[str, Any]) -> None:
    # A new client also leads to a project under it: the state machine spans both resources.
    assert links_of(spec, "createClient") == ADDRESSES_A_CLIENT | {"createProject"}
    assert links_of(spec, "createProject") == ADDRESSES_A_PROJECT
    # An archived client is restored with its projects.
    assert links_of(spec, "archiveClient") == {"restoreClient"}
