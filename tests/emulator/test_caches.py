"""The emulator's speed comes from caches (each client's JSON, routes by path, timestamps, the
list order in buckets): none of them may ever show a stale client."""

from __future__ import annotations

import json
import random
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from toggl_emulator.store import Client, ListOrder, _encode

from tests.support import ACME, GLOBEX, INITECH, PREMIUM, W

pytestmark = pytest.mark.emulator


def every_view(api: httpx.Client, client_id: int) -> list[dict[str, Any]]:
    """The client as each read shows it: get, list, by ids, /me; a deleted one is absent."""
    views = []
    one = api.get(f"{W}/{client_id}")
    if one.status_code == 200:
        views.append(one.json())
    for status in ("active", "archived", "both"):
        views += [c for c in api.get(W, params={"status": status}).json() if c["id"] == client_id]
    views += [c for c in api.post(f"{W}/data", json=[client_id]).json()]
    views += [c for c in api.get("/me/clients").json() if c["id"] == client_id]
    return views


def agree(views: list[dict[str, Any]], **expected: object) -> None:
    assert views, "no view shows the client"
    for view in views:
        for key, value in expected.items():
            assert view.get(key) == value, (key, view)


def test_every_write_shows_in_every_read_at_once(api: httpx.Client) -> None:
    for client_id in (ACME, GLOBEX):
        every_view(api, client_id)  # warm every cache first
    api.put(f"{W}/{ACME}", json={"name": "Acme Renamed", "notes": "new notes"})
    agree(every_view(api, ACME), name="Acme Renamed", notes="new notes")
    api.put(f"{W}/{ACME}", json={"external_reference": "crm-7"})
    agree(every_view(api, ACME), name="Acme Renamed", external_reference="crm-7")
    api.post(f"{W}/{ACME}/archive")
    agree(every_view(api, ACME), archived=True)
    assert ACME not in [c["id"] for c in api.get(W).json()]  # not among the active
    api.post(f"{W}/{ACME}/restore", json={})
    agree(every_view(api, ACME), archived=False)
    api.post(f"{W}/archive", json=[ACME, GLOBEX])
    agree(every_view(api, GLOBEX), archived=True)
    api.delete(f"{W}/{ACME}")
    assert every_view(api, ACME) == []
    assert api.get(f"{W}/{ACME}").status_code == 404
    api.post(f"{W}/delete", json=[GLOBEX])
    assert every_view(api, GLOBEX) == []
    # The names are free again, and the list order follows the new names.
    api.post(W, json={"name": "Acme Renamed"})
    names = [c["name"] for c in api.get(W, params={"status": "both"}).json()]
    assert names == sorted(names, key=str.casefold) and "Acme Renamed" in names


def test_a_rename_moves_the_client_in_the_list_order(api: httpx.Client) -> None:
    api.put(f"{W}/{INITECH}", json={"name": "AAA first"})
    listed = api.get(W, params={"status": "both"}).json()
    assert listed[0]["id"] == INITECH
    api.put(f"{W}/{INITECH}", json={"name": "zzz last"})
    assert api.get(W, params={"status": "both"}).json()[-1]["id"] == INITECH


def test_the_same_path_with_another_workspace_is_not_confused(api: httpx.Client) -> None:
    assert api.get(f"{W}/{ACME}").status_code == 200
    assert api.get(f"/workspaces/1002/clients/{ACME}").status_code == 404
    assert api.get(f"/workspaces/0{PREMIUM}/clients/{ACME}").json()["id"] == ACME  # normalised


names = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=20)


@settings(max_examples=200, deadline=None)
@given(
    name=names,
    notes=st.text(st.characters(blacklist_categories=["Cs"]), max_size=20),
    reference=st.text(max_size=5),
    archived=st.booleans(),
    creator=st.none() | st.integers(1, 2**63 - 1),
    at=st.integers(0, 2**33),
    deleted=st.none() | st.integers(0, 2**33),
    integration=st.dictionaries(st.sampled_from(["integration_provider", "integration_ext_id"]), st.text(max_size=5)),
)  # fmt: skip
def test_a_clients_cached_json_is_exactly_its_fields_encoded(
    name: str, notes: str, reference: str, archived: bool, creator: int | None, at: int,
    deleted: int | None, integration: dict[str, str],
) -> None:  # fmt: skip
    client = Client(
        id=1, wid=2, name=name, at=at, creator_id=creator, archived=archived, notes=notes,
        external_reference=reference, integration=integration, deleted_at=deleted,
    )  # fmt: skip
    assert client.fragment() == _encode(client.to_json()).encode("utf-8")[:-1]
    client.notes = notes + "x"  # any change re-renders it
    assert json.loads(client.fragment() + b"}")["notes"] == notes + "x"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 3000)), max_size=3000))
def test_the_list_order_is_always_the_sorted_order(operations: list[tuple[bool, int]]) -> None:
    order, reference = ListOrder(), set()
    for add, n in operations:
        item = (f"name {n % 700:04d}", n)
        if add and item not in reference:
            order.add(item)
            reference.add(item)
        elif not add and item in reference:
            order.remove(item)
            reference.discard(item)
    assert list(order) == sorted(reference) and len(order) == len(reference)


def test_the_list_order_splits_and_merges_buckets() -> None:
    order = ListOrder()
    items = [(f"c{n:05d}", n) for n in range(5000)]
    shuffled = items[:]
    random.Random(1).shuffle(shuffled)
    for item in shuffled:
        order.add(item)
    assert list(order) == items
    for item in shuffled[:4990]:
        order.remove(item)
    assert list(order) == sorted(shuffled[4990:])
