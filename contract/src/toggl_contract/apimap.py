"""The one map of the API the kit holds servers to, read from `openapi.yaml`.

Every other module of the kit asks it instead of parsing paths itself:

- which operations exist (`operations`, each with its method, path template, resource, action and
  the label schemathesis gives it);
- building a path (`Operation.path(...)`) and matching a request to its operation
  (`ApiMap.match`), on a path normalised the one way the guard, the gateway and the rules agree
  on; a path that a server or an HTTP client could read differently is refused (`Unclear`);
- which ids a request touches (`Match.target`, `touched_ids`);
- the documented filters of a list and the fields a write stores (vendor extensions);
- paging, with one stop rule (`Pages`).

The spec's vendor extensions say what its structure alone cannot: `x-toggl-resource` and
`x-toggl-action` on operations, `x-toggl-idempotent`, `x-toggl-filter` on query parameters,
`x-toggl-ignored`, `x-toggl-trimmed`, `x-toggl-name-rules` and `x-toggl-refers-to` on body fields,
`x-toggl-archived-when` on a resource, `x-toggl-clamped-to` on a page size, `x-toggl-proof-field`
and `x-toggl-valid-but-refused` on writes (see the spec's `info.description`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

import yaml

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
READ_ACTIONS = frozenset({"list", "get", "get-many", "list-mine"})
ONE_ID_ACTIONS = frozenset({"get", "update", "delete", "archive", "restore"})
"""Actions on the resource a path parameter names."""
MANY_ID_ACTIONS = frozenset({"archive-many", "delete-many"})
"""Actions on the resources a body lists."""
WRITE_ACTIONS = frozenset({"create", "update", "delete", "archive", "restore"}) | MANY_ID_ACTIONS
INT64_DIGITS = 19
INT64_MAX = 2**63 - 1
_DIGITS = re.compile(r"\d+")
_PCHAR = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*$")


class Unclear(ValueError):
    """A request path the kit will not judge: two readers could take it for different things."""


@dataclass(frozen=True)
class Filter:
    """What a query parameter selects on (`x-toggl-filter`)."""

    parameter: str
    attribute: str  # the field of the listed items it selects on
    match: str = "equals"  # equals | contains-ignoring-case | in | changed-since | values
    values: Mapping[str, Any] = field(default_factory=dict)
    default: str | None = None  # the value the server takes when the parameter is not sent

    def selects(self, raw: str) -> Callable[[Any], bool] | None:
        """A predicate on an item's field for the parameter's value; None: no filtering."""
        if self.values:
            if raw not in self.values:
                return None
            wanted = self.values[raw]
            return None if wanted == "any" else (lambda value: value == wanted)
        if self.match == "contains-ignoring-case":
            needle = raw.casefold()
            return None if not needle else (lambda value: needle in str(value or "").casefold())
        if self.match == "in":
            accepted = {part.strip() for part in raw.split(",") if part.strip()}
            return None if not accepted else (lambda value: str(value) in accepted)
        if self.match == "equals":
            return lambda value: str(value).lower() == raw.lower()
        return None  # changed-since: a rule of its own (deleted items count too)


@dataclass(frozen=True)
class NameRules:
    """What a resource's name must be (`x-toggl-name-rules`), and the texts of its refusals."""

    max_length: int
    empty: str
    too_long: str
    taken: str
    unique_within: tuple[str, ...] = ()  # fields besides the workspace that scope uniqueness


@dataclass(frozen=True)
class BodyField:
    """A field a create or update may send: whether it is stored, and how."""

    name: str
    type: str | None
    ignored: bool = False  # accepted, not read back as sent (ignored, or stored elsewhere)
    trimmed: bool = False  # stored without leading and trailing whitespace
    refers_to: str | None = None  # the resource whose id (or name) it holds
    name_rules: NameRules | None = None
    required: bool = False


