"""`make lint`: no test may assert what holds whatever the code does.

    python -m toggl_pipeline.tautologies tests examples/tests

Refused: `assert True` (or any truthy constant), `assert x or True` (a truthy constant among the
operands of `or`), and a comparison of a value with itself (`assert a == a`, `a is a`, `a <= a`).
Each finding is printed as `path:line: why`; the exit status is the number of findings (capped).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

_REFLEXIVE = (ast.Eq, ast.Is, ast.LtE, ast.GtE)


def _truthy_constant(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and bool(node.value)


def why_tautological(test: ast.expr) -> str | None:
    """Why an assertion's test holds whatever the code does, or None."""
    if _truthy_constant(test):
        return "asserts a constant"
    if (
        isinstance(test, ast.BoolOp)
        and isinstance(test.op, ast.Or)
        and any(_truthy_constant(value) for value in test.values)
    ):
        return "an `or` with a true constant always holds"
    if (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], _REFLEXIVE)
        and ast.dump(test.left) == ast.dump(test.comparators[0])
    ):
        return "compares a value with itself"
    return None


def findings(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            why = why_tautological(node.test)
            if why:
                yield f"{path}:{node.lineno}: {why}"


def main(roots: list[str]) -> int:
    found = [
        finding
        for root in roots
        for path in sorted(Path(root).rglob("*.py"))
        if "golden" not in path.parts
        for finding in findings(path)
    ]
    for finding in found:
        print(finding, file=sys.stderr)
    return min(len(found), 100)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:] or ["tests"]))
