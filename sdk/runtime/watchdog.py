"""Cuts a response body that is still being read when its call's deadline passes.

A read timeout bounds each read of a socket, not a body: a server that trickles one byte at a
time can keep a call going for as long as it likes. The sync transports register each body's
socket here while it is read; one daemon thread checks the registered deadlines a few times a
second and shuts down the socket of any body past its own, which ends the read at once (the
reader then raises `APITimeoutError`). Registering costs a dict insert under a lock.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
import time

TICK = 0.1
"""Seconds between checks: a body is cut at most this long after its deadline."""


class Watch:
    """One body under watch; `fired` once the watchdog has cut it."""

    __slots__ = ("deadline", "fired", "sock")

    def __init__(self, deadline: float, sock: socket.socket) -> None:
        self.deadline = deadline
        self.sock = sock
        self.fired = False


class Watchdog:
    def __init__(self) -> None:
        self._watches: dict[int, Watch] = {}
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None

    def watch(self, deadline: float, sock: socket.socket) -> tuple[int, Watch]:
        """Watch `sock` until `unwatch`; past `deadline` (time.monotonic()) it is shut down."""
        watch = Watch(deadline, sock)
        with self._lock:
            key = next(self._ids)
            self._watches[key] = watch
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="toggl-deadline-watchdog", daemon=True
                )
                self._thread.start()
        return key, watch

    def unwatch(self, key: int) -> None:
        with self._lock:
            self._watches.pop(key, None)

    def _run(self) -> None:
        # It checks every tick, watches or not: waking it for each new watch would cost every
        # request a thread switch, and ten checks a second cost nothing.
        with self._lock:
            while True:
                self._cut_expired(time.monotonic())
                self._wake.wait(TICK)

    def _cut_expired(self, now: float) -> None:
        # A function of its own so that its loop variables die with it: left in `_run`'s frame,
        # the last watch would keep its socket alive (and unclosed) for the thread's lifetime.
        for key, watch in list(self._watches.items()):
            if watch.deadline <= now:
                del self._watches[key]
                watch.fired = True
                with contextlib.suppress(OSError):
                    watch.sock.shutdown(socket.SHUT_RDWR)


WATCHDOG = Watchdog()
