# Copied from sdk/runtime/shared_limits.py by `make generate`. Do not edit here.
"""Toggl's limits shared by every process that uses one store: the pace, and the quota readings.

    Toggl(api_token=..., limits="sqlite:////var/tmp/toggl-limits.db")   # processes of one machine
    Toggl(api_token=..., limits="redis://limits.internal:6379/0")        # several machines
    TOGGL_LIMITS=redis://... python sync.py                               # the same, from the environment

Toggl throttles a token to about one request per second per IP (429 beyond it) and counts a
user's requests per organization in an hourly quota (402 beyond it), `/me` calls apart. A `Toggl`
object paces and reads the quota for itself; processes that share a token need to share both:

- **Pacing** is keyed per token and per machine (Toggl counts per IP), and done by pyrate-limiter
  (a sliding log of one request per interval, in the store): each process waits its turn.
- **Quota readings** are keyed per token and scope (a workspace, or `/me`). Every response's
  `X-Toggl-Quota-*` headers (and a 402's) are written to the store; before a request, a process
  takes one request off the stored reading, and once none is left it raises `QuotaExceededError`
  with the reset time, without sending. A reading only goes down until its reset time has passed.

The store is `memory://` (this process only: the default), `sqlite:///PATH` (a file on this
machine; pyrate-limiter's SQLite bucket under a file lock) or `redis://HOST:PORT/DB`. A query
parameter `machine=NAME` overrides the machine's name (the host name) in the pacing key. When the
store cannot be reached, calls raise `LimitsUnavailableError` at once: there is no silent fallback.
"""

from __future__ import annotations

import atexit
import hashlib
import math
import socket
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from .exceptions import LimitsUnavailableError

REDIS_TIMEOUT = 2.0
"""Seconds to reach Redis before `LimitsUnavailableError`."""


@dataclass(frozen=True)
class StoredReading:
    remaining: int
    resets_at: float  # epoch seconds


class LimitsStore(Protocol):
    """Where pacing slots and quota readings live."""

    url: str
    machine: str

    def pace(self, key: str, interval: float, timeout: float | None) -> bool:
        """Block until `key` may send (one request per `interval` seconds); False on timeout."""
        ...

    def take(self, scope: str, now: float) -> StoredReading | None:
        """Take one request off `scope`'s reading: the reading before, or None when unknown.
        A reading with nothing left is answered as it is and not changed."""
        ...

    def record(self, scope: str, reading: StoredReading, now: float) -> None:
        """Keep a server's reading: it replaces an expired one, else only lowers what is kept."""
        ...

    def close(self) -> None: ...


class _Limiters:
    """pyrate-limiter `Limiter`s, one per (key, interval), built on first use; `close` stops
    their leak threads (each would otherwise keep polling its bucket for the process's life)."""

    def __init__(self, make_bucket: Callable[[str, int], Any]) -> None:
        self._make_bucket = make_bucket
        self._limiters: dict[tuple[str, int], Any] = {}
        self._lock = threading.Lock()

    def __call__(self, key: str, interval: float) -> Any:
        from pyrate_limiter import Limiter

        milliseconds = max(1, round(interval * 1000))
        with self._lock:
            found = self._limiters.get((key, milliseconds))
            if found is None:
                found = self._limiters[(key, milliseconds)] = Limiter(
                    self._make_bucket(key, milliseconds), buffer_ms=10
                )
            return found

    def close(self) -> None:
        with self._lock:
            limiters, self._limiters = list(self._limiters.values()), {}
        for limiter in limiters:
            limiter.close()


def _acquire(limiter: Any, key: str, timeout: float | None) -> bool:
    return bool(
        limiter.try_acquire(key, blocking=True, timeout=-1 if timeout is None else max(timeout, 0))
    )


def _rate(milliseconds: int) -> Any:
    from pyrate_limiter import Rate

    return Rate(1, milliseconds)


class MemoryStore:
    """This process only (what a `Toggl` object does without `limits`, shared by its objects)."""

    def __init__(self, url: str = "memory://", machine: str = "") -> None:
        from pyrate_limiter import InMemoryBucket

        self.url, self.machine = url, machine or socket.gethostname()
        self._limiter = _Limiters(lambda key, ms: InMemoryBucket([_rate(ms)]))
        self._readings: dict[str, StoredReading] = {}
        self._lock = threading.Lock()

    def pace(self, key: str, interval: float, timeout: float | None) -> bool:
        return _acquire(self._limiter(key, interval), key, timeout)

    def take(self, scope: str, now: float) -> StoredReading | None:
        with self._lock:
            reading = self._readings.get(scope)
            if reading is None or reading.resets_at <= now:
                return None
            if reading.remaining > 0:
                self._readings[scope] = StoredReading(reading.remaining - 1, reading.resets_at)
            return reading

    def record(self, scope: str, reading: StoredReading, now: float) -> None:
        with self._lock:
            kept = self._readings.get(scope)
            if kept is None or kept.resets_at <= now or reading.remaining < kept.remaining:
                self._readings[scope] = reading

    def close(self) -> None:
        self._limiter.close()


