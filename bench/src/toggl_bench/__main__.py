"""`make bench`: the emulator, the SDK and the contract run, each measured side by side with its
reference in one run, on this machine. Figures are reported, never asserted.

- throughput of the emulator over loopback (GET one client, PUT update, a list of 10; 1 and 16
  connections) next to its ceiling (the smallest ASGI app on the same server stack, answering a
  fixed body of the same size) and Stoplight Prism serving the same spec;
- list latency with 10 to 100,000 clients, memory per 10,000 clients, create and rename cost as
  the workspace grows;
- the in-process path of the pytest plugin next to a canned `httpx.MockTransport`, per request
  and per test (1,000 tests with `toggl_client` next to 1,000 building `Toggl` on one);
- the SDK's resource client next to raw httpx, over loopback and in memory;
- shared limits: each store's cost per call next to the in-process default, and 8 processes
  sharing a SQLite store against the emulator's rate limit;
- the contract run's test cases per second and its full default run;
- the emulator's memory over a soak of mixed requests at full speed;
- `make generate`'s time.

Writes `reports/bench/bench.json` (every raw number, the versions measured, the core count) and
`reports/bench/bench.png`; prints the table. BENCH_SECONDS (per load, default 4) and
BENCH_SOAK_SECONDS (default 60) shorten a run.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import report, suites

VERSIONS_OF = (
    "toggl-track-emulator",
    "toggl-track-client",
    "uvicorn",
    "uvloop",
    "httptools",
    "httpx",
    "schemathesis",
)


def versions(root: Path) -> dict[str, str]:
    found = {name: importlib.metadata.version(name) for name in VERSIONS_OF}
    found["python"] = platform.python_version()
    node = shutil.which("node")
    found["node"] = (
        subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
        if node
        else "absent"
    )
    package = json.loads((root / "bench" / "package.json").read_text())
    found["prism"] = package["devDependencies"]["@stoplight/prism-cli"]
    return found


def main() -> int:
    root = Path.cwd()
    if not (root / "bench" / "node_modules" / ".bin" / "prism").exists():
        print(
            "bench: Prism is missing; `make bench` installs it (bench/package-lock.json)",
            file=sys.stderr,
        )
        return 2
    out = root / "reports" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    data: dict[str, Any] = {
        "machine": {"cores": os.cpu_count(), "platform": platform.platform()},
        "versions": versions(root),
        "settings": {"load_seconds": suites.DURATION, "soak_seconds": suites.SOAK_SECONDS},
    }
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("throughput", lambda: suites.throughput(root)), ("list_growth", suites.list_growth),
        ("write_cost", suites.write_cost), ("in_process", suites.in_process), ("plugin_cost", suites.plugin_cost), ("sdk", suites.sdk_cost),
        ("shared_limits", suites.shared_limits_with_redis),
        ("contract", lambda: [suites.contract_run(5), suites.contract_run(20), suites.contract_run(None)]),
        ("soak", suites.soak), ("generate_seconds", suites.generate_seconds),
    ]  # fmt: skip
    for name, step in steps:
        print(f"bench: {name}", flush=True)
        data[name] = step()
    data["memory_per_10k_mb"] = suites.memory_per_10k(data["list_growth"])
    data["ratios"] = report.ratios(data)
    data["targets"] = report.TARGETS
    data["seconds"] = round(time.perf_counter() - started, 1)
    (out / "bench.json").write_text(json.dumps(data, indent=2) + "\n")
    report.plot(data, out / "bench.png")
    print(report.table(data))
    print(f"\nbench: {data['seconds']} s; reports/bench/bench.json and reports/bench/bench.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
