"""Cassettes: a run's exchanges, redacted, and their replay against a fresh emulator.

A cassette is a JSON-lines file: a header line, then one exchange per line, in the order sent.
What it never holds: credentials (requests say only whether they carried the run's credentials,
none, or others), the workspace id (`{workspace_id}` in paths, `-1` as a `wid` or `workspace_id`
value), the people behind clients (`creator_id` values become 101, 102, ...), and other people's
clients and projects (their name, client name, notes, external reference and integration fields
read `[redacted]`). Response headers are
kept only where the spec or the checks name them.

`replay` sends a cassette's requests to a fresh in-process emulator, mapping the ids the recorded
server gave to the ids the emulator gives, and `compare` lists every difference in status, the
headers the spec names, the body's shape and the message text, with ids and timestamps
normalised: `make emulator-check CASSETTE=...` prints them.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from toggl_emulator import Emulator, EmulatorOptions
from toggl_emulator.seed import DEFAULT_SEED
from toggl_emulator.transport import BASE_URL, EmulatorTransport

from .apimap import ApiMap, Unclear
from .exchange import NO_JSON, Exchange
from .scrub import Scrubber

FORMAT = 1
WORKSPACE_TOKEN = "{workspace_id}"
WID_TOKEN = -1
REDACTED = "[redacted]"
KEPT_HEADERS = (
    "content-type", "x-toggl-quota-remaining", "x-toggl-quota-resets-in",
    "x-authorization-missing", "retry-after", "allow", "location",
)  # fmt: skip
# Headers the spec names: their presence (and for the auth marker, value) is compared.
COMPARED_HEADERS = ("x-authorization-missing", "x-toggl-quota-remaining", "x-toggl-quota-resets-in")
_PERSONAL = (
    "name",
    "client_name",
    "notes",
    "external_reference",
    "integration_ext_id",
    "integration_ext_type",
    "integration_provider",
)


def _rewrite_json(raw: bytes, rewrite: Callable[[Any], Any]) -> bytes:
    """A JSON body with its value rewritten; anything else (empty, not JSON) as it was."""
    try:
        value = json.loads(raw) if raw.strip() else NO_JSON
    except ValueError:
        return raw
    if value is NO_JSON:
        return raw
    return json.dumps(rewrite(value)).encode("utf-8")


@dataclass
class Redactor:
    """Turns exchanges as sent into exchanges fit to keep."""

    workspace_id: int
    ours: Callable[[int], bool]  # whether a client id was created by the run
    _people: dict[int, int] = field(default_factory=dict)

    def __call__(self, exchange: Exchange) -> Exchange:
        return Exchange(
            method=exchange.method,
            path=exchange.path.replace(
                f"/workspaces/{self.workspace_id}/", f"/workspaces/{WORKSPACE_TOKEN}/"
            ),
            query=exchange.query,
            request_body=self._body(exchange.request_body),
            status=exchange.status,
            headers={k: v for k, v in exchange.headers.items() if k in KEPT_HEADERS},
            body=self._body(exchange.body),
            auth=exchange.auth,
        )

    def _body(self, raw: bytes) -> bytes:
        return _rewrite_json(raw, self._value)

    def _value(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._value(item) for item in value]
        if not isinstance(value, dict):
            return value
        out = {k: self._value(v) for k, v in value.items()}
        for key in ("wid", "workspace_id"):
            if out.get(key) == self.workspace_id:
                out[key] = WID_TOKEN
        if isinstance(out.get("creator_id"), int):
            out["creator_id"] = self._people.setdefault(out["creator_id"], 101 + len(self._people))
        if (
            isinstance(value.get("id"), int) and "wid" in value and not self.ours(value["id"])
        ):  # another's
            for key in _PERSONAL:
                if isinstance(out.get(key), str):
                    out[key] = REDACTED
        return out


class Recorder:
    """Appends redacted exchanges to a cassette file as they happen (an interrupted run keeps them)."""

    def __init__(
        self,
        path: Path,
        redactor: Redactor,
        header: dict[str, Any],
        scrubber: Scrubber | None = None,
    ) -> None:
        self.path = path
        self.redactor = redactor
        self.scrubber = scrubber or Scrubber([])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"cassette": FORMAT, **header}) + "\n", encoding="utf-8")
        self.count = 0
        self.last: Exchange | None = None  # as sent, unredacted: for a reproduction command
        self._lock = threading.Lock()

    def __call__(self, exchange: Exchange) -> None:
        line = self.scrubber.text(json.dumps(self.redactor(exchange).to_json()))
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            self.last = exchange
            self.count += 1


@dataclass
class Cassette:
    header: dict[str, Any]
    exchanges: list[Exchange]

    @classmethod
    def load(cls, path: Path) -> Cassette:
        lines = path.read_text(encoding="utf-8").split("\n")
        header = json.loads(lines[0])
        if header.get("cassette") != FORMAT:
            raise ValueError(f"{path}: not a cassette of format {FORMAT}")
        return cls(
            header, [Exchange.from_json(json.loads(line)) for line in lines[1:] if line.strip()]
        )


# --- replay -----------------------------------------------------------------------------------


@dataclass
class Replay:
    """Sends recorded requests to a server, mapping the ids the recorded server gave to the ones
    this one gives; `rewrite` changes a request body on the way (a run's proof, say)."""

    http: httpx.Client
    api: ApiMap
    workspace_id: int
    token: str
    rewrite: Callable[[bytes], bytes] = lambda body: body
    ids: dict[int, int] = field(default_factory=dict)

    def target(self, recorded: Exchange) -> str:
        """The path a recorded request goes to on this server."""
        return self._map_text(recorded.path.replace(WORKSPACE_TOKEN, str(self.workspace_id)))

    def send(self, recorded: Exchange) -> Exchange:
        path = self.target(recorded)
        body = self.rewrite(self._map_body(recorded.request_body))
        headers = {"Content-Type": "application/json"} if body else {}
        auth = {"none": None, "other": ("not-a-valid-token", "api_token")}.get(
            recorded.auth, (self.token, "api_token")
        )
        response = self.http.request(
            recorded.method, path, params=recorded.query, content=body, headers=headers, auth=auth
        )
        replayed = Exchange.of(response, "/api/v9")
        self._learn(recorded, replayed)
        return replayed

    def _learn(self, recorded: Exchange, replayed: Exchange) -> None:
        """A create that answered on both sides maps the recorded id to the replayed one."""
        old, new = recorded.answer, replayed.answer
        created = action_of(self.api, recorded) == "create"
        answered = recorded.status == replayed.status == 200
        if (
            created
            and answered
            and isinstance(old, dict)
            and isinstance(new, dict)
            and isinstance(old.get("id"), int)
        ):
            self.ids[old["id"]] = new["id"]

    def _map_text(self, text: str) -> str:
        return re.sub(
            r"\d+",
            lambda m: (
                str(self.ids.get(int(m.group()), m.group())) if len(m.group()) < 20 else m.group()
            ),
            text,
        )

    def _map_body(self, raw: bytes) -> bytes:
        return _rewrite_json(raw, self._map_value)

    def _map_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._map_value(v) for v in value]
        if isinstance(value, dict):
            return {
                k: (
                    self.workspace_id
                    if k in ("wid", "workspace_id") and v == WID_TOKEN
                    else self._map_value(v)
                )
                for k, v in value.items()
            }
        if isinstance(value, int) and not isinstance(value, bool):
            return self.ids.get(value, value)
        return value


