"""What the sync client costs per call: ``SyncKieClient.get_task`` against a raw ``httpx.Client``
GET of the same URL, on the same loopback FakeKie, in the same run.

    python benchmarks/sync_overhead.py [--calls 300] [--rounds 7]

Both send ``GET /api/v1/jobs/recordInfo?taskId=...`` over a kept-alive connection to one
``FakeKie.serve_in_thread()`` server running in its own process (so the server's Python does
not compete for this process's GIL), with pacing off on both sides: only the work is timed.
The raw GET only reads the bytes; ``get_task`` also crosses to the client's event-loop thread
and back, goes through the retry/error-mapping transport and parses the answer into a ``Task``.
Rounds alternate raw, sync, the async ``KieClient.get_task`` and a raw ``httpx.AsyncClient``
GET (both on a loop of this thread) after a warm-up; printed are the median time per call of
each, the sync / raw ratio (target: <= 1.3x), the sync / async ratio (what the thread hand-off
adds on top of the async core), async / raw async (kieai's own work in the async core),
raw async / raw (httpx's async stack against its sync one) and floor / raw: the same raw
AsyncClient GET handed to a loop thread and back with nothing else (the least any sync client
built on httpx.AsyncClient and an event-loop thread can cost).
Exit status is 0 either way: the figures are for reading, not for CI.
"""

from __future__ import annotations

import argparse
import asyncio
import queue
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Generator
from contextlib import contextmanager
from typing import TypeVar

import httpx

from kieai import KieClient, SyncKieClient
from kieai._assets import asset_path

T = TypeVar("T")
TARGET_RATIO = 1.3
KEY = "bench-key"
SERVER = f"""
import sys
from kieai.testing import FakeKie
fake = FakeKie(api_key={KEY!r}, record_rate_limit=None, keep_request_bodies=False)
with fake.serve_in_thread() as url:
    print(url, flush=True)
    sys.stdin.read()  # serve until the benchmark closes our stdin
"""


@contextmanager
def fake_server_process() -> Generator[str, None, None]:
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None and server.stdin is not None
        yield server.stdout.readline().strip()
        server.stdin.close()
        server.wait(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def per_call(calls: int, function: Callable[[], object]) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - started) / calls


