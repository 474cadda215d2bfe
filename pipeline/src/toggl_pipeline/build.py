"""`make build`: every distribution we publish, reproducible, checked, and tested as users install it.

1. Builds each distribution (`Layout.distributions`: the SDK from generated/, the emulator, the
   contract kit) twice into empty folders and fails unless the bytes are the same.
2. `twine check --strict` on every file; they go to `dist/`, and their sha256 to
   `build/dist.sha256`: `make publish` uploads those files and nothing else.
3. Installs only the built wheels into a fresh virtual environment and there, in isolated mode:
   runs the SDK's smoke test against the emulator's own console script, then the example project
   (`examples/`: the pytest plugin's fixtures, in-process and over a socket, with limits and faults
   per test; the contract kit against the emulator over HTTP) and `mypy --strict` over it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from toggl_emulator.seed import DEFAULT_SEED
from toggl_emulator.server import ServerProcess

from .layout import Distribution, Layout

# What the example project installs next to our wheels, at the versions the lock pins.
EXAMPLE_TOOLS = ("pytest", "mypy")


@dataclass(frozen=True)
class Built:
    """The files one build of a distribution made: its wheel and sdist."""

    files: tuple[Path, ...]

    @property
    def wheel(self) -> Path:
        return next(p for p in self.files if p.suffix == ".whl")


def uv(root: Path) -> str:
    return shutil.which("uv") or str(root / ".tools" / "bin" / "uv")


def build_into(layout: Layout, dist: Distribution, folder: Path) -> Built:
    # A fixed timestamp for the archives, so that two builds give the same bytes.
    env = {**os.environ, "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "315532800")}
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [uv(layout.root), "build", "--quiet", "--no-sources", "--out-dir", str(folder), str(dist.project)],
        cwd=layout.root, env=env, check=True,
    )  # fmt: skip
    prefix = dist.name.replace("-", "_")
    files = tuple(sorted(p for p in folder.iterdir() if p.name.startswith(prefix)))
    return Built(files)


def build_twice(layout: Layout, dist: Distribution, scratch: Path) -> Built:
    first = build_into(layout, dist, scratch / "a" / dist.name)
    second = build_into(layout, dist, scratch / "b" / dist.name)
    names = [p.name for p in first.files]
    if names != [p.name for p in second.files] or any(
        a.read_bytes() != b.read_bytes() for a, b in zip(first.files, second.files, strict=True)
    ):
        raise SystemExit(f"build: two builds of {dist.name} differ: {names}")
    return first


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_dist(layout: Layout, built: list[Built]) -> list[Path]:
    """The files into a fresh dist/, their sha256 into the manifest publish checks against."""
    shutil.rmtree(layout.dist, ignore_errors=True)
    layout.dist.mkdir()
    copied = []
    for item in built:
        for path in item.files:
            shutil.copy2(path, layout.dist / path.name)
            copied.append(layout.dist / path.name)
    layout.dist_manifest.parent.mkdir(parents=True, exist_ok=True)
    layout.dist_manifest.write_text("".join(f"{sha256(p)}  {p.name}\n" for p in copied))
    return copied


def installed_venv(layout: Layout, wheels: list[Path], scratch: Path) -> Path:
    """A fresh virtual environment holding the wheels (and the example's test tools)."""
    venv = scratch / "venv"
    # With pip in it (`--seed`): what a user's environment has, and what the composite action calls.
    subprocess.run([uv(layout.root), "venv", "--quiet", "--seed", "--python", sys.executable, str(venv)], check=True)  # fmt: skip
    python = venv / "bin" / "python"
    pinned = [f"{tool}=={_locked(layout, tool)}" for tool in EXAMPLE_TOOLS]
    subprocess.run(
        [uv(layout.root), "pip", "install", "--quiet", "--python", str(python), *map(str, wheels), *pinned],
        check=True,
    )  # fmt: skip
    return venv


def _locked(layout: Layout, package: str) -> str:
    """The version uv.lock pins for a package."""
    lock = tomllib.loads((layout.root / "uv.lock").read_text())
    return next(str(p["version"]) for p in lock["package"] if p["name"] == package)


def _isolated_env(venv: Path, **extra: str) -> dict[str, str]:
    # The venv first on PATH; nothing of the development environment leaks in.
    path = os.pathsep.join([str(venv / "bin"), "/usr/bin", "/bin"])
    return {"PATH": path, "HOME": os.environ.get("HOME", "/tmp"), **extra}


def smoke_test(layout: Layout, venv: Path, scratch: Path) -> None:
    """The SDK's smoke test, against the emulator started from the installed wheel's script."""
    emulator = venv / "bin" / "toggl-emulator"
    with ServerProcess(
        lambda port: [str(emulator), "--port", str(port)], health_path="/_emulator/health",
        name="the installed toggl-emulator",
    ) as server:  # fmt: skip
        env = _isolated_env(
            venv,
            TOGGL_API_URL=server.origin + "/api/v9",
            TOGGL_API_TOKEN=DEFAULT_SEED.users["admin"].api_token,
            TOGGL_WORKSPACE_ID=str(DEFAULT_SEED.workspaces["premium"].id),
        )
        subprocess.run(
            [str(venv / "bin" / "python"), "-I", str(Path(__file__).with_name("smoke.py"))],
            cwd=scratch, env=env, check=True,
        )  # fmt: skip


def example_project(layout: Layout, venv: Path, scratch: Path) -> None:
    """The example project's tests and `mypy --strict`, with only the installed wheels."""
    project = scratch / "examples"
    shutil.copytree(
        layout.examples, project, ignore=shutil.ignore_patterns("__pycache__", ".*_cache")
    )
    env = _isolated_env(venv)
    python = str(venv / "bin" / "python")
    subprocess.run([uv(layout.root), "pip", "install", "--quiet", "--python", python, str(project)], check=True)  # fmt: skip
    subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project, env=env, check=True)  # fmt: skip
    subprocess.run(
        [python, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir=/dev/null", "."],
        cwd=project, env=env, check=True,
    )  # fmt: skip


def verify_installed(layout: Layout, venv: Path, scratch: Path) -> None:
    """In a virtual environment that holds the built wheels: the smoke test, the example project."""
    smoke_test(layout, venv, scratch)
    example_project(layout, venv, scratch)


def main() -> int:
    layout = Layout.here()
    with tempfile.TemporaryDirectory(prefix="toggl-build-") as tmp:
        scratch = Path(tmp)
        built = [build_twice(layout, dist, scratch) for dist in layout.distributions]
        files = [p for item in built for p in item.files]
        subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, files)], check=True)  # fmt: skip
        copied = write_dist(layout, built)
        venv = installed_venv(layout, [item.wheel for item in built], scratch)
        verify_installed(layout, venv, scratch)
    print(
        f"build: {', '.join(p.name for p in copied)} in dist/ "
        f"(reproducible, twine-checked, tested installed; sha256 in {layout.dist_manifest.relative_to(layout.root)})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
