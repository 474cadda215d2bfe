"""The emulator's store as a unit, on a clock the test sets: who may do what, ids, pages, the list
order, names and the JSON a client and a project render to.

The API tests (`test_behaviour.py`, `test_projects.py`) show these through HTTP; here each rule
is pinned where an off-by-one or a swapped comparison would change what a client sees.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from toggl_emulator.errors import TogglError
from toggl_emulator.projects import FREE_PALETTE
from toggl_emulator.seed import load_seed
from toggl_emulator.store import FIRST_CLIENT_ID, Client, ListOrder, Project, Store, validate_name

from tests.support import ACME, AUDIT, FREE, GLOBEX, HOBBY, INITECH, PREMIUM, SEED

NOW = 1_700_000_000.0


@pytest.fixture
def store() -> Store:
    return Store(load_seed(), lambda: NOW)


def user(store: Store, key: str) -> Any:
    return next(u for u in store.users if u.id == SEED.users[key].id)


def status_of(call: Any) -> int:
    with pytest.raises(TogglError) as refused:
        call()
    return refused.value.status


# --- the list order -----------------------------------------------------------------------------


def holds(order: ListOrder, expected: list[tuple[str, int]]) -> bool:
    """The order lists `expected` sorted, in buckets as its docstring says: none empty, none over
    `2 * BUCKET`, each bucket's greatest pair noted as such (what add and remove look up)."""
    buckets = order._buckets
    return (
        list(order) == sorted(expected)
        and len(order) == len(expected)
        and all(0 < len(bucket) <= 2 * ListOrder.BUCKET for bucket in buckets)
        and order._last == [bucket[-1] for bucket in buckets]
    )


def test_the_list_order_stays_sorted_through_bucket_splits_and_removals() -> None:
    order, reference = ListOrder(), []
    rng = random.Random(7)
    for step in range(8 * 2 * ListOrder.BUCKET):
        item = (f"{rng.randrange(100_000):05d}", step)
        order.add(item)
        reference.append(item)
        if step % 3 == 2:  # remove one now and then, anywhere
            gone = reference.pop(rng.randrange(len(reference)))
            order.remove(gone)
        if step % 5 == 0 or len(reference) % (2 * ListOrder.BUCKET) < 3:
            assert holds(order, reference), step
    assert holds(order, reference)
    for item in sorted(reference):  # down to nothing, in order
        order.remove(item)
    assert holds(order, [])
    order.add(("again", 1))
    assert holds(order, [("again", 1)])


def test_a_split_bucket_is_looked_up_right_at_once() -> None:
    """Just past a split, an item between the two halves' ends goes where it belongs and is
    removed from there (a wrong greatest pair would send it to the other half)."""
    order = ListOrder()
    items = [(f"{2 * n:06d}", n) for n in range(2 * ListOrder.BUCKET + 1)]
    for item in items:
        order.add(item)
    assert len(order._buckets) == 2 and holds(order, items)
    half = ListOrder.BUCKET
    between = (f"{2 * half - 3:06d}", -1)  # between the first half's last two
    order.add(between)
    assert holds(order, [*items, between])
    order.remove(items[half - 1])
    assert holds(order, [*items[: half - 1], *items[half:], between])


def test_an_ascending_flood_keeps_the_order_too() -> None:
    order = ListOrder()
    items = [(f"{n:06d}", n) for n in range(5 * ListOrder.BUCKET)]
    for item in items:
        order.add(item)
    for item in items[::2]:
        order.remove(item)
    assert list(order) == items[1::2]


# --- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("\u2000 a \u200a", "a"),  # the first and last of Go's U+2000 run of spaces
        ("\u200ba\u200b", "\u200ba\u200b"),  # a zero-width space is no space to Go
        ("\u1fffa\u1fff", "\u1fffa\u1fff"),  # nor the code point before the run
        ("\t\n\x0b\x0c\r \x85\xa0\u1680a\u2028\u2029\u202f\u205f\u3000", "a"),
    ],
)
def test_a_name_is_trimmed_of_go_s_spaces_only(raw: str, name: str) -> None:
    assert validate_name(raw) == name


