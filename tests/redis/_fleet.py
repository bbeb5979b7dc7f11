"""A fleet run: N worker processes x M ``generate`` calls, one FakeKie on loopback, one Redis.

Used by the judged fleet test (tests/redis/test_redis_fleet.py) and by
``benchmarks/redis_pacer.py``. Each worker is a real process (``multiprocessing``, spawn),
with its own copies of the input files (as on another machine: same bytes, other paths),
its own ``KieClient`` and its own ``RedisCoordinator``; half run on asyncio, half on trio.
The workers start together at an agreed wall-clock moment, so process start-up is not timed.
"""

from __future__ import annotations

import math
import multiprocessing
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread

from kieai import KieClient
from kieai._assets import asset_path
from kieai.redis import RedisCoordinator
from kieai.testing import FakeKie, Schedule

from ..motion._media import png_bytes
from .conftest import RedisServer

KEY = "fleet-key"
#: Seconds the workers get to import kieai and open their clients before the common start.
START_DELAY_S = 4.0


@dataclass
class WorkerReport:
    index: int
    backend: str
    done: int
    errors: list[str]
    started: float
    finished: float
    outages: int


@dataclass
class FleetReport:
    workers: list[WorkerReport]
    elapsed_s: float
    bound_s: float
    solo_s: float
    fake: FakeKie
    inputs: dict[bytes, str] = field(default_factory=dict[bytes, str])

    @property
    def errors(self) -> list[str]:
        return [e for w in self.workers for e in w.errors]

    @property
    def outages(self) -> int:
        """Times a worker found Redis unavailable and paced locally (0 in a healthy run)."""
        return sum(w.outages for w in self.workers)

    @property
    def done(self) -> int:
        return sum(w.done for w in self.workers)

    def refusals(self) -> int:
        """429 answers the fake sent (each one a request over the account's limit)."""
        return sum(1 for r in self.fake.requests if r.status == 429)


@dataclass(frozen=True)
class WorkerPlan:
    """What one worker process runs (pickled to it: the process is spawned)."""

    index: int
    backend: str
    base_url: str
    redis_url: str
    files: list[str]
    video: str
    calls: int
    rate: tuple[int, float]
    record_rate: tuple[int, float]
    start_at: float
    shared: bool


def _worker(plan: WorkerPlan, results: Any) -> None:
    results.put(anyio.run(_worker_main, plan, backend=plan.backend))


async def _worker_main(plan: WorkerPlan) -> WorkerReport:
    errors: list[str] = []
    done = 0
    coordinator = RedisCoordinator(plan.redis_url) if plan.shared else None
    async with KieClient(
        api_key=KEY,
        base_url=plan.base_url,
        upload_base_url=plan.base_url,
        create_task_rate=plan.rate,
        get_task_rate=plan.record_rate,
        coordinator=coordinator,
    ) as client:
        await anyio.sleep(max(0.0, plan.start_at - time.time()))
        started = time.time()

        async def one(n: int) -> None:
            nonlocal done
            try:
                await client.motion_control.generate(
                    image=plan.files[n % len(plan.files)],
                    video=plan.video,
                    prompt=f"worker {plan.index} call {n}",
                    poll_interval=0.2,
                    max_poll_interval=0.2,
                    timeout=120,
                )
                done += 1
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")

        async with anyio.create_task_group() as group:
            for n in range(plan.calls):
                group.start_soon(one, n)
        finished = time.time()
    outages = coordinator.outages if coordinator is not None else 0
    return WorkerReport(plan.index, plan.backend, done, errors, started, finished, outages)


def pacing_bound_s(total_calls: int, rate: tuple[int, float]) -> float:
    """The least time Kie's window allows for ``total_calls`` creations: the first ``count``
    at once, then one more window per further ``count`` (a window counts from each answer)."""
    count, period = rate
    return (math.ceil(total_calls / count) - 1) * period


async def run_fleet(
    redis: RedisServer,
    tmp_path: Path,
    *,
    workers: int = 4,
    calls: int = 40,
    rate: tuple[int, float] = (20, 1.0),
    record_rate: tuple[int, float] = (100, 1.0),
    images: int = 8,
    shared: bool = True,
) -> FleetReport:
    """Run the fleet; the fake enforces ``rate`` on createTask and ``record_rate`` on
    recordInfo, and every client is configured with the same limits. ``shared=False`` runs
    the workers without a coordinator (each paces itself: the reference a fleet needs it for)."""
    schedule = Schedule(waiting=0.05, queuing=0.05, generating=0.2)
    fake = FakeKie(
        api_key=KEY,
        create_rate_limit=rate,
        record_rate_limit=record_rate,
        schedule=schedule,
        keep_request_bodies=False,
    )
    pngs = [png_bytes(400 + k, 600) for k in range(images)]
    dance = asset_path("dance.mp4")
    inputs = {data: f"image {k}" for k, data in enumerate(pngs)}
    inputs[dance.read_bytes()] = "video"
    async with fake.serve() as base_url:
        solo_s = await _solo(base_url, tmp_path, pngs[0], dance, rate, record_rate)
        fake.reset()  # forget the solo run's task, uploads and window
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        start_at = time.time() + START_DELAY_S
        processes: list[Any] = []
        for index in range(workers):
            home = tmp_path / f"machine-{index}"  # same bytes, other paths
            home.mkdir()
            files: list[str] = []
            for k, data in enumerate(pngs):
                path = home / f"person-{k}.png"
                path.write_bytes(data)
                files.append(str(path))
            video = home / "dance.mp4"
            shutil.copyfile(dance, video)
            plan = WorkerPlan(
                index=index,
                backend="asyncio" if index % 2 == 0 else "trio",
                base_url=base_url,
                redis_url=redis.url,
                files=files,
                video=str(video),
                calls=calls,
                rate=rate,
                record_rate=record_rate,
                start_at=start_at,
                shared=shared,
            )
            process = context.Process(target=_worker, args=(plan, results))
            process.start()
            processes.append(process)
        reports: list[WorkerReport] = []
        for _ in processes:
            reports.append(await anyio.to_thread.run_sync(results.get, True, 300.0))
        for process in processes:
            await anyio.to_thread.run_sync(process.join, 30.0)
        results.close()
        results.join_thread()
    elapsed = max(r.finished for r in reports) - min(r.started for r in reports)
    bound = pacing_bound_s(workers * calls, rate) + solo_s
    return FleetReport(
        workers=sorted(reports, key=lambda r: r.index),
        elapsed_s=elapsed,
        bound_s=bound,
        solo_s=solo_s,
        fake=fake,
        inputs=inputs,
    )


async def _solo(
    base_url: str,
    tmp_path: Path,
    image: bytes,
    video: Path,
    rate: tuple[int, float],
    record_rate: tuple[int, float],
) -> float:
    """One ``generate`` alone (uploads, create, polls): the latency no pacing can remove,
    which the fleet pays once (its first uploads, its last task's wait) on top of the
    windows."""
    path = tmp_path / "solo.png"
    path.write_bytes(image)
    async with KieClient(
        api_key=KEY,
        base_url=base_url,
        upload_base_url=base_url,
        create_task_rate=rate,
        get_task_rate=record_rate,
    ) as client:
        started = time.time()
        await client.motion_control.generate(
            image=path, video=video, poll_interval=0.2, max_poll_interval=0.2
        )
        return time.time() - started
