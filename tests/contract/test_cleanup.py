"""`make contract-cleanup`: deletes what earlier runs provably abandoned, and nothing else."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from toggl_contract.ownership import marker, new_run_id, proof

from tests.contract.runs import FOREIGN, base_url, clients, contract, foreign_seed, server
from tests.support import ADMIN, ADMIN_TOKEN, PREMIUM

pytestmark = [pytest.mark.contract, pytest.mark.slow]


def ledger(
    folder: Path, run_id: str, created: list[dict[str, object]], *, deadline: float, ended: bool,
    token: str = ADMIN_TOKEN,
) -> None:  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        {
            "event": "start",
            "run_id": run_id,
            "workspace_id": PREMIUM,
            "proof": proof(token, run_id),
            "started": deadline - 3600,
            "deadline": deadline,
        }
    ]
    lines += [
        {"event": "created", "id": c["id"], "name": c["name"], "wid": PREMIUM} for c in created
    ]
    if ended:
        lines.append({"event": "end", "leftovers": [c["id"] for c in created]})
    (folder / f"{run_id}.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))


def test_only_provably_abandoned_clients_are_deleted(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    ledgers = reports / "contract-ledgers"
    with server(seed=foreign_seed(tmp_path)) as emulator:
        url = base_url(emulator)
        with httpx.Client(base_url=url, auth=ADMIN) as api:

            def create(name: str, notes: str = "") -> dict[str, object]:
                body = {"name": name, **({"notes": notes} if notes else {})}
                created: dict[str, object] = api.post(
                    f"/workspaces/{PREMIUM}/clients", json=body
                ).json()
                return created

            old, recent, ended = "20240101000000-aaaaaa", new_run_id(), "20240102000000-cccccc"
            # A fuzzed name, no prefix: only the ledger and the proof in its notes make it ours.
            fuzzed = create("\u00c0 fuzzed \u200b", marker(ADMIN_TOKEN, ended))
            renamed = create("renamed since", marker(ADMIN_TOKEN, ended))
            api.put(  # someone else took it over since: the proof is gone
                f"/workspaces/{PREMIUM}/clients/{renamed['id']}",
                json={"name": "someone renamed it", "notes": "mine now"},
            )
            ledger(ledgers, ended, [fuzzed, renamed], deadline=time.time() - 60, ended=True)
            theirs = create("another token's leftover")
            ledger(ledgers, "20240103000000-dddddd", [theirs], deadline=time.time() - 60, ended=True,
                   token="someone-elses-token")  # fmt: skip
            running = create("a run still going")
            ledger(ledgers, recent, [running], deadline=time.time() + 3600, ended=False)
            proven = create(f"toggl-contract-{old}-a", marker(ADMIN_TOKEN, old))
            other_token = create(f"toggl-contract-{old}-b", marker("someone-elses-token", old))
            too_recent = create(f"toggl-contract-{recent}-a", marker(ADMIN_TOKEN, recent))
            bad_id = create("toggl-contract-yesterday-a", marker(ADMIN_TOKEN, "yesterday"))
        before = {c["id"]: c for c in clients(url)}
        result = contract("cleanup", url, reports)
        after = {c["id"]: c for c in clients(url)}
    output = result.stdout
    assert result.returncode == 0, output + result.stderr
    gone = set(before) - set(after)
    assert gone == {fuzzed["id"], proven["id"]}, output
    for kept in (renamed, theirs, running, other_token, too_recent, bad_id, *FOREIGN):
        assert after[kept["id"]] == before[kept["id"]]
    assert "deleted 2 resource(s)" in output
    assert "now named 'someone renamed it' and without its run's proof" in output
    assert "no proof in its notes" in output and "may still be going" in output
    assert "no well-formed run id" in output
    assert str(running["id"]) not in output  # a running run's ledger is not even considered
    assert str(theirs["id"]) not in output  # nor another token's
    # A second cleanup finds nothing more to delete: the ledger says what is gone.
    with server(seed=foreign_seed(tmp_path)) as emulator:
        again = contract("cleanup", base_url(emulator), reports)
    assert "deleted 0 resource(s)" in again.stdout
