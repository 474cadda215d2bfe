"""The release check's rules as units: which bump a change needs, which versions it accepts,
how a spec change and a changelog entry read. (`test_release_check.py` runs the whole check on
throwaway histories.)"""

from __future__ import annotations

import dataclasses
import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest
from toggl_pipeline import release_check, versions
from toggl_pipeline.layout import Distribution, Layout
from toggl_pipeline.release_check import (
    Verdict,
    changelog_entry,
    describe,
    main,
    spec_diff,
    write_changelog,
)

from tests.pipeline.clones import git, init

LAYOUT = Layout.here()
SDK = LAYOUT.distributions[0]


def verdict(base: str | None, version: str, *needs: str) -> Verdict:
    result = Verdict(SDK, "v1.2.3" if base else None, base, version)
    for level in needs:
        result.need(level, f"a {level} change")
    return result


@pytest.mark.parametrize(
    ("needs", "version", "accepted", "smallest"),
    [
        ((), "1.2.3", True, "1.2.3"),
        (("patch",), "1.2.3", False, "1.2.4"),
        (("patch",), "1.2.4", True, "1.2.4"),
        (("patch", "minor", "patch"), "1.2.4", False, "1.3.0"),  # the strongest need wins
        (("minor",), "1.3.0", True, "1.3.0"),
        (("minor",), "2.0.0", True, "2.0.0"),  # more than needed is fine
        (("major", "minor"), "1.3.0", False, "2.0.0"),
        (("major",), "2.0.0", True, "2.0.0"),
    ],
)
def test_a_version_is_accepted_when_it_moved_at_least_as_far_as_the_changes_need(
    needs: tuple[str, ...], version: str, accepted: bool, smallest: str
) -> None:
    checked = verdict("1.2.3", version, *needs)
    assert checked.accepted is accepted
    assert checked.smallest_accepted == smallest
    assert checked.changes == [f"{level}: a {level} change" for level in needs]
    if accepted:
        assert checked.problem is None
    else:
        assert checked.problem == (
            f"toggl-track-client is {version} (last release v1.2.3: 1.2.3), but the changes need "
            f"a {checked.required} bump: {smallest} or later (`make bump` sets it)"
        )


def test_a_first_release_accepts_any_version() -> None:
    first = verdict(None, "0.0.1", "major")
    assert first.accepted and first.smallest_accepted == "0.0.1" and first.problem is None


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"kind": "added", "path": "#/paths/~1workspaces~1{workspace_id}~1clients/get/parameters/1",
          "revision": {"value": {"name": "per_page"}}},
         "added GET /workspaces/{workspace_id}/clients parameters 1 (per_page)"),
        ({"kind": "removed", "path": "#/paths/~1me/get", "property": "x",
          "base": {"value": {"name": "gone"}}, "revision": {"value": "not a dict"}},
         "removed GET /me (x, gone)"),
        ({"kind": "changed", "path": "#/components/schemas/A~0B"}, "changed components/schemas/A~B"),
        ({"kind": "changed", "path": "#/paths/~1me"}, "changed paths//me"),
        ({"kind": "removed", "path": "#/paths"}, "removed paths"),
        ({"kind": "changed", "path": "#/tags/0/description"}, "changed tags/0/description"),
        ({"kind": "changed", "path": "#/paths/~1me/get/parameters/0",
          "revision": {"value": {"name": "now"}}, "base": {"value": {"name": "before"}}},
         "changed GET /me parameters 0 (now)"),
    ],
)  # fmt: skip
def test_a_spec_change_reads_as_words(change: dict[str, object], words: str) -> None:
    assert describe(change) == words


def test_a_changelog_entry_says_what_changed_since_which_release() -> None:
    today = datetime.date.today().isoformat()
    entry = changelog_entry(verdict("1.2.3", "1.3.0", "minor"))
    assert (
        entry == f"## 1.3.0 - {today} (since v1.2.3, a minor release)\n\n- minor: a minor change\n"
    )
    assert changelog_entry(verdict("1.2.3", "1.2.3"), "1.2.4") == (
        f"## 1.2.4 - {today}\n\n- No changes.\n"
    )
    assert changelog_entry(verdict("1.2.3", "1.2.4", "patch")) == (
        f"## 1.2.4 - {today} (since v1.2.3, a patch release)\n\n- patch: a patch change\n"
    )
    assert changelog_entry(verdict(None, "0.1.0", "patch")) == (
        f"## 0.1.0 - {today}\n\n- patch: a patch change\n"
    )


