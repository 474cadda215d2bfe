"""What `make bench` measures, each figure with the reference it is read against.

Every load goes through the same generator (`toggl_bench.load`, loopback only), one server at a
time, so that the ratios compare like with like on this machine.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from toggl_emulator import Emulator, EmulatorOptions, EmulatorProcess
from toggl_emulator.emulator import Request
from toggl_emulator.server import free_port
from toggl_emulator.transport import BASE_URL, EmulatorTransport

from . import servers
from .servers import TOKEN, WORKSPACE

AUTH = "Basic " + base64.b64encode(f"{TOKEN}:api_token".encode()).decode()
DURATION = float(os.environ.get("BENCH_SECONDS", "4"))
SOAK_SECONDS = float(os.environ.get("BENCH_SOAK_SECONDS", "60"))
FIRST = 70_000_000  # the first client `servers.seed_with` adds
ONE = f"/workspaces/{WORKSPACE}/clients/{FIRST}"
LIST = f"/workspaces/{WORKSPACE}/clients?status=both"
PUT_BODY = '{"notes": "bench"}'
SCENARIOS = [  # (label, method, path under the API root, body)
    ("GET one client", "GET", ONE, None),
    ("PUT update", "PUT", ONE, PUT_BODY),
    ("list of 10", "GET", LIST, None),
]
API = "/api/v9"


def load(port: int, method: str, path: str, connections: int, body: str | None = None,
         duration: float = DURATION, warmup: float = 1.0) -> dict[str, Any]:  # fmt: skip
    command = [
        sys.executable, "-m", "toggl_bench.load", "--port", str(port), "--method", method,
        "--path", path, "--header", f"Authorization: {AUTH}", "--connections", str(connections),
        "--duration", str(duration), "--warmup", str(warmup),
    ]  # fmt: skip
    if body is not None:
        command += ["--body", body]
    result: dict[str, Any] = json.loads(
        subprocess.run(command, capture_output=True, text=True, check=True).stdout
    )
    return result


# --- throughput: the emulator, its ceiling, Prism ------------------------------------------------


def throughput(root: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    sizes: dict[str, int] = {}
    with servers.emulator(clients=10) as emulator:
        assert emulator.process is not None
        for label, method, path, body in SCENARIOS:
            sizes[label] = servers.answer_size(emulator.origin, API + path, AUTH)
            for connections in (1, 16):
                result = load(emulator.port, method, API + path, connections, body)
                rows.append(
                    {"server": "emulator", "scenario": label, "connections": connections, **result}
                )
        memory = servers.rss_mb(emulator.process.pid, "VmHWM")
    for row in rows:
        row["peak_rss_mb"] = memory
    for label, method, path, body in SCENARIOS:
        with servers.ceiling(sizes[label]) as ceiling:
            for connections in (1, 16):
                result = load(ceiling.port, method, path, connections, body)
                rows.append({"server": "ceiling", "scenario": label, "connections": connections,
                             "body_bytes": sizes[label], **result})  # fmt: skip
    with servers.prism(root, AUTH) as prism:
        assert prism.process is not None
        for label, method, path, body in SCENARIOS:
            for connections in (1, 16):
                result = load(prism.port, method, path, connections, body)
                rows.append(
                    {"server": "prism", "scenario": label, "connections": connections, **result}
                )
        prism_memory = servers.rss_mb(prism.process.pid, "VmHWM")
    for row in rows:
        if row["server"] == "prism":
            row["peak_rss_mb"] = prism_memory
    return rows


# --- cost as the workspace grows --------------------------------------------------------------


def list_growth() -> list[dict[str, Any]]:
    rows = []
    for size in (10, 1_000, 10_000, 100_000):
        with servers.emulator(clients=size) as emulator:
            assert emulator.process is not None
            duration = DURATION if size < 100_000 else DURATION * 2
            result = load(emulator.port, "GET", API + LIST, 1, duration=duration)
            by_ids = load(emulator.port, "POST", API + f"/workspaces/{WORKSPACE}/clients/data", 1,
                           json.dumps([FIRST, FIRST + size - 1]), duration=1, warmup=0)  # fmt: skip
            rss = servers.rss_mb(emulator.process.pid)
        rows.append({
            "clients": size, "p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"], "rps": result["rps"],
            "us_per_client": round(result["p50_ms"] * 1000 / size, 3), "rss_mb": rss,
            "by_ids_p50_ms": by_ids["p50_ms"],
        })  # fmt: skip
    return rows


def write_cost() -> list[dict[str, Any]]:
    """Create and rename as the workspace grows, the emulator alone (no HTTP client in between):
    the name index and the list order, which must keep them flat."""
    header = [(b"authorization", AUTH.encode())]
    rows = []
    for size in (10, 1_000, 10_000, 100_000):
        emulator = Emulator(EmulatorOptions(seed=servers.seed_with(size)))
        count = 5000
        creates = [Request("POST", f"{API}/workspaces/{WORKSPACE}/clients", b"", header, b'{"name": "New %06d"}' % n) for n in range(count)]  # fmt: skip
        renames = [Request("PUT", f"{API}/workspaces/{WORKSPACE}/clients/{FIRST + n % size}", b"", header, b'{"name": "Renamed %06d"}' % n) for n in range(count)]  # fmt: skip
        for _ in range(200):  # the first calls pay for imports and caches: not measured
            emulator.handle(
                Request("GET", f"{API}/workspaces/{WORKSPACE}/clients/{FIRST}", b"", header, b"")
            )
        timings = {}
        for name, requests in (("create_us", creates), ("rename_us", renames)):
            started = time.perf_counter()
            for request in requests:
                emulator.handle(request)
            timings[name] = round((time.perf_counter() - started) / count * 1e6, 2)
        rows.append({"clients": size, **timings})
    return rows


def memory_per_10k(growth: list[dict[str, Any]]) -> float:
    smallest, largest = growth[0], growth[-1]
    grown = float(largest["rss_mb"]) - float(smallest["rss_mb"])
    return round(grown / ((int(largest["clients"]) - int(smallest["clients"])) / 10_000), 1)


# --- in-process: what the emulator costs a test suite --------------------------------------------


def _requests_per_second(
    http: httpx.Client, method: str, path: str, body: str | None, count: int
) -> float:
    content = body.encode() if body else None
    started = time.perf_counter()
    for _ in range(count):
        http.request(method, path, content=content)
    return round(count / (time.perf_counter() - started), 1)


def in_process() -> list[dict[str, Any]]:
    emulator = Emulator(EmulatorOptions(seed=servers.seed_with(10)))
    canned = {label: b"" for label, *_ in SCENARIOS}
    rows = []
    with httpx.Client(base_url=BASE_URL, auth=(TOKEN, "api_token"), transport=EmulatorTransport(emulator)) as http:  # fmt: skip
        for label, method, path, _ in SCENARIOS:
            canned[label] = http.request(
                method, path, content=PUT_BODY if method == "PUT" else None
            ).content
        for label, method, path, body in SCENARIOS[:2]:
            emulated = statistics.median(
                _requests_per_second(http, method, path, body, 3000) for _ in range(3)
            )
            rows.append({"scenario": label, "transport": "emulator", "rps": emulated})
    for label, method, path, body in SCENARIOS[:2]:
        content = canned[label]
        mock = httpx.MockTransport(lambda request, content=content: httpx.Response(200, content=content, headers={"Content-Type": "application/json"}))  # fmt: skip
        with httpx.Client(base_url=BASE_URL, auth=(TOKEN, "api_token"), transport=mock) as http:
            rows.append({"scenario": label, "transport": "canned MockTransport",
                         "rps": statistics.median(_requests_per_second(http, method, path, body, 3000) for _ in range(3))})  # fmt: skip
    return rows


# --- the SDK against raw httpx ---------------------------------------------------------------


def _per_call_us(call: Callable[[], Any], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        call()
    return (time.perf_counter() - started) / count * 1e6


def _sdk_vs_httpx(
    base_url: str, count: int, transport: httpx.BaseTransport | None = None
) -> dict[str, float]:
    """GET one client with raw httpx and with the SDK's resource client, interleaved rounds."""
    from toggl_track_client import Toggl

    raw = httpx.Client(base_url=base_url, auth=(TOKEN, "api_token"), transport=transport)
    toggl = Toggl(api_token=TOKEN, base_url=base_url, transport=transport)

    def raw_call() -> Any:
        response = raw.get(ONE)
        response.raise_for_status()
        return response.json()

    raws, sdks = [], []
    try:
        for _ in range(5):
            raws.append(_per_call_us(raw_call, count))
            sdks.append(_per_call_us(lambda: toggl.clients.get(WORKSPACE, FIRST), count))
    finally:
        raw.close()
        toggl.close()
    raw_us, sdk_us = statistics.median(raws), statistics.median(sdks)
    return {
        "raw_httpx_us": round(raw_us, 1),
        "sdk_us": round(sdk_us, 1),
        "overhead": round(sdk_us / raw_us - 1, 3),
    }


