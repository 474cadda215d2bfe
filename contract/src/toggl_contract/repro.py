"""Reproducing a failure, with a command that works when pasted.

Every exchange of a run is in its cassette, so a failure is named by its position there:

- a run against the emulator: `toggl-contract reproduce <cassette> <n> --port <p>` starts an
  emulator on that port (the default seed), replays the cassette up to exchange n, and shows the
  answer next to the recorded one (`--keep` leaves the emulator serving for curl);
- a run against another server: a read that touches nothing the run created is one curl, with
  `$TOGGL_API_TOKEN` in place of the credentials; anything else is
  `toggl-contract reproduce <cassette> <n> --url <the run's server>` (credentials from
  `$TOGGL_API_TOKEN` and `$TOGGL_WORKSPACE_ID`), which creates what the request
  needs (guarded and budgeted like a run), sends it, and deletes what it created.
"""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
from toggl_emulator.seed import DEFAULT_SEED
from toggl_emulator.server import EmulatorProcess, free_port

from .cassette import WORKSPACE_TOKEN, Cassette, Replay, compare
from .cleanup import Outcome, delete_owned
from .exchange import Exchange
from .gateway import Budget, Gateway, basic_header
from .guard import Guard
from .ledger import Ledger

# The command as installed next to this interpreter: a pasted line works from any directory.
COMMAND = shlex.quote(str(Path(sys.executable).parent / "toggl-contract"))
READS = ("GET",)


class Reproductions:
    """The reproduction command of a failure at a cassette position."""

    def __init__(self, base_url: str | None, cassette: Path, ledger: Ledger) -> None:
        self.base_url = base_url  # None: the run's own emulator
        self.cassette = cassette
        self.ledger = ledger

    def command(self, position: int, exchange: Exchange | None = None) -> str:
        where = shlex.quote(str(self.cassette.resolve()))
        if self.base_url is None:
            return f"{COMMAND} reproduce {where} {position} --port {free_port()}"
        if exchange is not None and exchange.method in READS and not self._touches_ours(exchange):
            return self._curl(exchange)
        return f"{COMMAND} reproduce {where} {position} --url {shlex.quote(self.base_url)}"

    def _touches_ours(self, exchange: Exchange) -> bool:
        text = exchange.path + exchange.request_body.decode(errors="replace")
        return any(str(client_id) in text for client_id in self.ledger.created)

    def _curl(self, exchange: Exchange) -> str:
        url = (self.base_url or "").rstrip("/") + exchange.path
        if exchange.query:
            url += "?" + urlencode(exchange.query)
        parts = ["curl", "-sS", "-i"]
        if exchange.auth == "credentials":
            parts += ["-u", '"$TOGGL_API_TOKEN:api_token"']
        elif exchange.auth == "other":
            parts += ["-u", "wrong-token:api_token"]
        parts += ["-X", exchange.method, shlex.quote(url)]
        return " ".join(parts)


def _show(title: str, exchange: Exchange) -> None:
    print(f"{title}: {exchange.status} {exchange.body[:500].decode(errors='replace')}")


def reproduce_on_emulator(cassette_path: Path, position: int, port: int, keep: bool) -> int:
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
        replay = Replay(http, workspace, admin.api_token)
        for recorded in cassette.exchanges[: position - 1]:
            replay.send(recorded)
        target = cassette.exchanges[position - 1]
        again = replay.send(target)
        print(f"request {position}: {target.method} {target.path.replace(WORKSPACE_TOKEN, str(workspace))} "
              f"{target.request_body[:500].decode(errors='replace')}")  # fmt: skip
        _show("recorded", target)
        _show("now", again)
        for difference in compare(
            target,
            again,
            replay.ids if cassette.header.get("recorded_from") == "external" else None,
        ):
            print(f"differs: {difference}")
        if keep:
            print(
                f"the emulator keeps serving at {emulator.base_url} (curl -u {admin.api_token}:api_token ...); Ctrl-C stops it"
            )
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    return 0


def reproduce_on_server(
    cassette_path: Path, position: int, url: str, token: str, workspace_id: int
) -> int:
    """Create what exchange `position` needs, send it, delete what was created: guarded, budgeted."""
    cassette = Cassette.load(cassette_path)
    target = cassette.exchanges[position - 1]
    creates = {
        e.answer["id"]: e for e in cassette.exchanges[: position - 1]
        if e.method == "POST" and e.path.endswith("/clients") and e.status == 200 and isinstance(e.answer, dict)
    }  # fmt: skip
    text = target.path + target.request_body.decode(errors="replace")
    needed = [e for client_id, e in creates.items() if str(client_id) in text]
    ledger = Ledger()
    placeholder = basic_header("toggl-contract-reproduce")
    gateway = Gateway(
        url, authorization=basic_header(token),
        placeholder=placeholder, guard=Guard(workspace_id, ledger), ledger=ledger,
        # Each create with its delete and read-back, the request itself (a create, perhaps), and
        # the one read of the workspace the gateway takes before a first create.
        budget=Budget(3 * (len(needed) + 1) + 2, reserve=lambda: 2 * len(ledger.owned)), interval=1.0,
    )  # fmt: skip
    base = gateway.start()
    try:
        with httpx.Client(
            base_url=base, headers={"Authorization": placeholder}, timeout=120
        ) as http:
            # Credentials as the placeholder's user: the gateway swaps in the real ones.
            replay = Replay(http, workspace_id, "toggl-contract-reproduce")
            for create in needed:
                replay.send(create)
            again = replay.send(target)
        _show("recorded", target)
        _show("now", again)
        for difference in compare(target, again, against="the server now"):
            print(f"differs: {difference}")
    finally:
        outcome = Outcome()
        delete_owned(gateway, placeholder, workspace_id, outcome)
        print(
            f"reproduce: deleted what it created: {outcome.deleted or 'nothing'}"
            + (f"; NOT deleted: {outcome.failed}" if outcome.failed else "")
        )
        gateway.close()
    return 0
