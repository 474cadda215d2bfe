"""`make bench`: how fast the pieces are, as ratios measured side by side in one run.

- Mock throughput: requests per second and latency percentiles for GET one client and PUT update,
  at 1 and 16 connections, for the emulator and for Stoplight Prism serving the same spec, with the
  same load generator (`bench_load.py`, loopback only); peak memory of each server.
- Client cost: the generated client (retry and error layer on) against raw httpx, per call, over
  loopback to the same server and in memory.
- Pipeline cost: `make generate` wall time; the contract run's wall time and test cases per
  second, and its time against its number of test cases.
- Growth: the emulator's list latency with 10, 1,000 and 10,000 clients in a workspace.

Prints one table; writes `reports/bench/bench.json` and `reports/bench/bench.png`. Targets are
reported, never asserted: the emulator at least 5x Prism at 16 connections, the client within 10%
of raw httpx over loopback, the full contract run under 30 s.
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
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import yaml
from toggl_emulator.seed import DEFAULT_SEED, DEFAULT_SEED_PATH
from toggl_emulator.server import EmulatorProcess, free_port

ROOT = Path.cwd()
OUT = ROOT / "reports" / "bench"
PRISM = ROOT / "bench" / "node_modules" / ".bin" / "prism"
TOKEN = DEFAULT_SEED.users["admin"].api_token
AUTH = "Basic " + base64.b64encode(f"{TOKEN}:api_token".encode()).decode()
WORKSPACE = DEFAULT_SEED.workspaces["premium"].id
CLIENT = DEFAULT_SEED.clients["acme"].id
CLIENT_PATH = f"/workspaces/{WORKSPACE}/clients/{CLIENT}"
DURATION = float(os.environ.get("BENCH_SECONDS", "4"))


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def load(
    port: int, method: str, path: str, connections: int, body: str | None = None
) -> dict[str, Any]:
    command = [
        sys.executable, "-m", "toggl_bench.load", "--port", str(port), "--method", method,
        "--path", path, "--header", f"Authorization: {AUTH}", "--connections", str(connections),
        "--duration", str(DURATION), "--warmup", "1",
    ]  # fmt: skip
    if body is not None:
        command += ["--body", body]
    result: dict[str, Any] = json.loads(
        subprocess.run(command, capture_output=True, text=True, check=True).stdout
    )
    return result


class Prism:
    """Stoplight Prism serving openapi.yaml (it ignores the servers path)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(PRISM), "mock", str(ROOT / "openapi.yaml"), "-p", str(self.port), "-h", "127.0.0.1", "-v", "error"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{CLIENT_PATH}", headers={"Authorization": AUTH}
        )
        for _ in range(300):
            try:
                urllib.request.urlopen(request, timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("Prism did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def throughput() -> list[dict[str, Any]]:
    rows = []
    scenarios = [("GET one client", "GET", None), ("PUT update", "PUT", '{"notes": "bench"}')]
    with EmulatorProcess() as emulator:
        assert emulator.process is not None
        for label, method, body in scenarios:
            for connections in (1, 16):
                result = load(emulator.port, method, "/api/v9" + CLIENT_PATH, connections, body)
                rows.append(
                    {"server": "emulator", "scenario": label, "connections": connections, **result}
                )
        emulator_memory = peak_rss_mb(emulator.process.pid)
    prism = Prism()
    try:
        for label, method, body in scenarios:
            for connections in (1, 16):
                result = load(prism.port, method, CLIENT_PATH, connections, body)
                rows.append(
                    {"server": "prism", "scenario": label, "connections": connections, **result}
                )
        prism_memory = peak_rss_mb(prism.process.pid)
    finally:
        prism.stop()
    for row in rows:
        row["peak_rss_mb"] = emulator_memory if row["server"] == "emulator" else prism_memory
    return rows


def per_call_us(call: Callable[[], Any], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        call()
    return (time.perf_counter() - started) / count * 1e6


def compare(raw: Callable[[], Any], generated: Callable[[], Any], count: int) -> dict[str, float]:
    """Median per-call microseconds over interleaved rounds, so drift hits both alike."""
    raws, gens = [], []
    for _ in range(5):
        raws.append(per_call_us(raw, count))
        gens.append(per_call_us(generated, count))
    raw_us, gen_us = statistics.median(raws), statistics.median(gens)
    return {
        "raw_httpx_us": round(raw_us, 1),
        "generated_us": round(gen_us, 1),
        "overhead": round(gen_us / raw_us - 1, 3),
    }


def raw_vs_generated(
    base_url: str, token: str, count: int, transport: httpx.BaseTransport | None = None
) -> dict[str, float]:
    """GET one client, with raw httpx and with the generated client, against the same server."""
    from toggl_track_client import AuthenticatedClient
    from toggl_track_client.api.clients import get_client

    raw = httpx.Client(base_url=base_url, auth=(token, "api_token"), transport=transport)
    args = {"transport": transport} if transport else {}
    toggl = AuthenticatedClient(api_token=token, base_url=base_url, httpx_args=args)

    def raw_call() -> Any:
        response = raw.get(CLIENT_PATH)
        response.raise_for_status()
        return response.json()

    try:
        return compare(raw_call, lambda: get_client.sync(WORKSPACE, CLIENT, client=toggl), count)
    finally:
        raw.close()
        toggl.close()


def client_cost() -> dict[str, dict[str, float]]:
    with EmulatorProcess() as emulator:
        loopback = raw_vs_generated(emulator.base_url, TOKEN, 400)
    client = {
        "id": 61250143,
        "wid": 1001,
        "archived": False,
        "name": "Acme",
        "at": "2024-03-17T10:55:38+00:00",
    }
    body = json.dumps(client).encode()
    in_memory = httpx.MockTransport(
        lambda request: httpx.Response(
            200, content=body, headers={"Content-Type": "application/json"}
        )
    )
    return {
        "loopback": loopback,
        "in_memory": raw_vs_generated("https://toggl.test/api/v9", "t", 2000, in_memory),
    }


def generate_seconds() -> float:
    times = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as scratch:
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "toggl_pipeline.generate", f"{scratch}/out"],
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - started)
    return round(statistics.median(times), 2)


def contract_run(max_examples: int | None) -> dict[str, Any]:
    env = {**os.environ, "CONTRACT_SEED": "1"}
    env.pop("TOGGL_API_URL", None)
    if max_examples:
        env["CONTRACT_MAX_EXAMPLES"] = str(max_examples)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "toggl_contract", "run"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    match = re.search(r"(\d+) generated", result.stdout)
    cases = int(match.group(1)) if match else 0
    return {
        "max_examples": max_examples or "default",
        "seconds": round(seconds, 2),
        "cases": cases,
        "cases_per_second": round(cases / seconds, 1),
        "passed": result.returncode == 0,
    }


def list_growth() -> list[dict[str, Any]]:
    rows = []
    for size in (10, 1_000, 10_000):
        seed = yaml.safe_load(DEFAULT_SEED_PATH.read_text())
        seed["clients"] = [
            {
                "id": 70_000_000 + n,
                "wid": WORKSPACE,
                "name": f"Client {n:05d}",
                "at": "2024-03-17T10:55:38+00:00",
            }
            for n in range(size)
        ]
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(seed, handle)
        try:
            with EmulatorProcess(["--seed", handle.name]) as emulator:
                result = load(
                    emulator.port, "GET", f"/api/v9/workspaces/{WORKSPACE}/clients?status=both", 1
                )
        finally:
            os.unlink(handle.name)
        rows.append(
            {
                "clients": size,
                "p50_ms": result["p50_ms"],
                "p99_ms": result["p99_ms"],
                "rps": result["rps"],
            }
        )
    return rows


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 4.5))
    labels, emulator_rps, prism_rps = [], [], []
    for row in report["throughput"]:
        if row["server"] == "emulator":
            labels.append(f"{row['scenario']}\n{row['connections']} conn")
            emulator_rps.append(row["rps"])
        else:
            prism_rps.append(row["rps"])
    xs = range(len(labels))
    left.bar([x - 0.2 for x in xs], emulator_rps, 0.4, label="emulator")
    left.bar([x + 0.2 for x in xs], prism_rps, 0.4, label="Prism 5.14.2")
    left.set_xticks(list(xs), labels, fontsize=8)
    left.set_ylabel("requests per second")
    left.set_title("Mock throughput (loopback)")
    left.legend()
    growth = report["list_growth"]
    middle.plot([r["clients"] for r in growth], [r["p50_ms"] for r in growth], marker="o")
    middle.set_xscale("log")
    middle.set_yscale("log")
    middle.set_xlabel("clients in the workspace")
    middle.set_ylabel("list latency p50 (ms)")
    middle.set_title("Emulator list latency")
    runs = report["contract_growth"]
    right.plot([r["cases"] for r in runs], [r["seconds"] for r in runs], marker="o")
    right.set_xlabel("test cases")
    right.set_ylabel("seconds")
    right.set_title("Contract run time")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def table(report: dict[str, Any]) -> str:
    lines = [f"{'measure':<52} {'value':>14}  target"]

    def add(name: str, value: str, target: str = "") -> None:
        lines.append(f"{name:<52} {value:>14}  {target}")

    for row in report["throughput"]:
        name = f"{row['server']}: {row['scenario']}, {row['connections']} conn"
        add(name + " (rps)", f"{row['rps']:,.0f}")
        add(name + " (p50/p99 ms)", f"{row['p50_ms']:.2f}/{row['p99_ms']:.2f}")
    for server in ("emulator", "prism"):
        memory = next(r["peak_rss_mb"] for r in report["throughput"] if r["server"] == server)
        add(f"{server}: peak memory (MB)", f"{memory:,.1f}")
    for scenario, ratio in report["ratios"]["emulator_vs_prism_16"].items():
        add(
            f"emulator / Prism, {scenario}, 16 conn",
            f"{ratio:.1f}x",
            "≥ 5x " + ("✓" if ratio >= 5 else "✗"),
        )
    for where, cost in report["client"].items():
        add(
            f"client per call, {where}: raw httpx / generated (µs)",
            f"{cost['raw_httpx_us']:.0f}/{cost['generated_us']:.0f}",
        )
        target = (
            ("≤ 10% " + ("✓" if cost["overhead"] <= 0.10 else "✗")) if where == "loopback" else ""
        )
        add(f"client overhead, {where}", f"{cost['overhead']:+.1%}", target)
    add("make generate (s)", f"{report['generate_seconds']:.2f}")
    full = report["contract_growth"][-1]
    add(
        "contract run against the emulator (s)",
        f"{full['seconds']:.1f}",
        "< 30 s " + ("✓" if full["seconds"] < 30 else "✗"),
    )
    add("contract test cases / s", f"{full['cases_per_second']:.0f}")
    for run in report["contract_growth"]:
        add(
            f"contract, max-examples {run['max_examples']}: cases / s",
            f"{run['cases']} / {run['seconds']:.1f}",
        )
    for row in report["list_growth"]:
        add(
            f"emulator list, {row['clients']:,} clients: p50 / p99 (ms)",
            f"{row['p50_ms']:.1f}/{row['p99_ms']:.1f}",
        )
    return "\n".join(lines)


