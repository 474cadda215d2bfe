# Copied from sdk/runtime/logs.py by `make generate`. Do not edit here.
"""The package's logger, `toggl_track_client`; `TOGGL_LOG=info` or `debug` prints it to stderr.

At INFO every retry is logged with its attempt, reason and wait; at DEBUG every request and
response too. Credentials never appear: requests are logged by method and URL only.
"""

from __future__ import annotations

import logging
import os

logger = logging.getLogger("toggl_track_client")
_configured = False


def setup_from_environment() -> None:
    """Once per process: honour `TOGGL_LOG` (`debug` or `info`) with a stderr handler."""
    global _configured
    if _configured:
        return
    _configured = True
    level = os.environ.get("TOGGL_LOG", "").strip().lower()
    if level not in ("debug", "info"):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if level == "debug" else logging.INFO)
