"""The public Python API of a package at a release against now: what changed, at which level.

The release check uses it next to the HTTP diff (`redocly diff`), because some harmless HTTP
changes break every import: renaming the schema `ClientCreate` renames a Python class. griffe
reads both versions statically (no import), finds the breaking changes of what both have
(`griffe.find_breaking_changes`), and this module adds what griffe leaves to the caller:

- renames: a public object that disappeared and one that appeared with the same structure
  (same members, same parameters) is reported as "`A` was renamed to `B`" (major);
- removals (major) and additions (minor), each reported once at the highest public level;
- a new optional parameter of a function both versions have (minor).

Public means what griffe calls public: not underscored, in `__all__` where a module has one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import griffe

MAJOR, MINOR = "major", "minor"


@dataclass(frozen=True)
class ApiChange:
    level: str  # major | minor
    text: str  # a changelog line, in a user's words


def load_now(package: str, search_path: Path) -> Any:
    return griffe.load(
        package, search_paths=[search_path], resolve_aliases=False, allow_inspection=False
    )


def load_at(package: str, search_path: Path, ref: str, repo: Path) -> Any | None:
    """The package as it was at a git ref, or None where it did not exist yet."""
    relative = search_path.resolve().relative_to(repo.resolve())
    try:
        return griffe.load_git(
            package, ref=ref, repo=repo, search_paths=[str(relative)],
            resolve_aliases=False, allow_inspection=False,
        )  # fmt: skip
    except (ImportError, OSError, ValueError, RuntimeError):
        return None


def changes(old: Any, new: Any) -> list[ApiChange]:
    """Every change of the public API from `old` to `new`, majors first."""
    before, after = _public(old), _public(new)
    removed = {path: before[path] for path in before.keys() - after.keys()}
    added = {path: after[path] for path in after.keys() - before.keys()}
    found = _renames(removed, added)
    moved = _modules_moved(removed, added, found)
    explained_old = _explained(removed, found.keys() | moved.keys())
    explained_new = _explained(added, set(found.values()) | set(moved.values()))
    out = [
        ApiChange(MAJOR, f"`{_shown(a, before)}` was renamed to `{_shown(b, after)}`")
        for a, b in sorted(found.items())
        if not _inside(a, found.keys() - {a})
    ]
    out += [
        ApiChange(MAJOR, f"`{path}` was removed")
        for path in _outermost(removed.keys() - explained_old)
    ]
    out += [_breakage(b) for b in _breakages(old, new)]
    out += [
        ApiChange(MINOR, f"`{path}` was added") for path in _outermost(added.keys() - explained_new)
    ]
    out += _new_optional_parameters(before, after)
    return sorted(set(out), key=lambda c: (c.level != MAJOR, c.text))


# --- the public objects -------------------------------------------------------------------------


def _public(root: Any) -> dict[str, Any]:
    """Every public object under `root` by path; re-exports (aliases) are not descended into."""
    found: dict[str, Any] = {}

    def walk(obj: Any) -> None:
        for member in obj.members.values():
            try:
                if not member.is_public:
                    continue
            except griffe.AliasResolutionError:
                continue
            found[member.path] = member
            if not member.is_alias and (member.is_module or member.is_class):
                walk(member)

    walk(root)
    return found


def _shape(obj: Any) -> str:
    """A fingerprint of an object's structure, without its own name."""
    if obj.is_alias:
        return f"alias:{obj.target_path.rsplit('.', 1)[-1]}"
    if obj.is_function:
        params = [
            (p.name, p.kind.value, p.default is not None, str(p.annotation)) for p in obj.parameters
        ]
        return f"function:{params}->{obj.returns}"
    if obj.is_attribute:
        return f"attribute:{obj.annotation}"
    members = []
    for name, member in sorted(obj.members.items()):
        with contextlib.suppress(griffe.AliasResolutionError):
            if member.is_public and not member.is_alias:
                members.append((name, _shape(member)))
    return f"{obj.kind.value}:{members}"


def _renames(removed: dict[str, Any], added: dict[str, Any]) -> dict[str, str]:
    """Removed path -> added path, for objects that reappeared under another name, outermost first."""
    found: dict[str, str] = {}
    taken: set[str] = set()
    for old_path in sorted(removed, key=lambda p: p.count(".")):
        if _inside(old_path, found.keys()):
            continue
        old = removed[old_path]
        if old.is_alias or old.is_attribute:  # a re-export, or a value: nothing to recognise
            continue
        for new_path in sorted(added, key=lambda p: p.count(".")):
            new = added[new_path]
            if (
                new_path not in taken
                and not new.is_alias
                and new.kind == old.kind
                and not _inside(new_path, taken)
                and _shape(new) == _shape(old)
            ):
                found[old_path] = new_path
                taken.add(new_path)
                break
    return found


