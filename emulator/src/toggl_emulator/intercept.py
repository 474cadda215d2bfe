"""Route httpx traffic for Toggl to a fresh in-process emulator, like moto's `mock_aws`.

    from toggl_emulator import intercept

    with intercept() as toggl:                      # Toggl's live URL, answered in process
        sync_customers()                            # builds its own Toggl() or httpx.Client
        toggl.journal.assert_called("create_client")

    @intercept("https://toggl.internal/api/v9")     # also a base URL of your own
    def test_sync(toggl): ...                       # the emulator comes as the last argument

    @intercept(pass_through=True)                   # other hosts reach the network
    async def test_async_sync(toggl): ...

It works for every `httpx.Client` and `httpx.AsyncClient` in the process (respx patches httpx's
transports), so code that builds its own client is covered; a request to another host is refused
(`AllMockedAssertionError`) unless `pass_through=True`. `start()` and `stop()` do the same from a
unittest `setUp` / `addCleanup`.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable
from typing import Any

import httpx
import respx

from .app import API_PREFIX
from .emulator import Emulator
from .options import EmulatorOptions
from .transport import _request, _response

LIVE_API_URL = "https://api.track.toggl.com/api/v9"


class intercept:  # noqa: N801 (used like a function: `with intercept():`, `@intercept()`)
    """Answer requests to `base_urls` (default: Toggl's live API) with an in-process emulator."""

    def __init__(
        self,
        *base_urls: str,
        options: EmulatorOptions | None = None,
        emulator: Emulator | None = None,
        pass_through: bool = False,
    ) -> None:
        self.base_urls = [url.rstrip("/") for url in base_urls or (LIVE_API_URL,)]
        self.emulator = emulator or Emulator(options)
        self.pass_through = pass_through
        self._router: respx.MockRouter | None = None

    # --- a context manager, and start / stop for unittest ----------------------------------------

    def start(self) -> Emulator:
        router = respx.mock(assert_all_called=False, assert_all_mocked=not self.pass_through)
        for base in self.base_urls:
            router.route(url__startswith=base).mock(side_effect=self._answer(base))
        if self.pass_through:
            router.route().pass_through()
        router.start()
        self._router = router
        return self.emulator

    def stop(self) -> None:
        if self._router is not None:
            self._router.stop()
            self._router = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Emulator:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        self.stop()

    # --- a decorator ------------------------------------------------------------------------------

    def __call__(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """Run `function` intercepted, with a fresh emulator each call, passed as `toggl=` when
        the function takes a parameter of that name."""
        takes = "toggl" in inspect.signature(function).parameters

        def given(kwargs: dict[str, Any], emulator: Emulator) -> dict[str, Any]:
            return {**kwargs, "toggl": emulator} if takes else kwargs

        wrapper: Callable[..., Any]
        if inspect.iscoroutinefunction(function):

            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self._fresh() as emulator:
                    return await function(*args, **given(kwargs, emulator))

            wrapper = run_async
        else:

            def run(*args: Any, **kwargs: Any) -> Any:
                with self._fresh() as emulator:
                    return function(*args, **given(kwargs, emulator))

            wrapper = run
        wrapper = functools.wraps(function)(wrapper)
        if takes:  # pytest must not look for a `toggl` fixture
            signature = inspect.signature(function)
            kept = [p for p in signature.parameters.values() if p.name != "toggl"]
            wrapper.__signature__ = signature.replace(parameters=kept)  # type: ignore[attr-defined]
        return wrapper

    def _fresh(self) -> intercept:
        return intercept(*self.base_urls, options=self.emulator.initial_options,
                         pass_through=self.pass_through)  # fmt: skip

    # --- answering ----------------------------------------------------------------------------------

    def _answer(self, base: str) -> Callable[[httpx.Request], httpx.Response]:
        base_path = httpx.URL(base).path.rstrip("/")

        def answer(request: httpx.Request) -> httpx.Response:
            # The emulator serves /api/v9/...: a base URL of another path is mapped onto it.
            path = API_PREFIX + request.url.path[len(base_path) :]
            routed = request.url.copy_with(path=path) if path != request.url.path else request.url
            local = httpx.Request(request.method, routed, headers=request.headers,
                                  content=request.read(), extensions=request.extensions)  # fmt: skip
            reply = self.emulator.handle(_request(self.emulator, local, local.content))
            if reply.delay:  # latency planned for the operation (blocks an event loop, too)
                time.sleep(reply.delay)
            return _response(reply, request)

        return answer
