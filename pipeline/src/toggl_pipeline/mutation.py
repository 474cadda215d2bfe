"""`make mutation`: mutation testing of the modules that protect users, with cosmic-ray.

    make mutation                                   # every module below, one after the other
    MUTATION_MODULES=retry,quota make mutation      # some of them
    MUTATION_MINUTES=5 make mutation                # the most time a module may take (default 40)

For each module, cosmic-ray makes small changes to it one at a time (an operator swapped, a
comparison turned, a constant changed, a condition negated) and runs the tests that module needs;
a mutant the tests do not fail "survived". The score is killed / (killed + survived). A module
passes at `TARGET` or more once the survivors listed in `mutation/survivors.toml` (each with a
one-line reason: an equivalent mutant, a log line, ...) are set aside; a survivor that is not
listed is printed with its place and diff, to be killed by a new test or listed. Mutants not run
within the module's time are counted and said, never scored.

Operators that only yield noise for this code (bitwise and shift operators on numbers that are
never bits, `**` and `%` where no code uses them) are filtered out before the run.

Reports: `reports/mutation/<module>.sqlite` (cosmic-ray's session, `cr-report` reads it) and
`reports/mutation/summary.json`. A module of the generated SDK is mutated in `generated/` (the
copy the tests import) and reported under its source in `sdk/runtime/`; every module is restored
byte for byte afterwards, whatever happens.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from toggl_pipeline import mutation_fork

TARGET = 0.90
MUTANT_TIMEOUT = 15.0  # seconds, at least; see `run`
PYTEST_ARGS = (
    "-x", "-q", "-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:xdist",
    "-p", "no:hypothesispytest", "-p", "no:anyio",
)  # fmt: skip
FORK_SERVER = Path(mutation_fork.__file__)
# The first run of a module's tests, unmutated: they must pass (else every mutant would look
# killed), and the third-party modules they import are what the fork server preloads.
_BASELINE = """
import json, sys, pytest
from toggl_pipeline.mutation_fork import preloadable
code = pytest.main(sys.argv[3:])
with open(sys.argv[1], "w") as out:
    json.dump(preloadable(sys.modules, sys.argv[2]), out)
