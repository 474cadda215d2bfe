"""A throwaway clone of the committed repository, to run pipeline steps in as `make` would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT

PYTHON = sys.executable


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


def _author(repo: Path) -> None:
    git(repo, "config", "user.email", "ci@example.com")
    git(repo, "config", "user.name", "CI")


def clone(into: Path) -> Path:
    """A clean clone of HEAD, with this checkout's Node tools."""
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(into)], check=True)
    _author(into)
    (into / "node_modules").symlink_to(ROOT / "node_modules")
    return into


def init(repo: Path) -> Path:
    """An empty repository with an author, for a test that makes its own history."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "--quiet")
    _author(repo)
    return repo


def env() -> dict[str, str]:
    path = os.pathsep.join(
        [str(Path(PYTHON).parent), str(ROOT / ".tools" / "bin"), os.environ.get("PATH", "")]
    )
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TWINE_", "PYPI_", "PUBLISH_", "RELEASE_", "ACTIONS_"))
    } | {"PATH": path}


def run(repo: Path, step: str, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """A pipeline step (`toggl_pipeline.<step>`) run in the clone."""
    return subprocess.run(
        [PYTHON, "-m", f"toggl_pipeline.{step}", *args],
        cwd=repo, env=env() | extra, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def edit(repo: Path, path: str, old: str, new: str) -> None:
    file = repo / path
    text = file.read_text()
    assert old in text, f"{old!r} not in {path}"
    file.write_text(text.replace(old, new, 1))


def regenerate(repo: Path) -> None:
    result = run(repo, "generate")
    assert result.returncode == 0, result.stdout + result.stderr
