"""`make build`: sdist and wheel of generated/, reproducible, checked, installed, smoke-tested.

1. Builds the distribution twice into empty folders and fails unless the bytes are the same.
2. `twine check` on both files; they are left in `dist/`.
3. Installs the wheel into a fresh virtual environment and runs `smoke.py` there, in
   isolated mode, against the emulator: the test runs on the installed wheel, not the source tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from toggl_emulator.seed import DEFAULT_SEED
from toggl_emulator.server import EmulatorProcess

from .layout import Layout

LAYOUT = Layout.here()
ROOT = LAYOUT.root
DIST = LAYOUT.dist


def uv() -> str:
    return shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")


def build_into(folder: Path) -> list[Path]:
    # A fixed timestamp for the archives, so that two builds give the same bytes.
    env = {**os.environ, "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "315532800")}
    subprocess.run(
        [uv(), "build", "--quiet", "--out-dir", str(folder), str(ROOT / "generated")],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    return sorted(p for p in folder.iterdir() if p.suffix in (".whl", ".gz"))


def smoke_test(wheel: Path, scratch: Path) -> None:
    venv = scratch / "venv"
    subprocess.run([uv(), "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [uv(), "pip", "install", "--quiet", "--python", str(python), str(wheel)], check=True
    )
    with EmulatorProcess() as server:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "TOGGL_API_URL": server.base_url,
            "TOGGL_API_TOKEN": DEFAULT_SEED.users["admin"].api_token,
            "TOGGL_WORKSPACE_ID": str(DEFAULT_SEED.workspaces["premium"].id),
        }
        subprocess.run(
            [str(python), "-I", str(Path(__file__).with_name("smoke.py"))],
            cwd=scratch,
            env=env,
            check=True,
        )


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="toggl-build-") as tmp:
        scratch = Path(tmp)
        first, second = build_into(scratch / "a"), build_into(scratch / "b")
        names = [p.name for p in first]
        if names != [p.name for p in second] or any(
            a.read_bytes() != b.read_bytes() for a, b in zip(first, second, strict=True)
        ):
            print(f"build: two builds differ: {names}", file=sys.stderr)
            return 1
        subprocess.run(
            [sys.executable, "-m", "twine", "check", "--strict", *map(str, first)], check=True
        )
        shutil.rmtree(DIST, ignore_errors=True)
        DIST.mkdir()
        for path in first:
            shutil.copy2(path, DIST / path.name)
        (wheel,) = [p for p in first if p.suffix == ".whl"]
        smoke_test(wheel, scratch)
    print(f"build: {', '.join(names)} in dist/ (reproducible, twine-checked, smoke-tested)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
