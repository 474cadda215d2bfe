"""Fail when `generated/` is not exactly what `make generate` makes from `openapi.yaml`.

Usage: `make check-generated`. Regenerates into an empty scratch folder and compares the whole tree
file by file with the committed one, and checks that the stamp's hash is the spec's.
"""

from __future__ import annotations

import difflib
import json
import sys
import tempfile
from pathlib import Path

from .generate import STAMP_NAME, generate_tree, iter_files, spec_sha256
from .layout import Layout

FIX = "run `make generate` and commit generated/"


def drift(committed: Path, fresh: Path) -> list[str]:
    """Human-readable differences between two generated trees (empty when identical)."""
    problems: list[str] = []
    ours, theirs = set(iter_files(committed)), set(iter_files(fresh))
    problems += [f"stale file (not generated any more): {p}" for p in sorted(ours - theirs)]
    problems += [f"missing file: {p}" for p in sorted(theirs - ours)]
    for relative in sorted(ours & theirs):
        old, new = (committed / relative).read_bytes(), (fresh / relative).read_bytes()
        if old != new:
            diff = difflib.unified_diff(
                old.decode(errors="replace").splitlines(),
                new.decode(errors="replace").splitlines(),
                f"committed/{relative}",
                f"fresh/{relative}",
                lineterm="",
                n=1,
            )
            problems.append(f"differs: {relative}\n" + "\n".join(list(diff)[:40]))
    return problems


def main() -> int:
    layout = Layout.here()
    committed = layout.generated
    if not committed.is_dir():
        print(f"generated/ is missing: {FIX}", file=sys.stderr)
        return 1
    problems: list[str] = []
    stamp_path = committed / STAMP_NAME
    recorded = json.loads(stamp_path.read_text())["spec_sha256"] if stamp_path.is_file() else None
    if recorded != spec_sha256(layout):
        problems.append(
            f"{STAMP_NAME} records spec sha256 {recorded}, openapi.yaml is {spec_sha256(layout)}"
        )
    with tempfile.TemporaryDirectory(prefix="toggl-check-") as scratch:
        fresh = Path(scratch) / "generated"
        generate_tree(layout, fresh)
        problems += drift(committed, fresh)
    if problems:
        print("generated/ does not match openapi.yaml:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        print(f"To fix: {FIX}.", file=sys.stderr)
        return 1
    print(f"generated/ matches openapi.yaml ({len(iter_files(committed))} files)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