@dataclass(frozen=True)
class Operation:
    id: str
    method: str  # upper case
    template: str  # /workspaces/{workspace_id}/clients/{client_id}
    resource: str | None
    action: str | None
    idempotent: bool
    segments: tuple[str | None, ...]  # literal segments, None for a parameter
    parameters: tuple[str, ...]  # path parameters in order
    query: Mapping[str, Mapping[str, Any]]
    filters: tuple[Filter, ...]
    body_fields: Mapping[str, BodyField]
    raw: Mapping[str, Any] = field(repr=False, compare=False)
    proof_field: str | None = None  # the resource's (set from its create by `ApiMap`)
    valid_but_refused: tuple[re.Pattern[str], ...] = ()

    @property
    def label(self) -> str:
        """`GET /workspaces/{workspace_id}/clients`: how schemathesis and the report name it."""
        return f"{self.method} {self.template}"

    @property
    def id_parameter(self) -> str | None:
        """The path parameter naming the resource acted on (the last one), for one-id actions."""
        return self.parameters[-1] if self.action in ONE_ID_ACTIONS and self.parameters else None

    @property
    def reads(self) -> bool:
        return self.action in READ_ACTIONS or (self.action is None and self.method == "GET")

    @property
    def paged(self) -> bool:
        return "page" in self.query and "per_page" in self.query

    @property
    def pages_by_default(self) -> bool:
        """Whether the server answers one page when the query asks for none (a default size)."""
        return "default" in self.query.get("per_page", {}).get("schema", {})

    @property
    def max_per_page(self) -> int:
        """The largest page the server answers: what it clamps `per_page` to, or its maximum."""
        parameter = self.query.get("per_page", {})
        return int(
            parameter.get("x-toggl-clamped-to") or parameter.get("schema", {}).get("maximum", 200)
        )

    def path(self, **values: object) -> str:
        """The path with these parameter values (every parameter must be given)."""
        return self.template.format(**{name: values[name] for name in self.parameters})

    def documents(self, status: int) -> bool:
        return str(status) in self.raw.get("responses", {})


@dataclass(frozen=True)
class Match:
    """A request matched to its operation; `params` are the path parameters, percent-decoded."""

    operation: Operation
    params: Mapping[str, str]

    def read_id(self, name: str) -> int | None | str:
        """Parameter `name` as an id, the way a lenient server would read it: see `read_id`."""
        return read_id(self.params.get(name, ""))

    @property
    def target(self) -> int | None | str:
        """The id of the resource a one-id action acts on (None: no id; "?": unclear)."""
        name = self.operation.id_parameter
        return None if name is None else self.read_id(name)


def read_id(text: str) -> int | None | str:
    """A decoded path segment as an id: an int when it is ASCII digits (leading zeros allowed, as
    Go reads them; None past int64), None when no digit is in it (it cannot name anything), and
    "?" for anything else (a sign, spaces, other scripts' digits: a lenient server might read an id)."""
    if not _DIGITS.search(text):
        return None
    if text.isascii() and text.isdigit():
        significant = text.lstrip("0") or "0"
        value = int(significant) if len(significant) <= INT64_DIGITS else None
        return value if value is not None and value <= INT64_MAX else None
    return "?"


def body_ids(body: bytes) -> set[int]:
    """Every run of digits in a body, as an id: a request could name a resource in any of them."""
    found = set()
    for digits in _DIGITS.findall(body.decode("utf-8", errors="replace")):
        significant = digits.lstrip("0") or "0"
        if len(significant) <= INT64_DIGITS:
            found.add(int(significant))
    return found


def split_target(target: str) -> tuple[str, str]:
    """`/path?query` into its path and query."""
    path, _, query = target.partition("?")
    return path, query


def segments(path: str) -> list[str]:
    """The percent-decoded segments of a raw path (relative to the API root), or `Unclear`.

    Refused: an empty segment (`//`, a trailing `/`), a dot segment (`.`, `..`, encoded or not),
    an encoded separator or NUL (`%2F`, `%5C`, `%00`), a backslash, a malformed escape, a
    character outside RFC 3986's path characters, and a decoded segment that is not UTF-8.
    """
    if not path.startswith("/"):
        raise Unclear(f"{path!r} is not an absolute path")
    parts = path[1:].split("/")
    decoded = []
    for part in parts:
        if not part:
            raise Unclear(f"{path!r} has an empty segment")
        if not _PCHAR.match(part):
            raise Unclear(f"{path!r} has a character outside a URL path's, or a malformed escape")
        raw = unquote_to_bytes(part)
        if any(byte in raw for byte in b"/\\\x00") or any(
            byte < 0x20 or byte == 0x7F for byte in raw
        ):
            raise Unclear(f"{path!r} hides a separator or a control character in {part!r}")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Unclear(f"{path!r} has a segment that is not UTF-8") from None
        if text in (".", ".."):
            raise Unclear(f"{path!r} has a dot segment")
        decoded.append(text)
    return decoded


@dataclass(frozen=True)
class Archiving:
    """How a resource says it is archived (`x-toggl-archived-when`): `field` holds `value`."""

    field: str
    value: Any

    def of(self, item: Mapping[str, Any]) -> bool:
        return bool(item.get(self.field) == self.value)