def sdk_cost() -> dict[str, dict[str, float]]:
    with servers.emulator(clients=10) as emulator:
        loopback = _sdk_vs_httpx(emulator.origin + API, 400)
    body = json.dumps({"id": FIRST, "wid": WORKSPACE, "archived": False, "name": "Acme", "at": "2024-03-17T10:55:38+00:00"}).encode()  # fmt: skip
    canned = httpx.MockTransport(lambda request: httpx.Response(200, content=body, headers={"Content-Type": "application/json"}))  # fmt: skip
    return {
        "loopback": loopback,
        "in_memory": _sdk_vs_httpx("https://toggl.test/api/v9", 2000, canned),
    }


# --- the pipeline ------------------------------------------------------------------------------


def generate_seconds() -> float:
    times = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as scratch:
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "toggl_pipeline.generate", f"{scratch}/out"], check=True, capture_output=True)  # fmt: skip
            times.append(time.perf_counter() - started)
    return round(statistics.median(times), 2)


def contract_run(max_examples: int | None) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOGGL_", "CONTRACT_"))}
    env |= {
        "CONTRACT_SEED": "1",
        "TOGGL_CONTRACT_REPORTS": tempfile.mkdtemp(prefix="bench-contract-"),
    }
    if max_examples:
        env["CONTRACT_MAX_EXAMPLES"] = str(max_examples)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "toggl_contract", "run"], env=env, capture_output=True, text=True, check=False)  # fmt: skip
    seconds = time.perf_counter() - started
    cases = sum(int(n) for n in re.findall(r": (\d+) sent, ", result.stdout))
    return {
        "max_examples": max_examples or "default", "seconds": round(seconds, 2), "cases": cases,
        "cases_per_second": round(cases / seconds, 1), "exit_code": result.returncode,
    }  # fmt: skip


