"""The emulator with one deliberate deviation from Toggl, served over HTTP for the contract tests.

    python -m tests.contract.drift_server DEVIATION [--seed FILE] --port PORT

Each deviation is a small ASGI wrapper that rewrites a request or a response: a drift the
contract runs must catch, or a fault they must survive (a 502 after a delete that happened, a
create that answers too late).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import unicodedata
from base64 import b64decode, b64encode
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote_plus

import uvicorn
from toggl_emulator import create_app
from toggl_emulator.app import Message, Receive, Scope, Send
from toggl_emulator.seed import DEFAULT_SEED

ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Rewrite = Callable[
    [Scope, bytes, int, list[tuple[bytes, bytes]], bytes],
    tuple[int, list[tuple[bytes, bytes]], bytes],
]
Deviation = Callable[[ASGIApp], ASGIApp]


async def _read(receive: Receive) -> bytes:
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


def rewriting(
    rewrite: Rewrite, *, request: Callable[[Scope, bytes], bytes] | None = None
) -> Deviation:
    """A deviation that may change the request body and rewrites every response."""

    def deviation(app: ASGIApp) -> ASGIApp:
        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            sent = await _read(receive)
            forwarded = request(scope, sent) if request else sent

            async def replay() -> Message:
                return {"type": "http.request", "body": forwarded, "more_body": False}

            start: dict[str, Any] = {}
            chunks: list[bytes] = []

            async def collect(message: Message) -> None:
                if message["type"] == "http.response.start":
                    start.update(message)
                else:
                    chunks.append(message.get("body", b""))

            await app(scope, replay, collect)
            status, headers, body = rewrite(
                scope, sent, start["status"], list(start["headers"]), b"".join(chunks)
            )
            headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        return wrapped

    return deviation


def _is(scope: Scope, method: str, tail: str) -> bool:
    parts = scope["path"].strip("/").split("/")
    if scope["method"] != method:
        return False
    shape = "/".join(
        "{id}" if p.isdigit() else p for p in parts[4:]
    )  # after api/v9/workspaces/<id>
    return shape == tail


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _same(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
    return status, headers, body


def drop_at(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
    """Shape: client objects, alone or in lists, lose their required `at`."""
    data = _json(body)
    items = data if isinstance(data, list) else [data]
    if status == 200 and any(isinstance(item, dict) and "at" in item for item in items):
        for item in items:
            if isinstance(item, dict):
                item.pop("at", None)
        body = json.dumps(data).encode()
    return status, headers, body


def gone_instead_of_404(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
    """Status: an undocumented 410 where Toggl answers 404."""
    return (410 if status == 404 else status), headers, body


def no_missing_auth_header(
    scope: Scope, sent: bytes, status: int, headers: Any, body: bytes
) -> Any:
    """Header: the 401 loses `X-Authorization-Missing`."""
    return status, [(k, v) for k, v in headers if k.lower() != b"x-authorization-missing"], body


def body_on_401(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
    """A body where the spec declares none: the 401 says "Unauthorized"."""
    if status == 401:
        return status, [*headers, (b"content-type", b"application/json")], b'"Unauthorized"'
    return status, headers, body


def total_count_off(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
    """A list's `total_count` is one too many."""
    data = _json(body)
    if status == 200 and _is(scope, "GET", "clients") and isinstance(data, list):
        for item in data:
            item["total_count"] = item.get("total_count", 0) + 1
        body = json.dumps(data).encode()
    return status, headers, body


