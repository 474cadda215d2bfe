"""The ledger: what a run proved it made and saw gone, kept in memory and written as it happens,
and read back by `contract-cleanup` after a kill."""

from __future__ import annotations

import json
from pathlib import Path

from toggl_contract.ledger import Ledger, LedgerFile
from toggl_contract.scrub import Scrubber


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_resource_is_owned_from_its_create_until_a_read_shows_it_gone(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    ledger = Ledger(path)
    ledger.start(run_id="r1", deadline=10.0)
    ledger.record_created("clients", {"id": 7, "name": "a", "wid": 1001})
    ledger.record_created("clients", {"id": 7, "name": "again", "wid": 1001})  # once only
    ledger.record_created("projects", {"id": "8", "name": "p", "workspace_id": 1001})
    assert ledger.owned == {7, 8} and list(ledger.created) == [7, 8]
    ledger.record_delete_answered(7)
    ledger.record_delete_answered(7)
    ledger.record_delete_answered(99)  # not the run's: nothing to say
    assert ledger.owned == {7, 8} and ledger.delete_answered == {7}  # said, not yet seen
    ledger.record_gone(7)
    ledger.record_gone(7)
    ledger.record_gone(99)
    ledger.record_delete_answered(7)  # after gone: nothing more to say
    assert ledger.owned == {8} and ledger.gone == {7}
    assert ledger.owns(7)  # a write to it can only be refused by the server
    ledger.end()
    assert lines(path) == [
        {"event": "start", "run_id": "r1", "deadline": 10.0},
        {"event": "created", "id": 7, "resource": "clients", "name": "a", "wid": 1001},
        {"event": "created", "id": 8, "resource": "projects", "name": "p", "wid": 1001},
        {"event": "delete-answered", "id": 7},
        {"event": "deleted", "id": 7},
        {"event": "end", "leftovers": [8]},
    ]


def test_a_disowned_id_is_not_the_run_s_whatever_it_was(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    ledger = Ledger(path)
    ledger.record_created("clients", {"id": 7, "name": "a", "wid": 1001}, marker="proof")
    assert ledger.markers == {7: "proof"}
    assert ledger.owns(7) and ledger.owns(7, "clients") and not ledger.owns(7, "projects")
    assert not ledger.owns(8)
    ledger.record_disowned(7, "renamed")
    ledger.record_disowned(7, "twice")
    ledger.record_disowned(99, "not ours")
    assert not ledger.owns(7) and ledger.owned == set()
    assert lines(path)[1:] == [{"event": "disowned", "id": 7, "why": "renamed"}]


def test_a_resource_recorded_without_a_kind_matches_any() -> None:
    ledger = Ledger()  # no file: nothing written
    ledger.record_created(None, {"id": 7})
    assert ledger.owns(7, "clients") and ledger.owns(7, "projects")


def test_what_is_written_is_scrubbed(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    Ledger(path, Scrubber(["s3cret-token"])).start(base_url="https://x", note="s3cret-token")
    assert "s3cret-token" not in path.read_text()


def test_a_ledger_file_is_read_back_whatever_a_kill_left(tmp_path: Path) -> None:
    path = tmp_path / "r2.jsonl"
    path.write_text(
        '{"event": "start", "run_id": "r2", "deadline": 100}\n'
        '{"event": "created", "id": 7, "name": "a"}\n'
        '{"event": "created", "id": "x"}\n'  # not an id
        "[1, 2]\n"  # not an event
        '{"event": "created", "id": 8, "name": "b"}\n'
        '{"event": "deleted", "id": 7}\n'
        '{"event": "deleted", "id": "8"}\n'
        '{"event": "delete-answered", "id": 8}\n'  # said deleted, never seen gone
        '{"event": "disowned", "id": 8, "why": "renamed"}\n'  # still its to look at
        '{"event": "aborted", "id": 9}\n'  # events it does not know are skipped
        '{"event": "zz-later", "run_id": "other", "id": 9}\n'
        '{"event": "crea'  # cut by the kill
    )
    read = LedgerFile.read(path)
    assert read.run_id == "r2" and not read.ended and read.start["deadline"] == 100
    assert list(read.created) == [7, 8] and read.deleted == {7}
    assert list(read.leftovers) == [8]
    assert not read.abandoned(now=100.0) and read.abandoned(now=100.5)  # past its deadline
    read.append_deleted([8])
    again = LedgerFile.read(path)
    assert again.leftovers == {} and again.deleted == {7, 8}
    assert json.loads(path.read_text().splitlines()[-1]) == {
        "event": "deleted",
        "id": 8,
        "by": "contract-cleanup",
    }


def test_an_ended_run_is_abandoned_and_an_unnamed_one_is_named_by_its_file(tmp_path: Path) -> None:
    path = tmp_path / "r3.jsonl"
    path.write_text('{"event": "end", "leftovers": []}\n')
    read = LedgerFile.read(path)
    assert read.ended and read.abandoned(now=0.0) and read.run_id == "r3"
    never = tmp_path / "r4.jsonl"
    never.write_text('{"event": "start"}\n')
    assert LedgerFile.read(never).abandoned(now=0.5)  # no deadline: past it at once


def test_deletions_are_appended_as_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "deeper" / "still" / "r5.jsonl"  # made with its folders
    Ledger(path).record_created("clients", {"id": 7, "name": "\u00e9", "wid": 1})
    assert path.read_bytes().isascii()  # readable in any encoding, whatever the names
    LedgerFile.read(path).append_deleted([7])
    assert path.read_text() == (
        '{"event": "created", "id": 7, "resource": "clients", "name": "\\u00e9", "wid": 1}\n'
        '{"event": "deleted", "id": 7, "by": "contract-cleanup"}\n'
    )
