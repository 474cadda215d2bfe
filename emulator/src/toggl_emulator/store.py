"""The emulator's state: workspaces, users, clients and projects, and Toggl's rules on them.

All writes go through `Store`, under one lock, so parallel requests see a consistent state:
distinct ids, no duplicate names, no lost update. Validation happens before any change, so a
refused request leaves the data as it was.

Cost does not grow with the workspace where Toggl's rules allow it: each workspace keeps a name
index (case-folded trimmed name → id) that makes the uniqueness check of a create or rename O(1),
and its clients in list order. Every client caches its own JSON; any change of a field drops the
cache (`Client.__setattr__`), so no response can carry a stale client.
"""

from __future__ import annotations

import bisect
import itertools
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import errors
from .errors import TogglError
from .projects import FREE_PALETTE, UNCHANGED, ProjectStore, checked_change
from .times import format_time, parse_time

# Go's unicode.IsSpace, which strings.TrimSpace uses ([infer] Toggl trims names with it).
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)
ADMIN_PERMISSIONS = ["archive", "update", "remove"]
PROJECT_SEED_FIELDS = frozenset({
    "client_id", "active", "is_private", "color", "billable", "template", "auto_estimates",
    "estimated_hours", "rate", "currency", "recurring", "fixed_fee", "actual_seconds", "end_date",
    "is_shared", "pinned", "external_reference", "creator_id",
})  # fmt: skip
FIRST_CLIENT_ID = 61_300_000
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_string: Callable[[str], str] = json.encoder.encode_basestring  # the C string encoder


@dataclass
class Workspace:
    id: int
    premium: bool
    only_admins_may_create_projects: bool


@dataclass
class User:
    id: int
    email: str
    password: str
    api_token: str
    roles: dict[int, str]  # workspace id -> "admin" | "member"


@dataclass(eq=False)
class Project:
    # `Project(id, client_id, active)` as the emulator's first projects were made still works.
    id: int
    client_id: int | None = None
    active: bool = True
    wid: int = 0
    name: str = ""
    at: float = 0.0
    created_at: float = 0.0
    is_private: bool = True
    color: str = FREE_PALETTE[0]
    billable: bool = False
    template: bool | None = None
    auto_estimates: bool | None = None
    estimated_hours: int | None = None
    rate: float | None = None
    rate_last_updated: float | None = None
    currency: str | None = None
    recurring: bool = False
    recurring_parameters: list[dict[str, Any]] | None = None
    fixed_fee: float | None = None
    actual_seconds: int | None = None
    start_date: str = ""
    end_date: str | None = None
    is_shared: bool = False
    pinned: bool = False
    external_reference: str = ""
    creator_id: int | None = None
    deleted_at: float | None = None

    def status(self, today: str) -> str:
        """`archived` when not active; else from the dates [infer]: upcoming, ended or active."""
        if not self.active:
            return "archived"
        if self.start_date and self.start_date > today:
            return "upcoming"
        if self.end_date and self.end_date < today:
            return "ended"
        return "active"

    def to_json(self, today: str) -> dict[str, Any]:
        """As recorded: every key present, in the recorded order, an empty value as `null`."""
        hours = None if self.actual_seconds is None else self.actual_seconds // 3600
        data: dict[str, Any] = {
            "id": self.id,
            "workspace_id": self.wid,
            "client_id": self.client_id,
            "name": self.name,
            "is_private": self.is_private,
            "active": self.active,
            "at": format_time(self.at),
            "created_at": format_time(self.created_at),
            "server_deleted_at": None if self.deleted_at is None else format_time(self.deleted_at),
            "color": self.color,
            "billable": self.billable,
            "template": self.template,
            "auto_estimates": self.auto_estimates,
            "estimated_hours": self.estimated_hours,
            "estimated_seconds": None if self.estimated_hours is None else self.estimated_hours * 3600,
            "rate": self.rate,
            "rate_last_updated": None if self.rate_last_updated is None else format_time(self.rate_last_updated),
            "currency": self.currency,
            "recurring": self.recurring,
            "template_id": None,
            "recurring_parameters": self.recurring_parameters,
            "fixed_fee": self.fixed_fee,
            "actual_hours": hours,
            "actual_seconds": self.actual_seconds,
            "tasks_count": None,
            "can_track_time": False,  # [rec] on every recorded project; its meaning is unknown
            "start_date": self.start_date,
            "status": self.status(today),
            "wid": self.wid,
            "cid": self.client_id,
            "is_shared": self.is_shared,
            "pinned": self.pinned,
        }  # fmt: skip
        if self.end_date is not None:
            data["end_date"] = self.end_date
        if self.external_reference:
            data["external_reference"] = self.external_reference
        return data