# --- memory under load -------------------------------------------------------------------------


def soak() -> dict[str, Any]:
    """Mixed requests at full speed for SOAK_SECONDS; the emulator's RSS sampled every second."""
    samples: list[tuple[float, float]] = []
    mixes = [("GET", ONE, None), ("PUT", ONE, PUT_BODY), ("GET", LIST, None),
             ("POST", f"/workspaces/{WORKSPACE}/clients/data", f"[{FIRST}, {FIRST + 5}]"),
             ("GET", f"/workspaces/{WORKSPACE}/clients/1", None)]  # fmt: skip
    with servers.emulator(clients=1_000) as emulator:
        assert emulator.process is not None
        pid = emulator.process.pid
        started = time.perf_counter()
        done = threading.Event()

        def sample() -> None:
            while not done.wait(1.0):
                samples.append((round(time.perf_counter() - started, 1), servers.rss_mb(pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "toggl_bench.load",
                    "--port",
                    str(emulator.port),
                    "--method",
                    method,
                    "--path",
                    API + path,
                    "--header",
                    f"Authorization: {AUTH}",
                    "--connections",
                    "3",
                    "--duration",
                    str(SOAK_SECONDS),
                    "--warmup",
                    "0",
                    "--max-requests",
                    "100000000",
                    *(["--body", body] if body else []),
                ],
                stdout=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for method, path, body in mixes
        ]
        outputs = [json.loads(p.communicate()[0]) for p in processes]
        done.set()
        sampler.join()
    warm = [rss for at, rss in samples if at >= min(10.0, SOAK_SECONDS / 3)]
    first, last = (warm[0], warm[-1]) if warm else (float("nan"), float("nan"))
    return {
        "seconds": SOAK_SECONDS, "requests": sum(o["requests"] for o in outputs),
        "rps": round(sum(o["rps"] for o in outputs), 1), "rss_after_warmup_mb": first, "rss_at_end_mb": last,
        "growth": round(last / first - 1, 3) if warm else None, "samples": samples,
    }  # fmt: skip


# --- the pytest plugin's cost per test ------------------------------------------------------------

_PLUGIN_TESTS = """
import pytest

@pytest.mark.parametrize("n", range({count}))
def test_with_the_plugin(toggl_client, n):
    assert toggl_client.clients.list(1001)
"""
_MOCK_TESTS = """
import httpx, pytest
from toggl_track_client import Toggl

BODY = {body!r}

@pytest.mark.parametrize("n", range({count}))
def test_with_a_canned_transport(n):
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=BODY, headers={{"Content-Type": "application/json"}}))
    with Toggl(api_token="t", base_url="https://toggl.test/api/v9", transport=transport) as toggl:
        assert toggl.clients.list(1001)
"""


def plugin_cost(count: int = 1000) -> dict[str, float]:
    """`count` tests using the `toggl_client` fixture next to the same tests building `Toggl` on a
    canned `httpx.MockTransport`, each a pytest run of its own; the difference per test."""
    emulator = Emulator()
    with httpx.Client(base_url=BASE_URL, auth=("admin-token", "api_token"), transport=EmulatorTransport(emulator)) as http:  # fmt: skip
        body = http.get("/workspaces/1001/clients").content
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, source in (("plugin", _PLUGIN_TESTS.format(count=count)),
                             ("mock", _MOCK_TESTS.format(count=count, body=body))):  # fmt: skip
            path = Path(folder) / f"test_{name}.py"
            path.write_text(source)
            runs = []
            for _ in range(3):
                started = time.perf_counter()
                subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(path)],
                               cwd=folder, check=True, capture_output=True)  # fmt: skip
                runs.append(time.perf_counter() - started)
            seconds[name] = statistics.median(runs)
    return {
        "tests": count,
        "plugin_seconds": round(seconds["plugin"], 2),
        "mock_seconds": round(seconds["mock"], 2),
        "extra_ms_per_test": round((seconds["plugin"] - seconds["mock"]) / count * 1000, 2),
    }


