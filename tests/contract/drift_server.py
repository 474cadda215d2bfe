"""The emulator with one deliberate deviation from Toggl, served over HTTP for the drift tests.

    python -m tests.contract.drift_server DEVIATION PORT

Each deviation is a small ASGI wrapper that rewrites a request or a response; a contract suite
worth its name must fail against every one of them.
"""

from __future__ import annotations

import json
import sys
from base64 import b64encode
from collections.abc import Callable
from typing import Any

import uvicorn
from toggl_emulator import create_app
from toggl_emulator.app import Message, Receive, Scope, Send
from toggl_emulator.seed import DEFAULT_SEED

ASGIApp = Callable[[Scope, Receive, Send], Any]

Rewrite = Callable[
    [Scope, int, list[tuple[bytes, bytes]], bytes], tuple[int, list[tuple[bytes, bytes]], bytes]
]


def rewriting(app: ASGIApp, rewrite: Rewrite) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def collect(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        await app(scope, receive, collect)
        status, headers, body = rewrite(
            scope, start["status"], list(start["headers"]), b"".join(chunks)
        )
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return wrapped


def drop_at(scope: Scope, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Any:
    """Shape: client objects lose their required `at`."""
    if status == 200 and body.startswith(b"{") and b'"at"' in body:
        data = json.loads(body)
        data.pop("at", None)
        body = json.dumps(data).encode()
    return status, headers, body


def gone_instead_of_404(
    scope: Scope, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> Any:
    """Status: an undocumented 410 where Toggl answers 404."""
    return (410 if status == 404 else status), headers, body


def no_missing_auth_header(
    scope: Scope, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> Any:
    """Header: the 401 loses `X-Authorization-Missing`."""
    return status, [(k, v) for k, v in headers if k.lower() != b"x-authorization-missing"], body


def accept_anonymous(app: ASGIApp) -> ASGIApp:
    """Auth: requests without credentials are served as the admin's."""
    admin = b"Basic " + b64encode(f"{DEFAULT_SEED.users['admin'].api_token}:api_token".encode())

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not any(k == b"authorization" for k, _ in scope["headers"]):
            scope = {**scope, "headers": [*scope["headers"], (b"authorization", admin)]}
        await app(scope, receive, send)

    return wrapped


def update_drops_notes(app: ASGIApp) -> ASGIApp:
    """Semantics: an update silently ignores `notes` (the answer still claims the new value)."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "PUT":
            await app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        try:
            sent = json.loads(body)
            notes = sent.pop("notes", None) if isinstance(sent, dict) else None
            forwarded = json.dumps(sent).encode() if isinstance(sent, dict) else body
        except ValueError:
            notes, forwarded = None, body

        async def replay() -> Message:
            return {"type": "http.request", "body": forwarded, "more_body": False}

        def claim(scope: Scope, status: int, headers: Any, out: bytes) -> Any:
            if status == 200 and isinstance(notes, str):
                data = json.loads(out)
                data["notes"] = notes
                out = json.dumps(data).encode()
            return status, headers, out

        await rewriting(app, claim)(scope, replay, send)

    return wrapped


DEVIATIONS: dict[str, Callable[[ASGIApp], ASGIApp]] = {
    "shape": lambda app: rewriting(app, drop_at),
    "status": lambda app: rewriting(app, gone_instead_of_404),
    "header": lambda app: rewriting(app, no_missing_auth_header),
    "auth": accept_anonymous,
    "semantics": update_drops_notes,
}

if __name__ == "__main__":
    name, port = sys.argv[1], int(sys.argv[2])
    uvicorn.run(DEVIATIONS[name](create_app()), host="127.0.0.1", port=port, log_level="warning")
