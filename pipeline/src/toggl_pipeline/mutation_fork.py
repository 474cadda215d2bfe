"""A fork server for `make mutation`: each mutant's tests start warm, in a fraction of a second.

cosmic-ray runs one test command per mutant. Run cold, that command spends one to three seconds
importing pytest and the third-party libraries before the first test; the server imports those
once, and each mutant's tests run in a fork of it. What a fork inherits is third-party code only:
this repository's own modules (the mutated one, the packages that import it, the tests) are never
imported by the server, so each fork imports them fresh from disk, mutant included.

    python mutation_fork.py serve SOCKET MODULE...          # the server; MODULE: what to preload
    python -S mutation_fork.py run SOCKET PYTEST-ARG...     # cosmic-ray's test command

`run` exits with the fork's pytest exit code. When `run` dies (cosmic-ray's per-mutant timeout
kills it), the server kills the fork and everything the fork started (its process group).

Only the standard library is imported at the top: `run` starts with `-S` (no site-packages) to
cost a few milliseconds.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import select
import signal
import socket
import sys
import time
from collections.abc import Iterator, Mapping

_KILLED = 124  # what `run` answers for a fork killed before it finished


def preloadable(modules: Mapping[str, object], root: str) -> list[str]:
    """The names of the modules a server may import first: none of this repository's own
    (anything under `root` but the virtualenv and tools folders)."""
    own = os.path.join(os.path.realpath(root), "")
    outside = tuple(os.path.join(own, name, "") for name in (".venv", ".tools"))
    names = []
    for name, module in modules.items():
        path = getattr(module, "__file__", None)
        if name == "__main__" or name.startswith("tests") or path is None:
            continue
        if name.startswith("_") and "." not in name and name != "_pytest":
            # A C accelerator (`_asyncio`, `_json`, ...): imported ahead of its public module it
            # can leave that module half set up (asyncio's tasks then have no current task).
            continue
        real = os.path.realpath(path)
        if real.startswith(own) and not real.startswith(outside):
            continue
        names.append(name)
    return sorted(names)


def serve(path: str, preload: list[str]) -> None:
    sys.dont_write_bytecode = True  # a mutant's bytecode must never be cached for the next one
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"  # nor by the processes the tests start
    for name in preload:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)  # from here on a connection is answered: the server is ready
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        connection, _ = listener.accept()
        with connection:
            line = connection.makefile().readline()
            if not line.strip():
                continue  # a probe: is the server up?
            request = json.loads(line)
            code = _run_in_fork(listener, connection, request["cwd"], request["args"])
            with contextlib.suppress(OSError):
                connection.sendall(f"{code}\n".encode())


def _run_in_fork(
    listener: socket.socket, connection: socket.socket, cwd: str, args: list[str]
) -> int:
    pid = os.fork()
    if pid == 0:  # the fork: its own process group, so that a kill takes its servers too
        listener.close()
        connection.close()
        os.setpgid(0, 0)
        os.chdir(cwd)
        sys.path.insert(0, cwd)
        code = 1
        try:
            import pytest

            code = int(pytest.main(args))
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else _KILLED
        readable, _, _ = select.select([connection], [], [], 0.02)
        if readable and not connection.recv(1, socket.MSG_PEEK):  # `run` is gone
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return _KILLED


@contextlib.contextmanager
def started(path: str, preload: list[str], cwd: str) -> Iterator[None]:
    """A server on `path`, up (answering a probe) before the block runs, stopped after it."""
    import subprocess

    server = subprocess.Popen([sys.executable, __file__, "serve", path, *preload], cwd=cwd,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                    probe.connect(path)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the mutation fork server did not start") from None
                time.sleep(0.05)
        yield
    finally:
        server.terminate()
        server.wait(10)


def run(path: str, args: list[str]) -> int:
    """The tests in a fork of the server; cold, in a new interpreter, when there is no server (a
    failure to reach it must never count as a killed mutant)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        try:
            client.connect(path)
        except OSError:
            os.execv(sys.executable, [sys.executable, "-m", "pytest", *args])
        client.sendall((json.dumps({"cwd": os.getcwd(), "args": args}) + "\n").encode())
        answer = client.makefile().readline().strip()
    return int(answer) if answer.lstrip("-").isdigit() else _KILLED


def main(argv: list[str]) -> int:
    command, path, *rest = argv
    if command == "serve":
        serve(path, rest)
        return 0
    return run(path, rest)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
