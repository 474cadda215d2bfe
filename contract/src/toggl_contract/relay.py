"""The relay: the gateway served on loopback, for the run's own clients and nobody else's.

It is a small ASGI app on uvicorn (h11, which answers malformed framing with a 400 before any of
this code runs), in a thread of the run. A request must carry the run's credential
(`X-Contract-Run`, a secret made for this run) or it is refused without going upstream; the rest
goes to `Gateway.send` in a worker thread. A request the gateway does not send is answered 499
with `X-Contract-Guard: <why>` and the reason as a JSON string.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import socket
import threading
from typing import Any

import httpx
import uvicorn
from toggl_track_client.errors import TogglError

from .gateway import API_PREFIX, GUARD_HEADER, REFUSED_STATUS, RUN_HEADER, Gateway, NotSent

MAX_BODY_BYTES = 2 * 1024 * 1024
_RUN_HEADER = RUN_HEADER.lower().encode()


class Relay:
    """`with Relay(gateway) as url:` serves the gateway at `url` (the API root) until the end."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.credential = secrets.token_urlsafe(32)
        # IPPROTO_TCP said out loud: asyncio sets TCP_NODELAY only on sockets that say it, and
        # without it Nagle's algorithm and delayed ACKs hold each answer back for 40 ms.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(128)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}{API_PREFIX}"
        config = uvicorn.Config(
            self._app, interface="asgi3", http="httptools", loop="uvloop", lifespan="off", log_level="critical",
            access_log=False, server_header=False, date_header=False, proxy_headers=False,
            h11_max_incomplete_event_size=64 * 1024, timeout_keep_alive=60, ws="none",
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="contract-relay",
            daemon=True,
        )  # fmt: skip
        logging.getLogger("uvicorn.error").disabled = True

    @property
    def headers(self) -> dict[str, str]:
        """What the run's clients send with every request."""
        return {RUN_HEADER: self.credential}

    def __enter__(self) -> str:
        self._thread.start()
        while not self._server.started and self._thread.is_alive():
            self._thread.join(0.01)
        return self.url

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._socket.close()

    async def _app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        given = [value for name, value in headers if name == _RUN_HEADER]
        if len(given) != 1 or not hmac.compare_digest(given[0], self.credential.encode()):
            await _reply(send, REFUSED_STATUS, {GUARD_HEADER: "not-the-run"},
                         "not sent: this gateway serves its contract run only")  # fmt: skip
            return
        body = await _read(receive)
        if body is None:
            await _reply(
                send, REFUSED_STATUS, {GUARD_HEADER: "unsendable"}, "not sent: body too large"
            )
            return
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        if not raw_path.startswith(API_PREFIX.encode() + b"/"):
            await _reply(send, 404, {}, "Not Found")
            return
        target = raw_path[len(API_PREFIX) :].decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        pairs = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers]
        try:
            # In the loop's own thread: the run sends one request at a time, and a thread hop per
            # request would cost more than the waiting it saves.
            response = self.gateway.send(scope["method"], target, headers=pairs, body=body)
        except NotSent as refused:
            await _reply(send, REFUSED_STATUS, {GUARD_HEADER: refused.kind}, refused.reason)
            return
        except (TogglError, httpx.HTTPError) as error:  # no (whole) answer from the server
            reason = self.gateway.scrubber.text(f"no answer from the server: {error}")
            await _reply(send, REFUSED_STATUS, {GUARD_HEADER: "no-answer"}, reason)
            return
        except Exception:  # noqa: BLE001 - a fault of the kit: reported as such, never as drift
            summary = self.gateway.fault()
            await _reply(
                send, REFUSED_STATUS, {GUARD_HEADER: "fault"}, f"the kit failed: {summary}"
            )
            return
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": [
                    *((k.encode("latin-1"), v.encode("latin-1", "replace")) for k, v in response.headers.multi_items()
                      if k.lower() != "content-length"),
                    (b"content-length", b"%d" % len(response.content)),
                ],
            }
        )  # fmt: skip
        await send({"type": "http.response.body", "body": response.content})


async def _read(receive: Any) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _reply(send: Any, status: int, headers: dict[str, str], text: str) -> None:
    body = json.dumps(text).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
                *((k.lower().encode(), v.encode()) for k, v in headers.items()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
