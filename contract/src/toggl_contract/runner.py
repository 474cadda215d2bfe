"""The property-based part of a contract run: schemathesis' phases on every operation, then its
state machine, each case through the gateway, judged by every check.

Per operation, one Hypothesis test carries the examples and coverage phases (as explicit
examples) and the fuzzing phase (generated, positive and negative data). A case the gateway did
not send (not ours) is rejected: Hypothesis drops it and the report counts it. When the budget or
the quota stops the gateway, the run stops. Failures are recorded, not raised, so that nothing is
re-sent to confirm them: each failure names the cassette entry that reproduces it.

On a budget, the phases are planned to fit it: each operation gets an equal share of the requests
left after the walk (its cases and the checks' follow-up reads), and the state machine one more
share when that is enough for a whole sequence. A run that keeps to its plan is never cut short by
the budget; one that is (a 429 storm, say) ends with exit 3.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import hypothesis
import hypothesis.stateful
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.core.failures import Failure as CheckFailure
from schemathesis.core.failures import FailureGroup
from schemathesis.engine.errors import is_inconsistent_replay
from schemathesis.generation.hypothesis.builder import (
    HypothesisTestConfig,
    HypothesisTestMode,
    create_test,
)

from .apimap import ApiMap
from .checks import (
    NoBodyWhereNoneDeclared,
    RefusedOnlyForState,
    SemanticsCheck,
    method_not_allowed_as_recorded,
)
from .exchange import Exchange
from .gateway import GUARD_HEADER, REFUSED_STATUS, KitFault
from .report import Failure, Report

MAX_FAILURES_PER_OPERATION = 3
ROUNDS = [
    [HypothesisTestMode.EXAMPLES],
    [HypothesisTestMode.COVERAGE, HypothesisTestMode.FUZZING],
]
PHASES = ("walk", "examples", "coverage", "fuzzing", "stateful")
"""The parts of a run, in order: the deterministic walk, then schemathesis' phases."""
CASE_COST = 4
"""The most requests one generated case may take: a create (which keeps two for its cleanup) and a
follow-up read of a check."""


class StopRun(BaseException):
    """The gateway stopped sending (budget or quota): no further case can be tested."""


NOT_SENT = frozenset({"not-ours", "unclear", "unsendable"})
STOPPED = frozenset({"budget", "quota", "deadline", "interrupted"})


class _StopOperation(BaseException):
    """Enough distinct failures of one operation: on to the next."""


@dataclass(frozen=True)
class Generation:
    max_examples: int
    seed: int | None
    stateful_examples: int
    stateful_steps: int
    phases: frozenset[str] = frozenset(PHASES)

    def rounds(self) -> list[list[HypothesisTestMode]]:
        """The generated rounds these phases keep (the spec's examples first)."""
        kept = [[mode for mode in modes if mode.value in self.phases] for modes in ROUNDS]
        return [modes for modes in kept if modes]


def _header(response: schemathesis.Response, name: str) -> str | None:
    """A response header by name, whatever its case (schemathesis keeps lists of values)."""
    for key, value in response.headers.items():
        if key.lower() == name.lower():
            return value[0] if isinstance(value, list) else str(value)
    return None


