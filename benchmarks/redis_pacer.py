"""The Redis pacer's cost and the fleet it is for, against references measured in the same run.

    python benchmarks/redis_pacer.py [--rounds 2000] [--backend asyncio|trio] [--no-fleet]

Needs ``redis-server`` on PATH (``make redis-server``); the script starts its own on a free
loopback port, in a temporary directory, and stops it.

1. Added latency per createTask: one acquire + release of a slot on the shared window
   (``RedisCoordinator``'s pacer: one Lua call each way on loopback Redis) against the
   in-process pacer (the default), uncontended (a window too large to ever wait), ``--rounds``
   times each. Printed: median and p99 per acquire and per release, the difference (target:
   acquire adds under 2 ms) and the ratio.
2. The fleet: 4 processes x 40 ``generate`` calls on one FakeKie (20 createTask per 1 s, the
   10 s window scaled down 10x) and one Redis, against the pacing bound measured in the same
   run (7 windows + one solo ``generate``), and the same fleet without a coordinator (each
   process paces itself: the 429s the fleet would collect).

Exit status is 0 either way: the figures are for reading, not for CI.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the fleet runner and the server live with the tests

from tests.redis._fleet import run_fleet  # noqa: E402
from tests.redis.conftest import RedisServer  # noqa: E402

from kieai._coordination import LocalPacer, Pacer  # noqa: E402
from kieai.redis import RedisCoordinator  # noqa: E402

TARGET_ADDED_MS = 2.0
TARGET_FLEET_RATIO = 1.15


def _ms(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000


async def _time_pacer(pacer: Pacer, rounds: int) -> tuple[list[float], list[float]]:
    acquires: list[float] = []
    releases: list[float] = []
    for _ in range(20):  # warm-up: connection, script load
        await (await pacer.acquire()).release()
    for _ in range(rounds):
        started = time.perf_counter()
        slot = await pacer.acquire()
        acquired = time.perf_counter()
        await slot.release()
        acquires.append(acquired - started)
        releases.append(time.perf_counter() - acquired)
    return acquires, releases


async def bench_latency(server: RedisServer, rounds: int) -> None:
    huge = (10**9, 10.0)  # never full: only the cost of asking is measured
    local = await _time_pacer(LocalPacer(*huge), rounds)
    async with RedisCoordinator(server.url) as coordinator:
        shared = await _time_pacer(coordinator.bind("benchmark").pacer("create", *huge), rounds)
    print(f"createTask pacer, uncontended, {rounds} rounds each (median / p99, ms)")
    for name, (acq, rel) in (("in-process", local), ("Redis", shared)):
        (am, ap), (rm, rp) = _ms(acq), _ms(rel)
        print(f"  {name:<11} acquire {am:7.3f} / {ap:7.3f}   release {rm:7.3f} / {rp:7.3f}")
    added = _ms(shared[0])[0] - _ms(local[0])[0]
    added_release = _ms(shared[1])[0] - _ms(local[1])[0]
    ratio = _ms(shared[0])[0] / max(_ms(local[0])[0], 1e-9)
    verdict = "OK" if added < TARGET_ADDED_MS else "OVER TARGET"
    print(
        f"  added per acquire: {added:.3f} ms (target < {TARGET_ADDED_MS:g} ms: {verdict}); "
        f"per release (after the answer): {added_release:.3f} ms; "
        f"Redis / in-process acquire: {ratio:.0f}x"
    )


async def bench_fleet(server: RedisServer, window_s: float) -> None:
    rate = (20, window_s)
    with tempfile.TemporaryDirectory() as tmp:
        shared_dir, alone_dir = Path(tmp) / "shared", Path(tmp) / "alone"
        shared_dir.mkdir()
        alone_dir.mkdir()
        shared = await run_fleet(server, shared_dir, rate=rate)
        alone = await run_fleet(server, alone_dir, rate=rate, shared=False)
    scale = "Kie's own window" if window_s == 10.0 else f"10 s scaled {10.0 / window_s:g}x"
    print(
        f"fleet: 4 processes x 40 generate, FakeKie at 20 createTask per {window_s:g} s ({scale})"
    )
    print(
        f"  pacing bound (7 windows + solo generate {shared.solo_s:.2f} s): {shared.bound_s:.2f} s"
    )
    ratio = shared.elapsed_s / shared.bound_s
    verdict = "OK" if ratio <= TARGET_FLEET_RATIO else "OVER TARGET"
    uploads = len(shared.fake.uploads)
    print(
        f"  RedisCoordinator: {shared.elapsed_s:.2f} s = {ratio:.3f}x the bound "
        f"(target <= {TARGET_FLEET_RATIO}: {verdict}); 429s: {shared.refusals()}; "
        f"failed calls: {len(shared.errors)}; uploads: {uploads} for {len(shared.inputs)} inputs; "
        f"Redis outages seen: {shared.outages}"
    )
    print(
        f"  no coordinator:   {alone.elapsed_s:.2f} s = {alone.elapsed_s / shared.bound_s:.3f}x "
        f"the bound; 429s: {alone.refusals()}; failed calls: {len(alone.errors)}; uploads: "
        f"{len(alone.fake.uploads)} for {len(alone.inputs)} inputs"
    )


async def main(rounds: int, fleet: bool, window_s: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = RedisServer(Path(tmp))
        server.start()
        try:
            await bench_latency(server, rounds)
            if fleet:
                await bench_fleet(server, window_s)
        finally:
            server.kill()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    parser.add_argument("--no-fleet", action="store_true", help="only the latency figures")
    parser.add_argument(
        "--window",
        type=float,
        default=1.0,
        help="the fleet's createTask window in seconds (Kie's is 10; 1 keeps the run short, "
        "but the fixed start-up costs then weigh 10x more against the bound)",
    )
    options = parser.parse_args()
    anyio.run(main, options.rounds, not options.no_fleet, options.window, backend=options.backend)
