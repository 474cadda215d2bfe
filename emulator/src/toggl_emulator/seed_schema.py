"""The seed format, in one place: what each entry holds, checked before an emulator starts.

    toggl-emulator --check-seed my-seed.yaml          # says what is wrong, or that it is fine

A seed has `workspaces` and `users`, and optionally `clients` and `projects`: lists of entries.
`key` names an entry for tests (`toggl_seed.clients["acme"]`); the emulator ignores it. A bad
seed is refused with the entry and the field named (`clients[2] (key 'acme'): wid: ...`).
`seed.schema.json`, shipped with the package, is this format as JSON Schema (for an editor).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COLOR = re.compile(r"^#[0-9a-f]{6}$")
ROLES = ("admin", "member")


@dataclass(frozen=True)
class Field:
    kind: str  # id, int, number, bool, text, time, date, color, role-map
    required: bool = False
    nullable: bool = False
    help: str = ""


ENTRIES: dict[str, dict[str, Field]] = {
    "workspaces": {
        "key": Field("text", help="a name for tests"),
        "id": Field("id", True),
        "name": Field("text"),
        "premium": Field("bool", help="a paid plan (archiving clients needs it); default false"),
        "only_admins_may_create_projects": Field(
            "bool", help="members may not manage clients and projects; default false"
        ),
    },
    "users": {
        "key": Field("text"),
        "id": Field("id", True),
        "email": Field("text", True),
        "password": Field("text", True),
        "api_token": Field("text", True),
        "workspaces": Field("role-map", help="workspace id: admin or member"),
    },
    "clients": {
        "key": Field("text"),
        "id": Field("id", True),
        "wid": Field("id", True, help="a workspace of the seed"),
        "name": Field("text", True),
        "at": Field("time", help="ISO 8601; default: when the emulator starts"),
        "creator_id": Field("id"),
        "archived": Field("bool"),
        "notes": Field("text"),
        "external_reference": Field("text"),
        "integration_ext_id": Field("text"),
        "integration_ext_type": Field("text"),
        "integration_provider": Field("text"),
    },
    "projects": {
        "key": Field("text"),
        "id": Field("id", True),
        "wid": Field("id", True, help="a workspace of the seed"),
        "name": Field("text"),
        "client_id": Field("id", nullable=True, help="a client of the same workspace"),
        "active": Field("bool"),
        "is_private": Field("bool"),
        "color": Field("color", help="lower-case #rrggbb"),
        "billable": Field("bool", nullable=True),
        "template": Field("bool", nullable=True),
        "auto_estimates": Field("bool", nullable=True),
        "estimated_hours": Field("int", nullable=True),
        "rate": Field("number", nullable=True),
        "currency": Field("text", nullable=True),
        "recurring": Field("bool"),
        "fixed_fee": Field("number", nullable=True),
        "actual_seconds": Field("int", nullable=True),
        "start_date": Field("date"),
        "end_date": Field("date", nullable=True),
        "is_shared": Field("bool"),
        "pinned": Field("bool"),
        "external_reference": Field("text"),
        "creator_id": Field("id", nullable=True),
        "at": Field("time"),
        "created_at": Field("time"),
    },
}
REQUIRED_LISTS = ("workspaces", "users")


class SeedError(ValueError):
    """A seed the emulator cannot start from; the message names the entry and the field."""


def _fits(kind: str, value: Any) -> bool:
    if kind in ("id", "int"):
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and (kind == "int" or 1 <= value < 2**63)
        )
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "text":
        return isinstance(value, str)
    if kind == "time":
        return isinstance(value, str) and bool(_TIME.match(value))
    if kind == "date":
        return isinstance(value, str) and bool(_DATE.match(value))
    if kind == "color":
        return isinstance(value, str) and bool(_COLOR.match(value))
    if kind == "role-map":
        return isinstance(value, Mapping) and all(
            _fits("id", _as_id(wid)) and role in ROLES for wid, role in value.items()
        )
    raise AssertionError(kind)


def _as_id(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.isdigit() else value


_WORDS = {"id": "a positive integer id", "int": "an integer", "number": "a number",
          "bool": "true or false", "text": "a string", "time": "an ISO 8601 time with its offset",
          "date": "a date YYYY-MM-DD", "color": "a lower-case #rrggbb colour",
          "role-map": f"a mapping of workspace id to {' or '.join(ROLES)}"}  # fmt: skip


def check_seed(seed: Any) -> None:
    """Raise `SeedError` for the first thing wrong with `seed`, naming entry and field."""
    if not isinstance(seed, Mapping):
        raise SeedError(
            "a seed is a mapping with `workspaces` and `users` (and `clients`, `projects`)"
        )
    unknown = sorted(set(seed) - set(ENTRIES))
    if unknown:
        raise SeedError(f"unknown section {unknown[0]!r}; a seed has {', '.join(ENTRIES)}")
    ids: dict[str, set[int]] = {}
    for section, fields in ENTRIES.items():
        entries = seed.get(section, [] if section not in REQUIRED_LISTS else None)
        if not isinstance(entries, list):
            raise SeedError(f"{section}: expected a list of entries")
        ids[section] = set()
        for index, entry in enumerate(entries):
            where = _where(section, index, entry)
            if not isinstance(entry, Mapping):
                raise SeedError(f"{where}: expected a mapping of fields")
            for name in entry:
                if name not in fields:
                    raise SeedError(
                        f"{where}: unknown field {name!r}; it takes {', '.join(fields)}"
                    )
            for name, field in fields.items():
                if name not in entry:
                    if field.required:
                        raise SeedError(f"{where}: {name} is missing")
                    continue
                value = entry[name]
                if value is None and field.nullable:
                    continue
                if not _fits(field.kind, value):
                    raise SeedError(
                        f"{where}: {name}: expected {_WORDS[field.kind]}, got {value!r}"
                    )
            if entry["id"] in ids[section]:
                raise SeedError(f"{where}: id {entry['id']} is taken by another entry")
            ids[section].add(entry["id"])
    _check_references(seed, ids)


def _check_references(seed: Mapping[str, Any], ids: dict[str, set[int]]) -> None:
    workspaces = ids["workspaces"]
    client_workspace = {c["id"]: c["wid"] for c in seed.get("clients", [])}
    for index, user in enumerate(seed["users"]):
        for wid in user.get("workspaces", {}):
            if _as_id(wid) not in workspaces:
                raise SeedError(f"{_where('users', index, user)}: workspaces: no workspace {wid}")
    for section in ("clients", "projects"):
        for index, entry in enumerate(seed.get(section, [])):
            where = _where(section, index, entry)
            if entry["wid"] not in workspaces:
                raise SeedError(f"{where}: wid: no workspace {entry['wid']} in the seed")
            client = entry.get("client_id") if section == "projects" else None
            if client is not None and client_workspace.get(client) != entry["wid"]:
                raise SeedError(
                    f"{where}: client_id: no client {client} in workspace {entry['wid']}"
                )


def _where(section: str, index: int, entry: Any) -> str:
    key = entry.get("key") if isinstance(entry, Mapping) else None
    return f"{section}[{index}]" + (f" (key {key!r})" if key else "")


def json_schema() -> dict[str, Any]:
    """The format as JSON Schema (written to `seed.schema.json` for editors)."""
    kinds: dict[str, dict[str, Any]] = {
        "id": {"type": "integer", "minimum": 1}, "int": {"type": "integer"},
        "number": {"type": "number"}, "bool": {"type": "boolean"}, "text": {"type": "string"},
        "time": {"type": "string", "pattern": _TIME.pattern},
        "date": {"type": "string", "pattern": _DATE.pattern},
        "color": {"type": "string", "pattern": _COLOR.pattern},
        "role-map": {"type": "object", "additionalProperties": {"enum": list(ROLES)}},
    }  # fmt: skip

    def schema_of(field: Field) -> dict[str, Any]:
        schema = dict(kinds[field.kind])
        if field.nullable:
            schema["type"] = [schema["type"], "null"]
        if field.help:
            schema["description"] = field.help
        return schema

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "toggl-emulator seed",
        "type": "object",
        "required": list(REQUIRED_LISTS),
        "additionalProperties": False,
        "properties": {
            section: {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [name for name, f in fields.items() if f.required],
                    "additionalProperties": False,
                    "properties": {name: schema_of(f) for name, f in fields.items()},
                },
            }
            for section, fields in ENTRIES.items()
        },
    }
