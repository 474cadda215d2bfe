"""`make publish`: upload what `make build` built and checked, and nothing else, only when safe.

Refuses when the git tree is dirty, generated/ is stale or the release check fails; when dist/
holds a file the build did not make, or a file whose sha256 is not what the build recorded
(`build/dist.sha256`), or not the current version of every distribution; when the upload URL is
not HTTPS (loopback excepted); when run for a tag (`RELEASE_TAG`) that does not name the SDK's
version; and when the index already has this SDK version. An emulator or contract kit version the
index already has is skipped (it did not change). Without credentials it is a dry run that says what it
would upload. Credentials are never printed: twine gets them from the environment.

    PUBLISH_UPLOAD_URL   where twine uploads (default: PyPI's upload URL)
    PUBLISH_INDEX_URL    the simple index to look versions up in (default: PyPI's)
    TWINE_USERNAME / TWINE_PASSWORD, or PYPI_TOKEN (a token, user `__token__`);
    in GitHub Actions with `id-token: write`, a PyPI trusted-publishing token is minted (and masked).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from . import versions
from .layout import Distribution, Layout

PYPI_UPLOAD = "https://upload.pypi.org/legacy/"
PYPI_INDEX = "https://pypi.org/simple/"


class Refused(Exception):
    pass


def check_tree(layout: Layout) -> None:
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=layout.root, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if dirty:
        raise Refused(f"the git tree has uncommitted changes:\n{dirty}")
    for step, what in (
        ("toggl_pipeline.check_generated", "generated/ is stale"),
        ("toggl_pipeline.release_check", "the release check fails"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", step], cwd=layout.root, capture_output=True, text=True, check=False
        )  # fmt: skip
        if result.returncode != 0:
            raise Refused(f"{what}:\n{result.stdout[-1500:]}{result.stderr[-1500:]}")


def check_tag(layout: Layout) -> None:
    tag = os.environ.get("RELEASE_TAG")
    if not tag:
        return
    sdk = next(d for d in layout.distributions if d.version_file == layout.spec)
    if tag != f"v{versions.read(sdk)}":
        raise Refused(f"the tag {tag} does not name {sdk.name}'s version {versions.read(sdk)}")


def verified_files(layout: Layout) -> dict[Distribution, list[Path]]:
    """dist/'s files by distribution, each exactly as `make build` recorded it."""
    if not layout.dist_manifest.is_file():
        raise Refused(f"no {layout.dist_manifest.name} from `make build`: run `make build`")
    recorded: dict[str, str] = {}
    for line in layout.dist_manifest.read_text().splitlines():
        digest, name = line.split("  ", 1)
        recorded[name] = digest
    present = sorted(p.name for p in layout.dist.iterdir()) if layout.dist.is_dir() else []
    foreign = [name for name in present if name not in recorded]
    if foreign:
        raise Refused(f"dist/ holds files `make build` did not make: {foreign}")
    missing = [name for name in recorded if name not in present]
    if missing:
        raise Refused(f"dist/ lacks files `make build` made: {missing}")
    for name, digest in recorded.items():
        if hashlib.sha256((layout.dist / name).read_bytes()).hexdigest() != digest:
            raise Refused(f"dist/{name} is not the file `make build` made (sha256 differs)")
    grouped: dict[Distribution, list[Path]] = {}
    for dist in layout.distributions:
        version = versions.read(dist)
        prefix = f"{dist.name.replace('-', '_')}-{version}"
        files = [
            layout.dist / n
            for n in recorded
            if n.startswith(prefix + "-") or n == prefix + ".tar.gz"
        ]
        if len(files) != 2:
            raise Refused(
                f"dist/ does not hold {dist.name} {version} (wheel and sdist): run `make build`"
            )
        grouped[dist] = files
    return grouped


def check_upload_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        return
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if parts.scheme == "http" and loopback:
        return
    raise Refused(
        f"the upload URL must be https:// (or http:// on loopback), not {parts.scheme}://{host}"
    )


def published(index_url: str, dist: Distribution, files: list[Path]) -> bool:
    """Whether the index already lists one of these files (PEP 503 simple page)."""
    page_url = index_url.rstrip("/") + f"/{dist.name}/"
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
    request_url = os.environ.get("ACTIONS_ID_TOKEN_REQUEST_URL")
    request_token = os.environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
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
    print(f"::add-mask::{token}", flush=True)  # GitHub Actions hides it from the log from now on
    return token


def credentials() -> dict[str, str] | None:
    if os.environ.get("TWINE_PASSWORD"):
        return {
            "TWINE_USERNAME": os.environ.get("TWINE_USERNAME", "__token__"),
            "TWINE_PASSWORD": os.environ["TWINE_PASSWORD"],
        }
    token = os.environ.get("PYPI_TOKEN") or trusted_publishing_token()
    return {"TWINE_USERNAME": "__token__", "TWINE_PASSWORD": token} if token else None


def upload_plan(layout: Layout, index_url: str) -> list[Path]:
    files = verified_files(layout)
    plan: list[Path] = []
    for dist, paths in files.items():
        if not published(index_url, dist, paths):
            plan += paths
        elif dist.version_file == layout.spec:
            raise Refused(f"{dist.name} {versions.read(dist)} is already on {index_url}")
        else:
            print(f"publish: {dist.name} {versions.read(dist)} is already on {index_url}: skipped")
    return plan


def main() -> int:
    layout = Layout.here()
    upload_url = os.environ.get("PUBLISH_UPLOAD_URL") or PYPI_UPLOAD
    index_url = os.environ.get("PUBLISH_INDEX_URL") or PYPI_INDEX
    try:
        check_upload_url(upload_url)
        check_tag(layout)
        check_tree(layout)
        plan = upload_plan(layout, index_url)
    except Refused as refused:
        print(f"publish: refused: {refused}", file=sys.stderr)
        return 1
    auth = credentials()
    if auth is None:
        print(f"publish: dry run (no credentials): would upload to {upload_url}:")
        for path in plan:
            print(f"  {path.name}")
        return 0
    command = [sys.executable, "-m", "twine", "upload", "--non-interactive", "--disable-progress-bar",
               "--repository-url", upload_url, *map(str, plan)]  # fmt: skip
    result = subprocess.run(command, cwd=layout.root, env={**os.environ, **auth}, check=False)
    if result.returncode == 0:
        print(f"publish: uploaded {', '.join(p.name for p in plan)} to {upload_url}")
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
