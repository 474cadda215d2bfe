"""`make lint` refuses assertions that hold whatever the code does."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from toggl_pipeline.tautologies import findings, main, why_tautological

from tests.support import ROOT


@pytest.mark.parametrize(
    "source",
    ["assert True", "assert 1", "assert (x == 1) or True", "assert x or y or 'yes'",
     "assert x == x", "assert f(a) is f(a)", "assert a.b <= a.b"],
)  # fmt: skip
def test_a_tautological_assertion_is_found(source: str) -> None:
    test = ast.parse(source).body[0]
    assert isinstance(test, ast.Assert) and why_tautological(test.test)


@pytest.mark.parametrize(
    "source",
    ["assert x", "assert x == y", "assert x or y", "assert not False and x", "assert x != x"],
)
def test_a_real_assertion_passes(source: str) -> None:
    test = ast.parse(source).body[0]
    assert isinstance(test, ast.Assert) and why_tautological(test.test) is None


def test_the_command_names_each_finding_and_fails(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text("def test_x():\n    assert compute() or True\n")
    assert list(findings(tmp_path / "test_x.py")) == [
        f"{tmp_path / 'test_x.py'}:2: an `or` with a true constant always holds"
    ]
    assert main([str(tmp_path)]) == 1
    assert main([str(ROOT / "tests"), str(ROOT / "examples/tests")]) == 0  # ours pass
