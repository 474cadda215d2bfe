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
