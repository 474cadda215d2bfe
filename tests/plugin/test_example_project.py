"""The three distributions as users install them: in a fresh virtual environment that holds only
the freshly built wheels (and pytest, mypy), the example project's tests (the plugin, the SDK, the
contract kit) and `mypy --strict`; and the composite action another repository uses for a live
check, its steps run from a scratch repository."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from toggl_emulator.seed import DEFAULT_SEED
from toggl_emulator.server import EmulatorProcess
from toggl_pipeline.build import build_into, installed_venv, verify_installed
from toggl_pipeline.layout import Layout

from tests.support import ROOT

# One worker builds the wheels once for the whole module (`--dist loadgroup`).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("wheels")]
ACTION = ROOT / ".github" / "actions" / "contract-live" / "action.yml"


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    layout = Layout(ROOT)
    folder = tmp_path_factory.mktemp("dist")
    return [build_into(layout, dist, folder).wheel for dist in layout.distributions]


def test_the_example_project_passes_with_only_the_built_wheels(
    wheels: list[Path], venv: Path, tmp_path: Path
) -> None:
    assert sorted(w.name.split("-")[0] for w in wheels) == [
        "toggl_track_client",
        "toggl_track_contract",
        "toggl_track_emulator",
    ]
    # Raises (with the failing output shown) unless the smoke test, the example's tests and mypy pass.
    verify_installed(Layout(ROOT), venv, tmp_path)


@pytest.fixture(scope="module")
def venv(wheels: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield installed_venv(Layout(ROOT), wheels, tmp_path_factory.mktemp("installed"))


def run_action(inputs: dict[str, str], repository: Path, venv: Path) -> tuple[int, dict[str, str]]:
    """The action's shell steps, in order, as a runner would (`if: always()` ones too); the code
    of the last, and what the steps wrote to GITHUB_OUTPUT."""
    action = yaml.safe_load(ACTION.read_text())
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()} | inputs
    outputs: dict[str, str] = {}
    code = 0
    for step in action["runs"]["steps"]:
        if "run" not in step:
            continue  # `uses:` steps (the artifact upload) are GitHub's
        output = repository / "github-output"
        output.write_text("")
        env = {
            "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
            "HOME": str(repository),
            "GITHUB_OUTPUT": str(output),
            "TOGGL_CONTRACT_INTERVAL": "0",  # the runner's own environment: no pacing on loopback
        }
        for name, value in step.get("env", {}).items():
            env[name] = _expand(str(value), values, outputs)
        result = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repository, env=env,
                                capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
        code = result.returncode
        outputs |= dict(
            line.split("=", 1) for line in output.read_text().splitlines() if "=" in line
        )
        if step.get("id") == "check":
            assert "verdict: " in result.stdout, result.stdout[-3000:] + result.stderr[-3000:]
    return code, outputs


def _expand(value: str, inputs: dict[str, str], outputs: dict[str, str]) -> str:
    for name, given in inputs.items():
        value = value.replace("${{ inputs." + name + " }}", given)
    for name, given in outputs.items():
        value = value.replace("${{ steps.check.outputs." + name + " }}", given)
    return value


def test_another_repository_runs_the_live_check_with_the_action(
    wheels: list[Path], venv: Path, tmp_path: Path
) -> None:
    repository = tmp_path / "their-repo"
    repository.mkdir()
    subprocess.run(["git", "init", "--quiet", str(repository)], check=True)
    with EmulatorProcess(["--hourly-quota", "600"]) as emulator:
        code, outputs = run_action(
            {
                "api-token": DEFAULT_SEED.users["admin"].api_token,
                "workspace-id": str(DEFAULT_SEED.workspaces["premium"].id),
                "api-url": emulator.base_url,
                "budget": "150",
                "phases": "walk",
                "package": " ".join(map(str, wheels)),
            },
            repository,
            venv,
        )
    assert outputs["exit-code"] == "0" and code == 0
    report = repository / "reports" / "contract-live"
    assert (report / "junit.xml").is_file() and (report / "cassette.jsonl").is_file()


# the same steps run on GitHub: see .github/workflows/contract-live.yml
