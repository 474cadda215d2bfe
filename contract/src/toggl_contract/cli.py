"""`toggl-contract`: contract verification of the Toggl Track API against `openapi.yaml`."""

from __future__ import annotations

import argparse
import secrets
import sys
import traceback
from collections.abc import Mapping
from pathlib import Path

from .apimap import ApiMap
from .cassette import check_cassette
from .cleanup import clean_abandoned
from .gateway import Budget, Gateway, basic_header
from .guard import Guard
from .ledger import Ledger
from .report import ExitCode
from .repro import reproduce_on_emulator, reproduce_on_server
from .scrub import Scrubber
from .session import PLACEHOLDER, emulator_credentials, run, scrubbed_output
from .settings import (
    BY_NAME,
    LIVE_API_URL,
    REPORTS,
    RUN,
    SERVER,
    Setting,
    UsageError,
    add_options,
    credentials,
    environment,
    run_settings,
    spec_path,
    value,
)

EXIT_CODES = """exit codes:
  0    verified: every operation was exercised and every check passed
  1    drift: a check failed; each failure is listed with a command that reproduces it
  2    usage: the run could not start (a missing credential, a bad option or value)
  3    incomplete: cut short by the budget, the hourly quota, throttling, the longest allowed
       duration or the plan; what went unverified is listed
  4    leftovers: cleanup could not delete everything the run created (listed; see
       `toggl-contract cleanup`)
  5    fault: the kit itself failed (never a verdict on the server); the traceback is in the
       run's report folder
  130  interrupted (Ctrl-C, SIGTERM); cleanup ran first
  When several apply, the first of 4, 5, 1, 130, 3 wins."""

REPORTS_TEXT = """reports (under --reports, default ./reports):
  contract/ (run), contract-live/ (live): junit.xml, cassette.jsonl (every exchange, redacted),
  traceback.txt (only after a fault of the kit); contract-ledgers/<run id>.jsonl: what each run
  created and saw deleted (what `cleanup` reads)"""

DESCRIPTIONS = {
    "run": "Verify openapi.yaml against the Toggl emulator (started by the run), or against "
    "TOGGL_API_URL, guarded: only what the run proves it created is changed, and it is deleted "
    "at the end, whatever happens.",
    "live": "Verify the live Toggl API (or TOGGL_API_URL), guarded and budgeted like `run` against "
    "a server.",
    "cleanup": "Delete what earlier runs of this token provably created and left behind, and "
    "nothing else.",
    "reproduce": "Replay a cassette up to a failing exchange: on an emulator the command starts "
    "(--port), or against a server (--url), creating what the request needs and deleting it after.",
    "emulator-check": "Replay a recorded cassette on a fresh emulator and list every difference.",
}


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32, width=100)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="toggl-contract", formatter_class=_Formatter,
        description=__doc__.strip(),
        epilog=f"{EXIT_CODES}\n\n{REPORTS_TEXT}\n\n`toggl-contract COMMAND --help` lists each command's options.",
    )  # fmt: skip
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in ("run", "live"):
        command = commands.add_parser(
            name, help=DESCRIPTIONS[name], description=DESCRIPTIONS[name],
            epilog=f"{EXIT_CODES}\n\n{REPORTS_TEXT}", formatter_class=_Formatter,
        )  # fmt: skip
        add_options(command, (*SERVER, *RUN, REPORTS))
    cleanup = commands.add_parser(
        "cleanup", help=DESCRIPTIONS["cleanup"], description=DESCRIPTIONS["cleanup"],
        epilog="exit codes: 0 done (what it left alone is listed, with why); 2 usage; 4 something "
        "it proved abandoned could not be deleted, or the workspace could not be listed",
        formatter_class=_Formatter,
    )  # fmt: skip
    add_options(cleanup, (*SERVER, *_named("budget", "interval", "timeout", "spec"), REPORTS))
    reproduce = commands.add_parser(
        "reproduce", help=DESCRIPTIONS["reproduce"], description=DESCRIPTIONS["reproduce"],
        formatter_class=_Formatter, epilog="exit codes: 0 replayed (the differences are printed); 2 usage",
    )  # fmt: skip
    reproduce.add_argument("cassette", type=Path, help="a cassette a run wrote")
    reproduce.add_argument("position", type=int, help="the exchange to reproduce (1 is the first)")
    reproduce.add_argument(
        "--port", type=int, default=4010, help="the emulator's port [default: 4010]"
    )
    reproduce.add_argument(
        "--keep", action="store_true", help="leave the emulator serving for curl"
    )
    reproduce.add_argument(
        "--url", help="against this server instead (needs TOGGL_API_TOKEN, TOGGL_WORKSPACE_ID)"
    )
    add_options(reproduce, _named("token", "workspace", "timeout", "interval", "spec"))
    check = commands.add_parser(
        "emulator-check", help=DESCRIPTIONS["emulator-check"],
        description=DESCRIPTIONS["emulator-check"], formatter_class=_Formatter,
        epilog="exit codes: 0 no difference; 1 differences (listed); 2 no cassette; 3 nothing compared",
    )  # fmt: skip
    check.add_argument("cassette", type=Path, help="a cassette a run wrote")
    add_options(check, _named("spec"))
    return root


