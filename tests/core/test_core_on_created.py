"""``on_created`` is the caller's record of a paid task: it runs to its end however long it
takes (the createTask shield's deadline is no reason to stop it), and only a real cancellation
stops it, with the task id still logged."""

from __future__ import annotations

import logging

import anyio
import pytest

from kieai import KieClient
from kieai._assets import asset_path
from kieai.testing import FakeKie

pytestmark = pytest.mark.anyio

KEY = "test-key"
PERSON = asset_path("person.png")
DANCE = asset_path("dance.mp4")
#: The request timeout, and so the createTask shield's budget.
TIMEOUT_S = 0.2


def client_for(url: str) -> KieClient:
    return KieClient(
        api_key=KEY,
        base_url=url,
        upload_base_url=url,
        timeout=TIMEOUT_S,
        create_task_rate=None,
        get_task_rate=None,
    )


async def test_a_slow_on_created_hook_runs_to_its_end(caplog: pytest.LogCaptureFixture) -> None:
    recorded: list[str] = []

    async def record_slowly(task_id: str) -> None:
        await anyio.sleep(3 * TIMEOUT_S)  # longer than the shield's budget
        recorded.append(task_id)

    with FakeKie(api_key=KEY).serve_in_thread() as url:
        async with client_for(url) as client:
            task_id = await client.motion_control.create(
                image=PERSON, video=DANCE, on_created=record_slowly
            )

    assert recorded == [task_id]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_real_cancellation_stops_the_hook_and_logs_the_task_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hook_started = anyio.Event()
    seen: list[str] = []
    finished: list[str] = []

    async def record_forever(task_id: str) -> None:
        seen.append(task_id)
        hook_started.set()
        await anyio.sleep_forever()
        finished.append(task_id)  # pragma: no cover

    with FakeKie(api_key=KEY).serve_in_thread() as url:
        async with client_for(url) as client, anyio.create_task_group() as group:

            async def create() -> None:
                await client.motion_control.create(
                    image=PERSON, video=DANCE, on_created=record_forever
                )

            group.start_soon(create)
            await hook_started.wait()
            group.cancel_scope.cancel()

    assert len(seen) == 1 and finished == []
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(seen[0] in message and "on_created" in message for message in warnings), warnings
