"""`make release-check` and `make bump`: each version follows what its users see, over HTTP and in
Python. Each case is a throwaway history: the committed repository tagged v0.1.0, one change, the
package regenerated."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pipeline.clones import clone, edit, git, regenerate, run

pytestmark = pytest.mark.slow


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = clone(tmp_path / "repo")
    git(repo, "tag", "v0.1.0")
    return repo


def required(repo: Path) -> tuple[str, str]:
    """The bump the SDK needs, and the check's whole output."""
    result = run(repo, "release_check")
    output = result.stdout + result.stderr
    for level in ("major", "minor", "patch"):
        if (
            f"toggl-track-client is 0.1.0 (last release v0.1.0: 0.1.0), but the changes need a {level} bump"
            in output
        ):
            assert result.returncode == 1
            return level, output
    assert result.returncode == 0, output
    return "none", output


LIST_PARAMS = "        - name: page\n          in: query\n"
SORT_PARAM = "        - name: sort\n          in: query\n          description: Order of the list.\n          schema:\n            type: string\n"
CLIENT_NOTES = "        notes:\n          type: string\n        external_reference:\n          description: An identifier of the client in another system of the customer"


@pytest.mark.parametrize(
    ("change", "level", "evidence"),
    [
        (
            lambda r: _all(r, "ClientCreate", "NewClient"),
            "major",
            "Python: `toggl_track_client.models.ClientCreate` was renamed to `toggl_track_client.models.NewClient`",
        ),
        (
            lambda r: edit(r, "openapi.yaml", "operationId: createClient", "operationId: addClient"),
            "major",
            "Python: `toggl_track_client.api.clients.create_client` was renamed to `toggl_track_client.api.clients.add_client`",
        ),
        (
            lambda r: edit(r, "openapi.yaml", LIST_PARAMS, SORT_PARAM + LIST_PARAMS),
            "minor",
            ("`toggl_track_client.api.clients.ClientsResource.list`, `toggl_track_client.api.clients.ClientsResource.list_all`",
             "- minor: HTTP: added GET /workspaces/{workspace_id}/clients parameters",  # the spec's own diff
             "toggl-track-emulator 0.1.0 is a valid next version"),  # the spec is the SDK's alone
        ),
        (
            lambda r: edit(r, "openapi.yaml", CLIENT_NOTES, "        currency:\n          type: string\n" + CLIENT_NOTES),
            "minor",
            "`toggl_track_client.models.client_model.ClientModel.currency` was added",
        ),
        (
            lambda r: edit(r, "openapi.yaml", "summary: Get a client", "summary: Fetch one client"),
            "patch",
            "what toggl-track-client ships changed",
        ),
        (
            lambda r: edit(r, "sdk/templates/README.md.jinja", "\n", "\n<!-- reworded -->\n"),
            "patch",
            "what toggl-track-client ships changed",
        ),
    ],
    ids=["schema rename", "operationId rename", "optional query parameter", "optional response field",
         "description only", "template only"],
)  # fmt: skip
def test_the_check_rates_each_change_as_its_users_see_it(
    repo: Path, change: object, level: str, evidence: str | tuple[str, ...]
) -> None:
    change(repo)  # type: ignore[operator]
    regenerate(repo)
    got, output = required(repo)
    assert got == level, output
    for text in (evidence,) if isinstance(evidence, str) else evidence:
        assert text in output, output


def _all(repo: Path, old: str, new: str) -> None:
    spec = repo / "openapi.yaml"
    spec.write_text(spec.read_text().replace(old, new))


def test_nothing_changed_needs_nothing_and_a_tag_on_head_is_not_its_own_base(repo: Path) -> None:
    assert required(repo)[0] == "none"
    edit(repo, "openapi.yaml", "summary: Get a client", "summary: Fetch one client")
    regenerate(repo)
    git(repo, "commit", "--quiet", "-am", "a patch, released as 0.1.0 again by mistake")
    git(repo, "tag", "v0.1.1")  # the release being checked: its base is v0.1.0
    assert required(repo)[0] == "patch"


