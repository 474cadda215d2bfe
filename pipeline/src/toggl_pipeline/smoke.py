"""A smoke test of an installed toggl_track_client: run by `make build` with the fresh venv's
Python, in isolated mode (`python -I`), against the emulator at $TOGGL_API_URL
(workspace $TOGGL_WORKSPACE_ID).

It must not be able to import the package from the source tree: it checks where it came from.
"""

from __future__ import annotations

import os
import sys

import toggl_track_client
from toggl_track_client import AuthenticatedClient, NotFoundError
from toggl_track_client.api.clients import create_client, delete_client, get_client
from toggl_track_client.models import ClientCreate


def main() -> None:
    where = os.path.dirname(toggl_track_client.__file__)
    assert where.startswith(sys.prefix), f"imported from {where}, not from the venv {sys.prefix}"
    toggl = AuthenticatedClient(
        api_token=os.environ["TOGGL_API_TOKEN"], base_url=os.environ["TOGGL_API_URL"]
    )
    workspace_id = int(os.environ["TOGGL_WORKSPACE_ID"])
    created = create_client.sync(workspace_id, client=toggl, body=ClientCreate(name="Smoke test"))
    assert get_client.sync(workspace_id, created.id, client=toggl).name == "Smoke test"
    delete_client.sync(workspace_id, created.id, client=toggl)
    try:
        get_client.sync(workspace_id, created.id, client=toggl)
    except NotFoundError:
        print(f"smoke test passed with {where}")
        return
    raise AssertionError("a deleted client could still be read")


if __name__ == "__main__":
    main()
