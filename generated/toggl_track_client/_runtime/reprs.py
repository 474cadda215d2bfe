# Copied from sdk/runtime/reprs.py by `make generate`. Do not edit here.
"""A model's `repr` as a user reads it: the fields that hold a value, nothing else.

    ClientModel(id=61250143, wid=1001, name='Acme Corporation', archived=False, at=...)

A field left out (None) is not shown; fields the server added beyond the spec are, under
`additional_properties`, when there are any.
"""

from __future__ import annotations

from typing import Any

import attrs


def concise_repr(self: Any) -> str:
    shown = [
        f"{field.name}={getattr(self, field.name)!r}"
        for field in attrs.fields(type(self))
        if field.name != "additional_properties" and getattr(self, field.name) is not None
    ]
    extra = getattr(self, "additional_properties", None)
    if extra:
        shown.append(f"additional_properties={extra!r}")
    return f"{type(self).__name__}({', '.join(shown)})"
