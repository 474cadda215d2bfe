"""A stateful emulator of the Toggl Track API v9 Clients resource.

Written from what is known of the live API (`../shared/toggl-clients-api.md`), never from
`openapi.yaml`: the contract tests exist to find where the two disagree.

    from mock import create_app, MockOptions
    app = create_app(MockOptions(hourly_quota=30))   # an ASGI app, for tests
"""

from .app import MockOptions, create_app

__all__ = ["MockOptions", "create_app"]