_CACHE_FREE = frozenset({"_fragment"})


@dataclass(eq=False)
class Client:
    id: int
    wid: int
    name: str
    at: float
    creator_id: int | None = None
    archived: bool = False
    notes: str = ""
    external_reference: str = ""
    integration: dict[str, str] = field(default_factory=dict)
    deleted_at: float | None = None
    _fragment: bytes | None = field(default=None, repr=False)

    def __setattr__(self, name: str, value: Any) -> None:
        # Any change of a field drops the cached JSON: the one place that keeps it fresh.
        object.__setattr__(self, name, value)
        if name not in _CACHE_FREE:
            object.__setattr__(self, "_fragment", None)

    def fragment(self) -> bytes:
        """The client's JSON object without its closing brace, for splicing per-caller fields.

        Written out field by field (the same bytes as encoding `to_json()` compactly, which a test
        holds it to): a rename or update re-renders it on every write path.
        """
        if self._fragment is None:
            parts = [
                '{"id":', str(self.id), ',"wid":', str(self.wid),
                ',"archived":true' if self.archived else ',"archived":false',
                ',"name":', _string(self.name), ',"at":"', format_time(self.at), '"',
            ]  # fmt: skip
            if self.creator_id is not None:
                parts += (',"creator_id":', str(self.creator_id))
            if self.notes:
                parts += (',"notes":', _string(self.notes))
            if self.external_reference:
                parts += (',"external_reference":', _string(self.external_reference))
            for key, value in self.integration.items():
                parts += (",", _string(key), ":", _encode(value))
            if self.deleted_at is not None:
                parts += (',"server_deleted_at":"', format_time(self.deleted_at), '"')
            self._fragment = "".join(parts).encode("utf-8")
        return self._fragment

    def to_json(self) -> dict[str, Any]:
        """The client as Toggl sends it: empty optional fields are left out."""
        data: dict[str, Any] = {
            "id": self.id,
            "wid": self.wid,
            "archived": self.archived,
            "name": self.name,
            "at": format_time(self.at),
        }
        if self.creator_id is not None:
            data["creator_id"] = self.creator_id
        if self.notes:
            data["notes"] = self.notes
        if self.external_reference:
            data["external_reference"] = self.external_reference
        data.update(self.integration)
        if self.deleted_at is not None:
            data["server_deleted_at"] = format_time(self.deleted_at)
        return data


def name_key(name: str) -> str:
    """What makes two names the same in a workspace: case-folded [infer]."""
    return name.casefold()


def validate_name(
    raw: str, empty: str = errors.NAME_EMPTY, too_long: str = errors.NAME_TOO_LONG
) -> str:
    """The trimmed name, or the 400 Toggl answers; the limit counts code points after trimming."""
    name = raw.strip(WHITESPACE)
    if not name:
        raise TogglError(400, empty)
    if len(name) > errors.NAME_MAX_LENGTH:
        raise TogglError(400, too_long)
    return name


class ListOrder:
    """(name key, id) pairs in the order Toggl lists clients, kept sorted in buckets.

    One sorted list would make every create, rename and delete move half of it in memory (O(n));
    buckets of at most `2 * BUCKET` pairs make it O(log n + BUCKET), flat in practice.
    """

    BUCKET = 256

    def __init__(self) -> None:
        self._buckets: list[list[tuple[str, int]]] = []
        self._last: list[tuple[str, int]] = []  # the greatest pair of each bucket

    def add(self, item: tuple[str, int]) -> None:
        if not self._buckets:
            self._buckets.append([item])
            self._last.append(item)
            return
        index = min(bisect.bisect_left(self._last, item), len(self._buckets) - 1)
        bucket = self._buckets[index]
        bisect.insort(bucket, item)
        self._last[index] = bucket[-1]
        if len(bucket) > 2 * self.BUCKET:
            half = len(bucket) // 2
            self._buckets[index : index + 1] = [bucket[:half], bucket[half:]]
            self._last[index : index + 1] = [bucket[half - 1], bucket[-1]]

    def remove(self, item: tuple[str, int]) -> None:
        index = bisect.bisect_left(self._last, item)
        bucket = self._buckets[index]
        del bucket[bisect.bisect_left(bucket, item)]
        if bucket:
            self._last[index] = bucket[-1]
        else:
            del self._buckets[index], self._last[index]

    def __iter__(self) -> Iterator[tuple[str, int]]:
        return itertools.chain.from_iterable(self._buckets)

    def __len__(self) -> int:
        return sum(map(len, self._buckets))


