"""The emulator does what Toggl does: clients, names, lists, archive, restore, bulk, since."""

from __future__ import annotations

import httpx
import pytest

from tests.support import (
    ACME,
    ADMIN_ID,
    CONTROL,
    FREE,
    GLOBEX,
    HOBBY,
    INITECH,
    MEMBER,
    ONBOARDING,
    OUTSIDER,
    PREMIUM,
    RELAUNCH,
    W,
    api_client,
)

pytestmark = pytest.mark.emulator


def create(api: httpx.Client, **body: object) -> dict[str, object]:
    response = api.post(W, json=body)
    assert response.status_code == 200, response.text
    data: dict[str, object] = response.json()
    return data


def test_create_trims_the_name_records_the_creator_and_omits_empty_fields(
    api: httpx.Client,
) -> None:
    client = create(api, name="  Umbrella\u3000", notes="", wid=9999)
    assert client["name"] == "Umbrella"
    assert client["wid"] == PREMIUM  # the path wins over the body's wid
    assert client["creator_id"] == ADMIN_ID
    assert "notes" not in client and "external_reference" not in client
    assert client["permissions"] == ["archive", "update", "remove"]
    assert (
        isinstance(client["at"], str)
        and client["at"].endswith("+00:00")
        and "." not in client["at"]
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Client name cannot be empty"),
        (" \t\n\u00a0", "Client name cannot be empty"),
        ("x" * 256, "Client name maximum length is 255"),
        ("acme corporation", "Name has already been taken"),
    ],
)
def test_name_rules(api: httpx.Client, name: str, message: str) -> None:
    before = api.get(W, params={"status": "both"}).json()
    response = api.post(W, json={"name": name})
    assert (response.status_code, response.json()) == (400, message)
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert api.get(W, params={"status": "both"}).json() == before


def test_a_name_of_255_code_points_is_accepted(api: httpx.Client) -> None:
    assert create(api, name="é" * 255)["name"] == "é" * 255


def test_update_is_partial_and_ignores_the_body_wid(api: httpx.Client) -> None:
    client = create(api, name="Partial", notes="keep me", external_reference="ext-1")
    response = api.put(f"{W}/{client['id']}", json={"name": " Renamed ", "wid": FREE})
    assert response.status_code == 200
    updated = response.json()
    assert updated["name"] == "Renamed" and updated["wid"] == PREMIUM
    assert updated["notes"] == "keep me" and updated["external_reference"] == "ext-1"
    assert api.get(f"{W}/{client['id']}").json() == updated


def test_update_of_an_unknown_client_answers_the_documented_404(api: httpx.Client) -> None:
    response = api.put(f"{W}/999", json={"name": "x"})
    assert (response.status_code, response.json()) == (
        404,
        "Client doesn't exist in the workspace.",
    )


def test_a_client_may_keep_its_own_name_but_not_take_another(api: httpx.Client) -> None:
    client = create(api, name="Mine")
    assert api.put(f"{W}/{client['id']}", json={"name": "MINE"}).status_code == 200
    response = api.put(f"{W}/{client['id']}", json={"name": "Globex"})
    assert (response.status_code, response.json()) == (400, "Name has already been taken")


def test_list_filters_by_status_and_name_and_counts(api: httpx.Client) -> None:
    active = api.get(W).json()
    assert [c["name"] for c in active] == ["Acme Corporation", "Globex"]
    assert all(c["total_count"] == 2 for c in active)
    archived = api.get(W, params={"status": "archived"}).json()
    assert [c["name"] for c in archived] == ["Initech"]
    both = api.get(W, params={"status": "both", "name": "O"}).json()
    assert [c["name"] for c in both] == ["Acme Corporation", "Globex"]
    assert all(c["total_count"] == 2 for c in both)
    assert api.get(W, params={"name": "nothing"}).json() == []
    response = api.get(W, params={"status": "deleted"})
    assert (response.status_code, response.json()) == (400, "Client status is invalid")