def _modules_moved(
    removed: dict[str, Any], added: dict[str, Any], renamed: dict[str, str]
) -> dict[str, str]:
    """Modules that disappeared because what they held was renamed into a new module (a renamed
    schema moves to a module of its new name): old module -> new module, not reported themselves."""
    moved: dict[str, str] = {}
    for path, obj in removed.items():
        if not obj.is_module or path in renamed:
            continue
        inner = [
            p for p, o in removed.items()
            if p.rsplit(".", 1)[0] == path and not o.is_alias and not o.is_attribute
        ]  # fmt: skip
        targets = {renamed.get(p, "").rsplit(".", 1)[0] for p in inner}
        if inner and len(targets) == 1 and (target := targets.pop()) in added:
            moved[path] = target
    return moved


def _explained(side: dict[str, Any], renamed: Any) -> set[str]:
    """Paths of one side accounted for by renames: inside a renamed object, a module left with
    nothing but renamed contents, a re-export of a renamed object."""
    renamed = set(renamed)
    explained = {path for path in side if _inside(path, renamed) or path in renamed}
    for path in sorted(side, key=lambda p: -p.count(".")):
        obj = side[path]
        if obj.is_module:
            inner = [p for p in side if p.startswith(path + ".") and not side[p].is_alias]
            if inner and all(p in explained for p in inner):
                explained.add(path)
    for path, obj in side.items():
        if obj.is_alias and (obj.target_path in explained or _inside(obj.target_path, renamed)):
            explained.add(path)
    return explained


def _inside(path: str, outer: Any) -> bool:
    return any(path.startswith(o + ".") for o in outer)


def _outermost(paths: set[str]) -> list[str]:
    return sorted(p for p in paths if not _inside(p, paths))


def _shown(path: str, side: dict[str, Any]) -> str:
    """The shortest public path of an object: a re-export where there is one."""
    exports = [p for p, o in side.items() if o.is_alias and o.target_path == path]
    return min([path, *exports], key=lambda p: (p.count("."), p))


# --- changes of what both have --------------------------------------------------------------------


# Defaults that are one value under two names: the generated `UNSET` is None (`types.py`).
_SAME_DEFAULTS = frozenset({frozenset({"UNSET", "None"})})


def _breakages(old: Any, new: Any) -> Iterator[Any]:
    for breakage in griffe.find_breaking_changes(old, new):
        if breakage.kind is griffe.BreakageKind.OBJECT_REMOVED:
            continue
        if breakage.kind is griffe.BreakageKind.PARAMETER_CHANGED_DEFAULT and (
            # old_value and new_value are the two parameters
            frozenset({str(breakage.old_value.default), str(breakage.new_value.default)})
            in _SAME_DEFAULTS
        ):
            continue
        yield breakage


def _breakage(breakage: Any) -> ApiChange:
    obj = breakage.obj
    kind = breakage.kind
    where = f"`{obj.path}`" if not hasattr(obj, "function") else f"`{obj.function.path}`"
    words = {
        griffe.BreakageKind.PARAMETER_REMOVED: f"{where} lost its parameter `{getattr(obj, 'name', '')}`",
        griffe.BreakageKind.PARAMETER_ADDED_REQUIRED: f"{where} takes a new required parameter `{getattr(obj, 'name', '')}`",
        griffe.BreakageKind.PARAMETER_CHANGED_REQUIRED: f"{where} now requires its parameter `{getattr(obj, 'name', '')}`",
        griffe.BreakageKind.PARAMETER_MOVED: f"{where} takes its parameter `{getattr(obj, 'name', '')}` at another position",
    }  # fmt: skip
    text = words.get(kind) or breakage.explain(style=griffe.ExplanationStyle.ONE_LINE).strip()
    return ApiChange(MAJOR, text)


def _new_optional_parameters(before: dict[str, Any], after: dict[str, Any]) -> list[ApiChange]:
    """One line per new optional parameter, naming every function that takes it."""
    takers: dict[str, list[str]] = {}
    for path in before.keys() & after.keys():
        old, new = before[path], after[path]
        if old.is_alias or new.is_alias or not (old.is_function and new.is_function):
            continue
        names = {p.name for p in old.parameters}
        for parameter in new.parameters:
            if parameter.name not in names and parameter.default is not None:
                takers.setdefault(parameter.name, []).append(path)
    return [
        ApiChange(
            MINOR,
            f"a new optional parameter `{name}` of " + ", ".join(f"`{p}`" for p in sorted(paths)),
        )
        for name, paths in sorted(takers.items())
    ]