def main() -> int:
    if not PRISM.exists():
        print(
            "bench: Prism is missing; `make bench` installs it (bench/package-lock.json)",
            file=sys.stderr,
        )
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rows = throughput()
    by = {(r["server"], r["scenario"], r["connections"]): r["rps"] for r in rows}
    report: dict[str, Any] = {
        "machine": {
            "cores": os.cpu_count(),
            "python": sys.version.split()[0],
            "node": shutil.which("node")
            and subprocess.run(
                ["node", "--version"], capture_output=True, text=True
            ).stdout.strip(),
        },
        "throughput": rows,
        "client": client_cost(),
        "generate_seconds": generate_seconds(),
        "contract_growth": [contract_run(5), contract_run(20), contract_run(None)],
        "list_growth": list_growth(),
    }
    report["ratios"] = {
        "emulator_vs_prism_16": {
            scenario: round(by[("emulator", scenario, 16)] / by[("prism", scenario, 16)], 2)
            for scenario in ("GET one client", "PUT update")
        }
    }
    report["seconds"] = round(time.perf_counter() - started, 1)
    (OUT / "bench.json").write_text(json.dumps(report, indent=2) + "\n")
    plot(report, OUT / "bench.png")
    print(table(report))
    print(f"\nbench: {report['seconds']} s; reports/bench/bench.json and reports/bench/bench.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
