"""`make contract-live`: verify the live Toggl API against `openapi.yaml`, safely and on a budget.

    TOGGL_API_TOKEN=... TOGGL_WORKSPACE_ID=... make contract-live
    make contract-cleanup     # delete leftovers of earlier runs (clients named toggl-contract-*)

Environment: `TOGGL_API_TOKEN` and `TOGGL_WORKSPACE_ID` (required; use a sandbox workspace),
`TOGGL_API_URL` (default: the live API), `TOGGL_CONTRACT_BUDGET` (requests, default 30: the Free
plan's hourly quota), `TOGGL_CONTRACT_INTERVAL` (seconds between requests, default 1).

The run creates two clients named `toggl-contract-<run>-…` and walks every operation on them only
(`live_session.LiveSession` refuses anything else). Each response is validated against the spec;
Toggl's semantics are checked where the budget allows. Whatever happens (a failed check, an error,
Ctrl-C, SIGTERM) it deletes what it created before it exits. Results: one line per step, and JUnit
XML at `reports/contract-live/junit.xml`.
"""

from __future__ import annotations

import os
import secrets
import signal
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import schemathesis
from schemathesis.config import SchemathesisConfig

from .live_session import LIVE_API_URL, LiveSession, StopRun

ROOT = Path.cwd()
REPORT = ROOT / "reports" / "contract-live" / "junit.xml"
NAME_PREFIX = "toggl-contract-"
CLIENTS = "/workspaces/{workspace_id}/clients"
CLIENT = CLIENTS + "/{client_id}"


class CheckFailed(AssertionError):
    pass


@dataclass
class Step:
    name: str
    outcome: str = "passed"  # passed | failed | skipped
    detail: str = ""