def test_make_bump_sets_the_smallest_accepted_versions_and_the_changelogs(repo: Path) -> None:
    edit(repo, "openapi.yaml", LIST_PARAMS, SORT_PARAM + LIST_PARAMS)
    edit(
        repo,
        "emulator/src/toggl_emulator/__init__.py",
        '    "check_seed",\n    "create_app",\n',
        '    "check_seed",\n',
    )
    regenerate(repo)
    bumped = run(repo, "release_check", "--bump")
    assert bumped.returncode == 0, bumped.stdout + bumped.stderr
    assert "bump: toggl-track-client 0.1.0 -> 0.2.0" in bumped.stdout
    assert "bump: toggl-track-emulator 0.1.0 -> 1.0.0" in bumped.stdout  # a public name went
    assert "  version: 0.2.0\n" in (repo / "openapi.yaml").read_text()
    assert 'version = "1.0.0"' in (repo / "emulator" / "pyproject.toml").read_text()
    changelog = (repo / "CHANGELOG.md").read_text()
    assert changelog.index("## 0.2.0 - ") < changelog.index("## 0.1.0") and "sort" in changelog
    assert (
        "`toggl_emulator.create_app` was removed"
        in (repo / "emulator" / "CHANGELOG.md").read_text()
    )
    regenerate(repo)
    again = run(repo, "release_check")
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_new_version_alone_changes_nothing_that_needs_a_release(repo: Path) -> None:
    # The emulator's pyproject carries its version: it is compared with the version put back, so
    # a bump is not itself a change of what the emulator ships.
    edit(repo, "emulator/pyproject.toml", 'version = "0.1.0"', 'version = "0.1.1"')
    result = run(repo, "release_check")
    assert result.returncode == 0, result.stdout + result.stderr
    emulator = result.stdout.split("toggl-track-emulator:\n", 1)[1].split("release-check:", 1)[0]
    assert emulator.startswith("## 0.1.1 - ") and emulator.endswith("\n\n- No changes.\n\n"), (
        emulator
    )


def test_an_emulator_change_needs_an_emulator_release(repo: Path) -> None:
    edit(
        repo,
        "emulator/src/toggl_emulator/errors.py",
        '"""',
        '"""Reworded. ',
    )
    result = run(repo, "release_check")
    assert result.returncode == 1
    assert (
        "toggl-track-emulator is 0.1.0 (last release v0.1.0: 0.1.0), but the changes need a patch bump"
        in result.stderr
    )
    assert "toggl-track-client 0.1.0 is a valid next version" in result.stdout


def test_the_projects_resource_is_a_minor_release_of_each_distribution(tmp_path: Path) -> None:
    """The second resource, rated as its users see it: new operations, models and emulator
    behaviour, nothing removed or changed incompatibly, in the SDK, the emulator and the kit."""
    repo = clone(tmp_path / "repo")
    added = git(repo, "log", "--format=%H", "--reverse", "-S/workspaces/{workspace_id}/projects:",
                "--", "openapi.yaml").split()  # fmt: skip
    if not added:
        pytest.skip("a shallow clone: the history before projects is not here")
    git(repo, "tag", "v0.1.0", f"{added[0]}^")  # the release before projects
    bumped = run(repo, "release_check", "--bump")
    assert bumped.returncode == 0, bumped.stdout + bumped.stderr
    for name in ("toggl-track-client", "toggl-track-emulator", "toggl-track-contract"):
        assert f"bump: {name} 0.1.0 -> 0.2.0" in bumped.stdout, bumped.stdout
    assert "a major" not in bumped.stdout
    sdk = (repo / "CHANGELOG.md").read_text()
    assert "## 0.2.0 - " in sdk and "`toggl_track_client.api.Toggl.projects` was added" in sdk
    emulator = (repo / "emulator" / "CHANGELOG.md").read_text()
    assert "`toggl_emulator.emulator.Emulator.projects` was added" in emulator
    regenerate(repo)
    again = run(repo, "release_check")
    assert again.returncode == 0, again.stdout + again.stderr
