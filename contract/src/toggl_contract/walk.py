"""The deterministic walk: every rule of the rule book reached, on three clients and three projects
the run creates, planned to fit the budget, before any generated case. What a Free plan's hourly
budget (30 requests) pays for comes first.

Each step arranges a situation (a rename to a taken name, a second delete, a `since` after a
delete) and sends its requests through the gateway; every answer is validated against the spec and
judged by the rules (`rules.py`), which say what is right: the walk asserts nothing of its own. A
step declares the rules it reaches and the most requests it costs, its own cleanup included; a step
the budget cannot pay for is skipped whole, and the report says which rules it would have reached
and what a complete check needs. A step that fails does not stop the walk: only a step that needs
what a failed one did not make is skipped.

It also answers the open questions the spec lists (does a PUT without `name` work? what does a
single DELETE answer? is a project created without `active` archived?), so that one live run
settles them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from schemathesis.core.failures import Failure as CheckFailure
from schemathesis.core.failures import FailureGroup

from .apimap import ApiMap
from .exchange import NO_JSON, Exchange
from .gateway import CREATE_COST, GUARD_HEADER
from .reader import RunClient
from .report import Report, Step
from .rules import RuleViolation, Semantics, Unverified

WRITE_COST = 2  # the fresh proof read, then the write
NAME_LIMIT = 255
PALETTE = ("#2da608", "#9e5bd9")  # two colours of Toggl's free palette: a free workspace takes them


def name_filter_needle(prefix: str) -> str:
    """What the walk's name filters look for: a substring from the middle of the run's names, in
    another case, so a prefix-only or case-sensitive filter finds nothing. It keeps "contract",
    since a run id may have no letter whose case could change."""
    return prefix.removeprefix("toggl-").upper()


class StepFailed(AssertionError):
    pass


class StepStopped(Exception):
    """The gateway did not send a request (budget, quota, not ours): the step is not done."""


class PlanLimit(Exception):
    """The workspace's plan refuses a feature (402, premium only): its rules go unverified."""


@dataclass(frozen=True)
class Plan:
    name: str
    reaches: tuple[str, ...]  # rule ids
    cost: int  # the most requests it sends upstream, what its creates keep for cleanup included
    needs: tuple[str, ...]  # what earlier steps must have made
    action: Callable[[], None] = field(compare=False)


