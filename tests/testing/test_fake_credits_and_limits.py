"""Credits (balance, charge at creation, 402, refunds) and Kie's per-account rate limits."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kieai.testing import DEFAULT_CREDITS, FakeKie, ManualClock

from ._support import API, AUTH, create, create_id, media, motion_body, record
from .conftest import START_S

pytestmark = pytest.mark.anyio

EXTERNAL = motion_body("https://cdn.example/p.png", "https://cdn.example/d.mp4")


def _lenient(**kwargs: Any) -> FakeKie:
    """A fake on a manual clock that takes any media URL (billed at the default 5 s), with a
    round balance of 1000 unless told otherwise."""
    kwargs.setdefault("credits", 1000.0)
    return FakeKie(clock=ManualClock(start=START_S), allow_external_urls=True, **kwargs)


async def _balance(client: httpx.AsyncClient) -> float:
    payload = (await client.get(f"{API}/api/v1/chat/credit", headers=AUTH)).json()
    assert payload["code"] == 200
    assert payload["msg"] == "success"
    return float(payload["data"])


async def test_credit_reports_the_balance(fake: FakeKie, client: httpx.AsyncClient) -> None:
    assert await _balance(client) == DEFAULT_CREDITS == 100_000
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


async def test_the_21st_create_in_10_seconds_is_an_http_429(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    image, video = await media(client)
    for _ in range(20):
        assert (await create(client, motion_body(image, video))).json()["code"] == 200
    refused = await create(client, motion_body(image, video))
    # Kie's Getting Started: excess requests are "rejected with HTTP 429", whatever the
    # error transport of other answers (http_status_errors is off here).
    assert refused.status_code == 429
    assert refused.json() == {"code": 429, "msg": "Rate limit exceeded. Please try again later."}
    assert refused.headers["retry-after"] == "10"
    assert len(fake.tasks) == 20
    fake.advance(10)
    assert (await create(client, motion_body(image, video))).json()["code"] == 200


async def test_rate_limit_retry_after_counts_down_to_the_free_slot() -> None:
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


async def test_record_info_limit_is_kies_10_per_second_by_default(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    answers = [await client_record(client) for _ in range(11)]
    assert [r.json()["code"] for r in answers] == [422] * 10 + [429]
    assert (answers[-1].status_code, answers[-1].headers["retry-after"]) == (429, "1")
    fake.advance(1)
    assert (await client_record(client)).json()["msg"] == "recordInfo is null"


async def test_record_info_limit_is_configurable_and_can_be_switched_off() -> None:
    for limit, expected in (((2, 1.0), [422, 422, 429]), (None, [422] * 15)):
        fake = FakeKie(clock=ManualClock(), record_rate_limit=limit)
        async with fake.http_client() as client:
            answers = [(await record(client, "task_x"))["code"] for _ in range(len(expected))]
        assert answers == expected


async def client_record(client: httpx.AsyncClient) -> httpx.Response:
    return await client.get(
        f"{API}/api/v1/jobs/recordInfo", headers=AUTH, params={"taskId": "task_x"}
    )
