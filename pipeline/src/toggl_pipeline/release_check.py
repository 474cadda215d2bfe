"""`make release-check`: is `info.version` bumped as the changes since the last release require?

The last release is the newest `v*` git tag. Redocly CLI's `diff` (offline) rates each change of
`openapi.yaml` as major, minor or patch; a change of the generated package that the spec does not
explain (a generator or template upgrade) needs at least a patch. With no release yet, any version
passes. Prints the changelog entry; `--write-changelog` puts it at the top of `CHANGELOG.md`.

    python -m toggl_pipeline.release_check [--write-changelog]
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .layout import Layout

LAYOUT = Layout.here()
ROOT = LAYOUT.root
SPEC = LAYOUT.spec
CHANGELOG = LAYOUT.changelog
REDOCLY = LAYOUT.node_bin / "redocly"
LEVELS = ["none", "patch", "minor", "major"]
# Files of generated/ that change with the version alone.
VERSION_ONLY = ("generated/pyproject.toml", "generated/generation-stamp.json")


@dataclass
class Verdict:
    base_tag: str | None
    base_version: str | None
    version: str
    required: str  # one of LEVELS
    changes: list[str]
    problem: str | None


def git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def last_release_tag() -> str | None:
    tags = git("tag", "--list", "v*", "--sort=-v:refname").splitlines()
    return tags[0] if tags else None


def parse_version(text: str) -> tuple[int, int, int]:
    parts = text.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"info.version {text!r} is not MAJOR.MINOR.PATCH")
    return int(parts[0]), int(parts[1]), int(parts[2])


def bump_level(old: str, new: str) -> str:
    """The level by which `new` moved past `old` ("none" when it did not)."""
    a, b = parse_version(old), parse_version(new)
    if b <= a:
        return "none"
    if b[0] > a[0]:
        return "major"
    return "minor" if b[1] > a[1] else "patch"


def spec_diff(base_spec: Path) -> tuple[str, list[str]]:
    """Redocly's rating of the spec changes, and one line per change."""
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    result = subprocess.run(
        [str(REDOCLY), "diff", str(base_spec), str(SPEC), "--format=json", "--fail-on=none"],
        cwd=ROOT, capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"release-check: redocly diff failed:\n{result.stderr}")
    report = json.loads(result.stdout)
    lines = [
        describe(change)
        for change in report.get("changes", [])
        if not (change["path"] == "#/info" and change.get("property") == "version")
    ]
    bump = report.get("bump", "none")
    return (bump if bump in LEVELS else "none"), lines


def describe(change: dict[str, Any]) -> str:
    """One changelog line: `minor: added GET /workspaces/{workspace_id}/clients parameters/1 (per_page)`."""
    parts = [
        p.replace("~1", "/").replace("~0", "~")
        for p in change["path"].removeprefix("#/").split("/")
    ]
    if parts[0] == "paths" and len(parts) > 2:
        where = " ".join([parts[2].upper(), parts[1], *parts[3:]])
    else:
        where = "/".join(parts)
    detail = [change["property"]] if change.get("property") else []
    for side in ("revision", "base"):
        value = (change.get(side) or {}).get("value")
        if isinstance(value, dict) and "name" in value:
            detail.append(str(value["name"]))
            break
    suffix = f" ({', '.join(detail)})" if detail else ""
    return f"{change['impact']}: {change['kind']} {where}{suffix}"


def check() -> Verdict:
    version = str(yaml.safe_load(SPEC.read_text())["info"]["version"])
    tag = last_release_tag()
    if tag is None:
        return Verdict(None, None, version, "none", ["First release."], None)
    base_text = git("show", f"{tag}:openapi.yaml")
    base_version = str(yaml.safe_load(base_text)["info"]["version"])
    with tempfile.TemporaryDirectory() as scratch:
        base_spec = Path(scratch) / "openapi.yaml"
        base_spec.write_text(base_text)
        required, changes = spec_diff(base_spec)
    excluded = [f":(exclude){path}" for path in VERSION_ONLY]
    generated_changed = git("diff", "--name-only", tag, "--", "generated", *excluded)
    if generated_changed and LEVELS.index(required) < LEVELS.index("patch"):
        required = "patch"
    if generated_changed:
        changes.append("patch: the generated package changed (generator, templates or spec)")
    problem = None
    if required != "none" and LEVELS.index(bump_level(base_version, version)) < LEVELS.index(
        required
    ):
        problem = (
            f"info.version is {version} (last release {tag}: {base_version}), "
            f"but the changes need a {required} bump"
        )
    return Verdict(tag, base_version, version, required, changes, problem)


def changelog_entry(verdict: Verdict) -> str:
    today = datetime.date.today().isoformat()
    since = f" (since {verdict.base_tag}, a {verdict.required} release)" if verdict.base_tag else ""
    body = "\n".join(f"- {line}" for line in verdict.changes) or "- No changes to the spec."
    return f"## {verdict.version} - {today}{since}\n\n{body}\n"


def write_changelog(entry: str, version: str) -> None:
    text = CHANGELOG.read_text() if CHANGELOG.exists() else "# Changelog\n\n"
    head, _, rest = text.partition("\n## ")
    sections = [f"## {s}" for s in rest.split("\n## ")] if rest else []
    sections = [s for s in sections if not s.startswith(f"## {version} ")]
    CHANGELOG.write_text(head.rstrip() + "\n\n" + "\n".join([entry, *sections]).rstrip() + "\n")


def main() -> int:
    verdict = check()
    print(changelog_entry(verdict))
    if "--write-changelog" in sys.argv[1:]:
        write_changelog(changelog_entry(verdict), verdict.version)
        print(f"release-check: {CHANGELOG.name} updated")
    if verdict.problem:
        print(f"release-check: {verdict.problem}", file=sys.stderr)
        return 1
    print(f"release-check: {verdict.version} is a valid next version")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
