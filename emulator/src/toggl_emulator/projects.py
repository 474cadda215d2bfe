"""Projects: the Project as Toggl sends it, and Toggl's rules on creating and changing one.

What is known of the live API is in the projects facts sheet; every choice without evidence is
marked [infer] here and listed in the README's assumptions. The rules, in the order a write meets
them: the caller's role, the body's types, the name, the client, the colour, the premium fields,
then uniqueness. A refused write changes nothing: every check runs before the first change.

Projects are few next to clients (a workspace has tens or hundreds), so they are kept simply: one
dict of every project ever stored (deleted ones keep their `deleted_at`, for `since`) and a name
index per workspace and client.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from . import errors
from .errors import TogglError
from .payloads import JsonObject, is_int64

if TYPE_CHECKING:
    from .store import Project

FIRST_PROJECT_ID = 204_000_000
FREE_PALETTE = (
    "#0b83d9", "#9e5bd9", "#d94182", "#e36a00", "#bf7000", "#2da608", "#06a893",
    "#c9806b", "#465bb3", "#990099", "#c7af14", "#566614", "#d92b2b", "#525266",
)  # fmt: skip
"""The colours of Toggl's free plan [claim: a third-party client's list; every recorded colour is in it]."""
COLOR = re.compile(r"#[0-9a-f]{6}")
PREMIUM_FIELDS = (
    "billable", "auto_estimates", "estimated_hours", "rate", "rate_change_mode", "currency",
    "fixed_fee", "recurring", "recurring_parameters", "template",
)  # fmt: skip
"""Documented as premium features; on a free workspace a value other than `false` or `null` is a 402 [infer]."""
PERIODS = ("weekly", "monthly", "quarterly", "yearly", "custom")
INT32_MAX = 2**31 - 1

# The body of a create or update: Toggl's `project.Payload`, every field optional.
FIELDS: dict[str, type] = {
    "name": str, "active": bool, "is_private": bool, "client_id": int, "cid": int,
    "client_name": str, "color": str, "billable": bool, "auto_estimates": bool,
    "estimated_hours": int, "rate": float, "rate_change_mode": str, "currency": str,
    "fixed_fee": float, "recurring": bool, "recurring_parameters": dict, "template": bool,
    "template_id": int, "start_date": str, "end_date": str, "is_shared": bool,
    "external_reference": str,
}  # fmt: skip
NULLABLE = frozenset({
    "client_id", "cid", "estimated_hours", "rate", "currency", "fixed_fee",
    "recurring_parameters", "template_id", "end_date",
})  # fmt: skip
RATE_CHANGE_MODES = ("start-today", "override-current", "override-all")

# Go's encoding/json escapes these in strings (a recorded project name has `&` as `\u0026`).
_GO_ESCAPES = str.maketrans(
    {"&": "\\u0026", "<": "\\u003c", ">": "\\u003e", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def go_json(value: Any) -> bytes:
    """JSON as Go writes it: compact, UTF-8, with its HTML-safe escapes."""
    return _encode(value).translate(_GO_ESCAPES).encode("utf-8")


def name_key(name: str) -> str:
    """What makes two project names the same under one client: case-folded [infer]."""
    return name.casefold()


def check_date(value: str, name: str) -> str:
    """A `YYYY-MM-DD` date, or the 400 [infer] for anything else."""
    try:
        if len(value) == 10 and date.fromisoformat(value).isoformat() == value:
            return value
    except ValueError:
        pass
    raise TogglError(400, errors.invalid_parameter(name))


def recurring_periods(parameters: JsonObject, today: str) -> list[dict[str, Any]]:
    """The project's periods as Toggl documents them, from the `recurring_parameters` sent."""
    period = parameters.get("period", "monthly")
    custom = parameters.get("custom_period", 1)
    start = parameters.get("project_start_date", today)
    valid = (
        period in PERIODS
        and is_int64(custom) and 1 <= custom <= INT32_MAX
        and isinstance(start, str)
    )  # fmt: skip
    if not valid:
        raise TogglError(400, errors.invalid_parameter("recurring_parameters"))
    start = check_date(start, "recurring_parameters")
    return [{
        "custom_period": int(custom) if "custom_period" in parameters else None, "estimated_seconds": None,
        "parameter_start_date": start, "parameter_end_date": None, "period": period,
        "project_start_date": start,
    }]  # fmt: skip


UNCHANGED = object()


