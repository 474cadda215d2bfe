"""The regenerate-and-publish pipeline: release check, reproducible build, publish to an index."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from toggl_emulator.server import free_port

from tests.support import ROOT

pytestmark = pytest.mark.slow
PYTHON = sys.executable


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A clean clone of the committed repository, with the Node tools of this checkout."""
    clone = tmp_path / "repo"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    git(clone, "config", "user.email", "ci@example.com")
    git(clone, "config", "user.name", "CI")
    (clone / "node_modules").symlink_to(ROOT / "node_modules")
    return clone


def env() -> dict[str, str]:
    path = os.pathsep.join(
        [str(Path(PYTHON).parent), str(ROOT / ".tools" / "bin"), os.environ.get("PATH", "")]
    )
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("TWINE_", "PYPI_", "PUBLISH_"))
    } | {"PATH": path}


def run(repo: Path, step: str, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """A pipeline step (`toggl_pipeline.<step>`) run in the clone, as `make` would."""
    return subprocess.run(
        [PYTHON, "-m", f"toggl_pipeline.{step}", *args],
        cwd=repo, env=env() | extra, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def edit_spec(repo: Path, old: str, new: str, version: str | None = None) -> None:
    spec = repo / "openapi.yaml"
    text = spec.read_text()
    assert old in text
    text = text.replace(old, new, 1)
    if version:
        text = text.replace("  version: 0.1.0\n", f"  version: {version}\n", 1)
    spec.write_text(text)


NEW_QUERY = """        - name: name
          in: query
"""
OPTIONAL_PARAM = (
    """        - name: per_page
          in: query
          description: Page size.
          schema:
            type: integer
"""
    + NEW_QUERY
)
REQUIRED_FIELD = "      required: [name]\n      properties:\n        name:\n          $ref: '#/components/schemas/ClientName'\n        notes:"


def test_the_first_release_passes_and_prints_its_changelog_entry(repo: Path) -> None:
    result = run(repo, "release_check")
    assert result.returncode == 0, result.stderr
    assert "## 0.1.0 - " in result.stdout and "First release." in result.stdout


@pytest.mark.parametrize(
    ("edit", "version", "passes", "needed"),
    [
        (None, None, True, None),
        ((NEW_QUERY, OPTIONAL_PARAM), None, False, "minor"),
        ((NEW_QUERY, OPTIONAL_PARAM), "0.1.1", False, "minor"),
        ((NEW_QUERY, OPTIONAL_PARAM), "0.2.0", True, None),
        (
            (REQUIRED_FIELD, REQUIRED_FIELD.replace("required: [name]", "required: [name, notes]")),
            "0.2.0",
            False,
            "major",
        ),
        (
            (REQUIRED_FIELD, REQUIRED_FIELD.replace("required: [name]", "required: [name, notes]")),
            "1.0.0",
            True,
            None,
        ),
    ],
)
def test_the_release_check_demands_the_bump_the_spec_changes_need(
    repo: Path, edit: tuple[str, str] | None, version: str | None, passes: bool, needed: str | None
) -> None:
    git(repo, "tag", "v0.1.0")
    if edit:
        edit_spec(repo, *edit, version=version)
    result = run(repo, "release_check")
    assert (result.returncode == 0) is passes, result.stdout + result.stderr
    if needed:
        assert f"need a {needed} bump" in result.stderr


def test_a_generator_change_alone_needs_a_patch_release(repo: Path) -> None:
    git(repo, "tag", "v0.1.0")
    client = repo / "generated" / "toggl_track_client" / "client.py"
    client.write_text(client.read_text() + "\n# what a generator upgrade changed\n")
    result = run(repo, "release_check")
    assert result.returncode == 1 and "need a patch bump" in result.stderr
    assert "the generated package changed" in result.stdout


def test_the_changelog_is_kept_from_the_entries(repo: Path) -> None:
    git(repo, "tag", "v0.1.0")
    edit_spec(repo, NEW_QUERY, OPTIONAL_PARAM, version="0.2.0")
    assert run(repo, "release_check", "--write-changelog").returncode == 0
    assert run(repo, "release_check", "--write-changelog").returncode == 0  # idempotent
    changelog = (repo / "CHANGELOG.md").read_text()
    assert changelog.count("## 0.2.0 - ") == 1 and changelog.index("## 0.2.0") < changelog.index(
        "## 0.1.0"
    )
    assert "minor: added" in changelog and "per_page" in changelog


@pytest.fixture
def index(tmp_path: Path) -> Iterator[str]:
    """A local package index (pypiserver) on 127.0.0.1 that takes uploads without auth."""
    packages = tmp_path / "packages"
    packages.mkdir()
    port = free_port()
    server = subprocess.Popen(
        [str(Path(PYTHON).parent / "pypi-server"), "run", "-i", "127.0.0.1", "-p", str(port),
         "-a", ".", "-P", ".", "--disable-fallback", str(packages)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/simple/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_build_publish_install_and_refuse_a_second_upload(
    repo: Path, index: str, tmp_path: Path
) -> None:
    built = run(repo, "build")
    assert built.returncode == 0, built.stdout + built.stderr
    assert "reproducible, twine-checked, smoke-tested" in built.stdout
    wheel = repo / "dist" / "toggl_track_client-0.1.0-py3-none-any.whl"
    assert wheel.is_file() and (repo / "dist" / "toggl_track_client-0.1.0.tar.gz").is_file()

    target = {"PUBLISH_UPLOAD_URL": index + "/", "PUBLISH_INDEX_URL": index + "/simple/"}
    dry = run(repo, "publish", **target)
    assert dry.returncode == 0 and "dry run" in dry.stdout and wheel.name in dry.stdout

    published = run(repo, "publish", **target, TWINE_USERNAME="ci", TWINE_PASSWORD="not-checked")
    assert published.returncode == 0, published.stdout + published.stderr
    assert "not-checked" not in published.stdout + published.stderr

    venv = tmp_path / "venv"
    uv = shutil.which("uv", path=env()["PATH"])
    assert uv
    subprocess.run([uv, "venv", "--quiet", "--python", PYTHON, str(venv)], check=True)
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
         "--index-url", index + "/simple/", "--extra-index-url", "https://pypi.org/simple/", "toggl-track-client==0.1.0"],
        check=True,
    )  # fmt: skip
    imported = subprocess.run(
        [str(venv / "bin" / "python"), "-I", "-c", "import toggl_track_client as t; print(t.__file__)"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert str(venv) in imported.stdout

    again = run(repo, "publish", **target, TWINE_USERNAME="ci", TWINE_PASSWORD="x")
    assert again.returncode == 1 and "already on" in again.stderr


def test_publish_refuses_a_dirty_tree_and_stale_generated_code(repo: Path, index: str) -> None:
    target = {"PUBLISH_UPLOAD_URL": index + "/", "PUBLISH_INDEX_URL": index + "/simple/"}
    (repo / "README.md").write_text("edited\n")
    dirty = run(repo, "publish", **target)
    assert dirty.returncode == 1 and "uncommitted changes" in dirty.stderr
    git(repo, "checkout", "README.md")
    edit_spec(repo, "summary: Get a client", "summary: Fetch a client")
    git(repo, "commit", "--quiet", "-am", "spec edited without regenerating")
    stale = run(repo, "publish", **target)
    assert stale.returncode == 1 and "generated/ is stale" in stale.stderr