class Walk:
    def __init__(
        self,
        client: RunClient,
        api: ApiMap,
        schema: Any,
        semantics: Semantics,
        report: Report,
        *,
        prefix: str,
        started: int,
        other_workspace: int,
        reproduce: Callable[[Exchange], str],
        budget_left: Callable[[], int | None] = lambda: None,
    ) -> None:
        self.client = client
        self.api = api
        self.schema = schema
        self.semantics = semantics
        self.report = report
        self.prefix = prefix  # the run's name prefix: toggl-contract-<run id>-
        self.started = started
        self.other_workspace = other_workspace
        self.reproduce = reproduce
        self.budget_left = budget_left
        self.state: dict[str, Any] = {}
        self.step_now: Step | None = None
        self.last: Exchange | None = None

    # --- one request ------------------------------------------------------------------------------

    def call(
        self,
        action: str,
        params: dict[str, object] | None = None,
        *,
        resource: str = "clients",
        expect: int | tuple[int, ...] = 200,
        follow_up: bool = True,
        anonymous: bool = False,
        query: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Exchange:
        """One request to the resource's `action`: sent through the gateway, validated against the
        spec, judged by the rules (reading the server again where a rule needs it)."""
        operation = self.api.find(resource, action)
        assert operation is not None, (resource, action)
        response = self.client.request(
            operation, params or {}, query=query, json=json, anonymous=anonymous
        )
        label = operation.label
        refused = response.headers.get(GUARD_HEADER)
        if refused == "no-answer":
            self._exercised(label)
            raise StepFailed(f"{label}: {response.json()}")
        if refused:
            raise StepStopped(f"{label} was not sent ({refused}): {response.json()}")
        self._exercised(label)
        exchange = Exchange.of(
            response, self.client.api_path, "none" if anonymous else "credentials"
        )
        self.last = exchange
        self._validate(operation.method, operation.template, response, exchange)
        try:
            self.semantics.check(exchange, follow_up=follow_up)
        except RuleViolation as violation:
            raise StepFailed(f"{violation}\n  reproduce: {self.reproduce(exchange)}") from None
        if response.status_code not in (expect if isinstance(expect, tuple) else (expect,)):
            raise StepFailed(
                f"{label}: expected {expect}, got {response.status_code} {response.text[:300]}\n"
                f"  reproduce: {self.reproduce(exchange)}"
            )
        return exchange

    def _validate(
        self, method: str, template: str, response: httpx.Response, exchange: Exchange
    ) -> None:
        operation = self.schema[template][method]
        documented = operation.definition.raw["responses"]
        label = f"{method} {template}"
        if str(response.status_code) not in documented:
            raise StepFailed(
                f"{label}: undocumented status {response.status_code}\n  reproduce: {self.reproduce(exchange)}"
            )
        if (
            response.status_code == 200
            and not response.content
            and documented["200"].get("x-toggl-body-may-be-empty")
        ):
            return
        try:
            operation.validate_response(response)
        except (FailureGroup, CheckFailure) as raised:  # every violation, one line each
            failures = raised.exceptions if isinstance(raised, FailureGroup) else (raised,)
            lines = [f"{getattr(f, 'title', type(f).__name__)}: {_first_line(f)}" for f in failures]
            raise StepFailed(
                f"{label}: the response does not match the spec: {'; '.join(lines)}"
                f"\n  reproduce: {self.reproduce(exchange)}"
            ) from None

    def _exercised(self, label: str) -> None:
        if self.step_now is not None and label not in self.step_now.operations:
            self.step_now.operations += (label,)

    # --- steps --------------------------------------------------------------------------------------

    def step(self, plan: Plan) -> None:
        step = Step(plan.name, (), reaches=plan.reaches)
        self.report.steps.append(step)
        missing = [need for need in plan.needs if need not in self.state]
        left = self.budget_left()
        if missing:
            step.outcome, step.detail = (
                "skipped",
                f"needs {', '.join(missing)}, which no earlier step made",
            )
        elif left is not None and left < plan.cost:
            step.outcome = "skipped"
            step.detail = (
                f"needs up to {plan.cost} requests of the budget; {max(left, 0)} were left"
            )
        else:
            self.step_now = step
            try:
                plan.action()
            except (StepStopped, Unverified) as stop:
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
                # An answer the walk did not foresee (a field missing, of another type) fails the
                # step, and the walk goes on. Anything else is a fault of the kit, not of the server.
                detail = str(failure) if isinstance(failure, StepFailed | RuleViolation) else (
                    f"the walk could not judge the answer ({type(failure).__name__}: {failure})")  # fmt: skip
                if "reproduce: " not in detail and self.last is not None:
                    detail += f"\n  reproduce: {self.reproduce(self.last)}"
                step.outcome, step.detail = "failed", detail
            finally:
                self.step_now = None
        mark = {"passed": "✓", "failed": "✗", "skipped": "-"}[step.outcome]
        print(f"  {mark} {plan.name}" + (f": {step.detail.splitlines()[0]}" if step.outcome != "passed" else ""),
              flush=True)  # fmt: skip

    def run(self) -> None:
        for plan in self.plans():
            self.step(plan)

    def complete_cost(self) -> int:
        """What the whole walk may cost: the budget it needs to reach every rule."""
        return sum(plan.cost for plan in self.plans())

    def plans(self) -> list[Plan]:
        s = self.state
        w = self.prefix

        def create(key: str, name: str, *, follow_up: bool, resource: str = "clients",
                   expect: int | tuple[int, ...] = 200, **fields: Any) -> dict[str, Any]:  # fmt: skip
            operation = self.api.find(resource, "create")
            assert operation is not None
            body = self.client.carrying_proof(operation, {"name": name, **fields})
            self.last = None
            try:
                self.call(
                    "create", resource=resource, json=body, follow_up=follow_up, expect=expect
                )
            finally:  # what it made is there for the steps after, whatever a rule found of it
                made = (
                    self.last.answer if self.last is not None and self.last.status == 200 else None
                )
                if isinstance(made, dict) and isinstance(made.get("id"), int):
                    s[key] = made
                    s[f"{key}_made"] = time.time()
            return s.get(key, {})  # type: ignore[no-any-return]  # nothing made: a refusal expected

        # First what a Free plan's budget (30) pays for, on client a: create, read, update, delete.

        def create_and_read() -> None:
            a = create("a", f"  {w}a ", follow_up=True)  # the name trimmed, a taken name refused
            self.call("get", {"client_id": a["id"]})

        def update_partial() -> None:
            # At least a second after the create (`at` has second precision), only the external
            # reference: the name and the notes must stay as they are, and `at` must move.
            time.sleep(max(0.0, int(s["a_made"]) + 1.5 - time.time()))
            updated = self.call("update", {"client_id": s["a"]["id"]}, json={"external_reference": "contract-a2"},
                                expect=(200, 400))  # fmt: skip
            self.report.answers["PUT without `name`"] = (
                "accepted: updates are partial" if updated.status == 200
                else f"refused: 400 {updated.body.decode(errors='replace')}"
            )  # fmt: skip
            if updated.status == 400:
                raise StepFailed(
                    "a PUT without `name` was refused: the spec says updates are partial"
                )

        def other_workspace() -> None:
            self.call(
                "get",
                {"workspace_id": self.other_workspace, "client_id": s["a"]["id"]},
                expect=(403, 404),
            )

        def by_ids() -> None:
            self.call("get-many", json=[s["a"]["id"]])

        def anonymous() -> None:
            self.call("list", anonymous=True, expect=401)

        def delete_twice() -> None:
            a = s["a"]["id"]
            deleted = self.call("delete", {"client_id": a})
            body = deleted.answer
            self.report.answers["single DELETE body"] = (
                "empty" if not deleted.body.strip() else f"a number: {body}" if isinstance(body, int)
                else f"something else: {deleted.body[:100]!r}"
            )  # fmt: skip
            if not (body is NO_JSON or isinstance(body, int)):
                raise StepFailed(f"a DELETE answered {deleted.body!r}: neither empty nor a number")
            self.call("delete", {"client_id": a}, expect=404)
            s["a_deleted"] = True

        def since() -> None:
            self.call("list-mine", query={"since": self.started})

        # Then, on clients b and c: lists, names, archiving, bulk operations.

        def two_more_and_filter() -> None:
            create("b", f"{w}b", follow_up=False)
            create("c", f"{w}c", follow_up=False)
            needle = name_filter_needle(w)
            self.call("list", query={"status": "both", "name": needle})
            self.call("get-many", json=[s["b"]["id"], s["c"]["id"]])

        def rename_to_taken() -> None:
            self.call(
                "update",
                {"client_id": s["b"]["id"]},
                json={"name": s["c"]["name"].upper()},
                expect=400,
            )

        def name_boundaries() -> None:
            b = s["b"]["id"]
            for name, status in ((" \u3000\t ", 400), ("", 400), (f"{w}b".ljust(NAME_LIMIT + 1, "x"), 400),
                                 (f"{w}b".ljust(NAME_LIMIT, "x"), 200), (f"{w}b Zoë Ærø 東京 ŁÓDŹ", 200)):  # fmt: skip
                self.call(
                    "update", {"client_id": b}, json={"name": name}, expect=status, follow_up=False
                )
            self.call("update", {"client_id": b}, json={"name": f"{w}b"}, follow_up=False)

        def archive_and_restore() -> None:
            b = s["b"]["id"]
            archived = self.call("archive", {"client_id": b}, expect=(200, 402))
            if archived.status == 402:
                raise PlanLimit(
                    "archive answered 402 (the plan has no archiving): its rules went unverified"
                )
            self.call("get", {"client_id": b}, expect=(200, 404))  # the rules judge a 404: [infer]
            self.call("list", query={"status": "archived", "name": w})
            self.call("restore", {"client_id": b}, json={})

        def bulk_archive() -> None:
            self.call("list", query={"status": "both"})  # how the others are, right before
            done = self.call("archive-many", json=[s["b"]["id"], s["c"]["id"]], expect=(200, 402))
            if done.status == 402:
                raise PlanLimit("bulk archive answered 402 (the plan has no archiving)")

        def bulk_delete() -> None:
            ids = [s["b"]["id"], s["c"]["id"]]
            self.call("delete-many", json=ids)
            self.call("get-many", json=ids)
            s["bc_deleted"] = True

        # Projects, under clients b and c: the rules of clients again, and those of projects.
        mark = self.client.marker

        def project(key: str, name: str, **fields: Any) -> dict[str, Any]:
            return create(key, name, resource="projects", follow_up=True, **fields)

        def p(action: str, params: dict[str, object] | None = None, **kwargs: Any) -> Exchange:
            return self.call(action, params, resource="projects", **kwargs)

        def project_create_and_read() -> None:
            p1 = project("p1", f"{w}p1 {mark}", client_id=s["b"]["id"], active=True,
                         is_private=False, color=PALETTE[0])  # fmt: skip
            p("get", {"project_id": p1["id"]})
            p(
                "get",
                {"workspace_id": self.other_workspace, "project_id": p1["id"]},
                expect=(403, 404),
            )

        def project_active_left_out() -> None:
            # The name of p1, under client c: allowed; `active` left out: archived, as reported.
            p2 = project("p2", s["p1"]["name"], client_id=s["c"]["id"])
            self.report.answers["a project created without `active`"] = (
                "archived (active: false)" if p2.get("active") is False
                else f"active: {p2.get('active')!r}"
            )  # fmt: skip
            self.report.answers["a project created without `is_private`"] = (
                f"is_private: {p2.get('is_private')!r}"
            )

        def project_premium_field() -> None:
            # Open question: a premium field on this workspace (402 on a free plan, as assumed?).
            made = create("p5", f"{w}p5 {mark}", resource="projects", follow_up=False,
                          expect=(200, 400, 402), active=True, billable=True)  # fmt: skip
            last = self.last
            self.report.answers["a project created with `billable: true`"] = (
                f"stored: billable {made.get('billable')!r}" if made
                else f"refused: {last.status} {last.body[:100]!r}" if last is not None else "not answered"
            )  # fmt: skip

        def project_update_and_archive() -> None:
            p1 = s["p1"]["id"]  # `at` must not go back (that it moves is the clients' step's)
            p("update", {"project_id": p1}, json={"color": PALETTE[1]})
            p("update", {"project_id": p1}, json={"active": False})
            create("p3", s["p1"]["name"], resource="projects", follow_up=True, expect=400,
                   client_id=s["b"]["id"], active=True)  # fmt: skip
            p("update", {"project_id": p1}, json={"active": True})

        def project_refusals() -> None:
            create("p4", f"{w}p4 {mark}", resource="projects", follow_up=True, expect=400,
                   client_id=s["a"]["id"], active=True)  # fmt: skip
            p("update", {"project_id": s["p1"]["id"]}, json={"color": "blue"}, expect=400)

        def project_filters() -> None:
            needle = name_filter_needle(w)
            clients = f"{s['b']['id']},{s['c']['id']}"
            p("list", query={"client_ids": clients, "active": "true"})
            p("list", query={"name": needle, "statuses": "active,archived"})
            p("list-mine")  # archived projects left out
            # Open questions one read each settles: a page size over 200, a page past the end.
            large = p("list", query={"per_page": 500}, expect=(200, 400))
            self.report.answers["projects per_page=500"] = (
                f"answered {len(large.answer)} projects (a page of at most 200)"
                if isinstance(large.answer, list) else f"refused: {large.status} {large.body[:100]!r}"
            )  # fmt: skip
            past = p("list", query={"page": 100000, "per_page": 200})
            self.report.answers["a projects page past the end"] = repr(past.answer)[:60]

        def project_follows_its_client() -> None:
            b = s["b"]["id"]
            archived = self.call("archive", {"client_id": b}, expect=(200, 402))
            if archived.status == 402:
                raise PlanLimit(
                    "archive answered 402 (the plan has no archiving): its rules went unverified"
                )
            p("get", {"project_id": s["p1"]["id"]})
            self.call("restore", {"client_id": b}, json={"restore_all_projects": True})
            p("get", {"project_id": s["p1"]["id"]})

        def project_delete_twice() -> None:
            p2 = s["p2"]["id"]
            deleted = p("delete", {"project_id": p2})
            body = deleted.answer
            self.report.answers["single project DELETE body"] = (
                "empty" if not deleted.body.strip() else f"a number: {body}" if isinstance(body, int)
                else f"something else: {deleted.body[:100]!r}"
            )  # fmt: skip
            p("delete", {"project_id": p2}, expect=404)
            p("list-mine", query={"since": self.started})

        def project_without_its_client() -> None:
            p("get", {"project_id": s["p1"]["id"]})

        return [
            Plan("create, read back; a taken name refused (createClient, getClient)",
                 ("create-stores", "name-trimmed", "read-shows-last-write", "name-unique", "name-taken-text"),
                 2 * CREATE_COST + 2, (), create_and_read),
            Plan("update is partial, stored, and moves `at` (updateClient)",
                 ("update-stores", "update-partial", "at-moves"), WRITE_COST + 1, ("a",), update_partial),
            Plan("a client read under another workspace's path is refused (getClient)",
                 ("other-workspace",), 1, ("a",), other_workspace),
            Plan("by ids (getClientsByIds)", ("by-ids-exact",), 1, ("a",), by_ids),
            Plan("no credentials: 401 (listClients)", ("anonymous-401",), 1, (), anonymous),
            Plan("delete, then 404; a second delete, 404 (deleteClient)", ("delete-404", "delete-again-404"),
                 2 * WRITE_COST + 1, ("a",), delete_twice),
            Plan("changed since, the deleted client included (listMyClients)", ("since-changed", "since-deleted"),
                 2, ("a_deleted",), since),
            Plan("two more clients; the name filter by a substring in another case, total_count, both by ids "
                 "(listClients, getClientsByIds)", ("filter", "total-count", "by-ids-exact"), 2 * CREATE_COST + 3, (),
                 two_more_and_filter),
            Plan("a rename to a taken name is refused, and changes nothing (updateClient)",
                 ("name-unique", "refused-changes-nothing"), WRITE_COST + 2, ("b", "c"), rename_to_taken),
            Plan("name boundaries: blank, empty, 256 and 255 characters, non-ASCII letters (updateClient)",
                 ("name-empty", "name-blank", "name-length", "name-unicode"), 6 * WRITE_COST, ("b",),
                 name_boundaries),
            Plan("archive; archived clients are listed and read; restore (archiveClient, restoreClient)",
                 ("archive-flips", "archived-readable"), 2 * WRITE_COST + 6, ("b",), archive_and_restore),
            Plan("a project under client b, read back, refused under another workspace; its name in "
                 "another case refused (createProject, getProject)",
                 ("create-stores", "legacy-twins", "status-follows-active", "name-unique", "other-workspace"),
                 2 * CREATE_COST + 3, ("b",), project_create_and_read),
            Plan("the same name under client c is accepted; `active` left out archives (createProject)",
                 ("name-scoped", "active-default"), 2 * CREATE_COST + 1, ("b", "c", "p1"), project_active_left_out),
            Plan("a premium field on this workspace's plan (createProject)", (), CREATE_COST, (),
                 project_premium_field),
            Plan("a project's update is partial; archived by `active`, it still holds its name; restored "
                 "(updateProject)", ("update-partial", "at-moves", "archive-flips", "archived-holds-name"),
                 3 * (WRITE_COST + 1) + CREATE_COST + 1, ("p1",), project_update_and_archive),
            Plan("a project naming a deleted client, and a colour not `#rrggbb`: refused (createProject, "
                 "updateProject)", ("client-present", "color-format", "refused-changes-nothing"),
                 CREATE_COST + WRITE_COST + 1, ("a_deleted", "p1"), project_refusals),
            Plan("the project list's filters and total_count; my projects leave archived ones out "
                 "(listProjects, listMyProjects)", ("filter", "total-count"), 7, ("p1",), project_filters),
            Plan("archiving client b archives its project, restoring it with its projects restores it "
                 "(archiveClient, restoreClient, getProject)", ("archive-cascades", "restore-cascades"),
                 2 * (WRITE_COST + 1) + 2, ("b", "p1"), project_follows_its_client),
            Plan("a project deleted, then 404; a second delete 404; changed since, the deleted project "
                 "included (deleteProject, listMyProjects)", ("delete-404", "delete-again-404", "since-deleted"),
                 2 * WRITE_COST + 3, ("p2",), project_delete_twice),
            Plan("bulk archive of two clients, and of nothing else (archiveClients)", ("bulk-exact",),
                 WRITE_COST + 3, ("b", "c"), bulk_archive),
            Plan("bulk delete, then gone (deleteClients, getClientsByIds)", ("bulk-exact", "delete-404"),
                 WRITE_COST + 2, ("b", "c"), bulk_delete),
            Plan("deleting its client leaves the project without one (getProject)", ("delete-detaches",),
                 1, ("p1", "bc_deleted"), project_without_its_client),
        ]  # fmt: skip


def _first_line(failure: BaseException) -> str:
    message = str(getattr(failure, "message", failure)).strip()
    return message.splitlines()[0] if message else ""
