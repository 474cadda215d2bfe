"""Seeds: the state an emulator starts from (workspaces, users, clients, projects).

`load_seed` reads a seed file (JSON or YAML) or takes a mapping as it is. `DEFAULT_SEED` is the
default seed (`seed.yaml` beside this module, the one source of those identifiers) as typed
entries, for code that needs them by name:

    from toggl_emulator.seed import DEFAULT_SEED
    admin = DEFAULT_SEED.users["admin"]          # .id, .email, .password, .api_token
    workspace = DEFAULT_SEED.workspaces["premium"].id
    project = DEFAULT_SEED.projects["relaunch"]   # .id, .wid, .client_id, .name
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .seed_schema import SeedError, check_seed

DEFAULT_SEED_PATH = Path(__file__).with_name("seed.yaml")


MAX_SEED_BYTES = 16 << 20


def load_seed(source: Path | str | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The seed as plain data; `source` is a path (JSON or YAML), a mapping, or None (default).

    A seed that is not one (see `seed_schema`) raises `SeedError` naming the entry and field."""
    where = "seed" if isinstance(source, Mapping) else str(source or DEFAULT_SEED_PATH)
    if isinstance(source, Mapping):
        data: Any = dict(source)
    else:
        path = Path(source) if source is not None else DEFAULT_SEED_PATH
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        cached = _PARSED.get(key)
        if cached is not None:  # parsed and checked already: a test's emulator costs no parsing
            return dict(cached)
        with path.open("rb") as file:
            raw = file.read(MAX_SEED_BYTES + 1)
        if len(raw) > MAX_SEED_BYTES:
            raise SeedError(f"{where}: larger than {MAX_SEED_BYTES >> 20} MiB: not a seed")
        try:
            text = raw.decode("utf-8")
            data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
            raise SeedError(f"{where}: not JSON or YAML: {error}") from None
    try:
        check_seed(data)
    except SeedError as error:
        raise SeedError(f"{where}: {error}") from None
    if not isinstance(source, Mapping):
        if len(_PARSED) >= 32:
            _PARSED.clear()
        _PARSED[key] = data  # never changed: the store reads a seed, `extended` copies it
    return dict(data)


# Seed files as parsed and checked, by path, modification time and size.
_PARSED: dict[tuple[str, int, int], dict[str, Any]] = {}


@dataclass(frozen=True)
class SeedUser:
    id: int
    email: str
    password: str
    api_token: str

    @property
    def basic_auth(self) -> tuple[str, str]:
        """HTTP Basic credentials with the API token, as httpx's `auth=` takes them."""
        return (self.api_token, "api_token")


@dataclass(frozen=True)
class SeedWorkspace:
    id: int
    name: str


@dataclass(frozen=True)
class SeedClient:
    id: int
    wid: int
    name: str


@dataclass(frozen=True)
class SeedProject:
    id: int
    wid: int
    client_id: int | None
    name: str


@dataclass(frozen=True)
class Seed:
    """The entries of a seed by name: their `key`, else (users) their email, else (the rest) their id."""

    workspaces: Mapping[str, SeedWorkspace]
    users: Mapping[str, SeedUser]
    clients: Mapping[str, SeedClient]
    projects: Mapping[str, SeedProject] = field(default_factory=dict)

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Seed:
        return cls(
            workspaces={
                str(w.get("key", w["id"])): SeedWorkspace(w["id"], w.get("name", ""))
                for w in data["workspaces"]
            },
            users={
                str(u.get("key", u["email"])): SeedUser(
                    u["id"], u["email"], u["password"], u["api_token"]
                )
                for u in data["users"]
            },
            clients={
                str(c.get("key", c["id"])): SeedClient(c["id"], c["wid"], c["name"])
                for c in data.get("clients", [])
            },
            projects={
                str(p.get("key", p["id"])): SeedProject(
                    p["id"], p["wid"], p.get("client_id"), p.get("name", f"Project {p['id']}")
                )
                for p in data.get("projects", [])
            },
        )


DEFAULT_SEED = Seed.of(load_seed())


def credentials_summary(seed: Mapping[str, Any]) -> list[str]:
    """One line per seeded user, for the banner `toggl-emulator` prints."""
    lines = []
    for user in seed["users"]:
        roles = ", ".join(f"{role} of {wid}" for wid, role in user.get("workspaces", {}).items())
        lines.append(
            f"  {user['email']} / {user['password']}  token {user['api_token']}  ({roles or '-'})"
        )
    return lines


def extended(
    base: Path | str | Mapping[str, Any] | None = None,
    *,
    workspaces: Sequence[Mapping[str, Any]] = (),
    users: Sequence[Mapping[str, Any]] = (),
    clients: Sequence[Mapping[str, Any]] = (),
    projects: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """A seed: `base` (default: the default seed) with these entries added, checked.

        @pytest.mark.toggl_emulator(seed=extended(clients=[{"wid": 1001, "name": "Umbrella"}]))

    An entry without an `id` gets the next free one of its kind; a workspace is on the free plan
    unless it says `premium: True`; a user without credentials gets `<key>@example.com`, the
    password `emulator-password` and the token `<key>-token`.
    """
    seed = {key: [dict(entry) for entry in value] for key, value in load_seed(base).items()}
    for section, added in (("workspaces", workspaces), ("users", users), ("clients", clients),
                           ("projects", projects)):  # fmt: skip
        entries = seed.setdefault(section, [])
        for entry in added:
            entry = dict(entry)
            if "id" not in entry:
                entry["id"] = max([e["id"] for e in entries], default=1000) + 1
            if section == "users":
                name = str(entry.get("key", f"user{entry['id']}"))
                entry.setdefault("email", f"{name}@example.com")
                entry.setdefault("password", "emulator-password")
                entry.setdefault("api_token", f"{name}-token")
            entries.append(entry)
    return load_seed(seed)