raise SystemExit(code)
"""
NOISY_OPERATORS = (
    r"core/ReplaceBinaryOperator_.*_(BitOr|BitAnd|BitXor|LShift|RShift|Pow|Mod)$",
    r"core/ReplaceBinaryOperator_(BitOr|BitAnd|BitXor|LShift|RShift|Pow|Mod)_.*",
)


@dataclass(frozen=True)
class Module:
    name: str
    path: str  # what is mutated
    source: str  # where it is written (reported)
    tests: tuple[str, ...]


MODULES = (
    Module("retry", "generated/toggl_track_client/_runtime/retry.py", "sdk/runtime/retry.py",
           ("tests/sdk/test_retry_policy.py", "tests/sdk/test_retries.py", "tests/sdk/test_errors.py")),
    Module("quota", "generated/toggl_track_client/_runtime/quota.py", "sdk/runtime/quota.py",
           ("tests/sdk/test_quota.py", "tests/sdk/test_retries.py", "tests/sdk/test_errors.py")),
    Module("pacing", "generated/toggl_track_client/_runtime/pacing.py", "sdk/runtime/pacing.py",
           ("tests/sdk/test_pacing.py", "tests/sdk/test_construction.py")),
    Module("transport", "generated/toggl_track_client/_runtime/transport.py",
           "sdk/runtime/transport.py",
           ("tests/sdk/test_transport_rules.py", "tests/sdk/test_retries.py",
            "tests/sdk/test_hostile_networks.py", "tests/sdk/test_errors.py",
            "tests/sdk/test_connections.py")),
    Module("limits", "emulator/src/toggl_emulator/limits.py", "emulator/src/toggl_emulator/limits.py",
           ("tests/emulator/test_limit_rules.py", "tests/emulator/test_limits.py",
            "tests/emulator/test_intercept.py",
            # async code does not survive the fork server; the limits are the same either way
            "--deselect=tests/emulator/test_intercept.py::test_async_code_is_intercepted_too",
            "tests/emulator/test_hostile_clients.py::test_idle_quota_windows_and_rate_buckets_are_dropped")),
    Module("store", "emulator/src/toggl_emulator/store.py", "emulator/src/toggl_emulator/store.py",
           ("tests/emulator/test_store_rules.py", "tests/emulator/test_behaviour.py",
            "tests/emulator/test_projects.py")),
    Module("guard", "contract/src/toggl_contract/guard.py", "contract/src/toggl_contract/guard.py",
           ("tests/contract/test_guard.py",)),
    Module("ledger", "contract/src/toggl_contract/ledger.py", "contract/src/toggl_contract/ledger.py",
           ("tests/contract/test_ledger.py", "tests/contract/test_guard.py",
            "tests/contract/test_gateway.py", "tests/contract/test_cleanup.py")),
    Module("gateway", "contract/src/toggl_contract/gateway.py",
           "contract/src/toggl_contract/gateway.py",
           ("tests/contract/test_gateway_rules.py", "tests/contract/test_gateway.py",
            "tests/contract/test_relay.py",
            # the two slow ones (a shared store paced in real time, a relay's framing: 9 s of
            # the subset's 10); the faster tests still reach both
            "--deselect=tests/contract/test_gateway.py::test_runs_sharing_a_store_share_one_pace_and_one_quota",
            "--deselect=tests/contract/test_relay.py::test_no_framing_breaks_it")),
    Module("cleanup", "contract/src/toggl_contract/cleanup.py",
           "contract/src/toggl_contract/cleanup.py",
           ("tests/contract/test_cleanup_rules.py", "tests/contract/test_gateway.py",
            "tests/contract/test_cleanup.py")),
    Module("rules", "contract/src/toggl_contract/rules.py", "contract/src/toggl_contract/rules.py",
           ("tests/contract/verdicts", "tests/contract/test_rules.py")),
    Module("release_check", "pipeline/src/toggl_pipeline/release_check.py",
           "pipeline/src/toggl_pipeline/release_check.py",
           # its rules as units; `test_release_check.py` (a minute a run: git repos, Redocly)
           # checks the same end to end and would take over an hour here
           ("tests/pipeline/test_release_rules.py",)),
    Module("publish", "pipeline/src/toggl_pipeline/publish.py",
           "pipeline/src/toggl_pipeline/publish.py",
           # its rules as units; `test_publish.py` builds all three wheels (a minute a mutant)
           # and runs `make publish` on clones, which those units cover step by step
           ("tests/pipeline/test_publish_rules.py",)),
)  # fmt: skip


@dataclass
class Score:
    module: str
    source: str
    mutants: int
    killed: int
    survived: int
    accepted: int  # survivors listed, with a reason
    not_run: int
    unlisted: list[str]
    broken: bool = False  # the tests failed without a mutant: nothing was scored

    @property
    def score(self) -> float | None:
        judged = self.killed + self.survived - self.accepted
        return None if judged <= 0 else self.killed / judged

    @property
    def passed(self) -> bool:
        return (
            not self.broken and self.not_run == 0 and self.score is not None
            and self.score >= TARGET
        )  # fmt: skip


def run(root: Path, module: Module, minutes: float, accepted: dict[str, str]) -> Score:
    out = root / "reports" / "mutation"
    out.mkdir(parents=True, exist_ok=True)
    config, session = out / f"{module.name}.toml", out / f"{module.name}.sqlite"
    args = [*PYTEST_ARGS, *module.tests]
    preload = out / f"{module.name}.preload.json"
    started = time.monotonic()
    baseline = subprocess.run([sys.executable, "-c", _BASELINE, preload, root, *args], cwd=root,
                              capture_output=True, text=True)  # fmt: skip
    # A mutant's tests that run past this are counted as killed (cosmic-ray's rule): it is kept
    # well above what the unmutated tests take, so that only a mutant that hangs reaches it.
    timeout = max(MUTANT_TIMEOUT, 3 * (time.monotonic() - started))
    if baseline.returncode != 0:
        tail = "\n".join(baseline.stdout.splitlines()[-15:])
        return Score(module.name, module.source, 0, 0, 0, 0, 0,
                     [f"{module.source}: its tests fail without a mutant:\n{tail}"], broken=True)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="mutation-") as scratch:
        sock = f"{scratch}/fork.sock"
        with mutation_fork.started(sock, json.loads(preload.read_text()), str(root)):
            command = shlex.join([sys.executable, "-S", str(FORK_SERVER), "run", sock, *args])
            # The unmutated tests must pass in a fork too; where they do not (some async tests
            # do not survive the fork), every mutant runs cold, slower but the same as CI.
            if subprocess.run(shlex.split(command), cwd=root, capture_output=True).returncode:
                print("  (its tests fail in a fork: each mutant runs them cold)", flush=True)
                command = shlex.join([sys.executable, "-m", "pytest", *args])
            return _run_mutants(root, module, config, session, command, minutes, accepted, timeout)


def _run_mutants(
    root: Path,
    module: Module,
    config: Path,
    session: Path,
    command: str,
    minutes: float,
    accepted: dict[str, str],
    timeout: float,
) -> Score:
    config.write_text(
        "[cosmic-ray]\n"
        f"module-path = {json.dumps(module.path)}\n"
        f"timeout = {timeout:.1f}\nexcluded-modules = []\n"
        f"test-command = {json.dumps(command)}\n"
        '[cosmic-ray.distributor]\nname = "local"\n'
        "[cosmic-ray.filters.operators-filter]\n"
        f"exclude-operators = {json.dumps(list(NOISY_OPERATORS))}\n"
    )
    session.unlink(missing_ok=True)
    original = (root / module.path).read_bytes()
    bin_dir = Path(sys.executable).parent
    try:
        subprocess.run([bin_dir / "cosmic-ray", "init", config, session], cwd=root, check=True,
                       capture_output=True)  # fmt: skip
        subprocess.run([bin_dir / "cr-filter-operators", session, config], cwd=root, check=True,
                       capture_output=True)  # fmt: skip
        with contextlib.suppress(subprocess.TimeoutExpired):  # what was not run is counted below
            subprocess.run([bin_dir / "cosmic-ray", "exec", config, session], cwd=root,
                           capture_output=True, timeout=minutes * 60)  # fmt: skip
    finally:
        if (root / module.path).read_bytes() != original:
            (root / module.path).write_bytes(original)
    return _score(root, module, session, accepted)


def _score(root: Path, module: Module, session: Path, accepted: dict[str, str]) -> Score:
    dump = subprocess.run([Path(sys.executable).parent / "cosmic-ray", "dump", session], cwd=root,
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    killed = survived = listed = not_run = mutants = 0
    unlisted: list[str] = []
    for line in dump.splitlines():
        job, result = json.loads(line)
        mutation = job["mutations"][0]
        if result is None:
            not_run += 1
            mutants += 1
            continue
        if result.get("worker_outcome") == "skipped":
            continue  # filtered out as noise
        mutants += 1
        if result.get("test_outcome") == "survived":
            survived += 1
            key = f"{mutation['operator_name']}@{mutation['start_pos'][0]}:{mutation['occurrence']}"
            if f"{module.name}:{key}" in accepted:
                listed += 1
            else:
                unlisted.append(
                    f"{module.source}:{mutation['start_pos'][0]} {key}\n{result.get('diff', '')}"
                )
        else:
            killed += 1
    return Score(module.name, module.source, mutants, killed, survived, listed, not_run, unlisted)


def accepted_survivors(root: Path) -> dict[str, str]:
    """`mutation/survivors.toml`: `"<module>:<operator>@<line>:<occurrence>" = "reason"`."""
    path = root / "mutation" / "survivors.toml"
    if not path.is_file():
        return {}
    return {key: str(reason) for key, reason in tomllib.loads(path.read_text()).items()}


def main() -> int:
    root = Path.cwd()
    chosen = os.environ.get("MUTATION_MODULES", "")
    modules = [m for m in MODULES if not chosen or m.name in chosen.split(",")]
    minutes = float(os.environ.get("MUTATION_MINUTES", "40"))  # rules.py, the largest, takes ~25
    accepted = accepted_survivors(root)
    scores = []
    for module in modules:
        started = time.monotonic()
        print(f"mutation: {module.source} ...", flush=True)
        score = run(root, module, minutes, accepted)
        scores.append(score)
        shown = "n/a" if score.score is None else f"{score.score:.0%}"
        print(f"  {score.mutants} mutants, {score.killed} killed, {score.survived} survived "
              f"({score.accepted} listed), {score.not_run} not run in {minutes:g} min: {shown} "
              f"in {time.monotonic() - started:.0f} s", flush=True)  # fmt: skip
        for survivor in score.unlisted:
            print(
                ("  BROKEN " if score.broken else "  SURVIVED ") + survivor.replace("\n", "\n    ")
            )
    (root / "reports" / "mutation" / "summary.json").write_text(json.dumps(
        [{**vars(s), "score": s.score, "passed": s.passed} for s in scores], indent=2) + "\n")  # fmt: skip
    print("\nmodule                                         score  target 90%")
    for s in scores:
        shown = "n/a" if s.score is None else f"{s.score:.0%}"
        note = "" if not s.not_run else f" ({s.not_run} not run: raise MUTATION_MINUTES)"
        print(f"{s.source:<46} {shown:>5}  {'ok' if s.passed else 'BELOW'}{note}")
    return 0 if all(s.passed for s in scores) else 1


if __name__ == "__main__":
    raise SystemExit(main())