class ProjectStore:
    """Every project of an emulator; its lock is the store's."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.by_id: dict[int, Project] = {}
        self._names: dict[tuple[int, int | None, str], set[int]] = {}
        self.next_id = FIRST_PROJECT_ID

    def today(self) -> str:
        return datetime.fromtimestamp(self._clock(), UTC).date().isoformat()

    # --- the index ------------------------------------------------------------------------------

    def add(self, project: Project) -> None:
        self.by_id[project.id] = project
        self.next_id = max(self.next_id, project.id + 1)
        if project.deleted_at is None:
            self._index(project).add(project.id)

    def _index(self, project: Project) -> set[int]:
        key = (project.wid, project.client_id, name_key(project.name))
        return self._names.setdefault(key, set())

    def _unindex(self, project: Project) -> None:
        self._index(project).discard(project.id)

    def taken(self, wid: int, client_id: int | None, name: str, own_id: int | None = None) -> bool:
        """Another live project (archived ones included) of the same client has the name."""
        holders = self._names.get((wid, client_id, name_key(name)), set())
        return bool(holders - {own_id})

    # --- reading --------------------------------------------------------------------------------

    def live(self, wid: int, project_id: int) -> Project:
        project = self.by_id.get(project_id)
        if project is None or project.wid != wid or project.deleted_at is not None:
            raise TogglError(404, errors.PROJECT_NOT_FOUND)
        return project

    def of_workspaces(self, workspace_ids: Iterable[int]) -> Iterator[Project]:
        wanted = set(workspace_ids)
        return (p for p in self.by_id.values() if p.wid in wanted)

    # --- changing -------------------------------------------------------------------------------

    def create(self, wid: int, creator_id: int, name: str, client_id: int | None,
               fields: dict[str, Any]) -> Project:  # fmt: skip
        from .store import Project  # the store's model; the store imports this module

        now = self._clock()
        project = Project(
            id=self.next_id, wid=wid, name=name, at=now, created_at=now, client_id=client_id,
            # Left out, `active` is false: Toggl's mobile developers (2017) and a production
            # integration (2025) saw creates without it archive themselves [claim, twice].
            active=fields.get("active", False),
            is_private=fields.get("is_private", True),  # the workspace's initial default [infer]
            color=fields.get("color") or FREE_PALETTE[self.next_id % len(FREE_PALETTE)],
            start_date=fields.get("start_date") or self.today(),
            creator_id=creator_id,
        )  # fmt: skip
        self._apply(project, fields, now)
        self.add(project)
        return project

    def update(self, project: Project, name: str | None, client: int | None | object,
               fields: dict[str, Any]) -> Project:  # fmt: skip
        now = self._clock()
        self._unindex(project)
        if name is not None:
            project.name = name
        if client is not UNCHANGED:
            project.client_id = client  # type: ignore[assignment]
        for key in ("active", "is_private", "color", "start_date"):
            if key in fields:
                setattr(project, key, fields[key])
        self._apply(project, fields, now)
        project.at = now
        self._index(project).add(project.id)
        return project

    def _apply(self, project: Project, fields: dict[str, Any], now: float) -> None:
        """The optional fields a create or update stores as sent."""
        for key in ("billable", "auto_estimates", "estimated_hours", "currency", "fixed_fee",
                    "recurring", "template", "end_date", "is_shared", "external_reference"):  # fmt: skip
            if key in fields:
                setattr(project, key, fields[key])
        if "rate" in fields and fields["rate"] != project.rate:
            project.rate, project.rate_last_updated = fields["rate"], now
        if "recurring_parameters" in fields:
            project.recurring_parameters = fields["recurring_parameters"]

    def delete(self, project: Project) -> None:
        self._unindex(project)
        project.deleted_at = project.at = self._clock()

    def detach(self, client_ids: set[int]) -> None:
        """A client's deletion leaves its projects without a client; their `at` stays [claim]."""
        for project in self.by_id.values():
            if project.client_id in client_ids and project.deleted_at is None:
                self._unindex(project)
                project.client_id = None
                self._index(project).add(project.id)

    def set_active(self, projects: Iterable[Project], active: bool) -> None:
        now = self._clock()
        for project in projects:
            project.active, project.at = active, now


def checked_change(
    fields: dict[str, Any],
    *,
    premium: bool,
    find_client: Callable[[int | str], int | None],
    workspace_id: int,
    today: str,
) -> tuple[int | None | object, dict[str, Any]]:
    """The client a write names (UNCHANGED when none) and the fields to store, or the refusal.

    The name is checked by the caller (it needs the client for uniqueness). `find_client` takes an
    id or a name and answers the live client's id in the workspace, or None.
    """
    client: int | None | object = UNCHANGED
    for key in ("client_id", "cid"):  # an id below 1 names no client, whichever field wins
        if isinstance(fields.get(key), int) and fields[key] < 1:
            raise TogglError(400, errors.client_not_in_workspace(fields[key], workspace_id))
    if "client_id" in fields or "cid" in fields:
        # `client_id` wins over its legacy twin `cid` [infer].
        wanted = fields["client_id"] if "client_id" in fields else fields["cid"]
        if wanted is not None:
            client = find_client(wanted)
            if client is None:
                raise TogglError(400, errors.client_not_in_workspace(wanted, workspace_id))
        else:
            client = None  # detaches the project [claim]
    elif "client_name" in fields:
        # The client by name [doc]; it must exist: creating one is not assumed [infer].
        client = find_client(fields["client_name"])
        if client is None:
            raise TogglError(
                400, errors.client_not_in_workspace(fields["client_name"], workspace_id)
            )
    stored = dict(fields)
    if "color" in fields:
        if not COLOR.fullmatch(fields["color"]):
            raise TogglError(400, errors.invalid_color(fields["color"]))
        if not premium and fields["color"] not in FREE_PALETTE:
            raise TogglError(402, errors.premium_only(errors.CUSTOM_COLORS))
    for key in PREMIUM_FIELDS:
        if key in fields and fields[key] not in (None, False) and not premium:
            raise TogglError(402, errors.premium_only(key))
    for key in ("start_date", "end_date"):
        if isinstance(fields.get(key), str):
            check_date(fields[key], key)
    template = fields.get("template_id")
    if template is not None and template < 1:
        raise TogglError(400, errors.invalid_parameter("template_id"))
    hours = fields.get("estimated_hours")
    if hours is not None and not 0 <= hours <= INT32_MAX:
        raise TogglError(400, errors.invalid_parameter("estimated_hours"))
    mode = fields.get("rate_change_mode")
    if mode is not None and mode not in RATE_CHANGE_MODES:
        raise TogglError(400, errors.invalid_parameter("rate_change_mode"))
    if isinstance(fields.get("recurring_parameters"), dict):
        stored["recurring_parameters"] = recurring_periods(fields["recurring_parameters"], today)
    return client, stored