class SQLiteStore:
    """A file on this machine: pyrate-limiter's SQLite buckets (under a file lock) for pacing, a
    table of readings changed in `BEGIN IMMEDIATE` transactions for the quota."""

    def __init__(self, url: str, path: str, machine: str = "") -> None:
        from pyrate_limiter import SQLiteBucket

        self.url, self.machine, self.path = url, machine or socket.gethostname(), path
        try:
            self._db = sqlite3.connect(
                path, timeout=10, isolation_level=None, check_same_thread=False
            )
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS toggl_quota "
                "(scope TEXT PRIMARY KEY, remaining INTEGER, resets_at REAL)"
            )
        except sqlite3.Error as error:
            raise LimitsUnavailableError(
                f"the limits store {url} cannot be used: {error}"
            ) from error
        self._lock = threading.Lock()
        self._limiter = _Limiters(
            lambda key, ms: SQLiteBucket.init_from_file(
                [_rate(ms)], table=f"pace_{_digest(key)}_{ms}", db_path=path, use_file_lock=True
            )
        )

    def pace(self, key: str, interval: float, timeout: float | None) -> bool:
        try:
            return _acquire(self._limiter(key, interval), key, timeout)
        except sqlite3.Error as error:
            raise LimitsUnavailableError(f"the limits store {self.url}: {error}") from error

    def take(self, scope: str, now: float) -> StoredReading | None:
        with self._lock, self._transaction() as db:
            row = db.execute(
                "SELECT remaining, resets_at FROM toggl_quota WHERE scope = ?", (scope,)
            ).fetchone()
            if row is None or row[1] <= now:
                return None
            if row[0] > 0:
                db.execute(
                    "UPDATE toggl_quota SET remaining = remaining - 1 WHERE scope = ?", (scope,)
                )
            return StoredReading(row[0], row[1])

    def record(self, scope: str, reading: StoredReading, now: float) -> None:
        with self._lock, self._transaction() as db:
            db.execute(
                "INSERT INTO toggl_quota (scope, remaining, resets_at) VALUES (?, ?, ?) "
                "ON CONFLICT(scope) DO UPDATE SET remaining = excluded.remaining, "
                "resets_at = excluded.resets_at "
                "WHERE toggl_quota.resets_at <= ? OR excluded.remaining < toggl_quota.remaining",
                (scope, reading.remaining, reading.resets_at, now),
            )

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db, self.url)

    def close(self) -> None:
        self._limiter.close()
        self._db.close()


class _Transaction:
    def __init__(self, db: sqlite3.Connection, url: str) -> None:
        self.db, self.url = db, url

    def __enter__(self) -> sqlite3.Connection:
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise LimitsUnavailableError(f"the limits store {self.url}: {error}") from error
        return self.db

    def __exit__(self, kind: object, *rest: object) -> None:
        self.db.execute("ROLLBACK" if kind else "COMMIT")


# One round trip each, atomic in Redis: take a request off a reading; keep a lower or newer one.
_TAKE = """
local r = redis.call('HMGET', KEYS[1], 'remaining', 'resets_at')
if not r[1] or tonumber(r[2]) <= tonumber(ARGV[1]) then return nil end
if tonumber(r[1]) > 0 then redis.call('HINCRBY', KEYS[1], 'remaining', -1) end
return {r[1], r[2]}
"""
_RECORD = """
local r = redis.call('HMGET', KEYS[1], 'remaining', 'resets_at')
if (not r[1]) or tonumber(r[2]) <= tonumber(ARGV[3]) or tonumber(ARGV[1]) < tonumber(r[1]) then
  redis.call('HSET', KEYS[1], 'remaining', ARGV[1], 'resets_at', ARGV[2])
  redis.call('EXPIREAT', KEYS[1], math.ceil(tonumber(ARGV[2])) + 60)
end
return 1
"""


