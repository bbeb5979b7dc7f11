"""``FakeKie.serve()`` / ``serve_in_thread()``: the same app on a real loopback socket, for any
event loop or none.

uvicorn runs on its own thread with its own asyncio loop, so the caller may use asyncio or
trio, and a blocking call in the test cannot stall the server. The thread also runs a ticker
that delivers due callbacks promptly, each round in its own task: no request waits for a
callback (as on Kie), and a slow receiver holds up nothing but its own delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import os
import socket
import threading
import time
from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread
import httpx

from ._app import BACKGROUND_CALLBACKS_SCOPE_KEY, BASE_URL_SCOPE_KEY, STOPPING_SCOPE_KEY, handle
from ._callbacks import CallbackClient, deliver
from ._family_callbacks import Pending, claim_family_callbacks, deliver_family
from ._http import ConnectionDropped, Receive, Scope, Send
from ._state import FakeState
from ._tasks import TaskRecord

if TYPE_CHECKING:
    import uvicorn

__all__ = ["serve", "serve_in_thread"]

#: How often the server thread looks for due callbacks.
CALLBACK_TICK_S = 0.02
STARTUP_TIMEOUT_S = 10.0


class _DropFilter(logging.Filter):
    """Hides uvicorn's traceback for connections the fake drops on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


_DROP_FILTER = _DropFilter()
_logger = logging.getLogger("kieai.testing")


def _make_server(config: uvicorn.Config, stopping: asyncio.Event) -> uvicorn.Server:
    import uvicorn

    class _Server(uvicorn.Server):
        async def main_loop(self) -> None:
            # Upstream sleeps 0.1 s between ticks; a suite starts and stops many servers,
            # so wake at once when stop() sets the event, keeping upstream's tick cadence.
            counter = 0
            while not await self.on_tick(counter):
                counter = (counter + 1) % 864000
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stopping.wait(), 0.1)

    return _Server(config)


