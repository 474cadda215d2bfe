"""`make release-check` and `make bump`: does each distribution's version follow what its users see?

The base is the last release: the newest `v*` tag behind HEAD (a tag on a clean HEAD is the
release being checked, not its base). For each distribution we publish, the required bump is the
strongest of:

- the HTTP contract (the SDK only): `redocly diff` of `openapi.yaml` rates each change;
- the public Python API (`api_diff`, with griffe): a removed, renamed or incompatibly changed name
  is major, an addition minor;
- any other change of what the distribution ships (`Distribution.watched`: generator, templates,
  emulator code): patch.

    python -m toggl_pipeline.release_check            check; print each changelog entry
    python -m toggl_pipeline.release_check --bump     set each version to the smallest accepted,
                                                      write the changelog entries (make bump)
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import api_diff, versions
from .layout import Distribution, Layout
from .versions import LEVELS


@dataclass
class Verdict:
    dist: Distribution
    base_tag: str | None
    base_version: str | None  # None: not released yet
    version: str
    required: str = "none"  # one of LEVELS
    changes: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        if self.base_version is None or self.required == "none":
            return True
        moved = versions.bump_level(self.base_version, self.version)
        return LEVELS.index(moved) >= LEVELS.index(self.required)

    @property
    def smallest_accepted(self) -> str:
        if self.accepted or self.base_version is None:
            return self.version
        return versions.bumped(self.base_version, self.required)

    @property
    def problem(self) -> str | None:
        if self.accepted:
            return None
        return (
            f"{self.dist.name} is {self.version} (last release {self.base_tag}: "
            f"{self.base_version}), but the changes need a {self.required} bump: "
            f"{self.smallest_accepted} or later (`make bump` sets it)"
        )

    def need(self, level: str, change: str) -> None:
        self.changes.append(f"{level}: {change}")
        if LEVELS.index(level) > LEVELS.index(self.required):
            self.required = level


def git(root: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def last_release_tag(root: Path) -> str | None:
    """The newest `v*` tag that HEAD contains. A tag on HEAD is the base while the tree has changes
    (`make bump` after a release); on a clean tree it is the release being checked, not its base."""
    clean = not git(root, "status", "--porcelain", "--untracked-files=no")
    on_head = (
        set(git(root, "tag", "--points-at", "HEAD", "--list", "v*").split()) if clean else set()
    )
    merged = git(root, "tag", "--merged", "HEAD", "--list", "v*", "--sort=-v:refname").split()
    return next((tag for tag in merged if tag not in on_head), None)


def spec_diff(layout: Layout, base_spec: Path) -> list[tuple[str, str]]:
    """Redocly's rating of each change of the spec since the base: (level, description)."""
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    result = subprocess.run(
        [str(layout.node_bin / "redocly"), "diff", str(base_spec), str(layout.spec), "--format=json", "--fail-on=none"],
        cwd=layout.root, capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"release-check: redocly diff failed:\n{result.stderr}")
    report = json.loads(result.stdout)
    return [
        (change["impact"] if change["impact"] in LEVELS else "patch", "HTTP: " + describe(change))
        for change in report.get("changes", [])
        if not (change["path"] == "#/info" and change.get("property") == "version")
    ]


def describe(change: dict[str, Any]) -> str:
    """A change of the spec in words: `added GET /workspaces/{workspace_id}/clients parameters 1 (per_page)`."""
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
    return f"{change['kind']} {where}{suffix}"


def _base_version(layout: Layout, dist: Distribution, tag: str) -> str | None:
    relative = dist.version_file.relative_to(layout.root).as_posix()
    try:
        text = git(layout.root, "show", f"{tag}:{relative}")
    except subprocess.CalledProcessError:
        return None  # the distribution did not exist at that release
    return versions.read_from(text, dist.version_file)


