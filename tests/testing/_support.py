"""Shared helpers for the FakeKie tests: raw httpx calls, the way Kie's docs describe them."""

from __future__ import annotations

import json
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
import httpx

from kieai._assets import asset_bytes

API = "https://api.kie.ai"
UPLOAD = "https://kieai.redpandaai.co"
KEY = "test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
MODEL = "kling-2.6/motion-control"
PERSON_PNG = asset_bytes("person.png")
DANCE_MP4 = asset_bytes("dance.mp4")
RESULT_MP4 = asset_bytes("result.mp4")
#: One CA bundle for every socket client in the suite (building one costs ~50 ms).
SSL_CONTEXT = httpx.create_ssl_context()


def socket_client(*, timeout: float = 5.0) -> httpx.AsyncClient:
    """A plain httpx client for talking to ``fake.serve()`` over loopback."""
    return httpx.AsyncClient(timeout=timeout, verify=SSL_CONTEXT)


async def upload(
    client: httpx.AsyncClient,
    name: str,
    data: bytes,
    *,
    base: str = UPLOAD,
    upload_path: str = "kieai",
    file_name: str | None = None,
) -> httpx.Response:
    fields = {"uploadPath": upload_path}
    if file_name is not None:
        fields["fileName"] = file_name
    return await client.post(
        f"{base}/api/file-stream-upload", headers=AUTH, files={"file": (name, data)}, data=fields
    )


async def upload_url(
    client: httpx.AsyncClient, name: str, data: bytes, *, base: str = UPLOAD
) -> str:
    response = await upload(client, name, data, base=base)
    assert response.json()["code"] == 200, response.text
    return str(response.json()["data"]["downloadUrl"])


async def media(client: httpx.AsyncClient, *, base: str = UPLOAD) -> tuple[str, str]:
    """Upload the sample image and video; return their download URLs."""
    return (
        await upload_url(client, "person.png", PERSON_PNG, base=base),
        await upload_url(client, "dance.mp4", DANCE_MP4, base=base),
    )


def motion_body(
    image_url: str, video_url: str, *, callback_url: str | None = None, **input_fields: Any
) -> dict[str, Any]:
    input_: dict[str, Any] = {
        "prompt": "The character dances.",
        "input_urls": [image_url],
        "video_urls": [video_url],
        "character_orientation": "video",
        "mode": "720p",
    }
    input_.update(input_fields)
    body: dict[str, Any] = {"model": MODEL, "input": input_}
    if callback_url is not None:
        body["callBackUrl"] = callback_url
    return body


async def create(
    client: httpx.AsyncClient, body: dict[str, Any], *, base: str = API
) -> httpx.Response:
    return await client.post(f"{base}/api/v1/jobs/createTask", headers=AUTH, json=body)


async def create_id(client: httpx.AsyncClient, body: dict[str, Any], *, base: str = API) -> str:
    response = await create(client, body, base=base)
    payload = response.json()
    assert payload["code"] == 200, payload
    return str(payload["data"]["taskId"])


async def record(client: httpx.AsyncClient, task_id: str, *, base: str = API) -> dict[str, Any]:
    response = await client.get(
        f"{base}/api/v1/jobs/recordInfo", headers=AUTH, params={"taskId": task_id}
    )
    return dict(response.json())


async def state_of(client: httpx.AsyncClient, task_id: str, *, base: str = API) -> str:
    payload = await record(client, task_id, base=base)
    return str(payload["data"]["state"])


def result_urls(data: dict[str, Any]) -> list[str]:
    return list(json.loads(data["resultJson"])["resultUrls"])


class Webhook:
    """A tiny ASGI receiver for callbacks. Thread-safe, since ``serve()`` delivers from the
    server's thread."""

    def __init__(
        self,
        status: int = 200,
        *,
        fail: bool = False,
        delay: float = 0.0,
        answer_when_received: int = 0,
    ) -> None:
        self.status = status
        self.fail = fail
        self.delay = delay
        """Seconds the receiver takes before it answers."""
        self.answer_when_received = answer_when_received
        """Answer only once this many callbacks arrived (all of them in flight at once)."""
        self._lock = threading.Lock()
        self._received: list[tuple[str, dict[str, str], bytes]] = []

    @property
    def received(self) -> list[tuple[str, dict[str, str], bytes]]:
        """(path, headers, body) of each callback, oldest first."""
        with self._lock:
            return list(self._received)

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
        send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ) -> None:
        chunks: list[bytes] = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        with self._lock:
            self._received.append((scope["path"], headers, b"".join(chunks)))
        if self.fail:
            raise RuntimeError("the webhook handler crashed")
        if self.delay:
            await anyio.sleep(self.delay)
        # Polled, not an anyio.Event: with serve() the callbacks arrive on the server's
        # thread and event loop.
        while len(self.received) < self.answer_when_received:  # noqa: ASYNC110
            await anyio.sleep(0.005)
        await send({"type": "http.response.start", "status": self.status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self))