# --- shared limits: what each store costs a call, and 8 processes at the limit -------------------

_SHARED_WORKER = """
import sys, time
from toggl_track_client import Toggl
with Toggl(api_token="admin-token", base_url=sys.argv[1], limits=sys.argv[2], max_retries=0,
           max_requests_per_second=float(sys.argv[3])) as toggl:
    for _ in range(int(sys.argv[4])):
        toggl.clients.list(1001)
"""


def shared_limits(redis_url: str | None = None, workers: int = 8, calls: int = 4) -> dict[str, Any]:
    """Per call, each store against the in-process default (a canned transport, calls spaced so
    that none waits); then `workers` processes sharing a SQLite store at the emulator's limit."""
    from toggl_track_client import Toggl

    body = b"[]"
    canned = httpx.MockTransport(lambda request: httpx.Response(200, content=body, headers={"Content-Type": "application/json"}))  # fmt: skip
    stores = {"in-process (default)": None, "memory://": "memory://"}
    with tempfile.TemporaryDirectory() as folder:
        stores["sqlite"] = f"sqlite:///{folder}/limits.db"
        if redis_url:
            stores["redis"] = redis_url
        per_call: dict[str, float] = {}
        for name, limits in stores.items():
            options: dict[str, Any] = {"limits": limits} if limits else {}
            # 50 a second, a call every 25 ms: no call waits for its slot, so what is measured
            # is what the store costs (the 25 ms of idle time are taken off).
            with Toggl(api_token="t", base_url="https://toggl.test/api/v9", transport=canned,
                       max_requests_per_second=50.0, **options) as toggl:  # fmt: skip

                def spaced_call(toggl: Any = toggl) -> None:
                    time.sleep(0.025)
                    toggl.clients.list(1001)

                spaced_call()
                per_call[name] = round(
                    statistics.median(_per_call_us(spaced_call, 40) for _ in range(3)) - 25_000, 1
                )  # fmt: skip
        rate = 5.0
        with EmulatorProcess(["--rate-limit", str(rate)]) as emulator:
            started = time.perf_counter()
            processes = [
                subprocess.Popen(
                    [
                        sys.executable,
                        "-c",
                        _SHARED_WORKER,
                        emulator.base_url,
                        f"sqlite:///{folder}/run.db",
                        str(rate),
                        str(calls),
                    ]
                )  # fmt: skip
                for _ in range(workers)
            ]
            failed = sum(process.wait(timeout=300) != 0 for process in processes)
            seconds = time.perf_counter() - started
    return {
        "per_call_us": per_call,
        "processes": workers,
        "rate_limit": rate,
        "requests": workers * calls,
        "achieved_rps": round(workers * calls / seconds, 2),
        "failed_processes": failed,
    }


def shared_limits_with_redis() -> dict[str, Any]:
    """`shared_limits`, with a Redis store too when `redis-server` is installed."""
    server = shutil.which("redis-server")
    if server is None:
        return shared_limits(None)
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL)  # fmt: skip
    try:
        time.sleep(0.5)
        return shared_limits(f"redis://127.0.0.1:{port}/0")
    finally:
        process.terminate()
        process.wait(timeout=10)
