"""Reproducing a failure, with a command that works when pasted into a fresh shell.

Every exchange of a run is in its cassette, so a failure is named by its position there:

- a run against the emulator: `toggl-contract reproduce <cassette> <n> --port <p>` starts an
  emulator on that port (the default seed), replays the cassette up to exchange n, and shows the
  answer next to the recorded one (`--keep` leaves the emulator serving for curl);
- a run against another server: a read that touches nothing the run created is one curl; anything
  else is `toggl-contract reproduce <cassette> <n> --url <the run's server>`, which replays what the
  request depended on (the create of each resource it names, and every earlier write to it: the
  delete before a 404), printing each request, then the request itself, and deletes what it
  created: guarded and budgeted like a run. Both are printed with the environment they need
  (`TOGGL_API_TOKEN`, `TOGGL_WORKSPACE_ID`): pasted without it, the shell says what to set.
"""

from __future__ import annotations

import re
import shlex
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
from toggl_emulator.seed import DEFAULT_SEED
from toggl_emulator.server import EmulatorProcess, free_port

from .apimap import ApiMap, body_ids
from .cassette import Cassette, Replay, action_of, compare
from .cleanup import clean_up
from .exchange import Exchange
from .gateway import CLEANUP_COST, CREATE_COST, Budget, Gateway, basic_header
from .guard import Guard
from .ledger import Ledger
from .ownership import marker, new_run_id
from .relay import Relay
from .scrub import Scrubber

# The command as installed next to this interpreter: a pasted line works from any directory.
COMMAND = shlex.quote(str(Path(sys.executable).parent / "toggl-contract"))
TOKEN = '"${TOGGL_API_TOKEN:?set TOGGL_API_TOKEN to the API token of the run}"'
PROOF = re.compile(rb"toggl-contract run [0-9]{14}-[0-9a-f]{6} proof [0-9a-f]{20}")
PLACEHOLDER_AUTH = ("toggl-contract-reproduce", "api_token")


class Reproductions:
    """The reproduction command of a failure at a cassette position."""

    def __init__(
        self, base_url: str | None, cassette: Path, ledger: Ledger, spec: Path, workspace_id: int
    ) -> None:
        self.base_url = base_url  # None: the run's own emulator
        self.cassette = cassette
        self.ledger = ledger
        self.spec = spec
        self.workspace_id = workspace_id

    def command(self, position: int, exchange: Exchange | None = None) -> str:
        where = f"{shlex.quote(str(self.cassette.resolve()))} {position} --spec {shlex.quote(str(self.spec.resolve()))}"
        if self.base_url is None:
            return f"{COMMAND} reproduce {where} --port {free_port()}"
        if exchange is not None and exchange.method == "GET" and not self._touches_ours(exchange):
            return self._curl(exchange)
        return (
            f"TOGGL_API_TOKEN={TOKEN} TOGGL_WORKSPACE_ID={self.workspace_id} "
            f"{COMMAND} reproduce {where} --url {shlex.quote(self.base_url)}"
        )

    def _touches_ours(self, exchange: Exchange) -> bool:
        text = exchange.path + exchange.request_body.decode(errors="replace")
        return any(str(resource_id) in text for resource_id in self.ledger.created)

    def _curl(self, exchange: Exchange) -> str:
        url = (self.base_url or "").rstrip("/") + exchange.path
        if exchange.query:
            url += "?" + urlencode(exchange.query)
        parts = ["curl", "-sS", "-i"]
        if exchange.auth == "credentials":
            parts += ["-u", TOKEN[:-1] + ':api_token"']
        elif exchange.auth == "other":
            parts += ["-u", "wrong-token:api_token"]
        parts += ["-X", exchange.method, shlex.quote(url)]
        return " ".join(parts)


def _show(title: str, exchange: Exchange) -> None:
    print(f"{title}: {exchange.status} {exchange.body[:500].decode(errors='replace')}")


def _verdict(recorded: Exchange, now: Exchange, differences: list[str]) -> None:
    if differences:
        print(f"the server answers as recorded no more ({len(differences)} difference(s) above): "
              "the failure does not reproduce; the drift may be gone")  # fmt: skip
    else:
        print("the server still answers as recorded: the failure reproduces")


