"""`toggl-emulator` as a user runs it: bind, then announce; stop cleanly on SIGTERM; refuse to
serve the network unless told; check a seed; explain every flag."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.support import ROOT

pytestmark = [pytest.mark.emulator, pytest.mark.slow]
CLI = [sys.executable, "-m", "toggl_emulator"]


def start(*args: str) -> tuple[subprocess.Popen[str], str]:
    """The server and the first line it printed (the address it listens on)."""
    process = subprocess.Popen(
        [*CLI, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    return process, process.stdout.readline()


def test_port_0_announces_the_port_it_got_and_sigterm_exits_0() -> None:
    process, banner = start("--port", "0")
    with process:
        match = re.match(r"Toggl emulator at http://127\.0\.0\.1:(\d+)/api/v9$", banner.strip())
        assert match and match.group(1) != "0", banner
        with urllib.request.urlopen(f"http://127.0.0.1:{match.group(1)}/_emulator/health") as reply:
            assert reply.status == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        assert process.stdout is not None
        assert "Traceback" not in process.stdout.read()


def test_a_taken_port_is_said_before_anything_is_announced() -> None:
    first, banner = start("--port", "0")
    with first:
        port = banner.strip().rsplit(":", 1)[1].split("/")[0]
        second = subprocess.run(
            [*CLI, "--port", port], cwd=ROOT, capture_output=True, text=True, timeout=30
        )
        assert second.returncode != 0 and "Toggl emulator at" not in second.stdout
        assert f"cannot listen on 127.0.0.1:{port}" in second.stderr
        first.terminate()


def test_another_machine_s_address_needs_allow_remote_and_then_a_token() -> None:
    refused = subprocess.run([*CLI, "--host", "0.0.0.0", "--port", "0"], cwd=ROOT,
                             capture_output=True, text=True, timeout=30)  # fmt: skip
    assert refused.returncode != 0 and "--allow-remote" in refused.stderr
    process, banner = start("--host", "0.0.0.0", "--port", "0", "--allow-remote")
    with process:
        assert process.stdout is not None
        token_line = process.stdout.readline()
        token = token_line.rsplit(": ", 1)[1].strip()
        port = banner.strip().rsplit(":", 1)[1].split("/")[0]
        state = f"http://127.0.0.1:{port}/_emulator/state"
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(state)
        assert denied.value.code == 403
        denied.value.close()
        request = urllib.request.Request(state, headers={"X-Emulator-Token": token})
        with urllib.request.urlopen(request) as reply:
            assert "clients" in json.load(reply)
        process.terminate()


def test_check_seed_says_what_is_wrong_or_that_it_is_fine(tmp_path: Path) -> None:
    good = subprocess.run([*CLI, "--check-seed", str(ROOT / "emulator/src/toggl_emulator/seed.yaml")],
                          capture_output=True, text=True, timeout=30)  # fmt: skip
    assert good.returncode == 0 and "a valid seed" in good.stdout
    bad = tmp_path / "seed.yaml"
    bad.write_text("workspaces: [{id: 1}]\nusers: [{id: 2, email: a, password: b}]\n")
    checked = subprocess.run(
        [*CLI, "--check-seed", str(bad)], capture_output=True, text=True, timeout=30
    )
    assert checked.returncode != 0
    assert "users[0]: api_token is missing" in checked.stderr and "Traceback" not in checked.stderr


def test_every_flag_has_help() -> None:
    from toggl_emulator import cli

    parser = cli.build_parser()
    flags = [action for action in parser._actions if action.option_strings]
    assert len(flags) > 15
    for action in flags:
        assert action.help, action.option_strings
