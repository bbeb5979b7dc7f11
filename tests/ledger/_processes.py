"""Real processes for the client-level crash matrix and races: FakeKie served on loopback by a
process of its own (its request log outlives any client killed beside it), and client
processes that run one ``generate`` and stop dead at a named point.

A client process marks each point it reaches by appending a line to an events file, then (at
its crash point) blocks until it is SIGKILLed: the test waits for the line, never for a time.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import anyio
import httpx

from kieai import Budget, BudgetExceededError, KieClient
from kieai._journal import Journal
from kieai.redis import RedisJournal
from kieai.testing import FakeKie

from ._journals import JournalSpec
from ._workers import RUN_TIMEOUT_S

KEY = "test-key"
T2V: str = "kling-2.6/text-to-video"  # any model id (the typed overloads want a TypedDict input)
T2V_INPUT: dict[str, Any] = {
    "prompt": "A fox.",
    "sound": False,
    "duration": "5",
    "aspect_ratio": "1:1",
}
CRASH_KEY = "crash-order"

CrashPoint = Literal["before_send", "sent_no_answer", "answered", "waiting", "downloading"]
CRASH_POINTS: tuple[CrashPoint, ...] = (
    "before_send",
    "sent_no_answer",
    "answered",
    "waiting",
    "downloading",
)

_Context = Any  # multiprocessing's spawn context


def _context() -> _Context:
    return multiprocessing.get_context("spawn")


# -- the fake, in its own process ---------------------------------------------------------------


def _serve_fake(conn: Any, delay_creates: bool) -> None:
    fake = FakeKie(create_rate_limit=None, record_rate_limit=None)
    if delay_creates:  # the task is made and recorded, the answer never comes in time
        fake.inject("createTask", delay=3600.0, times=None)
    with fake.serve_in_thread() as url:
        conn.send(url)
        while True:
            message = conn.recv()
            if message == "stop":
                break
            conn.send(([r.route for r in fake.requests], sorted(fake.tasks)))


class FakeProcess:
    """A served FakeKie in another process: ``url``, and its request log on demand."""

    def __init__(self, *, delay_creates: bool = False) -> None:
        self._conn, child = _context().Pipe()
        self._process = _context().Process(target=_serve_fake, args=(child, delay_creates))
        self._process.start()
        if not self._conn.poll(RUN_TIMEOUT_S):
            self._process.kill()
            raise RuntimeError("the fake's process did not start")
        self.url: str = self._conn.recv()

    def log(self) -> tuple[list[str | None], list[str]]:
        """The routes of every request the fake got, and the ids of the tasks it made."""
        self._conn.send("log")
        routes, tasks = self._conn.recv()
        return routes, tasks

    def creates(self) -> int:
        return self.log()[0].count("createTask")

    def stop(self) -> None:
        self._conn.send("stop")
        self._process.join(RUN_TIMEOUT_S)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._conn.close()


@contextmanager
def served_fake(*, delay_creates: bool = False) -> Generator[FakeProcess, None, None]:
    fake = FakeProcess(delay_creates=delay_creates)
    try:
        yield fake
    finally:
        fake.stop()


def journal_for(spec: JournalSpec) -> str | Journal:
    kind, where = spec
    return where if kind == "sqlite" else RedisJournal(where)


# -- a client that dies at a point ---------------------------------------------------------------


def _mark(events: Path, what: str) -> None:
    with events.open("a") as f:
        f.write(what + "\n")


def crash_client(spec: JournalSpec, url: str, point: CrashPoint, events: Path, dest: Path) -> None:
    """``generate`` with `CRASH_KEY`, then download; stop dead at ``point`` (until killed)."""

    async def main() -> None:
        async def on_request(request: httpx.Request) -> None:
            if request.url.path.endswith("/createTask"):
                _mark(events, "create-request")
                if point == "before_send":
                    await anyio.sleep_forever()

        async def on_response(response: httpx.Response) -> None:
            if response.request.url.path.endswith("/createTask") and point == "answered":
                _mark(events, "create-answered")
                await anyio.sleep_forever()

        async def on_update(task: object) -> None:
            if point == "waiting":
                _mark(events, "waiting")
                await anyio.sleep_forever()

        async def on_progress(sent: int, total: int | None) -> None:
            if point == "downloading":
                _mark(events, "downloading")
                await anyio.sleep_forever()

        http = httpx.AsyncClient(
            timeout=httpx.Timeout(3600.0),
            event_hooks={"request": [on_request], "response": [on_response]},
        )
        async with (
            http,
            KieClient(
                KEY, base_url=url, upload_base_url=url, http_client=http, journal=journal_for(spec)
            ) as client,
        ):
            result = await client.generate(
                T2V,
                T2V_INPUT,
                idempotency_key=CRASH_KEY,
                on_update=on_update,
                poll_interval=0.05,
                max_poll_interval=0.1,
            )
            await client.download(result.urls[0], dest, on_progress=on_progress)
        _mark(events, "done")

    anyio.run(main)


def upload_then_hang(spec: JournalSpec, url: str, image: Path, events: Path) -> None:
    """``image_to_video.create`` with a local image and `CRASH_KEY`; stops dead once the
    upload request is about to leave (until killed)."""

    async def main() -> None:
        async def on_request(request: httpx.Request) -> None:
            if "upload" in request.url.path:
                _mark(events, "uploading")
                await anyio.sleep_forever()

        http = httpx.AsyncClient(event_hooks={"request": [on_request]})
        async with (
            http,
            KieClient(
                KEY, base_url=url, upload_base_url=url, http_client=http, journal=journal_for(spec)
            ) as client,
        ):
            await client.image_to_video.create(
                image=image, prompt="Wave.", idempotency_key=CRASH_KEY
            )

    anyio.run(main)


def run_until(
    target: Any, args: tuple[Any, ...], events: Path, line: str, *, also: Any = None
) -> int:
    """Start ``target`` in a process, wait until ``events`` holds ``line`` (and ``also()`` is
    true), SIGKILL it; returns its exit code."""
    with started_until(target, args, events, line, also=also) as process:
        pass
    return process.exitcode or 0


@contextmanager
def started_until(
    target: Any, args: tuple[Any, ...], events: Path, line: str, *, also: Any = None
) -> Generator[Any, None, None]:
    """Start ``target`` in a process and yield it once ``events`` holds ``line`` (and
    ``also()`` is true); SIGKILL it on exit (if it still runs)."""
    process = _context().Process(target=target, args=args)
    process.start()
    try:
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while not (
            events.exists() and line in events.read_text().splitlines() and (also is None or also())
        ):
            if time.monotonic() > deadline or not process.is_alive():
                raise AssertionError(
                    f"the client never reached {line!r} (alive: {process.is_alive()})"
                )
            time.sleep(0.02)
        yield process
    finally:
        process.kill()  # SIGKILL: no cleanup, no finally blocks, as a crashed host
        process.join()


# -- racing clients -------------------------------------------------------------------------------


def racing_client(
    spec: JournalSpec,
    url: str,
    calls: int,
    key: str | None,
    budget: Budget | None,
    ready: Any,
    go: Any,
    results: Any,
) -> None:
    """``calls`` concurrent creates (one key, or one each), started together with the other
    processes; puts the task ids made or found, and the budget refusals, on ``results``."""

    async def main() -> None:
        outcomes: list[str] = []
        async with KieClient(
            KEY,
            base_url=url,
            upload_base_url=url,
            journal=journal_for(spec),
            budget=budget,
            create_task_rate=None,
        ) as client:

            async def one(index: int) -> None:
                prompt = {"prompt": f"Fox {index}."} if key is None else {}
                try:
                    outcomes.append(
                        await client.create(T2V, {**T2V_INPUT, **prompt}, idempotency_key=key)
                    )
                except BudgetExceededError:
                    outcomes.append("refused")

            ready.put(True)
            await anyio.to_thread.run_sync(go.wait)
            async with anyio.create_task_group() as group:
                for index in range(calls):
                    group.start_soon(one, index)
        results.put(outcomes)

    anyio.run(main)


def race(
    spec: JournalSpec,
    url: str,
    *,
    processes: int,
    calls: int,
    key: str | None,
    budget: Budget | None = None,
) -> list[str]:
    """Run `racing_client` in ``processes`` processes at once; every outcome."""
    context = _context()
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    workers = [
        context.Process(
            target=racing_client,
            args=(spec, url, calls, key, budget, ready, go, results),
        )
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    try:
        for _ in workers:
            ready.get(timeout=RUN_TIMEOUT_S)
        go.set()
        outcomes: list[str] = []
        for _ in workers:
            outcomes += results.get(timeout=RUN_TIMEOUT_S)
    finally:
        for worker in workers:
            worker.join(RUN_TIMEOUT_S)
            if worker.is_alive():
                worker.kill()
                worker.join()
    return outcomes