class ApiMap:
    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.spec = spec
        operations = list(_operations(spec))
        proof = {
            op.resource: op.raw.get("x-toggl-proof-field")
            for op in operations
            if op.action == "create"
        }
        self.operations: tuple[Operation, ...] = tuple(
            replace(op, proof_field=proof.get(op.resource)) for op in operations
        )
        self._by_label = {op.label: op for op in self.operations}
        self._by_id = {op.id: op for op in self.operations}
        # Literal segments before parameters: `/clients/data` is not client "data".
        self._ordered = sorted(
            self.operations, key=lambda op: tuple(part is None for part in op.segments)
        )

    @classmethod
    def load(cls, path: Path) -> ApiMap:
        return _load(str(path.resolve()), path.stat().st_mtime_ns)

    # --- finding operations -----------------------------------------------------------------------

    def by_label(self, label: str) -> Operation:
        return self._by_label[label]

    def by_id(self, operation_id: str) -> Operation:
        return self._by_id[operation_id]

    def find(self, resource: str, action: str) -> Operation | None:
        return next(
            (op for op in self.operations if op.resource == resource and op.action == action),
            None,
        )

    def resources(self) -> list[str]:
        return sorted({op.resource for op in self.operations if op.resource})

    def in_creation_order(self) -> list[str]:
        """Resources, each after those its creates refer to (clients before projects)."""
        ordered: list[str] = []

        def visit(resource: str) -> None:
            if resource in ordered:
                return
            for referred in self.references(resource).values():
                if referred != resource:
                    visit(referred)
            ordered.append(resource)

        for resource in self.resources():
            visit(resource)
        return ordered

    def proof_field(self, resource: str) -> str | None:
        create = self.find(resource, "create")
        return create.proof_field if create is not None else None

    def references(self, resource: str) -> dict[str, str]:
        """The fields of the resource's writes that refer to another resource, and to which."""
        found: dict[str, str] = {}
        for op in self.operations:
            if op.resource == resource:
                found |= {n: f.refers_to for n, f in op.body_fields.items() if f.refers_to}
        return found

    def name_rules(self, resource: str) -> NameRules | None:
        create = self.find(resource, "create")
        name = create.body_fields.get("name") if create is not None else None
        return name.name_rules if name is not None else None

    def archiving(self, resource: str) -> Archiving | None:
        """How an item of the resource says it is archived (`x-toggl-archived-when`)."""
        declared = self._item_schema(resource).get("x-toggl-archived-when")
        return Archiving(declared["field"], declared["value"]) if declared else None

    def twins(self, resource: str) -> dict[str, str]:
        """Legacy fields of an item that always hold another's value (`x-toggl-same-as`)."""
        properties = _properties(self.spec, self._item_schema(resource))
        return {
            name: twin
            for name, prop in properties.items()
            if (
                twin := prop.get("x-toggl-same-as")
                or _resolve(self.spec, prop).get("x-toggl-same-as")
            )
        }

    def match(self, method: str, path: str) -> Match | None:
        """The operation serving `method path` (a raw path relative to the API root), or None.

        Raises `Unclear` for a path that could be read two ways (see `segments`).
        """
        parts = segments(path)
        method = method.upper()
        for operation in self._ordered:
            if operation.method != method or len(operation.segments) != len(parts):
                continue
            if all(
                seg is None or seg == part
                for seg, part in zip(operation.segments, parts, strict=True)
            ):
                values = [
                    part for seg, part in zip(operation.segments, parts, strict=True) if seg is None
                ]
                return Match(operation, dict(zip(operation.parameters, values, strict=True)))
        return None

    def route_exists(self, path: str) -> bool:
        """Whether any operation has this path (whatever its method)."""
        try:
            parts = segments(path)
        except Unclear:
            return False
        return any(
            len(op.segments) == len(parts)
            and all(
                seg is None or seg == part for seg, part in zip(op.segments, parts, strict=True)
            )
            for op in self.operations
        )

    def _item_schema(self, resource: str) -> Mapping[str, Any]:
        """The schema of one item of the resource: its get's answer."""
        get = self.find(resource, "get")
        if get is None:
            return {}
        content = get.raw.get("responses", {}).get("200", {}).get("content", {})
        return _resolve(self.spec, content.get("application/json", {}).get("schema", {}))  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=8)
