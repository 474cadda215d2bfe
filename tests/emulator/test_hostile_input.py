"""Hostile input: every request gets a Toggl-shaped 4xx (never a 5xx), and a refused one changes
nothing. The cases an audit found, then Hypothesis over raw requests through the ASGI app."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from toggl_emulator import EmulatorOptions, create_app

from tests.support import ACME, ADMIN_TOKEN, PREMIUM, W, api_client

pytestmark = pytest.mark.emulator

NINES = "9" * 5000


def state(api: httpx.Client) -> Any:
    return api.get("http://toggl.emulator/_emulator/state").json()


@pytest.mark.parametrize(
    ("method", "path", "content", "message"),
    [
        ("POST", f"{W}/delete", b"[" * 1000 + b"]" * 1000, "JSON is nested too deeply"),
        ("POST", W, b'{"name": ' + b"[" * 5000 + b"]" * 5000 + b"}", "JSON is nested too deeply"),
        ("GET", f"{W}/{NINES}", b"", "Invalid client_id"),
        ("GET", f"/workspaces/{NINES}/clients", b"", "Invalid workspace_id"),
        ("GET", f"/me/clients?since={NINES}", b"", "Invalid since"),
        ("GET", f"{W}?page={NINES}", b"", "Invalid page"),
        ("POST", f"{W}/data", json.dumps(list(range(1, 1002))).encode(), "Too many ids in one request"),
        ("POST", f"{W}/delete", b"[" + b"9" * 5000 + b"]", 'Unexpected "client_ids" type number, offset=5001'),
        ("GET", f"{W}?name=" + "x" * 9000, b"", "Query is too long"),
        ("POST", W, b'{"name": 1, "name": "x"}', 'Unexpected "name" type number, offset=10'),
    ],
    ids=["deep array", "deep object", "long client id", "long workspace id", "long since", "long page",
         "too many ids", "a huge id", "long query", "duplicate key of the wrong type"],
)  # fmt: skip
def test_each_reproduction_is_a_400_that_changes_nothing(
    method: str, path: str, content: bytes, message: str
) -> None:
    with api_client() as api:
        before = state(api)
        response = api.request(method, path, content=content)
        assert (response.status_code, response.json()) == (400, message)
        assert state(api) == before


def test_ids_with_leading_zeros_are_the_same_ids_and_share_one_quota() -> None:
    with api_client(hourly_quota=5) as api:
        assert api.get(f"/workspaces/0{PREMIUM}/clients/00{ACME}").json()["id"] == ACME
        statuses = [
            api.get(path).status_code
            for path in (
                W,
                f"/workspaces/0{PREMIUM}/clients",
                f"/workspaces/00{PREMIUM}/clients",
                W,
                W,
            )
        ]
        assert statuses == [200, 200, 200, 200, 402]  # the first read counted too


def test_duplicate_keys_are_read_as_go_reads_them_the_last_wins() -> None:
    with api_client() as api:
        created = api.post(W, content=b'{"name": "first", "name": "second"}')
        assert created.status_code == 200 and created.json()["name"] == "second"


def test_a_name_is_measured_after_trimming() -> None:
    with api_client() as api:
        assert api.post(W, json={"name": "n" * 255 + "  "}).status_code == 200
        too_long = api.post(W, json={"name": "m" * 256 + "  "})
        assert (too_long.status_code, too_long.json()) == (400, "Client name maximum length is 255")


def test_the_content_type_does_not_decide_how_a_body_is_read() -> None:
    with api_client() as api:
        created = api.post(W, content=b'{"name": "Plain"}', headers={"Content-Type": "text/plain"})
        assert created.status_code == 200 and created.json()["name"] == "Plain"


# --- Hypothesis: raw requests through the ASGI app ------------------------------------------

ADMIN_AUTH = b"Basic " + base64.b64encode(f"{ADMIN_TOKEN}:api_token".encode())
DIGITS = st.one_of(
    st.text("0123456789", min_size=1, max_size=30), st.integers(4200, 6000).map(lambda n: "9" * n)
)
IDS = st.one_of(
    st.sampled_from([str(PREMIUM), str(ACME), "1002", "0", "01001"]), DIGITS, st.text(max_size=8)
)
OPERATIONS = [
    ("GET", "/workspaces/{w}/clients"), ("POST", "/workspaces/{w}/clients"), ("GET", "/workspaces/{w}/clients/{c}"),
    ("PUT", "/workspaces/{w}/clients/{c}"), ("DELETE", "/workspaces/{w}/clients/{c}"),
    ("POST", "/workspaces/{w}/clients/{c}/archive"), ("POST", "/workspaces/{w}/clients/{c}/restore"),
    ("POST", "/workspaces/{w}/clients/data"), ("POST", "/workspaces/{w}/clients/archive"),
    ("POST", "/workspaces/{w}/clients/delete"), ("GET", "/me/clients"),
]  # fmt: skip
# Raw JSON values, numbers of any length among them (Python's int() stops at 4,300 digits).
RAW_VALUES = st.one_of(
    DIGITS,
    DIGITS.map(lambda d: "-" + d),
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(2**70), 2**70)
        | st.floats()
        | st.text(max_size=10),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=8,
    ).map(json.dumps),
)
FIELDS = st.sampled_from(
    [
        "name",
        "notes",
        "wid",
        "external_reference",
        "client_ids",
        "projects",
        "restore_all_projects",
        "x",
    ]
)
BODIES = st.one_of(
    st.lists(RAW_VALUES, max_size=5).map(lambda items: "[" + ",".join(items) + "]"),  # bulk ids
    st.lists(st.tuples(FIELDS, RAW_VALUES), max_size=4).map(
        lambda members: (
            "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in members) + "}"
        )  # repeats allowed
    ),
    st.integers(0, 3000).map(lambda depth: "[" * depth + "]" * depth),
).map(str.encode) | st.binary(max_size=200)
QUERIES = st.one_of(
    st.binary(max_size=60),
    st.tuples(st.sampled_from([b"status=", b"name=", b"since=", b"page=", b"per_page="]), st.one_of(DIGITS, st.text(max_size=10)))
    .map(lambda t: t[0] + t[1].encode("utf-8", "surrogatepass")),
)  # fmt: skip
AUTH = st.one_of(
    st.just(ADMIN_AUTH),  # most requests should get past authentication
    st.sampled_from([None, b"Basic " + base64.b64encode(b"member@example.com:emulator-password"),
                     b"Basic !!!", b"Bearer x", b"basic", b"Basic " + b"A" * 5000]),
)  # fmt: skip


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str]:
    """A method and a path: mostly a real operation with ids of every kind, else anything."""
    if draw(st.integers(0, 3)):
        method, route = draw(st.sampled_from(OPERATIONS))
        return method, "/api/v9" + route.format(w=draw(IDS), c=draw(IDS))
    method = draw(
        st.sampled_from(
            ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "BREW"]
        )
    )
    return method, draw(
        st.one_of(
            st.lists(IDS, max_size=6).map(lambda p: "/api/v9/" + "/".join(p)), st.text(max_size=40)
        )
    )


def _call(app: Any, method: str, path: str, query: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> tuple[int, bytes]:  # fmt: skip
    scope = {"type": "http", "method": method, "path": path, "query_string": query, "headers": headers,
             "http_version": "1.1", "scheme": "http", "root_path": "", "raw_path": path.encode("utf-8", "surrogateescape")}  # fmt: skip
    sent: list[dict[str, Any]] = []
    chunks = [body[i : i + 64] for i in range(0, len(body), 64)] or [b""]

    async def receive() -> dict[str, Any]:
        chunk = chunks.pop(0) if chunks else b""
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start, answer = sent[0], sent[1]
    assert start["type"] == "http.response.start" and answer["type"] == "http.response.body"
    length = dict(start["headers"])[b"content-length"]
    assert int(length) == len(answer["body"])
    return start["status"], answer["body"]


APP = create_app(EmulatorOptions())


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(
    request=requests(),
    query=QUERIES,
    auth=AUTH,
    content_type=st.sampled_from([None, b"application/json", b"text/plain", b"\xff"]),
    body=BODIES,
)
def test_no_request_gets_a_5xx_and_a_refused_one_changes_nothing(
    request: tuple[str, str],
    query: bytes,
    auth: bytes | None,
    content_type: bytes | None,
    body: bytes,
) -> None:
    method, path = request
    headers = [(b"host", b"toggl.emulator")]
    if auth is not None:
        headers.append((b"authorization", auth))
    if content_type is not None:
        headers.append((b"content-type", content_type))
    before = APP.state()
    status, answer = _call(APP, method, path, query, headers, body)
    assert status < 500, (status, answer)
    if status >= 400:
        assert APP.state() == before
        assert answer == b"" or isinstance(
            json.loads(answer), str
        )  # Toggl's bare string, or nothing
