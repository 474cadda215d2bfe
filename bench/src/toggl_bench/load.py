"""A bounded HTTP/1.1 load generator for loopback benchmarks (what `make bench` drives servers with).

    python -m toggl_bench.load --port 4010 --method GET --path /api/v9/... --connections 16 \
        --duration 5 --header "Authorization: Basic ..." [--body '{"notes": "x"}']

Keep-alive connections on raw asyncio streams (uvloop when available), each sending its next
request as soon as the previous answer is read. It stops at `--duration` seconds or
`--max-requests`, whichever comes first, and prints one JSON object: requests, requests per
second, latency percentiles (ms), and the count of non-2xx answers. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

LOOPBACK = ("127.0.0.1", "localhost", "::1")


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {
        k.strip().lower(): v.strip()
        for k, _, v in (line.partition(":") for line in lines[1:] if line)
    }
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def connection(
    request: bytes, host: str, port: int, deadline: float, budget: list[int]
) -> tuple[list[float], int]:
    reader, writer = await asyncio.open_connection(host, port)
    latencies: list[float] = []
    errors = 0
    try:
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 1
            started = time.perf_counter()
            writer.write(request)
            status = await read_response(reader)
            latencies.append(time.perf_counter() - started)
            errors += not 200 <= status < 300
    finally:
        writer.close()
    return latencies, errors


def build_request(
    method: str, host: str, port: int, path: str, headers: list[str], body: str | None
) -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Connection: keep-alive",
        *headers,
    ]
    payload = body.encode() if body is not None else b""
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def run(args: argparse.Namespace) -> dict[str, float]:
    request = build_request(args.method, args.host, args.port, args.path, args.header, args.body)
    if args.warmup:
        warm_deadline = time.perf_counter() + args.warmup
        await asyncio.gather(
            *(
                connection(request, args.host, args.port, warm_deadline, [10**9])
                for _ in range(args.connections)
            )
        )
    budget = [args.max_requests]
    started = time.perf_counter()
    deadline = started + args.duration
    results = await asyncio.gather(
        *(
            connection(request, args.host, args.port, deadline, budget)
            for _ in range(args.connections)
        )
    )
    elapsed = time.perf_counter() - started
    latencies = sorted(lat for lats, _ in results for lat in lats)
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(cuts[49] * 1000, 3),
        "p90_ms": round(cuts[89] * 1000, 3),
        "p99_ms": round(cuts[98] * 1000, 3),
        "errors": sum(errors for _, errors in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--path", required=True)
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--body")
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--max-requests", type=int, default=500_000)
    args = parser.parse_args()
    if args.host not in LOOPBACK:
        parser.error("load tests target loopback only")
    args.duration = min(args.duration, 120.0)  # bounded: loopback load never runs longer
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