def test_permissions_reflect_the_callers_role(api: httpx.Client) -> None:
    with api_client(MEMBER) as member:
        items = member.get(W).json()
    assert items and all("permissions" not in c for c in items)
    assert all(c["permissions"] == ["archive", "update", "remove"] for c in api.get(W).json())


def test_archive_takes_the_active_projects_and_restore_brings_back_the_listed_ones(
    api: httpx.Client,
) -> None:
    response = api.post(f"{W}/{ACME}/archive")
    assert (response.status_code, response.json()) == (200, [203984756, 203984799])
    assert api.get(f"{W}/{ACME}").json()["archived"] is True
    assert api.post(f"{W}/{ACME}/archive").json() == []  # nothing more to archive
    restored = api.post(f"{W}/{ACME}/restore", json={"projects": [203984756]}).json()
    assert restored["archived"] is False
    # The restored project is active again, the other one is not: a second archive shows it.
    assert api.post(f"{W}/{ACME}/archive").json() == [203984756]
    api.post(f"{W}/{ACME}/restore", json={"restore_all_projects": True})
    assert api.post(f"{W}/{ACME}/archive").json() == [203984756, 203984799]


def test_restore_with_an_empty_body_restores_the_client(api: httpx.Client) -> None:
    response = api.post(f"{W}/{INITECH}/restore")
    assert response.status_code == 200 and response.json()["archived"] is False


def test_archive_on_a_free_workspace_is_a_402_with_a_string(api: httpx.Client) -> None:
    response = api.post(f"/workspaces/{FREE}/clients/{HOBBY}/archive")
    assert response.status_code == 402 and isinstance(response.json(), str)
    assert api.get(f"/workspaces/{FREE}/clients/{HOBBY}").json()["archived"] is False
    assert api.post(f"/workspaces/{FREE}/clients/archive", json=[HOBBY]).status_code == 402


def test_by_ids_accepts_a_bare_array_and_the_web_apps_object(api: httpx.Client) -> None:
    bare = api.post(f"{W}/data", json=[INITECH, ACME, 5]).json()
    wrapped = api.post(f"{W}/data", json={"client_ids": [ACME, INITECH]}).json()
    assert {c["id"] for c in bare} == {c["id"] for c in wrapped} == {ACME, INITECH}
    # As recorded live: items carry `"total_count": 0` and neither creator_id nor permissions.
    assert all(
        c["total_count"] == 0 and "creator_id" not in c and "permissions" not in c for c in bare
    )


def test_bulk_archive_and_bulk_delete_work_on_several_clients(api: httpx.Client) -> None:
    ids = [create(api, name=f"Bulk {n}")["id"] for n in range(3)]
    archived = api.post(f"{W}/archive", json=ids)
    assert archived.status_code == 200 and archived.json()[0]["client_ids"] == ids
    assert all(api.get(f"{W}/{i}").json()["archived"] for i in ids)
    assert api.post(f"{W}/delete", json=ids).json() == "OK"
    assert all(api.get(f"{W}/{i}").status_code == 404 for i in ids)


def test_bulk_operations_change_nothing_when_one_id_is_unknown(api: httpx.Client) -> None:
    response = api.post(f"{W}/delete", json=[ACME, 424242])
    assert (response.status_code, response.json()) == (404, "No client with ID 424242 was found")
    assert api.get(f"{W}/{ACME}").status_code == 200
    assert api.post(f"{W}/archive", json=[ACME, 424242]).status_code == 404
    assert api.get(f"{W}/{ACME}").json()["archived"] is False


def test_delete_frees_the_name_and_get_answers_404(api: httpx.Client) -> None:
    response = api.delete(f"{W}/{GLOBEX}")
    assert response.status_code == 200 and response.content == b""
    gone = api.get(f"{W}/{GLOBEX}")
    assert (gone.status_code, gone.json()) == (404, f"No client with ID {GLOBEX} was found")
    assert api.delete(f"{W}/{GLOBEX}").status_code == 404
    create(api, name="Globex")


