"""The judged fleet run: 4 processes x 40 ``generate`` calls, one FakeKie, one Redis.

Scaling, documented: Kie's window is 20 createTask per 10 s. The run uses 20 per **2 s** on
both sides (the fake enforces it, every client is configured with it), which keeps the count
per window — what the coordinator must get right — and makes the run 5x shorter: 160 calls
need 7 windows after the first batch, 14 s instead of 70 s. (At 20 per 1 s the fixed costs —
160 local media checks on two shared cores, the first uploads — weigh twice as much against
the bound; ``benchmarks/redis_pacer.py`` reports that run as a figure, with its time against
the pacing bound.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ._fleet import run_fleet
from ._support import max_in_any_window
from .conftest import RedisServer

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

RATE = (20, 2.0)


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # the workers run asyncio and trio
async def test_four_processes_share_the_accounts_window(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    report = await run_fleet(redis_server, tmp_path, workers=4, calls=40, rate=RATE)

    assert report.errors == []
    assert report.outages == 0  # shared all along, never local
    assert report.done == 160
    assert {w.backend for w in report.workers} == {"asyncio", "trio"}
    fake = report.fake
    assert report.refusals() == 0  # no 429 reached anyone (nor was one retried)
    assert len(fake.tasks) == 160
    assert max_in_any_window((t.created_at for t in fake.tasks.values()), RATE[1]) <= RATE[0]
    # Each distinct input (8 images, 1 video) uploaded once across the fleet.
    uploaded = [stored.data for stored in fake.uploads.values()]
    assert sorted(report.inputs[data] for data in uploaded) == sorted(report.inputs.values())
    # How close the run comes to the pacing bound (target: within 1.15x) is a timing, so it is
    # measured by benchmarks/redis_pacer.py, not asserted here (the suite runs on shared CPUs).
