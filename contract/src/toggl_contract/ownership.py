"""What makes a resource the run's: proven, never assumed.

A run against a server it did not start owns a resource only when the create that answered it
proves it:

- the id was not in the workspace before (the snapshot the run takes before its first create);
- the answer carries the name that was sent and the run's proof (`marker`, in the resource's proof
  field, which the spec names: a client's `notes`, a project's `name`): an HMAC of the run id
  under the API token, which only a holder of the token can write;
- a read right after shows the same.

Every create the run sends carries the proof; every later write to the resource keeps it (the
gateway refuses one that would not), and before every write and every cleanup delete a fresh read
must show it again. An id that answers anything else is not the run's: it is never written to,
never deleted, and reported.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
import secrets
import time
from typing import Any

NAME_PREFIX = "toggl-contract-"
RUN_ID = re.compile(r"^(\d{14})-([0-9a-f]{6})$")
MAX_RUN_SECONDS = 3600
"""A run stops itself after this long; an older run id is not running any more."""


def proof(token: str, run_id: str) -> str:
    """The HMAC of a run id under the token: only a holder of the same token can write it."""
    return hmac.new(token.encode(), run_id.encode(), hashlib.sha256).hexdigest()[:20]


def marker(token: str, run_id: str) -> str:
    """What a run writes into its resources' notes."""
    return f"toggl-contract run {run_id} proof {proof(token, run_id)}"


def new_run_id() -> str:
    """`<UTC time>-<6 hex digits>`: sortable, and its start time readable by a later cleanup."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)


def run_started(run_id: str) -> float | None:
    match = RUN_ID.match(run_id)
    if match is None:
        return None
    return float(calendar.timegm(time.strptime(match.group(1), "%Y%m%d%H%M%S")))


PROOF_FIELD = "notes"
"""A client's proof field (the spec's `x-toggl-proof-field` names each resource's)."""


def carries(item: Any, mark: str, field: str = PROOF_FIELD) -> bool:
    """Whether a resource as read carries the run's proof in `field`."""
    return isinstance(item, dict) and isinstance(item.get(field), str) and mark in item[field]


def keeps_proof(value: Any, mark: str) -> bool:
    """Whether a value sent for the proof field keeps the proof (a string that holds it)."""
    return isinstance(value, str) and mark in value