def reproduce_on_emulator(
    cassette_path: Path, position: int, port: int, keep: bool, api: ApiMap
) -> int:
    cassette = Cassette.load(cassette_path)
    if not 1 <= position <= len(cassette.exchanges):
        print(
            f"reproduce: {cassette_path} has {len(cassette.exchanges)} exchanges", file=sys.stderr
        )
        return 2
    admin = DEFAULT_SEED.users["admin"]
    workspace = DEFAULT_SEED.workspaces["premium"].id
    with (
        EmulatorProcess(port=port) as emulator,
        httpx.Client(base_url=emulator.base_url, auth=admin.basic_auth) as http,
    ):
        print(
            f"reproduce: the emulator (default seed) at {emulator.base_url}; replaying {position - 1} exchanges first"
        )
        replay = Replay(http, api, workspace, admin.api_token)
        for recorded in cassette.exchanges[: position - 1]:
            replay.send(recorded)
        target = cassette.exchanges[position - 1]
        again = replay.send(target)
        print(f"request {position}: {target.method} {replay.target(target)} "
              f"{target.request_body[:500].decode(errors='replace')}")  # fmt: skip
        _show("recorded", target)
        _show("now", again)
        external = cassette.header.get("recorded_from") == "external"
        differences = compare(target, again, replay.ids if external else None)
        for difference in differences:
            print(f"differs: {difference}")
        if keep:
            print(f"the emulator keeps serving at {emulator.base_url} "
                  f"(curl -u {admin.api_token}:api_token ...); Ctrl-C stops it")  # fmt: skip
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    return 0


def depends_on(api: ApiMap, cassette: Cassette, position: int) -> list[Exchange]:
    """What exchange `position` depended on: the create of each resource it names, and every
    earlier write to one, in order."""
    earlier = cassette.exchanges[: position - 1]
    created = {
        e.answer["id"]: e for e in earlier
        if action_of(api, e) == "create" and e.status == 200 and isinstance(e.answer, dict)
        and isinstance(e.answer.get("id"), int)
    }  # fmt: skip
    target = cassette.exchanges[position - 1]
    needed = _ids(target) & created.keys()
    return [
        e for e in earlier
        if (action_of(api, e) == "create" and e.status == 200 and isinstance(e.answer, dict)
            and e.answer.get("id") in needed)
        or (action_of(api, e) not in (None, "create", "list", "get", "get-many", "list-mine")
            and e.auth == "credentials" and _ids(e) & needed)
    ]  # fmt: skip


def _ids(exchange: Exchange) -> set[int]:
    return body_ids(exchange.path.encode()) | body_ids(exchange.request_body)


def reproduce_on_server(
    cassette_path: Path, position: int, url: str, token: str, workspace_id: int, api: ApiMap,
    timeout: float, interval: float = 1.0,
) -> int:  # fmt: skip
    """Replay what exchange `position` needs, send it, delete what was created: guarded, budgeted."""
    cassette = Cassette.load(cassette_path)
    if not 1 <= position <= len(cassette.exchanges):
        print(
            f"reproduce: {cassette_path} has {len(cassette.exchanges)} exchanges", file=sys.stderr
        )
        return 2
    target = cassette.exchanges[position - 1]
    steps = depends_on(api, cassette, position)
    run_id = new_run_id()
    mark = marker(token, run_id)
    ledger = Ledger()
    placeholder = basic_header(*PLACEHOLDER_AUTH)
    creates = sum(1 for step in [*steps, target] if action_of(api, step) == "create")
    budget = Budget(CREATE_COST * creates + 2 * len(steps) + 10)
    gateway = Gateway(
        url, api=api, authorization=basic_header(token), placeholder=placeholder,
        guard=Guard(workspace_id, ledger, mark), ledger=ledger, budget=budget, interval=interval,
        timeout=timeout, scrubber=Scrubber.for_token(token),
    )  # fmt: skip
    budget.reserve = lambda: (
        CLEANUP_COST * (len(ledger.owned) + gateway.unproven_creates) + gateway.snapshot_pages
    )
    relay = Relay(gateway)
    try:
        with (
            relay as base,
            httpx.Client(base_url=base, headers=relay.headers, timeout=None) as http,
        ):
            replay = Replay(
                http, api, workspace_id, PLACEHOLDER_AUTH[0], rewrite=lambda body: PROOF.sub(mark.encode(), body)
            )  # fmt: skip
            print(
                f"reproduce: {len(steps)} request(s) the failing one depended on, then it, against {url}"
            )
            for step in steps:
                answer = replay.send(step)
                print(
                    f"  {step.method} {replay.target(step)} -> {answer.status} (recorded {step.status})"
                )
            again = replay.send(target)
            print(f"request {position}: {target.method} {replay.target(target)} "
                  f"{target.request_body[:300].decode(errors='replace')}")  # fmt: skip
            _show("recorded", target)
            _show("now", again)
            differences = compare(target, again, against="the server now")
            for difference in differences:
                print(f"differs: {difference}")
            _verdict(target, again, differences)
    finally:
        gateway.interrupt()
        gateway.cleanup_deadline = time.monotonic() + 6 * timeout
        outcome = clean_up(gateway, placeholder, drain_seconds=timeout)
        print(f"reproduce: deleted what it created: {outcome.deleted or 'nothing'}"
              + (f"; NOT deleted: {outcome.failed}" if outcome.failed else ""))  # fmt: skip
        gateway.close()
    return 0
