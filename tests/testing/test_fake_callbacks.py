"""Callbacks in-process: Kie's bodies for success and failure, HMAC signatures, delivery on
the next request or on demand, and best-effort recording of what happened."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator

import anyio
import httpx
import pytest

from kieai import verify_callback
from kieai.testing import FakeKie, ManualClock

from .._liveness import FOREVER_S, HANG_GUARD_S
from ._support import API, AUTH, Webhook, create_id, media, motion_body, record

pytestmark = pytest.mark.anyio

CALLBACK = "https://my-app.example/kie/callback"


@pytest.fixture
async def webhook() -> Webhook:
    return Webhook()


@pytest.fixture
async def hooked(webhook: Webhook) -> AsyncIterator[tuple[FakeKie, httpx.AsyncClient]]:
    async with webhook.client() as receiver:
        fake = FakeKie(clock=ManualClock(), hmac_key="s3cret", callback_http_client=receiver)
        async with fake.http_client() as client:
            yield fake, client


async def test_success_callback_has_kies_body(
    hooked: tuple[FakeKie, httpx.AsyncClient], webhook: Webhook
) -> None:
    fake, client = hooked
    image, video = await media(client)
    task_id = await create_id(client, motion_body(image, video, callback_url=CALLBACK))
    fake.advance(1)
    assert webhook.received == []  # nothing reached the fake yet
    snapshot = await record(client, task_id)  # any request delivers due callbacks first
    ((path, headers, body),) = webhook.received
    assert path == "/kie/callback"
    assert headers["content-type"] == "application/json"
    payload = json.loads(body)
    assert payload["code"] == 200
    assert payload["msg"] == "Playground task completed successfully."
    # Kie's success callback example: recordInfo's data, but failCode/failMsg are null
    assert snapshot["data"]["failCode"] == snapshot["data"]["failMsg"] == ""
    assert payload["data"] == {**snapshot["data"], "failCode": None, "failMsg": None}
    (delivery,) = fake.callbacks
    assert (delivery.task_id, delivery.url, delivery.status_code, delivery.error) == (
        task_id,
        CALLBACK,
        200,
        None,
    )
    assert delivery.json() == payload


async def test_failure_callback_is_code_501(
    hooked: tuple[FakeKie, httpx.AsyncClient], webhook: Webhook
) -> None:
    fake, client = hooked
    image, video = await media(client)
    fake.fail_next_task("500", "Internal server error")
    await create_id(client, motion_body(image, video, callback_url=CALLBACK))
    fake.advance(1)
    await fake.deliver_callbacks()
    payload = json.loads(webhook.received[0][2])
    assert (payload["code"], payload["msg"]) == (501, "Playground task failed.")
    assert (payload["data"]["state"], payload["data"]["failCode"]) == ("fail", "500")
    assert payload["data"]["failMsg"] == "Internal server error"
    assert payload["data"]["resultJson"] is None  # Kie's failure callback example


async def test_signature_is_base64_hmac_sha256_of_task_id_and_timestamp(
    hooked: tuple[FakeKie, httpx.AsyncClient], webhook: Webhook
) -> None:
    fake, client = hooked
    image, video = await media(client)
    task_id = await create_id(client, motion_body(image, video, callback_url=CALLBACK))
    fake.advance(1)
    await fake.deliver_callbacks()
    _, headers, _ = webhook.received[0]
    timestamp = headers["x-webhook-timestamp"]
    assert abs(int(timestamp) - time.time()) < 60  # real seconds: what receivers compare with
    expected = base64.b64encode(
        hmac.new(b"s3cret", f"{task_id}.{timestamp}".encode(), hashlib.sha256).digest()
    ).decode()
    assert hmac.compare_digest(headers["x-webhook-signature"], expected)


async def test_no_hmac_key_means_no_signature_headers(webhook: Webhook) -> None:
    async with webhook.client() as receiver:
        fake = FakeKie(clock=ManualClock(), callback_http_client=receiver)
        async with fake.http_client() as client:
            image, video = await media(client)
            await create_id(client, motion_body(image, video, callback_url=CALLBACK))
            fake.advance(1)
            await fake.deliver_callbacks()
    headers = webhook.received[0][1]
    assert "x-webhook-signature" not in headers
    assert "x-webhook-timestamp" not in headers


async def test_each_callback_is_delivered_once(
    hooked: tuple[FakeKie, httpx.AsyncClient], webhook: Webhook
) -> None:
    fake, client = hooked
    image, video = await media(client)
    await create_id(client, motion_body(image, video, callback_url=CALLBACK))
    await create_id(client, motion_body(image, video))  # no callBackUrl: no callback
    assert await fake.deliver_callbacks() == []  # not finished yet
    fake.advance(1)
    assert len(await fake.deliver_callbacks()) == 1
    await client.get(f"{API}/api/v1/chat/credit", headers=AUTH)
    assert await fake.deliver_callbacks() == []
    assert len(webhook.received) == 1


async def test_a_failing_receiver_is_recorded_not_retried() -> None:
    crashing = Webhook(fail=True)
    refusing = Webhook(status=500)
    for receiver, status, error in (
        (refusing, 500, None),
        (crashing, None, "RuntimeError: the webhook handler crashed"),
    ):
        async with receiver.client() as http:
            fake = FakeKie(clock=ManualClock(), callback_http_client=http)
            async with fake.http_client() as client:
                image, video = await media(client)
                await create_id(client, motion_body(image, video, callback_url=CALLBACK))
                fake.advance(1)
                (delivery,) = await fake.deliver_callbacks()
                assert (delivery.status_code, delivery.error) == (status, error)
                fake.advance(60)
                assert await fake.deliver_callbacks() == []
        assert len(receiver.received) == 1


async def test_a_client_factory_is_opened_and_closed_per_round(webhook: Webhook) -> None:
    opened: list[httpx.AsyncClient] = []

    def factory() -> httpx.AsyncClient:
        opened.append(webhook.client())
        return opened[-1]

    fake = FakeKie(clock=ManualClock(), callback_http_client=factory)
    async with fake.http_client() as client:
        image, video = await media(client)
        await create_id(client, motion_body(image, video, callback_url=CALLBACK))
        assert await fake.deliver_callbacks() == []
        assert opened == []  # nothing due, nothing opened
        fake.advance(1)
        await fake.deliver_callbacks()
    assert len(opened) == 1
    assert opened[0].is_closed
    assert len(webhook.received) == 1


async def test_without_a_client_only_loopback_urls_are_called(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    image, video = await media(client)
    await create_id(client, motion_body(image, video, callback_url=CALLBACK))
    fake.advance(1)
    (delivery,) = await fake.deliver_callbacks()
    assert delivery.status_code is None
    assert delivery.error == (
        "not sent: my-app.example is not a loopback host; pass callback_http_client= to deliver elsewhere"
    )


async def test_a_malformed_callback_url_is_recorded_as_not_sent(
    fake: FakeKie, client: httpx.AsyncClient
) -> None:
    image, video = await media(client)
    await create_id(client, motion_body(image, video, callback_url="http://[::1/cb"))
    fake.advance(1)
    (delivery,) = await fake.deliver_callbacks()
    assert delivery.status_code is None
    assert delivery.error is not None
    assert delivery.error.startswith("not sent: http://[::1/cb is not a loopback host")


async def _credit(client: httpx.AsyncClient) -> httpx.Response:
    return await client.get(f"{API}/api/v1/chat/credit", headers=AUTH)


async def test_a_cancelled_request_keeps_the_callback_it_was_delivering() -> None:
    slow = Webhook(delay=10.0)
    async with slow.client() as receiver:
        fake = FakeKie(clock=ManualClock(), callback_http_client=receiver)
        async with fake.http_client() as client:
            image, video = await media(client)
            task_id = await create_id(client, motion_body(image, video, callback_url=CALLBACK))
            fake.advance(1)
            with anyio.move_on_after(0.05) as scope:
                await _credit(client)  # delivers the due callback first, and is cancelled
            assert scope.cancelled_caught
            (interrupted,) = fake.callbacks  # the attempt is on record ...
            assert (interrupted.task_id, interrupted.status_code) == (task_id, None)
            assert interrupted.error is not None and interrupted.error.startswith("interrupted")
            slow.delay = 0.0
            (delivered,) = await fake.deliver_callbacks()  # ... and the callback is not lost
            assert (delivered.task_id, delivered.status_code, delivered.error) == (
                task_id,
                200,
                None,
            )
            assert await fake.deliver_callbacks() == []
    assert fake.callbacks == [interrupted, delivered]
    assert len(slow.received) == 2  # the receiver saw the interrupted attempt too


async def test_a_receiver_that_hangs_is_cut_off_at_the_callback_timeout() -> None:
    hanging = Webhook(delay=FOREVER_S)
    async with hanging.client() as receiver:
        fake = FakeKie(clock=ManualClock(), callback_http_client=receiver, callback_timeout=0.1)
        async with fake.http_client() as client:
            image, video = await media(client)
            await create_id(client, motion_body(image, video, callback_url=CALLBACK))
            fake.advance(1)
            with anyio.fail_after(HANG_GUARD_S):  # the poll waits 0.1 s, not for ever
                assert (await _credit(client)).json()["code"] == 200
            (delivery,) = fake.callbacks
            assert delivery.status_code is None
            assert delivery.error == "timed out: no answer within 0.1 s (callback_timeout)"
            assert await fake.deliver_callbacks() == []  # no retries, as on Kie


async def test_one_round_delivers_its_callbacks_concurrently() -> None:
    # Each receiver answers only once all three callbacks are in: delivered one after another,
    # the first would wait for ever.
    slow = Webhook(answer_when_received=3)
    async with slow.client() as receiver:
        fake = FakeKie(clock=ManualClock(), callback_http_client=receiver)
        async with fake.http_client() as client:
            image, video = await media(client)
            ids = [
                await create_id(client, motion_body(image, video, callback_url=CALLBACK))
                for _ in range(3)
            ]
            fake.advance(1)
            with anyio.fail_after(HANG_GUARD_S):
                deliveries = await fake.deliver_callbacks()
    assert [d.task_id for d in deliveries] == ids  # recorded in the order the tasks finished
    assert [d.status_code for d in deliveries] == [200] * 3


async def test_callbacks_can_carry_the_id_as_on_kies_webhook_verification_page(
    webhook: Webhook,
) -> None:
    async with webhook.client() as receiver:
        fake = FakeKie(
            clock=ManualClock(),
            hmac_key="s3cret",
            callback_http_client=receiver,
            callback_task_id="data.task_id",
        )
        async with fake.http_client() as client:
            image, video = await media(client)
            task_id = await create_id(client, motion_body(image, video, callback_url=CALLBACK))
            fake.advance(1)
            await fake.deliver_callbacks()
    _, headers, body = webhook.received[0]
    payload = json.loads(body)
    assert payload["taskId"] == payload["data"]["task_id"] == task_id
    assert "taskId" not in payload["data"]
    task = verify_callback(body, headers, hmac_key="s3cret")
    assert (task.task_id, task.state) == (task_id, "success")


def test_callback_and_envelope_spellings_are_checked() -> None:
    with pytest.raises(ValueError, match="callback_task_id must be"):
        FakeKie(callback_task_id="taskId")  # pyright: ignore[reportArgumentType]
    with pytest.raises(ValueError, match="message_key must be"):
        FakeKie(message_key="error")  # pyright: ignore[reportArgumentType]
    with pytest.raises(ValueError, match="callback_timeout must be > 0"):
        FakeKie(callback_timeout=0)


async def test_a_failing_callback_client_factory_is_recorded_per_callback() -> None:
    def broken() -> httpx.AsyncClient:
        raise RuntimeError("no client today")

    fake = FakeKie(clock=ManualClock(), callback_http_client=broken)
    async with fake.http_client() as client:
        image, video = await media(client)
        await create_id(client, motion_body(image, video, callback_url=CALLBACK))
        fake.advance(1)
        assert (await _credit(client)).json()["code"] == 200  # the request is not broken
    (delivery,) = fake.callbacks
    assert delivery.status_code is None
    assert delivery.error == (
        "not sent: callback_http_client failed: RuntimeError('no client today')"
    )
