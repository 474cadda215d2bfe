"""`make build` and `make publish`: all three distributions, built reproducibly, tested installed, and
uploaded only as built, only when safe. The index is a local pypiserver on loopback."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from toggl_emulator.server import ServerProcess

from tests.pipeline.clones import PYTHON, clone, edit, env, git, run

# One worker builds the distributions once for the whole module (`--dist loadgroup`).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("build")]

WHEELS = (
    "toggl_track_client-0.1.0-py3-none-any.whl",
    "toggl_track_emulator-0.1.0-py3-none-any.whl",
    "toggl_track_contract-0.1.0-py3-none-any.whl",
)


@pytest.fixture
def index(tmp_path: Path) -> Iterator[str]:
    """A local package index (pypiserver) on 127.0.0.1 that takes uploads without auth."""
    packages = tmp_path / "packages"
    packages.mkdir()
    command = [str(Path(PYTHON).parent / "pypi-server"), "run", "-i", "127.0.0.1", "-a", ".", "-P", ".",
               "--disable-fallback", str(packages), "-p"]  # fmt: skip
    with ServerProcess(
        lambda port: [*command, str(port)], health_path="/simple/", name="pypiserver"
    ) as server:
        yield server.origin


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone after `make build` (once for the module: building takes a while)."""
    repo = clone(tmp_path_factory.mktemp("built") / "repo")
    result = run(repo, "build")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "reproducible, twine-checked, tested installed" in result.stdout
    return repo


@pytest.fixture
def repo(built: Path, tmp_path: Path) -> Path:
    """A copy of the built clone for one test to spoil."""
    copy = tmp_path / "repo"
    # The environments are shared, not copied (hundreds of MB, and no test spoils them).
    shared = (".venv", ".tools", "bench/node_modules")
    shutil.copytree(built, copy, symlinks=True, ignore=lambda folder, names: [
        name for name in names if (Path(folder) / name).relative_to(built).as_posix() in shared
    ])  # fmt: skip
    for relative in shared:
        if (built / relative).is_dir():
            (copy / relative).symlink_to(built / relative, target_is_directory=True)
    return copy


def target(index: str) -> dict[str, str]:
    return {"PUBLISH_UPLOAD_URL": index + "/", "PUBLISH_INDEX_URL": index + "/simple/"}


def test_build_makes_all_three_distributions_and_records_them(built: Path) -> None:
    names = sorted(p.name for p in (built / "dist").iterdir())
    sdists = ["toggl_track_client-0.1.0.tar.gz", "toggl_track_emulator-0.1.0.tar.gz",
              "toggl_track_contract-0.1.0.tar.gz"]  # fmt: skip
    assert names == sorted([*WHEELS, *sdists])
    manifest = (built / "build" / "dist.sha256").read_text().splitlines()
    assert sorted(line.split("  ")[1] for line in manifest) == names


def test_publish_uploads_both_then_refuses_the_same_sdk_version(
    repo: Path, index: str, tmp_path: Path
) -> None:
    dry = run(repo, "publish", **target(index))
    assert dry.returncode == 0 and "dry run" in dry.stdout and all(w in dry.stdout for w in WHEELS)

    published = run(
        repo, "publish", **target(index), TWINE_USERNAME="ci", TWINE_PASSWORD="s3cret-not-checked"
    )
    assert published.returncode == 0, published.stdout + published.stderr
    assert "s3cret-not-checked" not in published.stdout + published.stderr

    venv = tmp_path / "venv"
    uv = shutil.which("uv", path=env()["PATH"])
    assert uv
    subprocess.run([uv, "venv", "--quiet", "--python", PYTHON, str(venv)], check=True)
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), "--index-url", index + "/simple/",
         "--extra-index-url", "https://pypi.org/simple/", "toggl-track-client==0.1.0", "toggl-track-emulator==0.1.0"],
        check=True,
    )  # fmt: skip
    imported = subprocess.run(
        [str(venv / "bin" / "python"), "-I", "-c", "import toggl_track_client, toggl_emulator; print(toggl_emulator.__file__)"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert str(venv) in imported.stdout

    again = run(repo, "publish", **target(index), TWINE_USERNAME="ci", TWINE_PASSWORD="x")
    assert again.returncode == 1 and "toggl-track-client 0.1.0 is already on" in again.stderr


def test_an_unchanged_emulator_is_skipped_not_refused(repo: Path, index: str) -> None:
    emulator = [p for p in (repo / "dist").iterdir() if p.name.startswith("toggl_track_emulator")]
    subprocess.run(
        [PYTHON, "-m", "twine", "upload", "--non-interactive", "--repository-url", index + "/", *map(str, emulator)],
        env=env() | {"TWINE_USERNAME": "ci", "TWINE_PASSWORD": "x"}, check=True, capture_output=True,
    )  # fmt: skip
    result = run(repo, "publish", **target(index))
    assert result.returncode == 0, result.stderr
    assert (
        "toggl-track-emulator 0.1.0 is already on" in result.stdout and "skipped" in result.stdout
    )
    assert WHEELS[0] in result.stdout and WHEELS[1] not in result.stdout.split("would upload")[1]


def test_a_file_the_build_did_not_make_is_refused(repo: Path, index: str) -> None:
    wheel = repo / "dist" / WHEELS[0]
    planted = repo / "dist" / "toggl_track_client-0.1.0-py2.py3-none-any.whl"
    shutil.copy(wheel, planted)
    result = run(repo, "publish", **target(index))
    assert result.returncode == 1 and "files `make build` did not make" in result.stderr
    assert planted.name in result.stderr


def test_a_changed_wheel_is_refused(repo: Path, index: str) -> None:
    wheel = repo / "dist" / WHEELS[0]
    with zipfile.ZipFile(wheel, "a") as archive:
        archive.writestr("toggl_track_client/extra.py", "print('not built by make build')\n")
    result = run(repo, "publish", **target(index))
    assert result.returncode == 1 and "sha256 differs" in result.stderr


def test_credentials_go_only_over_https_or_to_loopback(repo: Path) -> None:
    result = run(
        repo, "publish", PUBLISH_UPLOAD_URL="http://packages.example.com/", TWINE_PASSWORD="s3cret"
    )
    assert result.returncode == 1 and "must be https://" in result.stderr
    assert "s3cret" not in result.stdout + result.stderr


def test_a_tag_must_name_the_version(repo: Path, index: str) -> None:
    result = run(repo, "publish", **target(index), RELEASE_TAG="v0.2.0")
    assert (
        result.returncode == 1
        and "does not name toggl-track-client's version 0.1.0" in result.stderr
    )


def test_publish_refuses_a_dirty_tree_and_stale_generated_code(repo: Path, index: str) -> None:
    (repo / "README.md").write_text("edited\n")
    dirty = run(repo, "publish", **target(index))
    assert dirty.returncode == 1 and "uncommitted changes" in dirty.stderr
    git(repo, "checkout", "README.md")
    edit(repo, "openapi.yaml", "summary: Get a client", "summary: Fetch a client")
    git(repo, "commit", "--quiet", "-am", "spec edited without regenerating")
    stale = run(repo, "publish", **target(index))
    assert stale.returncode == 1 and "generated/ is stale" in stale.stderr
