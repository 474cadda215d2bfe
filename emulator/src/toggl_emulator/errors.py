"""Toggl's errors: a status code and a bare JSON string body.

Every refusal of the emulator is a `TogglError`, raised anywhere and turned into a response in one
place (`emulator.py`), so that no bad input can end in a 5xx or half-changed state.
"""

from __future__ import annotations

# Texts documented by Toggl or seen in live traffic.
NO_ACCESS = "User does not have access to this resource"
NAME_EMPTY = "Client name cannot be empty"
NAME_MAX_LENGTH = 255
NAME_TOO_LONG = f"Client name maximum length is {NAME_MAX_LENGTH}"
STATUS_INVALID = "Client status is invalid"
UPDATE_NOT_FOUND = "Client doesn't exist in the workspace."
INTERNAL = "Internal Server Error"

# Projects: documented (the full stop is in Toggl's projects pages) or seen in a fixture.
PROJECT_NO_ACCESS = "User does not have access to this resource."
PROJECT_ADMINS_ONLY = "Only admins may create projects in this workspace"
PROJECT_NOT_FOUND = "Resource can not be found"  # [claim] a third-party client's fixture

# Texts the live API is assumed to send ([infer]; the README lists them).
PROJECT_NAME_EMPTY = "Project name cannot be empty"
PROJECT_NAME_TOO_LONG = f"Project name maximum length is {NAME_MAX_LENGTH}"
CUSTOM_COLORS = "custom colors"
WRONG_CREDENTIALS = "Incorrect username and/or password"
NAME_TAKEN = "Name has already been taken"
INVALID_JSON = "JSON is not valid"
BODY_TOO_LARGE = "Request body is too large"
JSON_TOO_DEEP = "JSON is nested too deeply"
TOO_MANY_IDS = "Too many ids in one request"
QUERY_TOO_LONG = "Query is too long"
TOO_MANY_REQUESTS = "Too Many Requests"
PREMIUM_REQUIRED = "Archiving clients is a premium feature"
NOT_FOUND_ROUTE = "Not Found"


def not_found(client_id: int | str) -> str:
    return f"No client with ID {client_id} was found"


def invalid_parameter(name: str) -> str:
    return f"Invalid {name}"


def admins_only(workspace_id: int) -> str:
    return f"User cannot add or edit clients in workspace {workspace_id}"


def client_not_in_workspace(client: int | str, workspace_id: int) -> str:
    """Documented for an id; the same words for a name are [infer]."""
    what = f"ID {client}" if isinstance(client, int) else f"name {client}"
    return f"Client with the {what} isn't present in workspace {workspace_id}"


def invalid_color(color: str) -> str:
    return (
        f"Error in validating color '{color}'. "
        "Project color must be a hex value in the form of #[0-9a-f]{6}."
    )


def premium_only(feature: str) -> str:
    """[infer] the pattern Toggl documents for workspace creation, used for every premium field."""
    return f"Must be a premium user to use {feature}"


def wrong_type(field: str, json_type: str, offset: int) -> str:
    """Go's decoder message as Toggl words it: `Unexpected "wid" type string, offset=88`."""
    return f'Unexpected "{field}" type {json_type}, offset={offset}'


def quota_exhausted(resets_in: int) -> str:
    return (
        f"You have hit your hourly limit for API calls. Your quota resets in {resets_in} seconds."
    )


class TogglError(Exception):
    """A refusal: `status` with `message` as a JSON string body (no body when message is None)."""

    def __init__(
        self, status: int, message: str | None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.headers = headers or {}