def test_a_client_name_is_taken_case_insensitively_but_not_by_itself(store: Store) -> None:
    admin = user(store, "admin")
    assert status_of(lambda: store.create(PREMIUM, admin, {"name": "GLOBEX"})) == 400
    store.update(PREMIUM, GLOBEX, {"name": "globex"})  # its own name, in other case
    assert store.get(PREMIUM, GLOBEX).name == "globex"
    assert [c.name for c in store.matching(PREMIUM, "both", "").clients] == [
        "Acme Corporation", "globex", "Initech"
    ]  # fmt: skip
    store.update(PREMIUM, GLOBEX, {"name": "Zeta"})
    assert [c.name for c in store.matching(PREMIUM, "both", "").clients][-1] == "Zeta"
    store.create(PREMIUM, admin, {"name": "Globex"})  # the old name is free again


# --- ids, pages -----------------------------------------------------------------------------------


def test_new_ids_follow_the_seed_s_greatest_one_by_one() -> None:
    seed = load_seed()
    empty = Store({**seed, "clients": [], "projects": []}, lambda: NOW)
    admin = user(empty, "admin")
    first = empty.create(PREMIUM, admin, {"name": "a"})
    second = empty.create(PREMIUM, admin, {"name": "b"})
    assert (first.id, second.id) == (FIRST_CLIENT_ID + 1, FIRST_CLIENT_ID + 2)
    high = {**seed["clients"][0], "id": FIRST_CLIENT_ID + 500}
    seeded = Store({**seed, "clients": [high], "projects": []}, lambda: NOW)
    assert seeded.create(PREMIUM, admin, {"name": "c"}).id == FIRST_CLIENT_ID + 501


def test_a_page_is_a_slice_of_the_list_and_the_total_counts_them_all(store: Store) -> None:
    admin = user(store, "admin")
    for name in ("d", "e"):
        store.create(PREMIUM, admin, {"name": name})
    names = ["Acme Corporation", "d", "e", "Globex", "Initech"]
    assert [c.name for c in store.matching(PREMIUM, "both", "").clients] == names
    pages = [store.matching(PREMIUM, "both", "", page=p, per_page=2) for p in (1, 2, 3, 4)]
    assert [[c.name for c in page.clients] for page in pages] == [
        names[:2],
        names[2:4],
        names[4:],
        [],
    ]
    assert {page.total for page in pages} == {5}
    assert [c.name for c in store.matching(PREMIUM, "both", "", per_page=2).clients] == names[:2]
    nowhere = store.matching(999, "both", "")
    assert (nowhere.clients, nowhere.total) == ([], 0)


# --- who may do what ------------------------------------------------------------------------------


def test_a_token_or_an_email_with_its_password_authenticates(store: Store) -> None:
    admin = SEED.users["admin"]
    assert store.authenticate(admin.api_token, "api_token") is user(store, "admin")
    assert store.authenticate(admin.email, "emulator-" + "password") is user(store, "admin")
    for username, password in [
        (admin.api_token, "a"),  # a token needs the word api_token
        (admin.api_token, "zzz"),
        (admin.api_token, admin.password),
        (admin.email, "a"),
        (admin.email, "zzzzzzzzzzzzzzzzzz"),
        (admin.email, "api_token"),
        ("nobody@example.com", "emulator-password"),
    ]:
        assert store.authenticate(username, password) is None, (username, password)


def test_client_access_needs_a_role_and_where_only_admins_manage_an_admin(store: Store) -> None:
    admin, member, outsider = (user(store, k) for k in ("admin", "member", "outsider"))
    assert store.check_access(admin, FREE).id == FREE
    assert store.check_access(member, PREMIUM).id == PREMIUM
    assert status_of(lambda: store.check_access(outsider, PREMIUM)) == 403  # no role there
    assert status_of(lambda: store.check_access(admin, 999)) == 403  # no such workspace
    assert status_of(lambda: store.check_access(member, FREE)) == 403  # admins only
    assert store.permissions(admin, PREMIUM) == ["archive", "update", "remove"]
    assert store.permissions(member, PREMIUM) is None


