"""The semantics of the Clients resource: what a server must do beyond matching the schema.

Written once, used everywhere: the schemathesis check of every contract run (emulator or live),
the deterministic walk of a live run, and the replay of a cassette. `Semantics.check(exchange)`
judges one exchange against what the run knows of each client so far, reads the server again
where a rule needs it (through a `Reader`, i.e. the gateway), and raises `RuleViolation` when the
server broke a rule or `Unverified` when it could not be checked (no budget left, not ours).

The rules:

- a create stores every field it sends (the name trimmed) and reads back so; the same name again,
  in another case, is refused with "Name has already been taken";
- an update stores every field it sends, keeps every field it does not send, and moves `at`;
- a refused write changes nothing;
- archive and restore flip `archived`; delete (single and bulk) makes the client answer 404;
- a bulk request acts on every id it names, and on nothing else;
- a list's `status` and `name` filters select exactly what the server's own unfiltered list
  says they should, `total_count` counts every match (on all pages);
- `/me/clients?since=` answers only what changed since, and everything that did;
- a read shows what the last write left.

The whitespace set is written out here, not imported: the rules judge any server, the emulator
included, and the emulator and the spec are described independently of them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from .exchange import NO_JSON, Exchange

# Go's unicode.IsSpace, which strings.TrimSpace uses ([infer] Toggl trims names with it).
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
NAME_TAKEN = "Name has already been taken"
CLIENT_FIELDS = ("name", "notes", "external_reference")


class RuleViolation(AssertionError):
    """The server broke a rule of the Clients resource."""


class Unverified(Exception):
    """A rule could not be checked: a follow-up read was not sent (budget, quota, not ours)."""


class Reader(Protocol):
    """How the rules read the server again (through the gateway, with the run's credentials)."""

    def get_client(self, client_id: int) -> Exchange: ...

    def list_all(self, status: str, name: str | None = None) -> list[Exchange]: ...

    def create(self, name: str) -> Exchange: ...

    def me(self, since: int | None = None) -> Exchange: ...


@dataclass
class Known:
    """What the run knows of one client from the answers it saw."""

    id: int
    fields: dict[str, str]
    archived: bool
    at: str = ""
    seen: float = field(default_factory=time.monotonic)
    deleted: bool = False


def trimmed(name: str) -> str:
    return name.strip(WHITESPACE)


def _route(path: str) -> tuple[str, list[str]]:
    parts = path.strip("/").split("/")
    if parts[:2] == ["me", "clients"]:
        return "me", []
    if len(parts) >= 3 and parts[0] == "workspaces" and parts[2] == "clients":
        return "clients", parts[3:]
    return "other", parts


def _client_fields(item: dict[str, Any]) -> dict[str, str]:
    return {key: item.get(key, "") or "" for key in CLIENT_FIELDS}


def _epoch(text: str) -> float:
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise RuleViolation(f"{text!r} is not a timestamp") from None


class Semantics:
    def __init__(self, workspace_id: int, reader: Reader | None) -> None:
        self.workspace_id = workspace_id
        self.reader = reader
        self.known: dict[int, Known] = {}

    # --- entry point ----------------------------------------------------------------------------

    def check(self, exchange: Exchange, *, follow_up: bool = True) -> None:
        """Judge one exchange; with `follow_up`, read the server again where a rule needs it."""
        kind, rest = _route(exchange.path)
        if kind == "other":
            return
        if kind == "me":
            self._me(exchange, follow_up)
            return
        if str(self.workspace_id) != exchange.path.strip("/").split("/")[1]:
            return  # another workspace: nothing the run knows of
        method = exchange.method
        if method == "GET" and not rest:
            self._list(exchange, follow_up)
        elif method == "POST" and not rest:
            self._create(exchange, follow_up)
        elif method == "POST" and rest == ["data"]:
            self._by_ids(exchange)
        elif method == "POST" and rest in (["archive"], ["delete"]):
            self._bulk(exchange, rest[0], follow_up)
        elif len(rest) >= 1 and rest[0].isascii() and rest[0].isdigit():
            client_id = int(rest[0])
            action = rest[1] if len(rest) > 1 else method
            self._one(exchange, client_id, action, follow_up)

    def learn(self, item: dict[str, Any]) -> None:
        """A client as a read showed it (not judged): known from now on."""
        if isinstance(item.get("id"), int) and isinstance(item.get("name"), str):
            known = self.known.get(item["id"])
            if known is None or not known.deleted:
                self.known[item["id"]] = Known(
                    item["id"],
                    _client_fields(item),
                    bool(item.get("archived")),
                    str(item.get("at", "")),
                )

    # --- the rules ------------------------------------------------------------------------------

    def _create(self, exchange: Exchange, follow_up: bool) -> None:
        sent = exchange.sent if isinstance(exchange.sent, dict) else {}
        answer = exchange.answer
        if exchange.status == 400 and answer == NAME_TAKEN and isinstance(sent.get("name"), str):
            if follow_up and self.reader is not None:
                wanted = trimmed(sent["name"]).casefold()
                holders = [
                    item for item in self._list_all("both", trimmed(sent["name"]))
                    if isinstance(item.get("name"), str) and item["name"].casefold() == wanted
                ]  # fmt: skip
                _expect(
                    holders,
                    f"a create named {sent['name']!r} was refused as taken, but no client has that name",
                )
            return
        if (
            exchange.status != 200
            or not isinstance(answer, dict)
            or not isinstance(answer.get("id"), int)
        ):
            return
        expected = self._stored(sent, {"name": "", "notes": "", "external_reference": ""})
        got = _client_fields(answer)
        for key, value in expected.items():
            if key in sent and isinstance(sent[key], str):
                _expect(
                    got[key] == value,
                    f"create sent {key}={sent[key]!r}, answered {got[key]!r} (expected {value!r})",
                )
        _expect(
            answer.get("archived") is False,
            f"a new client answered archived={answer.get('archived')!r}",
        )
        self.known[answer["id"]] = Known(answer["id"], got, False, str(answer.get("at", "")))
        if follow_up and self.reader is not None:
            self._read_back(answer["id"], "create")
            again = self.reader.create(got["name"].swapcase())
            _expect(
                again.status == 400 and again.answer == NAME_TAKEN,
                f"a second create named {got['name'].swapcase()!r} (the first: {got['name']!r}) answered "
                f"{again.status} {again.body[:200]!r}; names are unique per workspace, without case",
            )

    def _one(self, exchange: Exchange, client_id: int, action: str, follow_up: bool) -> None:
        known = self.known.get(client_id)
        answer = exchange.answer
        if exchange.status == 404 and action in ("GET", "PUT", "DELETE", "archive", "restore"):
            _expect(
                known is None or known.deleted,
                f"client {client_id}, never deleted, answers {exchange.describe()}",
            )
            return
        if exchange.status != 200:
            writes = action in ("PUT", "DELETE", "archive", "restore")
            if (
                known is not None
                and not known.deleted
                and writes
                and follow_up
                and self.reader is not None
            ):
                self._read_back(client_id, f"a refused {action} ({exchange.status})")
            return
        if action == "GET":
            if isinstance(answer, dict):
                _expect(
                    known is None or not known.deleted,
                    f"deleted client {client_id} still answers 200",
                )
                if known is not None:
                    self._same(known, answer, f"GET of client {client_id}")
                self.learn(answer)
            return
        if action == "PUT":
            self._update(exchange, client_id, known, follow_up)
        elif action == "DELETE":
            if known is not None:
                known.deleted = True
            if follow_up and self.reader is not None:
                read = self.reader.get_client(client_id)
                _expect(
                    read.status == 404, f"deleted client {client_id} reads as {read.describe()}"
                )
        elif action in ("archive", "restore"):
            archived = action == "archive"
            if action == "restore" and isinstance(answer, dict):
                _expect(
                    answer.get("archived") is False,
                    f"restore answered archived={answer.get('archived')!r}",
                )
            if known is not None:
                known.archived = archived
            if follow_up and self.reader is not None:
                item = self._read(client_id)
                _expect(
                    item.get("archived") is archived,
                    f"client {client_id} reads archived={item.get('archived')!r} after {action}",
                )

    def _update(
        self, exchange: Exchange, client_id: int, known: Known | None, follow_up: bool
    ) -> None:
        sent = exchange.sent if isinstance(exchange.sent, dict) else {}
        answer = exchange.answer
        if not isinstance(answer, dict):
            return
        got = _client_fields(answer)
        before = known.fields if known is not None else None
        expected = self._stored(sent, before or {})
        for key in CLIENT_FIELDS:
            if key in sent and isinstance(sent[key], str):
                _expect(
                    got[key] == expected[key],
                    f"update sent {key}={sent[key]!r}, answered {got[key]!r}",
                )
            elif before is not None:
                _expect(
                    got[key] == before[key],
                    f"an update that did not send {key} changed it: {before[key]!r} -> {got[key]!r}",
                )
        if known is not None and known.at and isinstance(answer.get("at"), str):
            old, new = _epoch(known.at), _epoch(answer["at"])
            _expect(new >= old, f"an update moved `at` back: {known.at} -> {answer['at']}")
            if time.monotonic() - known.seen >= 2.0:
                _expect(
                    new > old,
                    f"an update did not move `at` ({known.at}) although seconds had passed",
                )
        self.known[client_id] = Known(
            client_id, got, bool(answer.get("archived")), str(answer.get("at", ""))
        )
        if follow_up and self.reader is not None:
            self._read_back(client_id, "update")

    def _by_ids(self, exchange: Exchange) -> None:
        if exchange.status != 200 or not isinstance(exchange.answer, list):
            return
        sent = exchange.sent
        requested = sent.get("client_ids") if isinstance(sent, dict) else sent
        asked = (
            {i for i in requested if isinstance(i, int)} if isinstance(requested, list) else set()
        )
        returned = {
            item["id"]
            for item in exchange.answer
            if isinstance(item, dict) and isinstance(item.get("id"), int)
        }
        _expect(
            returned <= asked, f"by-ids returned {sorted(returned - asked)} that were not asked for"
        )
        live = {i for i in asked if i in self.known and not self.known[i].deleted}
        _expect(live <= returned, f"by-ids left out existing clients {sorted(live - returned)}")
        for item in exchange.answer:
            if isinstance(item, dict) and item.get("id") in self.known:
                self._same(self.known[item["id"]], item, f"by-ids item {item['id']}")

    def _bulk(self, exchange: Exchange, action: str, follow_up: bool) -> None:
        if exchange.status != 200 or not isinstance(exchange.sent, list):
            return
        requested = {i for i in exchange.sent if isinstance(i, int) and not isinstance(i, bool)}
        for client_id in requested:
            if client_id in self.known:
                if action == "delete":
                    self.known[client_id].deleted = True
                else:
                    self.known[client_id].archived = True
        if not follow_up or self.reader is None:
            return
        listed = {item["id"]: item for item in self._list_all("both")}
        for client_id in requested:
            if action == "delete":
                _expect(client_id not in listed, f"bulk delete left client {client_id} in the list")
            else:
                _expect(
                    listed.get(client_id, {}).get("archived") is True,
                    f"bulk archive left client {client_id} {'out of the list' if client_id not in listed else 'active'}",
                )
        for client_id, known in self.known.items():
            if client_id in requested or known.deleted:
                continue
            _expect(
                client_id in listed,
                f"bulk {action} of {sorted(requested)} also removed client {client_id}",
            )
            _expect(
                listed[client_id].get("archived") is known.archived,
                f"bulk {action} of {sorted(requested)} also changed client {client_id} "
                f"(archived={listed[client_id].get('archived')!r})",
            )

    def _list(self, exchange: Exchange, follow_up: bool) -> None:
        items = _items(exchange)
        if exchange.status != 200 or not isinstance(exchange.answer, list):
            return
        query = exchange.query
        status = query.get("status", "active")
        if status not in ("active", "archived", "both"):
            return
        name = query.get("name", "")
        paged = "page" in query or "per_page" in query
        for item in items:
            if status != "both":
                _expect(
                    item.get("archived") is (status == "archived"),
                    f"status={status} listed client {item.get('id')} with archived={item.get('archived')!r}",
                )
            if name:
                _expect(
                    name.casefold() in str(item.get("name", "")).casefold(),
                    f"name={name!r} listed {item.get('name')!r}",
                )
            if item.get("id") in self.known:
                self._same(self.known[item["id"]], item, f"list item {item['id']}")
        counts = {item.get("total_count") for item in items if "total_count" in item}
        _expect(
            len(counts) <= 1,
            f"items of one list disagree on total_count: {sorted(map(str, counts))}",
        )
        if not paged and counts:
            _expect(
                counts == {len(items)},
                f"total_count {counts.pop()} on an answer of {len(items)} clients",
            )
        if not follow_up or self.reader is None:
            return
        every = self._list_all("both")
        expected: set[int] = {
            item["id"] for item in every
            if (status == "both" or item.get("archived") is (status == "archived"))
            and name.casefold() in str(item.get("name", "")).casefold()
        }  # fmt: skip
        got = {item["id"] for item in items if isinstance(item.get("id"), int)}
        if paged:
            _expect(
                got <= expected,
                f"{exchange.describe()} listed {sorted(got - expected)} that do not match",
            )
            if counts:
                _expect(
                    counts == {len(expected)},
                    f"total_count {counts.pop()}, but {len(expected)} clients match",
                )
        else:
            _expect(
                got == expected,
                f"{exchange.describe()} listed {sorted(got)}; the unfiltered list says {sorted(expected)}",
            )

    def _me(self, exchange: Exchange, follow_up: bool) -> None:
        if exchange.status != 200 or not isinstance(exchange.answer, list):
            return
        raw = exchange.query.get("since")
        if raw is None or not raw.isdigit():
            return
        since = int(raw)
        for item in _items(exchange):
            when = item.get("server_deleted_at") or item.get("at")
            if isinstance(when, str):
                _expect(
                    _epoch(when) >= since,
                    f"since={since} answered client {item.get('id')} changed at {when}",
                )
        if follow_up and self.reader is not None:
            everything = self._answered(self.reader.me())
            changed = {
                item["id"]
                for item in everything
                if isinstance(item.get("at"), str) and _epoch(item["at"]) >= since
            }
            got = {item["id"] for item in _items(exchange) if isinstance(item.get("id"), int)}
            _expect(
                changed <= got,
                f"since={since} left out clients changed since: {sorted(changed - got)}",
            )

    # --- helpers ----------------------------------------------------------------------------------

    def _stored(self, sent: dict[str, Any], before: dict[str, str]) -> dict[str, str]:
        """What a create or update that sent `sent` should store, from `before`."""
        stored = dict(before)
        for key in CLIENT_FIELDS:
            if isinstance(sent.get(key), str):
                stored[key] = trimmed(sent[key]) if key == "name" else sent[key]
        return stored

    def _same(self, known: Known, item: dict[str, Any], what: str) -> None:
        got = _client_fields(item)
        for key in CLIENT_FIELDS:
            if key == "name" or key in item or known.fields.get(key):
                _expect(
                    got[key] == known.fields.get(key, ""),
                    f"{what} shows {key}={got[key]!r}, the last write left {known.fields.get(key)!r}",
                )
        if "archived" in item:
            _expect(
                item["archived"] is known.archived,
                f"{what} shows archived={item['archived']!r}, the last write left {known.archived}",
            )

    def _read(self, client_id: int) -> dict[str, Any]:
        assert self.reader is not None
        read = self.reader.get_client(client_id)
        _expect(
            read.status == 200 and isinstance(read.answer, dict),
            f"client {client_id} reads as {read.describe()} {read.body[:200]!r}",
        )
        answer: dict[str, Any] = read.answer
        return answer

    def _list_all(self, status: str, name: str | None = None) -> list[dict[str, Any]]:
        """Every client of a follow-up list, all pages; a page that is not a list is a violation."""
        assert self.reader is not None
        return [
            item for page in self.reader.list_all(status, name) for item in self._answered(page)
        ]

    @staticmethod
    def _answered(read: Exchange) -> list[dict[str, Any]]:
        """The clients of a follow-up list read (each with an integer id), or a violation."""
        _expect(
            read.status == 200 and isinstance(read.answer, list),
            f"a follow-up read, {read.describe()}, answered {read.body[:200]!r}",
        )
        return [item for item in _items(read) if isinstance(item.get("id"), int)]

    def _read_back(self, client_id: int, after: str) -> None:
        known = self.known[client_id]
        self._same(known, self._read(client_id), f"after {after}, client {client_id}")


def _items(exchange: Exchange) -> list[dict[str, Any]]:
    answer = exchange.answer
    if answer is NO_JSON or not isinstance(answer, list):
        return []
    return [item for item in answer if isinstance(item, dict)]


def _expect(condition: object, message: str) -> None:
    if not condition:
        raise RuleViolation(message)
