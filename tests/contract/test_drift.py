"""A server that drifts from the spec or from Toggl's rules makes the run fail, whatever the
drift; the faithful emulator passes (`test_guarded_run.py`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contract.runs import base_url, contract, server
from tests.support import ADMIN_TOKEN

pytestmark = [pytest.mark.contract, pytest.mark.slow]


@pytest.mark.parametrize(
    ("deviation", "evidence"),
    [
        ("shape", '"at" is a required property'),
        ("status", "undocumented status 410"),
        ("header", "X-Authorization-Missing=None"),
        ("auth", "a request without credentials answered 200"),
        # A 401 with a body: the walk's one anonymous request fails the rule; schemathesis' own
        # unauthenticated cases find what the spec declares (the generated phases, below).
        ("body-where-none", "declared without a body"),
        ("create-drops-notes", "shows notes=missing, the last write left"),
        (
            "update-drops-external-reference",
            "shows external_reference=missing, the last write left 'contract-a2'",
        ),
        ("update-clears-unsent", "update-partial [infer]: did not hold"),
        ("name-filter-case-sensitive", "listed []; the unfiltered list says"),
        ("status-filter-ignored", "which status does not select"),
        ("total-count-off", "total_count 3 on an answer of 2 clients"),
        ("at-goes-back", "an update moved `at` back"),
        ("bulk-archive-one-more", "also changed another client, 61250188"),
        ("bulk-delete-skips-last", "in the list"),
    ],
)
def test_the_run_fails_against_a_drifting_server(
    deviation: str, evidence: str, tmp_path: Path
) -> None:
    with server(deviation) as drifting:
        # The walk reaches every rule (about 145 requests): it finds each drift but one, which
        # the generated phases find in the budget's rest.
        result = contract(
            "run",
            base_url(drifting),
            tmp_path / "reports",
            TOGGL_CONTRACT_BUDGET="200",
            TOGGL_CONTRACT_PHASES="walk,examples,coverage"
            if deviation == "body-where-none"
            else "walk",
        )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-4000:]
    assert evidence in output, output[-4000:]
    assert "reproduce: " in output
    assert ADMIN_TOKEN not in output
