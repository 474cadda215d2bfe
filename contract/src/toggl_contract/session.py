"""One contract run, start to end: the server, the gateway, the walk, the property-based phases,
the cleanup, the report.

Against the emulator it starts itself (`make contract`), the run is unguarded and unbudgeted: every
phase of schemathesis at full strength. Against any other server (`make contract` with
`TOGGL_API_URL`, `make contract-live`) the gateway guards, budgets and paces it, and the run cleans
up by id whatever happens: on success, on a failed check, on an exception, on Ctrl-C or SIGTERM
(a second signal during cleanup is noted, not obeyed).
"""

from __future__ import annotations

import contextlib
import hashlib
import signal
import sys
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import schemathesis
import yaml
from schemathesis.config import SchemathesisConfig
from toggl_emulator.seed import DEFAULT_SEED
from toggl_emulator.server import EmulatorProcess

from .cassette import Recorder, Redactor
from .checks import NoBodyWhereNoneDeclared, SemanticsCheck, install_hooks
from .cleanup import MAX_RUN_SECONDS, Outcome, delete_owned, marker, new_run_id, proof
from .gateway import Budget, Gateway, basic_header
from .guard import Guard
from .ledger import Ledger
from .report import ExitCode, Report
from .repro import Reproductions
from .rules import Semantics
from .runner import GatewayReader, Generation, PropertyRun, StopRun
from .walk import Walk

LIVE_API_URL = "https://api.track.toggl.com/api/v9"
PLACEHOLDER_AUTH = ("toggl-contract-run", "api_token")
PLACEHOLDER = basic_header(*PLACEHOLDER_AUTH)
"""What schemathesis and every report see instead of the real credentials; the gateway swaps it."""


@dataclass(frozen=True)
class Settings:
    external: bool  # a server the run did not start: guarded, budgeted, paced, cleaned up
    base_url: str
    token: str
    workspace_id: int
    budget: int | None
    interval: float
    generation: Generation
    reports: Path  # this run's folder: junit.xml, cassette.jsonl
    ledgers: Path
    spec: Path
    config: Path  # schemathesis.toml


def load_schema(settings: Settings, base_url: str) -> Any:
    data = (
        tomllib.loads(settings.config.read_text(encoding="utf-8"))
        if settings.config.is_file()
        else {}
    )
    data["base-url"] = base_url
    data["auth"] = basic_auth(settings.spec, *PLACEHOLDER_AUTH)
    data["parameters"] = {"path.workspace_id": settings.workspace_id}
    schema = schemathesis.openapi.from_path(
        settings.spec, config=SchemathesisConfig.from_dict(data)
    )
    install_hooks(schema, settings.workspace_id)
    return schema


