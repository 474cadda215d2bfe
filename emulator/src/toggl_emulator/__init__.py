"""A stateful emulator of the Toggl Track API v9 Clients and Projects resources.

Written from what is known of the live API, never from the project's `openapi.yaml`: the contract
runs exist to find where the two disagree.

    from toggl_emulator import EmulatorOptions, create_app
    app = create_app(EmulatorOptions(hourly_quota=30))   # an ASGI app

`toggl-emulator --port 4010` serves it over HTTP; the pytest plugin (`toggl_emulator.pytest_plugin`,
loaded automatically once the package is installed) gives tests a fresh emulator each.
"""

from .app import Emulator, EmulatorOptions, create_app

__all__ = ["Emulator", "EmulatorOptions", "create_app"]
