"""`make contract` fails against a server that drifts from the spec in any way that matters."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from base64 import b64encode
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from toggl_emulator.server import free_port

from tests.support import ADMIN_TOKEN, PREMIUM, ROOT

pytestmark = [pytest.mark.contract, pytest.mark.slow]


@contextmanager
def drifting_server(deviation: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.contract.drift_server", deviation, str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_emulator/health", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/api/v9"
    finally:
        process.terminate()
        process.wait(timeout=10)


def run_contract(url: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TOGGL_API_URL": url,
        "TOGGL_API_TOKEN": ADMIN_TOKEN,
        "TOGGL_WORKSPACE_ID": f"{PREMIUM}",
        "CONTRACT_SEED": "1",
        "CONTRACT_MAX_EXAMPLES": "25",
        "TOGGL_CONTRACT_DISPOSABLE_SERVER": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "toggl_contract", "run"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("deviation", "evidence"),
    [
        ("shape", "Response violates schema"),
        ("status", "Undocumented status code"),
        ("header", "X-Authorization-Missing"),
        ("auth", "API accepts requests without authentication"),
        ("semantics", "the next read"),
    ],
)
def test_the_contract_run_fails_against_a_drifting_server(deviation: str, evidence: str) -> None:
    with drifting_server(deviation) as url:
        result = run_contract(url)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    assert evidence in output, output[-3000:]
    assert (
        ADMIN_TOKEN not in output
        and b64encode(f"{ADMIN_TOKEN}:api_token".encode()).decode() not in output
    )


def test_the_contract_run_passes_against_the_faithful_mock_and_writes_junit() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "toggl_contract", "run"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "CONTRACT_SEED": "3", "CONTRACT_MAX_EXAMPLES": "25"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "seed 3" in result.stdout
    assert (ROOT / "reports" / "contract" / "junit.xml").read_text().count("<testcase") >= 11
