"""Cassettes: what a run over HTTP records (redacted), and `make emulator-check`, which replays one
on a fresh emulator and lists every difference."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.contract.runs import FOREIGN, FOREIGN_PROJECTS, base_url, contract, foreign_seed, server
from tests.support import ADMIN_ID, ADMIN_TOKEN, PREMIUM, ROOT

pytestmark = [pytest.mark.contract]

COMMITTED = ROOT / "contract" / "cassettes" / "emulator-over-http.jsonl"


def exchanges(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n")[1:] if line]


def rewrite(source: Path, target: Path, change: object) -> Path:
    """A copy of a cassette with one exchange changed as another server might have answered."""
    lines = source.read_text(encoding="utf-8").split("\n")
    out = [lines[0]]
    for line in filter(None, lines[1:]):
        exchange = json.loads(line)
        change(exchange)  # type: ignore[operator]
        out.append(json.dumps(exchange))
    target.write_text("\n".join(out) + "\n", encoding="utf-8")
    return target


@pytest.mark.parametrize("cassette", sorted(COMMITTED.parent.glob("*.jsonl")), ids=lambda p: p.name)
def test_every_committed_cassette_replays_on_the_emulator_without_a_difference(
    cassette: Path, tmp_path: Path
) -> None:
    result = contract("emulator-check", None, tmp_path, str(cassette))
    assert result.returncode == 0, result.stdout + result.stderr
    compared = int(result.stdout.split(" exchange(s) replayed")[0].rsplit(" ", 1)[-1])
    assert compared >= 20 and ", 0 difference(s)" in result.stdout


def test_the_emulators_own_cassette_reaches_every_operation() -> None:
    # Recorded over HTTP by a guarded run (contract/cassettes/README.md).
    header = json.loads(COMMITTED.read_text().split("\n")[0])
    assert header["recorded_from"] == "external"
    answered = {(e["method"], e["path"]) for e in exchanges(COMMITTED) if e["status"] == 200}
    shapes = {
        (m, "/".join("{id}" if p.isdigit() else p for p in path.split("/"))) for m, path in answered
    }
    assert len(shapes) == 11, sorted(shapes)


@pytest.mark.parametrize(
    ("change", "reported"),
    [
        (  # the live API answers 410 where the emulator says 404
            lambda e: e.update(status=410) if e["status"] == 404 else None,
            "status 410 recorded, emulator 404",
        ),
        (  # the live API words a message differently
            lambda e: e.update(body='"Client not found"') if e["status"] == 404 else None,
            "message recorded 'Client not found'",
        ),
        (  # a field the emulator does not send
            lambda e: (
                e.update(body=e["body"].replace('"archived"', '"currency": "EUR", "archived"'))
                if e["method"] == "GET" and e["status"] == 200 and "/clients/" in e["path"]
                else None
            ),
            "body shape recorded",
        ),
        (  # a 401 without the header the spec names
            lambda e: e["headers"].pop("x-authorization-missing", None),
            "header x-authorization-missing recorded None",
        ),
    ],
    ids=["status", "message", "shape", "header"],
)
def test_a_difference_of_any_kind_is_listed(change: object, reported: str, tmp_path: Path) -> None:
    cassette = rewrite(COMMITTED, tmp_path / "deviating.jsonl", change)
    result = contract("emulator-check", None, tmp_path, str(cassette))
    assert result.returncode == 1, result.stdout + result.stderr
    assert reported in result.stdout


def test_an_empty_cassette_verifies_nothing_and_does_not_pass(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text(COMMITTED.read_text().split("\n")[0] + "\n")
    result = contract("emulator-check", None, tmp_path, str(empty))
    assert result.returncode == 3 and "verifies nothing" in result.stderr


@pytest.mark.slow
def test_a_run_against_a_deviating_server_records_what_the_emulator_then_disagrees_with(
    tmp_path: Path,
) -> None:
    reports = tmp_path / "reports"
    with server("status", seed=foreign_seed(tmp_path)) as drifting:
        run = contract("live", base_url(drifting), reports, TOGGL_CONTRACT_BUDGET="250")
    assert run.returncode == 1, run.stdout[-3000:]
    cassette = reports / "contract-live" / "cassette.jsonl"
    result = contract("emulator-check", None, tmp_path, str(cassette))
    assert result.returncode == 1
    assert "status 410 recorded, emulator 404" in result.stdout


@pytest.mark.slow
def test_a_recording_keeps_no_credentials_and_no_one_elses_data(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    with server(seed=foreign_seed(tmp_path)) as emulator:
        run = contract("live", base_url(emulator), reports, TOGGL_CONTRACT_BUDGET="250")
    assert run.returncode == 0, run.stdout[-3000:]
    for cassette in (reports / "contract-live" / "cassette.jsonl", COMMITTED):
        text = cassette.read_text(encoding="utf-8")
        assert ADMIN_TOKEN not in text and "Basic " not in text and "api_token" not in text
        assert f"/workspaces/{PREMIUM}/" not in text and f'"wid\\": {PREMIUM}' not in text
        assert f'"creator_id\\": {ADMIN_ID}' not in text
        recorded = exchanges(cassette)
        assert {e["auth"] for e in recorded} <= {"credentials", "none", "other"}
    text = (reports / "contract-live" / "cassette.jsonl").read_text(encoding="utf-8")
    for distinctive in (
        "Someone Else's Client",
        "theirs",
        "crm-1",
        "looks like ours",
        FOREIGN[1]["name"],
        FOREIGN_PROJECTS[0]["name"],  # another user's project
        FOREIGN_PROJECTS[1]["name"],
    ):
        assert str(distinctive) not in text
    foreign = {c["id"] for c in FOREIGN}
    seen = [
        item
        for e in exchanges(reports / "contract-live" / "cassette.jsonl")
        if str(e["body"]).startswith("[")
        for item in json.loads(str(e["body"]))
        if isinstance(item, dict) and item.get("id") in foreign
    ]
    assert seen  # the list answers held other people's clients...
    for item in seen:  # ...and kept nothing personal of them
        assert all(
            item.get(k) in (None, "[redacted]") for k in ("name", "notes", "external_reference")
        )
