"""`make bench`'s outputs: the table (each figure, its reference, its target) and the plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

TARGETS = {
    "ceiling_fraction_16": 0.70,  # GET and PUT at 16 connections
    "list_10k_p50_ms": 5.0,
    "in_process_vs_canned": 3.0,  # at most this many times slower than a canned MockTransport
    "sdk_overhead_loopback": 0.10,
    "sdk_overhead_in_memory": 0.10,
    "plugin_extra_ms_per_test": 2.0,  # `toggl_client` next to a Toggl on a canned MockTransport
    "contract_seconds": 20.0,
}


def _by(rows: list[dict[str, Any]], **keys: Any) -> dict[str, Any]:
    return next(r for r in rows if all(r[k] == v for k, v in keys.items()))


def ratios(report: dict[str, Any]) -> dict[str, Any]:
    rows = report["throughput"]
    out: dict[str, Any] = {"emulator_vs_ceiling": {}, "emulator_vs_prism": {}}
    for row in rows:
        if row["server"] != "emulator":
            continue
        key = f"{row['scenario']}, {row['connections']} conn"
        ceiling = _by(
            rows, server="ceiling", scenario=row["scenario"], connections=row["connections"]
        )
        prism = _by(rows, server="prism", scenario=row["scenario"], connections=row["connections"])
        out["emulator_vs_ceiling"][key] = round(row["rps"] / ceiling["rps"], 3)
        out["emulator_vs_prism"][key] = round(row["rps"] / prism["rps"], 2)
    in_process = report["in_process"]
    out["in_process_slowdown"] = {
        r["scenario"]: round(_by(in_process, scenario=r["scenario"], transport="canned MockTransport")["rps"] / r["rps"], 2)
        for r in in_process if r["transport"] == "emulator"
    }  # fmt: skip
    return out


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def table(report: dict[str, Any]) -> str:
    lines = [f"{'measure':<58} {'value':>16}  reference / target"]

    def add(name: str, value: str, note: str = "") -> None:
        lines.append(f"{name:<58} {value:>16}  {note}")

    r = report["ratios"]
    for row in report["throughput"]:
        if row["server"] != "emulator":
            continue
        key = f"{row['scenario']}, {row['connections']} conn"
        ceiling = _by(
            report["throughput"],
            server="ceiling",
            scenario=row["scenario"],
            connections=row["connections"],
        )
        prism = _by(
            report["throughput"],
            server="prism",
            scenario=row["scenario"],
            connections=row["connections"],
        )
        fraction = r["emulator_vs_ceiling"][key]
        target = ""
        if row["connections"] == 16 and row["scenario"] in ("GET one client", "PUT update"):
            target = f"; ≥ {TARGETS['ceiling_fraction_16']:.0%} {_mark(fraction >= TARGETS['ceiling_fraction_16'])}"
        add(f"emulator {key} (rps)", f"{row['rps']:,.0f}",
            f"ceiling {ceiling['rps']:,.0f} ({fraction:.0%}){target}; Prism {prism['rps']:,.0f} (x{r['emulator_vs_prism'][key]:.1f})")  # fmt: skip
        add(f"emulator {key} (p50/p99 ms)", f"{row['p50_ms']:.2f}/{row['p99_ms']:.2f}",
            f"ceiling {ceiling['p50_ms']:.2f}/{ceiling['p99_ms']:.2f}")  # fmt: skip
    emulator_memory = next(
        row["peak_rss_mb"] for row in report["throughput"] if row["server"] == "emulator"
    )
    prism_memory = next(
        row["peak_rss_mb"] for row in report["throughput"] if row["server"] == "prism"
    )
    add("peak memory under load (MB)", f"{emulator_memory:,.1f}", f"Prism {prism_memory:,.1f}")
    for row in report["list_growth"]:
        note = f"{row['us_per_client']:.3f} µs per client"
        if row["clients"] == 10_000:
            note += f"; p50 ≤ {TARGETS['list_10k_p50_ms']:.0f} ms {_mark(row['p50_ms'] <= TARGETS['list_10k_p50_ms'])}"
        add(
            f"list of {row['clients']:,} clients over loopback (p50/p99 ms)",
            f"{row['p50_ms']:.2f}/{row['p99_ms']:.2f}",
            note,
        )
    add(
        "memory per 10,000 clients (MB)",
        f"{report['memory_per_10k_mb']:.1f}",
        "RSS, 100,000 clients against 10",
    )
    small = report["write_cost"][0]
    for row in report["write_cost"]:
        add(f"create / rename with {row['clients']:,} clients (µs, in-process)", f"{row['create_us']:.1f}/{row['rename_us']:.1f}",
            f"with 10: {small['create_us']:.1f}/{small['rename_us']:.1f}")  # fmt: skip
    for row in report["in_process"]:
        if row["transport"] != "emulator":
            continue
        canned = _by(
            report["in_process"], scenario=row["scenario"], transport="canned MockTransport"
        )
        slowdown = r["in_process_slowdown"][row["scenario"]]
        add(f"in-process {row['scenario']} (rps)", f"{row['rps']:,.0f}",
            f"canned MockTransport {canned['rps']:,.0f} (x{slowdown:.1f} slower; ≤ {TARGETS['in_process_vs_canned']:.0f}x {_mark(slowdown <= TARGETS['in_process_vs_canned'])})")  # fmt: skip
    for where, cost in report["sdk"].items():
        note = f"raw httpx {cost['raw_httpx_us']:.0f} µs"
        bound = TARGETS.get(f"sdk_overhead_{where}")
        if bound is not None:
            note += f"; ≤ +{bound:.0%} {_mark(cost['overhead'] <= bound)}"
        add(
            f"SDK resource client per call, {where} (µs)",
            f"{cost['sdk_us']:.0f} ({cost['overhead']:+.1%})",
            note,
        )
    plugin = report["plugin_cost"]
    add(f"pytest plugin, extra per test over {plugin['tests']} tests (ms)",
        f"{plugin['extra_ms_per_test']:.2f}",
        f"toggl_client {plugin['plugin_seconds']:.1f} s vs Toggl on a MockTransport {plugin['mock_seconds']:.1f} s; "
        f"≤ {TARGETS['plugin_extra_ms_per_test']:.0f} ms {_mark(plugin['extra_ms_per_test'] <= TARGETS['plugin_extra_ms_per_test'])}")  # fmt: skip
    shared = report["shared_limits"]
    default = shared["per_call_us"]["in-process (default)"]
    for store, cost in shared["per_call_us"].items():
        if store != "in-process (default)":
            add(f"shared limits, {store}, per call (µs)", f"{cost:.0f}",
                f"in-process default {default:.0f} µs (+{cost - default:.0f} µs)")  # fmt: skip
    add(f"{shared['processes']} processes sharing a SQLite store (rps)", f"{shared['achieved_rps']:.2f}",
        f"the emulator's limit {shared['rate_limit']:g} rps; {shared['failed_processes']} processes failed")  # fmt: skip
    full = report["contract"][-1]
    add("contract run against the emulator, default (s)", f"{full['seconds']:.1f}",
        f"< {TARGETS['contract_seconds']:.0f} s {_mark(full['seconds'] < TARGETS['contract_seconds'])}; exit {full['exit_code']}")  # fmt: skip
    for run in report["contract"]:
        add(
            f"contract cases per second, max-examples {run['max_examples']}",
            f"{run['cases_per_second']:.0f}",
            f"{run['cases']} cases in {run['seconds']:.1f} s",
        )
    soak = report["soak"]
    add(f"RSS over a {soak['seconds']:.0f} s soak (MB, after warm-up → end)", f"{soak['rss_after_warmup_mb']:.1f} → {soak['rss_at_end_mb']:.1f}",
        f"{soak['growth']:+.1%} over {soak['requests']:,} requests ({soak['rps']:,.0f} rps)")  # fmt: skip
    add("make generate (s)", f"{report['generate_seconds']:.2f}")
    return "\n".join(lines)


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(17, 9))
    throughput, growth, writes = axes[0]
    in_process, sdk, soak = axes[1]

    rows = [r for r in report["throughput"] if r["server"] == "emulator"]
    labels = [f"{r['scenario']}\n{r['connections']} conn" for r in rows]
    xs = range(len(rows))
    for offset, server, name in (
        (-0.27, "emulator", "emulator"),
        (0.0, "ceiling", "ceiling (same stack, fixed body)"),
        (0.27, "prism", "Prism"),
    ):
        values = [
            _by(
                report["throughput"],
                server=server,
                scenario=r["scenario"],
                connections=r["connections"],
            )["rps"]
            for r in rows
        ]
        throughput.bar([x + offset for x in xs], values, 0.27, label=name)
    throughput.set_xticks(list(xs), labels, fontsize=7)
    throughput.set_ylabel("requests per second")
    throughput.set_title("Throughput over loopback")
    throughput.legend(fontsize=7)

    sizes = [r["clients"] for r in report["list_growth"]]
    growth.plot(
        sizes, [r["p50_ms"] for r in report["list_growth"]], marker="o", label="list p50 (ms)"
    )
    growth.axhline(
        TARGETS["list_10k_p50_ms"], color="grey", linestyle="--", label="target at 10,000: 5 ms"
    )
    growth.set_xscale("log")
    growth.set_yscale("log")
    growth.set_xlabel("clients in the workspace")
    growth.set_title("List latency as the workspace grows")
    growth.legend(fontsize=7)

    sizes = [r["clients"] for r in report["write_cost"]]
    writes.plot(sizes, [r["create_us"] for r in report["write_cost"]], marker="o", label="create")
    writes.plot(sizes, [r["rename_us"] for r in report["write_cost"]], marker="o", label="rename")
    writes.set_xscale("log")
    writes.set_ylim(bottom=0)
    writes.set_xlabel("clients in the workspace")
    writes.set_ylabel("µs per call, in-process")
    writes.set_title("Writes as the workspace grows (flat is the goal)")
    writes.legend(fontsize=7)

    scenarios = [r["scenario"] for r in report["in_process"] if r["transport"] == "emulator"]
    xs = range(len(scenarios))
    for offset, transport in ((-0.2, "emulator"), (0.2, "canned MockTransport")):
        in_process.bar(
            [x + offset for x in xs],
            [_by(report["in_process"], scenario=s, transport=transport)["rps"] for s in scenarios],
            0.4,
            label=transport,
        )
    in_process.set_xticks(list(xs), scenarios, fontsize=8)
    in_process.set_ylabel("requests per second")
    in_process.set_title("In-process (the pytest plugin's path)")
    in_process.legend(fontsize=7)

    wheres = list(report["sdk"])
    xs = range(len(wheres))
    sdk.bar(
        [x - 0.2 for x in xs],
        [report["sdk"][w]["raw_httpx_us"] for w in wheres],
        0.4,
        label="raw httpx",
    )
    sdk.bar(
        [x + 0.2 for x in xs],
        [report["sdk"][w]["sdk_us"] for w in wheres],
        0.4,
        label="SDK resource client",
    )
    sdk.set_xticks(list(xs), wheres)
    sdk.set_ylabel("µs per call")
    sdk.set_title("SDK cost per call")
    sdk.legend(fontsize=7)

    samples = report["soak"]["samples"]
    soak.plot([t for t, _ in samples], [m for _, m in samples], marker=".")
    soak.set_ylim(bottom=0)
    soak.set_xlabel("seconds of mixed load")
    soak.set_ylabel("emulator RSS (MB)")
    soak.set_title(f"Memory under load ({report['soak']['rps']:,.0f} rps)")

    fig.tight_layout()
    fig.savefig(path, dpi=100)
