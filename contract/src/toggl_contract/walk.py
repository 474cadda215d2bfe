"""The deterministic walk: every operation at least once, on three clients the run creates, in
about twenty requests, each answer validated against the spec and judged by the rules.

It also answers the open questions the spec lists (does a PUT without `name` work? what does a
single DELETE answer?), so that one live run settles them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from schemathesis.core.failures import Failure as CheckFailure
from schemathesis.core.failures import FailureGroup

from .exchange import NO_JSON, Exchange
from .gateway import GUARD_HEADER, KitFault
from .report import Report, Step
from .rules import NAME_TAKEN, RuleViolation, Semantics

CLIENTS = "/workspaces/{workspace_id}/clients"
CLIENT = CLIENTS + "/{client_id}"
ME = "/me/clients"


class StepFailed(AssertionError):
    pass


class StepStopped(Exception):
    """The gateway did not send a request (budget, quota, not ours): the rest is unverified."""


class Walk:
    def __init__(
        self,
        http: httpx.Client,
        schema: Any,
        semantics: Semantics,
        report: Report,
        *,
        workspace_id: int,
        prefix: str,
        marker: str,
        started: int,
        reproduce: Callable[[Exchange], str],
    ) -> None:
        self.http = http
        self.schema = schema
        self.semantics = semantics
        self.report = report
        self.workspace_id = workspace_id
        self.prefix = prefix  # the run's name prefix: toggl-contract-<run id>-
        self.marker = (
            marker  # notes of the run's clients: proves them this run's to a later cleanup
        )
        self.started = started
        self.reproduce = reproduce
        self.api_path = http.base_url.path.rstrip("/")
        self.state: dict[str, Any] = {}
        self.last: Exchange | None = None  # the last answer, for a step's own failed expectation
        self._stopped: str | None = None

    # --- one request ------------------------------------------------------------------------------

    def call(
        self,
        template: str,
        method: str,
        *,
        client_id: int | None = None,
        expect: int | tuple[int, ...] = 200,
        anonymous: bool = False,
        **kwargs: Any,
    ) -> Exchange:
        """One request: sent through the gateway, validated against the spec, judged by the rules."""
        path = template.format(workspace_id=self.workspace_id, client_id=client_id)
        extra: dict[str, Any] = {"auth": None} if anonymous else {}
        response = self.http.request(method, path, **kwargs, **extra)
        refused = response.headers.get(GUARD_HEADER)
        if refused == "no-answer":
            raise StepFailed(f"{method} {template}: {response.json()}")
        if refused == "fault":
            raise KitFault(response.json())
        if refused:
            raise StepStopped(f"{method} {template} was not sent ({refused}): {response.json()}")
        exchange = Exchange.of(response, self.api_path)
        self.last = exchange
        operation = self.schema[template][method]
        documented = operation.definition.raw["responses"]
        if str(response.status_code) not in documented:
            raise StepFailed(
                f"{method} {template}: undocumented status {response.status_code}\n  reproduce: {self.reproduce(exchange)}"
            )
        if not (
            response.status_code == 200
            and not response.content
            and documented["200"].get("x-toggl-body-may-be-empty")
        ):
            try:
                operation.validate_response(response)
            except (FailureGroup, CheckFailure) as raised:  # every violation, one line each
                failures = raised.exceptions if isinstance(raised, FailureGroup) else (raised,)
                lines = [
                    f"{getattr(f, 'title', type(f).__name__)}: {_first_line(f)}" for f in failures
                ]
                raise StepFailed(
                    f"{method} {template}: the response does not match the spec: {'; '.join(lines)}"
                    f"\n  reproduce: {self.reproduce(exchange)}"
                ) from None
        try:
            self.semantics.check(exchange, follow_up=False)
        except RuleViolation as violation:
            raise StepFailed(f"{violation}\n  reproduce: {self.reproduce(exchange)}") from None
        if response.status_code not in (expect if isinstance(expect, tuple) else (expect,)):
            raise StepFailed(
                f"{method} {template}: expected {expect}, got {response.status_code} {response.text[:300]}\n  reproduce: {self.reproduce(exchange)}"
            )
        return exchange

    def archived_states(self) -> dict[int, bool]:
        """Every client of the workspace and whether it is archived (all pages, one read each)."""
        states: dict[int, bool] = {}
        page = 1
        while True:
            items = self.call(
                CLIENTS, "GET", params={"status": "both", "page": page, "per_page": 200}
            ).answer
            states.update({c["id"]: c["archived"] for c in items})
            total = items[0].get("total_count", len(items)) if items else 0
            if len(items) < 200 or len(states) >= total:
                return states
            page += 1

    def step(self, name: str, operations: tuple[str, ...], action: Callable[[], None]) -> None:
        step = Step(name, operations)
        self.report.steps.append(step)
        if self._stopped:
            step.outcome, step.detail = "skipped", self._stopped
            return
        try:
            action()
        except StepStopped as stop:
            self._stopped = str(stop)
            step.outcome, step.detail = "skipped", str(stop)
        except PlanLimit as limit:
            step.outcome, step.detail = "skipped", str(limit)
        except (
            StepFailed,
            RuleViolation,
            KeyError,
            TypeError,
            IndexError,
            AttributeError,
            ValueError,
        ) as failure:
            # An answer the walk did not foresee (a field missing, of another type): this step
            # fails, the run goes on. Anything else is a fault of the kit, not of the server.
            detail = (
                str(failure)
                if isinstance(failure, StepFailed | RuleViolation)
                else (f"the walk could not judge the answer ({type(failure).__name__}: {failure})")
            )
            if "reproduce: " not in detail and self.last is not None:  # a step's own expectation
                detail += f"\n  reproduce: {self.reproduce(self.last)}"
            step.outcome, step.detail = "failed", detail
        print(f"  {'✓' if step.outcome == 'passed' else '✗' if step.outcome == 'failed' else '-'} {name}"
              + (f": {step.detail.splitlines()[0]}" if step.outcome != "passed" else ""), flush=True)  # fmt: skip

    # --- the walk -------------------------------------------------------------------------------

    def run(self) -> None:
        s = self.state

        def create() -> None:
            a = self.call(CLIENTS, "POST", json={"name": f"  {self.prefix}a ", "notes": self.marker,
                                                  "external_reference": "contract-a"}).answer  # fmt: skip
            _expect(a["name"] == f"{self.prefix}a", f"create kept the name {a['name']!r} untrimmed")
            s["a"] = a
            taken = self.call(
                CLIENTS, "POST", json={"name": a["name"].upper(), "notes": self.marker}, expect=400
            )
            _expect(
                taken.answer == NAME_TAKEN, f"a taken name (another case) answered {taken.body!r}"
            )
            read = self.call(CLIENT, "GET", client_id=a["id"]).answer
            for key in ("name", "notes", "external_reference"):
                _expect(
                    read.get(key) == a.get(key),
                    f"create sent {key}={a.get(key)!r}, the read has {read.get(key)!r}",
                )

        def partial_update() -> None:
            # Only the external reference: the name and the notes must stay as they are.
            updated = self.call(
                CLIENT,
                "PUT",
                client_id=s["a"]["id"],
                json={"external_reference": "contract-a2"},
                expect=(200, 400),
            )
            if updated.status == 400:
                self.report.answers["PUT without `name`"] = (
                    f"refused: 400 {updated.body.decode(errors='replace')}"
                )
                raise StepFailed(
                    "a PUT without `name` was refused: the spec says updates are partial"
                )
            self.report.answers["PUT without `name`"] = "accepted: updates are partial"
            read = self.call(CLIENT, "GET", client_id=s["a"]["id"]).answer
            _expect(
                read.get("external_reference") == "contract-a2",
                "the update is not visible on the next read",
            )
            _expect(
                (read["name"], read.get("notes")) == (s["a"]["name"], self.marker),
                f"an update of external_reference alone changed the name or the notes: {read['name']!r}, "
                f"{read.get('notes')!r}",
            )

        def second_and_list() -> None:
            s["b"] = self.call(
                CLIENTS, "POST", json={"name": f"{self.prefix}b", "notes": self.marker}
            ).answer
            items = self.call(
                CLIENTS, "GET", params={"status": "both", "name": self.prefix.upper()}
            ).answer
            ids = {c["id"] for c in items}
            _expect(ids == {s["a"]["id"], s["b"]["id"]}, f"the name filter listed {sorted(ids)}")
            _expect(
                all(c.get("total_count") == 2 for c in items), "total_count disagrees with the list"
            )

        def archive_and_restore() -> None:
            archived = self.call(
                CLIENT + "/archive", "POST", client_id=s["a"]["id"], expect=(200, 402)
            )
            if archived.status == 402:
                raise PlanLimit("archive answered 402 (the plan has no archiving): archive, bulk archive "
                                "and restore of an archived client went unverified")  # fmt: skip
            listed = self.call(
                CLIENTS, "GET", params={"status": "archived", "name": self.prefix}
            ).answer
            _expect(
                [c["id"] for c in listed] == [s["a"]["id"]],
                "status=archived does not list the archived client alone",
            )
            restored = self.call(
                CLIENT + "/restore", "POST", client_id=s["a"]["id"], json={}
            ).answer
            _expect(restored["archived"] is False, "restore did not clear archived")

        def by_ids() -> None:
            found = self.call(CLIENTS + "/data", "POST", json=[s["a"]["id"], s["b"]["id"]]).answer
            _expect(
                {c["id"] for c in found} == {s["a"]["id"], s["b"]["id"]},
                "by-ids did not answer both clients",
            )

        def bulk_archive() -> None:
            before = self.archived_states()
            done = self.call(CLIENTS + "/archive", "POST", json=[s["b"]["id"]], expect=(200, 402))
            if done.status == 402:
                raise PlanLimit("bulk archive answered 402 (the plan has no archiving)")
            _expect(
                done.answer[0]["client_ids"] == [s["b"]["id"]],
                f"bulk archive answered {done.answer!r}",
            )
            after = self.archived_states()
            changed = sorted(i for i in before.keys() & after.keys() if before[i] != after[i])
            _expect(
                changed == [s["b"]["id"]],
                f"bulk archive of {s['b']['id']} changed the archived state of {changed}",
            )

        def me_since() -> None:
            mine = self.call(ME, "GET", params={"since": self.started}).answer
            _expect(
                {s["a"]["id"], s["b"]["id"]} <= {c["id"] for c in mine},
                "since left out the run's clients",
            )

        def no_credentials() -> None:
            self.call(CLIENTS, "GET", anonymous=True, expect=401)

        def delete_one() -> None:
            deleted = self.call(CLIENT, "DELETE", client_id=s["a"]["id"])
            body = deleted.answer
            self.report.answers["single DELETE body"] = (
                "empty" if not deleted.body.strip() else f"a number: {body}" if isinstance(body, int)
                else f"something else: {deleted.body[:100]!r}"
            )  # fmt: skip
            _expect(
                body is NO_JSON or isinstance(body, int),
                f"a DELETE answered {deleted.body!r}: neither empty nor a number",
            )
            self.call(CLIENT, "GET", client_id=s["a"]["id"], expect=404)

        def bulk_delete() -> None:
            c = self.call(
                CLIENTS, "POST", json={"name": f"{self.prefix}c", "notes": self.marker}
            ).answer
            ids = [s["b"]["id"], c["id"]]
            self.call(CLIENTS + "/delete", "POST", json=ids)
            left = self.call(CLIENTS + "/data", "POST", json=ids).answer
            _expect(left == [], f"bulk delete of {ids} left {[item['id'] for item in left]}")

        labels = {  # the operations each step reaches
            "create": ("POST " + CLIENTS, "GET " + CLIENT),
            "update": ("PUT " + CLIENT, "GET " + CLIENT),
            "list": ("POST " + CLIENTS, "GET " + CLIENTS),
            "archive": (
                "POST " + CLIENT + "/archive",
                "GET " + CLIENTS,
                "POST " + CLIENT + "/restore",
            ),
            "data": ("POST " + CLIENTS + "/data",),
            "bulk archive": ("POST " + CLIENTS + "/archive", "GET " + CLIENTS),
            "me": ("GET " + ME,),
            "anonymous": ("GET " + CLIENTS,),
            "delete": ("DELETE " + CLIENT, "GET " + CLIENT),
            "bulk delete": (
                "POST " + CLIENTS,
                "POST " + CLIENTS + "/delete",
                "POST " + CLIENTS + "/data",
            ),
        }
        self.step(
            "create, a taken name refused, read back (createClient, getClient)",
            labels["create"],
            create,
        )
        if "a" not in s:
            return
        self.step(
            "update is partial and visible (updateClient, getClient)",
            labels["update"],
            partial_update,
        )
        self.step(
            "a second client, the name filter and total_count (createClient, listClients)",
            labels["list"],
            second_and_list,
        )
        if "b" not in s:
            return
        self.step(
            "archive, status=archived, restore (archiveClient, listClients, restoreClient)",
            labels["archive"],
            archive_and_restore,
        )
        self.step("by ids (getClientsByIds)", labels["data"], by_ids)
        self.step("bulk archive (archiveClients)", labels["bulk archive"], bulk_archive)
        self.step("changed since (listMyClients)", labels["me"], me_since)
        self.step("no credentials: 401 (listClients)", labels["anonymous"], no_credentials)
        self.step("delete, then 404 (deleteClient, getClient)", labels["delete"], delete_one)
        self.step(
            "bulk delete, then gone (deleteClients, getClientsByIds)",
            labels["bulk delete"],
            bulk_delete,
        )


class PlanLimit(Exception):
    """The workspace's plan refuses a feature (402, premium only): its checks go unverified."""


def _first_line(failure: BaseException) -> str:
    message = str(getattr(failure, "message", failure)).strip()
    return message.splitlines()[0] if message else ""


def _expect(condition: object, message: str) -> None:
    if not condition:
        raise StepFailed(message)
