"""The spec as the generator reads it: the same operations and schemas, with descriptions for a
Python user.

`openapi.yaml` keeps the evidence behind each statement (`**[infer]**`, `[claim: ...]`) and the
implementation notes a contract run needs (paragraphs that begin `Evidence:`). An editor's
tooltip needs neither: this step drops them from every description the generator turns into a
docstring, and gives each parameter's description to its schema (openapi-python-client documents
a parameter from its schema only). Nothing else changes: no operation, type or constraint.
"""

from __future__ import annotations

import re
from typing import Any

_MARK = re.compile(r"\s*(?:\*\*)?\[(?:infer|claim)\b[^\]]*\](?:\*\*)?")
_EVIDENCE = "Evidence:"


def for_users(text: str) -> str:
    """A description without evidence marks or `Evidence:` paragraphs."""
    paragraphs = [p for p in text.split("\n\n") if not p.lstrip().startswith(_EVIDENCE)]
    cleaned = _MARK.sub("", "\n\n".join(paragraphs))
    return cleaned.strip() + ("\n" if text.endswith("\n") else "")


def user_facing(node: Any) -> Any:
    """A copy of the spec (or any part of it) with user-facing descriptions."""
    if isinstance(node, list):
        return [user_facing(item) for item in node]
    if not isinstance(node, dict):
        return node
    copy = {key: user_facing(value) for key, value in node.items()}
    if isinstance(copy.get("description"), str):
        copy["description"] = for_users(copy["description"])
    schema = copy.get("schema")
    described = isinstance(schema, dict) and "$ref" not in schema and schema.get("description")
    if "in" in copy and isinstance(schema, dict) and copy.get("description") and not described:
        copy["schema"] = {**schema, "description": copy["description"]}
    return copy
