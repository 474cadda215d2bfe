"""Every rule of the rule book is reached by every run the budget allows, and caught when a
server breaks exactly it: one drifting server per rule, the walk alone (`--phases walk`), which
must reach them all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from toggl_contract.rulebook import RULES

from tests.contract.runs import base_url, contract, foreign_seed, server

pytestmark = [pytest.mark.contract, pytest.mark.slow]

# Each rule, and a server that breaks it. A rule graded [infer] is reported as an assumption that
# did not hold, not as drift.
BREAKS = {
    "create-stores": "create-answers-without-notes",
    "name-trimmed": "name-untrimmed",
    "name-unique": "taken-name-accepted",
    "name-taken-text": "taken-text-reworded",
    "name-empty": "empty-name-accepted",
    "name-blank": "blank-name-accepted",
    "name-length": "long-name-accepted",
    "name-unicode": "unicode-folded",
    "update-stores": "update-drops-external-reference",
    "update-partial": "update-clears-unsent",
    "at-moves": "at-goes-back",
    "refused-changes-nothing": "refused-write-applies",
    "read-shows-last-write": "reads-shout",
    "archive-flips": "archive-does-nothing",
    "archived-readable": "archived-404",
    "delete-404": "delete-keeps",
    "delete-again-404": "second-delete-200",
    "bulk-exact": "bulk-archive-one-more",
    "by-ids-exact": "by-ids-first-only",
    "filter": "name-filter-prefix",
    "total-count": "total-count-off",
    "since-changed": "since-ignored",
    "since-deleted": "since-without-deleted",
    "other-workspace": "any-workspace",
    "quota-counts-down": "quota-frozen",
    "anonymous-401": "header",
    "name-scoped": "name-taken-across-clients",
    "archived-holds-name": "archived-name-free",
    "active-default": "active-by-default",
    "status-follows-active": "status-stale",
    "legacy-twins": "twins-disagree",
    "client-present": "client-text-reworded",
    "color-format": "color-text-reworded",
    "archive-cascades": "archive-leaves-projects",
    "restore-cascades": "restore-forgets-projects",
    "delete-detaches": "delete-keeps-project-clients",
}


def test_every_rule_has_a_server_that_breaks_it() -> None:
    assert set(BREAKS) == set(RULES)


@pytest.mark.parametrize(("rule", "deviation"), BREAKS.items())
def test_the_walk_catches_a_server_that_breaks_exactly_one_rule(
    rule: str, deviation: str, tmp_path: Path
) -> None:
    with server(deviation, seed=foreign_seed(tmp_path)) as drifting:
        result = contract(
            "run", base_url(drifting), tmp_path / "reports", TOGGL_CONTRACT_BUDGET="250",
            TOGGL_CONTRACT_PHASES="walk",
        )  # fmt: skip
    output = result.stdout
    if RULES[rule].soft:
        assert f"~ {rule} [infer]: did not hold" in output, output[-4000:]
    else:
        assert re.search(rf"✗ {re.escape(rule)} \[\w+\]: failed", output), output[-4000:]
        assert result.returncode in (1, 4), output[-4000:]


def test_a_premium_hour_s_budget_reaches_every_rule_the_emulator_run_does(tmp_path: Path) -> None:
    own = contract("run", None, tmp_path / "own", TOGGL_CONTRACT_PHASES="walk")
    with server(seed=foreign_seed(tmp_path), args=("--hourly-quota", "600")) as emulator:
        live = contract(
            "run", base_url(emulator), tmp_path / "live", TOGGL_CONTRACT_BUDGET="600",
            TOGGL_CONTRACT_PHASES="walk,examples",
        )  # fmt: skip
    for result in (own, live):
        assert f"{len(RULES)} of {len(RULES)} rules checked" in result.stdout, result.stdout[-4000:]
        assert result.returncode == 0, result.stdout[-4000:]
    spent = int(re.search(r"(\d+) of 600 requests spent", live.stdout).group(1))  # type: ignore[union-attr]
    assert spent <= 600


@pytest.mark.parametrize("run_id", ["20261202010203-123456", "20261202010203-abcdef"])
def test_the_name_filter_needle_changes_case_whatever_the_run_id(run_id: str) -> None:
    """A run id of digits only once gave a needle with no letter: a case-sensitive filter passed."""
    from toggl_contract.ownership import NAME_PREFIX
    from toggl_contract.walk import name_filter_needle

    prefix = f"{NAME_PREFIX}{run_id}-"
    needle = name_filter_needle(prefix)
    assert needle != needle.lower() and needle.lower() in prefix
    assert not prefix.upper().startswith(needle)  # from the middle: a prefix-only filter fails
