"""``FakeKie.serve()``: the same fake on a real loopback socket, under asyncio and trio,
with every fault kind as a real client sees it."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import time
from collections.abc import Callable
from importlib.machinery import ModuleSpec

import anyio
import httpx
import pytest

from kieai.testing import FakeKie, ManualClock

from .._liveness import FOREVER_S, HANG_GUARD_S
from ._support import (
    AUTH,
    RESULT_MP4,
    Webhook,
    create,
    create_id,
    media,
    motion_body,
    record,
    result_urls,
    socket_client,
    upload,
)

pytestmark = pytest.mark.anyio


async def _eventually(condition: Callable[[], bool], *, timeout_s: float = HANG_GUARD_S) -> None:
    """Wait for something the server thread does on its own (no event crosses threads)."""
    with anyio.fail_after(timeout_s):
        while not condition():  # noqa: ASYNC110  (polling state another thread changes)
            await anyio.sleep(0.005)


async def test_the_whole_flow_over_a_socket(fake: FakeKie) -> None:
    async with fake.serve() as base, socket_client() as client:
        assert base.startswith("http://127.0.0.1:")
        image, video = await media(client, base=base)
        assert image.startswith(f"{base}/files/kieai/")
        assert (await client.get(video)).content == (await client.get(video)).content
        task_id = await create_id(client, motion_body(image, video), base=base)
        fake.advance(1)
        data = (await record(client, task_id, base=base))["data"]
        (url,) = result_urls(data)
        assert url == f"{base}/results/{task_id}.mp4"
        response = await client.get(url)
        assert response.content == RESULT_MP4
        assert response.headers["content-type"] == "video/mp4"


async def test_a_large_upload_over_a_socket_round_trips(fake: FakeKie) -> None:
    data = os.urandom(4 * 1024 * 1024)
    async with fake.serve() as base, socket_client() as client:
        payload = (await upload(client, "big.mp4", data, base=base)).json()
        assert (await client.get(payload["data"]["downloadUrl"])).content == data


async def test_a_dropped_connection_breaks_the_response(fake: FakeKie) -> None:
    async with fake.serve() as base, socket_client() as client:
        image, video = await media(client, base=base)
        fake.inject("createTask", drop=True)
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            await create(client, motion_body(image, video), base=base)
        assert len(fake.tasks) == 1
        assert (await create(client, motion_body(image, video), base=base)).json()["code"] == 200


async def test_a_delay_times_out_a_real_client_and_shutdown_does_not_wait_for_it(
    fake: FakeKie,
) -> None:
    # Shutting down waits for nothing that is delayed for ever: it ends within the guard.
    with anyio.fail_after(HANG_GUARD_S):
        async with fake.serve() as base:
            async with socket_client(timeout=0.2) as client:
                fake.inject("credit", delay=FOREVER_S)
                with pytest.raises(httpx.ReadTimeout):
                    await client.get(f"{base}/api/v1/chat/credit", headers=AUTH)


async def test_a_short_delay_still_answers(fake: FakeKie) -> None:
    async with fake.serve() as base, socket_client() as client:
        fake.inject("credit", delay=0.15)
        start = time.monotonic()
        response = await client.get(f"{base}/api/v1/chat/credit", headers=AUTH)
        assert time.monotonic() - start >= 0.15
        assert response.json()["code"] == 200


async def test_error_pages_statuses_and_retry_after_over_a_socket(fake: FakeKie) -> None:
    async with fake.serve() as base, socket_client() as client:
        fake.inject("upload", html=True, status=502)
        fake.inject("recordInfo", status=429, retry_after=3)
        fake.inject("credit", code=455)
        page = await client.post(f"{base}/api/file-stream-upload", headers=AUTH)
        limited = await client.get(f"{base}/api/v1/jobs/recordInfo?taskId=x", headers=AUTH)
        maintenance = await client.get(f"{base}/api/v1/chat/credit", headers=AUTH)
    assert (page.status_code, page.headers["content-type"]) == (502, "text/html")
    assert "<h1>502 Bad Gateway</h1>" in page.text
    assert (limited.status_code, limited.headers["retry-after"], limited.json()["code"]) == (
        429,
        "3",
        429,
    )
    assert (maintenance.status_code, maintenance.json()["code"]) == (200, 455)


async def test_http_status_errors_over_a_socket() -> None:
    fake = FakeKie(http_status_errors=True)
    async with fake.serve() as base, socket_client() as client:
        response = await client.get(f"{base}/api/v1/chat/credit")
    assert response.status_code == 401


async def test_callbacks_go_out_from_the_server_thread_without_a_request() -> None:
    webhook = Webhook()
    fake = FakeKie(clock=ManualClock(), hmac_key="k", callback_http_client=webhook.client)
    async with fake.serve() as base, socket_client() as client:
        image, video = await media(client, base=base)
        task_id = await create_id(
            client, motion_body(image, video, callback_url="https://my-app.example/cb"), base=base
        )
        fake.advance(1)
        await _eventually(lambda: bool(webhook.received))
    payload = json.loads(webhook.received[0][2])
    assert payload["data"]["taskId"] == task_id
    assert payload["data"]["resultJson"] == json.dumps(
        {"resultUrls": [f"{base}/results/{task_id}.mp4"]}, separators=(",", ":")
    )
    assert fake.callbacks[0].status_code == 200


async def test_callbacks_reach_a_loopback_server_without_configuration() -> None:
    receiver, _webhook = FakeKie(), Webhook()
    sender = FakeKie(clock=ManualClock())
    async with sender.serve() as base, receiver.serve() as _, socket_client() as client:
        image, video = await media(client, base=base)
        # the receiving "app" is another fake: its 404 for an unknown path is still an answer
        other = _.rstrip("/")
        await create_id(
            client, motion_body(image, video, callback_url=f"{other}/webhook"), base=base
        )
        sender.advance(1)
        await _eventually(lambda: bool(sender.callbacks))
    assert sender.callbacks[0].status_code == 404
    assert receiver.requests[0].path == "/webhook"
    assert receiver.requests[0].json()["code"] == 200


async def test_a_taken_port_fails_clearly() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(RuntimeError, match=f"cannot listen on 127.0.0.1:{port}"):
            async with FakeKie().serve(port=port):
                pass


async def test_missing_uvicorn_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> ModuleSpec | None:
        return None if name == "uvicorn" else real_find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(RuntimeError, match=r"pip install 'kieai\[testing\]'"):
        async with FakeKie().serve():
            pass


async def test_a_callback_client_instance_is_refused_by_serve_at_once() -> None:
    async with Webhook().client() as instance:
        fake = FakeKie(callback_http_client=instance)
        with pytest.raises(TypeError, match="pass a zero-argument factory for serve"):
            fake.serve()


async def test_no_request_waits_for_a_slow_receiver_and_shutdown_keeps_its_callback() -> None:
    slow = Webhook(delay=FOREVER_S)
    fake = FakeKie(clock=ManualClock(), callback_http_client=slow.client)
    async with fake.serve() as base, socket_client() as client:
        image, video = await media(client, base=base)
        task_id = await create_id(
            client, motion_body(image, video, callback_url="https://my-app.example/cb"), base=base
        )
        fake.advance(1)
        await _eventually(lambda: bool(slow.received))  # the callback is on its way ...
        with anyio.fail_after(HANG_GUARD_S):  # ... and the poll does not wait for it
            response = await client.get(f"{base}/api/v1/chat/credit", headers=AUTH)
        assert response.json()["code"] == 200
    (interrupted,) = fake.callbacks  # shutdown cut the never-answering receiver short ...
    assert interrupted.error is not None and interrupted.error.startswith("interrupted")
    slow.delay = 0.0
    (delivered,) = await fake.deliver_callbacks()  # ... and the callback is still due
    assert (delivered.task_id, delivered.status_code) == (task_id, 200)
