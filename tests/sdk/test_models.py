"""Models people can print: absent fields are None, requests carry what the caller passed."""

from __future__ import annotations

import inspect
import json

from toggl_track_client import Toggl
from toggl_track_client.models import ClientCreate, ClientModel, ClientUpdate
from toggl_track_client.types import UNSET, Unset

from tests.support import CLIENT, Script, answer


def test_an_absent_optional_field_reads_as_none_and_prints_cleanly() -> None:
    client = ClientModel.from_dict(CLIENT)
    assert client.notes is None and client.external_reference is None
    assert "Unset" not in repr(client) and "object at" not in repr(client)
    assert UNSET is None and Unset is type(None)


def test_a_model_s_repr_shows_what_it_holds_and_nothing_else() -> None:
    client = ClientModel.from_dict({**CLIENT, "notes": "Retainer", "color": "#06aaf5"})
    assert repr(client) == (
        "ClientModel(id=5, wid=1001, name='Acme', archived=False, "
        "at=datetime.datetime(2024, 3, 17, 10, 55, 38, tzinfo=datetime.timezone.utc), "
        "notes='Retainer', additional_properties={'color': '#06aaf5'})"
    )
    assert "None" not in repr(ClientModel.from_dict(CLIENT))


def test_signatures_show_clean_defaults() -> None:
    signature = inspect.signature(ClientCreate)
    assert signature.parameters["notes"].default is None
    assert "object at" not in str(signature)


def test_a_request_body_carries_exactly_the_fields_passed() -> None:
    assert ClientUpdate(name="X").to_dict() == {"name": "X"}
    assert ClientUpdate(name="X", notes=None).to_dict() == {"name": "X"}  # None is never sent
    script = Script(answer(200, CLIENT), answer(200, CLIENT))
    toggl = Toggl(api_token="t", base_url="https://t.test/api/v9", transport=script.transport())
    toggl.clients.update(1001, 5, notes="only notes")
    toggl.clients.create(1001, name="Acme", notes=None)
    assert json.loads(script.requests[0].content) == {"notes": "only notes"}
    assert json.loads(script.requests[1].content) == {"name": "Acme"}


def test_unknown_fields_from_the_server_are_kept() -> None:
    client = ClientModel.from_dict({**CLIENT, "brand_new_field": [1, 2]})
    assert client.additional_properties == {"brand_new_field": [1, 2]}
    assert client.to_dict()["brand_new_field"] == [1, 2]


def test_restore_sends_no_body_unless_a_field_is_given() -> None:
    script = Script(answer(200, CLIENT), answer(200, CLIENT))
    toggl = Toggl(api_token="t", base_url="https://t.test/api/v9", transport=script.transport())
    toggl.clients.restore(1001, 5)
    toggl.clients.restore(1001, 5, restore_all_projects=True)
    assert script.requests[0].content == b""
    assert json.loads(script.requests[1].content) == {"restore_all_projects": True}
