"""Contract verification of `openapi.yaml` against the Toggl emulator or a real Toggl server."""
