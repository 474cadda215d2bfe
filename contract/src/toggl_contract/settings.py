"""Every setting of `toggl-contract`, read in one typed place, when a command starts.

Each setting has a command-line option and an environment variable (`TOGGL_CONTRACT_*`, or the
SDK's own `TOGGL_API_*` for the server and its credentials); an option wins over the variable,
the variable over the default. Older names keep working, with a line saying which to use. A value
that does not parse is a usage error (exit 2), named in one line.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from .ownership import MAX_RUN_SECONDS

LIVE_API_URL = "https://api.track.toggl.com/api/v9"
PACKAGED_SPEC = Path(str(files("toggl_contract") / "openapi.yaml"))
PACKAGED_CONFIG = Path(str(files("toggl_contract") / "schemathesis.toml"))
EMULATOR_MAX_EXAMPLES = 60
"""Generated cases per operation and phase against the run's own emulator: with the coverage
phase's own cases, the seventeen operations of clients and projects are checked within 30 s."""


class UsageError(Exception):
    """A setting that is missing or does not parse: exit 2, with this one line."""


@dataclass(frozen=True)
class Setting:
    name: str  # the option's and the field's name: budget -> --budget, TOGGL_CONTRACT_BUDGET
    env: str
    help: str
    default: str | None = None  # as it would be written in the environment
    parse: Callable[[str], Any] = str
    old_env: tuple[str, ...] = ()
    shown: str | None = None  # the default as --help shows it, when it is not a constant

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("must be at least 1")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise ValueError("must be 0 or more")
    return value


def _positive_seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise ValueError("must be more than 0")
    return value


