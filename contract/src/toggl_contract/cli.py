"""`toggl-contract run | live | cleanup`: the contract runs, as the Makefile calls them."""

from __future__ import annotations

import sys


def main() -> None:
    command, *rest = sys.argv[1:] or ["run"]
    sys.argv = [sys.argv[0], *rest]
    if command == "run":
        from .contract import main as run

        raise SystemExit(run())
    if command == "live":
        from .contract_live import run_live

        raise SystemExit(run_live())
    if command == "cleanup":
        from .contract_live import run_cleanup

        raise SystemExit(run_cleanup())
    raise SystemExit(f"toggl-contract: unknown command {command!r} (run, live, cleanup)")
