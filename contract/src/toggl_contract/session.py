"""One contract run, start to end: the server, the gateway, the walk, the property-based phases,
the cleanup, the report.

Against the emulator it starts itself (`make contract`), the run is unguarded and unbudgeted: every
phase of schemathesis at full strength. Against any other server (`toggl-contract run` with
`TOGGL_API_URL`, `toggl-contract live`) the gateway guards, budgets and paces it, and the run cleans
up by id whatever happens: on success, on a failed check, on a fault of the kit, on Ctrl-C or
SIGTERM (a second signal during cleanup is noted, not obeyed), and when the longest allowed
duration passes, even in the middle of a request. Cleanup itself is bounded: it waits for a
request in flight at most one timeout, and takes at most `CLEANUP_TIMEOUTS` timeouts in all.

Whatever the server sends back, the credentials reach no output: the gateway scrubs every answer,
and stdout, stderr and every report file go through the same scrubber.
"""

from __future__ import annotations

import contextlib
import hashlib
import signal
import sys
import time
import tomllib
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import schemathesis
import yaml
from schemathesis.config import SchemathesisConfig
from toggl_emulator.seed import DEFAULT_SEED
from toggl_emulator.server import EmulatorProcess

from .apimap import ApiMap
from .cassette import Recorder, Redactor
from .checks import NoBodyWhereNoneDeclared, SemanticsCheck, install_hooks
from .cleanup import Outcome, clean_up
from .gateway import CLEANUP_COST, Budget, Gateway, KitFault, basic_header
from .guard import Guard
from .ledger import Ledger
from .ownership import marker, new_run_id, proof
from .reader import RunClient
from .relay import Relay
from .report import ExitCode, Failure, Report
from .repro import Reproductions
from .rules import Semantics
from .runner import Generation, PropertyRun, StopRun
from .scrub import ScrubbedStream, Scrubber
from .settings import RunSettings
from .walk import Walk

PLACEHOLDER_AUTH = ("toggl-contract-run", "api_token")
PLACEHOLDER = basic_header(*PLACEHOLDER_AUTH)
"""What schemathesis and every report see instead of the real credentials; the gateway swaps it."""
CLEANUP_TIMEOUTS = 5
"""Cleanup takes at most this many request timeouts (plus the pacing of its requests), after at
most one more for a request still in flight."""
TRACEBACK = "traceback.txt"


class RunDeadline(BaseException):
    """The run reached its longest allowed duration (raised in the main thread, whatever it does)."""


def load_schema(settings: RunSettings, base_url: str, headers: dict[str, str]) -> Any:
    data = (
        tomllib.loads(settings.config.read_text(encoding="utf-8"))
        if settings.config is not None and settings.config.is_file()
        else {}
    )
    data["base-url"] = base_url
    data["auth"] = basic_auth(settings.spec, *PLACEHOLDER_AUTH)
    data["parameters"] = {"path.workspace_id": settings.workspace_id}
    data["headers"] = {**data.get("headers", {}), **headers}  # the run's credential, for probes too
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


def _raise_deadline(signum: int, frame: FrameType | None) -> None:
    raise RunDeadline()


