"""The Projects operations, as Toggl answers them, and their routes.

Reading projects takes a user of the workspace; creating, changing and deleting them takes an admin
where the workspace lets only admins create projects. The list's query is read strictly: a value
outside what the spec documents is a 400 `Invalid <parameter>` [infer: the texts].
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from . import errors, payloads
from .errors import TogglError
from .handlers import Call, Operation, RawJson, parse_int64
from .projects import FIELDS, NULLABLE, go_json
from .store import Project

DEFAULT_PER_PAGE = 151  # [doc]
MAX_PER_PAGE = 200  # [doc]; a larger `per_page` is answered as 200 [infer]
MAX_INT32 = 2**31 - 1
STATUSES = frozenset({"upcoming", "active", "ended", "archived"})
SORT_FIELDS = ("name", "created_at", "at", "client_name")
SORT_ORDERS = ("ASC", "DESC")
DELETION_MODES = ("delete", "unassign")
_ID_LIST = re.compile(r"[0-9]+(?:,[0-9]+)*")


class Query:
    """The query of a request, read parameter by parameter; a bad value is a 400."""

    def __init__(self, raw: Mapping[str, str]) -> None:
        self.raw = raw

    def _fail(self, name: str) -> TogglError:
        return TogglError(400, errors.invalid_parameter(name))

    def boolean(self, name: str) -> bool | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if value not in ("true", "false"):
            raise self._fail(name)
        return value == "true"

    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        value = self.raw.get(name)
        if value is not None and value not in choices:
            raise self._fail(name)
        return value

    def integer(self, name: str, minimum: int, maximum: int) -> int | None:
        raw = self.raw.get(name)
        if raw is None:
            return None
        value = parse_int64(raw)
        if value is None or not minimum <= value <= maximum:
            raise self._fail(name)
        return value

    def ids(self, name: str) -> set[int] | None:
        raw = self.raw.get(name)
        if raw is None:
            return None
        if not _ID_LIST.fullmatch(raw):
            raise self._fail(name)
        ids = {parse_int64(part) for part in raw.split(",")}
        if None in ids:
            raise self._fail(name)
        return {i for i in ids if i is not None}

    def words(self, name: str, allowed: frozenset[str]) -> set[str] | None:
        raw = self.raw.get(name)
        if raw is None:
            return None
        words = set(raw.split(","))
        if not words <= allowed:
            raise self._fail(name)
        return words

    def since(self) -> int | None:
        return self.integer("since", 0, payloads.INT64_MAX)


def _render(
    call: Call, projects: list[Project], extra: Callable[[Project], dict[str, Any]]
) -> RawJson:
    today = call.store.projects.today()
    return RawJson(go_json([{**p.to_json(today), **extra(p)} for p in projects]))


def list_projects(call: Call) -> Any:
    call.store.project_reader(call.user, call.workspace_id)
    query = Query(call.query)
    active = query.choice("active", ("true", "false", "both"))
    since = query.since()
    billable = query.boolean("billable")
    user_ids, group_ids = query.ids("user_ids"), query.ids("group_ids")
    client_ids, project_ids = query.ids("client_ids"), query.ids("project_ids")
    statuses = query.words("statuses", STATUSES)
    only_templates = query.boolean("only_templates")
    query.boolean("only_me")  # every user is taken to be a member of every project [infer]
    sort_pinned = query.boolean("sort_pinned")
    sort_field = query.choice("sort_field", SORT_FIELDS) or "name"  # the default [infer]
    descending = query.choice("sort_order", SORT_ORDERS) == "DESC"
    page = query.integer("page", 1, MAX_INT32) or 1
    per_page = min(query.integer("per_page", 1, MAX_INT32) or DEFAULT_PER_PAGE, MAX_PER_PAGE)
    needles = [call.query[k].casefold() for k in ("name", "search") if call.query.get(k)]
    today = call.store.projects.today()
    members = {user.id for user in call.store.users if call.workspace_id in user.roles}
    client_names = call.store.client_names(call.workspace_id)

    def selected(p: Project) -> bool:
        # Deleted projects only with `since` ("created/modified/deleted since") [doc].
        if p.deleted_at is not None and since is None:
            return False
        return (
            (since is None or p.at >= since)
            and (active in (None, "both") or p.active is (active == "true"))
            and (billable is None or p.billable is billable)
            and (client_ids is None or p.client_id in client_ids)
            and (project_ids is None or p.id in project_ids)
            and (statuses is None or p.status(today) in statuses)
            and (not only_templates or p.template is True)
            and (user_ids is None or bool(user_ids & members))
            and group_ids is None  # no project has a group member: groups are not modelled
            and all(needle in p.name.casefold() for needle in needles)
        )

    def order(p: Project) -> tuple[Any, ...]:
        client = client_names.get(p.client_id or 0, "").casefold()
        value = {"name": p.name.casefold(), "created_at": p.created_at, "at": p.at,
                 "client_name": client}[sort_field]  # fmt: skip
        return (value, p.name.casefold(), p.id)

    matches = sorted(filter(selected, call.store.projects_of([call.workspace_id])), key=order,
                     reverse=descending)  # fmt: skip
    if sort_pinned:
        matches.sort(key=lambda p: not p.pinned)  # stable: the order holds within each part
    start = (page - 1) * per_page
    total = len(matches)
    return _render(
        call,
        matches[start : start + per_page],
        lambda p: {"client_name": client_names.get(p.client_id or 0), "total_count": total},
    )


def _fields(call: Call) -> dict[str, Any]:
    assert call.body is not None  # the pipeline reads a required body before calling
    return payloads.object_fields(call.body, FIELDS, nullable=NULLABLE)


def _one(call: Call, project: Project) -> RawJson:
    return RawJson(go_json(project.to_json(call.store.projects.today())))


def create_project(call: Call) -> Any:
    workspace = call.store.project_writer(call.user, call.workspace_id)
    return _one(call, call.store.create_project(workspace, call.user, _fields(call)))


def get_project(call: Call) -> Any:
    call.store.project_reader(call.user, call.workspace_id)
    return _one(call, call.store.get_project(call.workspace_id, call.ids["project_id"]))


def update_project(call: Call) -> Any:
    workspace = call.store.project_writer(call.user, call.workspace_id)
    fields = _fields(call)
    return _one(call, call.store.update_project(workspace, call.ids["project_id"], fields))


def delete_project(call: Call) -> Any:
    call.store.project_writer(call.user, call.workspace_id)
    # What becomes of the time entries (none are modelled); `unassign` when not given [infer].
    Query(call.query).choice("teDeletionMode", DELETION_MODES)
    return call.store.delete_project(call.workspace_id, call.ids["project_id"]).id


def list_my_projects(call: Call) -> Any:
    query = Query(call.query)
    include_archived = query.boolean("include_archived")
    since = query.since()
    workspaces = [wid for wid in call.user.roles if wid in call.store.workspaces]
    projects = sorted(
        (
            p for p in call.store.projects_of(workspaces)
            # With `since`: everything changed since then, archived and deleted ones too [infer].
            if (p.at >= since if since is not None else p.deleted_at is None)
            and (p.active or include_archived or since is not None)
        ),
        key=lambda p: p.id,
    )  # fmt: skip
    return _render(call, projects, lambda p: {})


WORKSPACE = "/workspaces/{workspace_id}/projects"
ROUTES: list[tuple[str, dict[str, Operation]]] = [
    (WORKSPACE, {"GET": Operation(list_projects), "POST": Operation(create_project, "required")}),
    (
        f"{WORKSPACE}/{{project_id}}",
        {
            "GET": Operation(get_project),
            "PUT": Operation(update_project, "required"),
            "DELETE": Operation(delete_project),
        },
    ),
    ("/me/projects", {"GET": Operation(list_my_projects)}),
]