class _ServerThread:
    def __init__(
        self, state: FakeState, source: CallbackClient | None, host: str, port: int
    ) -> None:
        self._state = state
        self._source = source
        self._host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # Bound to the server's loop on first use (asyncio.Event binds lazily since 3.10).
        self._stopping = asyncio.Event()
        self._error: BaseException | None = None
        self.base_url = ""

    async def _app(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope = {
            **scope,
            BASE_URL_SCOPE_KEY: self.base_url,
            STOPPING_SCOPE_KEY: self._stopping,
            BACKGROUND_CALLBACKS_SCOPE_KEY: True,
        }
        await handle(self._state, self._source, scope, receive, send)

    def _bind(self) -> socket.socket:
        """Bind here rather than in uvicorn: a taken port becomes a clear error in the
        caller's thread, and the real port is known before the first request."""
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            if os.name != "nt":  # a restarted `kie fake-server` may reuse its port at once
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            # Accepted connections inherit it: without it uvicorn's separate header and body
            # writes meet the client's delayed ACK, and each kept-alive answer takes ~40 ms.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.bind((self._host, self._port))
        except OSError as exc:
            sock.close()
            raise RuntimeError(
                f"the fake Kie server did not start: cannot listen on "
                f"{self._host}:{self._port}: {exc}"
            ) from exc
        port: int = sock.getsockname()[1]
        host = f"[{self._host}]" if family == socket.AF_INET6 else self._host
        self.base_url = f"http://{host}:{port}"
        return sock

    def start(self) -> None:
        """Start uvicorn and block until it listens (runs in a worker thread)."""
        import uvicorn

        sock = self._bind()
        config = uvicorn.Config(
            self._app,
            lifespan="off",
            interface="asgi3",
            log_level="warning",
            log_config=None,  # leave the process's logging configuration alone
        )
        logging.getLogger("uvicorn.error").addFilter(_DROP_FILTER)
        server = self._server = _make_server(config, self._stopping)
        self._thread = threading.Thread(
            target=self._run, args=(sock,), name="kieai-fake-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not server.started:
            if not self._thread.is_alive():
                sock.close()
                raise RuntimeError(f"the fake Kie server did not start: {self._error!r}")
            if time.monotonic() > deadline:
                raise RuntimeError("the fake Kie server did not start within 10 s")
            time.sleep(0.002)
        with self._state.lock:
            self._state.own_bases.add(self.base_url)

    def _run(self, sock: socket.socket) -> None:
        try:
            asyncio.run(self._main(sock))
        except BaseException as exc:  # uvicorn may sys.exit() on startup errors: report them
            self._error = exc

    async def _main(self, sock: socket.socket) -> None:
        self._loop = asyncio.get_running_loop()
        ticker = asyncio.ensure_future(self._tick())
        try:
            assert self._server is not None
            await self._server.serve(sockets=[sock])  # uvicorn closes it at shutdown
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker

    async def _tick(self) -> None:
        rounds: dict[asyncio.Future[bool], list[TaskRecord]] = {}
        try:
            while True:
                due = self._state.claim_callbacks()
                if due:
                    delivery = asyncio.ensure_future(self._deliver(due))
                    rounds[delivery] = due
                    delivery.add_done_callback(lambda done: rounds.pop(done, None))
                family_due = claim_family_callbacks(self._state)
                if family_due:
                    delivery = asyncio.ensure_future(self._deliver_family(family_due))
                    rounds[delivery] = []
                    delivery.add_done_callback(lambda done: rounds.pop(done, None))
                await asyncio.sleep(CALLBACK_TICK_S)
        finally:  # shutdown: rounds in flight are interrupted (recorded, queued again)
            pending = dict(rounds)
            for delivery in pending:
                delivery.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
            for delivery, due in pending.items():
                if delivery.cancelled():  # cancelled before it began: nothing was sent
                    self._state.requeue_callbacks(due)

    async def _deliver(self, due: list[TaskRecord]) -> bool:
        try:
            await deliver(self._state, self._source, due)
        except asyncio.CancelledError:
            return False  # deliver() recorded and re-queued what was in flight
        except Exception:  # keep ticking: one bad round must not end all deliveries
            _logger.exception("FakeKie: delivering callbacks failed")
        return True

    async def _deliver_family(self, due: list[Pending]) -> bool:
        try:
            await deliver_family(self._state, self._source, due)
        except asyncio.CancelledError:
            return False  # deliver_family() recorded and queued again what was in flight
        except Exception:  # keep ticking: one bad round must not end all deliveries
            _logger.exception("FakeKie: delivering family callbacks failed")
        return True

    def stop(self) -> None:
        """Ask uvicorn to exit, cut injected delays short, and wait for the thread."""
        if self._server is not None:
            self._server.should_exit = True  # before the wake-up, so the woken loop sees it
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop already closed
                self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join()


def serve(
    state: FakeState, source: CallbackClient | None, *, host: str, port: int
) -> contextlib.AbstractAsyncContextManager[str]:
    """The server as an async context manager. Refuses, at once, what cannot work on the
    server's own loop: a callback client instance opened on the caller's."""
    _check_source(source, "serve()")
    return _serve(state, source, host=host, port=port)


def serve_in_thread(
    state: FakeState, source: CallbackClient | None, *, host: str, port: int
) -> contextlib.AbstractContextManager[str]:
    """The same server as a sync context manager, for tests of sync code (``SyncKieClient``)."""
    _check_source(source, "serve_in_thread()")
    return _serve_in_thread(state, source, host=host, port=port)


def _check_source(source: CallbackClient | None, method: str) -> None:
    if isinstance(source, httpx.AsyncClient):
        raise TypeError(
            f"FakeKie.{method} cannot use the httpx.AsyncClient given as callback_http_client: "
            f"{method} delivers callbacks from its own thread and event loop, where a client "
            f"made for yours does not work; pass a zero-argument factory for {method}, e.g. "
            "callback_http_client=lambda: httpx.AsyncClient(transport=...)"
        )
    if importlib.util.find_spec("uvicorn") is None:
        raise RuntimeError(
            f"FakeKie.{method} needs uvicorn, which comes with the testing extra: "
            "pip install 'kieai[testing]'"
        )


@contextlib.asynccontextmanager
async def _serve(
    state: FakeState, source: CallbackClient | None, *, host: str, port: int
) -> AsyncGenerator[str, None]:
    runner = _ServerThread(state, source, host, port)
    try:
        await anyio.to_thread.run_sync(runner.start)
        yield runner.base_url
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(runner.stop)


@contextlib.contextmanager
def _serve_in_thread(
    state: FakeState, source: CallbackClient | None, *, host: str, port: int
) -> Generator[str, None, None]:
    runner = _ServerThread(state, source, host, port)
    try:
        runner.start()
        yield runner.base_url
    finally:
        runner.stop()