@contextlib.contextmanager
def signals_interrupt(seconds: float) -> Iterator[None]:
    """SIGTERM interrupts like Ctrl-C does, and the longest allowed duration interrupts too, so
    that cleanup runs either way, even in the middle of a request."""
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    previous_alarm = signal.signal(signal.SIGALRM, _raise_deadline)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_alarm)
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def signals_noted(what: str) -> Iterator[None]:
    """During cleanup a signal is reported and ignored: leaving now would leave data behind."""

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
def scrubbed_output(scrubber: Scrubber) -> Iterator[None]:
    """stdout and stderr through the scrubber, for the whole run."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = ScrubbedStream(out, scrubber), ScrubbedStream(err, scrubber)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


@contextlib.contextmanager
def server_for(settings: RunSettings) -> Iterator[str]:
    if settings.external:
        yield settings.base_url
        return
    # With an hourly quota no run reaches, so that the emulator sends Toggl's quota headers.
    with EmulatorProcess(["--hourly-quota", "1000000"]) as emulator:
        yield emulator.base_url


def run(settings: RunSettings) -> ExitCode:
    """The run, its report and its exit code; a fault of the kit is exit 5, never 1."""
    scrubber = Scrubber.for_token(settings.token)
    settings.reports.mkdir(parents=True, exist_ok=True)
    (settings.reports / TRACEBACK).unlink(missing_ok=True)
    with scrubbed_output(scrubber):
        try:
            return _run(settings, scrubber)
        except Exception:  # noqa: BLE001 - the kit's own fault: its own exit code and a traceback
            return _faulted(settings, scrubber.text(traceback.format_exc()))


def _faulted(settings: RunSettings, trace: str) -> ExitCode:
    path = settings.reports / TRACEBACK
    path.write_text(trace, encoding="utf-8")
    print(f"contract: the kit itself failed ({trace.strip().splitlines()[-1]}); traceback in {path}",
          file=sys.stderr, flush=True)  # fmt: skip
    print(f"result: fault (exit {int(ExitCode.FAULT)})", flush=True)
    return ExitCode.FAULT


def _run(settings: RunSettings, scrubber: Scrubber) -> ExitCode:
    run_id = new_run_id()
    started = int(time.time()) - 5
    api = ApiMap.load(settings.spec)
    where = "against " + settings.base_url if settings.external else "against the emulator"
    report = Report(
        f"contract run {where}", [op.label for op in api.operations], resources=api.resources()
    )
    ledger = Ledger(settings.ledgers / f"{run_id}.jsonl" if settings.external else None, scrubber)
    ledger.start(run_id=run_id, workspace_id=settings.workspace_id, base_url=settings.base_url,
                 proof=proof(settings.token, run_id),  # whose run: only this token's cleanup acts on it
                 started=started, deadline=started + settings.max_seconds)  # fmt: skip
    cassette = settings.reports / "cassette.jsonl"
    reproductions = Reproductions(
        settings.base_url if settings.external else None, cassette, ledger, settings.spec,
        settings.workspace_id,
    )  # fmt: skip
    print(f"contract: run {where}, workspace {settings.workspace_id}, run {run_id}, seed {settings.seed}"
          + (f", budget {settings.budget} requests" if settings.budget else ""), flush=True)  # fmt: skip
    mark = marker(settings.token, run_id)
    with server_for(settings) as upstream:
        recorder = Recorder(
            cassette,
            Redactor(settings.workspace_id, (lambda i: i in ledger.created) if settings.external else (lambda i: True)),
            {"run_id": run_id, "recorded_from": "external" if settings.external else "emulator",
             "spec_sha256": hashlib.sha256(settings.spec.read_bytes()).hexdigest()},
            scrubber,
        )  # fmt: skip
        budget = Budget(settings.budget)
        gateway = Gateway(
            upstream, api=api, authorization=basic_header(settings.token), placeholder=PLACEHOLDER,
            guard=Guard(settings.workspace_id, ledger, mark) if settings.external else None,
            ledger=ledger, budget=budget, interval=settings.interval, limits=settings.limits,
            token=settings.token, recorder=recorder,
            deadline=time.monotonic() + settings.max_seconds, timeout=settings.timeout,
            scrubber=scrubber,
        )  # fmt: skip
        budget.reserve = lambda: (
            CLEANUP_COST * (len(ledger.owned) + gateway.unproven_creates)
            + (gateway.snapshot_pages if gateway.creates_sent else 0)
        )
        relay = Relay(gateway)
        with relay as url:
            http = httpx.Client(
                base_url=url, auth=PLACEHOLDER_AUTH, headers=relay.headers, timeout=None
            )
            try:
                # The same end as the gateway's: whatever the run is doing then, it stops.
                with signals_interrupt(max(0.001, (gateway.deadline or 0) - time.monotonic())):
                    _test(settings, report, api, url, relay.headers, http, run_id, started, recorder,
                          reproductions, budget, mark, ledger)  # fmt: skip
            except StopRun as stop:
                report.stopped = str(stop)
            except RunDeadline:
                report.stopped = (
                    f"the run reached its longest allowed duration ({settings.max_seconds} s)"
                )
            except KeyboardInterrupt:
                report.interrupted = True
                print("contract: interrupted; cleaning up", file=sys.stderr, flush=True)
            except KitFault:
                pass  # the gateway noted its traceback
            except Exception:  # noqa: BLE001 - the kit's own fault: cleanup first, then exit 5
                report.faults.append(scrubber.text(traceback.format_exc()))
            finally:
                gateway.interrupt()
                with signals_noted("cleanup"):
                    _clean_up(settings, report, gateway, ledger, reproductions)
                    report.faults += gateway.faults
                    _finish(report, gateway, settings, recorder, scrubber)
                    http.close()
                    gateway.close()
    print(report.summary(), flush=True)
    return report.exit_code()


def _clean_up(settings: RunSettings, report: Report, gateway: Gateway, ledger: Ledger,
              reproductions: Reproductions) -> None:  # fmt: skip
    if settings.external:
        requests = (
            CLEANUP_COST * (len(ledger.owned) + gateway.unproven_creates) + gateway.snapshot_pages
        )
        gateway.cleanup_deadline = (
            time.monotonic()
            + settings.timeout * (CLEANUP_TIMEOUTS + 1)
            + settings.interval * requests
        )
        try:
            outcome = clean_up(gateway, PLACEHOLDER, drain_seconds=settings.timeout)
        except Exception:  # noqa: BLE001 - what could not be deleted is still listed below
            report.faults.append(traceback.format_exc())
            outcome = Outcome()
        if outcome.deleted:
            print(
                f"contract: cleanup deleted {len(outcome.deleted)} of this run's resources by id",
                flush=True,
            )
        report.leftovers = sorted(ledger.owned)
        report.left_alone = sorted(ledger.disowned)
        about_leftovers = [f for f in outcome.failed if any(str(i) in f for i in report.leftovers)]
        report.notes += [f"cleanup: {line}" for line in outcome.left + about_leftovers]
        report.unconfirmed += [f for f in outcome.failed if f not in about_leftovers]
    report.failures += [
        Failure("ownership", evidence, reproductions.command(position, at) if at else "")
        for evidence, (position, at) in zip(gateway.evidence, gateway.evidence_at, strict=True)
    ]
    ledger.end()


def _test(settings: RunSettings, report: Report, api: ApiMap, url: str, headers: dict[str, str],
          http: httpx.Client, run_id: str, started: int, recorder: Recorder,
          reproductions: Reproductions, budget: Budget, mark: str, ledger: Ledger) -> None:  # fmt: skip
    schema = load_schema(settings, url, headers)
    client = RunClient(http, settings.workspace_id, mark)
    semantics = Semantics(api, settings.workspace_id, client, report.coverage)
    walk = Walk(
        client, api, schema, semantics, report, prefix=f"toggl-contract-{run_id}-", started=started,
        other_workspace=settings.other_workspace or settings.workspace_id + 1,
        reproduce=lambda exchange: reproductions.command(recorder.count, exchange),
        budget_left=lambda: budget.left(cleanup=False),
    )  # fmt: skip
    complete = walk.complete_cost()
    report.walk_cost = complete
    if "walk" in settings.phases:
        print(
            f"contract: the deterministic walk (every rule; up to {complete} requests)", flush=True
        )
        walk.run()
    generated = [
        phase
        for phase in ("examples", "coverage", "fuzzing", "stateful")
        if phase in settings.phases
    ]
    if generated:
        print(f"contract: schemathesis ({', '.join(generated)})", flush=True)
    check = SemanticsCheck(semantics, PLACEHOLDER)
    spec = yaml.safe_load(settings.spec.read_text(encoding="utf-8"))
    generation = Generation(settings.max_examples, settings.seed, settings.stateful_examples,
                            settings.stateful_steps, settings.phases)  # fmt: skip
    property_run = PropertyRun(
        schema, report, check, NoBodyWhereNoneDeclared(spec), generation,
        position=lambda: (recorder.count, recorder.last), reproduce=reproductions.command,
        api=api, budget_left=lambda: budget.left(cleanup=False), headers=headers,
        proof=(mark, settings.workspace_id) if settings.external else None,
        owned=lambda resource: sorted(
            i for i in ledger.owned if ledger.created[i].get("resource") == resource
        ),
    )  # fmt: skip
    try:
        property_run.run()
    finally:
        report.unverified.update(check.unverified)
        if not semantics.quota:
            report.coverage.not_reached["quota-counts-down"] = (
                "the server sent no X-Toggl-Quota-Remaining"
            )


def _finish(report: Report, gateway: Gateway, settings: RunSettings, recorder: Recorder,
            scrubber: Scrubber) -> None:  # fmt: skip
    tally = gateway.tally
    if settings.external:
        report.notes.append(
            f"requests sent upstream: {tally.sent} of a budget of {settings.budget}; 429s waited out: "
            f"{tally.throttled}; not sent, not ours: {sum(tally.not_ours.values())}"
        )
        # The walk, the snapshot before its first create, and cleanup's look for what it created.
        needed = report.walk_cost + 2 * max(1, gateway.snapshot_pages)
        report.budget = (f"{tally.sent} of {settings.budget} requests spent; every rule is reached "
                         f"with a budget of {needed}, generated cases take the rest")  # fmt: skip
    report.notes.append(f"exchanges recorded: {recorder.count} in {recorder.path}")
    if report.faults:
        path = settings.reports / TRACEBACK
        path.write_text(scrubber.text("\n\n".join(report.faults)), encoding="utf-8")
        report.notes.append(f"the kit itself failed: traceback in {path}")
    report.write_junit(settings.reports / "junit.xml", scrubber)


def emulator_credentials() -> tuple[str, int]:
    """The token and workspace a run against its own emulator uses: the default seed's admin."""
    return DEFAULT_SEED.users["admin"].api_token, DEFAULT_SEED.workspaces["premium"].id
