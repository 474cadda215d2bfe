"""A smoke test of an installed toggl_track_client: run by `make build` with the fresh venv's
Python, in isolated mode (`python -I`), against the emulator at $TOGGL_API_URL
(workspace $TOGGL_WORKSPACE_ID), started from the installed toggl-track-emulator.

It must not be able to import the package from the source tree: it checks where it came from.
"""

from __future__ import annotations

import os
import sys

import toggl_track_client
from toggl_track_client import NotFoundError, Toggl
from toggl_track_client.api.clients import get_client


def main() -> None:
    where = os.path.dirname(toggl_track_client.__file__)
    assert where.startswith(sys.prefix), f"imported from {where}, not from the venv {sys.prefix}"
    workspace_id = int(os.environ["TOGGL_WORKSPACE_ID"])
    with Toggl(
        api_token=os.environ["TOGGL_API_TOKEN"], base_url=os.environ["TOGGL_API_URL"]
    ) as toggl:
        created = toggl.clients.create(workspace_id, name="Smoke test")
        assert toggl.clients.get(workspace_id, created.id).name == "Smoke test"
        # The low-level layer, on the same connection.
        assert (
            get_client.sync(workspace_id, created.id, client=toggl.low_level).name == "Smoke test"
        )
        toggl.clients.delete(workspace_id, created.id)
        try:
            toggl.clients.get(workspace_id, created.id)
        except NotFoundError:
            print(f"smoke test passed with {where}")
            return
    raise AssertionError("a deleted client could still be read")


if __name__ == "__main__":
    main()