class AsyncReference:
    """The async client on an event loop of this thread, kept across rounds (interleaved with
    the other two, so all three see the same machine)."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.client, self.raw = self.loop.run_until_complete(self._open(url))
        self.record_url = f"{url}/api/v1/jobs/recordInfo"

    @staticmethod
    async def _open(url: str) -> tuple[KieClient, httpx.AsyncClient]:
        client = KieClient(api_key=KEY, base_url=url, upload_base_url=url, get_task_rate=None)
        return client, httpx.AsyncClient(headers={"Authorization": f"Bearer {KEY}"})

    def raw_per_call(self, calls: int, task_id: str) -> float:
        """The floor under the async client: a raw ``httpx.AsyncClient`` GET on this loop."""

        async def run() -> float:
            started = time.perf_counter()
            for _ in range(calls):
                response = await self.raw.get(self.record_url, params={"taskId": task_id})
                response.raise_for_status()
            return (time.perf_counter() - started) / calls

        return self.loop.run_until_complete(run())

    def per_call(self, calls: int, task_id: str) -> float:
        async def run() -> float:
            started = time.perf_counter()
            for _ in range(calls):
                await self.client.get_task(task_id)
            return (time.perf_counter() - started) / calls

        return self.loop.run_until_complete(run())

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.run_until_complete(self.raw.aclose())
        self.loop.close()


class ThreadedRawAsync:
    """The floor under any sync client built on ``httpx.AsyncClient`` and one event-loop thread:
    a raw AsyncClient GET handed to a loop thread and back the cheapest way (one
    ``call_soon_threadsafe`` there, one ``SimpleQueue`` back), with nothing else."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.record_url = f"{url}/api/v1/jobs/recordInfo"
        self.raw = self._call(self._open)

    @staticmethod
    async def _open() -> httpx.AsyncClient:
        return httpx.AsyncClient(headers={"Authorization": f"Bearer {KEY}"})

    def _call(self, function: Callable[[], Awaitable[T]]) -> T:
        answer: queue.SimpleQueue[T] = queue.SimpleQueue()

        async def run() -> None:
            answer.put(await function())

        self.loop.call_soon_threadsafe(self.loop.create_task, run())
        return answer.get()

    def get(self, task_id: str) -> object:
        async def get() -> bytes:
            response = await self.raw.get(self.record_url, params={"taskId": task_id})
            response.raise_for_status()
            return response.content

        return self._call(get)

    def close(self) -> None:
        self._call(self.raw.aclose)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="SyncKieClient.get_task vs raw httpx.Client GET")
    parser.add_argument("--calls", type=int, default=300, help="calls per round")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    with (
        fake_server_process() as url,
        SyncKieClient(api_key=KEY, base_url=url, upload_base_url=url, get_task_rate=None) as client,
        httpx.Client(headers={"Authorization": f"Bearer {KEY}"}) as raw,
    ):
        task_id = client.motion_control.create(
            image=asset_path("person.png"), video=asset_path("dance.mp4")
        )
        record_url = f"{url}/api/v1/jobs/recordInfo"

        def raw_get() -> object:
            response = raw.get(record_url, params={"taskId": task_id})
            response.raise_for_status()
            return response.content

        def sync_get() -> object:
            return client.get_task(task_id)

        reference = AsyncReference(url)
        threaded = ThreadedRawAsync(url)
        threaded_times: list[float] = []
        raw_times: list[float] = []
        sync_times: list[float] = []
        async_times: list[float] = []
        raw_async_times: list[float] = []
        per_call(20, raw_get)  # warm-up: connections, schemas
        per_call(20, sync_get)
        reference.per_call(20, task_id)
        reference.raw_per_call(20, task_id)
        per_call(20, lambda: threaded.get(task_id))
        for _ in range(args.rounds):
            raw_times.append(per_call(args.calls, raw_get))
            sync_times.append(per_call(args.calls, sync_get))
            async_times.append(reference.per_call(args.calls, task_id))
            raw_async_times.append(reference.raw_per_call(args.calls, task_id))
            threaded_times.append(per_call(args.calls, lambda: threaded.get(task_id)))
        reference.close()
        threaded.close()
        threaded_time = statistics.median(threaded_times)
        async_time = statistics.median(async_times)
        raw_async_time = statistics.median(raw_async_times)

    raw_median = statistics.median(raw_times)
    sync_median = statistics.median(sync_times)
    ratio = sync_median / raw_median
    print(
        f"raw httpx.Client GET        {raw_median * 1e6:8.0f} us per call (median of {args.rounds})"
    )
    print(f"SyncKieClient.get_task      {sync_median * 1e6:8.0f} us per call")
    print(f"KieClient.get_task (async)  {async_time * 1e6:8.0f} us per call (reference)")
    print(f"raw httpx.AsyncClient GET   {raw_async_time * 1e6:8.0f} us per call (reference)")
    print(f"  ... from a loop thread    {threaded_time * 1e6:8.0f} us per call (floor)")
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(f"ratio sync / raw: {ratio:.2f}x ({verdict} the {TARGET_RATIO}x target)")
    print(f"ratio sync / async: {sync_median / async_time:.2f}x (what the sync layer itself adds)")
    print(f"ratio async / raw: {async_time / raw_median:.2f}x")
    print(
        f"ratio async / raw async: {async_time / raw_async_time:.2f}x (kieai's own work per call)"
    )
    print(
        f"ratio raw async / raw: {raw_async_time / raw_median:.2f}x "
        "(httpx's async stack against its sync one: a floor kieai cannot go under)"
    )
    print(
        f"ratio floor / raw: {threaded_time / raw_median:.2f}x (the least any sync client on "
        "httpx.AsyncClient and a loop thread costs; sync / floor is kieai's share)"
    )


if __name__ == "__main__":
    main()