def test_a_changelog_keeps_one_entry_per_version_newest_first(tmp_path: Path) -> None:
    log = tmp_path / "CHANGELOG.md"
    write_changelog(log, "## 0.1.0 - d\n\n- first\n", "0.1.0")
    assert log.read_text() == "# Changelog\n\n## 0.1.0 - d\n\n- first\n"
    write_changelog(log, "## 0.2.0 - d\n\n- second\n", "0.2.0")
    write_changelog(log, "## 0.2.0 - e\n\n- second, again\n", "0.2.0")  # replaces its own
    assert log.read_text() == (
        "# Changelog\n\n## 0.2.0 - e\n\n- second, again\n\n## 0.1.0 - d\n\n- first\n"
    )


def test_a_new_version_alone_is_no_http_change(tmp_path: Path) -> None:
    spec = LAYOUT.spec.read_text()
    base = tmp_path / "openapi.yaml"
    base.write_text(spec.replace(f"  version: {versions.read(SDK)}", "  version: 0.0.1", 1))
    assert base.read_text() != spec
    assert spec_diff(LAYOUT, base) == []
    renamed = spec.replace("summary: Get a client", "summary: Fetch one client", 1)
    base.write_text(renamed)
    assert [level for level, _ in spec_diff(LAYOUT, base)] == ["patch"]


def test_its_help_says_what_it_checks(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "`make release-check` and `make bump`: does each" in capsys.readouterr().out


def test_git_outside_a_repository_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(subprocess.CalledProcessError):
        release_check.git(tmp_path, "status")


def fake_redocly(root: Path, script: str) -> Layout:
    """A checkout whose `redocly` is a script (Redocly's own is `test_a_new_version_alone...`)."""
    layout = Layout(root)
    layout.node_bin.mkdir(parents=True)
    (layout.node_bin / "redocly").write_text(f"#!/bin/sh\n{script}\n")
    (layout.node_bin / "redocly").chmod(0o755)
    return layout


def test_a_redocly_that_fails_or_is_killed_stops_the_check(tmp_path: Path) -> None:
    for n, script in enumerate(("echo no >&2; exit 2", "kill -9 $$")):
        with pytest.raises(SystemExit, match="redocly diff failed"):
            release_check.spec_diff(fake_redocly(tmp_path / str(n), script), tmp_path / "base.yaml")


def test_only_the_spec_s_own_version_is_no_change(tmp_path: Path) -> None:
    changes = [
        {"path": "#/info", "property": "version", "impact": "patch", "kind": "changed"},
        {
            "path": "#/components/schemas/Client",
            "property": "version",
            "impact": "minor",
            "kind": "added",
        },
    ]
    report = json.dumps({"changes": changes})
    layout = fake_redocly(tmp_path, f"echo '{report}'")
    assert release_check.spec_diff(layout, tmp_path / "base.yaml") == [
        ("minor", "HTTP: added components/schemas/Client (version)")
    ]


@pytest.mark.parametrize("level", ["patch", "minor", "major"])
def test_make_changelog_writes_an_entry_for_any_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, level: str
) -> None:
    dist = dataclasses.replace(SDK, changelog=tmp_path / "CHANGELOG.md")
    verdict = Verdict(dist, "v0.1.0", "0.1.0", "1.0.0", level, [f"{level}: a change"])
    monkeypatch.setattr(release_check, "check", lambda layout: [verdict])
    monkeypatch.setattr(Layout, "here", classmethod(lambda cls: Layout(tmp_path)))
    assert release_check.main(["--write-changelog"]) == 0
    assert f"- {level}: a change" in dist.changelog.read_text()


