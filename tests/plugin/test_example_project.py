"""The plugin as users install it: the example project's tests and `mypy --strict`, in a fresh
virtual environment that holds only the freshly built wheels (and pytest, mypy)."""

from __future__ import annotations

from pathlib import Path

import pytest
from toggl_pipeline.build import build_into, verify_installed
from toggl_pipeline.layout import Layout

from tests.support import ROOT

pytestmark = pytest.mark.slow


def test_the_example_project_passes_with_only_the_built_wheels(tmp_path: Path) -> None:
    layout = Layout(ROOT)
    wheels = [build_into(layout, dist, tmp_path / "dist").wheel for dist in layout.distributions]
    assert sorted(w.name.split("-")[0] for w in wheels) == [
        "toggl_track_client",
        "toggl_track_emulator",
    ]
    # Raises (with the failing output shown) unless the smoke test, the example's tests and mypy pass.
    verify_installed(layout, wheels, tmp_path)