def action_of(api: ApiMap, recorded: Exchange) -> str | None:
    """The action of a recorded exchange's operation (the map's), or None."""
    try:
        match = api.match(recorded.method, recorded.path.replace(WORKSPACE_TOKEN, "1"))
    except Unclear:
        return None
    return match.operation.action if match else None


def replay_on_emulator(
    cassette: Cassette, api: ApiMap, upto: int | None = None
) -> Iterator[tuple[Exchange, Exchange, Replay]]:
    """(recorded, replayed, replay) from a fresh in-process emulator, as the header describes it."""
    quota = cassette.header.get("hourly_quota")
    emulator = Emulator(EmulatorOptions(hourly_quota=quota))
    admin = DEFAULT_SEED.users["admin"]
    with httpx.Client(
        base_url=BASE_URL, auth=admin.basic_auth, transport=EmulatorTransport(emulator)
    ) as http:
        replay = Replay(http, api, DEFAULT_SEED.workspaces["premium"].id, admin.api_token)
        for recorded in cassette.exchanges[:upto]:
            yield recorded, replay.send(recorded), replay


# --- comparison -------------------------------------------------------------------------------

_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")
_NUMBER = re.compile(r"\d+")


def normalise_text(text: str) -> str:
    return _NUMBER.sub("<n>", _TIMESTAMP.sub("<time>", text))