class PropertyRun:
    def __init__(
        self,
        schema: Any,
        report: Report,
        semantics: SemanticsCheck,
        no_body: NoBodyWhereNoneDeclared,
        generation: Generation,
        position: Callable[[], tuple[int, Exchange | None]],
        reproduce: Callable[[int, Exchange | None], str],
        api: ApiMap,
        budget_left: Callable[[], int | None] = lambda: None,
        headers: dict[str, str] | None = None,
        proof: tuple[str, int] | None = None,
        owned: Callable[[str], list[int]] = lambda resource: [],
    ) -> None:
        self.schema = schema
        self.proof = proof  # against a server the run did not start: (the run's proof, workspace)
        self.owned = owned  # the ids of a resource the run owns and has not seen gone
        self.api = api
        self.report = report
        self.checks: list[Any] = [
            semantics,
            RefusedOnlyForState(api),
            method_not_allowed_as_recorded,
            no_body,
        ]
        self.generation = generation
        self.position = position  # the cassette position of the last exchange
        self.reproduce = reproduce
        self.budget_left = budget_left  # requests the gateway may still send; None: no budget
        self._seen: set[tuple[str, str]] = set()
        self._allowance: int | None = None  # what the current phase may still spend
        self._spending_from: int | None = None
        # One keep-alive session to the gateway (without one, every case opens a new connection);
        # the gateway is on loopback, so nothing from the environment (proxies) applies.
        self.session = requests.Session()
        self.session.trust_env = False
        self.headers = headers or {}  # the run's credential: the gateway serves nothing else
        self.session.headers.update(self.headers)

    def run(self) -> None:
        try:
            self._run()
        finally:
            self.session.close()

    def _run(self) -> None:
        operations = [result.ok() for result in self.schema.get_all_operations()]
        # The spec's own examples of every operation first, then coverage and fuzzing: on a small
        # budget the positive examples are worth the most.
        slots = [
            (modes, operation) for modes in self.generation.rounds() for operation in operations
        ]
        stateful = bool(self.generation.stateful_examples) and "stateful" in self.generation.phases
        shares = len(slots) + (1 if stateful else 0)
        for index, (modes, operation) in enumerate(slots):
            self._allowance = self._share(shares - index)
            try:
                self._operation(operation, modes)
            except _StopOperation:
                continue
        if stateful:
            self._allowance = self._share(1)
            if (
                self._allowance is not None
                and self._allowance < CASE_COST * self.generation.stateful_steps
            ):
                self.report.notes.append(
                    f"stateful phase: not run; the {self._allowance} requests left of the budget are "
                    f"not enough for a sequence of {self.generation.stateful_steps} steps"
                )
                return
            self._stateful()

    def _share(self, shares: int) -> int | None:
        left = self.budget_left()
        return None if left is None else max(0, left) // shares

    def _spend(self) -> None:
        """Before a case: stop the phase when its share of the budget cannot pay for one more."""
        self._spending_from = None
        if self._allowance is None:
            return
        before = self.budget_left()
        # The share may be overdrawn by one case (the next shares are computed from what is left);
        # the budget as a whole never is.
        if before is None or before < CASE_COST or self._allowance < 1:
            raise _StopOperation
        self._spending_from = before

    def _spent(self) -> None:
        after = self.budget_left()
        if self._allowance is not None and self._spending_from is not None and after is not None:
            self._allowance -= self._spending_from - after

    # --- one case -------------------------------------------------------------------------------

    def _call(self, case: schemathesis.Case[Any]) -> schemathesis.Response:
        self._spend()
        if self.proof is not None:
            self._carry_proof(case)
        response = case.call(session=self.session)
        refused = _header(response, GUARD_HEADER)
        if refused is None:
            return response
        if refused in NOT_SENT:
            tally = self.report.operations[case.operation.label]
            if refused == "unsendable":
                tally.unsendable += 1
            else:
                tally.not_ours += 1
            hypothesis.reject()
        if refused in STOPPED:
            raise StopRun(response.json())
        if refused == "no-answer":
            self.report.failures.append(
                Failure(case.operation.label, response.json(), self.reproduce(*self.position()))
            )
            raise _StopOperation
        raise KitFault(response.json())

    def _carry_proof(self, case: schemathesis.Case[Any]) -> None:
        """What a create or update sends carries the run's proof, names no other workspace, and
        refers only to what the run owns.

        Only values that cannot change a case's validity are touched: a string where a string is
        (or nothing was, for an optional field; a name keeps within its length limit, and the name
        of a case that breaks the schema on purpose is not touched at all), the pinned
        workspace where an integer is, one of the run's own ids (or `null`) where another id was,
        and a reference by name left out (it cannot be proven the run's). A case whose values
        cannot be made to carry the proof is left as generated; the gateway does not send it.
        """
        assert self.proof is not None
        mark, workspace_id = self.proof
        operation = self.api.by_label(case.operation.label)
        body = case.body
        if operation.action not in ("create", "update") or not isinstance(body, dict):
            return
        field = operation.proof_field
        spec = operation.body_fields.get(field or "")
        negative = case.meta is not None and case.meta.generation.mode.is_negative
        # A name that breaks its rules on purpose would be another name with the proof in it.
        if field is not None and spec is not None and not (negative and spec.name_rules):
            value = body.get(field)
            limit = spec.name_rules.max_length if spec.name_rules else None
            if isinstance(value, str) and mark not in value:
                if limit is not None:
                    value = value[: max(0, limit - len(mark) - 1)]
                body[field] = f"{value} {mark}" if value else mark
            elif field not in body and operation.action == "create" and not spec.required:
                body[field] = mark
        if isinstance(body.get("wid"), int) and not isinstance(body["wid"], bool):
            body["wid"] = workspace_id
        for name, referring in operation.body_fields.items():
            value = body.get(name)
            if referring.refers_to is None or name not in body or value is None:
                continue
            if isinstance(value, int) and not isinstance(value, bool) and 1 <= value < 2**63:
                owned = self.owned(referring.refers_to)
                body[name] = owned[value % len(owned)] if owned else None
            elif isinstance(value, str) and referring.type == "string":
                del body[name]  # a reference by name (a project's `client_name`)

    def _judge(
        self, case: schemathesis.Case[Any], response: schemathesis.Response, phase: str
    ) -> None:
        label = case.operation.label
        tally = self.report.operations[label]
        tally.sent += 1
        tally.by_phase[phase] += 1
        position = self.position()
        try:
            case.validate_response(
                response,
                additional_checks=self.checks,
                transport_kwargs={"headers": self.headers},  # the checks' probes carry it too
            )
        except (FailureGroup, CheckFailure) as raised:
            # A check's own request that the gateway did not send got the gateway's 499: what it
            # would have found is unverified, not a failure of the server.
            group = raised if isinstance(raised, FailureGroup) else FailureGroup([raised])
            real = [
                f
                for f in group.exceptions
                if f"{REFUSED_STATUS}" not in str(getattr(f, "message", ""))
            ]
            for failure in group.exceptions:
                if failure not in real:
                    self.report.unverified[
                        f"{label}: {getattr(failure, 'title', 'a check')} (its request was not sent)"
                    ] += 1
            if not real:
                tally.passed += 1
                return
            tally.failed += 1
            for failure in real:
                title = getattr(failure, "title", type(failure).__name__)
                if (label, title) in self._seen:
                    continue
                self._seen.add((label, title))
                message = f"{title}: {getattr(failure, 'message', failure)}".strip()
                self.report.failures.append(
                    Failure(label, message[:1500], self.reproduce(*position))
                )
            if sum(1 for op, _ in self._seen if op == label) >= MAX_FAILURES_PER_OPERATION:
                raise _StopOperation from None
            return
        tally.passed += 1

    # --- examples, coverage, fuzzing ------------------------------------------------------------

    def _operation(self, operation: Any, modes: list[HypothesisTestMode]) -> None:
        def test(case: schemathesis.Case[Any]) -> None:
            phase = case.meta.phase.name.value if case.meta is not None else "?"
            try:
                self._judge(case, self._call(case), phase)
            finally:
                self._spent()

        settings = hypothesis.settings(
            max_examples=self.generation.max_examples,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate]
            if HypothesisTestMode.FUZZING in modes
            else [Phase.explicit],
            suppress_health_check=list(HealthCheck),
        )
        config = HypothesisTestConfig(
            project=self.schema.config,
            modes=modes,
            settings=settings,
            seed=self.generation.seed,
        )
        tally = self.report.operations[operation.label]
        sent, failed = tally.sent, tally.failed
        try:
            create_test(operation=operation, test_func=test, config=config)()
        except hypothesis.errors.Unsatisfiable:
            self.report.notes.append(
                f"{operation.label}: no generated case of it could be sent (not ours)"
            )
        finally:  # progress, one line per operation and phase
            phases = "+".join(mode.value for mode in modes)
            print(f"  {phases:<17} {operation.label}: {tally.sent - sent} sent"
                  + (f", {tally.failed - failed} failed" if tally.failed > failed else ""), flush=True)  # fmt: skip

    # --- stateful ---------------------------------------------------------------------------------

    def _stateful(self) -> None:
        run = self
        base: Any = self.schema.as_state_machine()

        class Machine(base):  # type: ignore[misc]
            def call(self, case: schemathesis.Case[Any], **kwargs: Any) -> schemathesis.Response:
                return run._call(case)

            def validate_response(
                self,
                response: schemathesis.Response,
                case: schemathesis.Case[Any],
                *args: Any,
                **kwargs: Any,
            ) -> None:
                try:
                    with contextlib.suppress(_StopOperation):  # the state machine goes on
                        run._judge(case, response, "stateful")
                finally:
                    run._spent()

        settings = hypothesis.settings(
            max_examples=self.generation.stateful_examples,
            stateful_step_count=self.generation.stateful_steps,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
            derandomize=self.generation.seed is not None,
        )
        print(
            f"  {'stateful':<17} sequences of up to {self.generation.stateful_steps} steps",
            flush=True,
        )
        try:
            hypothesis.stateful.run_state_machine_as_test(Machine, settings=settings)
        except _StopOperation:
            self.report.notes.append("stateful phase: ended when its share of the budget was spent")
        except hypothesis.errors.Unsatisfiable:
            self.report.notes.append("stateful: no sequence of ours could be sent")
        except (hypothesis.errors.Flaky, AssertionError) as error:
            # Hypothesis replays a sequence's choices; against a server whose state moved on, a
            # step can no longer be drawn the same way. What ran is judged; the phase ends.
            if not (isinstance(error, hypothesis.errors.Flaky) or is_inconsistent_replay(error)):
                raise
            self.report.notes.append(
                "stateful phase: ended early, when Hypothesis could not replay a sequence against "
                "a server whose state had moved on (what ran was judged)"
            )
