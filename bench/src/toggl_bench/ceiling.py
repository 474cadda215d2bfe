"""The ceiling: the smallest ASGI app on the emulator's own server stack (uvicorn, uvloop,
httptools, the slow-client guard), answering every request with a fixed body of a given size.

    python -m toggl_bench.ceiling --port 4011 --body-bytes 230

No server can answer faster on this stack; `make bench` reports the emulator's throughput as a
fraction of it, measured side by side with the same load generator.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from toggl_emulator.serve import ServeLimits, serve

Message = MutableMapping[str, Any]


def fixed_app(body: bytes) -> Callable[..., Awaitable[None]]:
    start = {
        "type": "http.response.start",
        "status": 200,
        "headers": [
            (b"content-length", b"%d" % len(body)),
            (b"content-type", b"application/json; charset=utf-8"),
        ],
    }
    answer = {"type": "http.response.body", "body": body}

    async def app(
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        while (await receive()).get("more_body"):
            pass
        await send(start)
        await send(answer)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="toggl-bench-ceiling", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body-bytes", type=int, required=True)
    args = parser.parse_args()
    body = b'"' + b"x" * max(0, args.body_bytes - 2) + b'"'
    serve(fixed_app(body), args.host, args.port, ServeLimits())


if __name__ == "__main__":
    main()