class RedisStore:
    """Several machines: pyrate-limiter's Redis buckets for pacing, a hash per quota scope changed
    by Lua scripts."""

    def __init__(self, url: str, machine: str = "") -> None:
        import redis
        from pyrate_limiter import RedisBucket

        self.url, self.machine = url, machine or socket.gethostname()
        self._redis = redis.Redis.from_url(
            url.split("?", 1)[0], socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
        )
        self._errors = (redis.RedisError, OSError)
        try:
            self._take = self._redis.register_script(_TAKE)
            self._record = self._redis.register_script(_RECORD)
            self._redis.ping()
        except self._errors as error:
            raise LimitsUnavailableError(
                f"the limits store {_shown(url)} cannot be reached: {error}"
            ) from error
        self._limiter = _Limiters(
            lambda key, ms: RedisBucket.init(
                [_rate(ms)], self._redis, f"toggl:pace:{_digest(key)}:{ms}"
            )
        )

    def pace(self, key: str, interval: float, timeout: float | None) -> bool:
        try:
            return _acquire(self._limiter(key, interval), key, timeout)
        except self._errors as error:
            raise LimitsUnavailableError(f"the limits store {_shown(self.url)}: {error}") from error

    def take(self, scope: str, now: float) -> StoredReading | None:
        try:
            found = self._take(keys=[f"toggl:quota:{scope}"], args=[now])
        except self._errors as error:
            raise LimitsUnavailableError(f"the limits store {_shown(self.url)}: {error}") from error
        return None if found is None else StoredReading(int(found[0]), float(found[1]))

    def record(self, scope: str, reading: StoredReading, now: float) -> None:
        try:
            self._record(
                keys=[f"toggl:quota:{scope}"], args=[reading.remaining, reading.resets_at, now]
            )
        except self._errors as error:
            raise LimitsUnavailableError(f"the limits store {_shown(self.url)}: {error}") from error

    def close(self) -> None:
        self._limiter.close()
        self._redis.close()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _shown(url: str) -> str:
    """A store's URL without its password."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


_OPEN: dict[str, LimitsStore] = {}
_USERS: dict[str, int] = {}  # per URL: the opens not yet released
_OPEN_LOCK = threading.Lock()
# Dropped while the interpreter still works: pyrate-limiter's buckets log as they go.
atexit.register(_OPEN.clear)


def open_store(url: str) -> LimitsStore:
    """The store a URL names, one per URL and process (its connections are shared); each open
    is ended by one `release_store`."""
    with _OPEN_LOCK:
        store = _OPEN.get(url)
        if store is None:
            store = _OPEN[url] = _open(url)
        _USERS[url] = _USERS.get(url, 0) + 1
        return store


def release_store(store: LimitsStore) -> None:
    """One user of `store` is done with it; the last one closes it (its connections and its
    pacing threads)."""
    with _OPEN_LOCK:
        users = _USERS.get(store.url, 0) - 1
        if users > 0:
            _USERS[store.url] = users
            return
        _USERS.pop(store.url, None)
        if _OPEN.get(store.url) is store:
            del _OPEN[store.url]
    store.close()


def _open(url: str) -> LimitsStore:
    try:
        return _open_store(url)
    except ImportError as error:
        extra = "redis" if url.startswith(("redis", "rediss", "unix")) else "shared-limits"
        raise LimitsUnavailableError(
            f"limits={_shown(url)} needs {error.name}: pip install 'toggl-track-client[{extra}]'"
        ) from error


def _open_store(url: str) -> LimitsStore:
    parts = urlsplit(url)
    machine = parse_qs(parts.query).get("machine", [""])[0]
    if parts.scheme == "memory":
        return MemoryStore(url, machine)
    if parts.scheme == "sqlite":
        path = url.split("://", 1)[1].split("?", 1)[0]
        path = path[1:] if path.startswith("/") else path  # sqlite:///rel, sqlite:////abs
        return SQLiteStore(url, path, machine)
    if parts.scheme in ("redis", "rediss", "unix"):
        return RedisStore(url, machine)
    raise ValueError(f"limits={url!r}: expected memory://, sqlite:///PATH or redis://HOST:PORT/DB")


class SharedPacer:
    """A `Pacer` whose slots are handed out by a store, per token and machine."""

    def __init__(self, store: LimitsStore, token_key: str, rate: float) -> None:
        if rate <= 0:
            raise ValueError("max_requests_per_second must be positive")
        self.store = store
        self.interval = 1.0 / rate
        self.key = f"{token_key}:{store.machine}"

    def reserve(self, timeout: float | None = None) -> float:
        """Wait for this process's turn; 0 once it came, `inf` when `timeout` ran out first."""
        return 0.0 if self.store.pace(self.key, self.interval, timeout) else math.inf

    async def areserve(self, timeout: float | None = None) -> float:
        import asyncio

        return await asyncio.to_thread(self.reserve, timeout)


def token_key(credential: str | None) -> str:
    """What a token is known by in a store (never the token itself)."""
    return _digest(credential or "anonymous")
