"""Where things are in a checkout of the repository: the one home of these paths.

The steps run from the repository root (the Makefile's folder); `find_root` also accepts a folder
below it, so a step works from anywhere inside a checkout, the clones the tests make included.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def find_root(start: Path | None = None) -> Path:
    """The checkout that holds `openapi.yaml` and `sdk/`, from `start` (default: here) upwards."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "openapi.yaml").is_file() and (folder / "sdk").is_dir():
            return folder
    raise SystemExit(f"not inside a toggl-track-client checkout: {here}")


@dataclass(frozen=True)
class Layout:
    root: Path

    @classmethod
    def here(cls) -> Layout:
        return cls(find_root())

    @property
    def spec(self) -> Path:
        return self.root / "openapi.yaml"

    @property
    def generator_config(self) -> Path:
        return self.root / "sdk" / "generator.yaml"

    @property
    def templates(self) -> Path:
        return self.root / "sdk" / "templates"

    @property
    def runtime(self) -> Path:
        return self.root / "sdk" / "runtime"

    @property
    def generated(self) -> Path:
        return self.root / "generated"

    @property
    def emulator(self) -> Path:
        return self.root / "emulator"

    @property
    def dist(self) -> Path:
        return self.root / "dist"

    @property
    def changelog(self) -> Path:
        return self.root / "CHANGELOG.md"

    @property
    def node_bin(self) -> Path:
        return self.root / "node_modules" / ".bin"

    @property
    def build(self) -> Path:
        return self.root / "build"

    @property
    def dist_manifest(self) -> Path:
        """sha256 of each file `make build` put in dist/ (`sha256sum` format): what publish may upload."""
        return self.build / "dist.sha256"

    @property
    def examples(self) -> Path:
        return self.root / "examples"

    @property
    def contract(self) -> Path:
        return self.root / "contract"

    @property
    def distributions(self) -> tuple[Distribution, ...]:
        """What we publish: the SDK, generated from the spec, the emulator, and the contract kit
        (which ships the spec and the schemathesis configuration as its defaults)."""
        return (
            Distribution(
                name="toggl-track-client", package="toggl_track_client",
                project=self.generated, search_path=self.generated, changelog=self.changelog,
                version_file=self.spec, watched=("generated",),
            ),
            Distribution(
                name="toggl-track-emulator", package="toggl_emulator",
                project=self.emulator, search_path=self.emulator / "src",
                changelog=self.emulator / "CHANGELOG.md", version_file=self.emulator / "pyproject.toml",
                watched=("emulator/src", "emulator/pyproject.toml", "emulator/README.md"),
            ),
            Distribution(
                name="toggl-track-contract", package="toggl_contract",
                project=self.contract, search_path=self.contract / "src",
                changelog=self.contract / "CHANGELOG.md", version_file=self.contract / "pyproject.toml",
                watched=("contract/src", "contract/pyproject.toml", "contract/README.md", "openapi.yaml",
                         "schemathesis.toml"),
            ),
        )  # fmt: skip


@dataclass(frozen=True)
class Distribution:
    """One distribution we build, version, check and publish."""

    name: str  # on the package index
    package: str  # its import name
    project: Path  # the folder `uv build` builds
    search_path: Path  # the folder that holds the package, for the Python API diff
    changelog: Path
    version_file: Path  # where its version is written: openapi.yaml's info.version, or pyproject
    watched: tuple[str, ...]  # paths (from the root) whose change since a release needs a new one