def test_me_clients_since_includes_deleted_clients_with_server_deleted_at() -> None:
    clock = [1_800_000_000.0]
    with api_client(clock=lambda: clock[0]) as api:
        everything = api.get("/me/clients").json()
        assert {c["wid"] for c in everything} == {PREMIUM, FREE}
        clock[0] += 10
        new = create(api, name="Fresh")
        api.delete(f"{W}/{GLOBEX}")
        changed = api.get("/me/clients", params={"since": 1_800_000_005}).json()
        assert [c["id"] for c in changed] == [GLOBEX, new["id"]]
        assert changed[0]["server_deleted_at"] == "2027-01-15T08:00:10+00:00"
        assert "server_deleted_at" not in changed[1]
        assert api.get("/me/clients", params={"since": "yesterday"}).status_code == 400


def test_me_clients_since_includes_a_change_made_exactly_at_since() -> None:
    clock = [1_800_000_000.0]
    with api_client(clock=lambda: clock[0]) as api:
        clock[0] += 10
        made = create(api, name="On the boundary")  # changed at 1_800_000_010 exactly
        at_since = api.get("/me/clients", params={"since": 1_800_000_010}).json()
        assert [c["id"] for c in at_since] == [made["id"]]
        assert api.get("/me/clients", params={"since": 1_800_000_011}).json() == []


def test_me_clients_leaves_out_workspaces_where_the_member_may_not_see_clients() -> None:
    with api_client(MEMBER) as member:
        assert {c["wid"] for c in member.get("/me/clients").json()} == {PREMIUM}
    with api_client(OUTSIDER) as outsider:
        assert outsider.get("/me/clients").json() == []


def test_reset_restores_the_seed(api: httpx.Client) -> None:
    api.delete(f"{W}/{ACME}")
    assert api.post(f"{CONTROL}/reset").status_code == 200
    assert api.get(f"{W}/{ACME}").status_code == 200
    assert api.get(f"{CONTROL}/health").json() == {"status": "ok"}


def test_reset_takes_new_options_and_refuses_unknown_ones(api: httpx.Client) -> None:
    assert api.post(f"{CONTROL}/reset", json={"hourly_quota": 2}).status_code == 200
    assert api.get(W).headers["x-toggl-quota-remaining"] == "1"
    refused = api.post(f"{CONTROL}/reset", json={"hourly_quota": 2, "colour": "red"})
    assert refused.status_code == 400 and "colour" in refused.json()
    assert api.get(W).headers["x-toggl-quota-remaining"] == "0"  # the old options still hold


def test_the_state_endpoint_shows_deleted_clients_too(api: httpx.Client) -> None:
    api.delete(f"{W}/{GLOBEX}")
    state = api.get(f"{CONTROL}/state").json()
    deleted = [c for c in state["clients"] if c["id"] == GLOBEX]
    assert deleted and "server_deleted_at" in deleted[0]
    projects = {p["id"]: p for p in state["projects"]}
    assert projects[ONBOARDING]["client_id"] is None  # detached from its deleted client
    assert projects[RELAUNCH]["client_id"] == ACME


def test_a_seed_file_replaces_the_default(tmp_path: pytest.TempPathFactory) -> None:
    seed = tmp_path / "seed.json"  # type: ignore[operator]
    seed.write_text(
        '{"workspaces": [{"id": 7, "premium": true}], "users": [{"id": 1, "email": "a@b.c",'
        ' "password": "p", "api_token": "t", "workspaces": {"7": "admin"}}],'
        ' "clients": [{"id": 70, "wid": 7, "name": "Only"}]}'
    )
    with api_client(("a@b.c", "p"), seed=seed) as api:
        assert [c["name"] for c in api.get("/workspaces/7/clients").json()] == ["Only"]
