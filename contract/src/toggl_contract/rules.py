"""The semantics a schema cannot express, judged on any server: the rules of `rulebook.py`.

Written once, used everywhere: the schemathesis check of every contract run (emulator or not) and
the deterministic walk. `Semantics.check(exchange)` judges one exchange against what the run knows
of each resource so far, reads the server again where a rule needs it (through a `Reader`, i.e.
the gateway), and raises `RuleViolation` when the server broke a rule (a rule graded `[infer]`
is noted, not raised) or `Unverified` when it could not be checked (no budget left, not ours).

What a rule needs to know of the API comes from the one map (`apimap.py`), so from the spec:
which operation a request is, which fields a write stores (and which it ignores or trims), which
query parameters filter what, a resource's name rules and their texts, which field says it is
archived, which fields refer to another resource (so that deleting, archiving or restoring a client
tells what becomes of its projects). A filter the spec documents is checked without a line here.

The whitespace set is written out here, not imported: the rules judge any server, the emulator
included, and the emulator and the spec are described independently of them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from .apimap import ApiMap, Filter, Match, NameRules, Operation, Pages, Unclear
from .exchange import NO_JSON, Exchange
from .rulebook import RULES, Coverage, Rule

# Go's unicode.IsSpace, which strings.TrimSpace uses ([infer] Toggl trims names with it).
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
NAME_TAKEN = "Name has already been taken"
"""The clients' (and projects') text for a taken name; the spec's name rules say each resource's."""
COLOR = re.compile(r"#[0-9a-f]{6}")
COLOR_REFUSED = "Error in validating color"  # the documented 400 text begins so


class RuleViolation(AssertionError):
    """The server broke a rule."""


class Unverified(Exception):
    """A rule could not be checked: a follow-up read was not sent (budget, quota, not ours)."""


class Reader(Protocol):
    """How the rules read the server again (through the gateway, with the run's credentials)."""

    def send(self, operation: Operation, params: dict[str, object], *, query: dict[str, Any] | None = None,
             json: Any = None) -> Exchange: ...  # fmt: skip


@dataclass
class Known:
    """What the run knows of one resource from the answers it saw."""

    id: int
    resource: str
    fields: dict[str, Any]
    archived: bool
    at: str = ""
    seen: float = field(default_factory=time.monotonic)
    deleted: float | None = None  # the Unix time the run saw it deleted
    # What a write to another resource changed here (a client's deletion, its archiving), and the
    # rule that says so: a read that disagrees breaks that rule.
    because: dict[str, str] = field(default_factory=dict)  # field ("archived" too) -> rule id


def trimmed(name: str) -> str:
    return name.strip(WHITESPACE)


def _epoch(text: str) -> float:
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise RuleViolation(f"{text!r} is not a timestamp") from None


def _shown(item: dict[str, Any], key: str) -> str:
    """A field as an answer shows it, for a message: absent is said so, not shown as ''."""
    return f"{item[key]!r}" if key in item else "missing"


class Semantics:
    def __init__(
        self,
        api: ApiMap,
        workspace_id: int,
        reader: Reader | None,
        coverage: Coverage | None = None,
    ) -> None:
        self.api = api
        self.workspace_id = workspace_id
        self.reader = reader
        self.coverage = coverage or Coverage()
        self.known: dict[int, Known] = {}
        # The archived state of other people's items as the last list showed it: a bulk
        # operation must leave them as they were (nothing else of theirs is judged).
        self.others: dict[int, bool] = {}
        self.others_before: dict[int, bool] = {}  # as they were before the write being judged
        self.quota: dict[str, tuple[int, float, int | None]] = {}  # scope -> last reading
        self.soft: list[str] = []  # [infer] rules that did not hold

    # --- entry point ----------------------------------------------------------------------------

    def check(self, exchange: Exchange, *, follow_up: bool = True) -> None:
        """Judge one exchange; with `follow_up`, read the server again where a rule needs it."""
        try:
            match = self.api.match(exchange.method, exchange.path)
        except Unclear:
            return
        if match is None:
            return
        self._quota(exchange, match)
        if exchange.auth == "none":
            self._anonymous(exchange, match)
            return
        if exchange.auth != "credentials":
            return
        workspace = match.read_id("workspace_id") if "workspace_id" in match.params else None
        operation = match.operation
        resource = operation.resource or ""
        if "workspace_id" in match.params and workspace != self.workspace_id:
            if isinstance(workspace, int) and workspace >= 1:  # another workspace, by a valid id
                self._other_workspace(exchange, match)
            return
        if not operation.reads:
            # What the last list showed of other people's items holds until the next write.
            self.others_before, self.others = self.others, {}
        if exchange.status == 200:
            for item in _items(exchange) or _one(exchange):
                self._item_rules(resource, item)
        handler = _HANDLERS.get(operation.action or "")
        if handler is not None:
            handler(self, exchange, match, resource, follow_up)

    def learn(self, resource: str, item: dict[str, Any]) -> None:
        """A resource as a read showed it (not judged): known from now on."""
        if isinstance(item.get("id"), int) and isinstance(item.get("name"), str):
            known = self.known.get(item["id"])
            if known is None or known.deleted is None:
                self.known[item["id"]] = self._known(resource, item)

    # --- judging --------------------------------------------------------------------------------

    def expect(self, rule_id: str, resource: str, condition: object, message: str) -> None:
        """Rule `rule_id` was checked; when it does not hold: a violation, or (an assumption) a note."""
        rule = RULES[rule_id]
        self.coverage.check(rule, resource)
        if condition:
            return
        self.coverage.fail(rule, resource, message)
        if rule.soft:
            self.soft.append(f"{rule.id} [infer]: {message}")
            return
        raise RuleViolation(message)

    # --- what the map says of a resource --------------------------------------------------------

    def archived(self, resource: str, item: dict[str, Any]) -> bool | None:
        """Whether an item says it is archived; None when it does not say."""
        archiving = self.api.archiving(resource)
        if archiving is None or archiving.field not in item:
            return None
        return archiving.of(item)

    def _rules_of(self, resource: str) -> NameRules | None:
        return self.api.name_rules(resource)

    def _scope(self, resource: str, item: dict[str, Any]) -> tuple[Any, ...]:
        """What besides the workspace makes a name unique (a project's client)."""
        rules = self._rules_of(resource)
        return tuple(item.get(key) for key in rules.unique_within) if rules else ()

    def _referrers(self, resource: str) -> list[tuple[str, str]]:
        """(resource, field) of every stored field that refers to `resource` (a project's client)."""
        return [
            (other, name)
            for other in self.api.resources()
            for name, referred in self.api.references(other).items()
            if referred == resource and name in self._stored_fields(other)
        ]

    def _dependants(self, resource: str, owner: int) -> list[Known]:
        """The known, live items whose stored reference names `owner` (a client's projects)."""
        return [
            known
            for other, name in self._referrers(resource)
            for known in self.known.values()
            if known.resource == other and known.deleted is None and known.fields.get(name) == owner
        ]

    # --- the rules of every item seen -----------------------------------------------------------

    def _item_rules(self, resource: str, item: dict[str, Any]) -> None:
        """Rules an item keeps on its own, whatever answered it: its legacy twins, its status."""
        for twin, of in self.api.twins(resource).items():
            if twin in item and of in item:
                self.expect("legacy-twins", resource, item[twin] == item[of],
                            f"{resource[:-1]} {item.get('id')} shows {twin}={item[twin]!r} but "
                            f"{of}={item[of]!r}")  # fmt: skip
        archived = self.archived(resource, item)
        status = item.get("status")
        if (
            archived is not None
            and isinstance(status, str)
            and item.get("server_deleted_at") is None
        ):
            self.expect("status-follows-active", resource, (status == "archived") is archived,
                        f"{resource[:-1]} {item.get('id')} is {'archived' if archived else 'active'} "
                        f"but its status is {status!r}")  # fmt: skip

    # --- the rules, by action -------------------------------------------------------------------

    def _create(self, exchange: Exchange, match: Match, resource: str, follow_up: bool) -> None:
        operation = match.operation
        sent = exchange.sent if isinstance(exchange.sent, dict) else {}
        answer = exchange.answer
        name = sent.get("name")
        if exchange.status == 400 and not self._body_refused(answer):
            self._refused_value(exchange, match, resource, sent)
            if isinstance(name, str):
                self._refused_name(
                    resource, name, answer, follow_up, None, self._scope(resource, sent)
                )
            return
        if (
            exchange.status != 200
            or not isinstance(answer, dict)
            or not isinstance(answer.get("id"), int)
        ):
            return
        self._stored("create-stores", operation, resource, sent, answer, "create")
        archiving = self.api.archiving(resource)
        archived = self.archived(resource, answer)
        if archiving is not None and archiving.field in operation.body_fields:
            if archiving.field not in sent:  # what a create without it makes
                self.expect("active-default", resource, archived is True,
                            f"a {resource[:-1]} created without `{archiving.field}` answered "
                            f"{archiving.field}={answer.get(archiving.field)!r}")  # fmt: skip
        else:
            self.expect("archive-flips", resource, archived is not True,
                        f"a new {resource[:-1]} answered archived")  # fmt: skip
        self.known[answer["id"]] = self._known(resource, answer)
        if follow_up and self.reader is not None:
            self._read_back(answer["id"], "create", "create-stores")
            self._second_create(operation, resource, answer)

    def _second_create(self, operation: Operation, resource: str, answer: dict[str, Any]) -> None:
        """The name just created, in another case and in the same scope: refused as taken."""
        rules = self._rules_of(resource)
        name = answer.get("name")
        if rules is None or not isinstance(name, str):
            return
        marker = str(getattr(self.reader, "marker", "")) or "\0"
        other = marker.join(part.swapcase() for part in name.split(marker))  # the proof kept as is
        if other == name:
            return
        body = {"name": other, **{k: answer[k] for k in rules.unique_within if k in answer}}
        carry = getattr(self.reader, "carrying_proof", None)
        if carry is not None:
            body = carry(operation, body)
            if body["name"] != other:
                return  # the proof would change the name (it is the proof field): not the same name
        again = self._send(operation, {}, json=body)
        self.expect("name-unique", resource, again.status == 400,
                    f"a second create named {other!r} (the first: {name!r}) answered "
                    f"{again.status} {again.body[:200]!r}")  # fmt: skip
        if again.status == 400:
            self.expect("name-taken-text", resource, again.answer == rules.taken,
                        f"a taken name was refused with {again.body[:200]!r}")  # fmt: skip

    def _body_refused(self, answer: Any) -> bool:
        """A refusal of the body as a whole (not JSON of the expected shape: a field of the wrong
        type, say), which comes before any field's rule: nothing to judge a name or value by. The
        texts are the spec's `BodyDecodeError`."""
        schema = self.api.spec.get("components", {}).get("schemas", {}).get("BodyDecodeError", {})
        pattern = schema.get("pattern")
        return (
            isinstance(answer, str)
            and isinstance(pattern, str)
            and re.match(pattern, answer) is not None
        )

    def _refused_value(
        self, exchange: Exchange, match: Match, resource: str, sent: dict[str, Any]
    ) -> None:
        """A write refused for a value of another resource (a client not in the workspace) or of
        a documented format (a colour): with a text the spec lists, naming what was wrong."""
        for name, field_ in match.operation.body_fields.items():
            value = sent.get(name)
            if field_.refers_to is None or field_.ignored or not isinstance(value, int):
                continue
            known = self.known.get(value)
            if (
                known is not None
                and known.resource == field_.refers_to
                and known.deleted is not None
            ):
                text = exchange.answer if isinstance(exchange.answer, str) else ""
                listed = any(p.match(text) for p in match.operation.valid_but_refused)
                self.expect("client-present", resource, listed and str(value) in text,
                            f"a {resource[:-1]} naming deleted {field_.refers_to[:-1]} {value} was "
                            f"refused with {exchange.body[:200]!r}")  # fmt: skip
        color = sent.get("color")
        if (
            isinstance(color, str)
            and "color" in match.operation.body_fields
            and not COLOR.fullmatch(color)
        ):
            text = exchange.answer if isinstance(exchange.answer, str) else ""
            self.expect("color-format", resource, text.startswith(COLOR_REFUSED) and color in text,
                        f"the colour {color!r} was refused with {exchange.body[:200]!r}")  # fmt: skip

    def _refused_name(
        self,
        resource: str,
        name: str,
        answer: Any,
        follow_up: bool,
        exclude: int | None,
        scope: tuple[Any, ...],
    ) -> None:
        """A write refused for its name: by the name rules, or because another item has it."""
        rules = self._rules_of(resource)
        if rules is None:
            return
        wanted = trimmed(name)
        if not wanted:
            rule = "name-empty" if not name else "name-blank"
            self.expect(rule, resource, answer == rules.empty,
                        f"the name {name!r} was refused with {answer!r}")  # fmt: skip
        elif len(wanted) > rules.max_length:
            self.expect("name-length", resource, answer == rules.too_long,
                        f"a name of {len(wanted)} characters was refused with {answer!r}")  # fmt: skip
        elif answer == rules.too_long:
            self.expect("name-length", resource, False,
                        f"a name of {len(wanted)} characters was refused as too long")  # fmt: skip
        elif answer == rules.taken and follow_up and self.reader is not None:
            same_name = [
                item for item in self._list_all(resource)
                if str(item.get("name", "")).casefold() == wanted.casefold() and item.get("id") != exclude
            ]  # fmt: skip
            holders = [item for item in same_name if self._scope(resource, item) == scope]
            self.expect("name-scoped" if same_name and not holders else "name-unique", resource, holders,
                        f"the name {name!r} was refused as taken, but nothing else of its scope has it"
                        + (f" (only {resource[:-1]} {same_name[0].get('id')}, of another scope)"
                           if same_name and not holders else ""))  # fmt: skip
            archived = [item for item in holders if self.archived(resource, item)]
            if archived and len(archived) == len(holders):
                self.expect("archived-holds-name", resource, True, "")

    def _get(self, exchange: Exchange, match: Match, resource: str, follow_up: bool) -> None:
        target = match.target
        if not isinstance(target, int):
            return
        known = self.known.get(target)
        answer = exchange.answer
        if (
            known is not None
            and known.deleted is None
            and known.archived
            and exchange.status != 200
        ):
            self.expect("archived-readable", resource, False,
                        f"archived {resource[:-1]} {target} answers {exchange.describe()}")  # fmt: skip
            return
        if exchange.status == 404:
            if known is not None:
                self.expect("delete-404", resource, known.deleted is not None,
                            f"{resource[:-1]} {target}, never deleted, answers {exchange.describe()}")  # fmt: skip
            return
        if known is None or exchange.status != 200 or not isinstance(answer, dict):
            return
        if known.archived:
            self.expect("archived-readable", resource, True, "")
        self.expect("delete-404", resource, known.deleted is None,
                    f"deleted {resource[:-1]} {target} still answers 200")  # fmt: skip
        self._same(known, answer, f"GET of {resource[:-1]} {target}")

    def _update(self, exchange: Exchange, match: Match, resource: str, follow_up: bool) -> None:
        target = match.target
        if not isinstance(target, int):
            return
        known = self.known.get(target)
        sent = exchange.sent if isinstance(exchange.sent, dict) else {}
        if exchange.status == 404 and known is not None:
            self.expect("delete-404", resource, known.deleted is not None,
                        f"{resource[:-1]} {target}, never deleted, answers {exchange.describe()}")  # fmt: skip
            return
        if exchange.status == 400 and not self._body_refused(exchange.answer):
            self._refused_value(exchange, match, resource, sent)
            if isinstance(sent.get("name"), str):
                scope = self._scope(resource, {**(known.fields if known else {}), **sent})
                self._refused_name(
                    resource, sent["name"], exchange.answer, follow_up, target, scope
                )
        if exchange.status != 200:
            if (
                known is not None
                and known.deleted is None
                and follow_up
                and self.reader is not None
            ):
                self._read_back(
                    target, f"a refused update ({exchange.status})", "refused-changes-nothing"
                )
            return
        answer = exchange.answer
        if not isinstance(answer, dict):
            return
        before = known.fields if known is not None else None
        self._stored("update-stores", match.operation, resource, sent, answer, "update")
        archiving = self.api.archiving(resource)
        if archiving is not None and archiving.field in sent and archiving.field in answer:
            self.expect("archive-flips", resource, answer[archiving.field] == sent[archiving.field],
                        f"an update of {archiving.field}={sent[archiving.field]!r} answered "
                        f"{answer[archiving.field]!r}")  # fmt: skip
        if before is not None:
            for key, value in before.items():
                if key not in sent:
                    self.expect("update-partial", resource, answer.get(key, "") == value,
                                f"an update that did not send `{key}` changed it: {value!r} -> "
                                f"{_shown(answer, key)}")  # fmt: skip
        if known is not None and known.at and isinstance(answer.get("at"), str):
            old, new = _epoch(known.at), _epoch(answer["at"])
            self.expect(
                "at-moves",
                resource,
                new >= old,
                f"an update moved `at` back: {known.at} -> {answer['at']}",
            )
            if time.time() - old >= 1.5:
                self.expect("at-moves", resource, new > old,
                            f"an update did not move `at` ({known.at}) although seconds had passed")  # fmt: skip
        self.known[target] = self._known(resource, answer)
        if follow_up and self.reader is not None:
            self._read_back(target, "update", "update-stores")

    def _delete(self, exchange: Exchange, match: Match, resource: str, follow_up: bool) -> None:
        target = match.target
        known = self.known.get(target) if isinstance(target, int) else None
        if known is None:
            return
        if known.deleted is not None:
            if exchange.status == 400:
                return  # the request itself was refused (a bad parameter): nothing was deleted
            self.expect("delete-again-404", resource, exchange.status == 404,
                        f"a second delete of {resource[:-1]} {target} answered {exchange.status}, not 404")  # fmt: skip
            return
        if exchange.status == 404:
            self.expect("delete-404", resource, False,
                        f"{resource[:-1]} {target}, never deleted, answers {exchange.describe()}")  # fmt: skip
        if exchange.status != 200:
            if follow_up and self.reader is not None and exchange.status != 404:
                self._read_back(
                    known.id, f"a refused delete ({exchange.status})", "refused-changes-nothing"
                )
            return
        self._deleted(resource, [known.id])
        if follow_up and self.reader is not None:
            read = self._read(known.id, rule=None)
            self.expect("delete-404", resource, read.status == 404,
                        f"deleted {resource[:-1]} {target} reads as {read.describe()}")  # fmt: skip

    def _deleted(self, resource: str, ids: list[int]) -> None:
        """Known items deleted; what referred to them is left without a reference [claim]."""
        referrers = self._referrers(resource)
        for resource_id in ids:
            known = self.known.get(resource_id)
            if known is None or known.resource != resource:
                continue
            known.deleted = known.deleted or time.time()
            for dependant in self.known.values():
                for other, name in referrers:
                    if dependant.resource == other and dependant.fields.get(name) == resource_id:
                        del dependant.fields[name]
                        dependant.because[name] = "delete-detaches"

    def _cascade(self, resource: str, owner: int, archived: bool, ids: set[int] | None) -> None:
        """Archiving (or restoring) `owner` archived (or restored) these known dependants; `ids`
        None: all of them."""
        rule = "archive-cascades" if archived else "restore-cascades"
        for dependant in self._dependants(resource, owner):
            if ids is None or dependant.id in ids:
                dependant.archived = archived
                dependant.because["archived"] = rule

    def _archive(self, exchange: Exchange, match: Match, resource: str, follow_up: bool) -> None:
        target = match.target
        known = self.known.get(target) if isinstance(target, int) else None
        if known is None or known.deleted is not None:
            return
        if exchange.status != 200:
            if follow_up and self.reader is not None and exchange.status not in (402, 404):
                self._read_back(known.id, f"a refused {match.operation.action} ({exchange.status})",
                                "refused-changes-nothing")  # fmt: skip
            return
        archived = match.operation.action == "archive"
        answer = exchange.answer
        if not archived and isinstance(answer, dict):
            self.expect("archive-flips", resource, self.archived(resource, answer) is False,
                        f"restore answered archived={answer.get('archived')!r}")  # fmt: skip
        if archived and isinstance(answer, list) and not known.archived:
            self._archived_with(resource, known.id, answer)
        elif not archived and known.archived:
            sent = exchange.sent if isinstance(exchange.sent, dict) else {}
            listed = sent.get("projects")
            if sent.get("restore_all_projects") is True:
                self._cascade(resource, known.id, False, None)
            elif isinstance(listed, list):
                self._cascade(resource, known.id, False, {i for i in listed if isinstance(i, int)})
        known.archived = archived
        if follow_up and self.reader is not None:
            read = self._read(known.id, rule=None)
            if read.status == 404 and archived:
                self.expect("archived-readable", resource, False,
                            f"archived {resource[:-1]} {known.id} reads as {read.describe()}")  # fmt: skip
                return  # an assumption that did not hold, noted: nothing more to judge
            self.expect("archive-flips", resource, read.status == 200 and isinstance(read.answer, dict),
                        f"{resource[:-1]} {known.id} reads as {read.describe()} {read.body[:200]!r} after "
                        f"{match.operation.action}")  # fmt: skip
            item = read.answer
            self.expect("archive-flips", resource, self.archived(resource, item) is archived,
                        f"{resource[:-1]} {known.id} reads archived={item.get('archived')!r} after "
                        f"{match.operation.action}")  # fmt: skip

    def _archived_with(self, resource: str, owner: int, answered: list[Any]) -> None:
        """An archive's answer names exactly the known active dependants it archived."""
        if not self._referrers(resource):
            return
        ids = {i for i in answered if isinstance(i, int) and not isinstance(i, bool)}
        dependants = self._dependants(resource, owner)
        active = {k.id for k in dependants if not k.archived}
        self.expect("archive-cascades", resource, active <= ids,
                    f"archiving {resource[:-1]} {owner} answered {sorted(ids)}, not its active "
                    f"{sorted(active - ids)}")  # fmt: skip
        strangers = {i for i in ids if i in self.known} - {k.id for k in dependants}
        self.expect("archive-cascades", resource, not strangers,
                    f"archiving {resource[:-1]} {owner} answered {sorted(strangers)}, which are not "
                    f"its")  # fmt: skip
        self._cascade(resource, owner, True, ids)

    def _by_ids(self, exchange: Exchange, match: Match, resource: str, follow_up: bool) -> None:
        if exchange.status != 200 or not isinstance(exchange.answer, list):
            return
        sent = exchange.sent
        requested = (
            next((v for v in sent.values() if isinstance(v, list)), None)
            if isinstance(sent, dict)
            else sent
        )
        asked = (
            {i for i in requested if isinstance(i, int)} if isinstance(requested, list) else set()
        )
        returned = {item["id"] for item in _items(exchange) if isinstance(item.get("id"), int)}
        self.expect("by-ids-exact", resource, returned <= asked,
                    f"by-ids answered {sorted(returned - asked)}, which were not asked for")  # fmt: skip
        live = {i for i in asked if i in self.known and self.known[i].deleted is None}
        self.expect("by-ids-exact", resource, live <= returned,
                    f"by-ids left out existing {resource} {sorted(live - returned)}")  # fmt: skip
        gone = {i for i in asked if i in self.known and self.known[i].deleted is not None}
        self.expect("delete-404", resource, not (gone & returned),
                    f"by-ids answered deleted {resource} {sorted(gone & returned)}")  # fmt: skip
        for item in _items(exchange):
            known = self.known.get(item.get("id"))  # type: ignore[arg-type]
            if known is not None and known.deleted is None:
                self._same(known, item, f"by-ids item {item['id']}")

    def _bulk(self, exchange: Exchange, match: Match, resource: str, follow_up: bool) -> None:
        if exchange.status != 200 or not isinstance(exchange.sent, list):
            return
        delete = match.operation.action == "delete-many"
        requested = {i for i in exchange.sent if isinstance(i, int) and not isinstance(i, bool)}
        if delete:
            self._deleted(resource, sorted(requested & self.known.keys()))
        else:
            entries = exchange.answer if isinstance(exchange.answer, list) else []
            answered = [i for e in entries if isinstance(e, dict)
                        for i in (e.get("project_ids") or []) if isinstance(i, int)]  # fmt: skip
            for resource_id in sorted(requested & self.known.keys()):
                known = self.known[resource_id]
                if known.deleted is None and not known.archived:
                    for dependant in self._dependants(resource, resource_id):
                        if not dependant.archived:
                            self.expect("archive-cascades", resource, dependant.id in answered,
                                        f"bulk archive of {sorted(requested)} answered {answered}, "
                                        f"not {dependant.resource[:-1]} {dependant.id}")  # fmt: skip
                    self._cascade(resource, resource_id, True, set(answered))
                known.archived = True
        if not follow_up or self.reader is None:
            return
        others = self.others_before  # as the last list showed them, right before this
        listed = {item["id"]: item for item in self._list_all(resource)}
        what = f"bulk {'delete' if delete else 'archive'} of {sorted(requested)}"
        for resource_id, archived in sorted(others.items()):
            if resource_id not in requested:
                shown = listed.get(resource_id)
                self.expect("bulk-exact", resource, shown is not None
                            and self.archived(resource, shown) is archived,
                            f"{what} also changed another {resource[:-1]}, {resource_id} (archived "
                            f"{archived} before, {'gone' if shown is None else self.archived(resource, shown)} after)")  # fmt: skip
        for resource_id in sorted(requested):
            if delete:
                self.expect("bulk-exact", resource, resource_id not in listed,
                            f"{what} left {resource[:-1]} {resource_id} in the list")  # fmt: skip
            else:
                self.expect("bulk-exact", resource, self.archived(resource, listed.get(resource_id, {})) is True,
                            f"{what} left {resource[:-1]} {resource_id} "
                            f"{'out of the list' if resource_id not in listed else 'active'}")  # fmt: skip
        for resource_id, known in self.known.items():
            if resource_id in requested or known.deleted is not None or known.resource != resource:
                continue
            self.expect("bulk-exact", resource, resource_id in listed,
                        f"{what} also removed {resource[:-1]} {resource_id}")  # fmt: skip
            self.expect("bulk-exact", resource, self.archived(resource, listed.get(resource_id, {})) is known.archived,
                        f"{what} also changed {resource[:-1]} {resource_id} "
                        f"(archived={self.archived(resource, listed.get(resource_id, {}))!r})")  # fmt: skip

    def _list(self, exchange: Exchange, match: Match, resource: str, follow_up: bool) -> None:
        items = _items(exchange)
        if exchange.status != 200 or not isinstance(exchange.answer, list):
            return
        self._note_others(resource, items)
        operation = match.operation
        predicates = self._predicates(operation, exchange.query)
        if predicates is None:
            return  # a filter value the spec does not document: the server must refuse it
        since = self._since(operation, exchange.query)
        for item in items:
            for selected, describe in predicates:
                self.expect("filter", resource, selected(item),
                            f"{exchange.describe()} listed {resource[:-1]} {item.get('id')} "
                            f"({describe(item)})")  # fmt: skip
            known = self.known.get(item.get("id"))  # type: ignore[arg-type]
            if known is not None and item.get("server_deleted_at") is None:
                self.expect("delete-404", resource, known.deleted is None,
                            f"{exchange.describe()} listed deleted {resource[:-1]} {known.id}")  # fmt: skip
                if known.deleted is None:
                    self._same(known, item, f"list item {item['id']}")
        counts = {item.get("total_count") for item in items if "total_count" in item}
        self.expect("total-count", resource, len(counts) <= 1,
                    f"items of one list disagree on total_count: {sorted(map(str, counts))}")  # fmt: skip
        paged = (
            operation.pages_by_default or "page" in exchange.query or "per_page" in exchange.query
        )
        if not paged and counts:
            self.expect("total-count", resource, counts == {len(items)},
                        f"total_count {counts.pop()} on an answer of {len(items)} {resource}")  # fmt: skip
        if not follow_up or self.reader is None:
            return
        every = self._list_all(resource)
        expected = {
            item["id"] for item in every
            if all(selected(item) for selected, _ in predicates)
            and (since is None or _changed_at(item) >= since)
        }  # fmt: skip
        # Deleted items (in a `since` answer) are not in the unfiltered list: `since-deleted` judges them.
        got = {
            item["id"] for item in items
            if isinstance(item.get("id"), int) and item.get("server_deleted_at") is None
        }  # fmt: skip
        if paged:
            self.expect("filter", resource, got <= expected,
                        f"{exchange.describe()} listed {sorted(got - expected)} that do not match")  # fmt: skip
            if counts and since is None:
                self.expect("total-count", resource, counts == {len(expected)},
                            f"total_count {counts.pop()}, but {len(expected)} {resource} match")  # fmt: skip
        else:
            self.expect("filter", resource, got == expected,
                        f"{exchange.describe()} listed {sorted(got)}; the unfiltered list says "
                        f"{sorted(expected)}")  # fmt: skip

    def _since(self, operation: Operation, query: dict[str, str]) -> int | None:
        """The `since` of a query (the changed-since filter's value), when it is one."""
        since_filter = next((f for f in operation.filters if f.match == "changed-since"), None)
        raw = query.get(since_filter.parameter) if since_filter else None
        return int(raw) if raw is not None and raw.isascii() and raw.isdigit() else None

    def _mine(self, exchange: Exchange, match: Match, resource: str, follow_up: bool) -> None:
        if exchange.status != 200 or not isinstance(exchange.answer, list):
            return
        since = self._since(match.operation, exchange.query)
        answered = {item.get("id"): item for item in _items(exchange)}
        if since is None:
            # Without `since`, the documented filters hold (archived projects only on request).
            predicates = self._predicates(match.operation, exchange.query) or []
            for item in answered.values():
                for selected, describe in predicates:
                    self.expect("filter", resource, selected(item),
                                f"{exchange.describe()} listed {resource[:-1]} {item.get('id')} "
                                f"({describe(item)})")  # fmt: skip
            return
        for item in answered.values():
            when = item.get("server_deleted_at") or item.get("at")
            if isinstance(when, str):
                self.expect("since-changed", resource, _epoch(when) >= since,
                            f"since={since} answered {resource[:-1]} {item.get('id')} changed at {when}")  # fmt: skip
        for known in self.known.values():
            if (
                known.resource == resource
                and known.deleted is not None
                and known.deleted >= since + 1
            ):
                shown = answered.get(known.id)
                self.expect("since-deleted", resource, shown is not None and shown.get("server_deleted_at"),
                            f"since={since} left out {resource[:-1]} {known.id}, deleted since"
                            if shown is None else f"since={since} answered deleted {resource[:-1]} "
                            f"{known.id} without `server_deleted_at`")  # fmt: skip
        if follow_up and self.reader is not None:
            everything = self._answered(self._send(match.operation, {}))
            changed = {
                item["id"] for item in everything
                if isinstance(item.get("at"), str) and _epoch(item["at"]) >= since
            }  # fmt: skip
            self.expect("since-changed", resource, changed <= answered.keys(),
                        f"since={since} left out {resource} changed since: {sorted(changed - answered.keys())}")  # fmt: skip

    def _other_workspace(self, exchange: Exchange, match: Match) -> None:
        """A resource of the run's, read under another workspace's path: refused, never shown."""
        target = match.target
        resource = match.operation.resource or ""
        if (
            match.operation.action != "get"
            or not isinstance(target, int)
            or target not in self.known
        ):
            return
        self.expect("other-workspace", resource, exchange.status in (403, 404),
                    f"{resource[:-1]} {target} of workspace {self.workspace_id}, read under workspace "
                    f"{match.params['workspace_id']}, answered {exchange.status}")  # fmt: skip

    def _anonymous(self, exchange: Exchange, match: Match) -> None:
        resource = match.operation.resource or ""
        self.expect("anonymous-401", resource,
                    exchange.status == 401 and exchange.headers.get("x-authorization-missing") == "true"
                    and not exchange.body, f"a request without credentials answered {exchange.status}, "
                    f"X-Authorization-Missing={exchange.headers.get('x-authorization-missing')!r}, body "
                    f"{exchange.body[:100]!r}")  # fmt: skip

    def _quota(self, exchange: Exchange, match: Match) -> None:
        """Each request counted in one quota scope takes one away, until the window frees one."""
        remaining = exchange.headers.get("x-toggl-quota-remaining", "")
        if (
            not remaining.isdigit()
            or exchange.auth != "credentials"
            or exchange.status in (402, 429)
        ):
            return
        resets_in = exchange.headers.get("x-toggl-quota-resets-in", "")
        scope = match.params.get("workspace_id", "me")
        now = time.monotonic()
        last = self.quota.get(scope)
        self.quota[scope] = (int(remaining), now, int(resets_in) if resets_in.isdigit() else None)
        if last is None:
            return
        before, when, frees_in = last
        if frees_in is not None and now - when < frees_in:
            self.expect("quota-counts-down", match.operation.resource or "", int(remaining) < before,
                        f"X-Toggl-Quota-Remaining read {before}, then {remaining} a request later")  # fmt: skip

    # --- helpers ----------------------------------------------------------------------------------

    def _known(self, resource: str, item: dict[str, Any]) -> Known:
        tracked = self._tracked_fields(resource)
        return Known(
            item["id"], resource, {key: item[key] for key in tracked if key in item and item[key] not in ("", None)},
            bool(self.archived(resource, item)), str(item.get("at", "")),
        )  # fmt: skip

    def _tracked_fields(self, resource: str) -> list[str]:
        """The stored fields a known item keeps, but the one that says it is archived (`Known.archived`)."""
        archiving = self.api.archiving(resource)
        return [
            k for k in self._stored_fields(resource) if archiving is None or k != archiving.field
        ]

    def _stored_fields(self, resource: str) -> list[str]:
        create = self.api.find(resource, "create")
        if create is None:
            return []
        return [name for name, f in create.body_fields.items() if not f.ignored]

    def _stored(
        self, rule: str, operation: Operation, resource: str, sent: dict[str, Any],
        answer: dict[str, Any], what: str,
    ) -> None:  # fmt: skip
        """Every field a write sent (and the spec says is stored) reads as sent in the answer."""
        for key, field_ in operation.body_fields.items():
            value = sent.get(key)
            if field_.ignored or key not in sent or not isinstance(value, str | bool | int):
                continue
            if field_.trimmed and isinstance(value, str):
                self._accepted_name(resource, value, answer, what)
                self.expect("name-trimmed", resource, answer.get(key) == trimmed(value),
                            f"{what} sent {key}={value!r}, answered {_shown(answer, key)}, not trimmed")  # fmt: skip
                # Trimming is an assumption: a server that stores the name as sent still stores it.
                value = trimmed(value) if answer.get(key) != value else value
            if value == "" and answer.get(key) in (None, ""):
                continue  # an empty field is left out of the answer, or `null`, as Toggl does
            self.expect(rule, resource, key in answer and answer[key] == value,
                        f"{what} sent {key}={value!r}; `{key}` is missing from the answer" if key not in answer
                        else f"{what} sent {key}={value!r}, answered {answer[key]!r}")  # fmt: skip

    def _accepted_name(self, resource: str, name: str, answer: dict[str, Any], what: str) -> None:
        """A name a write was allowed to store: not empty, not too long, another's in no case."""
        rules = self._rules_of(resource)
        if rules is None:
            return
        wanted = trimmed(name)
        if not wanted:
            self.expect("name-empty" if not name else "name-blank", resource, False,
                        f"{what} with the name {name!r} was accepted")  # fmt: skip
            return
        if len(wanted) > rules.max_length:
            self.expect("name-length", resource, False,
                        f"{what} with a name of {len(wanted)} characters was accepted")  # fmt: skip
        elif len(wanted) == rules.max_length:
            self.expect("name-length", resource, True, "")
        if not wanted.isascii():
            self.expect("name-unicode", resource, answer.get("name") in (wanted, name),
                        f"{what} sent name={wanted!r}, answered {_shown(answer, 'name')}")  # fmt: skip
        scope = self._scope(resource, answer)
        same_name = [
            k for k in self.known.values()
            if k.resource == resource and k.deleted is None and k.id != answer.get("id")
            and str(k.fields.get("name", "")).casefold() == wanted.casefold()
        ]  # fmt: skip
        holders = [k for k in same_name if self._scope(resource, k.fields) == scope]
        held_archived = bool(holders) and all(k.archived for k in holders)
        self.expect("archived-holds-name" if held_archived else "name-unique", resource, not holders,
                    f"{what} with the name {wanted!r} was accepted; {resource[:-1]} "
                    f"{holders[0].id if holders else ''}{' (archived)' if held_archived else ''} has it")  # fmt: skip
        if same_name and not holders:
            self.expect("name-scoped", resource, True, "")

    def _same(
        self, known: Known, item: dict[str, Any], what: str, rule: str = "read-shows-last-write"
    ) -> None:
        """`item` (a read of a known resource) shows what the last write left; when it does not,
        `rule` is the one broken (what a read after a create, say, shows is the create's), or the
        rule of the write to another resource that changed it (a client's deletion)."""
        for key, value in known.fields.items():
            self.expect(known.because.get(key, rule), known.resource, item.get(key) == value,
                        f"{what} shows {key}={_shown(item, key)}, the last write left {value!r}")  # fmt: skip
        for key in self._tracked_fields(known.resource):
            if key in known.because and key not in known.fields:
                self.expect(known.because[key], known.resource, item.get(key) in ("", None),
                            f"{what} shows {key}={item.get(key)!r}; it should have none now")  # fmt: skip
            elif key not in known.fields and key in item and item[key] not in ("", None):
                self.expect(rule, known.resource, False,
                            f"{what} shows {key}={item[key]!r}, the last write left it empty")  # fmt: skip
        archived = self.archived(known.resource, item)
        if archived is not None:
            self.expect(known.because.get("archived", rule), known.resource, archived is known.archived,
                        f"{what} shows it {'archived' if archived else 'active'}, the last write left it "
                        f"{'archived' if known.archived else 'active'}")  # fmt: skip

    def _predicates(
        self, operation: Operation, query: dict[str, str]
    ) -> list[tuple[Callable[[dict[str, Any]], bool], Callable[[dict[str, Any]], str]]] | None:
        """What each documented filter in the query asks of an item; None for an undocumented value."""
        found = []
        for filter_ in operation.filters:
            raw = query.get(filter_.parameter, filter_.default)
            if raw is None or filter_.match == "changed-since":
                continue
            if filter_.values and raw not in filter_.values:
                return None
            selects = filter_.selects(raw)
            if selects is not None:
                found.append(_predicate(filter_, selects))
        return found

    def _read(self, resource_id: int, rule: str | None = "read-shows-last-write") -> Exchange:
        """A read of one known resource; with `rule`, one that must find it (or `rule` is broken)."""
        known = self.known[resource_id]
        operation = self.api.find(known.resource, "get")
        assert operation is not None and self.reader is not None
        read = self._send(operation, {operation.parameters[-1]: resource_id})
        if rule is not None:
            self.expect(rule, known.resource, read.status == 200 and isinstance(read.answer, dict),
                        f"{known.resource[:-1]} {resource_id} reads as {read.describe()} {read.body[:200]!r}")  # fmt: skip
        return read

    def _read_back(self, resource_id: int, after: str, rule: str = "read-shows-last-write") -> None:
        """A read right after a write shows what it left; when not, `rule` is the one broken."""
        known = self.known[resource_id]
        self._same(known, self._read(resource_id, rule).answer,
                   f"after {after}, {known.resource[:-1]} {resource_id}", rule)  # fmt: skip

    def _note_others(self, resource: str, items: list[dict[str, Any]]) -> None:
        for item in items:
            if isinstance(item.get("id"), int) and item["id"] not in self.known:
                self.others[item["id"]] = self.archived(resource, item) is True

    def _list_all(self, resource: str) -> list[dict[str, Any]]:
        """Every item of the resource (every status), all pages; a broken read is a violation."""
        operation = self.api.find(resource, "list")
        assert operation is not None and self.reader is not None
        every = {
            f.parameter: value
            for f in operation.filters
            for value, means in f.values.items()
            if means == "any"
        }
        pages = Pages(operation.max_per_page)
        while True:
            query: dict[str, Any] = dict(every)
            if operation.paged:
                query |= {"page": pages.page, "per_page": pages.per_page}
            read = self._send(operation, {}, query=query)
            if not pages.take(self._answered(read)):
                items = [item for item in pages.items if isinstance(item.get("id"), int)]
                self._note_others(resource, items)
                return items

    def _send(self, operation: Operation, params: dict[str, object], **kwargs: Any) -> Exchange:
        assert self.reader is not None
        return self.reader.send(operation, {"workspace_id": self.workspace_id, **params}, **kwargs)

    def _answered(self, read: Exchange) -> list[dict[str, Any]]:
        """The items of a follow-up list read (each with an integer id), or a violation."""
        if not (read.status == 200 and isinstance(read.answer, list)):
            raise RuleViolation(
                f"a follow-up read, {read.describe()}, answered {read.body[:200]!r}"
            )
        return _items(read)


def _changed_at(item: dict[str, Any]) -> float:
    when = item.get("at")
    return _epoch(when) if isinstance(when, str) else float("inf")


def _one(exchange: Exchange) -> list[dict[str, Any]]:
    return [exchange.answer] if isinstance(exchange.answer, dict) else []


def _predicate(
    filter_: Filter, selects: Callable[[Any], bool]
) -> tuple[Callable[[dict[str, Any]], bool], Callable[[dict[str, Any]], str]]:
    attribute = filter_.attribute
    return (
        lambda item: selects(item.get(attribute)),
        lambda item: (
            f"{attribute}={_shown(item, attribute)}, which {filter_.parameter} does not select"
        ),
    )


def _items(exchange: Exchange) -> list[dict[str, Any]]:
    answer = exchange.answer
    if answer is NO_JSON or not isinstance(answer, list):
        return []
    return [item for item in answer if isinstance(item, dict)]


_HANDLERS: dict[str, Callable[[Semantics, Exchange, Match, str, bool], None]] = {
    "list": Semantics._list,
    "create": Semantics._create,
    "get": Semantics._get,
    "update": Semantics._update,
    "delete": Semantics._delete,
    "archive": Semantics._archive,
    "restore": Semantics._archive,
    "get-many": Semantics._by_ids,
    "archive-many": Semantics._bulk,
    "delete-many": Semantics._bulk,
    "list-mine": Semantics._mine,
}


__all__ = [
    "NAME_TAKEN",
    "Known",
    "Reader",
    "Rule",
    "RuleViolation",
    "Semantics",
    "Unverified",
    "trimmed",
]
