"""`toggl-contract`: the contract runs and their tools, as the Makefile calls them.

    toggl-contract run                  make contract: the emulator, or TOGGL_API_URL (guarded)
    toggl-contract live                 make contract-live: the live API (or TOGGL_API_URL), guarded
    toggl-contract cleanup              make contract-cleanup: what earlier runs provably abandoned
    toggl-contract reproduce CASSETTE N [--port P] [--keep] [--url URL]
    toggl-contract emulator-check CASSETTE

Environment: TOGGL_API_URL, TOGGL_API_TOKEN, TOGGL_WORKSPACE_ID (a sandbox workspace),
TOGGL_CONTRACT_BUDGET (requests; default 30, the Free plan's hourly quota), TOGGL_CONTRACT_INTERVAL
(seconds between requests; default 1), CONTRACT_SEED (default: 1 in CI, else random),
CONTRACT_MAX_EXAMPLES (generated cases per operation; default 100 against the emulator, 5 else),
TOGGL_CONTRACT_TIMEOUT (seconds per request to the server; default 30), TOGGL_CONTRACT_REPORTS
(where reports, cassettes and ledgers go; default reports/).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

from .cassette import check_cassette
from .cleanup import clean_abandoned
from .gateway import Budget, Gateway, basic_header
from .guard import Guard
from .ledger import Ledger
from .report import ExitCode
from .repro import reproduce_on_emulator, reproduce_on_server
from .runner import Generation
from .session import LIVE_API_URL, PLACEHOLDER, Settings, emulator_credentials, run

REPORTS = Path(os.environ.get("TOGGL_CONTRACT_REPORTS") or "reports")
LEDGERS = REPORTS / "contract-ledgers"


def _seed() -> int:
    if os.environ.get("CONTRACT_SEED"):
        return int(os.environ["CONTRACT_SEED"])
    return 1 if os.environ.get("CI") == "true" else random.randrange(2**31)


def _credentials(command: str) -> tuple[str, int]:
    missing = [
        name for name in ("TOGGL_API_TOKEN", "TOGGL_WORKSPACE_ID") if not os.environ.get(name)
    ]
    if missing:
        raise SystemExit(
            f"toggl-contract {command}: set {' and '.join(missing)} (an API token and a sandbox workspace id)"
        )
    workspace = os.environ["TOGGL_WORKSPACE_ID"]
    if not workspace.isdigit():
        raise SystemExit(
            f"toggl-contract {command}: TOGGL_WORKSPACE_ID must be a workspace id (digits)"
        )
    return os.environ["TOGGL_API_TOKEN"], int(workspace)


def settings(command: str) -> Settings:
    url = os.environ.get("TOGGL_API_URL") or (LIVE_API_URL if command == "live" else None)
    seed = _seed()
    if url is None:
        token, workspace_id = emulator_credentials()
        examples = int(os.environ.get("CONTRACT_MAX_EXAMPLES") or 100)
        return Settings(
            external=False, base_url="", token=token, workspace_id=workspace_id, budget=None, interval=0.0,
            generation=Generation(examples, seed, stateful_examples=min(20, examples), stateful_steps=10),
            reports=REPORTS / "contract", ledgers=LEDGERS, spec=Path("openapi.yaml"), config=Path("schemathesis.toml"),
        )  # fmt: skip
    token, workspace_id = _credentials(command)
    examples = int(os.environ.get("CONTRACT_MAX_EXAMPLES") or 5)
    return Settings(
        external=True, base_url=url.rstrip("/"), token=token, workspace_id=workspace_id,
        budget=int(os.environ.get("TOGGL_CONTRACT_BUDGET") or 30),
        interval=float(os.environ.get("TOGGL_CONTRACT_INTERVAL") or 1.0),
        generation=Generation(examples, seed, stateful_examples=min(5, examples), stateful_steps=5),
        reports=REPORTS / ("contract-live" if command == "live" else "contract"), ledgers=LEDGERS,
        spec=Path("openapi.yaml"), config=Path("schemathesis.toml"),
    )  # fmt: skip


def cleanup() -> int:
    token, workspace_id = _credentials("cleanup")
    url = os.environ.get("TOGGL_API_URL") or LIVE_API_URL
    ledger = Ledger()
    budget = int(os.environ.get("TOGGL_CONTRACT_BUDGET") or 30)
    gateway = Gateway(
        url, authorization=basic_header(token),
        placeholder=PLACEHOLDER, guard=Guard(workspace_id, ledger), ledger=ledger,
        budget=Budget(budget), interval=float(os.environ.get("TOGGL_CONTRACT_INTERVAL") or 1.0),
    )  # fmt: skip
    try:
        outcome = clean_abandoned(gateway, PLACEHOLDER, token, workspace_id, LEDGERS)
    finally:
        gateway.close()
    print(
        f"contract-cleanup: deleted {len(outcome.deleted)} client(s)"
        + "".join(f"\n  deleted {d}" for d in outcome.deleted)
    )
    print(
        f"contract-cleanup: left {len(outcome.left)}"
        + "".join(f"\n  left {d}" for d in outcome.left)
    )
    for failure in outcome.failed:
        print(f"contract-cleanup: FAILED {failure}", file=sys.stderr)
    return int(ExitCode.LEFTOVERS) if outcome.failed else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="toggl-contract", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="make contract")
    commands.add_parser("live", help="make contract-live")
    commands.add_parser("cleanup", help="make contract-cleanup")
    reproduce = commands.add_parser("reproduce", help="replay a cassette up to a failing exchange")
    reproduce.add_argument("cassette", type=Path)
    reproduce.add_argument("position", type=int)
    reproduce.add_argument("--port", type=int, default=4010)
    reproduce.add_argument("--keep", action="store_true", help="leave the emulator serving")
    reproduce.add_argument(
        "--url", help="against this server instead (TOGGL_API_TOKEN, TOGGL_WORKSPACE_ID)"
    )
    check = commands.add_parser(
        "emulator-check", help="replay a cassette on a fresh emulator, list differences"
    )
    check.add_argument("cassette", type=Path)
    args = parser.parse_args(argv)
    if args.command in ("run", "live"):
        raise SystemExit(int(run(settings(args.command))))
    if args.command == "cleanup":
        raise SystemExit(cleanup())
    if args.command == "reproduce":
        if args.url:
            token, workspace_id = _credentials("reproduce")
            raise SystemExit(
                reproduce_on_server(args.cassette, args.position, args.url, token, workspace_id)
            )
        raise SystemExit(reproduce_on_emulator(args.cassette, args.position, args.port, args.keep))
    raise SystemExit(emulator_check(args.cassette))


def emulator_check(path: Path) -> int:
    if not path.is_file():
        print(
            f"emulator-check: no cassette at {path} (a contract run writes one under reports/)",
            file=sys.stderr,
        )
        return int(ExitCode.USAGE)
    check = check_cassette(path)
    for difference in check.differences:
        print(difference)
    print(
        f"emulator-check: {check.compared} exchange(s) replayed on a fresh emulator, {check.skipped} "
        f"skipped (other people's clients), {len(check.differences)} difference(s)"
    )
    if not check.compared:
        print(
            "emulator-check: nothing was compared: the cassette verifies nothing", file=sys.stderr
        )
        return int(ExitCode.INCOMPLETE)
    return int(ExitCode.DRIFT) if check.differences else int(ExitCode.VERIFIED)
