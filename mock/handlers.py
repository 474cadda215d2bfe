"""The eleven operations of the Clients resource, as Toggl answers them.

Each handler takes a `Call` (the authenticated user, the parsed path ids, the query and the decoded
body) and returns the JSON value of a 200, or `EMPTY` for a 200 without a body. Refusals are raised
as `TogglError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from . import errors, payloads
from .errors import TogglError
from .payloads import Body
from .store import Client, Store, User

EMPTY = object()
CLIENT_FIELDS: dict[str, type] = {"name": str, "notes": str, "wid": int, "external_reference": str}
RESTORE_FIELDS: dict[str, type] = {"projects": list, "restore_all_projects": bool}
IDS_FIELDS: dict[str, type] = {"client_ids": list}


@dataclass(frozen=True)
class Call:
    store: Store
    user: User
    ids: Mapping[str, int]
    query: Mapping[str, str]
    body: Body | None

    @property
    def workspace_id(self) -> int:
        return self.ids["workspace_id"]

    @property
    def client_id(self) -> int:
        return self.ids["client_id"]

    def client_json(self, client: Client) -> dict[str, Any]:
        """The client as this caller sees it: with the permissions of the caller's role."""
        return client.to_json(permissions=self.store.permissions(self.user, self.workspace_id))


Handler = Callable[[Call], Any]


@dataclass(frozen=True)
class Operation:
    handler: Handler
    body: Literal["none", "required", "optional"] = "none"


def _body(call: Call) -> Body:
    assert call.body is not None  # the app reads a required body before calling
    return call.body


def list_clients(call: Call) -> Any:
    call.store.check_access(call.user, call.workspace_id)
    status = call.query.get("status", "active")
    if status not in ("active", "archived", "both"):
        raise TogglError(400, errors.STATUS_INVALID)
    clients = call.store.matching(call.workspace_id, status, call.query.get("name", ""))
    permissions = call.store.permissions(call.user, call.workspace_id)
    return [c.to_json(permissions=permissions, total_count=len(clients)) for c in clients]


def create_client(call: Call) -> Any:
    call.store.check_access(call.user, call.workspace_id)
    fields = payloads.object_fields(_body(call), CLIENT_FIELDS)
    return call.client_json(call.store.create(call.workspace_id, call.user, fields))


def get_client(call: Call) -> Any:
    call.store.check_access(call.user, call.workspace_id)
    return call.client_json(call.store.get(call.workspace_id, call.client_id))


def update_client(call: Call) -> Any:
    call.store.check_access(call.user, call.workspace_id)
    fields = payloads.object_fields(_body(call), CLIENT_FIELDS)
    return call.client_json(call.store.update(call.workspace_id, call.client_id, fields))


def delete_client(call: Call) -> Any:
    call.store.check_access(call.user, call.workspace_id)
    call.store.delete(call.workspace_id, [call.client_id])
    return EMPTY


def archive_client(call: Call) -> Any:
    workspace = call.store.check_access(call.user, call.workspace_id)
    return call.store.archive(workspace, [call.client_id])


def restore_client(call: Call) -> Any:
    call.store.check_access(call.user, call.workspace_id)
    fields = payloads.object_fields(call.body, RESTORE_FIELDS) if call.body else {}
    client = call.store.restore(
        call.workspace_id,
        call.client_id,
        fields.get("projects", []),
        fields.get("restore_all_projects", False),
    )
    return call.client_json(client)


def _client_ids(body: Body) -> list[int]:
    """Ids from a bare array (Toggl's description) or `{"client_ids": [...]}` (Toggl's web app)."""
    if isinstance(body.value, list):
        return payloads.id_array(body, "client_ids")
    ids: list[int] = payloads.object_fields(body, IDS_FIELDS).get("client_ids", [])
    return ids


def _bare_ids(body: Body) -> list[int]:
    return payloads.id_array(body, "client_ids")


def clients_by_ids(call: Call) -> Any:
    call.store.check_access(call.user, call.workspace_id)
    # Items of this answer carry no creator_id or permissions, as recorded live.
    return [
        {k: v for k, v in c.to_json().items() if k != "creator_id"}
        for c in call.store.by_ids(call.workspace_id, _client_ids(_body(call)))
    ]


def archive_clients(call: Call) -> Any:
    workspace = call.store.check_access(call.user, call.workspace_id)
    client_ids = list(dict.fromkeys(_bare_ids(_body(call))))
    project_ids = call.store.archive(workspace, client_ids)
    return [{"client_ids": client_ids, "project_ids": project_ids}]


def delete_clients(call: Call) -> Any:
    call.store.check_access(call.user, call.workspace_id)
    call.store.delete(call.workspace_id, list(dict.fromkeys(_bare_ids(_body(call)))))
    return "OK"


def list_my_clients(call: Call) -> Any:
    raw = call.query.get("since")
    since = None
    if raw is not None:
        if not raw.isascii() or not raw.isdigit() or not payloads.is_int64(int(raw)):
            raise TogglError(400, errors.invalid_parameter("since"))
        since = int(raw)
    return [c.to_json() for c in call.store.changed_since(call.user, since)]


WORKSPACE = "/workspaces/{workspace_id}/clients"
ROUTES: list[tuple[str, dict[str, Operation]]] = [
    # The fixed paths come before `{client_id}`, which would match them too.
    (WORKSPACE, {"GET": Operation(list_clients), "POST": Operation(create_client, "required")}),
    (f"{WORKSPACE}/data", {"POST": Operation(clients_by_ids, "required")}),
    (f"{WORKSPACE}/archive", {"POST": Operation(archive_clients, "required")}),
    (f"{WORKSPACE}/delete", {"POST": Operation(delete_clients, "required")}),
    (
        f"{WORKSPACE}/{{client_id}}",
        {
            "GET": Operation(get_client),
            "PUT": Operation(update_client, "required"),
            "DELETE": Operation(delete_client),
        },
    ),
    (f"{WORKSPACE}/{{client_id}}/archive", {"POST": Operation(archive_client)}),
    (f"{WORKSPACE}/{{client_id}}/restore", {"POST": Operation(restore_client, "optional")}),
    ("/me/clients", {"GET": Operation(list_my_clients)}),
]
