"""``SyncKieClient(coordinator=RedisCoordinator(url))``: opened on the client's loop, shared.

The sync client never runs ``async with KieClient``; it must still open the coordinator (a
URL's coredis pool is entered lazily, in the one task that later leaves it), or every call
would fall back to local pacing with an "is not open" warning.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from kieai import SyncKieClient
from kieai.redis import RedisCoordinator

from .._liveness import HANG_GUARD_S
from ._support import KEY, MODEL, fake_kie, max_in_any_window, mc_input, statuses
from .conftest import RedisServer

RATE = (5, 0.3)


def test_two_sync_clients_share_one_window_through_redis(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    fake = fake_kie(create_rate_limit=RATE)
    first = RedisCoordinator(redis_server.url)
    second = RedisCoordinator(redis_server.url)
    with caplog.at_level(logging.WARNING, logger="kieai"), fake.serve_in_thread() as url:
        options: dict[str, Any] = {
            "base_url": url,
            "upload_base_url": url,
            "create_task_rate": RATE,
        }
        with (
            SyncKieClient(KEY, coordinator=first, **options) as a,
            SyncKieClient(KEY, coordinator=second, **options) as b,
            ThreadPoolExecutor(20) as pool,
        ):
            sends = [pool.submit((a, b)[n % 2].create_task, MODEL, mc_input(n)) for n in range(20)]
            for send in sends:
                send.result(timeout=HANG_GUARD_S)

    # Shared: two local windows would let both clients send 5 at once, and the fake (which
    # counts 5 per 0.3 s as they arrive) would answer 429.
    assert statuses(fake, "createTask") == [200] * 20
    created = [t.created_at for t in fake.tasks.values()]
    assert max_in_any_window(created, RATE[1]) <= RATE[0]
    # 20 sends at 5 per 0.3 s need three more windows after the first batch (no upper bound).
    assert max(created) - min(created) >= 0.9
    assert (first.outages, second.outages) == (0, 0)
    assert caplog.records == []  # no "unavailable" / "not open" warning


def test_closing_the_sync_client_closes_the_coordinators_pool(redis_server: RedisServer) -> None:
    fake = fake_kie()
    coordinator = RedisCoordinator(redis_server.url)
    with fake.serve_in_thread() as url:
        with SyncKieClient(KEY, base_url=url, upload_base_url=url, coordinator=coordinator) as c:
            c.create_task(MODEL, mc_input())
        # A second client on the same coordinator opens it again after the first left it.
        with SyncKieClient(KEY, base_url=url, upload_base_url=url, coordinator=coordinator) as c:
            c.create_task(MODEL, mc_input(1))
    assert coordinator.outages == 0
    assert statuses(fake, "createTask") == [200, 200]
