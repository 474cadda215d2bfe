"""The version of each distribution: where it is written, how it is read and set, how it moves.

The SDK's version is `info.version` of `openapi.yaml` (generation copies it into the package); the
emulator's is `version` in `emulator/pyproject.toml`. Both are set by editing that one line, so
nothing else in either file moves.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from .layout import Distribution

LEVELS = ("none", "patch", "minor", "major")
_SPEC_VERSION = re.compile(r"(?m)^(  version:\s*)['\"]?([^'\"\s#]+)['\"]?")
_PYPROJECT_VERSION = re.compile(r'(?m)^(version\s*=\s*)"([^"]+)"')


def parse(text: str) -> tuple[int, int, int]:
    parts = text.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"version {text!r} is not MAJOR.MINOR.PATCH")
    return int(parts[0]), int(parts[1]), int(parts[2])


def bump_level(old: str, new: str) -> str:
    """The level by which `new` moved past `old` ("none" when it did not)."""
    a, b = parse(old), parse(new)
    if b <= a:
        return "none"
    if b[0] > a[0]:
        return "major"
    return "minor" if b[1] > a[1] else "patch"


def bumped(old: str, level: str) -> str:
    """The smallest version past `old` at `level`."""
    major, minor, patch = parse(old)
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    if level == "patch":
        return f"{major}.{minor}.{patch + 1}"
    return old


def read_from(text: str, file: Path) -> str:
    """The version written in `text`, the content of a distribution's version file."""
    if file.suffix == ".toml":
        return str(tomllib.loads(text)["project"]["version"])
    return str(yaml.safe_load(text)["info"]["version"])


def read(dist: Distribution) -> str:
    return read_from(dist.version_file.read_text(encoding="utf-8"), dist.version_file)


def write(dist: Distribution, version: str) -> None:
    parse(version)
    text = dist.version_file.read_text(encoding="utf-8")
    if dist.version_file.suffix == ".toml":
        new, count = _PYPROJECT_VERSION.subn(lambda m: f'{m.group(1)}"{version}"', text, count=1)
    else:
        new, count = _SPEC_VERSION.subn(lambda m: f"{m.group(1)}{version}", text, count=1)
    if count != 1 or read_from(new, dist.version_file) != version:
        raise SystemExit(f"could not set the version in {dist.version_file}")
    dist.version_file.write_text(new, encoding="utf-8")