def test_a_redocly_failure_says_what_redocly_said(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as stopped:
        release_check.spec_diff(
            fake_redocly(tmp_path, "echo 'bad spec' >&2; exit 2"), tmp_path / "b"
        )
    assert str(stopped.value) == "release-check: redocly diff failed:\nbad spec\n"


def released(root: Path, stamp: str) -> tuple[Layout, Distribution]:
    """A repository with the SDK's spec and generation stamp, released as v0.1.0."""
    layout = Layout(root)
    sdk = dataclasses.replace(SDK, version_file=layout.spec)
    (root / "generated").mkdir(parents=True)
    layout.spec.write_text("openapi: 3.1.0\ninfo:\n  version: 0.1.0\n")
    (root / "generated" / "generation-stamp.json").write_text(stamp)
    init(root)
    commit(root, "v0.1.0")
    return layout, sdk


def test_a_stamp_that_changed_beyond_its_version_is_a_change_shipped(tmp_path: Path) -> None:
    layout, sdk = released(tmp_path, '{"version": "0.1.0", "spec": "aaa"}')
    stamp = tmp_path / "generated" / "generation-stamp.json"
    layout.spec.write_text("openapi: 3.1.0\ninfo:\n  version: 0.2.0\n")
    stamp.write_text('{"version": "0.2.0", "spec": "aaa"}')  # the version alone
    assert not release_check._shipped_files_changed(layout, sdk, "v0.1.0", "0.1.0")
    for spec in ("bbb", "000"):  # after or before the old in any order
        stamp.write_text(f'{{"version": "0.2.0", "spec": "{spec}"}}')
        assert release_check._shipped_files_changed(layout, sdk, "v0.1.0", "0.1.0")
    stamp.write_text('{"version": "0.2.0", "spec": "aaa"}')
    (tmp_path / "generated" / "zz.py").write_text("X = 1\n")  # listed after the stamp
    git(tmp_path, "add", "-A")
    assert release_check._shipped_files_changed(layout, sdk, "v0.1.0", "0.1.0")


# --- a whole check, on a small repository of one distribution ---------------------------------------


def tiny(root: Path, *, spec: bool = False) -> tuple[Layout, Distribution]:
    """A distribution `tiny` (one module) whose version is in dist.toml, or in the spec."""
    layout = Layout(root)
    version_file = layout.spec if spec else root / "dist.toml"  # sorts before the spec
    dist = Distribution(name="tiny", package="tiny", project=root, search_path=root / "src",
                        changelog=root / "CHANGELOG.md", version_file=version_file,
                        watched=("src", version_file.name))  # fmt: skip
    (root / "src" / "tiny").mkdir(parents=True)
    (root / "src" / "tiny" / "__init__.py").write_text("def one() -> int:\n    return 1\n")
    init(root)
    return layout, dist


def set_version(dist: Distribution, version: str) -> None:
    if dist.version_file.suffix == ".toml":
        dist.version_file.write_text(f'[project]\nname = "tiny"\nversion = "{version}"\n')
    else:
        dist.version_file.write_text(f"openapi: 3.1.0\ninfo:\n  version: {version}\n")


def commit(root: Path, tag: str | None = None) -> None:
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "x")
    if tag:
        git(root, "tag", tag)


def test_a_distribution_never_released_is_a_first_release(tmp_path: Path) -> None:
    layout, dist = tiny(tmp_path)
    set_version(dist, "0.1.0")
    commit(tmp_path)
    verdict = release_check.check_distribution(layout, dist, None)
    assert (verdict.changes, verdict.required, verdict.base_version) == (
        ["First release."],
        "none",
        None,
    )


def test_a_distribution_that_did_not_exist_at_the_tag_is_a_first_release(tmp_path: Path) -> None:
    layout, dist = tiny(tmp_path)
    commit(tmp_path, "v0.1.0")  # no dist.toml yet
    set_version(dist, "0.1.0")
    commit(tmp_path)
    verdict = release_check.check_distribution(layout, dist, "v0.1.0")
    assert (verdict.changes, verdict.base_version) == (["First release."], None)


def test_a_new_public_function_needs_a_minor_release(tmp_path: Path) -> None:
    layout, dist = tiny(tmp_path)
    set_version(dist, "0.1.0")
    commit(tmp_path, "v0.1.0")
    init = tmp_path / "src" / "tiny" / "__init__.py"
    init.write_text(init.read_text() + "\n\ndef two() -> int:\n    return 2\n")
    verdict = release_check.check_distribution(layout, dist, "v0.1.0")
    assert verdict.required == "minor" and verdict.base_version == "0.1.0"
    assert any(change.startswith("minor: Python: ") for change in verdict.changes)
    assert "patch: what tiny ships changed (code, templates or generator)" in verdict.changes


