"""`make docs`: both references render offline in a real browser, and link to each other.

Chromium runs headless behind a proxy that answers nothing, so a page that needs the network
(Redoc's script from a CDN, as it used to) shows its failure here. CI installs Chromium
(`.ci/run`); elsewhere the test says plainly that it was skipped.
"""

from __future__ import annotations

import inspect
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import toggl_track_client
import yaml
from toggl_pipeline.docs import build
from toggl_pipeline.layout import Layout
from toggl_track_client import api, errors, models

from tests.support import ROOT

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing in CI: .ci/run installs it with apt-get")
        pytest.skip(
            "Chromium is not installed (apt-get install chromium): the rendered docs were not checked"
        )
    out = tmp_path_factory.mktemp("docs")
    build(Layout(ROOT), out)
    return out


def render(page: Path, profile: Path) -> str:
    """The page's DOM after its scripts ran, with every network request failing."""
    assert CHROMIUM is not None
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--proxy-server=127.0.0.1:9", "--virtual-time-budget=15000",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return result.stdout


def test_the_http_reference_renders_every_operation_offline(docs: Path, tmp_path: Path) -> None:
    dom = render(docs / "http" / "index.html", tmp_path)
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    summaries = [
        op["summary"] for item in spec["paths"].values() for op in item.values() if "summary" in op
    ]
    assert len(summaries) == 17  # eleven of clients, six of projects
    missing = [s for s in summaries if s not in dom]
    assert missing == [], f"not rendered: {missing}"
    assert 'href="../sdk/toggl_track_client.html"' in dom
    assert (docs / "sdk" / "toggl_track_client.html").is_file()


def public_classes() -> dict[str, set[str]]:
    """Every public class, by the page that documents it."""
    pages: dict[str, set[str]] = {}
    for module, page in [
        (toggl_track_client, "toggl_track_client.html"),
        (errors, "toggl_track_client/errors.html"),
        (models, "toggl_track_client/models.html"),
        (api.clients, "toggl_track_client/api/clients.html"),
        (api.me, "toggl_track_client/api/me.html"),
        (api.projects, "toggl_track_client/api/projects.html"),
    ]:
        pages[page] = {name for name in module.__all__ if inspect.isclass(getattr(module, name))}
    return pages


def test_the_sdk_reference_renders_every_public_class_and_links_back(
    docs: Path, tmp_path: Path
) -> None:
    for page, classes in public_classes().items():
        dom = render(docs / "sdk" / page, tmp_path)
        missing = sorted(name for name in classes if f'id="{name}"' not in dom)
        assert missing == [], f"{page} does not render {missing}"
        assert "http/index.html" in dom and "HTTP API reference" in dom
    assert (docs / "index.html").read_text().count("href=") == 2
