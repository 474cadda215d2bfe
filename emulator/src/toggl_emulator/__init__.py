"""A stateful emulator of the Toggl Track API v9 Clients and Projects resources.

Written from what is known of the live API, never from the project's `openapi.yaml`: the contract
runs exist to find where the two disagree.

    from toggl_emulator import EmulatorOptions, create_app
    app = create_app(EmulatorOptions(hourly_quota=30))   # an ASGI app

`toggl-emulator --port 4010` serves it over HTTP (`EmulatorProcess` runs that in a child process
on a free port, like moto's `ThreadedMotoServer`); the pytest plugin (`toggl_emulator.pytest_plugin`,
loaded automatically once the package is installed) gives tests a fresh emulator each.
"""

from .app import Emulator, EmulatorOptions, create_app
from .intercept import intercept
from .journal import Exchange, Journal
from .seed_schema import SeedError, check_seed
from .server import EmulatorProcess

__all__ = [
    "Emulator",
    "EmulatorOptions",
    "EmulatorProcess",
    "Exchange",
    "Journal",
    "SeedError",
    "check_seed",
    "create_app",
    "intercept",
]
