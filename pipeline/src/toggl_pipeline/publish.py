"""`make publish`: upload `dist/` to a package index, only when it is safe to.

Refuses when the git tree is dirty, when generated/ is stale, when the release check fails, or
when the index already has this version. Without credentials it is a dry run that says what it
would upload.

    PUBLISH_UPLOAD_URL   where twine uploads (default: PyPI's upload URL)
    PUBLISH_INDEX_URL    the simple index to look the version up in (default: PyPI's)
    TWINE_USERNAME / TWINE_PASSWORD, or PYPI_TOKEN (a token, user `__token__`);
    in GitHub Actions with `id-token: write`, a PyPI trusted-publishing token is minted instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import yaml

from .layout import Layout

LAYOUT = Layout.here()
ROOT = LAYOUT.root
DIST = LAYOUT.dist
PROJECT = "toggl-track-client"
PYPI_UPLOAD = "https://upload.pypi.org/legacy/"
PYPI_INDEX = "https://pypi.org/simple/"


def refusal() -> str | None:
    """Why publishing must not happen now, or None."""
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if dirty:
        return f"the git tree has uncommitted changes:\n{dirty}"
    for step, what in (
        ("toggl_pipeline.check_generated", "generated/ is stale"),
        ("toggl_pipeline.release_check", "the release check fails"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", step],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            return f"{what}:\n{result.stdout[-1500:]}{result.stderr[-1500:]}"
    return None


def version() -> str:
    return str(yaml.safe_load((ROOT / "openapi.yaml").read_text())["info"]["version"])


def distributions(release: str) -> list[Path]:
    files = (
        sorted(p for p in DIST.glob("*") if p.suffix in (".whl", ".gz")) if DIST.is_dir() else []
    )
    stale = [p.name for p in files if f"-{release}" not in p.name]
    if not files or stale:
        raise SystemExit(
            f"publish: dist/ does not hold {release} (run `make build`): {stale or 'empty'}"
        )
    return files


def version_exists(index_url: str, files: list[Path]) -> bool:
    """Whether the index already lists one of these files (PEP 503 simple page)."""
    page_url = index_url.rstrip("/") + f"/{PROJECT}/"
    try:
        with urllib.request.urlopen(page_url, timeout=30) as reply:
            page = reply.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return False
        raise
    return any(p.name in page for p in files)


def trusted_publishing_token() -> str | None:
    """In GitHub Actions with `id-token: write`: exchange the OIDC token for a PyPI upload token."""
    request_url, request_token = (
        os.environ.get("ACTIONS_ID_TOKEN_REQUEST_URL"),
        os.environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
    )
    if not request_url or not request_token:
        return None
    oidc_request = urllib.request.Request(
        f"{request_url}&audience=pypi", headers={"Authorization": f"bearer {request_token}"}
    )
    with urllib.request.urlopen(oidc_request, timeout=30) as reply:
        oidc = json.load(reply)["value"]
    mint = urllib.request.Request(
        "https://pypi.org/_/oidc/mint-token", data=json.dumps({"token": oidc}).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(mint, timeout=30) as reply:
        token: str = json.load(reply)["token"]
    return token


def credentials() -> dict[str, str] | None:
    if os.environ.get("TWINE_PASSWORD"):
        return {
            "TWINE_USERNAME": os.environ.get("TWINE_USERNAME", "__token__"),
            "TWINE_PASSWORD": os.environ["TWINE_PASSWORD"],
        }
    token = os.environ.get("PYPI_TOKEN") or trusted_publishing_token()
    return {"TWINE_USERNAME": "__token__", "TWINE_PASSWORD": token} if token else None


def main() -> int:
    upload_url = os.environ.get("PUBLISH_UPLOAD_URL") or PYPI_UPLOAD
    index_url = os.environ.get("PUBLISH_INDEX_URL") or PYPI_INDEX
    reason = refusal()
    if reason:
        print(f"publish: refused: {reason}", file=sys.stderr)
        return 1
    release = version()
    files = distributions(release)
    if version_exists(index_url, files):
        print(f"publish: refused: {PROJECT} {release} is already on {index_url}", file=sys.stderr)
        return 1
    auth = credentials()
    if auth is None:
        print(f"publish: dry run (no credentials): would upload to {upload_url}:")
        for path in files:
            print(f"  {path.name}")
        return 0
    env = {**os.environ, **auth}
    command = [
        sys.executable,
        "-m",
        "twine",
        "upload",
        "--non-interactive",
        "--repository-url",
        upload_url,
        *map(str, files),
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if result.returncode == 0:
        print(f"publish: {PROJECT} {release} uploaded to {upload_url}")
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
