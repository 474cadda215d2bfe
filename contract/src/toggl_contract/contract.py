"""`make contract`: verify that a server agrees with `openapi.yaml`, with every schemathesis check.

Without `TOGGL_API_URL` it starts the Toggl emulator on a free port, waits for its health, runs
schemathesis (all checks, all phases, positive and negative data, plus the Toggl semantics of
`contract_checks.py`) and stops it. With `TOGGL_API_URL` (and `TOGGL_API_TOKEN`,
`TOGGL_WORKSPACE_ID`) it runs the same verification against that server instead; the run creates,
changes and deletes clients there, so point it at a sandbox workspace only.

Reproducible: in CI (`CI=true`) the seed is fixed (`CONTRACT_SEED`, default 1); elsewhere it is
random. The seed is printed either way. JUnit XML goes to `reports/contract/junit.xml`; every
failure is printed with its operation, check and a curl command with the credentials filtered.
"""

from __future__ import annotations

import base64
import os
import random
import subprocess
import sys
from pathlib import Path

from toggl_emulator.seed import DEFAULT_SEED
from toggl_emulator.server import EmulatorProcess

ROOT = Path.cwd()
REPORTS = ROOT / "reports" / "contract"
EMULATOR_CREDENTIALS = {
    "TOGGL_API_TOKEN": DEFAULT_SEED.users["admin"].api_token,
    "TOGGL_WORKSPACE_ID": str(DEFAULT_SEED.workspaces["premium"].id),
}


def basic_auth(token: str) -> str:
    return "Basic " + base64.b64encode(f"{token}:api_token".encode()).decode()


def pick_seed() -> int:
    if "CONTRACT_SEED" in os.environ:
        return int(os.environ["CONTRACT_SEED"])
    return 1 if os.environ.get("CI") == "true" else random.randrange(2**31)


def run_schemathesis(base_url: str, token: str, workspace_id: str, seed: int) -> int:
    REPORTS.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "TOGGL_AUTHORIZATION": basic_auth(token),
        "TOGGL_WORKSPACE_ID": workspace_id,
        "SCHEMATHESIS_HOOKS": "toggl_contract.contract_checks",
    }
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", str(ROOT / "openapi.yaml"),
        "--url", base_url,
        "--seed", str(seed),
        "--generation-database", "none",
        "--report", "junit",
        "--report-junit-path", str(REPORTS / "junit.xml"),
        "--no-color",
    ]  # fmt: skip
    if os.environ.get("CONTRACT_MAX_EXAMPLES"):
        command += ["--max-examples", os.environ["CONTRACT_MAX_EXAMPLES"]]
    print(f"contract: schemathesis against {base_url}, workspace {workspace_id}, seed {seed}")
    print(f"contract: reproduce with CONTRACT_SEED={seed} make contract", flush=True)
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


def main() -> int:
    url = os.environ.get("TOGGL_API_URL")
    seed = pick_seed()
    if url:
        missing = [
            name for name in ("TOGGL_API_TOKEN", "TOGGL_WORKSPACE_ID") if not os.environ.get(name)
        ]
        if missing:
            print(
                f"contract: TOGGL_API_URL is set; also set {' and '.join(missing)}", file=sys.stderr
            )
            return 2
        if os.environ.get("TOGGL_CONTRACT_DISPOSABLE_SERVER") == "1":
            # A throwaway server (the drift tests' deviating emulators): nothing on it to protect.
            return run_schemathesis(
                url.rstrip("/"),
                os.environ["TOGGL_API_TOKEN"],
                os.environ["TOGGL_WORKSPACE_ID"],
                seed,
            )
        # The unguarded fuzzing run sends the spec's example ids and ids read from lists to update,
        # archive and delete: against a workspace it did not seed itself that destroys other
        # people's clients. Until the guarded run exists, refuse instead of fuzzing real data.
        print(
            "contract: refused: an unguarded run against TOGGL_API_URL would change clients this run"
            " did not create. Use `make contract-live`, which touches only what it creates.",
            file=sys.stderr,
        )
        return 2
    with EmulatorProcess() as server:
        code = run_schemathesis(
            server.base_url,
            EMULATOR_CREDENTIALS["TOGGL_API_TOKEN"],
            EMULATOR_CREDENTIALS["TOGGL_WORKSPACE_ID"],
            seed,
        )
        if code != 0:
            print("contract: the emulator's log follows\n" + server.log(), file=sys.stderr)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