def test_projects_are_read_by_any_member_and_written_as_the_workspace_says(store: Store) -> None:
    admin, member, outsider = (user(store, k) for k in ("admin", "member", "outsider"))
    assert store.project_reader(member, FREE).id == FREE
    assert status_of(lambda: store.project_reader(outsider, FREE)) == 403
    assert status_of(lambda: store.project_reader(admin, 999)) == 403
    assert store.project_writer(admin, FREE).id == FREE
    assert store.project_writer(member, PREMIUM).id == PREMIUM
    assert status_of(lambda: store.project_writer(member, FREE)) == 403


def test_changes_since_show_only_workspaces_the_user_may_see(store: Store) -> None:
    admin, member = user(store, "admin"), user(store, "member")
    assert {c.id for c in store.changed_since(admin, None)} == {ACME, GLOBEX, INITECH, HOBBY}
    assert {c.id for c in store.changed_since(member, None)} == {ACME, GLOBEX, INITECH}


# --- archive and restore --------------------------------------------------------------------------


def test_a_restore_brings_back_only_that_client_s_archived_projects(store: Store) -> None:
    admin = user(store, "admin")
    workspace = store.check_access(admin, PREMIUM)
    archived = store.archive(workspace, [ACME, GLOBEX])
    assert archived  # both had active projects
    store.restore(PREMIUM, GLOBEX, [], restore_all=True)
    active = {p.id: p.client_id for p in store.projects_of([PREMIUM]) if p.active}
    assert set(active.values()) == {GLOBEX}  # Acme's (a lower id) and Initech's stay archived
    assert AUDIT not in active


# --- JSON -----------------------------------------------------------------------------------------


def test_a_client_s_cached_json_is_its_json(store: Store) -> None:
    client = Client(id=1, wid=PREMIUM, name="ä \"q\"", at=NOW, creator_id=None,
                    integration={"integration_x": "é ü"})  # fmt: skip
    for change in ({}, {"creator_id": 5}, {"notes": "n", "external_reference": "r"}):
        for key, value in change.items():
            setattr(client, key, value)
        expected = json.dumps(client.to_json(), ensure_ascii=False, separators=(",", ":"))
        assert client.fragment() + b"}" == expected.encode()
    assert "creator_id" in client.to_json() and "_fragment" not in repr(client)
    assert Client(id=2, wid=1, name="x", at=NOW).archived is False


def test_a_default_project_renders_as_recorded() -> None:
    assert Project(9).to_json("2024-01-01") == {
        "id": 9, "workspace_id": 0, "client_id": None, "name": "", "is_private": True,
        "active": True, "at": "1970-01-01T00:00:00+00:00", "created_at": "1970-01-01T00:00:00+00:00",
        "server_deleted_at": None, "color": FREE_PALETTE[0], "billable": False, "template": None,
        "auto_estimates": None, "estimated_hours": None, "estimated_seconds": None, "rate": None,
        "rate_last_updated": None, "currency": None, "recurring": False, "template_id": None,
        "recurring_parameters": None, "fixed_fee": None, "actual_hours": None,
        "actual_seconds": None, "tasks_count": None, "can_track_time": False, "start_date": "",
        "status": "active", "wid": 0, "cid": None, "is_shared": False, "pinned": False,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("start", "end", "status"),
    [("2024-01-01", None, "active"), ("2024-01-02", None, "upcoming"),
     ("2023-01-01", "2024-01-01", "active"), ("2023-01-01", "2023-12-31", "ended"),
     ("2023-01-01", "2024-06-30", "active")],
)  # fmt: skip
def test_a_project_s_status_turns_on_the_day_itself(
    start: str, end: str | None, status: str
) -> None:
    assert Project(1, start_date=start, end_date=end).status("2024-01-01") == status


@pytest.mark.parametrize(("seconds", "hours"), [(3599, 0), (3600, 1), (7199, 1), (7200, 2)])
def test_actual_hours_are_whole_hours(seconds: int, hours: int) -> None:
    assert Project(1, actual_seconds=seconds).to_json("2024-01-01")["actual_hours"] == hours