class WorkspaceClients:
    """The live clients of one workspace: by id, by name key, and in list order."""

    def __init__(self) -> None:
        self.by_id: dict[int, Client] = {}
        self.by_name: dict[str, int] = {}
        self.order = ListOrder()  # (name key, id): Toggl lists by name

    def add(self, client: Client) -> None:
        key = name_key(client.name)
        self.by_id[client.id] = client
        self.by_name[key] = client.id
        self.order.add((key, client.id))

    def remove(self, client: Client) -> None:
        key = name_key(client.name)
        del self.by_id[client.id]
        if self.by_name.get(key) == client.id:
            del self.by_name[key]
        self.order.remove((key, client.id))

    def taken_by_other(self, name: str, own_id: int | None = None) -> bool:
        other = self.by_name.get(name_key(name))
        return other is not None and other != own_id


@dataclass(frozen=True)
class Page:
    clients: list[Client]
    total: int


class Store:
    """The whole state of one emulator, built from a seed; `reset()` rebuilds it."""

    def __init__(self, seed: Mapping[str, Any], clock: Callable[[], float]) -> None:
        self._seed = seed
        self._clock = clock
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            seed = self._seed
            self.workspaces = {
                w["id"]: Workspace(
                    w["id"], bool(w.get("premium")), bool(w.get("only_admins_may_create_projects"))
                )
                for w in seed["workspaces"]
            }
            self.users = [
                User(
                    u["id"], u["email"], u["password"], u["api_token"],
                    {int(wid): role for wid, role in u.get("workspaces", {}).items()},
                )
                for u in seed["users"]
            ]  # fmt: skip
            self._by_token = {user.api_token: user for user in self.users}
            self._by_email = {user.email: user for user in self.users}
            self.clients: dict[int, Client] = {}
            self._live: dict[int, WorkspaceClients] = {
                wid: WorkspaceClients() for wid in self.workspaces
            }
            for c in seed.get("clients", []):
                client = Client(
                    id=c["id"],
                    wid=c["wid"],
                    name=c["name"],
                    at=parse_time(c["at"]) if "at" in c else self._clock(),
                    creator_id=c.get("creator_id"),
                    archived=bool(c.get("archived")),
                    notes=c.get("notes", ""),
                    external_reference=c.get("external_reference", ""),
                    integration={k: v for k, v in c.items() if k.startswith("integration_")},
                )
                self.clients[client.id] = client
                self._workspace(client.wid).add(client)
            self.projects = ProjectStore(self._clock)
            for p in seed.get("projects", []):
                at = parse_time(p["at"]) if "at" in p else self._clock()
                known = {k: v for k, v in p.items() if k in PROJECT_SEED_FIELDS}
                self.projects.add(Project(
                    id=p["id"], wid=p["wid"], name=p.get("name", f"Project {p['id']}"), at=at,
                    created_at=parse_time(p["created_at"]) if "created_at" in p else at,
                    start_date=p.get("start_date") or format_time(at)[:10], **known,
                ))  # fmt: skip
            self._next_id = max([FIRST_CLIENT_ID, *self.clients]) + 1

    def _workspace(self, workspace_id: int) -> WorkspaceClients:
        return self._live.setdefault(workspace_id, WorkspaceClients())

    # --- users and access ---------------------------------------------------------------------

    def authenticate(self, username: str, password: str) -> User | None:
        if password == "api_token" and username in self._by_token:
            return self._by_token[username]
        user = self._by_email.get(username)
        return user if user is not None and user.password == password else None

    def check_access(self, user: User, workspace_id: int) -> Workspace:
        """The workspace, or the 403 a user without (enough) access gets."""
        workspace = self.workspaces.get(workspace_id)
        role = user.roles.get(workspace_id)
        if workspace is None or role is None:
            raise TogglError(403, errors.NO_ACCESS)
        if workspace.only_admins_may_create_projects and role != "admin":
            raise TogglError(403, errors.admins_only(workspace_id))
        return workspace

    def permissions(self, user: User, workspace_id: int) -> list[str] | None:
        """What the caller may do with a client: admins all of it; members get no field [infer]."""
        return ADMIN_PERMISSIONS if user.roles.get(workspace_id) == "admin" else None

    # --- reading clients ----------------------------------------------------------------------

    def find(self, workspace_id: int, client_id: int) -> Client | None:
        live = self._live.get(workspace_id)
        return live.by_id.get(client_id) if live is not None else None

    def get(self, workspace_id: int, client_id: int) -> Client:
        client = self.find(workspace_id, client_id)
        if client is None:
            raise TogglError(404, errors.not_found(client_id))
        return client

    def matching(
        self,
        workspace_id: int,
        status: str,
        name: str,
        *,
        page: int = 1,
        per_page: int | None = None,
    ) -> Page:
        """The clients a list query selects, in list order; one page of them with `per_page`."""
        archived = {"active": False, "archived": True}.get(status)  # None: both
        needle = name_key(name)
        with self.lock:
            live = self._live.get(workspace_id)
            if live is None:
                return Page([], 0)
            by_id = live.by_id
            if archived is None and not needle:
                selected = [by_id[client_id] for _, client_id in live.order]
            else:
                selected = [
                    client
                    for key, client_id in live.order
                    if needle in key
                    for client in (by_id[client_id],)
                    if archived is None or client.archived is archived
                ]
        total = len(selected)
        if per_page is not None:
            start = (page - 1) * per_page
            selected = selected[start : start + per_page]
        return Page(selected, total)

    def by_ids(self, workspace_id: int, client_ids: list[int]) -> list[Client]:
        found = (self.find(workspace_id, client_id) for client_id in dict.fromkeys(client_ids))
        return [client for client in found if client is not None]

    def changed_since(self, user: User, since: int | None) -> list[Client]:
        """Clients of every workspace where the user may see clients, deleted ones with `since`."""
        visible = {
            wid for wid, role in user.roles.items()
            if wid in self.workspaces
            and (role == "admin" or not self.workspaces[wid].only_admins_may_create_projects)
        }  # fmt: skip
        with self.lock:
            return sorted(
                (c for c in self.clients.values()
                 if c.wid in visible
                 and (c.at >= since if since is not None else c.deleted_at is None)),
                key=lambda c: c.id,
            )  # fmt: skip

    def all_clients(self) -> Iterator[Client]:
        """Every client ever stored, deleted ones included (for the state endpoint and tests)."""
        with self.lock:
            yield from list(self.clients.values())

    # --- changing clients ---------------------------------------------------------------------

    def create(self, workspace_id: int, creator: User, fields: dict[str, Any]) -> Client:
        name = validate_name(fields.get("name", ""))
        with self.lock:
            live = self._workspace(workspace_id)
            if live.taken_by_other(name):
                raise TogglError(400, errors.NAME_TAKEN)
            client = Client(
                id=self._next_id,
                wid=workspace_id,
                name=name,
                at=self._clock(),
                creator_id=creator.id,
                notes=fields.get("notes", ""),
                external_reference=fields.get("external_reference", ""),
            )
            self._next_id += 1
            self.clients[client.id] = client
            live.add(client)
            return client

    def update(self, workspace_id: int, client_id: int, fields: dict[str, Any]) -> Client:
        with self.lock:
            live = self._live.get(workspace_id)
            client = live.by_id.get(client_id) if live is not None else None
            if live is None or client is None:
                raise TogglError(404, errors.UPDATE_NOT_FOUND)
            if "name" in fields:
                name = validate_name(fields["name"])
                if live.taken_by_other(name, own_id=client.id):
                    raise TogglError(400, errors.NAME_TAKEN)
                if name != client.name:
                    live.remove(client)
                    client.name = name
                    live.add(client)
            if "notes" in fields:
                client.notes = fields["notes"]
            if "external_reference" in fields:
                client.external_reference = fields["external_reference"]
            client.at = self._clock()
            return client

    def delete(self, workspace_id: int, client_ids: list[int]) -> None:
        """Delete all of them, or none when one is missing."""
        with self.lock:
            clients = [self.get(workspace_id, client_id) for client_id in client_ids]
            now = self._clock()
            live = self._workspace(workspace_id)
            for client in clients:
                live.remove(client)
                client.deleted_at = client.at = now
            self.projects.detach({client.id for client in clients})

    def archive(self, workspace: Workspace, client_ids: list[int]) -> list[int]:
        """Archive the clients and their active projects; the ids of those projects."""
        with self.lock:
            clients = [self.get(workspace.id, client_id) for client_id in client_ids]
            if not workspace.premium:
                raise TogglError(402, errors.PREMIUM_REQUIRED)
            ids = {c.id for c in clients if not c.archived}  # an archived one archives nothing
            projects = [
                p for p in self.projects.of_workspaces([workspace.id])
                if p.active and p.client_id in ids and p.deleted_at is None
            ]  # fmt: skip
            self.projects.set_active(projects, False)
            archived = sorted(p.id for p in projects)
            now = self._clock()
            for client in clients:
                if not client.archived:
                    client.archived, client.at = True, now
            return archived

    def restore(
        self, workspace_id: int, client_id: int, project_ids: list[int], restore_all: bool
    ) -> Client:
        with self.lock:
            client = self.get(workspace_id, client_id)
            if not client.archived:  # restoring an active client changes nothing [infer]
                return client
            self.projects.set_active(
                [
                    p for p in self.projects.of_workspaces([workspace_id])
                    if p.client_id == client.id and p.deleted_at is None and not p.active
                    and (restore_all or p.id in project_ids)
                ],
                True,
            )  # fmt: skip
            client.archived, client.at = False, self._clock()
            return client

    # --- projects -------------------------------------------------------------------------------

    def project_reader(self, user: User, workspace_id: int) -> Workspace:
        """The workspace, when the user is in it: every user may read its projects [claim, v8]."""
        workspace = self.workspaces.get(workspace_id)
        if workspace is None or workspace_id not in user.roles:
            raise TogglError(403, errors.PROJECT_NO_ACCESS)
        return workspace

    def project_writer(self, user: User, workspace_id: int) -> Workspace:
        """The workspace, when the user may create and change its projects."""
        workspace = self.project_reader(user, workspace_id)
        if workspace.only_admins_may_create_projects and user.roles[workspace_id] != "admin":
            raise TogglError(403, errors.PROJECT_ADMINS_ONLY)
        return workspace

    def get_project(self, workspace_id: int, project_id: int) -> Project:
        with self.lock:
            return self.projects.live(workspace_id, project_id)

    def create_project(self, workspace: Workspace, user: User, fields: dict[str, Any]) -> Project:
        name = _project_name(fields.get("name", ""))
        with self.lock:
            client, stored = self._project_change(workspace, fields)
            client_id = None if client is UNCHANGED else client
            assert client_id is None or isinstance(client_id, int)
            if self.projects.taken(workspace.id, client_id, name):
                raise TogglError(400, errors.NAME_TAKEN)
            return self.projects.create(workspace.id, user.id, name, client_id, stored)

    def update_project(
        self, workspace: Workspace, project_id: int, fields: dict[str, Any]
    ) -> Project:
        with self.lock:
            project = self.projects.live(workspace.id, project_id)
            name = _project_name(fields["name"]) if "name" in fields else None
            client, stored = self._project_change(workspace, fields)
            client_id = project.client_id if client is UNCHANGED else client
            assert client_id is None or isinstance(client_id, int)
            if self.projects.taken(workspace.id, client_id, name or project.name, project.id):
                raise TogglError(400, errors.NAME_TAKEN)
            return self.projects.update(project, name, client, stored)

    def delete_project(self, workspace_id: int, project_id: int) -> Project:
        with self.lock:
            project = self.projects.live(workspace_id, project_id)
            self.projects.delete(project)
            return project

    def projects_of(self, workspace_ids: list[int]) -> list[Project]:
        """Every project ever stored in these workspaces, deleted ones included."""
        with self.lock:
            return list(self.projects.of_workspaces(workspace_ids))

    def client_names(self, workspace_id: int) -> dict[int, str]:
        live = self._live.get(workspace_id)
        return {} if live is None else {c.id: c.name for c in live.by_id.values()}

    def _project_change(
        self, workspace: Workspace, fields: dict[str, Any]
    ) -> tuple[int | None | object, dict[str, Any]]:
        live = self._workspace(workspace.id)

        def find_client(reference: int | str) -> int | None:
            if isinstance(reference, int):
                return reference if reference in live.by_id else None
            return live.by_name.get(name_key(reference.strip(WHITESPACE)))

        return checked_change(
            fields,
            premium=workspace.premium,
            find_client=find_client,
            workspace_id=workspace.id,
            today=self.projects.today(),
        )


def _project_name(raw: str) -> str:
    return validate_name(raw, errors.PROJECT_NAME_EMPTY, errors.PROJECT_NAME_TOO_LONG)


__all__ = [
    "ADMIN_PERMISSIONS", "FIRST_CLIENT_ID", "PROJECT_SEED_FIELDS", "WHITESPACE", "Client",
    "ListOrder", "Page", "Project", "Store", "User", "Workspace", "WorkspaceClients",
    "format_time", "name_key", "parse_time", "validate_name",
]  # fmt: skip
