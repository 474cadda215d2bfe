"""Every semantic rule of the kit, stated once, with the grade of the evidence it rests on; and
what a run made of each: checked, failed, or not reached (and why).

A rule graded `[infer]` rests on no evidence (the README lists those choices): when a server breaks
one, the run reports it as such ("did not hold"), not as drift. Every other rule that does not
hold is drift (exit 1).

Grades, as in the facts sheets: `doc` Toggl's documentation or published description, `rec`
recorded live traffic, `claim` a third party's word, `infer` none.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rule:
    id: str
    says: str
    grade: str  # doc | rec | claim | infer

    @property
    def soft(self) -> bool:
        """An assumption without evidence: when it does not hold, that is reported, not failed."""
        return self.grade == "infer"


def _rules(*rules: Rule) -> dict[str, Rule]:
    return {rule.id: rule for rule in rules}


RULES = _rules(
    Rule("create-stores", "a create stores every field it sends and reads back so", "doc"),
    Rule("name-trimmed", "a name is stored without leading and trailing whitespace", "infer"),
    Rule("name-unique", "a name another item of the same scope has (in any case) is refused on "
         "create and on update (clients: the workspace; projects: the workspace and client)", "doc"),
    Rule("name-taken-text", "a taken name is refused with \"Name has already been taken\"", "infer"),
    Rule("name-empty", "an empty name is refused with the documented text", "doc"),
    Rule("name-blank", "a name of whitespace only counts as empty", "infer"),
    Rule("name-length", "255 characters are accepted, 256 refused with the documented text", "infer"),
    Rule("name-unicode", "a name with non-ASCII letters is stored as sent", "doc"),
    Rule("name-scoped", "a project's name may repeat under another client", "claim"),
    Rule("archived-holds-name", "an archived project still holds its name", "claim"),
    Rule("update-stores", "an update stores every field it sends", "doc"),
    Rule("update-partial", "an update keeps every field it does not send", "infer"),
    Rule("at-moves", "what changes a resource moves its `at` (a second later, a later `at`)", "doc"),
    Rule("refused-changes-nothing", "a refused write changes nothing", "doc"),
    Rule("read-shows-last-write", "a read shows what the last write left", "doc"),
    Rule("archive-flips", "archive and restore set `archived`; `active` archives and restores a "
         "project", "doc"),
    Rule("archived-readable", "an archived client or project is read like any other (200)", "infer"),
    Rule("active-default", "a project created without `active` is archived", "claim"),
    Rule("status-follows-active", "a project's `status` is `archived` exactly when it is not "
         "active", "rec"),
    Rule("legacy-twins", "legacy twins hold their field's value (`wid`, `cid`)", "rec"),
    Rule("client-present", "a project naming a client that is not in the workspace is refused "
         "(400, the documented text)", "doc"),
    Rule("color-format", "a colour not of the form `#rrggbb` is refused (400, the documented text)",
         "doc"),
    Rule("archive-cascades", "archiving a client archives its active projects and answers their "
         "ids", "doc"),
    Rule("restore-cascades", "restoring a client with its projects restores them", "doc"),
    Rule("delete-detaches", "deleting a client leaves its projects without a client", "claim"),
    Rule("delete-404", "a deleted resource answers 404", "doc"),
    Rule("delete-again-404", "a second delete answers 404", "doc"),
    Rule("bulk-exact", "a bulk archive or delete acts on every id it names, and on nothing else", "doc"),
    Rule("by-ids-exact", "a read by ids answers exactly the existing clients asked for", "doc"),
    Rule("filter", "every documented filter of a list selects exactly what the server's own "
         "unfiltered list says it should", "doc"),
    Rule("total-count", "`total_count` counts every match, on all pages", "rec"),
    Rule("since-changed", "`since` answers what changed since then, and everything that did", "doc"),
    Rule("since-deleted", "`since` answers what was deleted since then, with `server_deleted_at`", "doc"),
    Rule("other-workspace", "a resource read under another workspace's path is refused (403 or 404)", "doc"),
    Rule("quota-counts-down", "`X-Toggl-Quota-Remaining` goes down by each request counted", "doc"),
    Rule("anonymous-401", "no credentials: 401, `X-Authorization-Missing: true`, no body", "rec"),
)  # fmt: skip


@dataclass
class Coverage:
    """What a run made of each rule, per resource."""

    checked: Counter[tuple[str, str]] = field(default_factory=Counter)
    failed: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    not_reached: dict[str, str] = field(default_factory=dict)  # rule id -> why

    def check(self, rule: Rule, resource: str) -> None:
        self.checked[(rule.id, resource)] += 1

    def fail(self, rule: Rule, resource: str, message: str) -> None:
        self.failed.setdefault((rule.id, resource), []).append(message)

    def reached(self, rule_id: str) -> bool:
        return any(key[0] == rule_id for key in self.checked)

    def lines(self, resources: list[str] | None = None) -> list[str]:
        """One line per rule: checked (n, per resource), did not hold, failed, or not reached
        (why); `resources`: those to count, in this order (all when not given)."""
        lines = []
        for rule in RULES.values():
            keys = [key for key in self.checked if key[0] == rule.id]
            order = resources or sorted({key[1] for key in keys})
            keys = sorted((k for k in keys if k[1] in order), key=lambda k: order.index(k[1]))
            count = sum(self.checked[k] for k in keys)
            failures = [m for k in keys for m in self.failed.get(k, [])]
            grade = f"[{rule.grade}]"
            where = ", ".join(f"{k[1]} {self.checked[k]}" for k in keys)
            if failures and rule.soft:
                lines.append(f"  ~ {rule.id} {grade}: did not hold ({len(failures)}x), an assumption, "
                             f"not drift: {failures[0].splitlines()[0]}")  # fmt: skip
            elif failures:
                lines.append(f"  ✗ {rule.id} {grade}: failed {len(failures)} of {count} checks")
            elif count:
                lines.append(f"  ✓ {rule.id} {grade}: checked {count}x ({where})")
            else:
                why = self.not_reached.get(rule.id, "no request of this run reached it")
                lines.append(f"  - {rule.id} {grade}: not reached ({why})")
        return lines
