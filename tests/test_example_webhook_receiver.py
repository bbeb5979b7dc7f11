"""The webhook receiver example: verify, answer at once, confirm with get_task, act once."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from examples.webhook_receiver import (
    CALLBACK_PATH,
    MAX_CALLBACK_BYTES,
    CallbackReceiver,
    create_app,
    read_limited,
)
from starlette.requests import Request

from kieai import KieClient, KieError, Task
from kieai.testing import FakeKie
from kieai.webhooks import parse_callback, sign_callback

KEY = "receiver-test-key"


class StubKie:
    """A ``get_task`` that answers from a dict (or raises), recording the ids asked for."""

    def __init__(self, tasks: dict[str, Task] | None = None, error: KieError | None = None) -> None:
        self.tasks = tasks or {}
        self.error = error
        self.asked: list[str] = []

    async def get_task(self, task_id: str) -> Task:
        self.asked.append(task_id)
        if self.error is not None:
            raise self.error
        return self.tasks[task_id]


def task(task_id: str = "task-1", state: str = "success", **fields: Any) -> Task:
    return parse_callback({"data": {"taskId": task_id, "state": state, **fields}})


def body(task_id: str = "task-1", state: str = "success") -> bytes:
    return json.dumps(
        {"code": 200, "msg": "ok", "data": {"taskId": task_id, "state": state}}
    ).encode()


class Recorder:
    def __init__(self) -> None:
        self.tasks: list[Task] = []

    async def __call__(self, task: Task) -> None:
        self.tasks.append(task)


@pytest.fixture(autouse=True)
def _no_ambient_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KIE_API_KEY", raising=False)
    monkeypatch.delenv("KIE_WEBHOOK_HMAC_KEY", raising=False)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def kie() -> StubKie:
    return StubKie({"task-1": task(resultJson='{"resultUrls":["https://r/v.mp4"]}')})


@pytest.fixture
def receiver(kie: StubKie, recorder: Recorder) -> CallbackReceiver:
    return CallbackReceiver(hmac_key=KEY, client=kie, on_confirmed=recorder)


@asynccontextmanager
async def serving(receiver: CallbackReceiver) -> AsyncGenerator[httpx.AsyncClient, None]:
    """The app with its lifespan run, behind an in-process client. (ASGITransport runs the app
    to completion, background task included, before returning the response.)"""
    app = create_app(receiver)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as client:
            yield client


@pytest.fixture
async def http(receiver: CallbackReceiver) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(receiver) as client:
        yield client


async def post(http: httpx.AsyncClient, content: bytes, headers: dict[str, str]) -> httpx.Response:
    return await http.post(CALLBACK_PATH, content=content, headers=headers)


@pytest.mark.anyio
async def test_signed_callback_is_answered_with_kie_success_reply(http: httpx.AsyncClient) -> None:
    response = await post(http, body(), sign_callback("task-1", KEY))
    assert response.status_code == 200
    assert response.json() == {"code": 200, "msg": "success"}


@pytest.mark.anyio
async def test_signed_callback_is_confirmed_with_get_task_and_acted_on(
    http: httpx.AsyncClient, receiver: CallbackReceiver, kie: StubKie, recorder: Recorder
) -> None:
    await post(http, body(), sign_callback("task-1", KEY))
    assert kie.asked == ["task-1"]
    assert receiver.confirmed["task-1"].result_urls == ["https://r/v.mp4"]
    assert recorder.tasks == [receiver.confirmed["task-1"]]


@pytest.mark.anyio
async def test_action_uses_kie_answer_when_callback_body_disagrees(
    http: httpx.AsyncClient, receiver: CallbackReceiver, kie: StubKie, recorder: Recorder
) -> None:
    kie.tasks["task-1"] = task(state="fail", failCode="500", failMsg="boom")
    await post(http, body(state="success"), sign_callback("task-1", KEY))
    assert receiver.received["task-1"].state == "success"
    assert [t.state for t in recorder.tasks] == ["fail"]


@pytest.mark.anyio
async def test_repeated_callback_is_acted_on_once(
    http: httpx.AsyncClient, kie: StubKie, recorder: Recorder
) -> None:
    for _ in range(3):
        assert (await post(http, body(), sign_callback("task-1", KEY))).status_code == 200
    assert kie.asked == ["task-1"]
    assert len(recorder.tasks) == 1


@pytest.mark.anyio
async def test_unfinished_task_is_recorded_but_not_acted_on(
    http: httpx.AsyncClient, receiver: CallbackReceiver, kie: StubKie, recorder: Recorder
) -> None:
    kie.tasks["task-1"] = task(state="generating")
    await post(http, body(), sign_callback("task-1", KEY))
    assert receiver.confirmed["task-1"].state == "generating"
    assert recorder.tasks == []


@pytest.mark.anyio
async def test_failed_confirmation_still_answers_200_and_acts_on_nothing(
    receiver: CallbackReceiver, recorder: Recorder
) -> None:
    receiver.client = StubKie(error=KieError("Kie is down"))
    async with serving(receiver) as http:
        assert (await post(http, body(), sign_callback("task-1", KEY))).status_code == 200
    assert receiver.confirmed == {}
    assert recorder.tasks == []


@pytest.mark.anyio
async def test_crashing_action_is_logged_not_raised(
    http: httpx.AsyncClient, receiver: CallbackReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    async def crash(task: Task) -> None:
        raise RuntimeError("disk full")

    receiver.on_confirmed = crash
    with caplog.at_level(logging.ERROR, logger="webhook_receiver"):
        assert (await post(http, body(), sign_callback("task-1", KEY))).status_code == 200
    assert "on_confirmed failed" in caplog.text


@pytest.mark.anyio
async def test_without_client_callbacks_are_recorded_but_not_acted_on(recorder: Recorder) -> None:
    receiver = CallbackReceiver(hmac_key=KEY, on_confirmed=recorder)
    async with serving(receiver) as http:
        assert (await post(http, body(), sign_callback("task-1", KEY))).status_code == 200
    assert receiver.received["task-1"].state == "success"
    assert receiver.confirmed == {}
    assert recorder.tasks == []


@pytest.mark.anyio
async def test_tampered_signature_is_refused_with_401(
    http: httpx.AsyncClient, kie: StubKie
) -> None:
    headers = sign_callback("task-1", KEY)
    signature = headers["X-Webhook-Signature"]
    headers["X-Webhook-Signature"] = ("B" if signature[0] == "A" else "A") + signature[1:]
    response = await post(http, body(), headers)
    assert response.status_code == 401
    assert response.json() == {"code": 401, "msg": "invalid signature"}
    assert kie.asked == []


@pytest.mark.anyio
async def test_signature_made_with_another_key_is_refused_with_401(
    http: httpx.AsyncClient,
) -> None:
    assert (await post(http, body(), sign_callback("task-1", "not-the-key"))).status_code == 401


@pytest.mark.anyio
async def test_signature_for_another_task_is_refused_with_401(http: httpx.AsyncClient) -> None:
    assert (await post(http, body("task-2"), sign_callback("task-1", KEY))).status_code == 401


@pytest.mark.anyio
async def test_stale_timestamp_is_refused_with_401(http: httpx.AsyncClient, kie: StubKie) -> None:
    headers = sign_callback("task-1", KEY, int(time.time()) - 3600)
    assert (await post(http, body(), headers)).status_code == 401
    assert kie.asked == []


@pytest.mark.anyio
async def test_unsigned_callback_is_refused_with_401(http: httpx.AsyncClient) -> None:
    assert (await post(http, body(), {})).status_code == 401


@pytest.mark.anyio
async def test_malformed_body_is_refused_with_400(http: httpx.AsyncClient, kie: StubKie) -> None:
    response = await post(http, b"<html>not a callback</html>", sign_callback("task-1", KEY))
    assert response.status_code == 400
    assert "not JSON" in response.json()["msg"]
    assert kie.asked == []


@pytest.mark.anyio
async def test_oversized_body_is_refused_with_413(http: httpx.AsyncClient) -> None:
    response = await post(http, b" " * (MAX_CALLBACK_BYTES + 1), sign_callback("task-1", KEY))
    assert response.status_code == 413


def chunked_request(chunks: list[bytes]) -> tuple[Request, list[dict[str, Any]]]:
    """A request whose body arrives in ``chunks`` with no Content-Length, as chunked uploads
    do, and the list of messages not received yet."""
    messages = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    return Request({"type": "http", "method": "POST", "headers": []}, receive), messages


@pytest.mark.anyio
async def test_chunked_body_stops_being_read_past_the_limit() -> None:
    request, unread = chunked_request([b"a" * 6, b"b" * 6, b"never read"])
    assert await read_limited(request, 10) is None
    assert [m["body"] for m in unread] == [b"never read"]


@pytest.mark.anyio
async def test_chunked_body_within_the_limit_is_read_whole() -> None:
    request, _ = chunked_request([b"ab", b"cd"])
    assert await read_limited(request, 10) == b"abcd"


@pytest.mark.anyio
async def test_refusal_reason_is_logged_without_the_key(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="webhook_receiver"):
        await post(http, body(KEY), sign_callback(KEY, "not-the-key"))
    assert "does not match" in caplog.text
    assert KEY not in caplog.text


@pytest.mark.anyio
async def test_startup_fails_without_an_hmac_key() -> None:
    with pytest.raises(RuntimeError, match="KIE_WEBHOOK_HMAC_KEY"):
        async with serving(CallbackReceiver()):
            pass


@pytest.mark.anyio
async def test_hmac_key_can_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIE_WEBHOOK_HMAC_KEY", KEY)
    async with serving(CallbackReceiver()) as http:
        assert (await post(http, body(), sign_callback("task-1", KEY))).status_code == 200


@pytest.mark.anyio
async def test_startup_opens_a_kie_client_when_api_key_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KIE_API_KEY", "test-key")
    receiver = CallbackReceiver(hmac_key=KEY)
    async with serving(receiver):
        assert isinstance(receiver.client, KieClient)
    assert receiver.client is None


@pytest.mark.anyio
async def test_receiver_confirms_a_real_callback_from_the_fake() -> None:
    receiver = CallbackReceiver(hmac_key=KEY)
    receiver_app = create_app(receiver)
    recorder = Recorder()
    receiver.on_confirmed = recorder
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver_app)) as to_receiver:
        fake = FakeKie(
            api_key="test-key",
            hmac_key=KEY,
            callback_http_client=to_receiver,
            allow_external_urls=True,
            check_media=False,
        )
        async with (
            fake.http_client() as to_fake,
            KieClient(api_key="test-key", http_client=to_fake) as client,
        ):
            receiver.client = client
            task_id = await client.create_task(
                "kling-2.6/motion-control",
                {
                    "prompt": "dance",
                    "input_urls": ["https://example.com/person.png"],
                    "video_urls": ["https://example.com/dance.mp4"],
                    "character_orientation": "video",
                    "mode": "720p",
                },
                callback_url="http://receiver/kie/callback",
            )
            fake.finish_task(task_id)
            deliveries = await fake.deliver_callbacks()
    assert [d.status_code for d in deliveries] == [200]
    assert [t.task_id for t in recorder.tasks] == [task_id]
    assert recorder.tasks[0].is_success
