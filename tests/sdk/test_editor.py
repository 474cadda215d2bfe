"""What an editor shows of the SDK: plain types, every parameter described, no evidence marks,
a way to clear a field, concise models, a version, a parsed body on a raw success."""

from __future__ import annotations

import inspect
import re
import typing
from importlib.metadata import version
from typing import Any

import pytest
import toggl_track_client
from toggl_track_client import CLEAR, AsyncToggl, Toggl
from toggl_track_client._runtime.resource import RawSuccess
from toggl_track_client.models import ClientModel

from tests.support import PREMIUM, RELAUNCH

RESOURCES = ("clients", "projects", "me")
EVIDENCE = re.compile(r"\[(infer|claim)\b|Evidence:|unicode\.IsSpace|strconv")


def methods(client_class: type) -> list[tuple[str, Any]]:
    toggl = client_class(api_token="t", base_url="https://t.test/api/v9")
    found = []
    for resource in RESOURCES:
        namespace = getattr(toggl, resource)
        for name, method in inspect.getmembers(namespace, inspect.ismethod):
            if not name.startswith("_"):
                found.append((f"{resource}.{name}", method))
    assert len(found) >= 17
    return found


@pytest.mark.parametrize("client_class", [Toggl, AsyncToggl])
def test_signatures_read_none_not_unset(client_class: type) -> None:
    for name, method in methods(client_class):
        signature = str(inspect.signature(method))
        assert "Unset" not in signature and "UNSET" not in signature, (name, signature)
        assert "Unset" not in (method.__doc__ or ""), name


def test_docstrings_carry_no_evidence_marks_or_implementation_notes() -> None:
    documented = [method.__doc__ or "" for _, method in methods(Toggl)]
    documented += [getattr(toggl_track_client.models, name).__doc__ or ""
                   for name in toggl_track_client.models.__all__]  # fmt: skip
    for doc in documented:
        assert not EVIDENCE.search(doc), doc


def test_every_spec_parameter_is_described_in_its_method_s_docstring(
    spec: dict[str, Any],
) -> None:
    toggl = Toggl(api_token="t", base_url="https://t.test/api/v9")
    for item in spec["paths"].values():
        for operation in (o for o in item.values() if isinstance(o, dict) and "operationId" in o):
            method = getattr(
                getattr(toggl, operation["tags"][0].lower()), operation["x-sdk-method"]
            )
            for parameter in operation.get("parameters", []):
                if "$ref" in parameter or parameter["in"] == "path":
                    continue
                python_name = re.sub(r"(?<!^)(?=[A-Z])", "_", parameter["name"]).lower()
                line = re.search(rf"^\s*{python_name} \([^)]*\):(.*)$", method.__doc__, re.M)
                assert line and line.group(1).strip(), (operation["operationId"], python_name)


def test_clear_sends_null_and_none_sends_nothing(toggl_client: Toggl) -> None:
    project = toggl_client.projects.get(PREMIUM, RELAUNCH)
    assert project.client_id is not None
    toggl_client.projects.update(PREMIUM, RELAUNCH, client_id=None, color="#06aaf5")
    assert toggl_client.projects.get(PREMIUM, RELAUNCH).client_id == project.client_id
    detached = toggl_client.projects.update(PREMIUM, RELAUNCH, client_id=CLEAR)
    assert detached.client_id is None
    assert repr(CLEAR) == "CLEAR"
    assert "client_id (int | CLEAR | None)" in (toggl_client.projects.update.__doc__ or "")


def test_the_package_has_its_version() -> None:
    assert toggl_track_client.__version__ == version("toggl-track-client")


def test_a_raw_success_has_a_parsed_body_typed_without_none(toggl_client: Toggl) -> None:
    raw = toggl_client.clients.with_raw_response.list(PREMIUM)
    assert isinstance(raw, RawSuccess) and isinstance(raw.parsed[0], ClientModel)
    assert str(typing.get_type_hints(RawSuccess)["parsed"]) == "~T"  # not `T | None`
    returned = inspect.signature(
        type(toggl_client.clients.with_raw_response).list
    ).return_annotation
    assert "RawSuccess" in str(returned) and "None" not in str(returned)


def test_the_three_bulk_methods_take_the_same_ids() -> None:
    clients = Toggl(api_token="t", base_url="https://t.test/api/v9").clients
    annotations = {
        name: str(inspect.signature(getattr(clients, name)).parameters["client_ids"].annotation)
        for name in ("get_many", "archive_many", "delete_many")
    }
    assert set(annotations.values()) == {"builtins.list[int]"}, annotations