def check_distribution(layout: Layout, dist: Distribution, tag: str | None) -> Verdict:
    version = versions.read(dist)
    base = _base_version(layout, dist, tag) if tag else None
    verdict = Verdict(dist, tag, base, version)
    if tag is None or base is None:
        verdict.changes.append("First release.")
        return verdict
    if dist.version_file == layout.spec:
        with tempfile.TemporaryDirectory() as scratch:
            base_spec = Path(scratch) / "openapi.yaml"
            base_spec.write_text(git(layout.root, "show", f"{tag}:openapi.yaml"))
            for level, change in spec_diff(layout, base_spec):
                verdict.need(level, change)
    old = api_diff.load_at(dist.package, dist.search_path, tag, layout.root)
    new = api_diff.load_now(dist.package, dist.search_path)
    for api_change in api_diff.changes(old, new) if old is not None else []:
        verdict.need(api_change.level, "Python: " + api_change.text)
    if _shipped_files_changed(layout, dist, tag, base):
        verdict.need("patch", f"what {dist.name} ships changed (code, templates or generator)")
    return verdict


def _shipped_files_changed(layout: Layout, dist: Distribution, tag: str, base: str) -> bool:
    """Whether a watched file changed since the tag, beyond the version itself."""
    changed = git(layout.root, "diff", "--name-only", tag, "--", *dist.watched).split()
    for name in changed:
        if name in ("generated/generation-stamp.json", "generated/pyproject.toml"):
            # They carry the version: compare them with it put back.
            old = git(layout.root, "show", f"{tag}:{name}")
            now = (layout.root / name).read_text().replace(versions.read(dist), base)
            if old.strip() != now.strip():
                return True
            continue
        if (layout.root / name).resolve() == dist.version_file.resolve():
            old = git(layout.root, "show", f"{tag}:{name}")
            now = dist.version_file.read_text().replace(f'"{versions.read(dist)}"', f'"{base}"')
            if old.strip() != now.strip():
                return True
            continue
        return True
    return False


def check(layout: Layout) -> list[Verdict]:
    tag = last_release_tag(layout.root)
    return [check_distribution(layout, dist, tag) for dist in layout.distributions]


def changelog_entry(verdict: Verdict, version: str | None = None) -> str:
    today = datetime.date.today().isoformat()
    since = (
        f" (since {verdict.base_tag}, a {verdict.required} release)"
        if verdict.base_version and verdict.required != "none"
        else ""
    )
    body = "\n".join(f"- {line}" for line in verdict.changes) or "- No changes."
    return f"## {version or verdict.version} - {today}{since}\n\n{body}\n"


def write_changelog(path: Path, entry: str, version: str) -> None:
    text = path.read_text() if path.exists() else "# Changelog\n\n"
    head, _, rest = text.partition("\n## ")
    sections = [f"## {s}" for s in rest.split("\n## ")] if rest else []
    sections = [s for s in sections if not s.startswith(f"## {version} ")]
    path.write_text(head.rstrip() + "\n\n" + "\n".join([entry, *sections]).rstrip() + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="release-check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--bump", action="store_true", help="set the smallest accepted versions")
    parser.add_argument(
        "--write-changelog", action="store_true", help="write the entries (make changelog)"
    )
    args = parser.parse_args(argv)
    layout = Layout.here()
    failed = False
    for verdict in check(layout):
        dist = verdict.dist
        if args.bump and not verdict.accepted:
            new = verdict.smallest_accepted
            versions.write(dist, new)
            print(f"bump: {dist.name} {verdict.version} -> {new}")
            verdict.version = new
        entry = changelog_entry(verdict)
        print(f"{dist.name}:\n{entry}")
        if (args.bump or args.write_changelog) and verdict.required != "none":
            write_changelog(dist.changelog, entry, verdict.version)
            print(f"release-check: {dist.changelog.relative_to(layout.root)} updated")
        if verdict.problem:
            print(f"release-check: {verdict.problem}", file=sys.stderr)
            failed = True
        else:
            print(f"release-check: {dist.name} {verdict.version} is a valid next version")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
