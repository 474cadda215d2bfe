"""The relay serves the run and nothing else: without the run's credential nothing goes upstream,
only the spec's operations on paths read one way pass, and no framing, however malformed, breaks
it (raw bytes, fuzzed)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from toggl_contract.apimap import ApiMap
from toggl_contract.gateway import GUARD_HEADER, RUN_HEADER, Gateway, basic_header
from toggl_contract.guard import Guard
from toggl_contract.ledger import Ledger
from toggl_contract.relay import Relay

from tests.support import ROOT

MARK = "toggl-contract run 20260101000000-abcdef proof 0123456789abcdef0123"
PLACEHOLDER = basic_header("run")


class Recorded:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json=[])


@pytest.fixture(scope="module")
def upstream() -> Recorded:
    return Recorded()


@pytest.fixture(scope="module")
def relay(upstream: Recorded) -> Iterator[Relay]:
    ledger = Ledger()
    gateway = Gateway(
        "https://toggl.test/api/v9", api=ApiMap.load(ROOT / "openapi.yaml"),
        authorization=basic_header("real-token"), placeholder=PLACEHOLDER,
        guard=Guard(1001, ledger, MARK), ledger=ledger, transport=httpx.MockTransport(upstream),
    )  # fmt: skip
    relay = Relay(gateway)
    with relay:
        yield relay


def test_a_request_without_the_run_s_credential_goes_nowhere(
    relay: Relay, upstream: Recorded
) -> None:
    before = len(upstream.requests)
    for headers in ({}, {RUN_HEADER: "guess"}, {RUN_HEADER: relay.credential + "x"}):
        answer = httpx.get(relay.url + "/me", headers={"Authorization": PLACEHOLDER, **headers})
        assert answer.status_code == 499 and answer.headers[GUARD_HEADER] == "not-the-run"
    assert len(upstream.requests) == before


@pytest.mark.parametrize(
    ("method", "path", "body", "why"),
    [
        ("GET", "/me", b"", "not-ours"),  # on the live API it answers the user's api_token
        ("POST", "/workspaces/1001/clients/./archive", b"[61250143, 61250188]", "unclear"),
        ("POST", "/workspaces/1001/clients/archive", b"[61250143, 61250188]", "not-ours"),
        ("DELETE", "/workspaces/1001/clients/%2e%2e/61250143", b"", "unclear"),
        ("DELETE", "/workspaces/1001/clients/61250143", b"", "not-ours"),
    ],
)
def test_with_it_only_the_spec_s_operations_on_clear_paths_pass(
    relay: Relay, upstream: Recorded, method: str, path: str, body: bytes, why: str
) -> None:
    before = len(upstream.requests)
    # A raw request: an HTTP client would normalise `./` away before the relay saw it.
    answer = raw(relay, f"{method} /api/v9{path} HTTP/1.1\r\nHost: x\r\n{RUN_HEADER}: {relay.credential}\r\n"
                 f"Authorization: {PLACEHOLDER}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)  # fmt: skip
    assert answer.startswith(b"HTTP/1.1 499"), answer[:200]
    assert f"x-contract-guard: {why}".encode() in answer.lower()
    assert len(upstream.requests) == before


def test_a_run_request_goes_upstream_with_the_real_credentials(
    relay: Relay, upstream: Recorded
) -> None:
    answer = httpx.get(
        relay.url + "/workspaces/1001/clients",
        headers={"Authorization": PLACEHOLDER, **relay.headers},
    )
    assert answer.status_code == 200
    sent = upstream.requests[-1]
    assert sent.headers["authorization"] == basic_header("real-token")
    assert RUN_HEADER.lower() not in {k.lower() for k in sent.headers}


def raw(relay: Relay, data: bytes) -> bytes:
    """Send bytes as they are; whatever comes back in a second (nothing, when it closes)."""
    port = int(relay.url.split(":")[2].split("/")[0])
    chunks = []
    with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
        try:  # a server that closes on bad framing may reset the connection: no answer is fine
            connection.sendall(data)
            connection.shutdown(socket.SHUT_WR)
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        except OSError:
            pass
    return b"".join(chunks)


LINES = st.sampled_from([
    b"GET /api/v9/workspaces/1001/clients HTTP/1.1", b"POST /api/v9/workspaces/1001/clients HTTP/1.1",
    b"DELETE /api/v9/workspaces/1001/clients/61250143 HTTP/1.1", b"GET /me HTTP/1.1", b"GET / HTTP/1.0",
    b"BREW /pot HTTP/1.1", b"GET /api/v9/workspaces/1001/clients HTTP/9.9", b"\x00\xff garbage",
])  # fmt: skip
HEADERS = st.lists(
    st.one_of(
        st.sampled_from([b"Content-Length: <Ux", b"Content-Length: -1", b"Content-Length: 99999999999999999999",
                         b"Content-Length: 5", b"Content-Length: 5\r\nContent-Length: 7",
                         b"Transfer-Encoding: chunked", b"Transfer-Encoding: gzip, chunked",
                         b"Host: x", b"Authorization: Basic cnVuOmFwaV90b2tlbg==", b"Upgrade: websocket",
                         b"Connection: Upgrade", b"X: " + b"y" * 70000, b"no colon here", b" folded: yes"]),
        st.binary(max_size=40),
    ),
    max_size=8,
)  # fmt: skip
BODIES = st.one_of(
    st.binary(max_size=200), st.sampled_from([b"5\r\nhello\r\n0\r\n\r\n", b"zz\r\n", b"[61250143]"])
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(line=LINES, headers=HEADERS, body=BODIES, credential=st.booleans())
def test_no_framing_breaks_it(
    relay: Relay,
    upstream: Recorded,
    line: bytes,
    headers: list[bytes],
    body: bytes,
    credential: bool,
) -> None:
    if credential:
        headers = [*headers, f"{RUN_HEADER}: {relay.credential}".encode()]
    answer = raw(relay, line + b"\r\n" + b"\r\n".join(headers) + b"\r\n\r\n" + body)
    status = answer[9:12]
    assert not answer or status in (b"200", b"400", b"404", b"413", b"431", b"499"), answer[:300]
    # ...and it is still there for the run.
    assert httpx.get(relay.url + "/workspaces/1001/clients",
                     headers={"Authorization": PLACEHOLDER, **relay.headers}).status_code == 200  # fmt: skip
    for request in upstream.requests:
        assert request.url.path.startswith("/api/v9/workspaces/1001/clients")
