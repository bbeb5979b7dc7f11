"""A client with both a Redis coordinator and a Redis journal (what a fleet worker holds)
opens and closes them in nested order: each holds a connection pool whose task group must be
left last-in, first-out, so closing after real work raises nothing."""

from __future__ import annotations

from typing import Any

import pytest

from kieai import KieClient, SyncKieClient
from kieai.redis import RedisCoordinator, RedisJournal
from kieai.testing import FakeKie

from .conftest import RedisServer

T2V: str = "kling-2.6/text-to-video"
T2V_INPUT: dict[str, Any] = {
    "prompt": "A fox.",
    "sound": False,
    "duration": "5",
    "aspect_ratio": "1:1",
}


def test_a_sync_client_with_a_redis_journal_and_coordinator_closes_after_a_create(
    redis_server: RedisServer,
) -> None:
    fake = FakeKie(api_key="k")
    with fake.serve_in_thread() as url:
        client = SyncKieClient(
            "k",
            base_url=url,
            upload_base_url=url,
            coordinator=RedisCoordinator(redis_server.url),
            journal=RedisJournal(redis_server.url),
        )
        task_id = client.create(T2V, T2V_INPUT, idempotency_key="fox")
        assert client.tasks.get(task_id) is not None
        client.close()  # raised "Attempted to exit a cancel scope ..." before
        assert len(fake.tasks) == 1


@pytest.mark.anyio
async def test_an_async_client_with_both_closes_after_a_create(redis_server: RedisServer) -> None:
    fake = FakeKie(api_key="k")
    async with KieClient(
        "k",
        http_client=fake.http_client(),
        coordinator=RedisCoordinator(redis_server.url),
        journal=RedisJournal(redis_server.url),
    ) as client:
        await client.create(T2V, T2V_INPUT, idempotency_key="fox")
    assert len(fake.tasks) == 1