def basic_auth(spec: Path, username: str, password: str) -> dict[str, Any]:
    """schemathesis' `auth` configuration: these credentials for each HTTP Basic scheme of the spec.

    Through `auth` (not a fixed Authorization header) schemathesis knows the credentials belong to
    the security scheme: it sends them on every case, and its auth-negative cases (none, wrong)
    are the only ones without them.
    """
    schemes = (
        yaml.safe_load(spec.read_text(encoding="utf-8"))
        .get("components", {})
        .get("securitySchemes", {})
    )
    basic = [
        name
        for name, scheme in schemes.items()
        if scheme.get("type") == "http" and scheme.get("scheme") == "basic"
    ]
    return {"openapi": {name: {"username": username, "password": password} for name in basic}}


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def signals_interrupt() -> Iterator[None]:
    """SIGTERM interrupts like Ctrl-C does, so that cleanup runs either way."""
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def signals_noted(what: str) -> Iterator[None]:
    """During cleanup a signal is reported and ignored: leaving now would leave clients behind."""

    def note(signum: int, frame: FrameType | None) -> None:
        print(
            f"contract: signal {signum} during {what}: finishing it first",
            file=sys.stderr,
            flush=True,
        )

    previous = {s: signal.signal(s, note) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextlib.contextmanager
def server_for(settings: Settings) -> Iterator[str]:
    if settings.external:
        yield settings.base_url
        return
    with EmulatorProcess() as emulator:
        yield emulator.base_url


def run(settings: Settings) -> ExitCode:
    run_id = new_run_id()
    started = int(time.time()) - 5
    title = f"contract {'run against ' + settings.base_url if settings.external else 'run against the emulator'}"
    report = Report(title)
    settings.reports.mkdir(parents=True, exist_ok=True)
    ledger = Ledger(settings.ledgers / f"{run_id}.jsonl" if settings.external else None)
    ledger.start(run_id=run_id, workspace_id=settings.workspace_id, base_url=settings.base_url,
                 proof=proof(settings.token, run_id),  # whose run: only this token's cleanup acts on it
                 started=started, deadline=started + MAX_RUN_SECONDS)  # fmt: skip
    cassette = settings.reports / "cassette.jsonl"
    reproductions = Reproductions(
        settings.base_url if settings.external else None, cassette, ledger
    )
    print(f"contract: {title}, workspace {settings.workspace_id}, run {run_id}, seed {settings.generation.seed}"
          + (f", budget {settings.budget} requests" if settings.budget else ""), flush=True)  # fmt: skip
    with server_for(settings) as upstream, signals_interrupt():
        recorder = Recorder(
            cassette,
            Redactor(settings.workspace_id, (lambda i: i in ledger.created) if settings.external else (lambda i: True)),
            {"run_id": run_id, "recorded_from": "external" if settings.external else "emulator",
             "spec_sha256": _sha256(settings.spec)},
        )  # fmt: skip
        budget = Budget(settings.budget, reserve=lambda: 2 * len(ledger.owned) + 2)
        gateway = Gateway(
            upstream,
            authorization=basic_header(settings.token),
            placeholder=PLACEHOLDER,
            guard=Guard(settings.workspace_id, ledger) if settings.external else None,
            ledger=ledger,
            budget=budget,
            interval=settings.interval,
            recorder=recorder,
            deadline=time.monotonic() + MAX_RUN_SECONDS,
        )
        url = gateway.start()
        http = httpx.Client(base_url=url, auth=PLACEHOLDER_AUTH, timeout=120)
        try:
            _test(settings, report, url, http, run_id, started, recorder, reproductions, budget)
        except StopRun as stop:
            report.stopped = str(stop)
        except KeyboardInterrupt:
            report.interrupted = True
            print("contract: interrupted; cleaning up", file=sys.stderr, flush=True)
        finally:
            with signals_noted("cleanup"):
                if settings.external:
                    outcome = Outcome()
                    delete_owned(gateway, PLACEHOLDER, settings.workspace_id, outcome)
                    if outcome.deleted:
                        print(
                            f"contract: cleanup deleted {len(outcome.deleted)} client(s) of this run by id",
                            flush=True,
                        )
                    report.leftovers = sorted(ledger.owned)
                ledger.end()
                _finish(report, gateway, settings, recorder)
                http.close()
                gateway.close()
    print(report.summary(), flush=True)
    return report.exit_code()


def _test(settings: Settings, report: Report, url: str, http: httpx.Client, run_id: str, started: int,
          recorder: Recorder, reproductions: Reproductions, budget: Budget) -> None:  # fmt: skip
    schema = load_schema(settings, url)
    reader = GatewayReader(http, settings.workspace_id)
    semantics = Semantics(settings.workspace_id, reader)
    print("contract: the deterministic walk", flush=True)
    Walk(
        http, schema, semantics, report, workspace_id=settings.workspace_id,
        prefix=f"toggl-contract-{run_id}-", marker=marker(settings.token, run_id), started=started,
        reproduce=lambda exchange: reproductions.command(recorder.count, exchange),
    ).run()  # fmt: skip
    print("contract: schemathesis (examples, coverage, fuzzing, stateful)", flush=True)
    check = SemanticsCheck(semantics)
    spec = yaml.safe_load(settings.spec.read_text(encoding="utf-8"))
    property_run = PropertyRun(
        schema, report, check, NoBodyWhereNoneDeclared(spec), settings.generation,
        position=lambda: (recorder.count, recorder.last), reproduce=reproductions.command,
        budget_left=lambda: budget.left(cleanup=False),
    )  # fmt: skip
    try:
        property_run.run()
    finally:
        report.unverified.update(check.unverified)


def _finish(report: Report, gateway: Gateway, settings: Settings, recorder: Recorder) -> None:
    tally = gateway.tally
    if settings.external:
        report.notes.append(
            f"requests sent upstream: {tally.sent} of a budget of {settings.budget}; 429s waited out: "
            f"{tally.throttled}; not sent, not ours: {sum(tally.not_ours.values())}"
        )
    report.notes += [f"LOST CREATE: {lost}" for lost in gateway.lost_creates]
    report.notes.append(f"exchanges recorded: {recorder.count} in {recorder.path}")
    report.write_junit(settings.reports / "junit.xml")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def emulator_credentials() -> tuple[str, int]:
    """The token and workspace a run against its own emulator uses: the default seed's admin."""
    return DEFAULT_SEED.users["admin"].api_token, DEFAULT_SEED.workspaces["premium"].id
