"""The seams on a spec that uses what the Toggl spec does not: a generator upgrade is a reviewed diff.

`tests/sdk/golden/spec.yaml` has a 201, a 204, a default response, a redirect, a nullable field,
an optional body, a paged list and a Unix-time parameter. Its generated package is committed under
`tests/sdk/golden/expected/`; this test regenerates it and fails on any difference, then runs the
generated package against scripted answers. After a deliberate change of the templates, the
runtime or the generator: `UPDATE_GOLDEN=1 pytest tests/sdk/test_golden_record.py`, and review the
diff of `expected/` like code.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from toggl_pipeline.check_generated import drift
from toggl_pipeline.generate import Generation, generate_tree
from toggl_pipeline.layout import Layout

from tests.support import ROOT

GOLDEN = ROOT / "tests" / "sdk" / "golden"
EXPECTED = GOLDEN / "expected"
# The runtime is copied in verbatim and tested where it lives (sdk/runtime/); the record keeps
# what the templates and the generator make.
RUNTIME = Path("golden_client") / "_runtime"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    layout = Layout(ROOT)
    generation = Generation(
        GOLDEN / "spec.yaml",
        GOLDEN / "generator.yaml",
        layout.templates,
        layout.runtime,
        "golden_client",
    )
    tree = tmp_path_factory.mktemp("golden") / "expected"
    generate_tree(layout, tree, generation)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        shutil.rmtree(EXPECTED, ignore_errors=True)
        shutil.copytree(tree, EXPECTED)
        shutil.rmtree(EXPECTED / RUNTIME)
    return tree


def test_the_golden_record_is_what_the_templates_make_now(fresh: Path, tmp_path: Path) -> None:
    recorded = tmp_path / "recorded"
    shutil.copytree(fresh, recorded)
    shutil.rmtree(recorded / RUNTIME)
    problems = drift(EXPECTED, recorded)
    assert problems == [], (
        "\n".join(problems) + "\nreview, then: UPDATE_GOLDEN=1 pytest " + __file__
    )


def test_the_golden_package_type_checks(fresh: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir=/dev/null", "golden_client"],
        cwd=fresh, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout


BEHAVIOUR = """
import httpx
from golden_client import Toggl
from golden_client.errors import NotFoundError, UnexpectedStatus
from golden_client.api.things import delete_thing, get_thing

thing = {"id": 1, "name": "One", "colour": None}

def answer(request):
    path, method = request.url.path, request.method
    if method == "POST" and path == "/v1/things":
        return httpx.Response(201, json={**thing, "name": "New"})
    if method == "DELETE":
        return httpx.Response(204)
    if path == "/v1/things/404":
        return httpx.Response(404, json={"code": "missing"})
    if path.endswith("/touch"):
        return httpx.Response(302, headers={"Location": "https://golden.test/v1/things/2"})
    if method == "GET" and path == "/v1/things":
        page = int(request.url.params.get("page", "1"))
        return httpx.Response(200, json=[{**thing, "id": page, "total_count": 2}] if page <= 2 else [])
    return httpx.Response(200, json=thing)

toggl = Toggl(api_token="t", base_url="https://golden.test/v1", transport=httpx.MockTransport(answer))
assert toggl.things.create(name="New").name == "New"            # 201 is the success
assert toggl.things.delete(1) is None                           # 204: nothing to return
assert delete_thing.sync_detailed(1, client=toggl.low_level).status_code == 204
assert toggl.things.get(1).colour is None                       # nullable: None either way
try:
    toggl.things.get(404)                                       # default response: still an error
except NotFoundError as error:
    assert error.message == '{"code": "missing"}'
else:
    raise AssertionError("a 404 matched by `default` was returned")
try:
    toggl.things.touch_thing(1)                                  # a redirect is not a success
except UnexpectedStatus as error:
    assert error.status_code == 302
else:
    raise AssertionError("a 302 was returned as a success")
assert [t.id for t in toggl.things.list_all(per_page=1)] == [1, 2]
import datetime
toggl.things.list(since=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))
print("golden behaviour ok")
"""


def test_the_golden_package_behaves(fresh: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(BEHAVIOUR)],
        cwd=fresh, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0 and "golden behaviour ok" in result.stdout, result.stderr