def _run_seconds(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_RUN_SECONDS:
        raise ValueError(f"must be between 1 and {MAX_RUN_SECONDS}")
    return value


PHASES = ("walk", "examples", "coverage", "fuzzing", "stateful")


def _phases(text: str) -> frozenset[str]:
    chosen = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = chosen - set(PHASES)
    if unknown or not chosen:
        raise ValueError(f"must be a comma-separated choice of {', '.join(PHASES)}")
    return chosen


def _workspace(text: str) -> int:
    if not text.isdigit():
        raise ValueError("must be a workspace id (digits)")
    return int(text)


SERVER = (
    Setting("url", "TOGGL_API_URL", "the server under test (its API root); unset: an emulator the "
            "run starts itself (`run`), the live API (`live`, `cleanup`)", shown="see left"),
    Setting("token", "TOGGL_API_TOKEN", "API token of the sandbox user (never printed or recorded)"),
    Setting("workspace", "TOGGL_WORKSPACE_ID", "the sandbox workspace the run may create in",
            parse=_workspace),
)  # fmt: skip
RUN = (
    Setting("budget", "TOGGL_CONTRACT_BUDGET", "requests the run may send to a server it did not "
            "start, cleanup included (30: the Free plan's hourly quota; 600 a Premium hour)",
            "30", _positive_int),
    Setting("interval", "TOGGL_CONTRACT_INTERVAL", "seconds between requests to a server it did not "
            "start (Toggl's safe rate is one a second)", "1", _seconds),
    Setting("limits", "TOGGL_LIMITS", "a store of Toggl's limits shared with other runs and "
            "processes of this token (sqlite:///PATH, redis://HOST:PORT/DB): one pace and one "
            "hourly quota for all of them", None, str, shown="this run alone"),
    Setting("timeout", "TOGGL_CONTRACT_TIMEOUT", "seconds one request to the server may take in all, "
            "its answer included", "30", _positive_seconds),
    Setting("seed", "TOGGL_CONTRACT_SEED", "seed of the generated cases", None, int,
            ("CONTRACT_SEED",), shown="1 when CI=true, else random (printed)"),
    Setting("max_examples", "TOGGL_CONTRACT_MAX_EXAMPLES", "generated cases per operation and phase",
            None, _positive_int, ("CONTRACT_MAX_EXAMPLES",), shown="60 against the emulator, 5 else"),
    Setting("max_seconds", "TOGGL_CONTRACT_MAX_SECONDS", "the longest the run may take, cleanup "
            f"apart (at most {MAX_RUN_SECONDS}: a later cleanup takes an older run for ended)",
            str(MAX_RUN_SECONDS), _run_seconds),
    Setting("other_workspace", "TOGGL_CONTRACT_OTHER_WORKSPACE", "a workspace id to read one of "
            "the run's clients under (it must be refused; nothing is written there)", None,
            _workspace, shown="the pinned workspace's id + 1"),
    Setting("phases", "TOGGL_CONTRACT_PHASES", "which parts run: the deterministic walk (every "
            "rule), then schemathesis' examples, coverage, fuzzing and stateful phases",
            ",".join(PHASES), _phases),
    Setting("spec", "TOGGL_CONTRACT_SPEC", "the OpenAPI description to verify", None, Path,
            shown="./openapi.yaml, else the one this package ships"),
    Setting("config", "TOGGL_CONTRACT_CONFIG", "schemathesis configuration (checks, phases)", None,
            Path, shown="./schemathesis.toml, else the one this package ships"),
)  # fmt: skip
REPORTS = Setting(
    "reports", "TOGGL_CONTRACT_REPORTS", "where reports, cassettes and ledgers go", "reports", Path
)


BY_NAME = {setting.name: setting for setting in (*SERVER, *RUN, REPORTS)}


def add_options(parser: argparse.ArgumentParser, settings: tuple[Setting, ...]) -> None:
    """One option per setting, documented with its variable and default."""
    for setting in settings:
        default = setting.shown or setting.default or "none"
        parser.add_argument(
            setting.option, dest=setting.name, metavar=setting.name.upper(), default=None,
            help=f"{setting.help} [env {setting.env}; default: {default}]",
        )  # fmt: skip


def value(name: str, args: argparse.Namespace, environ: Mapping[str, str]) -> Any:
    """The setting's value: the option, else the variable (or an older name), else the default."""
    setting = BY_NAME[name]
    raw = getattr(args, setting.name, None)
    source = setting.option
    if raw is None:
        raw, source = environ.get(setting.env) or None, setting.env
    for old in setting.old_env:
        if raw is None and environ.get(old):
            raw, source = environ[old], old
            print(
                f"toggl-contract: {old} is deprecated; set {setting.env} instead", file=sys.stderr
            )
    if raw is None:
        raw, source = setting.default, "the default"
    if raw is None:
        return None
    try:
        return setting.parse(raw)
    except ValueError as error:
        raise UsageError(f"{source}={raw!r}: {error}") from None


@dataclass(frozen=True)
class Credentials:
    token: str
    workspace_id: int


def credentials(args: argparse.Namespace, environ: Mapping[str, str], command: str) -> Credentials:
    token, workspace = value("token", args, environ), value("workspace", args, environ)
    missing = [BY_NAME[n].env for n, v in (("token", token), ("workspace", workspace)) if v is None]
    if missing:
        raise UsageError(f"set {' and '.join(missing)} (an API token and a sandbox workspace id)")
    return Credentials(token, workspace)


@dataclass(frozen=True)
class RunSettings:
    """Everything one contract run is configured with."""

    command: str
    external: bool  # a server the run did not start: guarded, budgeted, paced, cleaned up
    base_url: str
    token: str
    workspace_id: int
    budget: int | None
    interval: float
    timeout: float
    seed: int
    max_examples: int
    stateful_examples: int
    stateful_steps: int
    reports: Path  # this run's folder: junit.xml, cassette.jsonl
    ledgers: Path
    spec: Path
    config: Path | None
    max_seconds: int = MAX_RUN_SECONDS
    other_workspace: int | None = None
    phases: frozenset[str] = frozenset(PHASES)
    limits: str | None = None  # a shared store of pace and quota (external runs only)


def spec_path(args: argparse.Namespace, environ: Mapping[str, str]) -> Path:
    given = value("spec", args, environ)
    if given is not None:
        if not given.is_file():
            raise UsageError(f"no OpenAPI description at {given}")
        return Path(given)
    local = Path("openapi.yaml")
    return local if local.is_file() else PACKAGED_SPEC


def run_settings(
    command: str, args: argparse.Namespace, environ: Mapping[str, str], emulator: tuple[str, int]
) -> RunSettings:
    """The settings of `run` or `live`; `emulator`: the token and workspace of the run's own emulator."""
    url = value("url", args, environ) or (LIVE_API_URL if command == "live" else None)
    seed = value("seed", args, environ)
    if seed is None:
        seed = 1 if environ.get("CI") == "true" else random.randrange(2**31)
    reports = value("reports", args, environ)
    config = value("config", args, environ)
    if config is None:
        config = (
            Path("schemathesis.toml") if Path("schemathesis.toml").is_file() else PACKAGED_CONFIG
        )
    common: dict[str, Any] = {
        "command": command, "interval": value("interval", args, environ),
        "max_seconds": value("max_seconds", args, environ),
        "other_workspace": value("other_workspace", args, environ),
        "phases": value("phases", args, environ),
        "timeout": value("timeout", args, environ), "seed": seed, "ledgers": reports / "contract-ledgers",
        "spec": spec_path(args, environ), "config": config,
    }  # fmt: skip
    examples = value("max_examples", args, environ)
    if url is None:
        token, workspace_id = emulator
        examples = examples or EMULATOR_MAX_EXAMPLES
        return RunSettings(
            external=False, base_url="", token=token, workspace_id=workspace_id, budget=None,
            max_examples=examples, stateful_examples=min(20, examples), stateful_steps=10,
            reports=reports / "contract", **{**common, "interval": 0.0},
        )  # fmt: skip
    given = credentials(args, environ, command)
    examples = examples or 5
    return RunSettings(
        external=True, base_url=url.rstrip("/"), token=given.token, workspace_id=given.workspace_id,
        budget=value("budget", args, environ), limits=value("limits", args, environ),
        max_examples=examples,
        stateful_examples=min(5, examples), stateful_steps=5,
        reports=reports / ("contract-live" if command == "live" else "contract"), **common,
    )  # fmt: skip


def environment() -> Mapping[str, str]:
    return os.environ
