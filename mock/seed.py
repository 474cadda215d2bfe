"""Seed data of the emulator: the default `seed.yaml` beside this file, or a JSON/YAML file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

DEFAULT_SEED = Path(__file__).with_name("seed.yaml")


def load_seed(source: Path | str | dict[str, Any] | None = None) -> dict[str, Any]:
    """The seed as plain data; `source` is a path (JSON or YAML), a mapping, or None (default)."""
    if isinstance(source, dict):
        return source
    path = Path(source) if source is not None else DEFAULT_SEED
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict) or "users" not in data or "workspaces" not in data:
        raise ValueError(f"{path}: a seed needs at least `workspaces` and `users`")
    return data


def credentials_summary(seed: dict[str, Any]) -> list[str]:
    """One line per seeded user, for the banner `make mock` prints."""
    lines = []
    for user in seed["users"]:
        roles = ", ".join(f"{role} of {wid}" for wid, role in user.get("workspaces", {}).items())
        lines.append(
            f"  {user['email']} / {user['password']}  token {user['api_token']}  ({roles or '-'})"
        )
    return lines