def shape(value: Any) -> Any:
    """The JSON type structure of a value: keys and types, not values."""
    if value is NO_JSON:
        return "empty-or-not-json"
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        distinct = {json.dumps(shape(item), sort_keys=True) for item in value}
        return [json.loads(item) for item in sorted(distinct)]
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return "string"


def compare(
    recorded: Exchange,
    replayed: Exchange,
    ours: dict[int, int] | None = None,
    against: str = "emulator",
) -> list[str]:
    """Every difference that matters between what was recorded and what the emulator answers.

    `ours`, for a recording from another server: the recorded ids of the run's own clients (to the
    emulator's); in lists, only those are compared, since other people's clients are not there.
    """
    where = recorded.describe()
    differences = []
    if recorded.status != replayed.status:
        differences.append(
            f"{where}: status {recorded.status} recorded, {against} {replayed.status}"
        )
        return differences  # bodies of different statuses are not comparable
    for header in COMPARED_HEADERS:
        a, b = recorded.headers.get(header), replayed.headers.get(header)
        if (a is None) != (b is None) or (header == "x-authorization-missing" and a != b):
            differences.append(f"{where}: header {header} recorded {a!r}, {against} {b!r}")
    a_type = recorded.headers.get("content-type", "").split(";")[0]
    b_type = replayed.headers.get("content-type", "").split(";")[0]
    if a_type != b_type:
        differences.append(f"{where}: content-type recorded {a_type!r}, {against} {b_type!r}")
    old, new = recorded.answer, replayed.answer
    if ours is not None and isinstance(old, list) and isinstance(new, list):
        old = [item for item in old if isinstance(item, dict) and item.get("id") in ours] or old
        mapped = set(ours.values())
        new = [item for item in new if isinstance(item, dict) and item.get("id") in mapped] or new
    if isinstance(old, str) or isinstance(new, str):
        if not (
            isinstance(old, str)
            and isinstance(new, str)
            and normalise_text(old) == normalise_text(new)
        ):
            differences.append(f"{where}: message recorded {_short(old)}, {against} {_short(new)}")
    elif _lists_agree(old, new):
        pass
    elif shape(old) != shape(new):
        differences.append(
            f"{where}: body shape recorded {_short(shape(old))}, {against} {_short(shape(new))}"
        )
    return differences


def _lists_agree(old: Any, new: Any) -> bool:
    if isinstance(old, list) and isinstance(new, list):
        return not old or not new or shape(old) == shape(new)
    return False


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return repr(text if len(text) <= 160 else text[:157] + "...")


def foreign(api: ApiMap, recorded: Exchange, ours: dict[int, int]) -> bool:
    """Whether an exchange of another server's recording addresses a resource that is not the
    run's (its data is not in the cassette, so the emulator cannot answer the same)."""
    try:
        match = api.match(recorded.method, recorded.path.replace(WORKSPACE_TOKEN, "1"))
    except Unclear:
        return False
    target = match.target if match else None
    return isinstance(target, int) and target not in ours


@dataclass
class CassetteCheck:
    compared: int = 0
    skipped: int = 0  # exchanges about other people's clients, which the emulator does not hold
    differences: list[str] = field(default_factory=list)


def check_cassette(path: Path, api: ApiMap) -> CassetteCheck:
    """The differences between a cassette and a fresh emulator (`make emulator-check`)."""
    cassette = Cassette.load(path)
    external = cassette.header.get("recorded_from") == "external"
    check = CassetteCheck()
    for recorded, replayed, replay in replay_on_emulator(cassette, api):
        if external and foreign(api, recorded, replay.ids):
            check.skipped += 1
            continue
        check.compared += 1
        check.differences += compare(recorded, replayed, replay.ids if external else None)
    return check
