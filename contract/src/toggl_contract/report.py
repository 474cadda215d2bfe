"""What a contract run verified, what it did not, and the exit code that says which.

Exit codes (the README lists them too):

    0  verified: every operation was exercised and every check passed
    1  drift: a check failed (the failures are listed, each with a command that reproduces it)
    2  usage: the run could not start (missing credentials, a bad option)
    3  incomplete: cut short by the budget, the hourly quota, throttling, the longest allowed
       duration or the plan (e.g. archive on a free workspace); the unverified operations and
       checks are listed. (A budgeted run plans its generated cases to fit the budget: keeping
       to that plan is not being cut short.)
    4  leftovers: cleanup could not delete everything the run created (ids listed; see
       `make contract-cleanup`)
    5  fault: the kit itself failed (a bug of the kit, never a verdict on the server); cleanup
       ran, and the traceback is in the run's report folder (`traceback.txt`)
    130 interrupted (Ctrl-C, SIGTERM); cleanup ran first

A run that verified nothing never exits 0. When several apply, the first of 4, 5, 1, 130, 3 wins.
"""

from __future__ import annotations

import enum
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .rulebook import RULES, Coverage
from .scrub import Scrubber


class ExitCode(enum.IntEnum):
    VERIFIED = 0
    DRIFT = 1
    USAGE = 2
    INCOMPLETE = 3
    LEFTOVERS = 4
    FAULT = 5
    INTERRUPTED = 130


@dataclass
class Failure:
    where: str  # an operation label or a step name
    message: str
    reproduce: str = ""


@dataclass
class Step:
    """One step of the deterministic walk."""

    name: str
    operations: tuple[str, ...]  # what its requests reached (sent and judged)
    outcome: str = "passed"  # passed | failed | skipped
    detail: str = ""
    reaches: tuple[str, ...] = ()  # the rules it exists for


@dataclass
class OperationTally:
    sent: int = 0
    passed: int = 0
    failed: int = 0
    not_ours: int = 0
    unsendable: int = 0  # no HTTP client can send it (a NUL in a header, say)
    by_phase: Counter[str] = field(default_factory=Counter)


