"""`make bench`'s table and plot: every figure next to its reference, targets marked honestly."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import Any

from toggl_bench import report, servers
from toggl_emulator.seed_schema import check_seed


def synthetic() -> dict[str, Any]:
    rows = []
    for server, factor in (("emulator", 0.5), ("ceiling", 1.0), ("prism", 0.1)):
        for scenario in ("GET one client", "PUT update", "list of 10"):
            for connections in (1, 16):
                rows.append({"server": server, "scenario": scenario, "connections": connections,
                             "rps": 30_000 * factor, "p50_ms": 0.5, "p99_ms": 1.0, "peak_rss_mb": 35.0})  # fmt: skip
    data: dict[str, Any] = {
        "throughput": rows,
        "list_growth": [
            {
                "clients": n,
                "p50_ms": n / 2000,
                "p99_ms": n / 1000,
                "us_per_client": 0.5,
                "rss_mb": 30 + n / 1000,
            }
            for n in (10, 1_000, 10_000, 100_000)
        ],  # fmt: skip
        "write_cost": [{"clients": n, "create_us": 10.0, "rename_us": 11.0} for n in (10, 100_000)],
        "in_process": [
            {"scenario": "GET one client", "transport": "emulator", "rps": 7000.0},
            {"scenario": "GET one client", "transport": "canned MockTransport", "rps": 7700.0},
        ],  # fmt: skip
        "shared_limits": {
            "per_call_us": {"in-process (default)": 120.0, "memory://": 150.0, "sqlite": 600.0},
            "processes": 8,
            "rate_limit": 5.0,
            "requests": 32,
            "achieved_rps": 4.6,
            "failed_processes": 0,
        },
        "plugin_cost": {
            "tests": 1000,
            "plugin_seconds": 3.0,
            "mock_seconds": 2.6,
            "extra_ms_per_test": 0.4,
        },
        "sdk": {
            "loopback": {"raw_httpx_us": 500.0, "sdk_us": 540.0, "overhead": 0.08},
            "in_memory": {"raw_httpx_us": 140.0, "sdk_us": 170.0, "overhead": 0.21},
        },  # fmt: skip
        "contract": [
            {
                "max_examples": "default",
                "seconds": 18.0,
                "cases": 1800,
                "cases_per_second": 100.0,
                "exit_code": 0,
            }
        ],
        "soak": {
            "seconds": 60,
            "requests": 500_000,
            "rps": 9000.0,
            "rss_after_warmup_mb": 36.0,
            "rss_at_end_mb": 36.5,
            "growth": 0.014,
            "samples": [(1.0, 35.0), (60.0, 36.5)],
        },  # fmt: skip
        "generate_seconds": 2.5,
        "memory_per_10k_mb": 17.0,
    }
    data["ratios"] = report.ratios(data)
    return data


def test_the_table_reads_each_figure_against_its_reference_and_marks_missed_targets() -> None:
    data = synthetic()
    table = report.table(data)
    assert data["ratios"]["emulator_vs_ceiling"]["PUT update, 16 conn"] == 0.5
    put = next(
        line for line in table.splitlines() if line.startswith("emulator PUT update, 16 conn (rps)")
    )
    assert "ceiling 30,000 (50%); ≥ 70% ✗" in put and "Prism 3,000 (x5.0)" in put
    assert "p50 ≤ 5 ms ✓" in table  # 10,000 clients at 5 ms
    assert "≤ +10% ✓" in table and "< 20 s ✓" in table
    assert "36.0 → 36.5" in table and "+1.4%" in table


def test_the_plot_is_written(tmp_path: Path) -> None:
    path = tmp_path / "bench.png"
    report.plot(synthetic(), path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def test_the_ceiling_answers_a_fixed_body_of_the_size_asked() -> None:
    with (
        servers.ceiling(208) as ceiling,
        urllib.request.urlopen(ceiling.origin + "/anything", timeout=5) as reply,
    ):
        body = reply.read()
        assert reply.headers["content-type"] == "application/json; charset=utf-8"
    assert len(body) == 208


def test_a_seed_of_any_size() -> None:
    seed = servers.seed_with(1_000)
    premium = [c for c in seed["clients"] if c["wid"] == servers.WORKSPACE]
    assert len(premium) == 1_000 and len({c["name"].casefold() for c in premium}) == 1_000
    check_seed(seed)  # what the emulator checks before it starts