def _named(*names: str) -> tuple[Setting, ...]:
    return tuple(BY_NAME[name] for name in names)


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    environ = environment()
    try:
        code = _dispatch(args, environ)
    except UsageError as error:
        print(f"toggl-contract {args.command}: {error}", file=sys.stderr)
        code = int(ExitCode.USAGE)
    raise SystemExit(code)


def _dispatch(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    if args.command in ("run", "live"):
        return int(run(run_settings(args.command, args, environ, emulator_credentials())))
    if args.command == "cleanup":
        return cleanup(args, environ)
    api = ApiMap.load(spec_path(args, environ))
    if args.command == "reproduce":
        if args.url:
            given = credentials(args, environ, "reproduce")
            timeout, interval = value("timeout", args, environ), value("interval", args, environ)
            with scrubbed_output(Scrubber.for_token(given.token)):
                return reproduce_on_server(
                    args.cassette,
                    args.position,
                    args.url,
                    given.token,
                    given.workspace_id,
                    api,
                    timeout,
                    interval,
                )
        return reproduce_on_emulator(args.cassette, args.position, args.port, args.keep, api)
    return emulator_check(args.cassette, api)


def cleanup(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    given = credentials(args, environ, "cleanup")
    url = value("url", args, environ) or LIVE_API_URL
    reports = value("reports", args, environ)
    scrubber = Scrubber.for_token(given.token)
    ledger = Ledger(scrubber=scrubber)
    gateway = Gateway(
        url, api=ApiMap.load(spec_path(args, environ)), authorization=basic_header(given.token),
        placeholder=PLACEHOLDER, ledger=ledger,
        # A proof no resource carries: each candidate is checked against its own run's.
        guard=Guard(given.workspace_id, ledger, f"none-{secrets.token_hex(16)}"),
        budget=Budget(value("budget", args, environ)), interval=value("interval", args, environ),
        timeout=value("timeout", args, environ), scrubber=scrubber,
    )  # fmt: skip
    with scrubbed_output(scrubber):
        try:
            outcome = clean_abandoned(
                gateway, PLACEHOLDER, given.token, given.workspace_id, reports / "contract-ledgers"
            )
        except Exception:  # noqa: BLE001 - the kit's own fault
            print(traceback.format_exc(), file=sys.stderr)
            return int(ExitCode.FAULT)
        finally:
            gateway.close()
        print(
            f"contract-cleanup: deleted {len(outcome.deleted)} resource(s)"
            + "".join(f"\n  deleted {d}" for d in outcome.deleted)
        )
        print(
            f"contract-cleanup: left {len(outcome.left)}"
            + "".join(f"\n  left {d}" for d in outcome.left)
        )
        for failure in outcome.failed:
            print(f"contract-cleanup: FAILED {failure}", file=sys.stderr)
    return int(ExitCode.LEFTOVERS) if outcome.failed else 0


def emulator_check(path: Path, api: ApiMap) -> int:
    if not path.is_file():
        print(
            f"emulator-check: no cassette at {path} (a contract run writes one under reports/)",
            file=sys.stderr,
        )
        return int(ExitCode.USAGE)
    check = check_cassette(path, api)
    for difference in check.differences:
        print(difference)
    print(
        f"emulator-check: {check.compared} exchange(s) replayed on a fresh emulator, {check.skipped} "
        f"skipped (other people's data), {len(check.differences)} difference(s)"
    )
    if not check.compared:
        print(
            "emulator-check: nothing was compared: the cassette verifies nothing", file=sys.stderr
        )
        return int(ExitCode.INCOMPLETE)
    return int(ExitCode.DRIFT) if check.differences else int(ExitCode.VERIFIED)
