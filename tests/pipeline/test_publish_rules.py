"""publish's rules as units: where credentials may go, where they come from, which tag may
release, what an index page says. (`test_publish.py` runs `make publish` on built clones.)"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from toggl_pipeline import publish, versions
from toggl_pipeline.layout import Layout

LAYOUT = Layout.here()
SDK = LAYOUT.distributions[0]


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://upload.pypi.org/legacy/", True),
        ("https://10.0.0.1/", True),
        ("http://127.0.0.1:8080/", True),
        ("http://127.0.0.2/", True),
        ("http://[::1]:8080/", True),
        ("http://localhost:8080/", True),
        ("http://upload.pypi.org/legacy/", False),
        ("http://10.0.0.1/", False),
        ("ftp://127.0.0.1/", False),
        ("http:///nohost", False),
    ],
)
def test_credentials_go_only_over_https_or_to_loopback(url: str, allowed: bool) -> None:
    if allowed:
        publish.check_upload_url(url)
    else:
        with pytest.raises(publish.Refused, match="must be https://"):
            publish.check_upload_url(url)


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("TWINE_USERNAME", "TWINE_PASSWORD", "PYPI_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL",
                 "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "RELEASE_TAG"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_credentials_come_from_twine_s_variables_or_a_token(
    no_credentials: pytest.MonkeyPatch,
) -> None:
    assert publish.credentials() is None
    assert publish.trusted_publishing_token() is None  # not in GitHub Actions
    no_credentials.setenv("ACTIONS_ID_TOKEN_REQUEST_URL", "https://token.example/?x=1")
    assert publish.trusted_publishing_token() is None  # a URL without its token is not enough
    no_credentials.delenv("ACTIONS_ID_TOKEN_REQUEST_URL")
    no_credentials.setenv("PYPI_TOKEN", "pypi-abc")
    assert publish.credentials() == {"TWINE_USERNAME": "__token__", "TWINE_PASSWORD": "pypi-abc"}
    no_credentials.setenv("TWINE_PASSWORD", "secret")
    assert publish.credentials() == {"TWINE_USERNAME": "__token__", "TWINE_PASSWORD": "secret"}
    no_credentials.setenv("TWINE_USERNAME", "me")
    assert publish.credentials() == {"TWINE_USERNAME": "me", "TWINE_PASSWORD": "secret"}


def test_a_release_tag_must_name_the_sdk_s_version(no_credentials: pytest.MonkeyPatch) -> None:
    publish.check_tag(LAYOUT)  # no tag: nothing to check
    version = versions.read(SDK)
    no_credentials.setenv("RELEASE_TAG", f"v{version}")
    publish.check_tag(LAYOUT)
    no_credentials.setenv("RELEASE_TAG", f"v{version}.1")
    with pytest.raises(
        publish.Refused, match=f"does not name toggl-track-client's version {version}"
    ):
        publish.check_tag(LAYOUT)


@pytest.fixture
def index() -> Iterator[str]:
    """A simple index that lists one file of the SDK and knows no other project."""

    class Index(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path == f"/simple/{SDK.name}/":
                body = b'<a href="x">toggl_track_client-9.9.9.tar.gz</a>'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(404 if "missing" in self.path else 500)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Index)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple"
    finally:
        server.shutdown()
        server.server_close()


def test_the_index_page_says_whether_a_version_is_out(index: str) -> None:
    out, new = Path("toggl_track_client-9.9.9.tar.gz"), Path("toggl_track_client-9.9.10.tar.gz")
    assert publish.published(index, SDK, [new, out])
    assert publish.published(index + "/", SDK, [out])
    assert not publish.published(index, SDK, [new])
    assert not publish.published(index + "/missing", SDK, [out])  # 404: never published
    with pytest.raises(Exception, match="500"):
        publish.published(index + "/broken", SDK, [out])  # any other error is not a "no"
