"""What the sync client costs per call: ``SyncKieClient.get_task`` against a raw ``httpx.Client``
GET of the same URL, on the same loopback FakeKie, in the same run.

    python benchmarks/sync_overhead.py [--calls 300] [--rounds 7]

Both send ``GET /api/v1/jobs/recordInfo?taskId=...`` over a kept-alive connection to one
``FakeKie.serve_in_thread()`` server running in its own process (so the server's Python does
not compete for this process's GIL), with pacing off on both sides: only the work is timed.
The raw GET only reads the bytes; ``get_task`` also goes through the retry/error-mapping
transport and parses the answer into a ``Task``, and it is handed to the client's event-loop
thread and back (every sync call is: see ``kieai._sync``).

Raw GET and ``get_task`` alternate call by call (so drifts of a shared machine hit both
alike); the async ``KieClient.get_task`` and a raw ``httpx.AsyncClient`` GET (both on a loop
of this thread) run in blocks between them. Printed are the median over rounds of each one's
mean time per call and the ratios: sync / raw (target: <= 2.0x), async / raw and raw async /
raw (httpx's async stack against its sync one, a floor under any client that sends with
asyncio).
Exit status is 0 either way: the figures are for reading, not for CI.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Generator
from contextlib import contextmanager

import httpx

from kieai import KieClient, SyncKieClient
from kieai._assets import asset_path

TARGET_RATIO = 2.0
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

        interleaved = {"raw": raw_get, "sync": sync_get}
        reference = AsyncReference(url)
        times: dict[str, list[float]] = {name: [] for name in (*interleaved, "async", "raw async")}
        for function in interleaved.values():  # warm-up: connections, schemas
            per_call(20, function)
        reference.per_call(20, task_id)
        reference.raw_per_call(20, task_id)
        for _ in range(args.rounds):
            for name, mean in per_call_interleaved(args.calls, interleaved).items():
                times[name].append(mean)
            times["async"].append(reference.per_call(args.calls, task_id))
            times["raw async"].append(reference.raw_per_call(args.calls, task_id))
        reference.close()

    median = {name: statistics.median(values) for name, values in times.items()}
    raw_time = median["raw"]
    ratio = median["sync"] / raw_time
    print(
        f"raw httpx.Client GET          {raw_time * 1e6:8.0f} us per call (median of {args.rounds})"
    )
    print(f"SyncKieClient.get_task        {median['sync'] * 1e6:8.0f} us per call")
    print(f"KieClient.get_task (async)    {median['async'] * 1e6:8.0f} us per call (reference)")
    print(f"raw httpx.AsyncClient GET     {median['raw async'] * 1e6:8.0f} us per call (reference)")
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(f"ratio sync / raw: {ratio:.2f}x ({verdict} the {TARGET_RATIO}x target)")
    print(f"ratio async / raw: {median['async'] / raw_time:.2f}x")
    print(
        f"ratio raw async / raw: {median['raw async'] / raw_time:.2f}x "
        "(httpx's async stack against its sync one: a floor under sending with asyncio)"
    )


def per_call_interleaved(
    calls: int, functions: dict[str, Callable[[], object]]
) -> dict[str, float]:
    """Each function's mean time per call, the functions called in turn ``calls`` times (the
    order rotating, so none always follows the same one)."""
    totals = dict.fromkeys(functions, 0.0)
    names = list(functions)
    clock = time.perf_counter
    for i in range(calls):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            started = clock()
            functions[name]()
            totals[name] += clock() - started
    return {name: total / calls for name, total in totals.items()}


if __name__ == "__main__":
    main()
