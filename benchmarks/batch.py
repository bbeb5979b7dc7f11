"""``client.batch`` at scale: 1000 jobs through FakeKie in-process, with Kie's pacing windows
scaled down, against the pacing bound computed for the same run.

    python benchmarks/batch.py [--jobs 1000] [--limit 50] [--period 1.0] [--concurrency 64]

Kie allows ``limit`` createTask per ``period`` (20 per 10 s; scaled here to 50 per 1 s, the
fake enforcing the same window; the client's pacer counts a window from the end of each send,
so a much shorter period shows that margin, a few ms per window, rather than the batch). No client can finish faster than the pacing bound: the first
window's creates at once, then one window per further ``limit`` jobs, plus one task's run
(its schedule and a poll). Printed: the wall time, the bound and their ratio (target: at most
1.05x), and the growth of the process's peak RSS over the batch (target: at most 64 MiB),
with a SQLite journal and every output downloaded, as ``kie batch`` runs it.

Exit status is 0 either way: the figures are for reading, not for CI.
"""

from __future__ import annotations

import argparse
import math
import resource
import tempfile
import time
from pathlib import Path

import anyio

from kieai import Job, KieClient
from kieai.testing import FakeKie, Schedule

TARGET_RATIO = 1.05
TARGET_RSS_GROWTH_MIB = 64.0
SCHEDULE = Schedule(waiting=0.01, queuing=0.01, generating=0.03)
POLL_INTERVAL_S = 0.02
MODEL = "kling-2.6/text-to-video"


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def _run(jobs: int, limit: int, period: float, concurrency: int, where: Path) -> float:
    fake = FakeKie(
        schedule=SCHEDULE,
        create_rate_limit=(limit, period),
        record_rate_limit=None,
        keep_request_bodies=False,
        max_recorded_requests=1000,
    )
    batch = [
        Job(
            MODEL,
            {"prompt": f"Fox {n}.", "sound": False, "duration": "5", "aspect_ratio": "1:1"},
            key=f"fox-{n}",
        )
        for n in range(jobs)
    ]
    async with KieClient(
        "test-key",
        http_client=fake.http_client(),
        journal=str(where / "journal.sqlite3"),
        create_task_rate=(limit, period),
        get_task_rate=None,
    ) as client:
        started = time.perf_counter()
        failed = 0
        runs = client.batch(
            batch,
            concurrency=concurrency,
            download_to=where / "out",
            poll_interval=POLL_INTERVAL_S,
            max_poll_interval=POLL_INTERVAL_S,
        )
        async for outcome in runs:
            failed += not outcome.ok
        wall = time.perf_counter() - started
    if failed:
        print(f"   {failed} jobs failed (the figures below are not comparable)")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description="client.batch against its pacing bound")
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--period", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    bound = (math.ceil(args.jobs / args.limit) - 1) * args.period + SCHEDULE.total + POLL_INTERVAL_S
    before = _peak_rss_mib()
    with tempfile.TemporaryDirectory() as where:
        wall = anyio.run(_run, args.jobs, args.limit, args.period, args.concurrency, Path(where))
    growth = _peak_rss_mib() - before
    print(
        f"{args.jobs} jobs, {args.limit} creates per {args.period:g} s, "
        f"concurrency {args.concurrency}"
    )
    print(
        f"   wall {wall:.2f} s, pacing bound {bound:.2f} s: {wall / bound:.3f}x "
        f"(target at most {TARGET_RATIO}x)"
    )
    print(f"   peak RSS growth {growth:.1f} MiB (target at most {TARGET_RSS_GROWTH_MIB:g} MiB)")


if __name__ == "__main__":
    main()
