"""Credits (balance, charge at creation, 402, refunds) and Kie's per-account rate limits."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kieai.testing import FakeKie, ManualClock

from ._support import API, AUTH, create, create_id, media, motion_body, record
from .conftest import START_S

pytestmark = pytest.mark.anyio

EXTERNAL = motion_body("https://cdn.example/p.png", "https://cdn.example/d.mp4")


def _lenient(**kwargs: Any) -> FakeKie:
    """A fake on a manual clock that takes any media URL (billed at the default 5 s)."""
    return FakeKie(clock=ManualClock(start=START_S), allow_external_urls=True, **kwargs)


async def _balance(client: httpx.AsyncClient) -> float:
    payload = (await client.get(f"{API}/api/v1/chat/credit", headers=AUTH)).json()
    assert payload["code"] == 200
    assert payload["msg"] == "success"
    return float(payload["data"])


async def test_credit_reports_the_balance(fake: FakeKie, client: httpx.AsyncClient) -> None:
    assert await _balance(client) == 1000
    fake.credits = 812.5
    assert await _balance(client) == 812.5
    assert fake.credits == 812.5


@pytest.mark.parametrize(("mode", "cost"), [("720p", 55.0), ("1080p", 90.0)])
async def test_a_task_is_charged_per_second_of_video_at_creation(mode: str, cost: float) -> None:
    fake = _lenient()
    async with fake.http_client() as client:
        body = motion_body("https://cdn.example/p.png", "https://cdn.example/d.mp4", mode=mode)
        task_id = await create_id(client, body)
        assert await _balance(client) == 1000 - cost
    assert fake.task(task_id).cost == cost


async def test_prices_and_default_duration_are_configurable() -> None:
    fake = _lenient(credits_per_second={"720p": 2.0, "1080p": 3.0}, default_video_seconds=10.0)
    async with fake.http_client() as client:
        await create_id(client, EXTERNAL)
        assert await _balance(client) == 980


async def test_short_balance_is_402_and_creates_nothing() -> None:
    fake = _lenient(credits=54.0)
    async with fake.http_client() as client:
        payload = (await create(client, EXTERNAL)).json()
    assert payload["code"] == 402
    assert payload["msg"] == "Credits insufficient: this task costs 55 credits, the balance is 54"
    assert fake.tasks == {}
    assert fake.credits == 54


async def test_402_travels_as_http_402_in_http_status_mode() -> None:
    fake = _lenient(credits=0, http_status_errors=True)
    async with fake.http_client() as client:
        response = await create(client, EXTERNAL)
    assert response.status_code == 402


async def test_failed_tasks_are_refunded_when_they_fail() -> None:
    fake = _lenient()
    async with fake.http_client() as client:
        fake.fail_next_task()
        task_id = await create_id(client, EXTERNAL)
        assert await _balance(client) == 945
        fake.advance(1)
        assert await _balance(client) == 1000
    assert fake.task(task_id).refunded


async def test_refunds_can_be_switched_off() -> None:
    fake = _lenient(refund_failed=False)
    async with fake.http_client() as client:
        fake.fail_next_task()
        task_id = await create_id(client, EXTERNAL)
        fake.advance(1)
        assert await _balance(client) == 945
    assert not fake.task(task_id).refunded


async def test_the_21st_create_in_10_seconds_is_429(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    image, video = await media(client)
    for _ in range(20):
        assert (await create(client, motion_body(image, video))).json()["code"] == 200
    refused = await create(client, motion_body(image, video))
    assert refused.status_code == 200
    assert refused.json() == {"code": 429, "msg": "Rate limit exceeded. Please try again later."}
    assert "retry-after" not in refused.headers
    assert len(fake.tasks) == 20
    fake.advance(10)
    assert (await create(client, motion_body(image, video))).json()["code"] == 200


async def test_rate_limit_in_http_status_mode_sends_retry_after() -> None:
    fake = _lenient(http_status_errors=True, create_rate_limit=(2, 10.0))
    async with fake.http_client() as client:
        await create_id(client, EXTERNAL)
        fake.advance(4)
        await create_id(client, EXTERNAL)
        refused = await create(client, EXTERNAL)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "6"
    assert refused.json()["code"] == 429


async def test_create_rate_limit_can_be_switched_off() -> None:
    fake = _lenient(create_rate_limit=None, credits=10_000)
    async with fake.http_client() as client:
        for _ in range(30):
            await create_id(client, EXTERNAL)
    assert len(fake.tasks) == 30


async def test_record_info_limit_is_off_by_default_and_configurable(
    client: httpx.AsyncClient,
) -> None:
    for _ in range(15):
        assert (await record(client, "task_x"))["msg"] == "recordInfo is null"
    fake = FakeKie(clock=ManualClock(), record_rate_limit=(10, 1.0))
    async with fake.http_client() as limited:
        answers = [(await record(limited, "task_x"))["code"] for _ in range(11)]
        fake.advance(1)
        answers.append((await record(limited, "task_x"))["code"])
    assert answers == [422] * 10 + [429, 422]
