"""Real processes for the batch crash test: FakeKie served on loopback by a process of its own
(its request log outlives the client killed beside it), and a batch process that writes each
outcome's key to a file as it comes and, after a given number, stops dead until SIGKILLed."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import anyio
import httpx

from kieai import Job, KieClient
from kieai.testing import FakeKie, Schedule

KEY = "test-key"
T2V = "kling-2.6/text-to-video"
#: The fake's windows for createTask and recordInfo, scaled down from Kie's (20/10 s, 10/1 s).
CREATE_RATE = (10, 1.0)
RECORD_RATE = (50, 1.0)
START_TIMEOUT_S = 180.0


def jobs(count: int) -> list[Job]:
    return [
        Job(
            T2V,
            {"prompt": f"Fox {n}.", "sound": False, "duration": "5", "aspect_ratio": "1:1"},
            key=f"fox-{n}",
        )
        for n in range(count)
    ]


def most_in_one_window(times: list[float], window_s: float) -> int:
    """The most creations the fake saw within any window of ``window_s`` seconds."""
    ordered = sorted(times)
    most = 0
    start = 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= window_s:
            start += 1
        most = max(most, end - start + 1)
    return most


def _context() -> Any:
    return multiprocessing.get_context("spawn")


def _serve_fake(conn: Any) -> None:
    # Long enough that some jobs are created and unfinished when the batch is killed.
    fake = FakeKie(
        create_rate_limit=CREATE_RATE,
        record_rate_limit=None,
        schedule=Schedule(waiting=0.2, queuing=0.3, generating=1.0),
    )
    with fake.serve_in_thread() as url:
        conn.send(url)
        while conn.recv() != "stop":
            tasks = fake.tasks.values()
            conn.send(
                (
                    [(r.route, r.status) for r in fake.requests],
                    sorted(task.created_at for task in tasks),
                    {task.body["input"]["prompt"]: task.state for task in tasks},
                )
            )


class FakeProcess:
    """A served FakeKie in another process: ``url``, and its logs on demand."""

    def __init__(self) -> None:
        self._conn, child = _context().Pipe()
        self._process = _context().Process(target=_serve_fake, args=(child,))
        self._process.start()
        if not self._conn.poll(START_TIMEOUT_S):
            self._process.kill()
            raise RuntimeError("the fake's process did not start")
        self.url: str = self._conn.recv()

    def log(self) -> tuple[list[tuple[str | None, int | None]], list[float], dict[str, str]]:
        """Every request's (route, status); each task's creation time; each prompt's state."""
        self._conn.send("log")
        answer: tuple[list[tuple[str | None, int | None]], list[float], dict[str, str]]
        answer = self._conn.recv()
        return answer

    def stop(self) -> None:
        self._conn.send("stop")
        self._process.join(START_TIMEOUT_S)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._conn.close()


CONCURRENCY = 8


def run_batch(url: str, journal: str, count: int, out: Path, events: Path, stop_after: int) -> None:
    """The batch of ``count`` jobs; each outcome's key appended to ``events``. After
    ``stop_after`` outcomes every wait freezes (its recordInfo never leaves); once every worker
    is frozen so (each holds a created, unfinished task, and no create is under way),
    ``stopped`` is written and the process hangs until killed."""
    stopping = False
    frozen = 0

    async def on_request(request: httpx.Request) -> None:
        nonlocal frozen
        if stopping and request.url.path.endswith("/recordInfo"):
            frozen += 1
            if frozen == CONCURRENCY:
                _mark(events, "stopped")
            await anyio.sleep_forever()

    async def main() -> None:
        nonlocal stopping
        http = httpx.AsyncClient(timeout=60.0, event_hooks={"request": [on_request]})
        async with (
            http,
            KieClient(
                KEY,
                base_url=url,
                upload_base_url=url,
                http_client=http,
                journal=journal,
                create_task_rate=CREATE_RATE,
            ) as client,
        ):
            seen = 0
            runs = client.batch(
                jobs(count),
                concurrency=CONCURRENCY,
                download_to=out,
                poll_interval=0.05,
                max_poll_interval=0.2,
                timeout=120.0,
            )
            async for outcome in runs:
                _mark(events, f"{outcome.key} {outcome.state}")
                seen += 1
                if seen == stop_after:
                    stopping = True

    anyio.run(main)


def _mark(events: Path, line: str) -> None:
    with events.open("a") as f:
        f.write(line + "\n")


def start(target: Any, *args: Any) -> Any:
    process = _context().Process(target=target, args=args)
    process.start()
    return process


def run_batch_stopping_dead(
    url: str,
    journal: str,
    count: int,
    out: Path,
    events: Path,
    stop_after: int,
    create_rate: tuple[int, float],
    concurrency: int,
) -> None:
    """The batch, its client pacing creates at ``create_rate``; after ``stop_after`` outcomes
    ``stopped`` is written and the process hangs (until killed) with the jobs beyond the
    window claimed in the journal and waiting for a pacing slot, none of them sent."""

    async def main() -> None:
        async with KieClient(
            KEY, base_url=url, upload_base_url=url, journal=journal, create_task_rate=create_rate
        ) as client:
            seen = 0
            runs = client.batch(
                jobs(count),
                concurrency=concurrency,
                download_to=out,
                poll_interval=0.05,
                max_poll_interval=0.2,
                timeout=120.0,
            )
            async for outcome in runs:
                _mark(events, f"{outcome.key} {outcome.state}")
                seen += 1
                if seen == stop_after:
                    _mark(events, "stopped")
                    await anyio.sleep_forever()

    anyio.run(main)
