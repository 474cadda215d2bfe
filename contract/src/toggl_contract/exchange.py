"""One request and its answer, as every part of the kit sees it: the rules, the gateway, cassettes.

Paths are relative to the API root (`/workspaces/1001/clients`), bodies are kept as bytes, and
header names are lower case.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx

NO_JSON = object()  # a body that is empty or not JSON


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    request_body: bytes = b""
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    auth: str = "credentials"  # what the request carried: the run's "credentials", "none", "other"

    @property
    def sent(self) -> Any:
        """The request body as JSON, or NO_JSON."""
        return _json(self.request_body)

    @property
    def answer(self) -> Any:
        """The response body as JSON, or NO_JSON."""
        return _json(self.body)

    @classmethod
    def of(cls, response: httpx.Response, api_path: str, auth: str = "credentials") -> Exchange:
        """From an httpx response; `api_path` is the URL path of the API root (`/api/v9`)."""
        request = response.request
        path = request.url.path
        return cls(
            method=request.method,
            path=path[len(api_path) :] if path.startswith(api_path) else path,
            query=dict(reversed(parse_qsl(request.url.query.decode(), keep_blank_values=True))),
            request_body=request.content,
            status=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            body=response.content,
            auth=auth,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "request_body": _text(self.request_body),
            "status": self.status,
            "headers": self.headers,
            "body": _text(self.body),
            "auth": self.auth,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Exchange:
        return cls(
            method=data["method"],
            path=data["path"],
            query=dict(data.get("query", {})),
            request_body=_bytes(data.get("request_body", "")),
            status=int(data["status"]),
            headers=dict(data.get("headers", {})),
            body=_bytes(data.get("body", "")),
            auth=data.get("auth", "credentials"),
        )

    def describe(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.query.items())
        return f"{self.method} {self.path}{'?' + query if query else ''} -> {self.status}"


def auth_kind(header: str | bytes | None, placeholder: str) -> str:
    """What a request's `Authorization` carried: the run's "credentials", "none", or "other"."""
    if header is None:
        return "none"
    text = header.decode("latin-1") if isinstance(header, bytes) else header
    return "credentials" if text == placeholder else "other"


def _json(raw: bytes) -> Any:
    if not raw.strip():
        return NO_JSON
    try:
        return json.loads(raw)
    except ValueError:
        return NO_JSON


def _text(raw: bytes) -> str | dict[str, str]:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(raw).decode()}


def _bytes(value: str | dict[str, str]) -> bytes:
    if isinstance(value, dict):
        return base64.b64decode(value["base64"])
    return value.encode("utf-8")
