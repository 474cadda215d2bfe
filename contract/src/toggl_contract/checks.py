"""The kit's schemathesis checks: configured objects, bound to one run, added to every case.

- `SemanticsCheck`: the rules of `rules.Semantics` on each case's exchange (with follow-up reads);
- `RefusedOnlyForState`: a schema-valid request may be refused (400) only for a reason of state the
  spec lists on its operation (`x-toggl-valid-but-refused`: a taken name, a client that is not in
  the workspace), and for nothing else;
- `method_not_allowed_as_recorded`: a 405 has an empty body and no `Allow`, as recorded live
  (schemathesis' own `unsupported_method` asks for `Allow`, so it is switched off);
- `NoBodyWhereNoneDeclared`: a status the spec declares without content answers no body.

`install_hooks(schema, workspace_id)` adds the two narrow failure filters the spec needs (see
`filter_failure`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import schemathesis

from .apimap import ApiMap
from .exchange import Exchange, auth_kind
from .rules import RuleViolation, Semantics, Unverified
from .settings import PACKAGED_SPEC


def exchange_of(
    case: schemathesis.Case[Any], response: schemathesis.Response, placeholder: str
) -> Exchange:
    """A schemathesis case and response as the rules see them (paths relative to the API root);
    `placeholder`: the run's credentials, as the case sent them."""
    request = response.request
    url = urlsplit(str(request.url))
    base = urlsplit(case.operation.base_url or "").path.rstrip("/")
    path = url.path[len(base) :] if base and url.path.startswith(base) else url.path
    raw = request.body
    body = raw if isinstance(raw, bytes) else raw.encode() if isinstance(raw, str) else b""
    query = dict(reversed(parse_qsl(url.query, keep_blank_values=True)))
    return Exchange(
        method=str(request.method),
        path=path,
        query=query,
        request_body=body,
        status=response.status_code,
        headers={
            k.lower(): v[0] if isinstance(v, list) else v for k, v in response.headers.items()
        },
        body=response.content or b"",
        auth=auth_kind(request.headers.get("Authorization"), placeholder),
    )


class SemanticsCheck:
    """Judges each response with the run's `Semantics`; an unverifiable rule is counted, not failed."""

    __name__ = "toggl_semantics"

    def __init__(self, semantics: Semantics, placeholder: str) -> None:
        self.semantics = semantics
        self.placeholder = placeholder
        self.unverified: Counter[str] = Counter()

    def __call__(
        self, ctx: Any, response: schemathesis.Response, case: schemathesis.Case[Any]
    ) -> bool | None:
        try:
            self.semantics.check(exchange_of(case, response, self.placeholder))
        except Unverified as unverified:
            self.unverified[f"{case.operation.label}: {unverified}"] += 1
            return None
        except RuleViolation as violation:
            raise AssertionError(str(violation)) from None
        except Exception as error:  # noqa: BLE001 - an answer the rules did not foresee
            # Reported as a failure of this case, never a crash of the run.
            raise AssertionError(
                f"the semantic checks could not judge this answer ({type(error).__name__}: {error})"
            ) from None
        return True


class RefusedOnlyForState:
    """A schema-valid request may get 400 only with a text its operation lists as a refusal of
    state (`x-toggl-valid-but-refused`); any other 400 on valid data is drift."""

    __name__ = "refused_only_for_state"

    def __init__(self, api: ApiMap) -> None:
        self.api = api

    def __call__(
        self, ctx: Any, response: schemathesis.Response, case: schemathesis.Case[Any]
    ) -> bool | None:
        meta = case.meta
        if meta is None or meta.generation.mode.is_negative or response.status_code != 400:
            return None
        listed = self.api.by_label(case.operation.label).valid_but_refused
        try:
            text = response.json()
        except ValueError:
            text = None
        if not (isinstance(text, str) and any(pattern.match(text) for pattern in listed)):
            raise AssertionError(
                f"a schema-valid {case.method.upper()} was refused with {response.text[:300]}"
                + ("" if listed else " (the spec lists no refusal of valid data for it)")
            )
        return True


class NamesRefusedOnlyWhenTaken(RefusedOnlyForState):
    """The 0.1 name of `RefusedOnlyForState`, from when a taken name was the only such refusal."""

    __name__ = "names_refused_only_when_taken"

    def __init__(self, api: ApiMap) -> None:
        super().__init__(api)
        self.api = api

    def __call__(
        self, ctx: Any, response: schemathesis.Response, case: schemathesis.Case[Any]
    ) -> bool | None:
        return super().__call__(ctx, response, case)


_PACKAGED_CHECK = RefusedOnlyForState(ApiMap.load(PACKAGED_SPEC))


def names_refused_only_when_taken(
    ctx: Any, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    """`RefusedOnlyForState` of the kit's own spec, as a plain check (the 0.1 function)."""
    return _PACKAGED_CHECK(ctx, response, case)


def method_not_allowed_as_recorded(
    ctx: Any, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    if response.status_code != 405:
        return None
    if response.content:
        raise AssertionError(f"a 405 with a body ({response.content[:100]!r}); Toggl's has none")
    if "allow" in {k.lower() for k in response.headers}:
        raise AssertionError("a 405 with an `Allow` header; Toggl's has none (as recorded)")
    return True


class NoBodyWhereNoneDeclared:
    """A status the spec declares without content answers no body."""

    __name__ = "no_body_where_none_declared"

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    def __call__(
        self, ctx: Any, response: schemathesis.Response, case: schemathesis.Case[Any]
    ) -> bool | None:
        declared = case.operation.definition.raw.get("responses", {}).get(str(response.status_code))
        if declared is None:
            return None
        if "$ref" in declared:
            name = declared["$ref"].rsplit("/", 1)[-1]
            declared = self.spec["components"]["responses"][name]
        if "content" in declared or not response.content:
            return None
        raise AssertionError(
            f"{response.status_code} is declared without a body, but the server sent {response.content[:100]!r}"
        )


def install_hooks(schema: Any, workspace_id: int) -> None:
    @schema.hook  # type: ignore[untyped-decorator]
    def filter_failure(
        ctx: Any, failure: Any, case: schemathesis.Case[Any], response: schemathesis.Response
    ) -> bool:
        """Drop two failures the spec explains, and nothing else.

        - An empty success body where the spec allows one (`x-toggl-body-may-be-empty`):
          schemathesis still wants JSON and a Content-Type there.
        - "Schema-violating request accepted" naming `workspace_id` when the request carried the
          pinned, valid workspace: the coverage phase mutates the parameter, the pinned value
          replaces it, and the failure names what was not sent.
        """
        if (
            type(failure).__name__ in ("MalformedJson", "MissingContentType")
            and not response.content.strip()
        ):
            declared = case.operation.definition.raw["responses"].get(str(response.status_code), {})
            return not declared.get("x-toggl-body-may-be-empty", False)
        if getattr(failure, "code", None) == "ST201":
            sent = str((case.path_parameters or {}).get("workspace_id"))
            return not (
                sent == str(workspace_id)
                and "parameter `workspace_id` in path" in str(failure.message)
            )
        return True