@dataclass
class LiveRun:
    session: LiveSession
    schema: Any
    run_id: str = field(
        default_factory=lambda: time.strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(3)
    )
    steps: list[Step] = field(default_factory=list)
    deleted: set[int] = field(default_factory=set)
    started: int = field(default_factory=lambda: int(time.time()) - 5)

    @property
    def prefix(self) -> str:
        return f"{NAME_PREFIX}{self.run_id}-"

    # --- one request, validated against the spec ---------------------------------------------

    def call(
        self,
        template: str,
        method: str,
        *,
        client_id: int | None = None,
        expect: int | tuple[int, ...] = 200,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one request; fail unless the answer matches the spec and has an `expect` status."""
        response = self.session.request(method, self._path(template, client_id), **kwargs)
        operation = self.schema[template][method]
        documented = operation.definition.raw["responses"]
        if str(response.status_code) not in documented:
            raise CheckFailed(
                f"{method} {template}: undocumented status {response.status_code}\n"
                f"  {self.session.curl(response)}"
            )
        try:
            operation.validate_response(response)
        except Exception as failure:  # schemathesis' FailureGroup: every violation in one
            raise CheckFailed(
                f"{method} {template}: the response does not match the spec: "
                f"{self.session.redact(str(failure))}\n  {self.session.curl(response)}"
            ) from None
        if response.status_code not in (expect if isinstance(expect, tuple) else (expect,)):
            raise CheckFailed(
                f"{method} {template}: expected {expect}, got {response.status_code} "
                f"{self.session.redact(response.text[:300])}\n  {self.session.curl(response)}"
            )
        return response

    def step(self, name: str, cost: int, action: Callable[[], None]) -> None:
        """Run one step when the budget allows it; record its outcome."""
        if self.session.left() < cost:
            reason = (
                f"needs {cost} requests, {self.session.left()} left: {self.session.limit_reason()}"
            )
            self.steps.append(Step(name, "skipped", reason))
            print(f"  - {name}: skipped ({reason})")
            return
        try:
            action()
        except CheckFailed as failure:
            self.steps.append(Step(name, "failed", str(failure)))
            print(f"  ✗ {name}\n    {failure}")
            return
        self.steps.append(Step(name))
        print(f"  ✓ {name}")

    # --- the walk -----------------------------------------------------------------------------

    def create(self, suffix: str) -> dict[str, Any]:
        response = self.call(
            CLIENTS, "POST", json={"name": f"  {self.prefix}{suffix} ", "notes": "contract"}
        )
        client: dict[str, Any] = response.json()
        self.session.adopt(client["id"])
        _expect(
            client["name"] == f"{self.prefix}{suffix}",
            f"create kept the name {client['name']!r} untrimmed",
        )
        return client

    def walk(self) -> None:
        state: dict[str, Any] = {}

        def create_two() -> None:
            state["a"] = self.create("a")
            state["b"] = self.create("b")

        def duplicate_refused() -> None:
            response = self.call(CLIENTS, "POST", json={"name": state["a"]["name"]}, expect=400)
            _expect(
                response.json() == "Name has already been taken", f"duplicate name: {response.text}"
            )

        def get() -> None:
            read = self.call(CLIENT, "GET", client_id=state["a"]["id"]).json()
            _expect(read["name"] == state["a"]["name"], "get does not return the created client")

        def partial_update() -> None:
            updated = self.call(
                CLIENT, "PUT", client_id=state["a"]["id"], json={"notes": "changed"}
            ).json()
            _expect(updated["notes"] == "changed", "update did not change notes")
            read = self.call(CLIENT, "GET", client_id=state["a"]["id"]).json()
            _expect(read.get("notes") == "changed", "the update is not visible on the next read")
            _expect(read["name"] == state["a"]["name"], "an update of notes changed the name")

        def list_by_name() -> None:
            items = self.call(
                CLIENTS, "GET", params={"status": "both", "name": self.prefix.upper()}
            ).json()
            ids = {c["id"] for c in items}
            _expect(
                ids == {state["a"]["id"], state["b"]["id"]}, f"name filter listed {sorted(ids)}"
            )
            _expect(
                all(c.get("total_count") == 2 for c in items), "total_count disagrees with the list"
            )

        def archive_and_restore() -> None:
            response = self.call(
                CLIENT + "/archive", "POST", client_id=state["a"]["id"], expect=(200, 402)
            )
            if response.status_code == 402:
                print(
                    "    (archive answered 402: not a premium workspace; archive semantics not checked)"
                )
                return
            archived = self.call(
                CLIENTS, "GET", params={"status": "archived", "name": self.prefix}
            ).json()
            _expect(
                [c["id"] for c in archived] == [state["a"]["id"]],
                "status=archived does not list it",
            )
            restored = self.call(
                CLIENT + "/restore", "POST", client_id=state["a"]["id"], json={}
            ).json()
            _expect(restored["archived"] is False, "restore did not clear archived")

        def by_ids() -> None:
            bare = self.call(
                CLIENTS + "/data", "POST", json=[state["a"]["id"], state["b"]["id"]]
            ).json()
            wrapped = self.call(
                CLIENTS + "/data", "POST", json={"client_ids": [state["b"]["id"]]}
            ).json()
            _expect(
                {c["id"] for c in bare} == {state["a"]["id"], state["b"]["id"]},
                "by-ids, bare array",
            )
            _expect([c["id"] for c in wrapped] == [state["b"]["id"]], "by-ids, client_ids object")

        def bulk_archive() -> None:
            self.call(CLIENTS + "/archive", "POST", json=[state["b"]["id"]], expect=(200, 402))

        def me_since() -> None:
            mine = self.call("/me/clients", "GET", params={"since": self.started}).json()
            _expect(
                {state["a"]["id"], state["b"]["id"]} <= {c["id"] for c in mine},
                "since misses the run's clients",
            )

        def no_credentials() -> None:
            self.call(CLIENTS, "GET", anonymous=True, expect=401)

        def delete_one() -> None:
            self.call(CLIENT, "DELETE", client_id=state["a"]["id"])
            self.deleted.add(state["a"]["id"])
            self.call(CLIENT, "GET", client_id=state["a"]["id"], expect=404)

        def bulk_delete() -> None:
            self.call(CLIENTS + "/delete", "POST", json=[state["b"]["id"]])
            self.deleted.add(state["b"]["id"])

        self.step("create two clients (createClient)", 2, create_two)
        if "b" not in state:
            return
        self.step("a taken name is refused (createClient)", 1, duplicate_refused)
        self.step("read the client (getClient)", 1, get)
        self.step("update is partial and visible (updateClient, getClient)", 2, partial_update)
        self.step("name filter and total_count (listClients)", 1, list_by_name)
        self.step(
            "archive and restore (archiveClient, listClients, restoreClient)",
            3,
            archive_and_restore,
        )
        self.step("by ids, both body forms (getClientsByIds)", 2, by_ids)
        self.step("bulk archive (archiveClients)", 1, bulk_archive)
        self.step("changed since (listMyClients)", 1, me_since)
        self.step("no credentials: 401 (listClients)", 1, no_credentials)
        self.step("delete, then 404 (deleteClient, getClient)", 2, delete_one)
        self.step("bulk delete (deleteClients)", 1, bulk_delete)

    def _path(self, template: str, client_id: int | None = None) -> str:
        return template.format(workspace_id=self.session.workspace_id, client_id=client_id)

    # --- cleanup ------------------------------------------------------------------------------

    def cleanup(self) -> None:
        """Delete every client this run created and has not deleted yet."""
        leftovers = sorted(self.session.owned - self.deleted)
        if not leftovers:
            return
        response = self.session.request(
            "POST", self._path(CLIENTS + "/delete"), json=leftovers, cleanup=True
        )
        if response.status_code == 200:
            self.deleted.update(leftovers)
            print(f"cleanup: deleted {len(leftovers)} client(s) of this run")
        else:
            print(
                f"cleanup: bulk delete answered {response.status_code}; run `make contract-cleanup`"
            )


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def write_junit(run: LiveRun, stopped: str | None) -> None:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    failures = sum(s.outcome == "failed" for s in run.steps)
    suite = ET.Element(
        "testsuite",
        name="contract-live",
        tests=str(len(run.steps)),
        failures=str(failures),
        skipped=str(sum(s.outcome == "skipped" for s in run.steps)),
    )
    for step in run.steps:
        case = ET.SubElement(suite, "testcase", classname="contract-live", name=step.name)
        if step.outcome == "failed":
            ET.SubElement(case, "failure", message=step.detail.splitlines()[0]).text = step.detail
        elif step.outcome == "skipped":
            ET.SubElement(case, "skipped", message=step.detail)
    if stopped:
        ET.SubElement(suite, "system-out").text = stopped
    ET.ElementTree(suite).write(REPORT, encoding="unicode", xml_declaration=True)


def settings() -> tuple[str, str, int, int, float]:
    missing = [
        name for name in ("TOGGL_API_TOKEN", "TOGGL_WORKSPACE_ID") if not os.environ.get(name)
    ]
    if missing:
        raise SystemExit(
            f"contract-live: set {' and '.join(missing)} (an API token and a sandbox workspace id)"
        )
    workspace = os.environ["TOGGL_WORKSPACE_ID"]
    if not workspace.isdigit():
        raise SystemExit("contract-live: TOGGL_WORKSPACE_ID must be a workspace id (digits)")
    return (
        os.environ.get("TOGGL_API_URL") or LIVE_API_URL,
        os.environ["TOGGL_API_TOKEN"],
        int(workspace),
        int(os.environ.get("TOGGL_CONTRACT_BUDGET") or 30),
        float(os.environ.get("TOGGL_CONTRACT_INTERVAL") or 1.0),
    )


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run_live() -> int:
    url, token, workspace_id, budget, interval = settings()
    session = LiveSession(url, token, workspace_id, budget=budget, interval=interval)
    # The spec alone, without schemathesis.toml: this run sends its own requests.
    schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml", config=SchemathesisConfig())
    run = LiveRun(session, schema)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    print(
        f"contract-live: {url}, workspace {workspace_id}, budget {budget} requests, run {run.run_id}"
    )
    stopped: str | None = None
    try:
        run.walk()
    except StopRun as stop:
        stopped = str(stop)
        print(f"contract-live: {stopped}")
    except KeyboardInterrupt:
        stopped = "interrupted"
        print("contract-live: interrupted; cleaning up")
    finally:
        try:
            run.cleanup()
        except StopRun as stop:
            print(f"contract-live: cleanup stopped: {stop}; run `make contract-cleanup` later")
        session.close()
        write_junit(run, stopped)
    failed = [s for s in run.steps if s.outcome == "failed"]
    print(
        f"contract-live: {sum(s.outcome == 'passed' for s in run.steps)} passed, {len(failed)} failed, "
        f"{sum(s.outcome == 'skipped' for s in run.steps)} skipped; {session.sent} requests; "
        f"report {REPORT.relative_to(ROOT)}"
    )
    return 1 if failed or stopped == "interrupted" else 0


def run_cleanup() -> int:
    """Refuse: clients cannot be proven ours by a name prefix alone (another run or user may own them)."""
    print(
        "contract-cleanup: refused: a name prefix does not prove that a client is this project's"
        " leftover (another user's or a running run's clients share it). Nothing was deleted.",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    raise SystemExit(run_cleanup() if sys.argv[1:] == ["cleanup"] else run_live())