@dataclass
class Report:
    title: str
    labels: list[str]  # every operation of the spec, as `METHOD /path`
    steps: list[Step] = field(default_factory=list)
    operations: dict[str, OperationTally] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    unverified: Counter[str] = field(default_factory=Counter)
    answers: dict[str, str] = field(default_factory=dict)
    stopped: str | None = None
    interrupted: bool = False
    leftovers: list[int] = field(default_factory=list)
    unconfirmed: list[str] = field(default_factory=list)  # what cleanup could not make sure of
    left_alone: list[int] = field(default_factory=list)  # ids of the run's that lost its proof
    notes: list[str] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)  # tracebacks of the kit's own failures
    coverage: Coverage = field(default_factory=Coverage)
    # The resources whose checks each rule line counts, in this order (runs pass the map's).
    resources: list[str] = field(default_factory=lambda: ["clients"])
    budget: str = ""  # what the run spent, and what a complete check needs
    walk_cost: int = 0  # the most the walk may cost: the budget that reaches every rule

    def __post_init__(self) -> None:
        for label in self.labels:
            self.operations.setdefault(label, OperationTally())

    def exercised(self) -> set[str]:
        """Operations a request of the walk or a generated case reached, and was judged on."""
        done = {op for step in self.steps for op in step.operations}
        done |= {op for op, tally in self.operations.items() if tally.sent}
        return done

    def unexercised(self) -> list[str]:
        return [op for op in self.labels if op not in self.exercised()]

    def exit_code(self) -> ExitCode:
        if self.leftovers or self.unconfirmed:
            return ExitCode.LEFTOVERS
        if self.faults:
            return ExitCode.FAULT
        if self.failures or any(step.outcome == "failed" for step in self.steps):
            return ExitCode.DRIFT
        if self.interrupted:
            return ExitCode.INTERRUPTED
        if (
            self.stopped
            or self.unexercised()
            or any(step.outcome == "skipped" for step in self.steps)
        ):
            return ExitCode.INCOMPLETE
        return ExitCode.VERIFIED

    # --- output -------------------------------------------------------------------------------

    def not_reached(self) -> dict[str, str]:
        """Every rule no request of the run checked, and why: the walk step that would have."""
        for rule in RULES:
            if self.coverage.reached(rule) or rule in self.coverage.not_reached:
                continue
            steps = [s for s in self.steps if rule in s.reaches and s.outcome == "skipped"]
            if steps:
                self.coverage.not_reached[rule] = (
                    f'step "{steps[0].name}" skipped: {steps[0].detail}'
                )
        return {
            r: why for r, why in self.coverage.not_reached.items() if not self.coverage.reached(r)
        }

    def summary(self) -> str:
        """The verdict and what it rests on first (exercised, failed, unverified, spent), the
        details after."""
        code = self.exit_code()
        missing, unreached = self.unexercised(), self.not_reached()
        walk_failed = [s for s in self.steps if s.outcome == "failed"]
        rules_checked = sum(1 for r in RULES if self.coverage.reached(r))
        lines = [
            f"== {self.title} ==",
            f"verdict: {code.name.lower()} (exit {int(code)}): {len(self.failures) + len(walk_failed)} "
            f"failure(s); {len(self.labels) - len(missing)} of {len(self.labels)} operations exercised; "
            f"{rules_checked} of {len(RULES)} rules checked"
            + (f"; {self.budget}" if self.budget else ""),
        ]
        if walk_failed or self.failures:
            lines.append(f"failures ({len(walk_failed) + len(self.failures)}):")
            for step in walk_failed:
                detail = step.detail.splitlines()
                lines.append(f"  ✗ walk, {step.name}: {detail[0]}")
                lines += [f"    {line.strip()}" for line in detail[1:]]
            for failure in self.failures:
                lines.append(f"  ✗ {failure.where}: {failure.message}")
                if failure.reproduce:
                    lines.append(f"    reproduce: {failure.reproduce}")
        if self.coverage.failed:
            soft = [line for line in self.coverage.lines(self.resources) if line.startswith("  ~")]
            if soft:
                lines.append(
                    "assumptions that did not hold (graded [infer]; not counted as drift):"
                )
                lines += soft
        if missing or unreached or self.unverified or self.stopped:
            lines.append("not verified:")
            if self.stopped:
                lines.append(f"  stopped: {self.stopped}")
            lines += [f"  operation not exercised: {op}" for op in missing]
            lines += [f"  rule not reached: {rule} ({why})" for rule, why in unreached.items()]
            lines += [f"  {what} (x{n})" for what, n in self.unverified.most_common(10)]
        lines.append("rules:")
        lines += self.coverage.lines(self.resources)
        if self.steps:
            counts = Counter(step.outcome for step in self.steps)
            lines.append(f"deterministic walk: {len(self.steps)} steps, {counts['passed']} passed, "
                         f"{counts['failed']} failed, {counts['skipped']} skipped")  # fmt: skip
            lines += [
                f"  - {s.name}: {s.detail.splitlines()[0]}"
                for s in self.steps
                if s.outcome == "skipped"
            ]
        generated = {op: t for op, t in self.operations.items() if t.sent or t.not_ours}
        if generated:
            lines.append(
                "generated cases (schemathesis), per operation: sent, passed, failed, not sent"
            )
            for op, tally in generated.items():
                phases = ", ".join(f"{k} {v}" for k, v in sorted(tally.by_phase.items()))
                unsendable = f", {tally.unsendable} unsendable" if tally.unsendable else ""
                lines.append(f"  {op}: {tally.sent} sent, {tally.passed} passed, {tally.failed} failed, "
                             f"{tally.not_ours} not sent: not ours{unsendable}" + (f" ({phases})" if phases else ""))  # fmt: skip
        if self.answers:
            lines.append("open questions, as this server answered them:")
            lines += [f"  {question}: {answer}" for question, answer in self.answers.items()]
        lines += self.notes
        if self.leftovers:
            lines.append(
                f"LEFT BEHIND: {self.leftovers} (in the ledger; `toggl-contract cleanup` deletes them once they can be proven the run's)"
            )
        lines += [f"CLEANUP COULD NOT MAKE SURE: {what}" for what in self.unconfirmed]
        if self.left_alone:
            lines.append(
                f"LEFT ALONE: {self.left_alone}: created by this run, they no longer carry its proof "
                "(the server erased it, or gave the id to something else); check them by hand"
            )
        lines.append(f"result: {code.name.lower()} (exit {int(code)})")
        return "\n".join(lines)

    def write_junit(self, path: Path, scrubber: Scrubber | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        suite = ET.Element("testsuite", name=self.title)
        cases = 0
        failures = skipped = 0
        for step in self.steps:
            case = ET.SubElement(suite, "testcase", classname="walk", name=step.name)
            cases += 1
            if step.outcome == "failed":
                failures += 1
                ET.SubElement(
                    case,
                    "failure",
                    message=step.detail.splitlines()[0] if step.detail else "failed",
                ).text = step.detail
            elif step.outcome == "skipped":
                skipped += 1
                ET.SubElement(case, "skipped", message=step.detail)
        for op, tally in self.operations.items():
            case = ET.SubElement(suite, "testcase", classname="generated", name=op)
            cases += 1
            mine = [f for f in self.failures if f.where == op]
            if mine:
                failures += 1
                text = "\n\n".join(f"{f.message}\nreproduce: {f.reproduce}" for f in mine)
                ET.SubElement(case, "failure", message=mine[0].message.splitlines()[0]).text = text
            elif not tally.sent:
                skipped += 1
                ET.SubElement(
                    case, "skipped", message=f"no generated case sent ({tally.not_ours} not ours)"
                )
            else:
                ET.SubElement(case, "system-out").text = f"{tally.sent} sent, {tally.passed} passed"
        suite.set("tests", str(cases))
        suite.set("failures", str(failures))
        suite.set("skipped", str(skipped))
        out = ET.SubElement(suite, "system-out")
        out.text = self.summary()
        text = ET.tostring(suite, encoding="unicode", xml_declaration=True)
        path.write_text(scrubber.text(text) if scrubber else text, encoding="utf-8")
