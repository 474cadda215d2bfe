"""The emulator over a real socket (uvicorn): `toggl-emulator`, concurrency, the CLI flags."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import httpx
import pytest
from toggl_emulator.pytest_plugin import RunningEmulator
from toggl_emulator.server import EmulatorProcess

from tests.support import ACME, ADMIN, ROOT, W

pytestmark = pytest.mark.emulator


def test_the_server_answers_over_http(toggl_server: RunningEmulator) -> None:
    with httpx.Client(base_url=toggl_server.base_url, auth=ADMIN) as api:
        assert api.get(f"{W}/{ACME}").json()["name"] == "Acme Corporation"
        assert api.get(W, auth=None).status_code == 401
        assert api.patch(f"{W}/{ACME}").status_code == 405
        bad = api.post(W, content=b"\xff")
        assert (bad.status_code, bad.json()) == (400, "JSON is not valid")


def test_parallel_creates_get_distinct_ids_and_no_duplicate_names(
    toggl_server: RunningEmulator,
) -> None:

    async def run() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=toggl_server.base_url, auth=ADMIN) as api:
            # 60 creates over 20 names: exactly one create per name may win.
            jobs = [api.post(W, json={"name": f"Race {n % 20}"}) for n in range(60)]
            return await asyncio.gather(*jobs)

    responses = asyncio.run(run())
    created = [r.json() for r in responses if r.status_code == 200]
    assert len(created) == 20
    assert len({c["id"] for c in created}) == 20
    assert {r.json() for r in responses if r.status_code != 200} == {"Name has already been taken"}


def test_no_update_is_lost_and_a_delete_racing_updates_stays_consistent(
    toggl_server: RunningEmulator,
) -> None:

    async def run() -> tuple[list[httpx.Response], httpx.Response]:
        async with httpx.AsyncClient(base_url=toggl_server.base_url, auth=ADMIN) as api:
            ids = [(await api.post(W, json={"name": f"U{n}"})).json()["id"] for n in range(10)]
            updates = [api.put(f"{W}/{i}", json={"notes": f"note {i}"}) for i in ids]
            victim = (await api.post(W, json={"name": "Victim"})).json()["id"]
            racing = [api.put(f"{W}/{victim}", json={"notes": str(n)}) for n in range(10)]
            results = await asyncio.gather(*updates, api.delete(f"{W}/{victim}"), *racing)
            for i in ids:
                assert (await api.get(f"{W}/{i}")).json()["notes"] == f"note {i}"
            return list(results[11:]), await api.get(f"{W}/{victim}")

    racing, final = asyncio.run(run())
    assert final.status_code == 404
    assert {r.status_code for r in racing} <= {200, 404}


def test_the_cli_prints_the_base_url_and_the_seeded_credentials() -> None:
    with EmulatorProcess(["--rate-limit", "5", "--hourly-quota", "30"]) as server:
        log = server.log()
        with httpx.Client(base_url=server.base_url, auth=ADMIN) as api:
            assert api.get(W).headers["x-toggl-quota-remaining"] == "29"
    assert f"{server.base_url}" in log
    assert "admin@example.com / emulator-password  token admin-token" in log
    assert "member-token" in log and "outsider-token" in log


def test_the_cli_refuses_a_broken_seed_file(tmp_path: pytest.TempPathFactory) -> None:
    seed = tmp_path / "bad.yaml"  # type: ignore[operator]
    seed.write_text("just: a mapping\n")
    result = subprocess.run(
        [sys.executable, "-m", "toggl_emulator", "--seed", str(seed)],
        cwd=ROOT, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert result.returncode != 0 and "unknown section 'just'" in result.stderr
    assert "Traceback" not in result.stderr