def _load(path: str, mtime: int) -> ApiMap:
    return ApiMap(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


def _resolve(spec: Mapping[str, Any], node: Any) -> Any:
    while isinstance(node, Mapping) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _operations(spec: Mapping[str, Any]) -> Iterator[Operation]:
    for template, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            raw = item.get(method)
            if not isinstance(raw, Mapping):
                continue
            parameters = [_resolve(spec, p) for p in [*shared, *raw.get("parameters", [])]]
            query = {p["name"]: p for p in parameters if p.get("in") == "query"}
            filters = tuple(_filter(p) for p in query.values() if "x-toggl-filter" in p)
            parts = template.strip("/").split("/")
            yield Operation(
                valid_but_refused=tuple(
                    re.compile(pattern) for pattern in raw.get("x-toggl-valid-but-refused", ())
                ),
                id=raw.get("operationId", f"{method} {template}"),
                method=method.upper(),
                template=template,
                resource=raw.get("x-toggl-resource"),
                action=raw.get("x-toggl-action"),
                idempotent=bool(raw.get("x-toggl-idempotent")),
                segments=tuple(None if p.startswith("{") else p for p in parts),
                parameters=tuple(p[1:-1] for p in parts if p.startswith("{")),
                query=query,
                filters=filters,
                body_fields=_body_fields(spec, raw),
                raw=raw,
            )


def _filter(parameter: Mapping[str, Any]) -> Filter:
    declared = parameter["x-toggl-filter"]
    values = declared.get("values", {})
    match = declared.get("match", "values" if values else "equals")
    default = parameter.get("schema", {}).get("default")
    return Filter(
        parameter["name"],
        declared["field"],
        match,
        values,
        None if default is None else str(default),
    )


def _properties(spec: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """An object schema's properties, those of its `allOf` parts merged in order."""
    schema = _resolve(spec, schema)
    found: dict[str, Any] = {}
    for part in schema.get("allOf", ()):
        found |= _properties(spec, part)
    if schema.get("type") == "object" or "allOf" in schema:
        found |= dict(schema.get("properties", {}))
    return found


def _required(spec: Mapping[str, Any], schema: Mapping[str, Any]) -> set[str]:
    schema = _resolve(spec, schema)
    found = set(schema.get("required", ()))
    for part in schema.get("allOf", ()):
        found |= _required(spec, part)
    return found


def _body_fields(spec: Mapping[str, Any], raw: Mapping[str, Any]) -> dict[str, BodyField]:
    content = raw.get("requestBody", {}).get("content", {}).get("application/json", {})
    required = _required(spec, content.get("schema", {}))
    fields = {}
    for name, prop in _properties(spec, content.get("schema", {})).items():
        resolved = _resolve(spec, prop)
        rules = resolved.get("x-toggl-name-rules")
        fields[name] = BodyField(
            name,
            resolved.get("type"),
            ignored=bool(prop.get("x-toggl-ignored") or resolved.get("x-toggl-ignored")),
            trimmed=bool(resolved.get("x-toggl-trimmed")),
            refers_to=prop.get("x-toggl-refers-to") or resolved.get("x-toggl-refers-to"),
            name_rules=NameRules(
                int(rules["max-length"]), rules["empty"], rules["too-long"], rules["taken"],
                tuple(rules.get("unique-within", ())),
            ) if rules else None,
            required=name in required,
        )  # fmt: skip
    return fields


@dataclass
class Pages:
    """The one paging loop of the kit: which page to ask for next, and when to stop.

    It stops at an answer that is not a list, at a page that brings nothing new (a server that
    ignores `page` answers the first one again), or after `max_pages`; otherwise, when the items
    carry `total_count`, once that many are seen (a server whose pages are smaller than asked for
    is still read to the end); without it, at a short page. Items without an id are kept but count
    as nothing new.
    """

    per_page: int
    max_pages: int = 1000
    page: int = 1
    seen: set[Any] = field(default_factory=set)
    items: list[dict[str, Any]] = field(default_factory=list)

    def take(self, answer: Any) -> bool:
        """Keep this page's items; whether to ask for the next page."""
        if not isinstance(answer, list):
            return False
        items = [item for item in answer if isinstance(item, dict)]
        new = [item for item in items if "id" in item and _hashable(item["id"]) not in self.seen]
        self.seen.update(_hashable(item["id"]) for item in new)
        self.items += new + [item for item in items if "id" not in item]
        total: int | None = next(
            (i["total_count"] for i in items if isinstance(i.get("total_count"), int)), None
        )
        self.page += 1
        if not new or self.page > self.max_pages:
            return False
        if total is not None:
            return len(self.seen) < total
        return len(answer) >= self.per_page


def _hashable(value: Any) -> Any:
    return value if isinstance(value, int | str | float | bool | None) else repr(value)
