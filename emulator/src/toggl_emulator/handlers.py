"""The eleven operations of the Clients resource, as Toggl answers them, and their routes.

Each handler takes a `Call` (the store, the authenticated user, the parsed path ids, the query and
the decoded body) and returns the 200's body: `RawJson` bytes, a JSON value, or `EMPTY` for no
body. Refusals are raised as `TogglError`.
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
DEFAULT_PER_PAGE = 50  # [infer] what Toggl's web app asks for
MAX_PER_PAGE = 200  # [infer]
MAX_PAGE = 2**31 - 1  # [infer]


class RawJson:
    """A 200 body that is JSON already (a wrapper, so that a large list is never copied again)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


@dataclass(slots=True)
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

    def one(self, client: Client) -> RawJson:
        """The client as this caller sees it: with the permissions of the caller's role."""
        return RawJson(
            client.fragment() + _suffix(self.store.permissions(self.user, self.workspace_id))
        )

    def many(self, clients: list[Client], *, permissions: bool, total_count: int | None) -> RawJson:
        suffix = _suffix(
            self.store.permissions(self.user, self.workspace_id) if permissions else None,
            total_count,
        )
        if not clients:
            return RawJson(b"[]")
        # One join, one copy: each fragment is followed by the same suffix and a comma.
        parts = [b"["]
        separator = suffix + b","
        for client in clients:
            parts += (client.fragment(), separator)
        parts[-1] = suffix + b"]"
        return RawJson(b"".join(parts))


def _suffix(permissions: list[str] | None, total_count: int | None = None) -> bytes:
    if total_count is None:
        key = tuple(permissions) if permissions else ()
        cached = _SUFFIXES.get(key)
        if cached is None:
            cached = _SUFFIXES[key] = _build_suffix(permissions, None)
        return cached
    return _build_suffix(permissions, total_count)


_SUFFIXES: dict[tuple[str, ...], bytes] = {}  # the closing of a single client, per permission set


def _build_suffix(permissions: list[str] | None, total_count: int | None) -> bytes:
    parts = b""
    if permissions:
        parts += b',"permissions":[' + b",".join(b'"%s"' % p.encode() for p in permissions) + b"]"
    if total_count is not None:
        parts += b',"total_count":%d' % total_count
    return parts + b"}"


Handler = Callable[[Call], Any]


@dataclass(frozen=True)
class Operation:
    handler: Handler
    body: Literal["none", "required", "optional"] = "none"

    @property
    def name(self) -> str:
        """The operation's name in the journal and for planned faults: its handler's."""
        return self.handler.__name__


def _body(call: Call) -> Body:
    assert call.body is not None  # the pipeline reads a required body before calling
    return call.body


def _positive_int(raw: str | None, name: str, default: int, maximum: int) -> int:
    if raw is None:
        return default
    value = parse_int64(raw)
    if value is None or not 1 <= value <= maximum:
        raise TogglError(400, errors.invalid_parameter(name))
    return value


def list_clients(call: Call) -> Any:
    call.store.check_access(call.user, call.workspace_id)
    status = call.query.get("status", "active")
    if status not in ("active", "archived", "both"):
        raise TogglError(400, errors.STATUS_INVALID)
    paged = "page" in call.query or "per_page" in call.query  # unpaged without them [infer]
    page = _positive_int(call.query.get("page"), "page", 1, MAX_PAGE)
    per_page = _positive_int(call.query.get("per_page"), "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    selected = call.store.matching(
        call.workspace_id,
        status,
        call.query.get("name", ""),
        page=page,
        per_page=per_page if paged else None,
    )
    return call.many(selected.clients, permissions=True, total_count=selected.total)


def create_client(call: Call) -> Any:
    call.store.check_access(call.user, call.workspace_id)
    fields = payloads.object_fields(_body(call), CLIENT_FIELDS)
    return call.one(call.store.create(call.workspace_id, call.user, fields))


def get_client(call: Call) -> Any:
    call.store.check_access(call.user, call.workspace_id)
    return call.one(call.store.get(call.workspace_id, call.client_id))


def update_client(call: Call) -> Any:
    call.store.check_access(call.user, call.workspace_id)
    fields = payloads.object_fields(_body(call), CLIENT_FIELDS)
    return call.one(call.store.update(call.workspace_id, call.client_id, fields))


def delete_client(call: Call) -> Any:
    call.store.check_access(call.user, call.workspace_id)
    call.store.delete(call.workspace_id, [call.client_id])
    return EMPTY  # [infer] Toggl's description says a number; a third-party client says empty


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
    return call.one(client)


def _client_ids(body: Body) -> list[int]:
    """Ids from a bare array (Toggl's description) or `{"client_ids": [...]}` (Toggl's web app)."""
    if isinstance(body.value, list):
        return payloads.id_array(body, "client_ids")
    ids: list[int] = payloads.object_fields(body, IDS_FIELDS).get("client_ids", [])
    return ids


def clients_by_ids(call: Call) -> Any:
    call.store.check_access(call.user, call.workspace_id)
    clients = call.store.by_ids(call.workspace_id, _client_ids(_body(call)))
    # As recorded live: items carry `"total_count": 0` and neither creator_id nor permissions.
    return [
        {**{k: v for k, v in c.to_json().items() if k != "creator_id"}, "total_count": 0}
        for c in clients
    ]


def archive_clients(call: Call) -> Any:
    workspace = call.store.check_access(call.user, call.workspace_id)
    client_ids = list(dict.fromkeys(payloads.id_array(_body(call), "client_ids")))
    project_ids = call.store.archive(workspace, client_ids)
    return [{"client_ids": client_ids, "project_ids": project_ids}]


def delete_clients(call: Call) -> Any:
    call.store.check_access(call.user, call.workspace_id)
    client_ids = list(dict.fromkeys(payloads.id_array(_body(call), "client_ids")))
    call.store.delete(call.workspace_id, client_ids)
    return "OK"


def list_my_clients(call: Call) -> Any:
    raw = call.query.get("since")
    since = None
    if raw is not None:
        since = parse_int64(raw)
        if since is None or since < 0:
            raise TogglError(400, errors.invalid_parameter("since"))
    clients = call.store.changed_since(call.user, since)
    return RawJson(b"[" + b",".join(c.fragment() + b"}" for c in clients) + b"]")


def parse_int64(raw: str) -> int | None:
    """Decimal digits as Go's strconv.ParseInt reads them (leading zeros allowed), or None.

    The length is checked before `int()`, which refuses strings of more than 4,300 digits.
    """
    if not raw.isascii() or not raw.isdigit():
        return None
    significant = raw.lstrip("0") or "0"
    if len(significant) > 19:
        return None
    value = int(significant)
    return value if value <= payloads.INT64_MAX else None


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