def echo_field(field: str, operation: str) -> Deviation:
    """An update (or create) ignores `field` but answers as if it had stored it."""

    def strip(scope: Scope, sent: bytes) -> bytes:
        data = _json(sent)
        if _is(scope, *operation.split(" ")) and isinstance(data, dict) and field in data:
            data.pop(field)
            return json.dumps(data).encode()
        return sent

    def claim(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
        data, asked = _json(body), _json(sent)
        if (
            status == 200
            and _is(scope, *operation.split(" "))
            and isinstance(data, dict)
            and isinstance(asked, dict)
            and field in asked
        ):
            data[field] = asked[field]
            body = json.dumps(data).encode()
        return status, headers, body

    return rewriting(claim, request=strip)


def clear_unsent_notes(app: ASGIApp) -> ASGIApp:
    """An update that does not send `notes` clears them (a PUT that is not partial)."""

    def add(scope: Scope, sent: bytes) -> bytes:
        data = _json(sent)
        if _is(scope, "PUT", "clients/{id}") and isinstance(data, dict) and "notes" not in data:
            data["notes"] = ""
            return json.dumps(data).encode()
        return sent

    return rewriting(_same, request=add)(app)


def case_sensitive_name_filter(
    scope: Scope, sent: bytes, status: int, headers: Any, body: bytes
) -> Any:
    """The list's name filter matches case-sensitively."""
    data = _json(body)
    needle = dict(
        pair.split("=", 1)
        for pair in scope.get("query_string", b"").decode().split("&")
        if "=" in pair
    ).get("name")
    if status == 200 and _is(scope, "GET", "clients") and isinstance(data, list) and needle:
        kept = [item for item in data if unquote_plus(needle) in item["name"]]
        for item in kept:
            item["total_count"] = len(kept)
        body = json.dumps(kept).encode()
    return status, headers, body


def ignore_status_filter(app: ASGIApp) -> ASGIApp:
    """The list ignores `status`: it always answers active and archived clients."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _is(scope, "GET", "clients"):
            query = "&".join(
                p
                for p in scope.get("query_string", b"").decode().split("&")
                if not p.startswith("status=")
            )
            scope = {**scope, "query_string": (query + "&status=both").lstrip("&").encode()}
        await app(scope, receive, send)

    return wrapped


def at_goes_back(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
    """An update answers an `at` from 2001: what changes a client does not move it forward."""
    data = _json(body)
    if status == 200 and _is(scope, "PUT", "clients/{id}") and isinstance(data, dict):
        data["at"] = "2001-01-01T00:00:00+00:00"
        body = json.dumps(data).encode()
    return status, headers, body


def bulk_archive_one_more(app: ASGIApp) -> ASGIApp:
    """Bulk archive also archives the seed's Globex: it acts on more than it was asked."""
    extra = DEFAULT_SEED.clients["globex"].id

    def add(scope: Scope, sent: bytes) -> bytes:
        data = _json(sent)
        if _is(scope, "POST", "clients/archive") and isinstance(data, list) and extra not in data:
            return json.dumps([*data, extra]).encode()
        return sent

    def hide(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
        data = _json(body)
        if status == 200 and _is(scope, "POST", "clients/archive") and isinstance(data, list):
            for entry in data:
                entry["client_ids"] = [
                    i for i in entry["client_ids"] if i != extra or extra in (_json(sent) or [])
                ]
            body = json.dumps(data).encode()
        return status, headers, body

    return rewriting(hide, request=add)(app)


def bulk_delete_skips_last(app: ASGIApp) -> ASGIApp:
    """Bulk delete leaves the last id it is given, and answers "OK" all the same."""

    def drop(scope: Scope, sent: bytes) -> bytes:
        data = _json(sent)
        if _is(scope, "POST", "clients/delete") and isinstance(data, list) and len(data) > 1:
            return json.dumps(data[:-1]).encode()
        return sent

    return rewriting(_same, request=drop)(app)


def accept_anonymous(app: ASGIApp) -> ASGIApp:
    """Auth: requests without credentials are served as the admin's."""
    admin = b"Basic " + b64encode(f"{DEFAULT_SEED.users['admin'].api_token}:api_token".encode())

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not any(k == b"authorization" for k, _ in scope["headers"]):
            scope = {**scope, "headers": [*scope["headers"], (b"authorization", admin)]}
        await app(scope, receive, send)

    return wrapped


def delete_then_502(app: ASGIApp) -> ASGIApp:
    """Fault: every other DELETE deletes, then answers 502 (a proxy lost the answer)."""
    count = [0]

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "DELETE":
            count[0] += 1
            if count[0] % 2:

                async def swallow(message: Message) -> None:
                    pass

                await app(scope, receive, swallow)
                await send(
                    {
                        "type": "http.response.start",
                        "status": 502,
                        "headers": [(b"content-length", b"0")],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
                return
        await app(scope, receive, send)

    return wrapped


def slow_third_create(app: ASGIApp) -> ASGIApp:
    """Fault: the third create is stored, but its answer comes after the client gave up (3 s)."""
    count = [0]

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _is(scope, "POST", "clients"):
            count[0] += 1
            if count[0] == 3:

                async def late(message: Message) -> None:
                    if message["type"] == "http.response.start":
                        await asyncio.sleep(3)
                    await send(message)

                await app(scope, receive, late)
                return
        await app(scope, receive, send)

    return wrapped


# --- servers that lie about what they did: the run must stay safe (zero trust) -----------------


def get_or_create(app: ASGIApp) -> ASGIApp:
    """A create with a taken name answers 200 with the client that has the name (get-or-create)."""
    store = _store(app)

    def answer(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
        asked = _json(sent)
        if status == 400 and _is(scope, "POST", "clients") and isinstance(asked, dict):
            wanted = str(asked.get("name", "")).strip().casefold()
            workspace = int(scope["path"].split("/")[4])
            holder = next((c for c in store.all_clients() if c.wid == workspace and c.deleted_at is None
                           and c.name.casefold() == wanted), None)  # fmt: skip
            if holder is not None:
                return (
                    200,
                    [(b"content-type", b"application/json")],
                    json.dumps(holder.to_json()).encode(),
                )
        return status, headers, body

    return rewriting(answer)(app)


def create_answers_another(app: ASGIApp) -> ASGIApp:
    """Every create is stored, but answered with another, existing client (Globex)."""
    store = _store(app)
    globex = DEFAULT_SEED.clients["globex"].id

    def answer(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
        if status == 200 and _is(scope, "POST", "clients"):
            other = store.find(DEFAULT_SEED.workspaces["premium"].id, globex)
            if other is not None:
                return status, headers, json.dumps(other.to_json()).encode()
        return status, headers, body

    return rewriting(answer)(app)


def reuse_freed_ids(app: ASGIApp) -> ASGIApp:
    """A deleted client's id is given at once to another user's new client."""
    store = _store(app)

    def reuse(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
        single = _is(scope, "DELETE", "clients/{id}")
        if status == 200 and (single or _is(scope, "POST", "clients/delete")):
            ids = [int(scope["path"].rstrip("/").split("/")[-1])] if single else (_json(sent) or [])
            for client_id in ids:
                _plant(store, client_id, f"Reused {client_id}")
        return status, headers, body

    return rewriting(reuse)(app)


def delete_keeps(app: ASGIApp) -> ASGIApp:
    """A delete (single or bulk) answers 200 and deletes nothing."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            _is(scope, "DELETE", "clients/{id}") or _is(scope, "POST", "clients/delete")
        ):
            await _read(receive)
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-length", b"0")]})  # fmt: skip
            await send({"type": "http.response.body", "body": b""})
            return
        await app(scope, receive, send)

    return wrapped


def echo_credentials(app: ASGIApp) -> ASGIApp:
    """Every answer carries the request's Authorization in a Location header, and errors in their
    body too (as some frameworks' debug pages do)."""

    def echo(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
        auth = dict(scope["headers"]).get(b"authorization", b"").decode()
        token = b64decode(auth.split()[-1]).decode(errors="replace").split(":")[0] if auth else ""
        headers = [
            *headers,
            (b"location", f"https://echo.test/?auth={auth}&token={token}".encode()),
        ]
        if status >= 400:
            body = json.dumps(f"refused: {auth} (token {token})").encode()
            headers = [(k, v) for k, v in headers if k.lower() != b"content-type"]
            headers.append((b"content-type", b"application/json"))
        return status, headers, body

    return rewriting(echo)(app)


def two_violations(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
    """A client as a create or a read answers it breaks two rules of the schema at once: `at`
    gone, `archived` a word."""
    data = _json(body)
    one = _is(scope, "GET", "clients/{id}") or _is(scope, "POST", "clients")
    if status == 200 and one and isinstance(data, dict):
        data.pop("at", None)
        data["archived"] = "no"
        body = json.dumps(data).encode()
    return status, headers, body


def ignore_paging(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
    """The list answers every page alike, without `total_count`, and with an item that has no id."""
    data = _json(body)
    if status == 200 and _is(scope, "GET", "clients") and isinstance(data, list):
        for item in data:
            item.pop("total_count", None)
        body = json.dumps([*data, {"name": "no id at all"}]).encode()
    return status, headers, body


def trickle(app: ASGIApp) -> ASGIApp:
    """Every answer's body trickles in, a byte every 0.5 s, once the run has created a client."""
    created = [False]

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not created[0]:
            if scope["type"] == "http" and _is(scope, "POST", "clients"):
                created[0] = True
            await app(scope, receive, send)
            return

        async def slow(message: Message) -> None:
            if message["type"] == "http.response.body":
                for byte in message.get("body", b""):
                    await asyncio.sleep(0.5)
                    await send(
                        {"type": "http.response.body", "body": bytes([byte]), "more_body": True}
                    )
                await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        await app(scope, receive, slow)

    return wrapped


# --- one rule broken each (the rule book's): every rule has a server that breaks exactly it --------


def _query(scope: Scope) -> dict[str, str]:
    pairs = (
        p.split("=", 1) for p in scope.get("query_string", b"").decode().split("&") if "=" in p
    )
    return {k: unquote_plus(v) for k, v in pairs}


def _answer_each(scope: Scope, body: bytes, change: Callable[[dict[str, Any]], None]) -> bytes:
    data = _json(body)
    for item in data if isinstance(data, list) else [data]:
        if isinstance(item, dict):
            change(item)
    return json.dumps(data).encode()


def name_untrimmed(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
    """name-trimmed: a create answers the name as sent, blanks and all."""
    asked = _json(sent)
    if status == 200 and _is(scope, "POST", "clients") and isinstance(asked, dict):
        body = _answer_each(scope, body, lambda item: item.update(name=asked.get("name")))
    return status, headers, body


ZWSP = "\u200b"


def taken_name_accepted(app: ASGIApp) -> ASGIApp:
    """name-unique: a rename to a taken name is stored (under a hidden mark) and answered 200."""

    def hide(scope: Scope, sent: bytes) -> bytes:
        data = _json(sent)
        if (
            _is(scope, "PUT", "clients/{id}")
            and isinstance(data, dict)
            and isinstance(data.get("name"), str)
        ):
            data["name"] += ZWSP + scope["path"].rstrip("/").split("/")[-1]
            return json.dumps(data).encode()
        return sent

    def show(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
        return status, headers, re.sub(ZWSP.encode() + rb"\d+", b"", body)

    return rewriting(show, request=hide)(app)


def _refusal(text: str, when: Callable[[Scope, Any], bool]) -> Deviation:
    def reword(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
        if status == 400 and when(scope, _json(body)):
            body = json.dumps(text).encode()
        return status, headers, body

    return rewriting(reword)


def _accepting(when: Callable[[str], bool], stored: Callable[[str], str]) -> Deviation:
    """A create or update whose name `when` picks is stored as `stored(name)` and answered 200."""

    def replace(scope: Scope, sent: bytes) -> bytes:
        data = _json(sent)
        write = _is(scope, "POST", "clients") or _is(scope, "PUT", "clients/{id}")
        if (
            write
            and isinstance(data, dict)
            and isinstance(data.get("name"), str)
            and when(data["name"])
        ):
            data["name"] = stored(data["name"])
            return json.dumps(data).encode()
        return sent

    return rewriting(_same, request=replace)


def refused_write_applies(app: ASGIApp) -> ASGIApp:
    """refused-changes-nothing: an update refused with a 400 changes the external reference anyway."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is(scope, "PUT", "clients/{id}"):
            await app(scope, receive, send)
            return
        sent = await _read(receive)
        status: list[int] = []

        async def replay() -> Message:
            return {"type": "http.request", "body": sent, "more_body": False}

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await app(scope, replay, watch)
        if status == [400]:
            body = json.dumps({"external_reference": "changed anyway"}).encode()

            async def again() -> Message:
                return {"type": "http.request", "body": body, "more_body": False}

            async def swallow(message: Message) -> None:
                pass

            await app(scope, again, swallow)

    return wrapped


def reads_shout(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
    """read-shows-last-write: a read of one client shows its name in capitals."""
    if status == 200 and _is(scope, "GET", "clients/{id}"):
        body = _answer_each(
            scope, body, lambda item: item.update(name=str(item.get("name")).upper())
        )
    return status, headers, body


def archive_does_nothing(app: ASGIApp) -> ASGIApp:
    """archive-flips: archive answers 200 and `[]`, and archives nothing."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _is(scope, "POST", "clients/{id}/archive"):
            await _read(receive)
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", b"2")]})  # fmt: skip
            await send({"type": "http.response.body", "body": b"[]"})
            return
        await app(scope, receive, send)

    return wrapped


def archived_404(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
    """archived-readable: a read of an archived client answers 404."""
    data = _json(body)
    if (
        status == 200
        and _is(scope, "GET", "clients/{id}")
        and isinstance(data, dict)
        and data.get("archived")
    ):
        return 404, headers, json.dumps(f"No client with ID {data['id']} was found").encode()
    return status, headers, body


def second_delete_200(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
    """delete-again-404: deleting a client that is gone answers 200."""
    if status == 404 and _is(scope, "DELETE", "clients/{id}"):
        return 200, [(k, v) for k, v in headers if k.lower() != b"content-type"], b""
    return status, headers, body


def by_ids_first_only(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
    """by-ids-exact: a read by ids answers the first id asked for only."""
    data = _json(body)
    if (
        status == 200
        and _is(scope, "POST", "clients/data")
        and isinstance(data, list)
        and len(data) > 1
    ):
        body = json.dumps(data[:1]).encode()
    return status, headers, body


def since_ignored(app: ASGIApp) -> ASGIApp:
    """since-changed: `/me/clients` ignores `since` and answers every live client."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/me/clients"):
            scope = {**scope, "query_string": b""}
        await app(scope, receive, send)

    return wrapped


def since_without_deleted(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
    """since-deleted: `/me/clients?since=` leaves deleted clients out."""
    data = _json(body)
    if status == 200 and scope["path"].endswith("/me/clients") and isinstance(data, list):
        body = json.dumps([item for item in data if "server_deleted_at" not in item]).encode()
    return status, headers, body


def any_workspace(app: ASGIApp) -> ASGIApp:
    """other-workspace: a client is read under any workspace's path (object-level authorization)."""
    premium = str(DEFAULT_SEED.workspaces["premium"].id)

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _is(scope, "GET", "clients/{id}"):
            parts = scope["path"].split("/")
            parts[4] = premium
            scope = {**scope, "path": "/".join(parts), "raw_path": "/".join(parts).encode()}
        await app(scope, receive, send)

    return wrapped


def quota_frozen(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
    """quota-counts-down: `X-Toggl-Quota-Remaining` says 500 on every answer."""
    return (
        status,
        [*headers, (b"x-toggl-quota-remaining", b"500"), (b"x-toggl-quota-resets-in", b"3000")],
        body,
    )


def name_filter_prefix(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
    """filter: the name filter matches the beginnings of names only."""
    data, needle = _json(body), _query(scope).get("name", "")
    if status == 200 and _is(scope, "GET", "clients") and isinstance(data, list) and needle:
        kept = [item for item in data if item["name"].casefold().startswith(needle.casefold())]
        for item in kept:
            item["total_count"] = len(kept)
        body = json.dumps(kept).encode()
    return status, headers, body


def create_answers_without_notes(
    scope: Scope, sent: bytes, status: int, headers: Any, body: bytes
) -> Any:
    """create-stores: a create stores the notes but leaves them out of its answer."""
    if status == 200 and _is(scope, "POST", "clients"):
        body = _answer_each(scope, body, lambda item: item.pop("notes", None))
    return status, headers, body


def since_hangs(app: ASGIApp) -> ASGIApp:
    """Fault: `/me/clients` never answers (an hour of silence)."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/me/clients"):
            await asyncio.sleep(3600)
        await app(scope, receive, send)

    return wrapped


# --- projects: one rule broken each --------------------------------------------------------------


def _project_items(data: Any) -> list[dict[str, Any]]:
    items = data if isinstance(data, list) else [data]
    return [item for item in items if isinstance(item, dict) and "workspace_id" in item]


def _on_projects(change: Callable[[dict[str, Any]], None]) -> Rewrite:
    """A rewrite of every project a 200 answers (lists and single items)."""

    def rewrite(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
        data = _json(body)
        items = _project_items(data) if status == 200 and "/projects" in scope["path"] else []
        for item in items:
            change(item)
        return status, headers, json.dumps(data).encode() if items else body

    return rewrite


def _status_stale(item: dict[str, Any]) -> None:
    """status-follows-active: an archived project still reads `status: active`."""
    if item.get("active") is False:
        item["status"] = "active"


def _twins_disagree(item: dict[str, Any]) -> None:
    """legacy-twins: `cid` reads null whatever the project's client."""
    if item.get("client_id") is not None:
        item["cid"] = None


def _project_name_of(scope: Scope, sent: bytes) -> str | None:
    data = _json(sent)
    if (
        _is(scope, "POST", "projects")
        and isinstance(data, dict)
        and isinstance(data.get("name"), str)
    ):
        return str(data["name"]).strip().casefold()
    return None


def name_taken_across_clients(app: ASGIApp) -> ASGIApp:
    """name-scoped: a project name another client's project has is refused as taken."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        sent = await _read(receive)
        name = _project_name_of(scope, sent)
        store = _store(app)
        if name is not None and any(
            p.deleted_at is None and p.name.casefold() == name
            for p in store.projects.by_id.values()
        ):
            body = json.dumps("Name has already been taken").encode()
            await send({"type": "http.response.start", "status": 400, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})  # fmt: skip
            await send({"type": "http.response.body", "body": body})
            return

        async def replay() -> Message:
            return {"type": "http.request", "body": sent, "more_body": False}

        await app(scope, replay, send)

    return wrapped


def archived_name_free(app: ASGIApp) -> ASGIApp:
    """archived-holds-name: a name only archived projects have is free for a new project."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        sent = await _read(receive)
        name = _project_name_of(scope, sent)
        projects = _store(app).projects
        hidden = [
            p for p in projects.by_id.values()
            if name is not None and p.deleted_at is None and not p.active and p.name.casefold() == name
        ]  # fmt: skip
        for project in hidden:  # out of the name index while this request is handled
            projects._unindex(project)

        async def replay() -> Message:
            return {"type": "http.request", "body": sent, "more_body": False}

        try:
            await app(scope, replay, send)
        finally:
            for project in hidden:
                projects._index(project).add(project.id)

    return wrapped


def _active_by_default(scope: Scope, sent: bytes) -> bytes:
    """active-default: a project created without `active` is active."""
    data = _json(sent)
    if _is(scope, "POST", "projects") and isinstance(data, dict) and "active" not in data:
        return json.dumps({**data, "active": True}).encode()
    return sent


def _client_text_reworded(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
    """client-present: the refusal of a missing client names another id."""
    said = _json(body)
    if status == 400 and isinstance(said, str) and said.startswith("Client with the ID "):
        workspace = said.rsplit(" ", 1)[-1]
        body = json.dumps(f"Client with the ID 1 isn't present in workspace {workspace}").encode()
    return status, headers, body


def _color_text_reworded(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
    """color-format: the refusal of a colour does not say which."""
    said = _json(body)
    if status == 400 and isinstance(said, str) and said.startswith("Error in validating color"):
        body = json.dumps(
            "Error in validating color ''. Project color must be a hex value in the form of #[0-9a-f]{6}."
        ).encode()
    return status, headers, body


def archive_leaves_projects(app: ASGIApp) -> ASGIApp:
    """archive-cascades: archiving a client leaves its projects active, and answers `[]`."""

    def rewrite(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
        answered = _json(body)
        if (
            status == 200
            and _is(scope, "POST", "clients/{id}/archive")
            and isinstance(answered, list)
        ):
            projects = _store(app).projects
            projects.set_active([projects.by_id[i] for i in answered if i in projects.by_id], True)
            return status, headers, b"[]"
        return status, headers, body

    return rewriting(rewrite)(app)


def restore_forgets_projects(app: ASGIApp) -> ASGIApp:
    """restore-cascades: restoring a client with its projects restores the client alone."""
    archived: list[Any] = []

    def note(scope: Scope, sent: bytes) -> bytes:
        archived.clear()
        if _is(scope, "POST", "clients/{id}/restore"):
            client = int(scope["path"].rstrip("/").split("/")[-2])
            archived.extend(
                p
                for p in _store(app).projects.by_id.values()
                if p.client_id == client and not p.active
            )
        return sent

    def rewrite(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
        if status == 200 and archived:
            _store(app).projects.set_active(archived, False)
        return status, headers, body

    return rewriting(rewrite, request=note)(app)


def delete_keeps_project_clients(app: ASGIApp) -> ASGIApp:
    """delete-detaches: a deleted client's projects still name it."""
    attached: dict[Any, int] = {}

    def note(scope: Scope, sent: bytes) -> bytes:
        attached.clear()
        deleted: list[Any] = []
        if _is(scope, "DELETE", "clients/{id}"):
            deleted = [int(scope["path"].rstrip("/").split("/")[-1])]
        elif _is(scope, "POST", "clients/delete") and isinstance(_json(sent), list):
            deleted = _json(sent)
        for project in _store(app).projects.by_id.values():
            if project.client_id in deleted:
                attached[project] = project.client_id
        return sent

    def rewrite(scope: Scope, sent: bytes, status: int, headers: Any, body: bytes) -> Any:
        projects = _store(app).projects
        for project, client in attached.items() if status == 200 else ():
            projects._unindex(project)
            project.client_id = client
            projects._index(project).add(project.id)
        return status, headers, body

    return rewriting(rewrite, request=note)(app)


def _store(app: ASGIApp) -> Any:
    return app.store  # type: ignore[attr-defined]  # the emulator's own state, for a lying server


def _plant(store: Any, client_id: int, name: str) -> None:
    """Another user's client, under an id the server chose."""
    from toggl_emulator.store import Client

    with store.lock:
        workspace = DEFAULT_SEED.workspaces["premium"].id
        client = Client(id=client_id, wid=workspace, name=name, at=store._clock(),
                        creator_id=DEFAULT_SEED.users["member"].id, notes="someone else's")  # fmt: skip
        store.clients[client_id] = client
        store._workspace(workspace).add(client)


DEVIATIONS: dict[str, Deviation] = {
    "faithful": lambda app: app,
    "shape": rewriting(drop_at),
    "status": rewriting(gone_instead_of_404),
    "header": rewriting(no_missing_auth_header),
    "auth": accept_anonymous,
    "body-where-none": rewriting(body_on_401),
    "create-drops-notes": echo_field("notes", "POST clients"),
    "update-drops-external-reference": echo_field("external_reference", "PUT clients/{id}"),
    "update-clears-unsent": clear_unsent_notes,
    "name-filter-case-sensitive": rewriting(case_sensitive_name_filter),
    "status-filter-ignored": ignore_status_filter,
    "total-count-off": rewriting(total_count_off),
    "at-goes-back": rewriting(at_goes_back),
    "bulk-archive-one-more": bulk_archive_one_more,
    "bulk-delete-skips-last": bulk_delete_skips_last,
    "delete-then-502": delete_then_502,
    "slow-third-create": slow_third_create,
    "get-or-create": get_or_create,
    "create-answers-another": create_answers_another,
    "reuse-freed-ids": reuse_freed_ids,
    "delete-keeps": delete_keeps,
    "echo-credentials": echo_credentials,
    "two-violations": rewriting(two_violations),
    "ignore-paging": rewriting(ignore_paging),
    "trickle": trickle,
    "since-hangs": since_hangs,
    # one rule of the rule book broken each
    "name-untrimmed": rewriting(name_untrimmed),
    "taken-name-accepted": taken_name_accepted,
    "taken-text-reworded": _refusal(
        "This name is already in use", lambda scope, said: said == "Name has already been taken"
    ),
    "empty-name-accepted": _accepting(lambda name: name == "", lambda name: "was empty"),
    "blank-name-accepted": _accepting(lambda name: not name.strip(), lambda name: "blank"),
    "long-name-accepted": _accepting(
        lambda name: len(name.strip()) > 255, lambda name: name.strip()[:255]
    ),
    "unicode-folded": _accepting(
        lambda name: not name.isascii(),
        lambda name: unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode(),
    ),
    "refused-write-applies": refused_write_applies,
    "reads-shout": rewriting(reads_shout),
    "archive-does-nothing": archive_does_nothing,
    "archived-404": rewriting(archived_404),
    "second-delete-200": rewriting(second_delete_200),
    "by-ids-first-only": rewriting(by_ids_first_only),
    "since-ignored": since_ignored,
    "since-without-deleted": rewriting(since_without_deleted),
    "any-workspace": any_workspace,
    "quota-frozen": rewriting(quota_frozen),
    "name-filter-prefix": rewriting(name_filter_prefix),
    "create-answers-without-notes": rewriting(create_answers_without_notes),
    "name-taken-across-clients": name_taken_across_clients,
    "archived-name-free": archived_name_free,
    "active-by-default": rewriting(_same, request=_active_by_default),
    "status-stale": rewriting(_on_projects(_status_stale)),
    "twins-disagree": rewriting(_on_projects(_twins_disagree)),
    "client-text-reworded": rewriting(_client_text_reworded),
    "color-text-reworded": rewriting(_color_text_reworded),
    "archive-leaves-projects": archive_leaves_projects,
    "restore-forgets-projects": restore_forgets_projects,
    "delete-keeps-project-clients": delete_keeps_project_clients,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("deviation", choices=sorted(DEVIATIONS))
    parser.add_argument("--seed")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = DEVIATIONS[args.deviation](create_app(seed=args.seed))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
