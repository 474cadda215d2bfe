"""The low-level layer: each operation module's request, and each documented response.

A scripted `httpx.MockTransport` records what the client sends and answers what the live API would.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from toggl_track_client import AuthenticatedClient
from toggl_track_client.api.clients import (
    archive_client,
    archive_clients,
    create_client,
    delete_client,
    delete_clients,
    get_client,
    get_clients_by_ids,
    list_clients,
    restore_client,
    update_client,
)
from toggl_track_client.api.me import list_my_clients
from toggl_track_client.models import (
    ArchivedClients,
    ClientCreate,
    ClientIdsObject,
    ClientModel,
    ClientRestore,
    ClientUpdate,
)

CLIENT_JSON = {
    "id": 61250143,
    "wid": 1001,
    "archived": False,
    "name": "Acme",
    "at": "2024-03-17T10:55:38+00:00",
    "creator_id": 9876543,
    "permissions": ["archive", "update", "remove"],
    "brand_new_field": 1,
}
BASIC = "Basic " + base64.b64encode(b"secret-token:api_token").decode()


class Recorder:
    def __init__(
        self, status: int, body: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        self.status, self.body, self.headers = status, body, headers or {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.body is None:
            return httpx.Response(self.status, headers=self.headers)
        return httpx.Response(self.status, json=self.body, headers=self.headers)

    @property
    def request(self) -> httpx.Request:
        (only,) = self.requests
        return only


def client_for(recorder: Recorder) -> AuthenticatedClient:
    # What every operation sends, nothing retried.
    return AuthenticatedClient(
        api_token="secret-token",
        base_url="https://api.track.toggl.com/api/v9",
        max_retries=0,
        transport=httpx.MockTransport(recorder),
    )


Call = Callable[[AuthenticatedClient], Any]
CASES: list[tuple[str, Call, str, str, dict[str, str], Any, Any]] = [
    # name, call, method, path, query, sent body, 200 body
    ("list", lambda c: list_clients.sync_detailed(1001, client=c, status="both", name="ac"),
     "GET", "/workspaces/1001/clients", {"status": "both", "name": "ac"}, None, [CLIENT_JSON]),
    ("create", lambda c: create_client.sync_detailed(1001, client=c, body=ClientCreate(name="Acme", notes="n")),
     "POST", "/workspaces/1001/clients", {}, {"name": "Acme", "notes": "n"}, CLIENT_JSON),
    ("get", lambda c: get_client.sync_detailed(1001, 61250143, client=c),
     "GET", "/workspaces/1001/clients/61250143", {}, None, CLIENT_JSON),
    ("update", lambda c: update_client.sync_detailed(1001, 61250143, client=c, body=ClientUpdate(name="B")),
     "PUT", "/workspaces/1001/clients/61250143", {}, {"name": "B"}, CLIENT_JSON),
    ("delete", lambda c: delete_client.sync_detailed(1001, 61250143, client=c),
     "DELETE", "/workspaces/1001/clients/61250143", {}, None, None),
    ("archive", lambda c: archive_client.sync_detailed(1001, 61250143, client=c),
     "POST", "/workspaces/1001/clients/61250143/archive", {}, None, [203984756]),
    ("restore", lambda c: restore_client.sync_detailed(1001, 61250143, client=c, body=ClientRestore(projects=[7], restore_all_projects=False)),
     "POST", "/workspaces/1001/clients/61250143/restore", {}, {"projects": [7], "restore_all_projects": False}, CLIENT_JSON),
    ("by ids, bare array", lambda c: get_clients_by_ids.sync_detailed(1001, client=c, body=[1, 2]),
     "POST", "/workspaces/1001/clients/data", {}, [1, 2], [CLIENT_JSON]),
    ("by ids, object", lambda c: get_clients_by_ids.sync_detailed(1001, client=c, body=ClientIdsObject(client_ids=[1])),
     "POST", "/workspaces/1001/clients/data", {}, {"client_ids": [1]}, [CLIENT_JSON]),
    ("bulk archive", lambda c: archive_clients.sync_detailed(1001, client=c, body=[1, 2]),
     "POST", "/workspaces/1001/clients/archive", {}, [1, 2], [{"client_ids": [1, 2], "project_ids": [3]}]),
    ("bulk delete", lambda c: delete_clients.sync_detailed(1001, client=c, body=[1, 2]),
     "POST", "/workspaces/1001/clients/delete", {}, [1, 2], "OK"),
    ("me", lambda c: list_my_clients.sync_detailed(client=c, since=1710672938),
     "GET", "/me/clients", {"since": "1710672938"}, None, [{**CLIENT_JSON, "server_deleted_at": "2024-03-18T16:40:00+00:00"}]),
]  # fmt: skip
IDS = [case[0] for case in CASES]


@pytest.mark.parametrize(
    ("name", "call", "method", "path", "query", "sent", "answer"), CASES, ids=IDS
)
def test_each_operation_sends_method_path_query_body_and_basic_auth(
    name: str, call: Call, method: str, path: str, query: dict[str, str], sent: Any, answer: Any
) -> None:
    recorder = Recorder(200, answer)
    response = call(client_for(recorder))
    request = recorder.request
    assert request.method == method
    assert request.url.path == "/api/v9" + path
    assert dict(request.url.params) == query
    assert request.headers["authorization"] == BASIC
    if sent is None:
        assert request.content == b""
    else:
        assert json.loads(request.content) == sent
        assert request.headers["content-type"] == "application/json"
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("name", "call", "method", "path", "query", "sent", "answer"), CASES, ids=IDS
)
def test_each_operation_parses_its_200(
    name: str, call: Call, method: str, path: str, query: dict[str, str], sent: Any, answer: Any
) -> None:
    parsed = call(client_for(Recorder(200, answer))).parsed
    if isinstance(answer, dict):
        assert isinstance(parsed, ClientModel)
        assert parsed.to_dict() == answer  # unknown fields survive the round trip
    elif isinstance(answer, list) and answer and answer[0] == CLIENT_JSON or name == "me":
        assert all(isinstance(item, ClientModel) for item in parsed)
    elif name == "bulk archive":
        assert isinstance(parsed[0], ArchivedClients) and parsed[0].project_ids == [3]
    else:
        assert parsed == answer


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (400, "Client name cannot be empty"),
        (402, "You have hit your hourly limit for API calls."),
        (403, "User does not have access to this resource"),
        (404, "No client with ID 61250143 was found"),
        (429, "Too Many Requests"),
        (500, "Internal Server Error"),
    ],
)
def test_documented_error_strings_are_parsed(status: int, message: str) -> None:
    recorder = Recorder(status, message, {"X-Toggl-Quota-Remaining": "0"})
    response = get_client.sync_detailed(1001, 61250143, client=client_for(recorder))
    assert response.status_code == status
    assert response.parsed == message


def test_401_without_a_body_is_parsed_as_nothing() -> None:
    recorder = Recorder(401, None, {"X-Authorization-Missing": "true"})
    response = get_client.sync_detailed(1001, 61250143, client=client_for(recorder))
    assert response.status_code == 401 and response.parsed is None


def test_a_client_with_permissions_as_a_string_is_parsed() -> None:
    parsed = ClientModel.from_dict({**CLIENT_JSON, "permissions": "archive"})
    assert parsed.permissions == "archive"
