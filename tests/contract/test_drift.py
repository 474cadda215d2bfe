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
        ("shape", "Response violates schema"),
        ("status", "undocumented status 410"),
        ("header", "X-Authorization-Missing"),
        ("auth", "expected 401, got 200"),
        ("body-where-none", "declared without a body"),
        ("create-drops-notes", "shows notes='', the last write left"),
        (
            "update-drops-external-reference",
            "shows external_reference='contract-a', the last write left 'contract-a2'",
        ),
        ("update-clears-unsent", "an update that did not send notes changed it"),
        ("name-filter-case-sensitive", "the name filter listed []"),
        ("status-filter-ignored", "status=archived listed client"),
        ("total-count-off", "total_count 3 on an answer of 2 clients"),
        ("at-goes-back", "an update moved `at` back"),
        ("bulk-archive-one-more", "changed the archived state of [61250188, "),
        ("bulk-delete-skips-last", "bulk delete of ["),
    ],
)
def test_the_run_fails_against_a_drifting_server(
    deviation: str, evidence: str, tmp_path: Path
) -> None:
    with server(deviation) as drifting:
        # The walk meets every rule; a budget of 60 leaves the generated phase a few cases each.
        result = contract(
            "run", base_url(drifting), tmp_path / "reports", TOGGL_CONTRACT_BUDGET="60"
        )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-4000:]
    assert evidence in output, output[-4000:]
    assert "reproduce: " in output
    assert ADMIN_TOKEN not in output