def test_the_spec_s_distribution_is_rated_by_redocly_too(tmp_path: Path) -> None:
    layout, dist = tiny(tmp_path, spec=True)
    set_version(dist, "0.1.0")
    commit(tmp_path, "v0.1.0")
    report = json.dumps({"changes": [{"path": "#/paths/~1x", "kind": "added", "impact": "minor"}]})
    fake_redocly(tmp_path, f"echo '{report}'")
    verdict = release_check.check_distribution(layout, dist, "v0.1.0")
    assert verdict.changes == ["minor: HTTP: added paths//x"] and verdict.required == "minor"


def test_a_version_file_changed_beyond_its_version_is_a_change_shipped(tmp_path: Path) -> None:
    layout, dist = tiny(tmp_path)

    def version_file(version: str, description: str) -> None:
        set_version(dist, version)
        dist.version_file.write_text(
            dist.version_file.read_text() + f'description = "{description}"\n'
        )

    version_file("0.1.0", "b")
    commit(tmp_path, "v0.1.0")
    version_file("0.2.0", "b")  # the version alone
    assert not release_check._shipped_files_changed(layout, dist, "v0.1.0", "0.1.0")
    for description in ("a", "c"):  # before or after the old in any order
        version_file("0.2.0", description)
        assert release_check._shipped_files_changed(layout, dist, "v0.1.0", "0.1.0")
    version_file("0.2.0", "b")
    (tmp_path / "src" / "tiny" / "other.py").write_text("X = 1\n")
    git(tmp_path, "add", "-A")
    assert release_check._shipped_files_changed(layout, dist, "v0.1.0", "0.1.0")


def test_the_base_is_the_newest_release_tag_but_the_one_being_checked(tmp_path: Path) -> None:
    _, dist = tiny(tmp_path)
    set_version(dist, "0.1.0")
    commit(tmp_path, "v0.1.0")
    set_version(dist, "0.2.0")
    commit(tmp_path, "v0.2.0")
    assert release_check.last_release_tag(tmp_path) == "v0.1.0"  # clean: v0.2.0 is checked
    set_version(dist, "0.2.1")
    assert release_check.last_release_tag(tmp_path) == "v0.2.0"  # `make bump` after a release


def test_more_spec_changes_that_are_not_its_version(tmp_path: Path) -> None:
    changes = [
        {"path": "#/info", "property": "title", "impact": "patch", "kind": "changed"},
        {"path": "#/info", "property": "x-logo", "impact": "patch", "kind": "added"},
        {"path": "#/paths/~1x", "property": "version", "impact": "minor", "kind": "added"},
    ]
    layout = fake_redocly(tmp_path, f"echo '{json.dumps({'changes': changes})}'")
    assert [words for _, words in release_check.spec_diff(layout, tmp_path / "b")] == [
        "HTTP: changed info (title)", "HTTP: added info (x-logo)", "HTTP: added paths//x (version)",
    ]  # fmt: skip


def test_make_bump_sets_what_is_needed_and_a_refused_version_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    layout, dist = tiny(tmp_path)
    set_version(dist, "0.1.0")

    def verdicts(layout: Layout) -> list[Verdict]:
        return [Verdict(dist, "v0.1.0", "0.1.0", versions.read(dist), "minor", ["minor: x"])]

    monkeypatch.setattr(release_check, "check", verdicts)
    monkeypatch.setattr(Layout, "here", classmethod(lambda cls: layout))
    assert release_check.main([]) == 1
    assert versions.read(dist) == "0.1.0" and not dist.changelog.exists()  # checked, not bumped
    assert (
        "release-check: tiny is 0.1.0 (last release v0.1.0: 0.1.0), but the changes need a minor"
        in capsys.readouterr().err
    )
    assert release_check.main(["--bump"]) == 0
    assert versions.read(dist) == "0.2.0"
    assert "bump: tiny 0.1.0 -> 0.2.0" in capsys.readouterr().out
    assert release_check.main([]) == 0
    assert "release-check: tiny 0.2.0 is a valid next version" in capsys.readouterr().out


def test_release_check_runs_as_a_module() -> None:
    result = subprocess.run([sys.executable, "-m", "toggl_pipeline.release_check", "--help"],
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0 and "--write-changelog" in result.stdout
